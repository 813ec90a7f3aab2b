// Package report sends errors to Sentry (or anything that speaks its
// protocol: GlitchTip, Bugsink) when FOOTFALL_SENTRY_DSN is set.
//
// It hooks into logging rather than into each caller: every record logged
// at error level (a failed job, a panic recovered in an HTTP handler or a
// job, an internal error answered with a 500) becomes an event, with the
// stack of the logging goroutine, which for a recovered panic still holds
// the frames that panicked. So nothing needs to remember to report.
//
// Nothing personal leaves the process: events carry no HTTP request (no
// headers, cookies, bodies), no user, and before sending every string is
// scrubbed of IP addresses and every attribute whose name suggests an
// address, credential or body is replaced (see scrub).
package report

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
)

// Options configure the reporter.
type Options struct {
	DSN         string
	Release     string // the footfall version
	Environment string // e.g. production, staging
	// Transport replaces the HTTP transport (tests only).
	Transport sentry.Transport
}

// Reporter sends events to one DSN.
type Reporter struct {
	client *sentry.Client
}

// New checks the DSN and returns a reporter.
func New(o Options) (*Reporter, error) {
	c, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:            o.DSN,
		Release:        o.Release,
		Environment:    o.Environment,
		SendDefaultPII: false,
		BeforeSend:     func(ev *sentry.Event, _ *sentry.EventHint) *sentry.Event { return scrub(ev) },
		Transport:      o.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("FOOTFALL_SENTRY_DSN: %w", err)
	}
	return &Reporter{client: c}, nil
}

// Flush waits up to timeout for queued events to be sent; call it before
// the process exits.
func (r *Reporter) Flush(timeout time.Duration) bool { return r.client.Flush(timeout) }

// Handler returns a slog.Handler that passes every record to next and
// reports those at error level and above.
func (r *Reporter) Handler(next slog.Handler) slog.Handler {
	return &handler{next: next, r: r}
}

type handler struct {
	next   slog.Handler
	r      *Reporter
	attrs  []slog.Attr // from WithAttrs, keys already prefixed by groups
	prefix string      // from WithGroup: "group."
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || h.next.Enabled(ctx, l)
}

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	var err error
	if h.next.Enabled(ctx, rec.Level) {
		err = h.next.Handle(ctx, rec)
	}
	if rec.Level >= slog.LevelError {
		h.r.capture(rec, h.attrs, h.prefix)
	}
	return err
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.next = h.next.WithAttrs(as)
	n.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range as {
		n.attrs = append(n.attrs, slog.Attr{Key: h.prefix + a.Key, Value: a.Value})
	}
	return &n
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	n.next = h.next.WithGroup(name)
	n.prefix = h.prefix + name + "."
	return &n
}

// capture turns a log record into an event: the message titles it, an
// error attribute (or a panic value) is the exception, the other
// attributes go into a "log" context, and component/job become tags.
func (r *Reporter) capture(rec slog.Record, pre []slog.Attr, prefix string) {
	ev := sentry.NewEvent()
	ev.Level = sentry.LevelError
	if rec.Level > slog.LevelError {
		ev.Level = sentry.LevelFatal
	}
	ev.Logger = "slog"
	ev.Message = rec.Message
	ev.Timestamp = rec.Time
	fields := map[string]any{}
	var detail string
	add := func(key string, v slog.Value) {
		v = v.Resolve()
		switch key {
		case "stack":
			return // the event has the stack itself
		case "err", "error", "panic":
			if detail == "" {
				detail = v.String()
				if e, ok := v.Any().(error); ok {
					detail = e.Error()
				}
			}
		}
		if key == "component" || key == "job" {
			ev.Tags[key] = v.String()
		}
		fields[key] = valueOf(v)
	}
	for _, a := range pre {
		add(a.Key, a.Value)
	}
	rec.Attrs(func(a slog.Attr) bool {
		flatten(prefix+a.Key, a.Value, add)
		return true
	})
	ev.Contexts["log"] = fields
	st := sentry.NewStacktrace()
	trimFrames(st)
	ev.Exception = []sentry.Exception{{Type: rec.Message, Value: detail, Stacktrace: st}}
	r.client.CaptureEvent(ev, nil, nil)
}

func flatten(key string, v slog.Value, add func(string, slog.Value)) {
	if v.Kind() == slog.KindGroup {
		for _, a := range v.Group() {
			flatten(key+"."+a.Key, a.Value, add)
		}
		return
	}
	add(key, v)
}

func valueOf(v slog.Value) any {
	switch v.Kind() {
	case slog.KindString:
		return v.String()
	case slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindBool:
		return v.Any()
	case slog.KindDuration:
		return v.Duration().String()
	case slog.KindTime:
		return v.Time().UTC().Format(time.RFC3339Nano)
	}
	if e, ok := v.Any().(error); ok {
		return e.Error()
	}
	return fmt.Sprint(v.Any())
}

// trimFrames drops the innermost frames that belong to logging itself
// (this package, log/slog), so the top frame is the caller that logged.
func trimFrames(st *sentry.Stacktrace) {
	if st == nil {
		return
	}
	f := st.Frames // outermost first
	for len(f) > 0 {
		last := f[len(f)-1]
		if last.Module == "log/slog" || strings.HasSuffix(last.Module, "/app/report") {
			f = f[:len(f)-1]
			continue
		}
		break
	}
	st.Frames = f
}
