package auth0api_test

import (
	"slices"
	"testing"
	"time"

	"userdesk/auth0api"
)

// TestLimiterBurstDefault: without a Burst, the limiter's bucket holds one second's worth of
// calls, so that the user page's eight calls go out together when the budget allows (with a
// bucket of one they left 1/rate apart: 0.7 s for the page's last section at 10/s).
func TestLimiterBurstDefault(t *testing.T) {
	for _, tt := range []struct {
		rate  float64
		burst int
		want  int
	}{
		{0, 0, 0},
		{10, 0, 10},
		{2.5, 0, 3},
		{0.2, 0, 1},
		{10, 4, 4},
	} {
		c := newClient(t, "http://127.0.0.1:1", func(cfg *auth0api.Config) {
			cfg.RequestsPerSecond, cfg.Burst = tt.rate, tt.burst
		})
		if got := auth0api.LimiterBurst(c); got != tt.want {
			t.Errorf("RequestsPerSecond %v, Burst %d: bucket of %d, want %d", tt.rate, tt.burst, got, tt.want)
		}
	}
}

// TestRetryJitterSpreadsOverASecond: retries after a 429 that names its reset are spread over
// the second after it (x-ratelimit-reset has whole seconds), not bunched in its first 100 ms
// where every refused call would meet again.
func TestRetryJitterSpreadsOverASecond(t *testing.T) {
	reset := time.Now().Add(3 * time.Second)
	srv := newServer(t, limited(10, reset, 204, ""))
	// Unlimited: the default limiter would really wait after each 429 (the sleep faked here is
	// the retry's), moving the reset closer.
	c := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.Retries, cfg.Limiter = 10, auth0api.Unlimited })
	sl := &fakeSleep{}
	auth0api.SetSleep(c, sl.sleep)
	if err := c.DeleteUser(t.Context(), caseUserID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	waits := sl.got()
	if len(waits) != 10 {
		t.Fatalf("%d waits, want 10", len(waits))
	}
	for _, w := range waits {
		if w <= 1900*time.Millisecond || w > 4100*time.Millisecond {
			t.Errorf("wait %v, want the reset (2–3 s away) plus at most 1 s", w)
		}
	}
	if spread := slices.Max(waits) - slices.Min(waits); spread < 200*time.Millisecond {
		t.Errorf("10 waits within %v of each other: %v", spread, waits)
	}
}
