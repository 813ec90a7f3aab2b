// Package store holds the storage contracts of Footfall: the events store
// (DuckDB, ClickHouse), the app-data store (SQLite, PostgreSQL) and the
// durable ingest queue (WAL, Redis). Backends live in sub-packages named after
// their engine; store/storetest is the conformance suite they all pass.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors backends translate their driver errors into. Callers use errors.Is.
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("already exists")
	ErrUnsupported = errors.New("unsupported by this backend")
	// ErrFull means the queue cannot take more right now; the caller should
	// answer 503 with Retry-After and the client retry later.
	ErrFull = errors.New("queue full")
	// ErrClosed is returned by a queue that was closed.
	ErrClosed = errors.New("closed")
)

// Event is one row of the events table: a pageview, an engagement report or
// a custom event. Session-level attributes (Referrer, Source, Channel, UTM*,
// geo, device and EntryPage) hold the values of the session's first event,
// stamped on every event of the session, so that "visit:" filters are plain
// column filters. Numeric measurements use 0 for "not measured" except where
// noted.
type Event struct {
	Timestamp time.Time // UTC, millisecond precision
	SiteID    int64
	VisitorID uint64 // keyed hash of (salt, site, IP, UA), never reversible
	SessionID uint64
	Name      string // "pageview", "engagement" or a custom event name

	Hostname string
	Pathname string

	// Session-level attributes.
	EntryPage      string
	Referrer       string // referrer host + path, no query
	Source         string // e.g. "Google", "Hacker News", "" for direct
	Channel        string // GA4-like: "Organic Search", "Direct", ...
	UTMSource      string
	UTMMedium      string
	UTMCampaign    string
	UTMContent     string
	UTMTerm        string
	Country        string // ISO 3166-1 alpha-2, "" when unknown
	Region         string // ISO 3166-2 code, "" when unknown
	City           string
	Browser        string
	BrowserVersion string // major version
	OS             string
	OSVersion      string
	Device         string // "desktop", "mobile", "tablet"
	Screen         string // screen size class, same as Device unless the tracker says otherwise

	Props map[string]string // custom properties; nil when none

	RevenueAmount   float64 // 0 when none
	RevenueCurrency string  // ISO 4217, "" when none

	EngagementMS uint32
	ScrollDepth  int8 // percent 0..100; -1 when not reported

	// Core Web Vitals; 0 = not measured, except for CLS, where a zero
	// shift is the most common good value: HasCLS says whether CLS holds
	// a measurement.
	LCPms  uint32
	CLS    float32 // unitless, ×1 (e.g. 0.12)
	HasCLS bool
	INPms  uint32
	FCPms  uint32
	TTFBms uint32

	// Navigation timings; 0 = not measured, except where ZeroTimings says
	// a 0 was measured (a reused connection spends no time on DNS,
	// connect or TLS; a cached document transfers nothing).
	DNSms         uint32
	ConnectMS     uint32
	TLSms         uint32
	ResponseMS    uint32
	DOMms         uint32
	LoadMS        uint32
	TransferBytes uint32
	ZeroTimings   uint8 // ZeroDNS | ZeroConnect | …
}

// ZeroTimings bits: the timing was measured and is 0.
const (
	ZeroDNS uint8 = 1 << iota
	ZeroConnect
	ZeroTLS
	ZeroResponse
	ZeroTransfer
)

// Events stores analytics events and answers aggregate queries over them.
// Backends must return identical results for identical data: ties broken by
// dimension values ascending, time buckets aligned in the query's time zone.
// A backend that cannot answer a query returns ErrUnsupported, never an
// approximation.
type Events interface {
	// Append stores all events or none. It is safe for concurrent use but
	// the ingest path calls it from one batcher.
	Append(ctx context.Context, events []Event) error
	// Query answers q, which the caller has validated (see Query.Validate).
	Query(ctx context.Context, q Query) (Result, error)
	// Funnel returns, per step of q, how many visitors reached it (see
	// FunnelQuery), which the caller has validated.
	Funnel(ctx context.Context, q FunnelQuery) ([]int64, error)
	// Count returns how many events a site has in [from, to); zero times
	// mean unbounded. It exists for operations (bench, crash checks, usage).
	Count(ctx context.Context, siteID int64, from, to time.Time) (int64, error)
	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
	Close() error
}

// SequencedAppender is implemented by events backends that record, in the
// same transaction as the events, the position of the queue they came from.
// The batcher uses it so that a replay after a crash skips batches already
// stored: exactly once instead of at least once.
type SequencedAppender interface {
	// AppendSeq stores events and records seq as the last stored position,
	// atomically. seq must grow from call to call.
	AppendSeq(ctx context.Context, events []Event, seq uint64) error
	// LastSeq returns the last recorded position, 0 if none.
	LastSeq(ctx context.Context) (uint64, error)
}

// PositionedAppender is implemented by events backends that cannot record
// a queue position with the events but can recognise a batch sent twice
// when told where it ends in the queue (ClickHouse's insert deduplication
// token). The batcher uses it when SequencedAppender is not there, so that
// retrying an insert whose outcome was unknown stores the batch once.
type PositionedAppender interface {
	// AppendAt stores events like Append; seq is the queue position of
	// the batch's last event (0 if unknown).
	AppendAt(ctx context.Context, events []Event, seq uint64) error
}

// Queue is the durable buffer between the ingest handler and the events
// store. An event handed to Enqueue that returned nil survives a crash of
// the process (and, for server queues, of the replica).
type Queue interface {
	// Enqueue makes events durable before it returns. It returns ErrFull
	// when the queue is at capacity (or its disk is full) and accepts nothing
	// of that call.
	Enqueue(ctx context.Context, events []Event) error
	// Next blocks until at least one event is pending or ctx is done, then
	// returns up to max pending events that were not yet handed out, oldest
	// first. The returned batch stays pending until acknowledged.
	Next(ctx context.Context, max int) (Batch, error)
	// Ack marks a batch returned by Next as stored; its storage can then be
	// reclaimed. Batches are acknowledged in the order Next returned them.
	Ack(ctx context.Context, b Batch) error
	// Depth is the number of events enqueued and not yet acknowledged.
	Depth() int
	Close() error
}

// Batch is a run of queued events. Seq is the queue position of the last
// event: strictly increasing across batches, stable across restarts, so it
// can be stored with the events (SequencedAppender).
type Batch struct {
	Seq    uint64
	Events []Event
}
