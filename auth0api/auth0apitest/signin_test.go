package auth0apitest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
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
