package clickhouse

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/storetest"
)

// The modern-dialect tests run the SQL this package generates on chdb, a
// current ClickHouse (26.x) as a library, while the other tests run it on
// the oldest server supported (Debian's 18.16): both dialects are held to
// the same golden answers. libchdb.so comes from the npm package
// @chdb/lib-linux-x64-gnu (.ci/chdb, installed by .ci/run); a small C
// program (testdata/chdb_shim.c), built here with the system's compiler,
// loads it and runs the statements this test sends it.

// chdbLib returns the path of libchdb.so: FOOTFALL_TEST_CHDB, else where
// `npm ci --prefix .ci/chdb` puts it. Missing, the test is skipped, or
// fails under CI=true.
func chdbLib(t testing.TB) string {
	t.Helper()
	lib := os.Getenv("FOOTFALL_TEST_CHDB")
	if lib == "" {
		abs, err := filepath.Abs("../../.ci/chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so")
		if err != nil {
			t.Fatal(err)
		}
		lib = abs
	}
	if _, err := os.Stat(lib); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chdb (libchdb.so) not found at %s, and CI=true requires the modern-dialect tests to run (npm ci --prefix .ci/chdb): %v", lib, err)
		}
		t.Skipf("chdb not installed (npm ci --prefix .ci/chdb, or FOOTFALL_TEST_CHDB=/path/to/libchdb.so): %v", err)
	}
	return lib
}

var shim struct {
	once sync.Once
	path string
	err  error
}

// chdbShim builds testdata/chdb_shim.c once per test binary.
func chdbShim(t testing.TB) string {
	t.Helper()
	shim.once.Do(func() {
		dir, err := os.MkdirTemp("", "chdb-shim-")
		if err != nil {
			shim.err = err
			return
		}
		shim.path = filepath.Join(dir, "chdb_shim")
		cc := os.Getenv("CC")
		if cc == "" {
			cc = "cc"
		}
		out, err := exec.Command(cc, "-O1", "-o", shim.path, "testdata/chdb_shim.c", "-ldl").CombinedOutput()
		if err != nil {
			shim.err = fmt.Errorf("build testdata/chdb_shim.c with %s: %v\n%s", cc, err, out)
		}
	})
	if shim.err != nil {
		t.Fatal(shim.err)
	}
	return shim.path
}

// chdb is one chdb session in a shim process. It implements runner, so
// runQuery and runFunnel drive it as they drive a server.
type chdb struct {
	mu      sync.Mutex
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Reader
	version Version
}

var _ runner = (*chdb)(nil)

// startChdb starts a session with its data in a temporary directory,
// stopped at the end of the test.
func startChdb(t testing.TB) *chdb {
	t.Helper()
	lib, bin := chdbLib(t), chdbShim(t)
	cmd := exec.Command(bin, lib, t.TempDir())
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chdb shim: %v", err)
	}
	c := &chdb{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20)}
	t.Cleanup(func() {
		in.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("chdb shim: %v", err)
		}
	})
	v, err := c.run("TSV", "SELECT version()")
	if err != nil {
		t.Fatalf("chdb: %v", err)
	}
	parts := strings.SplitN(strings.TrimSpace(string(v)), ".", 4)
	if len(parts) < 3 {
		t.Fatalf("chdb version %q", v)
	}
	for i, p := range []*uint64{&c.version.Major, &c.version.Minor, &c.version.Patch} {
		if *p, err = strconv.ParseUint(parts[i], 10, 64); err != nil {
			t.Fatalf("chdb version %q: %v", v, err)
		}
	}
	return c
}

// run sends one statement and returns its result in format.
func (c *chdb) run(format, sql string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := fmt.Fprintf(c.in, "%s %d\n%s", format, len(sql), sql); err != nil {
		return nil, fmt.Errorf("chdb: send: %w", err)
	}
	var status string
	var n int
	if _, err := fmt.Fscanf(c.out, "%s %d\n", &status, &n); err != nil {
		return nil, fmt.Errorf("chdb: read answer: %w", err)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(c.out, buf); err != nil {
		return nil, fmt.Errorf("chdb: read answer: %w", err)
	}
	if status != "OK" {
		return nil, fmt.Errorf("chdb: %s\nSQL: %s", buf, sql)
	}
	return buf, nil
}

func (c *chdb) exec(sql string) error {
	_, err := c.run("TSV", sql)
	return err
}

// groups reads JSONCompact, which carries rows_before_limit_at_least
// after the rows, as the native protocol's profile does for a server.
func (c *chdb) groups(_ context.Context, sql string, nd, nm int, fn func([]string, []float64)) (uint64, bool, error) {
	if exactRowsBeforeLimit(c.version) {
		sql += " SETTINGS exact_rows_before_limit = 1"
	}
	data, err := c.run("JSONCompact", sql)
	if err != nil {
		return 0, false, err
	}
	var out struct {
		Data   [][]json.RawMessage `json:"data"`
		Before *uint64             `json:"rows_before_limit_at_least"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return 0, false, fmt.Errorf("chdb: JSONCompact: %w", err)
	}
	dims, vals := make([]string, nd), make([]float64, nm)
	for _, row := range out.Data {
		if len(row) != nd+nm {
			return 0, false, fmt.Errorf("chdb: row of %d columns, want %d", len(row), nd+nm)
		}
		for i := range dims {
			if err := json.Unmarshal(row[i], &dims[i]); err != nil {
				return 0, false, fmt.Errorf("chdb: column %d: %w", i, err)
			}
		}
		for i := range vals {
			if err := json.Unmarshal(row[nd+i], &vals[i]); err != nil {
				return 0, false, fmt.Errorf("chdb: column %d: %w", nd+i, err)
			}
		}
		fn(dims, vals)
	}
	if out.Before == nil {
		return 0, false, nil
	}
	return *out.Before, true, nil
}

func (c *chdb) scalar(_ context.Context, sql string) (uint64, error) {
	data, err := c.run("RowBinary", sql)
	if err != nil {
		return 0, err
	}
	if len(data) != 8 {
		return 0, fmt.Errorf("chdb: want one UInt64, got %d bytes", len(data))
	}
	return binary.LittleEndian.Uint64(data), nil
}

// chdbEvents is the events table on chdb, written and read with this
// package's statements: the schema a current server gets, rows as the
// batch insert sends them (written out as literals), and every query and
// funnel compiled as for a server.
type chdbEvents struct{ c *chdb }

var _ store.Events = chdbEvents{}

func openChdbEvents(t testing.TB) chdbEvents {
	t.Helper()
	c := startChdb(t)
	stmts := eventsTable(c.version)
	if dedupCapable(c.version) {
		stmts = append(stmts, dedupWindowSQL)
	}
	for _, stmt := range stmts {
		if err := c.exec(stmt); err != nil {
			t.Fatalf("schema on chdb %s: %v", c.version, err)
		}
	}
	return chdbEvents{c}
}

func (e chdbEvents) Append(_ context.Context, events []store.Event) error {
	return e.insert(events, "")
}

// insert writes events with one INSERT, as Store.append does, with the
// deduplication token if not "".
func (e chdbEvents) insert(events []store.Event, token string) error {
	if len(events) == 0 {
		return nil
	}
	order, err := insertOrder(events)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(insertSQL)
	if token != "" {
		b.WriteString(" SETTINGS insert_deduplication_token = " + quote(token))
	}
	b.WriteString(" VALUES ")
	for n, i := range order {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range row(&events[i]) {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(literal(v))
		}
		b.WriteByte(')')
	}
	return e.c.exec(b.String())
}

// literal writes one of the values row returns as SQL.
func literal(v any) string {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case string:
		return quote(v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case *int64:
		if v == nil {
			return "NULL"
		}
		return strconv.FormatInt(*v, 10)
	case *uint32:
		if v == nil {
			return "NULL"
		}
		return strconv.FormatUint(uint64(*v), 10)
	case *uint8:
		if v == nil {
			return "NULL"
		}
		return strconv.FormatUint(uint64(*v), 10)
	case *float32:
		if v == nil {
			return "NULL"
		}
		return strconv.FormatFloat(float64(*v), 'g', -1, 32)
	}
	panic(fmt.Sprintf("literal: unexpected %T", v))
}

func (e chdbEvents) Query(ctx context.Context, q store.Query) (store.Result, error) {
	return runQuery(ctx, e.c, q)
}

func (e chdbEvents) Funnel(ctx context.Context, q store.FunnelQuery) ([]int64, error) {
	return runFunnel(ctx, e.c, q)
}

func (e chdbEvents) Count(ctx context.Context, site int64, from, to time.Time) (int64, error) {
	n, err := e.c.scalar(ctx, countSQL(site, from, to))
	return int64(n), err
}

func (e chdbEvents) Ping(context.Context) error { return nil }
func (e chdbEvents) Close() error               { return nil }

// TestModernDialect holds the SQL of every query case and funnel to the
// golden answers on a current ClickHouse.
func TestModernDialect(t *testing.T) {
	storetest.RunEventQueries(t, func(t testing.TB) (store.Events, func(testing.TB) store.Events) {
		return openChdbEvents(t), nil
	})
}

// TestModernInsertDeduplication: on a server that has insert tokens, the
// same batch inserted twice under its token is stored once, and another
// batch at the same queue position is not mistaken for it.
func TestModernInsertDeduplication(t *testing.T) {
	e := openChdbEvents(t)
	if !dedupCapable(e.c.version) {
		t.Fatalf("chdb %s predates insert deduplication tokens", e.c.version)
	}
	ev := storetest.Dataset(3, 300, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 2)
	order, err := insertOrder(ev)
	if err != nil {
		t.Fatal(err)
	}
	token := dedupToken(41, ev, order)
	for range 2 {
		if err := e.insert(ev, token); err != nil {
			t.Fatal(err)
		}
	}
	count := func() uint64 {
		t.Helper()
		n, err := e.c.scalar(t.Context(), "SELECT count() FROM events")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != uint64(len(ev)) {
		t.Fatalf("after inserting the batch twice under one token: %d rows, want %d", n, len(ev))
	}
	other := ev[:len(ev)-1]
	oorder, err := insertOrder(other)
	if err != nil {
		t.Fatal(err)
	}
	if dedupToken(41, other, oorder) == token {
		t.Fatal("two different batches at one position have the same token")
	}
	if err := e.insert(other, dedupToken(41, other, oorder)); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != uint64(2*len(ev)-1) {
		t.Fatalf("a different batch at the same position: %d rows, want %d", n, 2*len(ev)-1)
	}
	// The token decides, not the rows: the same rows at a later position
	// (another batch that happens to hold them) are stored.
	if err := e.insert(ev, dedupToken(42, ev, order)); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != uint64(3*len(ev)-1) {
		t.Fatalf("the same rows under another token: %d rows, want %d", n, 3*len(ev)-1)
	}
}
