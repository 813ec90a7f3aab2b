package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/footfallhq/footfall/app/config"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// The image every deployment file runs.
const image = "ghcr.io/footfallhq/footfall:latest"

// The uid and gid the Dockerfile creates; the Kubernetes securityContext
// must use the same so /data stays writable.
const uid = 10001

// knownVars is the set of FOOTFALL_* names the program reads.
func knownVars(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	for _, v := range config.Vars() {
		vars[v.Env] = true
		vars[v.Env+"_FILE"] = true
	}
	return vars
}

func checkVar(t *testing.T, where, name string) {
	t.Helper()
	if strings.HasPrefix(name, "FOOTFALL_") && !knownVars(t)[name] {
		t.Errorf("%s sets %s, which app/config does not know", where, name)
	}
}

// getRoutes returns the paths app/web registers for GET on the public
// listener, read from routes.go's source.
func getRoutes(t *testing.T) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "app", "web", "routes.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "GET" {
			return true
		}
		if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			p, _ := strconv.Unquote(lit.Value)
			routes[p] = true
		}
		return true
	})
	if !routes["/healthz"] {
		t.Fatalf("found no GET /healthz in routes.go (found %v): has the route table moved?", routes)
	}
	return routes
}

// cliCommands returns the subcommand names app/cli registers, read from
// cli.go's source.
func cliCommands(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "app", "cli", "cli.go"))
	if err != nil {
		t.Fatal(err)
	}
	cmds := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*\{"([a-z-]+)",`).FindAllSubmatch(b, -1) {
		cmds[string(m[1])] = true
	}
	if !cmds["serve"] {
		t.Fatalf("found no serve command in app/cli/cli.go (found %v)", cmds)
	}
	return cmds
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return p
}

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	stage int // index of the FROM it belongs to
	cmd   string
	args  string
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	stage := -1
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue // a comment inside a continued instruction
		}
		if rest, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(rest + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		cur.Reset()
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{stage, cmd, strings.TrimSpace(args)})
	}
	return out
}

// runStage returns the final stage's instructions by command, with ARG
// and COPY left out (they differ between a source and a binary build).
func runStage(ins []instruction) map[string][]string {
	last := ins[len(ins)-1].stage
	out := map[string][]string{}
	for _, in := range ins {
		if in.stage == last && in.cmd != "ARG" && in.cmd != "COPY" {
			out[in.cmd] = append(out[in.cmd], in.args)
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, filepath.Join("..", "Dockerfile"))
	last := ins[len(ins)-1].stage
	if last < 1 {
		t.Fatalf("Dockerfile has %d stage(s), want a build stage and a run stage", last+1)
	}
	final := map[string][]string{}
	for _, in := range ins {
		if in.stage == last {
			final[in.cmd] = append(final[in.cmd], in.args)
		}
	}
	from := final["FROM"][0]
	for _, bad := range []string{"alpine", "scratch", "static", "busybox"} {
		if strings.Contains(from, bad) {
			t.Errorf("run stage FROM %s: DuckDB needs glibc and libstdc++", from)
		}
	}

	// Go toolchain of the build stage matches go.mod's major.minor.
	gomod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	if first := ins[0].args; !strings.Contains(first, "golang:"+string(m[1])) {
		t.Errorf("build stage FROM %s, want golang:%s (go.mod)", first, m[1])
	}

	users := final["USER"]
	if len(users) == 0 {
		t.Fatal("run stage has no USER: the server would run as root")
	}
	u, _, _ := strings.Cut(users[len(users)-1], ":")
	if u == "root" || u == "0" {
		t.Errorf("USER %s: want a non-root user", users[len(users)-1])
	}
	if !slices.ContainsFunc(final["RUN"], func(r string) bool {
		return strings.Contains(r, "--uid "+strconv.Itoa(uid)) && strings.Contains(r, " "+u)
	}) {
		t.Errorf("run stage does not create user %s with uid %d", u, uid)
	}

	env := map[string]string{}
	for _, e := range final["ENV"] {
		for _, kv := range strings.Fields(e) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("ENV %q: use NAME=value", e)
			}
			checkVar(t, "Dockerfile ENV", k)
			env[k] = v
		}
	}
	if env["FOOTFALL_DATA_DIR"] != "/data" {
		t.Errorf("ENV FOOTFALL_DATA_DIR = %q, want /data", env["FOOTFALL_DATA_DIR"])
	}
	if !slices.Contains(final["VOLUME"], "/data") {
		t.Errorf("VOLUME = %v, want /data", final["VOLUME"])
	}
	if p := port(t, env["FOOTFALL_ADDR"]); !slices.Contains(final["EXPOSE"], p) {
		t.Errorf("EXPOSE %v does not include FOOTFALL_ADDR's port %s", final["EXPOSE"], p)
	}

	hc := final["HEALTHCHECK"]
	if len(hc) != 1 {
		t.Fatalf("run stage has %d HEALTHCHECKs, want 1", len(hc))
	}
	checkHealthCommand(t, "Dockerfile HEALTHCHECK", hc[0])
	if ep := final["ENTRYPOINT"]; len(ep) != 1 || !strings.Contains(ep[0], `"footfall"`) {
		t.Errorf("ENTRYPOINT = %v, want the footfall binary", ep)
	}
}

// checkHealthCommand accepts `footfall healthcheck` (a subcommand that
// GETs /healthz) or a command line naming a GET route directly.
func checkHealthCommand(t *testing.T, where, cmd string) {
	t.Helper()
	if strings.Contains(cmd, "footfall") && strings.Contains(cmd, "healthcheck") {
		if !cliCommands(t)["healthcheck"] {
			t.Errorf("%s runs `footfall healthcheck`, which app/cli does not register", where)
		}
		return
	}
	for r := range getRoutes(t) {
		if r != "/" && strings.Contains(cmd, r) {
			return
		}
	}
	t.Errorf("%s %q neither runs `footfall healthcheck` nor fetches a known route", where, cmd)
}

type composeFile struct {
	Services map[string]struct {
		Image       string         `yaml:"image"`
		Ports       []string       `yaml:"ports"`
		Volumes     []string       `yaml:"volumes"`
		Environment map[string]any `yaml:"environment"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// interpolate replaces ${VAR}, ${VAR:-default} and ${VAR:?message} the
// way Compose does, with placeholder values for required variables.
var interpolation = regexp.MustCompile(`\$\{([A-Z_]+)(?::([-?])([^}]*))?\}`)

func interpolate(s string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		p := interpolation.FindStringSubmatch(m)
		switch p[2] {
		case "-":
			return p[3]
		case "?":
			if p[1] == "FOOTFALL_SECRET_KEY" {
				return strings.Repeat("k", 32)
			}
			return "placeholder"
		}
		return ""
	})
}

func loadCompose(t *testing.T, name string) composeFile {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

func TestCompose(t *testing.T) {
	for _, tc := range []struct {
		file     string
		replicas int
		mode     string
	}{
		{"docker-compose.yml", 1, "selfhost"},
		{"docker-compose.saas.yml", 2, "saas"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c := loadCompose(t, tc.file)
			footfalls := 0
			for name, s := range c.Services {
				for dep, d := range s.DependsOn {
					dc, ok := c.Services[dep]
					if !ok {
						t.Errorf("%s depends on %s, which is not a service", name, dep)
					} else if d.Condition == "service_healthy" && dc.Healthcheck == nil {
						t.Errorf("%s waits for %s to be healthy, which has no healthcheck", name, dep)
					}
				}
				if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 {
					t.Errorf("service %s has no healthcheck", name)
				}
				for _, v := range s.Volumes {
					src, _, ok := strings.Cut(v, ":")
					if !ok {
						t.Errorf("service %s volume %q: want source:target", name, v)
						continue
					}
					if !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
						if _, declared := c.Volumes[src]; !declared {
							t.Errorf("service %s uses volume %s, not declared under volumes:", name, src)
						}
					}
				}
				if s.Image != image {
					continue
				}
				footfalls++
				checkHealthCommand(t, tc.file+" "+name+" healthcheck", strings.Join(s.Healthcheck.Test, " "))
				var environ []string
				for k, v := range s.Environment {
					checkVar(t, tc.file+" "+name, k)
					str, ok := v.(string)
					if !ok {
						t.Errorf("%s %s: %s is not a string (quote it)", tc.file, name, k)
					}
					environ = append(environ, k+"="+interpolate(str))
				}
				cfg, err := config.Load(environ)
				if err != nil {
					t.Fatalf("%s %s: config.Load: %v", tc.file, name, err)
				}
				if err := cfg.Validate(); err != nil {
					t.Errorf("%s %s: the environment does not validate:\n%v", tc.file, name, err)
				}
				if cfg.Mode != tc.mode {
					t.Errorf("%s %s: FOOTFALL_MODE = %s, want %s", tc.file, name, cfg.Mode, tc.mode)
				}
				if cfg.DataDir != "/data" {
					t.Errorf("%s %s: FOOTFALL_DATA_DIR = %s, want /data (the image's volume)", tc.file, name, cfg.DataDir)
				}
				if !slices.ContainsFunc(s.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/data") }) {
					t.Errorf("%s %s: no volume mounted at /data", tc.file, name)
				}
				want := port(t, cfg.Addr)
				if len(s.Ports) == 0 {
					t.Errorf("%s %s publishes no port", tc.file, name)
				}
				for _, p := range s.Ports {
					if i := strings.LastIndex(p, ":"); i < 0 || p[i+1:] != want {
						t.Errorf("%s %s: port %q does not map to FOOTFALL_ADDR's port %s", tc.file, name, p, want)
					}
				}
			}
			if footfalls != tc.replicas {
				t.Errorf("%s runs %d footfall services (image %s), want %d", tc.file, footfalls, image, tc.replicas)
			}
		})
	}
}

// manifest is the subset of Kubernetes objects the test looks into.
type manifest struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec yaml.Node         `yaml:"spec"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type deploymentSpec struct {
	Selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec struct {
			SecurityContext struct {
				RunAsNonRoot bool `yaml:"runAsNonRoot"`
				RunAsUser    int  `yaml:"runAsUser"`
			} `yaml:"securityContext"`
			Containers []struct {
				Image string `yaml:"image"`
				Ports []struct {
					Name          string `yaml:"name"`
					ContainerPort int    `yaml:"containerPort"`
				} `yaml:"ports"`
				EnvFrom []struct {
					ConfigMapRef *struct {
						Name string `yaml:"name"`
					} `yaml:"configMapRef"`
				} `yaml:"envFrom"`
				Env []struct {
					Name      string `yaml:"name"`
					ValueFrom *struct {
						SecretKeyRef *struct {
							Name string `yaml:"name"`
							Key  string `yaml:"key"`
						} `yaml:"secretKeyRef"`
					} `yaml:"valueFrom"`
				} `yaml:"env"`
				LivenessProbe  *probe `yaml:"livenessProbe"`
				ReadinessProbe *probe `yaml:"readinessProbe"`
				StartupProbe   *probe `yaml:"startupProbe"`
				VolumeMounts   []struct {
					MountPath string `yaml:"mountPath"`
				} `yaml:"volumeMounts"`
			} `yaml:"containers"`
		} `yaml:"spec"`
	} `yaml:"template"`
}

func loadManifests(t *testing.T) map[string]manifest {
	t.Helper()
	var k struct {
		Resources []string `yaml:"resources"`
	}
	b, err := os.ReadFile(filepath.Join("k8s", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	files, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(k.Resources, base) {
			t.Errorf("k8s/%s is not listed in kustomization.yaml: kubectl apply -k would skip it", base)
		}
	}
	byKind := map[string]manifest{}
	for _, r := range k.Resources {
		b, err := os.ReadFile(filepath.Join("k8s", r))
		if err != nil {
			t.Fatalf("kustomization.yaml lists %s: %v", r, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var m manifest
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("k8s/%s: %v", r, err)
			}
			if m.APIVersion == "" || m.Kind == "" || m.Metadata.Name == "" {
				t.Errorf("k8s/%s: an object without apiVersion, kind or name", r)
			}
			if _, dup := byKind[m.Kind]; dup {
				t.Fatalf("two %s objects; the test expects one of each", m.Kind)
			}
			byKind[m.Kind] = m
		}
	}
	for _, kind := range []string{"Namespace", "ConfigMap", "Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget"} {
		if _, ok := byKind[kind]; !ok {
			t.Errorf("deploy/k8s has no %s", kind)
		}
	}
	return byKind
}

func decodeSpec[T any](t *testing.T, m manifest) T {
	t.Helper()
	var v T
	if err := m.Spec.Decode(&v); err != nil {
		t.Fatalf("%s spec: %v", m.Kind, err)
	}
	return v
}

func subset(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestKubernetes(t *testing.T) {
	ms := loadManifests(t)
	routes := getRoutes(t)
	cm := ms["ConfigMap"]
	for k := range cm.Data {
		checkVar(t, "ConfigMap", k)
	}
	dep := ms["Deployment"]
	d := decodeSpec[deploymentSpec](t, dep)
	pod := d.Template.Spec
	if !subset(d.Selector.MatchLabels, d.Template.Metadata.Labels) {
		t.Errorf("Deployment selector %v does not match its pod labels %v", d.Selector.MatchLabels, d.Template.Metadata.Labels)
	}
	if !pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.RunAsUser != uid {
		t.Errorf("pod securityContext: runAsNonRoot %t, runAsUser %d; want true, %d (the image's user)",
			pod.SecurityContext.RunAsNonRoot, pod.SecurityContext.RunAsUser, uid)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("Deployment has %d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != image {
		t.Errorf("Deployment image %s, want %s", c.Image, image)
	}
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	environ := []string{"FOOTFALL_SECRET_KEY=" + strings.Repeat("k", 32),
		"FOOTFALL_EVENTS_URL=clickhouse://ch:9000/footfall", "FOOTFALL_DATABASE_URL=postgres://pg/footfall",
		"FOOTFALL_REDIS_URL=redis://redis:6379"}
	for k, v := range cm.Data {
		environ = append(environ, k+"="+v)
	}
	usesCM := slices.ContainsFunc(c.EnvFrom, func(e struct {
		ConfigMapRef *struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
	}) bool {
		return e.ConfigMapRef != nil && e.ConfigMapRef.Name == cm.Metadata.Name
	})
	if !usesCM {
		t.Errorf("the container does not take its environment from ConfigMap %s", cm.Metadata.Name)
	}
	secrets := map[string]bool{}
	for _, e := range c.Env {
		checkVar(t, "Deployment env", e.Name)
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		secrets[e.Name] = true
		if ref := e.ValueFrom.SecretKeyRef; ref.Key != e.Name {
			t.Errorf("env %s comes from secret key %s: keep the names alike", e.Name, ref.Key)
		}
	}
	for _, v := range config.Vars() {
		if v.Secret && cm.Data[v.Env] != "" {
			t.Errorf("ConfigMap holds %s, a secret: use a Secret reference", v.Env)
		}
	}
	for _, name := range []string{"FOOTFALL_SECRET_KEY", "FOOTFALL_DATABASE_URL", "FOOTFALL_EVENTS_URL", "FOOTFALL_REDIS_URL"} {
		if !secrets[name] {
			t.Errorf("Deployment does not take %s from a Secret", name)
		}
	}
	cfg, err := config.Load(environ)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("ConfigMap + secrets do not validate:\n%v", err)
	}
	if p := port(t, cfg.Addr); strconv.Itoa(ports["http"]) != p {
		t.Errorf("container port http = %d, FOOTFALL_ADDR port %s", ports["http"], p)
	}
	if cfg.AdminEnabled() {
		if p := port(t, cfg.AdminAddr); strconv.Itoa(ports["admin"]) != p {
			t.Errorf("container port admin = %d, FOOTFALL_ADMIN_ADDR port %s", ports["admin"], p)
		}
	}
	if !slices.ContainsFunc(c.VolumeMounts, func(v struct {
		MountPath string `yaml:"mountPath"`
	}) bool {
		return v.MountPath == cfg.DataDir
	}) {
		t.Errorf("nothing mounted at FOOTFALL_DATA_DIR %s (the root file system is read-only)", cfg.DataDir)
	}
	for name, pr := range map[string]*probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if pr == nil || pr.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", name)
			continue
		}
		if !routes[pr.HTTPGet.Path] {
			t.Errorf("%s probe GETs %s, which app/web does not route", name, pr.HTTPGet.Path)
		}
		if pn, ok := pr.HTTPGet.Port.(string); !ok || ports[pn] != ports["http"] {
			t.Errorf("%s probe port %v, want the http port", name, pr.HTTPGet.Port)
		}
	}
	if c.LivenessProbe != nil && c.LivenessProbe.HTTPGet != nil && c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe %s, want /healthz (readiness checks the stores; a store outage must not restart pods)", c.LivenessProbe.HTTPGet.Path)
	}
	if c.ReadinessProbe != nil && c.ReadinessProbe.HTTPGet != nil && c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("readiness probe %s, want /readyz", c.ReadinessProbe.HTTPGet.Path)
	}

	svc := decodeSpec[struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string `yaml:"name"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
	}](t, ms["Service"])
	if !subset(svc.Selector, d.Template.Metadata.Labels) {
		t.Errorf("Service selector %v does not select the pods %v", svc.Selector, d.Template.Metadata.Labels)
	}
	for _, p := range svc.Ports {
		if _, ok := ports[p.TargetPort]; !ok {
			t.Errorf("Service port %s targets %q, not a container port name", p.Name, p.TargetPort)
		}
		if p.TargetPort == "admin" {
			t.Errorf("Service exposes the admin port (pprof, backups)")
		}
	}

	ing := ms["Ingress"]
	for _, a := range []string{"cert-manager.io/cluster-issuer", "nginx.ingress.kubernetes.io/limit-rps"} {
		if ing.Metadata.Annotations[a] == "" {
			t.Errorf("Ingress lacks annotation %s", a)
		}
	}
	is := decodeSpec[struct {
		TLS []struct {
			Hosts      []string `yaml:"hosts"`
			SecretName string   `yaml:"secretName"`
		} `yaml:"tls"`
		Rules []struct {
			Host string `yaml:"host"`
			HTTP struct {
				Paths []struct {
					Backend struct {
						Service struct {
							Name string `yaml:"name"`
							Port struct {
								Name string `yaml:"name"`
							} `yaml:"port"`
						} `yaml:"service"`
					} `yaml:"backend"`
				} `yaml:"paths"`
			} `yaml:"http"`
		} `yaml:"rules"`
	}](t, ing)
	if len(is.TLS) == 0 || is.TLS[0].SecretName == "" {
		t.Errorf("Ingress has no TLS secret for cert-manager to fill")
	}
	for _, r := range is.Rules {
		if len(is.TLS) > 0 && !slices.Contains(is.TLS[0].Hosts, r.Host) {
			t.Errorf("Ingress host %s is not covered by its TLS hosts", r.Host)
		}
		if "https://"+r.Host != cfg.BaseURL {
			t.Errorf("Ingress host %s, FOOTFALL_BASE_URL %s: keep them alike", r.Host, cfg.BaseURL)
		}
		for _, p := range r.HTTP.Paths {
			b := p.Backend.Service
			if b.Name != ms["Service"].Metadata.Name || !slices.ContainsFunc(svc.Ports, func(sp struct {
				Name       string `yaml:"name"`
				TargetPort string `yaml:"targetPort"`
			}) bool {
				return sp.Name == b.Port.Name
			}) {
				t.Errorf("Ingress backend %s:%s is not a port of Service %s", b.Name, b.Port.Name, ms["Service"].Metadata.Name)
			}
		}
	}

	hpa := decodeSpec[struct {
		ScaleTargetRef struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicas int `yaml:"minReplicas"`
		MaxReplicas int `yaml:"maxReplicas"`
		Metrics     []struct {
			Resource struct {
				Name   string `yaml:"name"`
				Target struct {
					AverageUtilization int `yaml:"averageUtilization"`
				} `yaml:"target"`
			} `yaml:"resource"`
		} `yaml:"metrics"`
	}](t, ms["HorizontalPodAutoscaler"])
	if hpa.ScaleTargetRef.Kind != "Deployment" || hpa.ScaleTargetRef.Name != dep.Metadata.Name {
		t.Errorf("HPA scales %s/%s, want Deployment/%s", hpa.ScaleTargetRef.Kind, hpa.ScaleTargetRef.Name, dep.Metadata.Name)
	}
	if hpa.MinReplicas != 2 || hpa.MaxReplicas != 8 {
		t.Errorf("HPA replicas %d–%d, want 2–8", hpa.MinReplicas, hpa.MaxReplicas)
	}
	if len(hpa.Metrics) != 1 || hpa.Metrics[0].Resource.Name != "cpu" || hpa.Metrics[0].Resource.Target.AverageUtilization != 50 {
		t.Errorf("HPA metrics %+v, want CPU at 50%%", hpa.Metrics)
	}
	var replicas struct {
		Replicas *int `yaml:"replicas"`
	}
	if err := dep.Spec.Decode(&replicas); err == nil && replicas.Replicas != nil {
		t.Errorf("Deployment sets replicas: %d; the HPA owns the count and kubectl apply would reset it", *replicas.Replicas)
	}

	pdb := decodeSpec[struct {
		MinAvailable int `yaml:"minAvailable"`
		Selector     struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
	}](t, ms["PodDisruptionBudget"])
	if !subset(pdb.Selector.MatchLabels, d.Template.Metadata.Labels) {
		t.Errorf("PodDisruptionBudget selector %v does not select the pods", pdb.Selector.MatchLabels)
	}
	if pdb.MinAvailable < 1 || pdb.MinAvailable >= hpa.MinReplicas {
		t.Errorf("PodDisruptionBudget minAvailable %d: want at least 1 and below the HPA's minimum %d, or nodes never drain", pdb.MinAvailable, hpa.MinReplicas)
	}
}

// TestReleaseImage: goreleaser's image is built from the release binaries
// with deploy/Dockerfile.release, whose run stage must match the source
// Dockerfile's (checked in full by TestDockerfile), for the targets the
// builds produce.
func TestReleaseImage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rel struct {
		Builds []struct {
			ID     string   `yaml:"id"`
			Goos   []string `yaml:"goos"`
			Goarch []string `yaml:"goarch"`
		} `yaml:"builds"`
		Dockers []struct {
			IDs        []string `yaml:"ids"`
			Dockerfile string   `yaml:"dockerfile"`
			Images     []string `yaml:"images"`
			Platforms  []string `yaml:"platforms"`
		} `yaml:"dockers_v2"`
	}
	if err := yaml.Unmarshal(b, &rel); err != nil {
		t.Fatal(err)
	}
	if len(rel.Dockers) != 1 {
		t.Fatalf("goreleaser.yaml has %d dockers_v2 entries, want 1", len(rel.Dockers))
	}
	d := rel.Dockers[0]
	var platforms []string
	for _, b := range rel.Builds {
		if !slices.Contains(d.IDs, b.ID) {
			t.Errorf("build %s is not in the image's ids", b.ID)
		}
		for _, goos := range b.Goos {
			for _, arch := range b.Goarch {
				platforms = append(platforms, goos+"/"+arch)
			}
		}
	}
	slices.Sort(platforms)
	got := slices.Sorted(slices.Values(d.Platforms))
	if !slices.Equal(got, platforms) {
		t.Errorf("image platforms %v, builds produce %v", got, platforms)
	}
	if !slices.Contains(d.Images, strings.Split(image, ":")[0]) {
		t.Errorf("image names %v lack %s, which the deploy files run", d.Images, strings.Split(image, ":")[0])
	}
	release := parseDockerfile(t, filepath.Join("..", d.Dockerfile))
	if release[len(release)-1].stage != 0 {
		t.Errorf("%s builds in stages; it should only copy the release binary", d.Dockerfile)
	}
	if !slices.ContainsFunc(release, func(in instruction) bool {
		return in.cmd == "COPY" && strings.HasPrefix(in.args, "${TARGETPLATFORM}/footfall ")
	}) {
		t.Errorf("%s does not COPY ${TARGETPLATFORM}/footfall (where buildx puts each platform's binary)", d.Dockerfile)
	}
	source := runStage(parseDockerfile(t, filepath.Join("..", "Dockerfile")))
	if diff := cmp.Diff(source, runStage(release)); diff != "" {
		t.Errorf("run stages of Dockerfile and %s differ (-source +release):\n%s", d.Dockerfile, diff)
	}
}
