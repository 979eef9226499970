package auth0apitest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
)

// clock is a settable clock for the tenant.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestRateLimit(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, auth0apitest.Options{Now: clk.Now, RateLimit: 1, RateBurst: 3})
	path := "/users/" + esc(auth0apitest.FixtureUserID)
	for i, want := range []string{"2", "1", "0"} {
		r := e.call(t, "GET", path, nil)
		if r.status != http.StatusOK {
			t.Fatalf("request %d: status %d", i, r.status)
		}
		if r.header.Get("x-ratelimit-limit") != "3" || r.header.Get("x-ratelimit-remaining") != want {
			t.Errorf("request %d: limit %q remaining %q, want 3 %s", i, r.header.Get("x-ratelimit-limit"), r.header.Get("x-ratelimit-remaining"), want)
		}
	}
	r := e.call(t, "GET", path, nil)
	wantError(t, r, http.StatusTooManyRequests, "too_many_requests", "Global limit has been reached")
	reset, err := strconv.ParseInt(r.header.Get("x-ratelimit-reset"), 10, 64)
	if err != nil || reset != clk.Now().Unix()+1 {
		t.Errorf("x-ratelimit-reset = %q, want %d", r.header.Get("x-ratelimit-reset"), clk.Now().Unix()+1)
	}
	clk.Add(time.Second)
	if r := e.call(t, "GET", path, nil); r.status != http.StatusOK {
		t.Errorf("after a second: status %d", r.status)
	}
	// Refused calls are recorded too.
	if n := len(e.tenant.Calls()); n != 5 {
		t.Errorf("Calls = %d, want 5", n)
	}
	e.tenant.SetRateLimit(0, 0)
	for range 10 {
		r := e.call(t, "GET", "/roles", nil)
		if r.status != http.StatusOK || r.header.Get("x-ratelimit-limit") == "" || r.header.Get("x-ratelimit-reset") == "" {
			t.Fatalf("limit off: status %d, headers %v", r.status, r.header)
		}
	}
}

func TestFaults(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	path := "/users/" + esc(auth0apitest.FixtureUserID)
	e.tenant.Fail("GET /users/{id}", auth0apitest.Fault{Status: http.StatusInternalServerError, Times: 2})
	for range 2 {
		wantError(t, e.call(t, "GET", path, nil), http.StatusInternalServerError, "", "")
	}
	if r := e.call(t, "GET", path, nil); r.status != http.StatusOK {
		t.Errorf("after the fault's times: %d", r.status)
	}
	e.tenant.Fail("GET /users", auth0apitest.Fault{Status: http.StatusServiceUnavailable})
	for range 3 {
		wantError(t, e.call(t, "GET", "/users", nil), http.StatusServiceUnavailable, "",
			"The query exceeded the timeout. Please try refining your search criteria. See https://auth0.com/docs/best-practices/search-best-practices.")
	}
	e.tenant.Fail("GET /users/{id}/roles", auth0apitest.Fault{Status: http.StatusTooManyRequests})
	r := e.call(t, "GET", path+"/roles", nil)
	wantError(t, r, http.StatusTooManyRequests, "too_many_requests", "")
	if r.header.Get("x-ratelimit-remaining") != "0" || r.header.Get("x-ratelimit-reset") == "" {
		t.Errorf("429 fault headers: %v", r.header)
	}
	e.tenant.ClearFaults()
	if r := e.call(t, "GET", "/users", nil); r.status != http.StatusOK {
		t.Errorf("after ClearFaults: %d", r.status)
	}

	e.tenant.Fail("GET /users/{id}/logs", auth0apitest.Fault{Malformed: true, Times: 1})
	raw := rawGet(t, e, path+"/logs", context.Background())
	if raw.status != http.StatusOK || raw.body[len(raw.body)-1] == '}' {
		t.Errorf("malformed: %d %q", raw.status, raw.body)
	}

	e.tenant.Fail("*", auth0apitest.Fault{Hang: true, Times: 1})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := rawGet(t, e, path, ctx).err; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang: err = %v, want the deadline", err)
	}
}

type rawAnswer struct {
	status int
	body   []byte
	err    error
}

func rawGet(t *testing.T, e *env, path string, ctx context.Context) rawAnswer {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/api/v2"+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rawAnswer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return rawAnswer{status: resp.StatusCode, body: b, err: err}
}

func TestLatencyRespectsCancellation(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := rawGet(t, e, "/roles", ctx).err; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	e.tenant.SetLatency(0)
	if r := e.call(t, "GET", "/roles", nil); r.status != http.StatusOK {
		t.Errorf("without latency: %d", r.status)
	}
}

func TestCallsRecorded(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	e.call(t, "POST", "/users/"+esc(auth0apitest.FixtureSlashUserID)+"/roles?x=1", map[string]any{"roles": []string{"rol_x"}})
	e.callWith(t, "", "GET", "/users", nil)
	calls := e.tenant.Calls()
	if len(calls) != 2 {
		t.Fatalf("Calls = %d", len(calls))
	}
	c := calls[0]
	if c.Method != "POST" || c.Path != "/users/auth0%7Clegacy%2F00042%20bl/roles" || c.Query.Get("x") != "1" || string(c.Body) != `{"roles":["rol_x"]}` {
		t.Errorf("call = %+v", c)
	}
	if calls[1].Path != "/users" {
		t.Errorf("refused call = %+v", calls[1])
	}
	e.tenant.ResetCalls()
	if len(e.tenant.Calls()) != 0 {
		t.Error("ResetCalls kept calls")
	}
}

// TestConcurrentUse drives every kind of change and read at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{Users: 300, Seed: 11})
	roleID := e.tenant.RoleID("helpdesk")
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 12 {
				email := fmt.Sprintf("w%d.u%d@example.com", w, i)
				r := e.call(t, "POST", "/users", map[string]any{"connection": auth0apitest.DatabaseConnection, "email": email, "password": "Str0ng-Passw0rd"})
				if r.status != http.StatusCreated {
					t.Errorf("create: %d %s", r.status, r.raw)
					return
				}
				id := "/users/" + esc(r.object(t)["user_id"].(string))
				e.call(t, "PATCH", id, map[string]any{"app_metadata": map[string]any{"n": i}})
				e.call(t, "POST", id+"/roles", map[string]any{"roles": []string{roleID}})
				e.call(t, "GET", id+"/roles?include_totals=true", nil)
				e.call(t, "POST", id+"/authentication-methods", map[string]any{"type": "email", "email": email})
				e.call(t, "GET", "/users?search_engine=v3&q=email.domain:example.com&sort=created_at:-1&per_page=20&page=1", nil)
				e.call(t, "GET", "/users/"+esc(auth0apitest.FixtureUserID)+"/logs", nil)
				e.call(t, "POST", "/tickets/password-change", map[string]any{"user_id": auth0apitest.FixtureUserID})
				if i%3 == 0 {
					e.call(t, "DELETE", id, nil)
				}
			}
		})
	}
	wg.Wait()
	r := e.call(t, "GET", "/users?search_engine=v3&q=_exists_:app_metadata.n&include_totals=true&per_page=0&page=0", nil)
	if total := r.object(t)["total"]; total != float64(16*8) {
		t.Errorf("users left = %v, want %d", total, 16*8)
	}
	if n := len(e.tenant.Tickets()); n != 16*12 {
		t.Errorf("tickets = %d", n)
	}
}
