package authapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// authorizeURL builds an /authorize URL from a valid PKCE request, edited by edit.
func (h *harness) authorizeURL(edit func(url.Values)) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {testClientID},
		"redirect_uri":          {testRedirectURI},
		"scope":                 {"openid profile email"},
		"state":                 {"st4te"},
		"nonce":                 {"n0nce"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())},
		"code_challenge_method": {"S256"},
	}
	edit(q)
	return h.issuer + "authorize?" + q.Encode()
}

// TestAuthorizeNeverRedirectsToUnknownURIs checks that an unknown client or redirect_uri gets a
// 400 HTML page and no redirect.
func TestAuthorizeNeverRedirectsToUnknownURIs(t *testing.T) {
	tests := []struct {
		name string
		edit func(url.Values)
	}{
		{"unregistered redirect_uri", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/callback") }},
		{"redirect_uri with extra path", func(q url.Values) { q.Set("redirect_uri", testRedirectURI+"/x") }},
		{"redirect_uri with query", func(q url.Values) { q.Set("redirect_uri", testRedirectURI+"?next=https://evil.example") }},
		{"missing redirect_uri", func(q url.Values) { q.Del("redirect_uri") }},
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }},
		{"missing client", func(q url.Values) { q.Del("client_id") }},
	}
	h := newHarness(t, "/tenant", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h.get(t, h.authorizeURL(tt.edit))
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status: got %d, want 400", resp.StatusCode)
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("Location: got %q, want none", loc)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type: got %q, want an HTML page", ct)
			}
			if !strings.Contains(resp.body, "Sign-in request refused") {
				t.Errorf("body is not the refusal page: %s", resp.body)
			}
		})
	}
}

// TestAuthorizeRefusals checks requests that are refused back to the registered redirect_uri
// with an OAuth error: no PKCE, PKCE plain, implicit response types, prompt=none.
func TestAuthorizeRefusals(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(url.Values)
		wantError string
	}{
		{"no code_challenge", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request"},
		{"code_challenge_method plain", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"code_challenge_method missing", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		{"implicit token", func(q url.Values) { q.Set("response_type", "token") }, "unauthorized_client"},
		{"implicit id_token", func(q url.Values) { q.Set("response_type", "id_token") }, "unauthorized_client"},
		{"hybrid", func(q url.Values) { q.Set("response_type", "code id_token") }, "unauthorized_client"},
		{"prompt none", func(q url.Values) { q.Set("prompt", "none") }, "login_required"},
	}
	h := newHarness(t, "", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h.get(t, h.authorizeURL(tt.edit))
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status: got %d, want 302; body %s", resp.StatusCode, resp.body)
			}
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testRedirectURI {
				t.Fatalf("redirected to %q, want the registered %s", loc, testRedirectURI)
			}
			params := loc.Query()
			if loc.Fragment != "" {
				params, _ = url.ParseQuery(loc.Fragment)
			}
			if got := params.Get("error"); got != tt.wantError {
				t.Errorf("error: got %q (%s), want %q", got, params.Get("error_description"), tt.wantError)
			}
			if params.Get("state") != "st4te" {
				t.Errorf("state: got %q, want st4te", params.Get("state"))
			}
			for _, k := range []string{"code", "access_token", "id_token"} {
				if params.Has(k) {
					t.Errorf("refusal carries %s", k)
				}
			}
		})
	}
}
