// Package replay remembers one-time values until they expire, so that a second use can be
// refused: a logout token's jti, a sign-in's state. Memory is the store of one replica; several
// replicas need a shared one (e.g. Redis SET NX with an expiry) behind the same method.
package replay

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxEntries bounds a Memory cache unless told otherwise.
const DefaultMaxEntries = 100_000

// sweepEvery is how often expired entries are dropped as the cache is used.
const sweepEvery = time.Minute

// Memory is an in-memory, bounded replay cache. It is safe for concurrent use.
type Memory struct {
	max int
	now func() time.Time

	mu        sync.Mutex
	seen      map[string]time.Time // key → when it may be forgotten
	lastSweep time.Time
}

// NewMemory returns an empty cache holding at most maxEntries keys (DefaultMaxEntries when not
// positive), on the clock now (time.Now when nil).
func NewMemory(maxEntries int, now func() time.Time) *Memory {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	if now == nil {
		now = time.Now
	}
	return &Memory{max: maxEntries, now: now, seen: map[string]time.Time{}}
}

// Use records key until expires and reports whether this is its first use (true), or whether
// it was used before and has not expired (false). When the cache is full of live keys, the one
// expiring soonest is forgotten to make room: a flood can at worst make an old value usable
// again, never refuse a new one. The error is always nil; it is there for shared stores.
func (m *Memory) Use(_ context.Context, key string, expires time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if now.Sub(m.lastSweep) >= sweepEvery {
		m.sweepLocked(now)
	}
	if until, ok := m.seen[key]; ok && now.Before(until) {
		return false, nil
	}
	if len(m.seen) >= m.max {
		m.sweepLocked(now)
		if len(m.seen) >= m.max {
			m.evictLocked()
		}
	}
	m.seen[key] = expires
	return true, nil
}

// Len returns how many keys are held (expired ones not yet swept included).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.seen)
}

func (m *Memory) sweepLocked(now time.Time) {
	m.lastSweep = now
	for k, until := range m.seen {
		if !now.Before(until) {
			delete(m.seen, k)
		}
	}
}

func (m *Memory) evictLocked() {
	var victim string
	var soonest time.Time
	for k, until := range m.seen {
		if victim == "" || until.Before(soonest) {
			victim, soonest = k, until
		}
	}
	delete(m.seen, victim)
}
