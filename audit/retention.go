package audit

import (
	"context"
	"log/slog"
	"time"
)

// Pruner is the part of a store that retention needs.
type Pruner interface {
	Prune(ctx context.Context, before time.Time) (PruneResult, error)
}

// Retention removes events older than Keep, now and then every Every, until its context ends.
// Several replicas may run it against one PostgreSQL: prunes take the chain lock, and a prune
// with nothing old enough changes nothing.
type Retention struct {
	Store Pruner
	// Keep is how long events are kept (USERDESK_AUDIT_RETENTION); 0 keeps them forever.
	Keep time.Duration
	// Every is how often to prune (default 1h).
	Every time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives one line per prune that removed events, and failures.
	Logger *slog.Logger
}

// Once prunes the events older than Keep.
func (r Retention) Once(ctx context.Context) (PruneResult, error) {
	if r.Keep <= 0 {
		return PruneResult{}, nil
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	return r.Store.Prune(ctx, now().Add(-r.Keep))
}

// Run prunes at once and then every Every until ctx ends.
func (r Retention) Run(ctx context.Context) {
	if r.Keep <= 0 {
		return
	}
	every := r.Every
	if every <= 0 {
		every = time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		res, err := r.Once(ctx)
		switch {
		case err != nil && ctx.Err() == nil && r.Logger != nil:
			r.Logger.Error("audit retention failed", "err", err)
		case err == nil && res.Deleted > 0 && r.Logger != nil:
			r.Logger.Info("audit retention", "deleted", res.Deleted, "checkpoint_seq", res.Checkpoint.Seq,
				"cutoff", res.Checkpoint.Cutoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
