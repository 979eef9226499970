package authapi

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestCodeFlow runs the whole sign-in with x/oauth2 (PKCE S256) and go-oidc, with the provider
// at the root of its server and under a path prefix.
func TestCodeFlow(t *testing.T) {
	for _, prefix := range []string{"", "/tenant"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			h := newHarness(t, prefix, nil)
			tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
			tok, idt := h.exchange(t, tx, code)

			if idt.Issuer != h.issuer {
				t.Errorf("iss: got %q, want %q", idt.Issuer, h.issuer)
			}
			if !slices.Equal(idt.Audience, []string{testClientID}) {
				t.Errorf("aud: got %v, want [%s]", idt.Audience, testClientID)
			}
			if idt.Subject != "auth0|admin1" {
				t.Errorf("sub: got %q, want auth0|admin1", idt.Subject)
			}
			var claims struct {
				Email         string   `json:"email"`
				EmailVerified *bool    `json:"email_verified"`
				Name          string   `json:"name"`
				Picture       string   `json:"picture"`
				Roles         []string `json:"https://userdesk.example/roles"`
				AuthTime      int64    `json:"auth_time"`
				AMR           []string `json:"amr"`
				AZP           string   `json:"azp"`
			}
			if err := idt.Claims(&claims); err != nil {
				t.Fatalf("claims: %v", err)
			}
			if claims.Email != "ada@userdesk.example" || claims.EmailVerified == nil || !*claims.EmailVerified {
				t.Errorf("email claims: got %q verified=%v", claims.Email, claims.EmailVerified)
			}
			if claims.Name != "Ada Admin" || claims.Picture != "https://pics.example/ada.png" {
				t.Errorf("profile claims: got name %q picture %q", claims.Name, claims.Picture)
			}
			if !slices.Equal(claims.Roles, []string{"admin"}) {
				t.Errorf("role claim: got %v, want [admin]", claims.Roles)
			}
			if d := time.Since(time.Unix(claims.AuthTime, 0)); d < -time.Minute || d > time.Minute {
				t.Errorf("auth_time: got %d, want about now", claims.AuthTime)
			}
			if !slices.Equal(claims.AMR, []string{"pwd"}) {
				t.Errorf("amr: got %v, want [pwd]", claims.AMR)
			}
			if claims.AZP != testClientID {
				t.Errorf("azp: got %q, want %q", claims.AZP, testClientID)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}

			info, err := h.rp.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			var extra map[string]any
			if err := info.Claims(&extra); err != nil {
				t.Fatal(err)
			}
			if info.Subject != "auth0|admin1" || info.Email != "ada@userdesk.example" || !info.EmailVerified {
				t.Errorf("userinfo: got sub %q email %q verified %v", info.Subject, info.Email, info.EmailVerified)
			}
			if roles, _ := json.Marshal(extra[testRoleClaim]); string(roles) != `["admin"]` {
				t.Errorf("userinfo role claim: got %s, want [\"admin\"]", roles)
			}
		})
	}
}

// TestIDTokenClaimsFollowAccount checks false email_verified is sent, and that an account's extra
// claims cannot vouch for what only the provider may: Hal's directory entry carries
// amr ["pwd","mfa"], yet a password-only sign-in says ["pwd"], with no acr.
func TestIDTokenClaimsFollowAccount(t *testing.T) {
	h := newHarness(t, "", nil)
	tx, code := h.signIn(t, "hal@userdesk.example", "demo-helpdesk")
	_, idt := h.exchange(t, tx, code)
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if v, ok := claims["email_verified"]; !ok || v != false {
		t.Errorf("email_verified: got %v (present %v), want false", v, ok)
	}
	amr, _ := json.Marshal(claims["amr"])
	if string(amr) != `["pwd"]` {
		t.Errorf("amr: got %s, want [\"pwd\"] (an account claim must not set it)", amr)
	}
	if acr, ok := claims["acr"]; ok {
		t.Errorf("acr %v without a second step", acr)
	}
}

// TestScopesDecideClaims checks that without the email and profile scopes the ID token carries
// neither, while the account's extra claims are always there.
func TestScopesDecideClaims(t *testing.T) {
	h := newHarness(t, "", nil)
	h.oauth.Scopes = []string{"openid"}
	tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
	_, idt := h.exchange(t, tx, code)
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"email", "email_verified", "name", "picture"} {
		if v, ok := claims[k]; ok {
			t.Errorf("claim %s: got %v, want absent with scope openid only", k, v)
		}
	}
	if _, ok := claims[testRoleClaim]; !ok {
		t.Errorf("role claim missing: %v", claims)
	}
}

// TestDiscovery checks Auth0's endpoint paths (with the prefix) and what is advertised.
func TestDiscovery(t *testing.T) {
	h := newHarness(t, "/tenant", nil)
	resp := h.get(t, h.issuer+".well-known/openid-configuration")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(resp.body), &d); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"issuer":                 h.issuer,
		"authorization_endpoint": h.issuer + "authorize",
		"token_endpoint":         h.issuer + "oauth/token",
		"userinfo_endpoint":      h.issuer + "userinfo",
		"jwks_uri":               h.issuer + ".well-known/jwks.json",
		"end_session_endpoint":   h.issuer + "oidc/logout",
		"revocation_endpoint":    h.issuer + "oauth/revoke",
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s: got %v, want %s", k, d[k], v)
		}
	}
	if got, _ := json.Marshal(d["code_challenge_methods_supported"]); string(got) != `["S256"]` {
		t.Errorf("code_challenge_methods_supported: got %s, want [\"S256\"]", got)
	}
	if got, _ := json.Marshal(d["id_token_signing_alg_values_supported"]); string(got) != `["RS256"]` {
		t.Errorf("id_token_signing_alg_values_supported: got %s", got)
	}
	if d["backchannel_logout_supported"] != true || d["backchannel_logout_session_supported"] != true {
		t.Errorf("backchannel_logout_supported %v, backchannel_logout_session_supported %v, want both true",
			d["backchannel_logout_supported"], d["backchannel_logout_session_supported"])
	}
	if got, _ := json.Marshal(d["claims_supported"]); !strings.Contains(string(got), `"sid"`) || !strings.Contains(string(got), `"amr"`) {
		t.Errorf("claims_supported %s lacks sid or amr", got)
	}
	if !strings.HasPrefix(d["jwks_uri"].(string), "http://") {
		t.Errorf("jwks_uri %v", d["jwks_uri"])
	}
}
