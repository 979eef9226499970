package auth0api_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
)

// statusCounter counts attempts and 429s.
type statusCounter struct{ calls, tooMany atomic.Int64 }

func (o *statusCounter) Request(_ string, status int, _ time.Duration, _ error) {
	o.calls.Add(1)
	if status == http.StatusTooManyRequests {
		o.tooMany.Add(1)
	}
}
func (o *statusCounter) Retry(string, time.Duration)           {}
func (o *statusCounter) TokenRefresh(time.Duration, error)     {}
func (o *statusCounter) RateLimit(string, int, int, time.Time) {}

// burstLoad runs workers that each make calls in bursts of eight (a user page) for d, against
// the client, and returns how many calls failed.
func burstLoad(t *testing.T, c *auth0api.Client, workers int, d time.Duration, pause time.Duration) int64 {
	t.Helper()
	var failed atomic.Int64
	ctx, cancel := context.WithTimeout(t.Context(), d+5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for range workers {
		wg.Go(func() {
			for time.Now().Before(end) {
				var page sync.WaitGroup
				for range 8 {
					page.Go(func() {
						if _, err := c.ListUsers(ctx, auth0api.ListUsersParams{PerPage: 1}); err != nil {
							failed.Add(1)
						}
					})
				}
				page.Wait()
				time.Sleep(pause)
			}
		})
	}
	wg.Wait()
	return failed.Load()
}

// TestAdaptiveLimiterLearnsTheBudget: with no setting, the client learns an Enterprise-like
// bucket (50, refilled at 16/s) from the headers and keeps under it: after the first seconds,
// (almost) no 429.
func TestAdaptiveLimiterLearnsTheBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 8 s")
	}
	for _, tc := range []struct {
		rate  float64
		burst int
	}{{16, 50}, {10, 10}} {
		tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{Users: 5, Seed: 1, Now: time.Now})
		obs := &statusCounter{}
		lim := auth0api.NewAdaptiveLimiter()
		c, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: tn.Token(auth0apitest.AllScopes...), Observer: obs, Limiter: lim, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		tn.SetRateLimit(tc.rate, tc.burst)
		// Warm-up: learn.
		burstLoad(t, c, 6, 3*time.Second, 50*time.Millisecond)
		limit, rate := lim.Learned()
		t.Logf("%v/s burst %d: learned %d, %.1f/s after %d calls, %d 429s", tc.rate, tc.burst, limit, rate, obs.calls.Load(), obs.tooMany.Load())
		if limit != tc.burst || rate < tc.rate*0.5 || rate > tc.rate*1.3 {
			t.Errorf("%v/s burst %d: learned bucket %d at %.1f/s", tc.rate, tc.burst, limit, rate)
		}
		obs.calls.Store(0)
		obs.tooMany.Store(0)
		failed := burstLoad(t, c, 6, 4*time.Second, 50*time.Millisecond)
		limit, rate = lim.Learned()
		t.Logf("then: %d calls, %d 429s, %d failed; learned %d, %.1f/s", obs.calls.Load(), obs.tooMany.Load(), failed, limit, rate)
		if n := obs.tooMany.Load(); float64(n) > 0.02*float64(obs.calls.Load()) {
			t.Errorf("%v/s burst %d: %d 429s of %d calls once learned", tc.rate, tc.burst, n, obs.calls.Load())
		}
	}
}
