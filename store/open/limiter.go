package open

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/footfallhq/footfall/store"
	"github.com/footfallhq/footfall/store/memory"
)

// fallbackLimiter counts on the shared limiter (Redis) and, when that
// fails, in process: rate limits fail safe. Letting every request through
// while Redis is down would lift the sign-in and API limits for as long
// as an attacker could keep Redis away; counting locally keeps each
// replica's own budget meanwhile (N replicas allow N times the limit).
// After a failure the shared limiter is left alone for retryAfter, so an
// unreachable Redis costs requests no dial time-outs.
type fallbackLimiter struct {
	shared, local store.Limiter
	logger        *slog.Logger
	retryAfter    time.Duration
	now           func() time.Time

	downUntil atomic.Int64 // Unix ns; 0 while the shared limiter answers
}

func newFallbackLimiter(shared store.Limiter, logger *slog.Logger) *fallbackLimiter {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &fallbackLimiter{shared: shared, local: memory.NewLimiter(), logger: logger, retryAfter: 5 * time.Second, now: time.Now}
}

func (l *fallbackLimiter) Allow(ctx context.Context, key string, limit store.Limit) (store.Allowance, error) {
	if until := l.downUntil.Load(); until == 0 || l.now().UnixNano() >= until {
		a, err := l.shared.Allow(ctx, key, limit)
		if err == nil {
			if l.downUntil.Swap(0) != 0 {
				l.logger.Info("shared rate limiter answers again; counting on it")
			}
			return a, nil
		}
		if ctx.Err() != nil {
			return store.Allowance{}, err
		}
		if l.downUntil.Swap(l.now().Add(l.retryAfter).UnixNano()) == 0 {
			l.logger.Warn("shared rate limiter failed; counting in this process until it is back", "err", err)
		}
	}
	return l.local.Allow(ctx, key, limit)
}
