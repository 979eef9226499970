// Package limits holds the per-person limits of the dashboard (issue 11): changes per person,
// e-mails per target, searches per person. A Rule is a rate with a burst (GCRA: a token bucket
// kept as one time per key); a Limiter answers whether one more request is allowed and, when
// not, how long to wait (Retry-After). Memory is the limiter of one replica; userdesk/redisstore
// shares the same rules between replicas. The gate decides which rule applies to which request
// and with which key (the person's sub, or the target's user id).
package limits

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// Rule is a limit: Rate requests per Per on average, Burst of them at once (Burst >= 1).
type Rule struct {
	// Name tells the rule's keys apart ("changes", "emails", "searches").
	Name  string
	Rate  int
	Per   time.Duration
	Burst int
}

// The defaults of issue 11.
var (
	// Changes: 30 changes a minute per person.
	Changes = Rule{Name: "changes", Rate: 30, Per: time.Minute, Burst: 30}
	// Emails: 3 e-mails (password reset, verification) per target user per 10 minutes.
	Emails = Rule{Name: "emails", Rate: 3, Per: 10 * time.Minute, Burst: 3}
	// Searches: 10 searches a second per person, bursts of 20.
	Searches = Rule{Name: "searches", Rate: 10, Per: time.Second, Burst: 20}
)

// Validate reports a rule that cannot be applied.
func (r Rule) Validate() error {
	if r.Name == "" || r.Rate < 1 || r.Per <= 0 || r.Burst < 1 {
		return fmt.Errorf("limits: rule %q needs a name, a rate of at least 1 per a positive period and a burst of at least 1", r.Name)
	}
	return nil
}

// Interval is the time one request takes from the budget (Per / Rate).
func (r Rule) Interval() time.Duration { return r.Per / time.Duration(r.Rate) }

// Result is a Limiter's answer.
type Result struct {
	Allowed bool
	// RetryAfter is how long until one more request would be allowed (0 when Allowed).
	RetryAfter time.Duration
	// Remaining is how many more requests would be allowed right now.
	Remaining int
}

// Limiter applies rules per key. An error means the limiter could not decide (its store is
// unavailable): the gate refuses the request (fails closed) with a 503.
type Limiter interface {
	Allow(ctx context.Context, rule Rule, key string) (Result, error)
}

// Memory is the Limiter of one replica. It keeps one time per (rule, key) and drops those that
// no longer limit anything, so it stays small.
type Memory struct {
	now func() time.Time

	mu        sync.Mutex
	tat       map[string]time.Time
	lastSweep time.Time
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns an empty limiter; now is its clock (nil: time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, tat: map[string]time.Time{}}
}

// Allow implements Limiter.
func (m *Memory) Allow(ctx context.Context, rule Rule, key string) (Result, error) {
	if err := rule.Validate(); err != nil {
		return Result{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if now.Sub(m.lastSweep) >= time.Minute {
		m.lastSweep = now
		for k, t := range m.tat {
			if !t.After(now) {
				delete(m.tat, k)
			}
		}
	}
	k := rule.Name + "\x00" + key
	tat, ok := m.tat[k]
	if !ok || tat.Before(now) {
		tat = now
	}
	res, next := Decide(rule, now, tat)
	if res.Allowed {
		m.tat[k] = next
	}
	return res, nil
}

// Decide is the GCRA step, the same in memory and in Redis: with the key's theoretical arrival
// time tat (not before now), one more request is allowed when tat + interval - burst·interval is
// not after now; the new tat is tat + interval.
func Decide(rule Rule, now, tat time.Time) (Result, time.Time) {
	t := rule.Interval()
	next := tat.Add(t)
	allowAt := next.Add(-time.Duration(rule.Burst) * t)
	if allowAt.After(now) {
		return Result{RetryAfter: allowAt.Sub(now)}, tat
	}
	remaining := int(math.Floor(float64(now.Sub(allowAt)) / float64(t)))
	return Result{Allowed: true, Remaining: min(remaining, rule.Burst-1)}, next
}
