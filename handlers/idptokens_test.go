package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
)

// TestIdPTokensNeverShown: with a Management API token holding read:user_idp_tokens (the test
// app's has every scope), Auth0 sends a social user's identity-provider tokens; none reaches the
// user page, its raw JSON, a section, the search table, a change's answer, the logs or the audit
// trail.
func TestIdPTokensNeverShown(t *testing.T) {
	a := newTestApp(t)
	id := auth0apitest.FixtureSocialUserID
	direct, err := auth0api.New(auth0api.Config{BaseURL: a.TenantURL + "/api/v2", Token: a.Tenant.Token(auth0apitest.AllScopes...), Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := direct.GetUser(t.Context(), id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw.Identities) == 0 || !strings.HasPrefix(raw.Identities[0].AccessToken, "idp-access-") {
		t.Fatalf("the tenant sent no identity-provider token, so this test proves nothing: %+v", raw.Identities)
	}

	b := a.signIn(t, "admin")
	var seen strings.Builder
	for _, path := range []string{
		userPath(id), userPath(id, "/edit"), userPath(id, "/factors"),
		"/users?q=" + url.QueryEscape(id), "/users?q=" + url.QueryEscape("grace"),
	} {
		resp, body := b.get(t, path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", path, resp.StatusCode)
		}
		seen.WriteString(body)
	}
	resp, body := post(t, b, userPath(id, "/block"), nil, true)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("block = %d", resp.StatusCode)
	}
	seen.WriteString(body)
	if !strings.Contains(seen.String(), `id="user-raw-json"`) {
		t.Fatal("the raw JSON was not shown, so this test proves nothing")
	}
	for what, text := range map[string]string{"pages": seen.String(), "logs": a.Logs.String(), "audit": a.Audit.String()} {
		for _, secret := range []string{"idp-access-", "idp-refresh-", "access_token", "refresh_token"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s hold %q", what, secret)
			}
		}
	}
}
