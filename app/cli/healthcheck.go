package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/footfallhq/footfall/app/config"
)

// healthcheck GETs /healthz of the server on this machine and exits 0 when
// it answers 200: the container HEALTHCHECK, so the image needs no curl.
func healthcheck(ctx context.Context, e *Env, cfg config.Config, args []string) error {
	fs, data, addr := flags(e, "healthcheck", &cfg)
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if _, err := parse(fs, args, &cfg, data, addr); err != nil {
		return err
	}
	url, err := localHTTP(cfg.Addr, "/healthz")
	if err != nil {
		return usagef("%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	fmt.Fprintf(e.Stdout, "ok: %s\n", url)
	return nil
}

// localHTTP turns a listen address into a URL reachable from this machine:
// an unspecified host (":8000", "0.0.0.0:8000") becomes loopback.
func localHTTP(listen, path string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("address %q is not host:port", listen)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}
