package ingest

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the ingest counters exported on /metrics.
type Metrics struct {
	received     prometheus.Counter
	accepted     prometheus.Counter
	droppedBy    *prometheus.CounterVec
	written      prometheus.Counter
	flushSeconds prometheus.Histogram
	batchSize    prometheus.Histogram
	flushErrors  prometheus.Counter
}

// NewMetrics registers the ingest metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		received: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "footfall_events_received_total", Help: "Event requests received at /api/event.",
		}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "footfall_events_accepted_total", Help: "Events made durable in the queue and acknowledged.",
		}),
		droppedBy: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "footfall_events_dropped_total", Help: "Events not stored, by reason (invalid, unknown_site, bot_*, no_session, queue_full).",
		}, []string{"reason"}),
		written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "footfall_events_written_total", Help: "Events written to the events store.",
		}),
		flushSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "footfall_flush_duration_seconds", Help: "Time to write one batch to the events store.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "footfall_flush_batch_size", Help: "Events per batch written to the events store.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 9),
		}),
		flushErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "footfall_flush_errors_total", Help: "Failed attempts to write a batch (retried).",
		}),
	}
	reg.MustRegister(m.received, m.accepted, m.droppedBy, m.written, m.flushSeconds, m.batchSize, m.flushErrors)
	return m
}

func (m *Metrics) dropped(reason string) { m.droppedBy.WithLabelValues(reason).Inc() }
