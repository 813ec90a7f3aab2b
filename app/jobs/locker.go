package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/footfallhq/footfall/store"
)

// NewShared is New for replicas that share a Locker (Redis): before each
// run the scheduler takes the job's lock, and a replica that finds it
// taken skips that run, so every job runs on one replica per tick.
//
// A lock is held for at least minHold from when it was taken, even when
// the run is quicker: the replicas' clocks and timers are not in step, and
// a replica whose tick comes a little late must still find the lock taken
// rather than run the job a second time. minHold must be shorter than the
// shortest interval between two runs of a job (a few seconds suits jobs
// that run every few minutes).
func NewShared(logger *slog.Logger, l store.Locker, minHold time.Duration, jobs ...Job) (*Scheduler, error) {
	return newScheduler(logger, []gocron.SchedulerOption{
		gocron.WithDistributedLocker(gocronLocker{l: l, minHold: minHold, logger: logger}),
	}, jobs)
}

// gocronLocker adapts a store.Locker to gocron's Locker; the method sets
// match, only the result types are named differently.
type gocronLocker struct {
	l       store.Locker
	minHold time.Duration
	logger  *slog.Logger
}

func (g gocronLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	lk, err := g.l.Lock(ctx, "job:"+key)
	if err != nil {
		return nil, err
	}
	return heldLock{lk: lk, until: time.Now().Add(g.minHold), logger: g.logger, key: key}, nil
}

type heldLock struct {
	lk     store.Lock
	until  time.Time
	logger *slog.Logger
	key    string
}

// Unlock releases the lock once minHold has passed since it was taken;
// until then it stays held (if this process dies meanwhile, the lock's own
// expiry frees it).
func (h heldLock) Unlock(ctx context.Context) error {
	wait := time.Until(h.until)
	if wait <= 0 {
		return h.lk.Unlock(ctx)
	}
	time.AfterFunc(wait, func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := h.lk.Unlock(ctx); err != nil {
			h.logger.Warn("cannot release job lock; it expires by itself", "job", h.key, "err", err)
		}
	})
	return nil
}
