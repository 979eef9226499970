// Package limitstest is the conformance suite of limits.Limiter: the memory and Redis limiters
// run the same tests.
package limitstest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/handlers/limits"
)

// RunConformance runs the suite; newLimiter returns an empty limiter for each subtest. The
// limiters run on real time (Redis's clock): the tests use short periods and wait them out.
func RunConformance(t *testing.T, newLimiter func(t *testing.T) limits.Limiter) {
	t.Run("BurstThenRetryAfter", func(t *testing.T) {
		l := newLimiter(t)
		rule := limits.Rule{Name: "emails", Rate: 3, Per: 600 * time.Millisecond, Burst: 3}
		for i := range 3 {
			res, err := l.Allow(t.Context(), rule, "auth0|target")
			if err != nil || !res.Allowed || res.Remaining != 2-i {
				t.Fatalf("request %d: %+v, %v; want allowed with %d left", i+1, res, err, 2-i)
			}
		}
		res, err := l.Allow(t.Context(), rule, "auth0|target")
		if err != nil || res.Allowed || res.RetryAfter <= 0 || res.RetryAfter > 200*time.Millisecond {
			t.Fatalf("fourth: %+v, %v; want refused, retry within 200ms", res, err)
		}
		// Another key and another rule are apart.
		if res, _ := l.Allow(t.Context(), rule, "auth0|other"); !res.Allowed {
			t.Error("another key was limited")
		}
		other := rule
		other.Name = "changes"
		if res, _ := l.Allow(t.Context(), other, "auth0|target"); !res.Allowed {
			t.Error("another rule with the same key was limited")
		}
		time.Sleep(res.RetryAfter + 30*time.Millisecond)
		if res, _ := l.Allow(t.Context(), rule, "auth0|target"); !res.Allowed {
			t.Errorf("after Retry-After: %+v, want allowed", res)
		}
		if res, _ := l.Allow(t.Context(), rule, "auth0|target"); res.Allowed {
			t.Errorf("a second one right after: %+v, want refused", res)
		}
	})
	t.Run("RefusedUseNothing", func(t *testing.T) {
		l := newLimiter(t)
		rule := limits.Rule{Name: "changes", Rate: 1, Per: 400 * time.Millisecond, Burst: 1}
		if res, _ := l.Allow(t.Context(), rule, "p"); !res.Allowed {
			t.Fatal("first refused")
		}
		for range 20 { // hammering while refused does not push the wait out
			if res, _ := l.Allow(t.Context(), rule, "p"); res.Allowed {
				t.Fatal("allowed within the interval")
			}
		}
		time.Sleep(450 * time.Millisecond)
		if res, _ := l.Allow(t.Context(), rule, "p"); !res.Allowed {
			t.Errorf("refused after the interval: %+v", res)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		l := newLimiter(t)
		rule := limits.Rule{Name: "searches", Rate: 10, Per: time.Hour, Burst: 20}
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				if res, err := l.Allow(t.Context(), rule, "viewer"); err == nil && res.Allowed {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if allowed.Load() != 20 {
			t.Errorf("%d of 100 concurrent searches allowed, want the burst of 20", allowed.Load())
		}
	})
	t.Run("InvalidRule", func(t *testing.T) {
		if _, err := newLimiter(t).Allow(t.Context(), limits.Rule{Name: "x"}, "k"); err == nil {
			t.Error("a rule without a rate was applied")
		}
	})
}
