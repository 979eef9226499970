package authapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// redeemForm is the token request a relying party sends for code, with the right verifier and
// client credentials in the body.
func redeemForm(tx *transaction, code string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {testRedirectURI},
		"code_verifier": {tx.verifier},
		"client_id":     {testClientID},
		"client_secret": {testClientSecret},
	}
}

// oauthErrorOf decodes an OAuth error body.
func oauthErrorOf(t *testing.T, resp *response) oauthError {
	t.Helper()
	var e oauthError
	if err := json.Unmarshal([]byte(resp.body), &e); err != nil {
		t.Fatalf("error body %q: %v", resp.body, err)
	}
	return e
}

// TestCodeRedemptionRefusals checks every way a code exchange must fail, and whether the code
// survives the refused attempt (a client or PKCE failure does not burn it; the rest does).
func TestCodeRedemptionRefusals(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(url.Values)
		wantStatus int
		wantError  string
		survives   bool // the right request still works afterwards
	}{
		{"wrong verifier", func(f url.Values) { f.Set("code_verifier", oauth2.GenerateVerifier()) }, 400, "invalid_grant", true},
		{"missing verifier", func(f url.Values) { f.Del("code_verifier") }, 400, "invalid_grant", true},
		{"wrong client secret", func(f url.Values) { f.Set("client_secret", "nope") }, 401, "invalid_client", true},
		{"missing client secret", func(f url.Values) { f.Del("client_secret") }, 401, "invalid_client", true},
		{"unknown client", func(f url.Values) { f.Set("client_id", "someone-else") }, 401, "invalid_client", true},
		{"wrong redirect_uri", func(f url.Values) { f.Set("redirect_uri", "https://dash.example/other") }, 400, "invalid_grant", false},
		{"unknown code", func(f url.Values) { f.Set("code", "not-a-code") }, 400, "invalid_grant", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "", nil)
			tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
			form := redeemForm(tx, code)
			tt.edit(form)
			resp := h.postForm(t, h.issuer+"oauth/token", form)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d; body %s", resp.StatusCode, tt.wantStatus, resp.body)
			}
			if e := oauthErrorOf(t, resp); e.Error != tt.wantError {
				t.Errorf("error: got %q (%s), want %q", e.Error, e.Description, tt.wantError)
			}
			again := h.postForm(t, h.issuer+"oauth/token", redeemForm(tx, code))
			if got := again.StatusCode == http.StatusOK; got != tt.survives {
				t.Errorf("right request afterwards: status %d, want success %v; body %s", again.StatusCode, tt.survives, again.body)
			}
		})
	}
}

// TestCodeIsSingleUse redeems a code twice.
func TestCodeIsSingleUse(t *testing.T) {
	h := newHarness(t, "", nil)
	tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
	h.exchange(t, tx, code)
	resp := h.postForm(t, h.issuer+"oauth/token", redeemForm(tx, code))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("second redemption: status %d, want 400; body %s", resp.StatusCode, resp.body)
	}
	if e := oauthErrorOf(t, resp); e.Error != "invalid_grant" {
		t.Errorf("error: got %q, want invalid_grant", e.Error)
	}
}

// TestCodeExpires redeems a code after its minute is over.
func TestCodeExpires(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	h := newHarness(t, "", func(c *Config) { c.Now = clock.Now })
	tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
	clock.Add(codeLifetime + time.Second)
	resp := h.postForm(t, h.issuer+"oauth/token", redeemForm(tx, code))
	if e := oauthErrorOf(t, resp); resp.StatusCode != http.StatusBadRequest || e.Error != "invalid_grant" {
		t.Errorf("expired code: got %d %q, want 400 invalid_grant", resp.StatusCode, e.Error)
	}
}

// TestCodeOfAnotherClient checks a client cannot redeem a code issued to another one.
func TestCodeOfAnotherClient(t *testing.T) {
	h := newHarness(t, "", func(c *Config) {
		c.Clients = append(c.Clients, Client{ID: "other", Secret: "other-secret", RedirectURIs: []string{testRedirectURI}})
	})
	tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
	form := redeemForm(tx, code)
	form.Set("client_id", "other")
	form.Set("client_secret", "other-secret")
	resp := h.postForm(t, h.issuer+"oauth/token", form)
	if e := oauthErrorOf(t, resp); resp.StatusCode != http.StatusBadRequest || e.Error != "invalid_grant" {
		t.Errorf("other client's code: got %d %q, want 400 invalid_grant", resp.StatusCode, e.Error)
	}
}

// TestRelyingPartySeesRefusal checks the error codes reach x/oauth2 (which retries with the other
// client authentication style when the first fails).
func TestRelyingPartySeesRefusal(t *testing.T) {
	tests := []struct {
		name     string
		secret   string
		verifier bool
		want     string
	}{
		{"wrong verifier", testClientSecret, false, "invalid_grant"},
		{"wrong secret", "nope", true, "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "", nil)
			tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
			cfg := h.oauth
			cfg.ClientSecret = tt.secret
			verifier := tx.verifier
			if !tt.verifier {
				verifier = oauth2.GenerateVerifier()
			}
			_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) {
				t.Fatalf("Exchange: got %v, want a *oauth2.RetrieveError", err)
			}
			if re.ErrorCode != tt.want {
				t.Errorf("ErrorCode: got %q (%s), want %q", re.ErrorCode, re.ErrorDescription, tt.want)
			}
		})
	}
}

// TestTokenEndpointAcceptsJSONAndBasic redeems codes with a JSON body and with Basic auth.
func TestTokenEndpointAcceptsJSONAndBasic(t *testing.T) {
	h := newHarness(t, "", nil)
	t.Run("json", func(t *testing.T) {
		tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
		body := map[string]string{}
		for k, v := range redeemForm(tx, code) {
			body[k] = v[0]
		}
		resp := h.postJSON(t, h.issuer+"oauth/token", body, "", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, resp.body)
		}
	})
	t.Run("basic", func(t *testing.T) {
		tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
		form := redeemForm(tx, code)
		form.Del("client_id")
		form.Del("client_secret")
		req := newFormRequest(t, h.issuer+"oauth/token", form)
		req.SetBasicAuth(testClientID, testClientSecret)
		if resp := h.do(t, req); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, resp.body)
		}
	})
	t.Run("GET is refused", func(t *testing.T) {
		if resp := h.get(t, h.issuer+"oauth/token?grant_type=client_credentials"); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET /oauth/token: status %d, want 405", resp.StatusCode)
		}
	})
}
