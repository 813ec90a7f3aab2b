package clickhouse

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/footfallhq/footfall/store"
)

// insertColumns is the explicit column list of every insert, in the order
// row appends values.
var insertColumns = []string{
	"ts", "site_id", "visitor_id", "session_id", "name", "hostname", "pathname",
	"entry_page", "referrer", "source", "channel",
	"utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
	"country", "region", "city", "browser", "browser_version", "os", "os_version", "device", "screen",
	"props_keys", "props_values", "revenue_amount", "revenue_currency",
	"engagement_ms", "scroll_depth", "lcp_ms", "cls", "inp_ms", "fcp_ms", "ttfb_ms",
	"dns_ms", "connect_ms", "tls_ms", "response_ms", "dom_ms", "load_ms", "transfer_bytes",
}

var insertSQL = "INSERT INTO events (" + strings.Join(insertColumns, ", ") + ")"

// Append stores events with one INSERT: one block, so the server writes
// all of them or none (one part per month the batch spans). It rejects
// the whole batch if an event has no site (SiteID ≤ 0), no timestamp, or
// a revenue amount that is not finite or not below 10^14. Invalid UTF-8 in
// strings is replaced with U+FFFD. An empty batch is a no-op.
//
// Cancelling ctx stops Append before the insert is sent; once sent, it
// runs to the end so that an error always means "not stored".
func (s *Store) Append(ctx context.Context, events []store.Event) error {
	return s.AppendAt(ctx, events, 0)
}

// AppendAt is Append for a batch whose last event is at position seq of
// the queue (0: unknown). On a server that deduplicates inserts
// (Store.Deduplicates), the insert carries a token derived from seq and
// the batch, so the same batch sent again (a retry after an insert whose
// outcome the client never learnt) is dropped by the server instead of
// stored twice. Older servers store it twice.
func (s *Store) AppendAt(ctx context.Context, events []store.Event, seq uint64) error {
	if len(events) == 0 {
		return nil
	}
	if err := s.append(ctx, events, seq); err != nil {
		return fmt.Errorf("clickhouse: append %d events: %w", len(events), unavailable(err))
	}
	return nil
}

func (s *Store) append(ctx context.Context, events []store.Event, seq uint64) error {
	order, err := insertOrder(events)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The batch holds the rows client-side until Send. From here on the
	// insert is not cancelled: an insert cut off mid-way could not tell
	// the caller whether the server stored it, and a retry would store it
	// twice.
	wctx := context.WithoutCancel(ctx)
	if s.dedup && seq > 0 {
		wctx = ch.Context(wctx, ch.WithSettings(ch.Settings{"insert_deduplication_token": dedupToken(seq, events, order)}))
	}
	batch, err := s.conn.PrepareBatch(wctx, insertSQL)
	if err != nil {
		return fmt.Errorf("prepare insert: %w", err)
	}
	for _, i := range order {
		if err := batch.Append(row(&events[i])...); err != nil {
			return errors.Join(fmt.Errorf("event %d: %w", i, err), batch.Abort())
		}
	}
	if err := ctx.Err(); err != nil {
		return errors.Join(err, batch.Abort())
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	return nil
}

// insertOrder checks every event and returns the order to insert them in:
// sorted by the table's key, so the server has less to sort. The caller's
// slice stays as it is.
func insertOrder(events []store.Event) ([]int, error) {
	for i := range events {
		if err := check(&events[i]); err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
	}
	order := make([]int, len(events))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(events[a].SiteID, events[b].SiteID), events[a].Timestamp.Compare(events[b].Timestamp))
	})
	return order, nil
}

// dedupToken names a batch for the server's insert deduplication: its last
// queue position, its size, and a hash of what identifies each event, in
// insert order. The position alone would do for a batch retried as it was;
// the rest keeps two different batches that end at the same position (a
// queue handing a dead replica's events to another, regrouped) from
// passing for one another.
func dedupToken(seq uint64, events []store.Event, order []int) string {
	h := fnv.New64a()
	var buf [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	for _, i := range order {
		e := &events[i]
		put(uint64(e.SiteID))
		put(uint64(e.Timestamp.UnixNano()))
		put(e.VisitorID)
		put(e.SessionID)
		h.Write([]byte(e.Name))
		h.Write([]byte{0})
		h.Write([]byte(e.Pathname))
		h.Write([]byte{0})
	}
	return "footfall-" + strconv.FormatUint(seq, 10) + "-" + strconv.Itoa(len(events)) + "-" + strconv.FormatUint(h.Sum64(), 16)
}

// check rejects what no column type would: events nobody could ever
// query, and amounts that cannot be stored exactly.
func check(e *store.Event) error {
	switch {
	case e.SiteID <= 0:
		return fmt.Errorf("site id %d is not positive", e.SiteID)
	case e.Timestamp.IsZero():
		return errors.New("no timestamp")
	case math.IsNaN(e.RevenueAmount) || math.Abs(e.RevenueAmount) >= 1e14:
		return fmt.Errorf("revenue amount %v out of range", e.RevenueAmount)
	}
	return nil
}

// row returns e's values in insertColumns order. Measurements of 0 (or
// -1 for scroll depth) mean "not measured" and become NULL.
func row(e *store.Event) []any {
	keys, vals := props(e.Props)
	var revenue *int64
	if e.RevenueAmount != 0 {
		v := int64(math.Round(e.RevenueAmount * 1e4))
		revenue = &v
	}
	var scroll *uint8
	if e.ScrollDepth >= 0 {
		v := uint8(e.ScrollDepth)
		scroll = &v
	}
	var cls *float32
	if (e.HasCLS || e.CLS > 0) && e.CLS >= 0 && !math.IsInf(float64(e.CLS), 0) {
		v := e.CLS
		cls = &v
	}
	return []any{
		e.Timestamp.UnixMilli(),
		e.SiteID,
		e.VisitorID,
		e.SessionID,
		text(e.Name),
		text(e.Hostname),
		text(e.Pathname),
		text(e.EntryPage),
		text(e.Referrer),
		text(e.Source),
		text(e.Channel),
		text(e.UTMSource),
		text(e.UTMMedium),
		text(e.UTMCampaign),
		text(e.UTMContent),
		text(e.UTMTerm),
		text(e.Country),
		text(e.Region),
		text(e.City),
		text(e.Browser),
		text(e.BrowserVersion),
		text(e.OS),
		text(e.OSVersion),
		text(e.Device),
		text(e.Screen),
		keys,
		vals,
		revenue,
		text(e.RevenueCurrency),
		measured(e.EngagementMS),
		scroll,
		measured(e.LCPms),
		cls,
		measured(e.INPms),
		measured(e.FCPms),
		measured(e.TTFBms),
		timing(e.DNSms, e.ZeroTimings&store.ZeroDNS),
		timing(e.ConnectMS, e.ZeroTimings&store.ZeroConnect),
		timing(e.TLSms, e.ZeroTimings&store.ZeroTLS),
		timing(e.ResponseMS, e.ZeroTimings&store.ZeroResponse),
		measured(e.DOMms),
		measured(e.LoadMS),
		timing(e.TransferBytes, e.ZeroTimings&store.ZeroTransfer),
	}
}

// timing is measured, except that a 0 flagged as measured is stored.
func timing(v uint32, zero uint8) *uint32 {
	if v == 0 && zero != 0 {
		return &v
	}
	return measured(v)
}

func measured(v uint32) *uint32 {
	if v == 0 {
		return nil
	}
	return &v
}

// text replaces invalid UTF-8, as the DuckDB backend does, so both
// backends store and compare the same strings.
func text(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s))
}

// props returns the properties as parallel key and value arrays, keys
// sorted, so equal maps are stored alike.
func props(m map[string]string) (keys, vals []string) {
	keys, vals = []string{}, []string{}
	if len(m) == 0 {
		return keys, vals
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vals = append(vals, text(m[k]))
	}
	for i, k := range keys {
		keys[i] = text(k)
	}
	return keys, vals
}

// Count returns how many rows (engagement reports included) the site has
// in [from, to); zero times mean unbounded.
func (s *Store) Count(ctx context.Context, siteID int64, from, to time.Time) (int64, error) {
	n, err := s.scalar(ctx, countSQL(siteID, from, to))
	if err != nil {
		return 0, fmt.Errorf("clickhouse: count events of site %d: %w", siteID, err)
	}
	return int64(n), nil
}

func countSQL(siteID int64, from, to time.Time) string {
	query := "SELECT count() FROM events WHERE site_id = " + num(siteID)
	if !from.IsZero() {
		query += " AND ts >= " + num(ceilMilli(from))
	}
	if !to.IsZero() {
		query += " AND ts < " + num(ceilMilli(to))
	}
	return query
}

// ceilMilli returns t in Unix milliseconds, rounded up: stored times are
// whole milliseconds, so "ts >= ceil(t)" and "ts < ceil(t)" are exactly
// "at or after t" and "before t" even for a t between two milliseconds.
func ceilMilli(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Sub(time.UnixMilli(ms)) > 0 {
		ms++
	}
	return ms
}
