package auth0api_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"userdesk/auth0api"
)

// TestBurstsReuseConnections: after a burst of 50 calls at once, the next burst of 50 reuses
// the 50 connections the first one opened (a busy dashboard's calls to Auth0 would otherwise
// pay a new TCP and TLS handshake for every call past the idle pool's size).
func TestBurstsReuseConnections(t *testing.T) {
	const burst = 50
	var conns atomic.Int64
	var arrived sync.WaitGroup
	var mu sync.Mutex
	release := make(chan struct{})
	gate := func() chan struct{} { mu.Lock(); defer mu.Unlock(); return release }
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Done()
		<-gate() // every call of the burst is in flight at once
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"user_id":"auth0|1"}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	// Unlimited: the default limiter's first call goes alone (it learns the budget), and this
	// server answers nobody before all fifty have arrived.
	c := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.Limiter = auth0api.Unlimited })

	for round := range 2 {
		arrived.Add(burst)
		var done sync.WaitGroup
		for range burst {
			done.Go(func() {
				if _, err := c.GetUser(t.Context(), "auth0|1", nil); err != nil {
					t.Error(err)
				}
			})
		}
		arrived.Wait()
		close(gate())
		done.Wait()
		mu.Lock()
		release = make(chan struct{})
		mu.Unlock()
		if got := conns.Load(); got != burst {
			t.Fatalf("after burst %d: %d connections opened, want %d", round+1, got, burst)
		}
	}
}
