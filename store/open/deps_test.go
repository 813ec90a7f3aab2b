package open

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// drivers are the database client modules. Only packages under store/
// may import them, so that the rest of Footfall depends on the contracts
// in store and backends can change without touching it.
var drivers = []string{
	"github.com/jackc/pgx",
	"github.com/redis/go-redis",
	"github.com/go-redis/redis_rate",
	"github.com/bsm/redislock",
	"github.com/duckdb/duckdb-go",
	"github.com/marcboeker/go-duckdb",
	"modernc.org/sqlite",
	"github.com/mattn/go-sqlite3",
	"github.com/ClickHouse/clickhouse-go",
	"github.com/lib/pq",
	"database/sql/driver",
}

// TestOnlyStoreImportsDrivers lists every package built into the footfall
// binary with its imports and fails for a driver imported outside store/.
// Test code (tests, test kits such as app/browsertest reading the events
// file back) is not in the binary and may open a database directly.
func TestOnlyStoreImportsDrivers(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command, needed to list imports: %v", err)
	}
	cmd := exec.Command(goTool, "list", "-e", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`,
		"github.com/footfallhq/footfall")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	const module = "github.com/footfallhq/footfall"
	checked, inStore := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		pkg := fields[0]
		if pkg != module && !strings.HasPrefix(pkg, module+"/") {
			continue // the standard library and other modules
		}
		checked++
		underStore := pkg == module+"/store" || strings.HasPrefix(pkg, module+"/store/")
		for _, imp := range fields[1:] {
			for _, d := range drivers {
				if imp != d && !strings.HasPrefix(imp, d+"/") {
					continue
				}
				if underStore {
					inStore++
				} else {
					t.Errorf("%s imports the driver %s: only store/... may (use store/open and the contracts in store)", pkg, imp)
				}
			}
		}
	}
	// The backends themselves import drivers: seeing none would mean the
	// listing or the matching is broken, and the test proves nothing.
	if checked < 10 || inStore < 4 {
		t.Fatalf("go list named %d packages, %d driver imports under store/; the check did not see the module", checked, inStore)
	}
}
