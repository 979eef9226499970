package auth0api_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
)

// TestRateLimitHeadersObserved (checklist 62): every answer's x-ratelimit-limit, -remaining
// and -reset reach the observer, parsed, with the endpoint template; on the emulated tenant's
// token bucket the remaining budget counts down.
func TestRateLimitHeadersObserved(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{Now: func() time.Time { return now }, RateLimit: 1, RateBurst: 3})
	obs := &recordObserver{}
	c, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: tn.Token(auth0apitest.AllScopes...), Retries: -1, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.ListUserRoles(t.Context(), auth0apitest.FixtureUserID, auth0api.PageParams{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.GetUser(t.Context(), auth0apitest.FixtureUserID, nil); !errors.Is(err, auth0api.ErrRateLimited) {
		t.Fatalf("fourth call: %v, want the tenant's 429", err)
	}
	got := obs.rateLimits()
	if len(got) != 4 {
		t.Fatalf("observed %d rate-limit states, want one per answer (4): %+v", len(got), got)
	}
	for i, want := range []struct {
		op        string
		remaining int
	}{{"GET /users/{id}/roles", 2}, {"GET /users/{id}/roles", 1}, {"GET /users/{id}/roles", 0}, {"GET /users/{id}", 0}} {
		if got[i].Op != want.op || got[i].Limit != 3 || got[i].Remaining != want.remaining {
			t.Errorf("answer %d: %+v, want %s limit 3 remaining %d", i+1, got[i], want.op, want.remaining)
		}
		if got[i].Reset.Before(now) || got[i].Reset.After(now.Add(2*time.Second)) {
			t.Errorf("answer %d: reset %v, want within a bucket refill of %v", i+1, got[i].Reset, now)
		}
	}
}

// TestRateLimitHeadersParsed: a header that is missing or malformed is reported as -1 (the zero
// time for the reset); an answer without any of them is not reported; the token endpoint's
// headers are reported under its own name.
func TestRateLimitHeadersParsed(t *testing.T) {
	tn := newTenant(t, "")
	tn.api = func(w http.ResponseWriter, _ string) {
		w.Header().Set("X-RateLimit-Limit", "ten")
		w.Header().Set("X-RateLimit-Remaining", " 7 ")
		w.Write([]byte(userJSON))
	}
	obs := &recordObserver{}
	c := grantClient(t, tn.URL, func(cfg *auth0api.Config) { cfg.Observer = obs })
	if _, err := c.GetUser(t.Context(), caseUserID, nil); err != nil {
		t.Fatal(err)
	}
	tn.api = func(w http.ResponseWriter, _ string) { w.Write([]byte(userJSON)) }
	if _, err := c.GetUser(t.Context(), caseUserID, nil); err != nil {
		t.Fatal(err)
	}
	got := obs.rateLimits()
	want := []observedLimit{{"GET /users/{id}", -1, 7, time.Time{}}}
	if len(got) != len(want) || got[0] != want[0] {
		t.Errorf("observed %+v, want %+v (nothing for the answer without headers, nor for the token endpoint that sent none)", got, want)
	}

	reset := time.Unix(1_900_000_000, 0)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("X-RateLimit-Limit", "30")
		w.Header().Set("X-RateLimit-Remaining", "29")
		w.Header().Set("X-RateLimit-Reset", "1900000000")
		w.Write([]byte(`{"access_token":"tok","expires_in":86400,"token_type":"Bearer"}`))
	})
	obs = &recordObserver{}
	c = grantClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.Observer = obs })
	if _, err := c.TokenScopes(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := obs.rateLimits(); len(got) != 1 || got[0] != (observedLimit{"POST /oauth/token", 30, 29, reset}) {
		t.Errorf("token endpoint: observed %+v", got)
	}
}
