package auth0api_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"userdesk/auth0api"
)

const tooMany = `{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}`

// fakeSleep records the waits instead of sleeping.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeSleep) got() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

// limited answers 429 (with x-ratelimit-reset when reset is set) for the
// first n requests, then status and body.
func limited(n int, reset time.Time, status int, body string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, i int) {
		if i < n {
			w.Header().Set("X-RateLimit-Limit", "10")
			w.Header().Set("X-RateLimit-Remaining", "0")
			if !reset.IsZero() {
				w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
			}
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(tooMany))
			return
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

func TestRetry429ThenSuccess(t *testing.T) {
	srv := newServer(t, limited(1, time.Time{}, 200, userJSON))
	obs := &recordObserver{}
	c := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.Observer = obs })
	sl := &fakeSleep{}
	auth0api.SetSleep(c, sl.sleep)

	u, err := c.GetUser(t.Context(), caseUserID, nil)
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if u.UserID != caseUserID {
		t.Errorf("user %q, want %q", u.UserID, caseUserID)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("got %d requests, want 2", n)
	}
	waits := sl.got()
	if len(waits) != 1 || waits[0] < 101*time.Millisecond || waits[0] > 200*time.Millisecond {
		t.Errorf("waits %v, want one between 101ms and 200ms", waits)
	}
	if got := obs.waits(); len(got) != 1 || got[0] != waits[0] {
		t.Errorf("observed retries %v, want %v", got, waits)
	}
	want := []observedRequest{{"GET /users/{id}", 429, nil}, {"GET /users/{id}", 200, nil}}
	if len(obs.requests) != len(want) || obs.requests[0] != want[0] || obs.requests[1] != want[1] {
		t.Errorf("observed requests %+v, want %+v", obs.requests, want)
	}
}

func TestRetryGivesUp(t *testing.T) {
	for _, tc := range []struct {
		retries int
		calls   int
	}{{0, 4}, {2, 3}, {-1, 1}, {10, 11}, {25, 11}} {
		t.Run(strconv.Itoa(tc.retries), func(t *testing.T) {
			srv := newServer(t, limited(1000, time.Time{}, 200, ""))
			c := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.Retries = tc.retries })
			sl := &fakeSleep{}
			auth0api.SetSleep(c, sl.sleep)
			err := c.DeleteUser(t.Context(), caseUserID)
			var e *auth0api.Error
			if !errors.As(err, &e) || e.StatusCode != 429 || !errors.Is(err, auth0api.ErrRateLimited) {
				t.Fatalf("error %v, want the final 429", err)
			}
			if n := srv.count(); n != tc.calls {
				t.Errorf("got %d requests, want %d", n, tc.calls)
			}
			waits := sl.got()
			if len(waits) != tc.calls-1 {
				t.Fatalf("%d waits, want %d", len(waits), tc.calls-1)
			}
			// The seed's backoff: 100ms·2^(n-1) + 1..100ms, clamped to 100ms..1s.
			for i, w := range waits {
				lo := min(time.Duration(100<<i)*time.Millisecond+time.Millisecond, time.Second)
				hi := min(time.Duration(100<<i)*time.Millisecond+100*time.Millisecond, time.Second)
				if w < lo || w > hi {
					t.Errorf("wait %d = %v, want %v..%v", i+1, w, lo, hi)
				}
			}
		})
	}
}

func TestRetryResendsTheBody(t *testing.T) {
	srv := newServer(t, limited(2, time.Time{}, 201, userJSON))
	c := newClient(t, srv.URL)
	auth0api.SetSleep(c, (&fakeSleep{}).sleep)
	if _, err := c.CreateUser(t.Context(), auth0api.UserCreate{Connection: "db", Email: "a@example.com"}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	reqs := srv.requests()
	if len(reqs) != 3 {
		t.Fatalf("got %d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if !sameJSON(t, r.Body, []byte(`{"connection":"db","email":"a@example.com"}`)) {
			t.Errorf("request %d body %s", i, r.Body)
		}
	}
}

func TestRetryWaitsForReset(t *testing.T) {
	reset := time.Now().Add(3 * time.Second)
	srv := newServer(t, limited(1, reset, 204, ""))
	c := newClient(t, srv.URL)
	sl := &fakeSleep{}
	auth0api.SetSleep(c, sl.sleep)
	if err := c.DeleteUser(t.Context(), caseUserID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	// The header has whole seconds: the bucket refills 2–3s from now, plus
	// at most a second of jitter (TestRetryJitterSpreadsOverASecond).
	waits := sl.got()
	if len(waits) != 1 || waits[0] <= 1900*time.Millisecond || waits[0] > 4100*time.Millisecond {
		t.Errorf("waits %v, want one until the reset (2s..4.1s)", waits)
	}
}

func TestRetryResetPastMaxWaitFailsAtOnce(t *testing.T) {
	reset := time.Now().Add(30 * time.Second)
	srv := newServer(t, limited(1, reset, 204, ""))
	obs := &recordObserver{}
	c := newClient(t, srv.URL, func(cfg *auth0api.Config) {
		cfg.MaxRetryWait = 5 * time.Second
		cfg.Observer = obs
	})
	sl := &fakeSleep{}
	auth0api.SetSleep(c, sl.sleep)
	err := c.DeleteUser(t.Context(), caseUserID)
	var e *auth0api.Error
	if !errors.As(err, &e) || e.StatusCode != 429 {
		t.Fatalf("error %v, want the 429", err)
	}
	if e.ResetAt.Unix() != reset.Unix() {
		t.Errorf("ResetAt %v, want %v", e.ResetAt, time.Unix(reset.Unix(), 0))
	}
	if after := e.RetryAfter(time.Now()); after < 25*time.Second {
		t.Errorf("RetryAfter %v, want about 30s", after)
	}
	if n, w := srv.count(), sl.got(); n != 1 || len(w) != 0 || len(obs.waits()) != 0 {
		t.Errorf("%d requests, waits %v, observed %v; want 1 request and no wait", n, w, obs.waits())
	}
}

func TestRetryResetPastDeadlineFailsAtOnce(t *testing.T) {
	reset := time.Now().Add(10 * time.Second)
	srv := newServer(t, limited(1, reset, 204, ""))
	c := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.MaxRetryWait = time.Minute })
	sl := &fakeSleep{}
	auth0api.SetSleep(c, sl.sleep)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	err := c.DeleteUser(ctx, caseUserID)
	var e *auth0api.Error
	if !errors.As(err, &e) || e.StatusCode != 429 || e.ResetAt.IsZero() {
		t.Fatalf("error %v, want the 429 with its reset time", err)
	}
	if n, w := srv.count(), sl.got(); n != 1 || len(w) != 0 {
		t.Errorf("%d requests and waits %v, want 1 request and no wait", n, w)
	}
}

func TestRetryWaitStopsWhenCancelled(t *testing.T) {
	reset := time.Now().Add(30 * time.Second)
	srv := newServer(t, limited(1, reset, 204, ""))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	obs := &recordObserver{onRetry: cancel} // cancel as soon as the client starts waiting
	c := newClient(t, srv.URL, func(cfg *auth0api.Config) {
		cfg.MaxRetryWait = time.Minute
		cfg.Observer = obs
	})
	done := make(chan error, 1)
	go func() { done <- c.DeleteUser(ctx, caseUserID) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the retry wait did not stop when the context was cancelled")
	}
	if n := srv.count(); n != 1 {
		t.Errorf("got %d requests, want 1", n)
	}
}

func TestNoRetryOnServerErrors(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		srv := newServer(t, reply(status, `{"statusCode":500,"error":"Internal Server Error","message":"boom"}`))
		c := newClient(t, srv.URL)
		_, err := c.CreateUser(t.Context(), auth0api.UserCreate{Connection: "db"})
		var e *auth0api.Error
		if !errors.As(err, &e) || e.StatusCode != status {
			t.Errorf("%d: error %v", status, err)
		}
		if n := srv.count(); n != 1 {
			t.Errorf("%d: POST sent %d times, want once", status, n)
		}
	}
}

func TestNoRetryOnNetworkError(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // the request arrived; the answer never comes
		}
	})
	c := newClient(t, srv.URL)
	_, err := c.CreateUser(t.Context(), auth0api.UserCreate{Connection: "db"})
	if err == nil {
		t.Fatal("no error for a dropped connection")
	}
	var e *auth0api.Error
	if errors.As(err, &e) {
		t.Errorf("error %v is an *Error, want a transport error", err)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("POST sent %d times, want once", n)
	}
}

func TestLimiter(t *testing.T) {
	srv := newServer(t, reply(204, ""))
	c := newClient(t, srv.URL, func(cfg *auth0api.Config) {
		cfg.RequestsPerSecond = 0.001 // one request, then a very long wait
		cfg.Burst = 1
	})
	if err := c.DeleteUser(t.Context(), caseUserID); err != nil {
		t.Fatalf("first call: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := c.DeleteUser(ctx, caseUserID); err == nil {
		t.Fatal("second call passed the limiter")
	}
	if n := srv.count(); n != 1 {
		t.Errorf("got %d requests, want 1", n)
	}

	fast := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.RequestsPerSecond = 50; cfg.Burst = 2 })
	for i := range 5 {
		if err := fast.DeleteUser(t.Context(), caseUserID); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := srv.count(); n != 6 {
		t.Errorf("got %d requests, want 6", n)
	}
}
