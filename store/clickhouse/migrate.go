package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// migration is one idempotent schema step. Its statements may depend on
// the server version (newer column types), so they are built in Go rather
// than embedded as fixed .sql files; every statement must be safe to run
// twice, because replicas starting together may both run it.
type migration struct {
	version int
	name    string
	stmts   func(v Version) []string
}

var migrations = []migration{
	{1, "events", eventsTable},
}

// lowCardinality wraps a String column type in LowCardinality where the
// server has it as a production feature (it was experimental before 19.x):
// a dictionary per part for columns with few distinct values.
func lowCardinality(v Version) string {
	if v.AtLeast(20, 1) {
		return "LowCardinality(String)"
	}
	return "String"
}

// eventsTable is the wide events row of DESIGN §6. The site comes first in
// the sort key so each tenant's rows are contiguous and every query, which
// names its site, reads only that site's granules; partitions are months of
// UTC time, so retention drops whole partitions. Timestamps are Unix
// milliseconds in an Int64 (DateTime64 is not in 18.16). Measurements use
// NULL for "not measured", as in the DuckDB backend; properties are two
// parallel arrays (no Map in 18.16); revenue is an integer count of
// 1/10000 of the currency unit, summed exactly.
func eventsTable(v Version) []string {
	lc := lowCardinality(v)
	cols := []string{
		"ts Int64",
		"site_id Int64",
		"visitor_id UInt64",
		"session_id UInt64",
		"name " + lc,
		"hostname " + lc,
		"pathname String",
		"entry_page String",
		"referrer String",
		"source " + lc,
		"channel " + lc,
		"utm_source String",
		"utm_medium " + lc,
		"utm_campaign String",
		"utm_content String",
		"utm_term String",
		"country " + lc,
		"region " + lc,
		"city String",
		"browser " + lc,
		"browser_version " + lc,
		"os " + lc,
		"os_version " + lc,
		"device " + lc,
		"screen " + lc,
		"props_keys Array(String)",
		"props_values Array(String)",
		"revenue_amount Nullable(Int64)",
		"revenue_currency " + lc,
		"engagement_ms Nullable(UInt32)",
		"scroll_depth Nullable(UInt8)",
		"lcp_ms Nullable(UInt32)",
		"cls Nullable(Float32)",
		"inp_ms Nullable(UInt32)",
		"fcp_ms Nullable(UInt32)",
		"ttfb_ms Nullable(UInt32)",
		"dns_ms Nullable(UInt32)",
		"connect_ms Nullable(UInt32)",
		"tls_ms Nullable(UInt32)",
		"response_ms Nullable(UInt32)",
		"dom_ms Nullable(UInt32)",
		"load_ms Nullable(UInt32)",
		"transfer_bytes Nullable(UInt32)",
	}
	return []string{"CREATE TABLE IF NOT EXISTS events (" + strings.Join(cols, ", ") + ") " +
		"ENGINE = MergeTree PARTITION BY " + partitionExpr + " ORDER BY (site_id, ts)"}
}

// partitionExpr is the events table's partition key: the UTC month of ts.
const partitionExpr = "toYYYYMM(toDateTime(intDiv(ts, 1000), 'UTC'))"

// Deduplicating inserts needs two things of a server: insert_deduplication_token
// (from 22.2), which names a batch whatever its bytes, and, on a table that
// is not replicated, non_replicated_deduplication_window (from 20.x): how
// many recent inserts' names the table remembers. The batcher writes about
// one batch a second, so 1000 covers a quarter of an hour of retries.
func dedupCapable(v Version) bool { return v.AtLeast(22, 2) }

const dedupWindowSQL = "ALTER TABLE events MODIFY SETTING non_replicated_deduplication_window = 1000"

// ensureDedup turns deduplication on for the events table where the
// server can, whenever the table lacks the setting (created by an older
// server since upgraded, or by a migration of an older release), and
// reports whether inserts can carry a token.
func (s *Store) ensureDedup(ctx context.Context) (bool, error) {
	if !dedupCapable(s.version) {
		return false, nil
	}
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'events' "+
		"AND position(create_table_query, 'non_replicated_deduplication_window') > 0").Scan(&n); err != nil {
		return false, fmt.Errorf("read the events table's settings: %w", err)
	}
	if n == 0 {
		if err := s.conn.Exec(ctx, dedupWindowSQL); err != nil {
			return false, fmt.Errorf("turn insert deduplication on: %w", err)
		}
	}
	return true, nil
}

// migrate creates the migrations table and applies the steps it does not
// list. Each step is idempotent, so two replicas migrating at once both
// succeed; the table may then list a version twice, which is harmless.
func (s *Store) migrate(ctx context.Context) error {
	if err := s.conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime) "+
		"ENGINE = MergeTree ORDER BY version"); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	applied := map[int]bool{}
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("read migrations: %w", err)
		}
		applied[int(v)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	for _, m := range migrations {
		if applied[m.version] {
			continue
		}
		for _, stmt := range m.stmts(s.version) {
			if err := s.conn.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		// Rows go in as a block: an INSERT with inline VALUES leaves 18.16
		// waiting for a data block over the native protocol.
		batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO schema_migrations (version, name, applied_at)")
		if err == nil {
			if err = batch.Append(uint32(m.version), m.name, time.Now()); err == nil {
				err = batch.Send()
			} else {
				err = errors.Join(err, batch.Abort())
			}
		}
		if err != nil {
			return fmt.Errorf("record migration %d: %w", m.version, err)
		}
	}
	return nil
}
