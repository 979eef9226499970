package auth0apitest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// offLimit is the bucket size advertised while rate limiting is off, so
// that the x-ratelimit-* headers are always present, as on Auth0.
const offLimit = 50

// bucket is the tenant's token bucket: burst tokens, refilled at rate per
// second. A zero rate means no limit.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  int
	tokens float64
	last   time.Time
}

func (b *bucket) set(rate float64, burst int, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if burst < 1 {
		burst = max(1, int(math.Ceil(rate)))
	}
	b.rate, b.burst, b.tokens, b.last = rate, burst, float64(burst), now
}

// take removes one token and sets the x-ratelimit-* headers. It reports
// false when the bucket is empty (a 429).
func (b *bucket) take(h http.Header, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rate <= 0 {
		h.Set("x-ratelimit-limit", strconv.Itoa(offLimit))
		h.Set("x-ratelimit-remaining", strconv.Itoa(offLimit-1))
		h.Set("x-ratelimit-reset", strconv.FormatInt(now.Unix(), 10))
		return true
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(float64(b.burst), b.tokens+elapsed*b.rate)
	}
	b.last = now
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	// reset: when the next token arrives (a full token from now when empty).
	wait := (1 - (b.tokens - math.Floor(b.tokens))) / b.rate
	if b.tokens >= float64(b.burst) {
		wait = 0
	}
	reset := now.Add(time.Duration(wait * float64(time.Second)))
	resetUnix := reset.Unix()
	if reset.After(time.Unix(resetUnix, 0)) {
		resetUnix++ // round up: the reset is never in the past
	}
	h.Set("x-ratelimit-limit", strconv.Itoa(b.burst))
	h.Set("x-ratelimit-remaining", strconv.Itoa(int(math.Floor(b.tokens))))
	h.Set("x-ratelimit-reset", strconv.FormatInt(resetUnix, 10))
	return ok
}
