package redisstore_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/internal/redistest"
)

// statusCounter counts Management API attempts and 429s.
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

// load runs workers per client, each asking for a user page's worth of calls (eight at once)
// again and again for d; it returns the calls that failed.
func load(t *testing.T, clients []*auth0api.Client, workers int, d, pause time.Duration) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d+5*time.Second)
	defer cancel()
	var failed atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for _, c := range clients {
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
	}
	wg.Wait()
	return failed.Load()
}

// TestBudgetSharedByTwoReplicas: two clients (two replicas: a DB each) share one budget in
// Redis, learn the tenant's bucket from the headers with no setting, and together stay under
// it: once learned, (almost) no 429, and no call fails although neither retries.
func TestBudgetSharedByTwoReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 10 s")
	}
	srv := redistest.Start(t)
	tn, api := auth0apitest.NewServer(t, auth0apitest.Options{Users: 5, Seed: 1, Now: time.Now})
	tn.SetRateLimit(10, 10)
	obs := &statusCounter{}
	var clients []*auth0api.Client
	var first interface {
		Learned(context.Context) (int, float64, error)
	}
	for range 2 {
		budget := openDB(t, srv, "budget:").Budget("tenant.example")
		if first == nil {
			first = budget
		}
		c, err := auth0api.New(auth0api.Config{BaseURL: api.URL + "/api/v2", Token: tn.Token(auth0apitest.AllScopes...),
			Observer: obs, Limiter: budget, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	load(t, clients, 2, 3*time.Second, 100*time.Millisecond)
	limit, rate, err := first.Learned(t.Context())
	t.Logf("warm-up: %d calls, %d 429s; learned a bucket of %d at %.1f/s", obs.calls.Load(), obs.tooMany.Load(), limit, rate)
	if err != nil || limit != 10 || rate < 7 || rate > 13 {
		t.Fatalf("learned %d at %.1f/s (%v), want 10 at about 10/s", limit, rate, err)
	}
	obs.calls.Store(0)
	obs.tooMany.Store(0)
	start := time.Now()
	failed := load(t, clients, 2, 5*time.Second, 100*time.Millisecond)
	took := time.Since(start)
	t.Logf("then: %d calls in %v, %d 429s, %d failed", obs.calls.Load(), took.Round(time.Millisecond), obs.tooMany.Load(), failed)
	if n := obs.tooMany.Load(); float64(n) > 0.02*float64(obs.calls.Load()) || failed > n {
		t.Errorf("%d 429s (%d failed calls) of %d calls by two replicas sharing the budget", n, failed, obs.calls.Load())
	}
	// The budget allowed about 10/s and no more: 10/s plus a bucket (and the one refilled while
	// the warm-up's last calls were answered).
	if got, most := obs.calls.Load(), int64(took.Seconds()*10)+20; got > most {
		t.Errorf("%d calls in %v, more than the budget of 10/s allows (%d)", got, took, most)
	}
}

// TestBudgetWithoutRedis: when Redis is down, each replica paces itself (locally) and calls go
// on; when it is back, the shared budget is used again.
func TestBudgetWithoutRedis(t *testing.T) {
	srv := redistest.Start(t)
	tn, api := auth0apitest.NewServer(t, auth0apitest.Options{Users: 5, Seed: 1, Now: time.Now})
	budget := openDB(t, srv, "down:").Budget("tenant.example")
	c, err := auth0api.New(auth0api.Config{BaseURL: api.URL + "/api/v2", Token: tn.Token(auth0apitest.AllScopes...), Limiter: budget})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListUsers(t.Context(), auth0api.ListUsersParams{PerPage: 1}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	for i := range 5 {
		if _, err := c.ListUsers(t.Context(), auth0api.ListUsersParams{PerPage: 1}); err != nil {
			t.Fatalf("call %d with Redis down: %v", i, err)
		}
	}
	srv.Start() // empty: the budget is learned again
	time.Sleep(1100 * time.Millisecond)
	if _, err := c.ListUsers(t.Context(), auth0api.ListUsersParams{PerPage: 1}); err != nil {
		t.Fatal(err)
	}
	if limit, _, err := budget.Learned(t.Context()); err != nil || limit != 50 {
		t.Errorf("after Redis came back: learned %d (%v), want the tenant's 50 again", limit, err)
	}
}

// TestBudgetBackgroundGivesWay: in the shared budget too, background requests
// (auth0api.Background) leave half of the learned bucket to interactive ones, which go first.
func TestBudgetBackgroundGivesWay(t *testing.T) {
	srv := redistest.Start(t)
	db := openDB(t, srv, "")
	b := db.Budget("tenant-bg")
	ctx := t.Context()
	bg := auth0api.Background(ctx)
	done, err := b.Wait(ctx) // the probe
	if err != nil {
		t.Fatal(err)
	}
	done(auth0api.RateLimitState{Limit: 10, Remaining: 9})
	short := func(ctx context.Context) (context.Context, context.CancelFunc) {
		return context.WithTimeout(ctx, 40*time.Millisecond)
	}
	for i := range 4 {
		c, cancel := short(bg)
		if _, err := b.Wait(c); err != nil {
			t.Fatalf("background request %d with 9-%d left: %v", i, i, err)
		}
		cancel()
	}
	c, cancel := short(bg)
	_, err = b.Wait(c)
	cancel()
	if !errors.Is(err, auth0api.ErrPastDeadline) {
		t.Fatalf("background request with the interactive share left = %v, want it to wait (past a short deadline)", err)
	}
	for i := range 5 {
		c, cancel := short(ctx)
		if _, err := b.Wait(c); err != nil {
			t.Fatalf("interactive request %d: %v; the share is theirs", i, err)
		}
		cancel()
	}
}
