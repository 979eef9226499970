package auth0api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/auth0api"
)

// tenant is a test server with a token endpoint and the Management API.
type tenant struct {
	*server
	tokens    atomic.Int32
	expiresIn int
	scope     string
	// tokenGate, when set, is called before a token is issued.
	tokenGate func()
	// api answers Management API requests; token is the bearer token.
	api func(w http.ResponseWriter, token string)
}

func newTenant(t *testing.T, prefix string) *tenant {
	tn := &tenant{expiresIn: 86400, scope: "read:users update:users"}
	tn.api = func(w http.ResponseWriter, _ string) { w.Write([]byte(userJSON)) }
	tn.server = newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.URL.Path == prefix+"/oauth/token" {
			if tn.tokenGate != nil {
				tn.tokenGate()
			}
			n := tn.tokens.Add(1)
			fmt.Fprintf(w, `{"access_token":"tok-%d","expires_in":%d,"scope":%q,"token_type":"Bearer"}`, n, tn.expiresIn, tn.scope)
			return
		}
		tn.api(w, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	})
	return tn
}

func (tn *tenant) apiRequests() []request {
	var out []request
	for _, r := range tn.requests() {
		if !strings.HasSuffix(r.Path, "/oauth/token") {
			out = append(out, r)
		}
	}
	return out
}

func grantClient(t *testing.T, base string, mods ...func(*auth0api.Config)) *auth0api.Client {
	return newClient(t, base, append([]func(*auth0api.Config){func(cfg *auth0api.Config) {
		cfg.Token = ""
		cfg.ClientID = "m2m-client"
		cfg.ClientSecret = "m2m-secret"
	}}, mods...)...)
}

func TestTokenOneRequestForConcurrentCalls(t *testing.T) {
	tn := newTenant(t, "")
	tn.tokenGate = func() { time.Sleep(50 * time.Millisecond) } // let the callers pile up
	obs := &recordObserver{}
	c := grantClient(t, tn.URL, func(cfg *auth0api.Config) { cfg.Observer = obs })

	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := c.GetUser(t.Context(), caseUserID, nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
	}
	if n := tn.tokens.Load(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	if len(obs.tokens) != 1 {
		t.Errorf("observed %d token refreshes, want 1", len(obs.tokens))
	}
	api := tn.apiRequests()
	if len(api) != 50 {
		t.Fatalf("%d API requests, want 50", len(api))
	}
	for _, r := range api {
		if got := r.Header.Get("Authorization"); got != "Bearer tok-1" {
			t.Fatalf("Authorization %q, want Bearer tok-1", got)
		}
	}
	tokReq := tn.requests()[0]
	if tokReq.Path != "/oauth/token" || tokReq.Method != "POST" || tokReq.Header.Get("Content-Type") != "application/json" {
		t.Errorf("token request %s %s (%s)", tokReq.Method, tokReq.Path, tokReq.Header.Get("Content-Type"))
	}
	want := fmt.Sprintf(`{"grant_type":"client_credentials","client_id":"m2m-client","client_secret":"m2m-secret","audience":%q}`, tn.URL+"/api/v2/")
	if !sameJSON(t, tokReq.Body, []byte(want)) {
		t.Errorf("token request body %s, want %s", tokReq.Body, want)
	}
	if tokReq.Header.Get("Authorization") != "" {
		t.Errorf("token request carries Authorization %q", tokReq.Header.Get("Authorization"))
	}
}

// clock is a settable clock.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// lastBearer is the Authorization of the tenant's last API request.
func lastBearer(tn *tenant) string {
	api := tn.apiRequests()
	return api[len(api)-1].Header.Get("Authorization")
}

// mustGet makes one API call that must succeed.
func mustGet(t *testing.T, c *auth0api.Client) {
	t.Helper()
	_, err := c.GetUser(t.Context(), caseUserID, nil)
	if err != nil {
		t.Fatal(err)
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	for _, tc := range []struct {
		expiresIn   int
		useUntil    time.Duration // the token is still used just before
		refreshFrom time.Duration // and refreshed just after
	}{
		{86400, 86400*time.Second - time.Minute, 86400*time.Second - time.Minute},
		{3600, 3540 * time.Second, 3540 * time.Second},
		{100, 90 * time.Second, 90 * time.Second}, // a tenth of a short lifetime
	} {
		t.Run(fmt.Sprint(tc.expiresIn), func(t *testing.T) {
			tn := newTenant(t, "")
			tn.expiresIn = tc.expiresIn
			clk := newClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			c := grantClient(t, tn.URL)
			auth0api.SetClock(c, clk.now)

			mustGet(t, c)
			clk.advance(tc.useUntil - time.Second)
			mustGet(t, c)
			if n := tn.tokens.Load(); n != 1 || lastBearer(tn) != "Bearer tok-1" {
				t.Fatalf("before the margin: %d token requests, last %q; want the first token still in use", n, lastBearer(tn))
			}
			clk.advance(2 * time.Second)
			mustGet(t, c)
			if n := tn.tokens.Load(); n != 2 || lastBearer(tn) != "Bearer tok-2" {
				t.Errorf("after the margin: %d token requests, last %q; want a fresh token", n, lastBearer(tn))
			}
		})
	}
}

func TestToken401RefreshesOnce(t *testing.T) {
	tn := newTenant(t, "")
	tn.api = func(w http.ResponseWriter, token string) {
		if token == "tok-1" { // revoked
			w.WriteHeader(401)
			w.Write([]byte(`{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`))
			return
		}
		w.Write([]byte(userJSON))
	}
	c := grantClient(t, tn.URL)
	mustGet(t, c)
	if n := tn.tokens.Load(); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
	if n := len(tn.apiRequests()); n != 2 {
		t.Errorf("%d API requests, want 2", n)
	}
}

func TestToken401TwiceIsAnError(t *testing.T) {
	tn := newTenant(t, "")
	tn.api = func(w http.ResponseWriter, _ string) {
		w.WriteHeader(401)
		w.Write([]byte(`{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`))
	}
	c := grantClient(t, tn.URL)
	_, err := c.GetUser(t.Context(), caseUserID, nil)
	if !errors.Is(err, auth0api.ErrUnauthorized) {
		t.Fatalf("error %v, want ErrUnauthorized", err)
	}
	if n, api := tn.tokens.Load(), len(tn.apiRequests()); n != 2 || api != 2 {
		t.Errorf("%d token and %d API requests, want 2 and 2", n, api)
	}
}

func TestStaticToken401NotRetried(t *testing.T) {
	srv := newServer(t, reply(401, `{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`))
	c := newClient(t, srv.URL)
	if err := c.DeleteUser(t.Context(), caseUserID); !errors.Is(err, auth0api.ErrUnauthorized) {
		t.Fatalf("error %v, want ErrUnauthorized", err)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestTokenEndpointError(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.WriteHeader(403)
		w.Write([]byte(`{"error":"access_denied","error_description":"Unauthorized"}`))
	})
	obs := &recordObserver{}
	c := grantClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.Observer = obs })
	for range 2 {
		_, err := c.GetUser(t.Context(), caseUserID, nil)
		var e *auth0api.Error
		if !errors.As(err, &e) || e.Op != "POST /oauth/token" || e.Code != "access_denied" || e.Message != "Unauthorized" {
			t.Fatalf("error %v, want the token endpoint's *Error", err)
		}
		if !errors.Is(err, auth0api.ErrForbidden) {
			t.Errorf("error %v is not ErrForbidden", err)
		}
	}
	reqs := srv.requests()
	for _, r := range reqs {
		if r.Path != "/oauth/token" {
			t.Errorf("request to %s without a token", r.Path)
		}
	}
	if len(reqs) != 2 {
		t.Errorf("%d token requests, want 2 (errors are not cached)", len(reqs))
	}
	if len(obs.tokens) != 2 || obs.tokens[0] == nil {
		t.Errorf("observed token refreshes %v, want two failures", obs.tokens)
	}
}

func TestTokenWaitRespectsContext(t *testing.T) {
	tn := newTenant(t, "")
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	tn.tokenGate = func() {
		once.Do(func() { close(arrived) })
		<-release
	}
	c := grantClient(t, tn.URL)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { _, err := c.GetUser(ctx, caseUserID, nil); done <- err }()
	<-arrived
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the caller kept waiting for the token after its context ended")
	}
	close(release)
	// The request itself was not the caller's: it completes and is cached.
	mustGet(t, c)
	if n := tn.tokens.Load(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

func TestTokenScopes(t *testing.T) {
	tn := newTenant(t, "")
	c := grantClient(t, tn.URL)
	got, err := c.TokenScopes(t.Context())
	if err != nil || !slices.Equal(got, []string{"read:users", "update:users"}) {
		t.Errorf("grant scopes %v, %v; want [read:users update:users]", got, err)
	}

	jwt := func(claims string) string {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2ln"
	}
	for _, tc := range []struct {
		token string
		want  []string
		err   bool
	}{
		{jwt(`{"iss":"https://acme.eu.auth0.com/","scope":"read:users read:roles","gty":"client-credentials"}`), []string{"read:users", "read:roles"}, false},
		{jwt(`{"iss":"x"}`), nil, false},
		{"not-a-jwt", nil, true},
		{"a.!!!.c", nil, true},
	} {
		srv := newServer(t, reply(200, "{}"))
		c := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.Token = tc.token })
		got, err := c.TokenScopes(t.Context())
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("%q: scopes %v, %v; want %v (error %v)", tc.token, got, err, tc.want, tc.err)
		}
		if srv.count() != 0 {
			t.Errorf("TokenScopes of a static token made a request")
		}
	}
}

func TestTokenURLAndAudienceDefaults(t *testing.T) {
	tn := newTenant(t, "/tenant")
	c := grantClient(t, tn.URL+"/tenant")
	mustGet(t, c)
	tok := tn.requests()[0]
	if tok.Path != "/tenant/oauth/token" {
		t.Errorf("token request to %s, want /tenant/oauth/token", tok.Path)
	}
	var body map[string]string
	json.Unmarshal(tok.Body, &body)
	if want := tn.URL + "/tenant/api/v2/"; body["audience"] != want {
		t.Errorf("audience %q, want %q", body["audience"], want)
	}

	// With a Domain the audience is the tenant's canonical API identifier.
	tn2 := newTenant(t, "")
	c2 := grantClient(t, tn2.URL, func(cfg *auth0api.Config) { cfg.Domain = "acme.eu.auth0.com" })
	mustGet(t, c2)
	json.Unmarshal(tn2.requests()[0].Body, &body)
	if body["audience"] != "https://acme.eu.auth0.com/api/v2/" {
		t.Errorf("audience %q, want https://acme.eu.auth0.com/api/v2/", body["audience"])
	}
}

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  auth0api.Config
		want []string // parts of the error; nil = valid
	}{
		{"empty", auth0api.Config{}, []string{"Domain or BaseURL", "Token, or ClientID and ClientSecret"}},
		{"domain and token", auth0api.Config{Domain: "acme.eu.auth0.com", Token: "t"}, nil},
		{"domain with scheme", auth0api.Config{Domain: "https://acme.eu.auth0.com/", Token: "t"}, nil},
		{"client credentials", auth0api.Config{Domain: "acme.eu.auth0.com", ClientID: "id", ClientSecret: "s"}, nil},
		{"secret missing", auth0api.Config{Domain: "acme.eu.auth0.com", ClientID: "id"}, []string{"ClientSecret"}},
		{"bad base URL", auth0api.Config{BaseURL: "ftp://x/api/v2", Token: "t"}, []string{"BaseURL"}},
		{"base URL with query", auth0api.Config{BaseURL: "http://x/api/v2?a=b", Token: "t"}, []string{"BaseURL"}},
		{"negative rate", auth0api.Config{Domain: "a.auth0.com", Token: "t", RequestsPerSecond: -1}, []string{"RequestsPerSecond"}},
	} {
		_, err := auth0api.New(tc.cfg)
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tc.name, err, w)
			}
		}
	}
}
