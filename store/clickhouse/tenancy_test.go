package clickhouse

import (
	"regexp"
	"strings"
	"testing"

	"github.com/footfallhq/footfall/store/storetest"
)

// eventsRead matches every read of the events table with what follows it.
var eventsRead = regexp.MustCompile(`\bFROM events\b(.{0,40})`)

// TestEveryQueryNamesItsSite compiles every query and funnel of the
// conformance suite, on several sites, and checks that each read of the
// events table in the generated SQL is immediately restricted to the
// query's site: no statement can see another tenant's rows.
func TestEveryQueryNamesItsSite(t *testing.T) {
	for _, site := range []int64{1, 42, 1 << 40} {
		want := "WHERE site_id = " + num(site) + " AND "
		check := func(name, sql string) {
			t.Helper()
			reads := eventsRead.FindAllStringSubmatch(sql, -1)
			if len(reads) == 0 {
				t.Errorf("%s (site %d): no read of the events table in %s", name, site, sql)
			}
			for _, r := range reads {
				if !strings.HasPrefix(strings.TrimLeft(r[1], " "), want) {
					t.Errorf("%s (site %d): events read without its site predicate: FROM events%s…", name, site, r[1])
				}
			}
			if strings.Count(sql, "FROM events") != strings.Count(sql, "FROM events "+want) {
				t.Errorf("%s (site %d): a read of events lacks %q", name, site, want)
			}
		}
		for _, c := range storetest.QueryCases() {
			q := c.Query
			q.SiteID = site
			compiled, err := compile(q)
			if err != nil {
				t.Fatalf("compile(%s): %v", c.Name, err)
			}
			check(c.Name, compiled.sql)
			if compiled.countSQL != "" {
				check(c.Name+" (count)", compiled.countSQL)
			}
		}
		for i, f := range storetest.FunnelCases() {
			f.SiteID = site
			stmts, err := compileFunnel(f)
			if err != nil {
				t.Fatalf("compileFunnel(%d): %v", i, err)
			}
			for _, stmt := range stmts {
				check("funnel", stmt)
			}
		}
	}
}
