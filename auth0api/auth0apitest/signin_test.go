package auth0apitest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"userdesk/auth0api/auth0apitest"
	"userdesk/auth0api/auth0apitest/authapi"
)

func postForm(t *testing.T, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestClientCredentialsGrant(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{Machines: []auth0apitest.Machine{
		{ClientID: "m2m", ClientSecret: "s3cret", Scopes: []string{"read:users"}},
	}})
	audience := e.tenant.Audience()
	grant := func(id, secret, aud string) (int, map[string]any) {
		return postForm(t, e.url+"/oauth/token", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "audience": {aud},
		})
	}

	status, body := grant("m2m", "s3cret", audience)
	if status != http.StatusOK {
		t.Fatalf("grant: status %d %v", status, body)
	}
	tok, _ := body["access_token"].(string)
	if tok == "" || body["token_type"] != "Bearer" || body["scope"] != "read:users" {
		t.Fatalf("grant answer = %v", body)
	}
	if r := e.callWith(t, tok, "GET", "/users/"+esc(auth0apitest.FixtureUserID), nil); r.status != http.StatusOK {
		t.Errorf("GET user with the granted token: %d %s", r.status, r.raw)
	}
	r := e.callWith(t, tok, "DELETE", "/users/"+esc(auth0apitest.FixtureUserID), nil)
	wantError(t, r, http.StatusForbidden, "insufficient_scope", "Insufficient scope, expected any of: delete:users,delete:current_user")

	for _, c := range []struct {
		name, id, secret, aud string
		want                  int
	}{
		{"wrong secret", "m2m", "nope", audience, http.StatusUnauthorized},
		{"unknown client", "who", "s3cret", audience, http.StatusUnauthorized},
		{"unknown audience", "m2m", "s3cret", "https://elsewhere.example/", http.StatusForbidden},
		{"another API", "m2m", "s3cret", "https://api.acme.example/orders", http.StatusForbidden},
	} {
		if status, body := grant(c.id, c.secret, c.aud); status != c.want {
			t.Errorf("%s: status %d, want %d (%v)", c.name, status, c.want, body)
		}
	}
}

func TestDiscoveryIsServed(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	resp, err := http.Get(e.url + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc["issuer"] != e.tenant.Issuer() {
		t.Errorf("issuer = %v, want %s", doc["issuer"], e.tenant.Issuer())
	}
}

// TestStaffSecondStepAndEndSessions: a staff member signs in through the tenant with the
// multi-factor acr_values, passes the one-time code of Options.SecondFactor, and
// Tenant.EndSessions then tells the client's back-channel logout URI.
func TestStaffSecondStepAndEndSessions(t *testing.T) {
	const email, password = "ada@userdesk.test", "pw-ada"
	var (
		mu     sync.Mutex
		codes  []string
		tokens []string
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens = append(tokens, r.PostFormValue("logout_token"))
		mu.Unlock()
	}))
	defer rcv.Close()
	e := newEnv(t, auth0apitest.Options{
		Clients: []auth0apitest.Client{{ID: "dash", Secret: "s", RedirectURIs: []string{"https://dash.example/cb"},
			BackChannelLogoutURI: rcv.URL + "/backchannel-logout"}},
		Staff: []auth0apitest.StaffAccount{{Email: email, Password: password, Name: "Ada", Roles: []string{"userdesk-admin"}}},
		SecondFactor: authapi.SecondFactor{Send: func(_ context.Context, a authapi.Account, code string) {
			mu.Lock()
			codes = append(codes, a.Email+" "+code)
			mu.Unlock()
		}},
	})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"client_id": {"dash"}, "redirect_uri": {"https://dash.example/cb"}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st"}, "code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"S256"},
		"acr_values": {authapi.ACRMultiFactor}}
	resp, err := c.Get(e.url + "/authorize?" + q.Encode())
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %v %v", resp, err)
	}
	login, _ := url.Parse(resp.Header.Get("Location"))
	id := login.Query().Get("id")
	if resp, err = c.PostForm(e.url+"/login", url.Values{"id": {id}, "username": {email}, "password": {password}}); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("password: %v %v", resp, err)
	}
	mu.Lock()
	if len(codes) != 1 || !strings.HasPrefix(codes[0], email+" ") {
		t.Fatalf("codes sent: %q", codes)
	}
	code := strings.TrimPrefix(codes[0], email+" ")
	mu.Unlock()
	if resp, err = c.PostForm(e.url+"/login/code", url.Values{"id": {id}, "code": {code}}); err != nil || resp.StatusCode != http.StatusFound ||
		!strings.HasPrefix(resp.Header.Get("Location"), "https://dash.example/cb?code=") {
		t.Fatalf("code: %v %v", resp, err)
	}
	if n := e.tenant.EndSessions(t.Context(), auth0apitest.StaffUserID(email)); n != 1 {
		t.Fatalf("EndSessions = %d, want 1", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tokens) != 1 || strings.Count(tokens[0], ".") != 2 {
		t.Fatalf("logout tokens received: %q", tokens)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(tokens[0], ".")[1])
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil || claims["sub"] != auth0apitest.StaffUserID(email) || claims["aud"] != "dash" {
		t.Errorf("logout token claims %v (%v)", claims, err)
	}
}
