package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrUnavailable is wrapped by the Recorder's errors when a sink did not take an event. For an
// attempt it means: refuse the change (answer 503) and make no call.
var ErrUnavailable = errors.New("audit unavailable")

// Prober is a sink that can test its write path without recording an event (the store writes
// a probe row; the log writes a check line). The Recorder probes a failing sink to notice it
// has recovered.
type Prober interface {
	Probe(ctx context.Context) error
}

// Pinger is a sink that can be checked without writing (the store's connection).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Recorder writes every event to all its sinks, in order (the store first, so that the JSON log
// line carries the event's chain position and hash), and keeps the health of the write path.
//
// A change is recorded in two steps:
//
//	a, err := rec.Attempt(ctx, audit.Event{Name: audit.UserBlock, Actor: …, Target: …, RequestID: …})
//	if err != nil {
//		return 503 // fail closed: no attempt stored, no call made
//	}
//	err = users.Block(ctx, id)
//	if err := rec.Outcome(ctx, a, outcome(err), details...); err != nil {
//		log it // the change happened; the outcome is lost (the record shows "outcome unknown")
//	}
//
// Events that happen at once (a refusal, a sign-in) are one call to Record.
type Recorder struct {
	sinks      []Sink
	now        func() time.Time
	probeEvery time.Duration
	retryEvery time.Duration

	mu      sync.Mutex // guards the health fields
	failing bool
	lastErr error
	since   time.Time // when the current state began
	lastOK  time.Time // last write or check that succeeded
	checked time.Time // last probe or ping

	checkMu sync.Mutex // one check at a time
}

// RecorderOptions configure a Recorder.
type RecorderOptions struct {
	// Sinks receive every event, in order; each must take it (fail closed). Put the store
	// first and the log sink after it.
	Sinks []Sink
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ProbeEvery is how often Check pings healthy sinks when nothing was written (default 30s).
	ProbeEvery time.Duration
	// RetryEvery is how often Check probes a failing write path (default 1s).
	RetryEvery time.Duration
}

// NewRecorder returns a Recorder writing to opts.Sinks.
func NewRecorder(opts RecorderOptions) *Recorder {
	r := &Recorder{sinks: opts.Sinks, now: opts.Now, probeEvery: opts.ProbeEvery, retryEvery: opts.RetryEvery}
	if r.now == nil {
		r.now = time.Now
	}
	if r.probeEvery <= 0 {
		r.probeEvery = 30 * time.Second
	}
	if r.retryEvery <= 0 {
		r.retryEvery = time.Second
	}
	r.since = r.now()
	r.lastOK = r.since
	return r
}

// Attempt is a change whose attempt is recorded. Set Event.Target before Outcome when the
// target is known only after the call (a create).
type Attempt struct {
	// Event is the stored attempt.
	Event Event
}

// Attempt records the attempt of a change before it is made. It sets the id, time and phase.
// An error (wrapping ErrUnavailable, or ErrInvalid for an event that cannot be stored) means the
// change must be refused: the attempt is not in every sink. The request may be cancelled; the
// write is not (it has its own timeout).
func (r *Recorder) Attempt(ctx context.Context, e Event) (*Attempt, error) {
	e.ID, e.Time, e.Phase, e.Outcome, e.AttemptID = newID(), r.now(), PhaseAttempt, OutcomeAttempt, ""
	if err := normalize(&e); err != nil {
		return nil, err
	}
	ctx = context.WithoutCancel(ctx)
	for i, s := range r.sinks {
		if err := s.Append(ctx, &e); err != nil {
			r.fail(err)
			// The sinks before this one hold the attempt: close it there, so it reads as
			// refused rather than unknown.
			refusal := r.outcomeOf(&Attempt{Event: e}, OutcomeFailure,
				Details{String("reason", "the audit trail could not record the attempt: change refused")})
			_ = normalize(&refusal) // made from a normalized attempt: cannot fail
			for _, done := range r.sinks[:i] {
				out := refusal
				_ = done.Append(ctx, &out) // best effort: the error that matters is returned below
			}
			return nil, fmt.Errorf("%w: attempt of %s: %w", ErrUnavailable, e.Name, err)
		}
	}
	r.ok()
	return &Attempt{Event: e}, nil
}

// Outcome records how a change ended: success, failure or denied, with details of the result
// (Auth0's error, a new user's id is the attempt's Target). Every sink is tried; an error means
// the outcome is missing from some (the change has happened: log the error, do not undo). The
// request may be cancelled; the write is not.
func (r *Recorder) Outcome(ctx context.Context, a *Attempt, o Outcome, details ...Attr) error {
	if a == nil {
		return fmt.Errorf("%w: outcome without an attempt", ErrInvalid)
	}
	e := r.outcomeOf(a, o, details)
	return r.write(context.WithoutCancel(ctx), e)
}

// Record records an event that happens at once, with no attempt before it: a refusal by the
// gate (OutcomeDenied), a sign-in, a sign-out. e.Outcome must be success, failure or denied.
func (r *Recorder) Record(ctx context.Context, e Event) error {
	e.ID, e.Time, e.Phase, e.AttemptID = newID(), r.now(), PhaseOutcome, ""
	return r.write(context.WithoutCancel(ctx), e)
}

func (r *Recorder) outcomeOf(a *Attempt, o Outcome, details Details) Event {
	e := a.Event
	e.ID, e.Time, e.Phase, e.Outcome, e.AttemptID = newID(), r.now(), PhaseOutcome, o, a.Event.ID
	e.Details = details
	e.Seq, e.Prev, e.Hash = 0, "", ""
	return e
}

// write normalizes e and appends it to every sink, joining the errors.
func (r *Recorder) write(ctx context.Context, e Event) error {
	if err := normalize(&e); err != nil {
		return err
	}
	var errs []error
	for _, s := range r.sinks {
		if err := s.Append(ctx, &e); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		r.fail(err)
		return fmt.Errorf("%w: %s %s: %w", ErrUnavailable, e.Name, e.Outcome, err)
	}
	r.ok()
	return nil
}

func (r *Recorder) ok() {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if r.failing {
		r.failing, r.lastErr, r.since = false, nil, now
	}
	r.lastOK = now
}

func (r *Recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.failing {
		r.failing, r.since = true, r.now()
	}
	r.lastErr = err
}

// Health is the state of the write path.
type Health struct {
	// OK is false while the last write (or probe) failed.
	OK bool
	// Since is when the current state began.
	Since time.Time
	// Err is the last failure while not OK.
	Err error
}

// Health returns the last known state, without any I/O.
func (r *Recorder) Health() Health {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Health{OK: !r.failing, Since: r.since, Err: r.lastErr}
}

// Check is for a readiness endpoint: nil when events can be recorded. While the write path is
// failing it probes every sink (at most once per RetryEvery), so the state recovers by itself
// once the store is back even when no change is tried (a not-ready replica gets no traffic);
// while healthy and idle it pings the sinks that can be (at most once per ProbeEvery).
func (r *Recorder) Check(ctx context.Context) error {
	r.checkMu.Lock()
	defer r.checkMu.Unlock()
	r.mu.Lock()
	failing, checked, lastOK, lastErr := r.failing, r.checked, r.lastOK, r.lastErr
	now := r.now()
	r.mu.Unlock()
	switch {
	case failing && now.Sub(checked) >= r.retryEvery:
		r.setChecked(now)
		for _, s := range r.sinks {
			if p, ok := s.(Prober); ok {
				if err := p.Probe(ctx); err != nil {
					r.fail(err)
					return fmt.Errorf("%w: %w", ErrUnavailable, err)
				}
			}
		}
		r.ok()
		return nil
	case failing:
		return fmt.Errorf("%w: %w", ErrUnavailable, lastErr)
	case now.Sub(lastOK) >= r.probeEvery && now.Sub(checked) >= r.probeEvery:
		r.setChecked(now)
		for _, s := range r.sinks {
			if p, ok := s.(Pinger); ok {
				if err := p.Ping(ctx); err != nil {
					r.fail(err)
					return fmt.Errorf("%w: %w", ErrUnavailable, err)
				}
			}
		}
		r.ok()
	}
	return nil
}

func (r *Recorder) setChecked(t time.Time) {
	r.mu.Lock()
	r.checked = t
	r.mu.Unlock()
}
