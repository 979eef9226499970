package auth0api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter paces the client's Management API requests to the tenant's budget. Every attempt
// waits for it; the function it returns must be called once, with what the answer said about
// the budget (RateLimitState from its x-ratelimit-* headers; NoRateLimitState when the request
// failed or the answer had none). Implementations are safe for concurrent use.
//
// A request whose context is marked Background (a bulk job's) gives way to interactive ones:
// it goes only while the bucket holds more than BackgroundKeep of its size, and reserves no
// place in the queue before that, so that a person's page finds the requests it needs at once
// however long a job runs. The limiters of this package and userdesk/redisstore's do so; a
// limiter that ignores the mark treats background requests like any other.
//
// The client's default is an AdaptiveLimiter in memory, which learns the budget from Auth0's
// headers; Config.RequestsPerSecond sets a fixed rate instead; userdesk/redisstore shares one
// budget between replicas.
type Limiter interface {
	Wait(ctx context.Context) (done func(RateLimitState), err error)
}

// RateLimitState is what one answer said about the tenant's rate-limit bucket.
type RateLimitState struct {
	// Limit is x-ratelimit-limit (the bucket's size), Remaining x-ratelimit-remaining (the
	// requests left in it); -1 when missing or malformed.
	Limit, Remaining int
	// Reset is x-ratelimit-reset (when requests are added), zero when missing.
	Reset time.Time
	// Limited reports a 429: the request was refused and used nothing.
	Limited bool
}

// NoRateLimitState is the state of an answer that said nothing (or of no answer).
var NoRateLimitState = RateLimitState{Limit: -1, Remaining: -1}

// rateLimitState reads an answer's x-ratelimit-* headers.
func rateLimitState(status int, h http.Header) RateLimitState {
	return RateLimitState{
		Limit:     headerCount(h, "X-Ratelimit-Limit"),
		Remaining: headerCount(h, "X-Ratelimit-Remaining"),
		Reset:     parseReset(h),
		Limited:   status == http.StatusTooManyRequests,
	}
}

// backgroundKey marks a context's requests as background work.
type backgroundKey struct{}

// Background returns ctx with its Management API requests marked as background work (a bulk
// job): they leave part of the budget to interactive requests (see Limiter).
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// IsBackground reports whether ctx's requests are background work (Background).
func IsBackground(ctx context.Context) bool {
	b, _ := ctx.Value(backgroundKey{}).(bool)
	return b
}

// BackgroundKeep is how many requests of a bucket of size limit background requests leave to
// interactive ones: half of it (none of a bucket of 1). A user page's reads (five) then go at
// once on Auth0's smallest buckets (10) while a bulk job spends the rest; once the page is
// served the bucket refills and the job goes on, so a job alone still gets the whole rate.
func BackgroundKeep(limit int) int { return limit / 2 }

// fixedLimiter is Config.RequestsPerSecond: a token bucket at a set rate, which ignores the
// headers.
type fixedLimiter struct {
	l     *rate.Limiter
	sleep func(ctx context.Context, d time.Duration) error
}

func (f fixedLimiter) Wait(ctx context.Context) (func(RateLimitState), error) {
	if IsBackground(ctx) {
		// Wait, without queueing, until the bucket holds more than the interactive share.
		need := float64(BackgroundKeep(f.l.Burst()) + 1)
		for {
			tokens := f.l.Tokens()
			if tokens >= need || f.l.Limit() <= 0 {
				break
			}
			wait := time.Duration((need - tokens) / float64(f.l.Limit()) * float64(time.Second))
			if err := f.sleep(ctx, max(wait, time.Millisecond)); err != nil {
				return nil, err
			}
		}
	}
	if err := f.l.Wait(ctx); err != nil {
		return nil, err
	}
	return func(RateLimitState) {}, nil
}

// NewFixedLimiter returns a Limiter allowing perSecond requests a second with bursts of burst
// (at least 1), whatever the answers say.
func NewFixedLimiter(perSecond float64, burst int) Limiter {
	return fixedLimiter{l: rate.NewLimiter(rate.Limit(perSecond), max(burst, 1)), sleep: sleepContext}
}

// Pace is the budget an AdaptiveLimiter learns, and the rules it follows. userdesk/redisstore
// runs the same rules in Redis (a Lua script) for a budget shared by replicas; both are tested
// against the same cases.
//
// The rules. It is a GCRA (a token bucket kept as one "theoretical arrival time", TAT) whose
// size and rate come from the answers:
//   - Until an answer has carried x-ratelimit-limit, nothing is paced, except that the very first
//     request goes alone (a probe): a cold start with a burst of calls would otherwise empty a
//     small bucket before its size is known.
//   - The bucket's size is x-ratelimit-limit. Its rate starts at one bucket a second (Auth0's
//     per-second buckets: 2/2 s free, 10/10 s non-production) and is then measured: between two
//     answers, the requests Auth0 added to the bucket are the remaining count's change plus
//     the requests it took (the answers other than 429 that came back in between); summed over at least two seconds in which the bucket was never full
//     (a full bucket stops refilling), divided by the time, that is the rate. Each measure moves
//     the rate: down to it (by a quarter at most per measure), up a quarter of the way (answers
//     that come back out of order inflate the measure). A 429 to a paced request cuts the rate by
//     a fifth (once a second at most). The rate stays between a fifth of the bucket a second and a bucket a second. Calls by others on the same tenant (Actions, scripts) make the
//     measure smaller: the dashboard then leaves them their share.
//   - Each answer resets the TAT to what the server says: Remaining requests left, minus the
//     requests not answered yet. Answers that come back out of order
//     (older than one already used) are ignored. A 429 says the bucket is empty.
//   - A request waits until the TAT allows it, reserving its place, so waiters go in order.
type Pace struct {
	tat      time.Time
	limit    int
	rate     float64 // requests per second; 0 while unknown
	seq      uint64  // the last request number handed out
	synced   uint64  // the request number of the last answer used
	inflight []uint64
	answered bool      // an answer came back (the probe)
	probeAt  time.Time // when the probe went out
	took     int       // requests answered (not 429) since the last answer used
	paced    bool      // the limit is known: requests are paced
	cut      time.Time // the last cut after a 429 (one a second: a burst of 429s is one overshoot)

	prevAt        time.Time // the last answer used, for the rate measure
	prevRemaining int
	gain          float64
	span          time.Duration
}

// MeasureSpan is how long the rate is measured over before the estimate moves.
const MeasureSpan = 2 * time.Second

// Errors of Pace.Reserve.
var (
	// ErrProbing: the first request is out and nothing is known yet; ask again in ProbeWait.
	ErrProbing = errors.New("the first request is finding out the budget")
	// ErrPastDeadline: the wait would pass the caller's deadline; nothing was reserved.
	ErrPastDeadline = errors.New("waiting for the Management API budget would pass the deadline")
	// ErrInteractiveFirst: a background request must let interactive ones go first; ask again
	// in the wait returned (ReserveBackground).
	ErrInteractiveFirst = errors.New("background requests wait while the bucket holds only the interactive share")
)

// ProbeWait is how often a request asks again while the probe is out.
const ProbeWait = 10 * time.Millisecond

// ProbeMaxWait bounds the wait for the probe's answer: a first request that hangs (a slow
// endpoint, a tenant in trouble) must not hold every other request until it gives up. Past it,
// requests go unpaced until an answer tells the budget.
const ProbeMaxWait = 500 * time.Millisecond

// Reserve hands out request number seq and how long that request must wait, reserving its
// place. It fails with ErrProbing (ask again later) or ErrPastDeadline (the wait would pass
// maxWait), reserving nothing.
func (p *Pace) Reserve(now time.Time, maxWait time.Duration) (seq uint64, wait time.Duration, err error) {
	if !p.answered && len(p.inflight) > 0 && now.Sub(p.probeAt) < ProbeMaxWait {
		return 0, ProbeWait, ErrProbing
	}
	if p.limit > 0 && p.rate > 0 {
		t := p.interval()
		tat := p.tat
		if tat.Before(now) {
			tat = now
		}
		tat = tat.Add(t)
		wait = max(0, tat.Sub(now)-time.Duration(p.limit)*t)
		if wait > maxWait {
			return 0, wait, ErrPastDeadline
		}
		p.tat = tat
	}
	if !p.answered && len(p.inflight) == 0 {
		p.probeAt = now
	}
	p.seq++
	p.inflight = append(p.inflight, p.seq)
	return p.seq, wait, nil
}

// ReserveBackground is Reserve for a background request (see Background): while the bucket,
// as the pace knows it, holds no more than BackgroundKeep of its size, it reserves nothing and
// fails with ErrInteractiveFirst and the wait until it will (or ErrPastDeadline when that
// passes maxWait). Interactive requests that reserve meanwhile push that wait back: they go
// first.
func (p *Pace) ReserveBackground(now time.Time, maxWait time.Duration) (seq uint64, wait time.Duration, err error) {
	if p.limit > 0 && p.rate > 0 {
		t := p.interval()
		tat := p.tat
		if tat.Before(now) {
			tat = now
		}
		wait = max(0, tat.Add(t).Sub(now)-time.Duration(p.limit-BackgroundKeep(p.limit))*t)
		switch {
		case wait > maxWait:
			return 0, wait, ErrPastDeadline
		case wait > 0:
			return 0, wait, ErrInteractiveFirst
		}
	}
	return p.Reserve(now, maxWait)
}

// Observe takes the answer to request seq into account (see Pace).
func (p *Pace) Observe(now time.Time, seq uint64, s RateLimitState) {
	if i, found := slices.BinarySearch(p.inflight, seq); found {
		p.inflight = slices.Delete(p.inflight, i, i+1)
	}
	p.answered = true
	if !s.Limited {
		p.took++
	}
	if s.Limited && s.Remaining < 0 {
		s.Remaining = 0
	}
	if s.Limit <= 0 || s.Remaining < 0 || seq <= p.synced {
		return
	}
	if s.Limit != p.limit {
		p.limit = s.Limit
		p.rate = p.clamp(cmp.Or(p.rate, float64(s.Limit))) // another bucket: keep the rate within its bounds
		p.prevAt = time.Time{}
		p.gain, p.span = 0, 0
	}
	// A 429 although the pace allowed the request: the rate is too high (or others spend the
	// budget too): slow down at once.
	if s.Limited && p.paced && now.Sub(p.cut) >= time.Second {
		p.rate, p.cut = p.clamp(p.rate*0.8), now
	}
	// Measure the rate over answers taken in order, while the bucket is not full.
	if !p.prevAt.IsZero() && s.Remaining <= p.limit-2 {
		p.gain += float64(s.Remaining - p.prevRemaining + p.took)
		p.span += now.Sub(p.prevAt)
		if p.span >= MeasureSpan {
			if measured := p.gain / p.span.Seconds(); measured < p.rate {
				p.rate = p.clamp(max(measured, p.rate*0.75)) // too fast: down, by a quarter at most
			} else {
				p.rate = p.clamp(p.rate + (measured-p.rate)/4) // answers out of order inflate the measure: creep up
			}
			p.gain, p.span = 0, 0
		}
	}
	p.prevAt, p.prevRemaining, p.synced, p.took = now, s.Remaining, seq, 0
	// The server's word: Remaining left, less the requests still unanswered (sent after this
	// one, or sent before it and overtaken: the server may not have counted them yet).
	p.tat = now.Add(time.Duration(p.limit-s.Remaining+len(p.inflight)) * p.interval())
	p.paced = true
}

// clamp keeps the rate between a fifth of the bucket a second (Auth0's slowest documented refill
// for its size: 2/s for a bucket of 10; and 0.1/s) and a bucket a second (its fastest). Below, a
// measure spoilt by others' calls (other replicas learning alone, Actions) would stall the
// dashboard, whose waits grow as 1/rate; above, a measure inflated by answers out of order would
// bring 429s back.
func (p *Pace) clamp(r float64) float64 {
	return min(max(r, float64(p.limit)/5, 0.1), float64(p.limit))
}

// Limit and Rate return what was learned: the bucket's size and its rate per second (0, 0
// before any answer carried the headers).
func (p *Pace) Limit() int { return p.limit }

// Rate returns the learned rate per second.
func (p *Pace) Rate() float64 { return p.rate }

func (p *Pace) interval() time.Duration {
	return time.Duration(float64(time.Second) / p.rate)
}

// AdaptiveLimiter is a Limiter that learns the tenant's budget from the answers' headers (see
// Pace): no setting needed. It is the client's default.
type AdaptiveLimiter struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	pace Pace
}

// NewAdaptiveLimiter returns an AdaptiveLimiter that has learned nothing yet.
func NewAdaptiveLimiter() *AdaptiveLimiter {
	return &AdaptiveLimiter{now: time.Now, sleep: sleepContext}
}

// Wait implements Limiter. It fails at once when the wait would pass ctx's deadline. A
// background request (Background) waits for interactive ones (Pace.ReserveBackground).
func (a *AdaptiveLimiter) Wait(ctx context.Context) (func(RateLimitState), error) {
	var (
		seq  uint64
		wait time.Duration
		err  error
	)
	reserve := a.pace.Reserve
	if IsBackground(ctx) {
		reserve = a.pace.ReserveBackground
	}
	for {
		maxWait := time.Duration(math.MaxInt64)
		now := a.now()
		if d, ok := ctx.Deadline(); ok {
			maxWait = d.Sub(now)
		}
		a.mu.Lock()
		seq, wait, err = reserve(now, maxWait)
		a.mu.Unlock()
		if !errors.Is(err, ErrProbing) && !errors.Is(err, ErrInteractiveFirst) {
			break
		}
		if err := a.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", err, wait.Round(time.Millisecond))
	}
	done := func(s RateLimitState) {
		a.mu.Lock()
		a.pace.Observe(a.now(), seq, s)
		a.mu.Unlock()
	}
	if wait > 0 {
		if err := a.sleep(ctx, wait); err != nil {
			done(NoRateLimitState)
			return nil, err
		}
	}
	return done, nil
}

// Learned returns the bucket size and rate per second learned so far (0, 0 before any header).
func (a *AdaptiveLimiter) Learned() (limit int, perSecond float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pace.Limit(), a.pace.Rate()
}

// Unlimited is a Limiter that paces nothing: for a deployment whose own gateway paces the
// calls, and for tests of the transport.
var Unlimited Limiter = unlimited{}

type unlimited struct{}

func (unlimited) Wait(context.Context) (func(RateLimitState), error) {
	return func(RateLimitState) {}, nil
}
