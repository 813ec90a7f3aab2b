package duckdb

import (
	"cmp"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	ddb "github.com/duckdb/duckdb-go/v2"

	"github.com/footfallhq/footfall/store"
)

// Append stores events in one transaction: all of them or, on error, none.
// It rejects the whole batch if an event has no site (SiteID ≤ 0), no
// timestamp, or a revenue amount that is not finite or not below 10^14.
// Invalid UTF-8 in strings is replaced with U+FFFD rather than failing a
// batch the queue would retry forever. An empty batch is a no-op.
func (s *Store) Append(ctx context.Context, events []store.Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := s.write(ctx, events, 0, false); err != nil {
		return fmt.Errorf("duckdb: append %d events: %w", len(events), err)
	}
	return nil
}

// AppendSeq is Append that also records seq as the last stored queue
// position, in the same transaction. A seq not greater than the recorded
// one means the batch was stored before (a replay after a crash): it
// stores nothing and returns an error wrapping store.ErrConflict. An empty
// batch still records seq.
func (s *Store) AppendSeq(ctx context.Context, events []store.Event, seq uint64) error {
	if err := s.write(ctx, events, seq, true); err != nil {
		return fmt.Errorf("duckdb: append %d events at queue position %d: %w", len(events), seq, err)
	}
	return nil
}

// LastSeq returns the queue position recorded by the last AppendSeq, 0 if
// none.
func (s *Store) LastSeq(ctx context.Context) (uint64, error) {
	var seq uint64
	if err := s.db.QueryRowContext(ctx, "SELECT seq FROM queue_position").Scan(&seq); err != nil {
		return 0, fmt.Errorf("duckdb: last queue position: %w", err)
	}
	return seq, nil
}

// write runs one transaction on one native connection: BEGIN, the
// position update, the Appender's rows, COMMIT. DuckDB's Appender writes
// into the connection's open transaction, so ROLLBACK undoes its rows too.
func (s *Store) write(ctx context.Context, events []store.Event, seq uint64, withSeq bool) error {
	for i := range events {
		if err := check(&events[i]); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
	}
	// Appending in (site, time) order keeps each site's rows together and
	// the ts zone maps tight, without changing the caller's slice.
	order := make([]int, len(events))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(events[a].SiteID, events[b].SiteID), events[a].Timestamp.Compare(events[b].Timestamp))
	})

	s.mu.Lock()
	defer s.mu.Unlock()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*ddb.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		if _, err := c.ExecContext(ctx, "BEGIN TRANSACTION", nil); err != nil {
			return err
		}
		err := s.inTx(ctx, c, events, order, seq, withSeq)
		if err == nil {
			// Once everything is in, COMMIT is not interruptible: an
			// interrupted COMMIT could not tell the caller whether the batch
			// was stored, and a retry would store it twice.
			_, err = c.ExecContext(context.WithoutCancel(ctx), "COMMIT", nil)
		}
		if err != nil {
			// Roll back even when ctx is done. If that fails, the
			// connection's state is unknown: ErrBadConn makes database/sql
			// drop it instead of pooling it.
			if _, rbErr := c.ExecContext(context.Background(), "ROLLBACK", nil); rbErr != nil {
				return errors.Join(err, fmt.Errorf("rollback: %w", rbErr), driver.ErrBadConn)
			}
			return err
		}
		return nil
	})
}

func (s *Store) inTx(ctx context.Context, c *ddb.Conn, events []store.Event, order []int, seq uint64, withSeq bool) error {
	if withSeq {
		// Conditional update first, so a replayed batch fails before any
		// row is appended. The driver takes no uint64 above MaxInt64 as a
		// parameter; a decimal string cast in SQL takes all of them.
		res, err := c.ExecContext(ctx, "UPDATE queue_position SET seq = CAST($1 AS UBIGINT) WHERE seq < CAST($1 AS UBIGINT)",
			[]driver.NamedValue{{Ordinal: 1, Value: strconv.FormatUint(seq, 10)}})
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("queue position %d is not after the last one stored: %w", seq, store.ErrConflict)
		}
	}
	if len(events) > 0 {
		a, err := ddb.NewAppenderFromConn(c, "", "events")
		if err != nil {
			return err
		}
		row := make([]driver.Value, numColumns)
		for _, i := range order {
			if err := a.AppendRow(values(row, &events[i])...); err != nil {
				return errors.Join(fmt.Errorf("event %d: %w", i, err), a.CloseWithCancel(ctx))
			}
		}
		// Close flushes the rows into the transaction; constraint errors
		// surface here.
		if err := a.CloseWithCancel(ctx); err != nil {
			return err
		}
		exec := func(ctx context.Context, query string, args ...any) error {
			named := make([]driver.NamedValue, len(args))
			for i, v := range args {
				named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
			}
			_, err := c.ExecContext(ctx, query, named)
			return err
		}
		if err := unroll(ctx, exec, events, time.Now()); err != nil {
			return err
		}
	}
	if s.beforeCommit != nil {
		return s.beforeCommit()
	}
	return nil
}

// check rejects what no table constraint would: events nobody could ever
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

const numColumns = 42

// values fills row with e's columns in table order. Measurements of 0 (or
// -1 for scroll depth) mean "not measured" and become NULL.
func values(row []driver.Value, e *store.Event) []driver.Value {
	row = append(row[:0],
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
		props(e.Props),
		nil, // revenue_amount
		nil, // revenue_currency
		measured(e.EngagementMS),
		nil, // scroll_depth
		measured(e.LCPms),
		nil, // cls
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
	)
	if e.RevenueAmount != 0 {
		// DECIMAL(18,4) takes its unscaled integer; passing a float would
		// be read as that integer, off by 10^4.
		row[26] = ddb.Decimal{Width: 18, Scale: 4, Value: big.NewInt(int64(math.Round(e.RevenueAmount * 1e4)))}
	}
	if e.RevenueCurrency != "" {
		row[27] = text(e.RevenueCurrency)
	}
	if e.ScrollDepth >= 0 {
		row[29] = uint8(e.ScrollDepth)
	}
	if (e.HasCLS || e.CLS > 0) && e.CLS >= 0 && !math.IsInf(float64(e.CLS), 0) {
		row[31] = e.CLS
	}
	return row
}

// timing is measured, except that a 0 flagged as measured is stored.
func timing(v uint32, zero uint8) driver.Value {
	if v == 0 && zero != 0 {
		return uint32(0)
	}
	return measured(v)
}

func measured(v uint32) driver.Value {
	if v == 0 {
		return nil
	}
	return v
}

// text guards against invalid UTF-8: DuckDB's Appender turns such a string
// into NULL, which the NOT NULL columns reject, and the whole batch with it.
func text(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s)) // each invalid byte becomes U+FFFD
}

// props stores properties with sorted keys, so equal maps are stored
// alike and compress alike.
func props(m map[string]string) driver.Value {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var om ddb.OrderedMap
	for _, k := range keys {
		om.Set(text(k), text(m[k]))
	}
	return om
}
