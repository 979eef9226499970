package handlers

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ipLimiter is a token bucket per client address, in memory and bounded: at most max
// addresses are tracked; when full, those whose bucket has refilled are forgotten first (they
// lose nothing), then the least recently seen. IPv6 clients are keyed by their /64, the least a
// single host is given. It is safe for concurrent use.
type ipLimiter struct {
	every time.Duration // one token per every
	burst int
	max   int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[netip.Prefix]*ipBucket
}

type ipBucket struct {
	lim        *rate.Limiter
	last       time.Time
	suppressed int // refusals since the last allowed event (for rate-limited audit events)
}

// maxTrackedIPs bounds each limiter's memory (about 200 bytes per address).
const maxTrackedIPs = 50_000

func newIPLimiter(every time.Duration, burst int, now func() time.Time) *ipLimiter {
	return &ipLimiter{every: every, burst: burst, max: maxTrackedIPs, now: now, buckets: map[netip.Prefix]*ipBucket{}}
}

// ipKey is the bucket of a client address: the address itself, or its /64 for IPv6. An
// address that cannot be parsed shares one bucket with every other such address.
func ipKey(ip string) netip.Prefix {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.Prefix{}
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p
	}
	return netip.PrefixFrom(a, 32)
}

// allow takes a token for ip. When there is none it returns false and how long until there
// will be one (for Retry-After), and counts the refusal.
func (l *ipLimiter) allow(ip string) (bool, time.Duration) {
	ok, wait, _ := l.take(ip)
	return ok, wait
}

// take is allow that also returns, when allowed, how many refusals there were since the last
// allowed one (and resets that count).
func (l *ipLimiter) take(ip string) (ok bool, wait time.Duration, suppressed int) {
	now := l.now()
	key := ipKey(ip)
	l.mu.Lock()
	defer l.mu.Unlock()
	b, found := l.buckets[key]
	if !found {
		if len(l.buckets) >= l.max {
			l.makeRoomLocked(now)
		}
		b = &ipBucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.buckets[key] = b
	}
	b.last = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); !r.OK() || d > 0 {
		r.CancelAt(now)
		b.suppressed++
		return false, max(d, time.Second), 0
	}
	suppressed, b.suppressed = b.suppressed, 0
	return true, 0, suppressed
}

// makeRoomLocked forgets buckets that are full again, or else the least recently seen one.
// l.mu must be held.
func (l *ipLimiter) makeRoomLocked(now time.Time) {
	refill := l.every * time.Duration(l.burst)
	var oldest netip.Prefix
	var oldestAt time.Time
	first := true
	for k, b := range l.buckets {
		if now.Sub(b.last) >= refill && b.suppressed == 0 {
			delete(l.buckets, k)
			continue
		}
		if first || b.last.Before(oldestAt) {
			oldest, oldestAt, first = k, b.last, false
		}
	}
	if len(l.buckets) >= l.max && !first {
		delete(l.buckets, oldest)
	}
}
