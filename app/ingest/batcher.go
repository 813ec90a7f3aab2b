package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/footfallhq/footfall/store"
)

// Batcher moves events from the durable queue into the events store in
// batches: by size when traffic is high, every Interval when it is low. A
// batch is acknowledged to the queue only after the store has it, and a
// failed write is retried forever with backoff: events wait in the queue,
// they are never dropped.
type Batcher struct {
	Queue    store.Queue
	Events   store.Events
	Metrics  *Metrics
	Logger   *slog.Logger
	MaxBatch int           // default 10000
	Interval time.Duration // default 1s
	// Stored, if not nil, is told of every batch once it is stored (the
	// stats cache drops what the batch makes stale).
	Stored func([]store.Event)

	lastSeq uint64 // highest queue position known to be stored
}

// Run writes batches until ctx is done, then drains what is queued (for
// up to drainTimeout) so a graceful shutdown leaves nothing behind.
func (b *Batcher) Run(ctx context.Context, drainTimeout time.Duration) error {
	if b.MaxBatch <= 0 {
		b.MaxBatch = 10000
	}
	if b.Interval <= 0 {
		b.Interval = time.Second
	}
	if sa, ok := b.Events.(store.SequencedAppender); ok {
		seq, err := sa.LastSeq(ctx)
		if err != nil {
			return fmt.Errorf("batcher: read last stored position: %w", err)
		}
		b.lastSeq = seq
	}
	// Writes run under abort, not ctx: a batch being written when shutdown
	// starts is finished (and acknowledged) during the drain, and only a
	// drain that outlives drainTimeout is cut short.
	abort, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go func() {
		<-ctx.Done()
		select {
		case <-abort.Done():
		case <-time.After(drainTimeout):
			cancel()
		}
	}()
	for ctx.Err() == nil {
		n, err := b.step(ctx, abort)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return err
		}
		if n < b.MaxBatch {
			select { // let a small batch grow before the next write
			case <-ctx.Done():
			case <-time.After(b.Interval):
			}
		}
	}
	for b.Queue.Depth() > 0 && abort.Err() == nil {
		if _, err := b.step(abort, abort); err != nil {
			return fmt.Errorf("batcher: drain with %d events queued: %w", b.Queue.Depth(), err)
		}
	}
	if d := b.Queue.Depth(); d > 0 {
		b.Logger.Warn("shutdown left events in the queue; they are replayed at next start", "events", d)
	}
	return nil
}

// step moves one batch; it returns the batch size.
func (b *Batcher) step(ctx, abort context.Context) (int, error) {
	batch, err := b.Queue.Next(ctx, b.MaxBatch)
	if err != nil {
		return 0, err
	}
	events := b.unstored(batch)
	for attempt := 0; ; attempt++ {
		start := time.Now()
		err = b.write(abort, events, batch.Seq)
		if errors.Is(err, store.ErrConflict) {
			// The store already holds this queue position: a replay of a
			// batch stored just before a crash. Nothing to write.
			b.Logger.Info("batch already stored; acknowledging", "seq", batch.Seq)
			err, events = nil, nil
		}
		if err == nil {
			if b.Stored != nil {
				b.Stored(events)
			}
			b.Metrics.flushSeconds.Observe(time.Since(start).Seconds())
			b.Metrics.batchSize.Observe(float64(len(events)))
			b.Metrics.written.Add(float64(len(events)))
			break
		}
		b.Metrics.flushErrors.Inc()
		wait := min(time.Second<<min(attempt, 5), 30*time.Second)
		b.Logger.Error("writing events failed; retrying", "events", len(events), "retry_in", wait, "err", err)
		select {
		case <-abort.Done():
			// The batch stays pending in the queue; the next start replays it.
			return 0, abort.Err()
		case <-time.After(wait):
		}
	}
	if batch.Seq > b.lastSeq {
		b.lastSeq = batch.Seq
	}
	if err := b.Queue.Ack(abort, batch); err != nil {
		return 0, fmt.Errorf("batcher: ack queue position %d: %w", batch.Seq, err)
	}
	return len(batch.Events), nil
}

// unstored drops the head of a replayed batch that the store already has
// (a crash between the store's commit and the queue's ack). Queue positions
// are per event and contiguous, so the overlap is a prefix.
func (b *Batcher) unstored(batch store.Batch) []store.Event {
	n := uint64(len(batch.Events))
	if n == 0 || batch.Seq <= b.lastSeq {
		return nil
	}
	first := batch.Seq - n + 1
	if first > b.lastSeq {
		return batch.Events
	}
	return batch.Events[b.lastSeq-first+1:]
}

func (b *Batcher) write(ctx context.Context, events []store.Event, seq uint64) error {
	if len(events) == 0 {
		return nil
	}
	if sa, ok := b.Events.(store.SequencedAppender); ok {
		return sa.AppendSeq(ctx, events, seq)
	}
	if pa, ok := b.Events.(store.PositionedAppender); ok {
		return pa.AppendAt(ctx, events, seq)
	}
	return b.Events.Append(ctx, events)
}
