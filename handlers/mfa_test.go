package handlers

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
	"userdesk/auth0api/auth0apitest/authapi"
)

// TestSignInAsksForMFA: the authorization request asks Auth0 for multi-factor with its
// documented acr_values, and the session records how the person signed in (checklist 11).
func TestSignInAsksForMFA(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	auth := b.startSignIn(t, "")
	if got := auth.Query().Get("acr_values"); got != authapi.ACRMultiFactor {
		t.Errorf("acr_values = %q, want %q", got, authapi.ACRMultiFactor)
	}
	if p := auth.Query().Get("prompt"); p != "" {
		t.Errorf("prompt = %q on a plain sign-in", p)
	}
	resp, body := b.finishSignIn(t, b.authorize(t, auth, testAccounts["helpdesk"]))
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("callback = %d:\n%s", resp.StatusCode, body)
	}
	id := a.sessionIdentity(t, b)
	if !slices.Contains(id.AMR, "mfa") || id.ACR != authapi.ACRMultiFactor || id.SessionID == "" || !id.AuthTime.Equal(a.Clock.Now()) {
		t.Errorf("identity amr %v acr %q sid %q auth_time %v, want mfa, the multi-factor acr, the provider's sid and now",
			id.AMR, id.ACR, id.SessionID, id.AuthTime)
	}
	if s := a.provider(t).Sessions(id.Subject); len(s) != 1 || s[0].ID != id.SessionID {
		t.Errorf("the provider's sessions %+v do not hold the session's sid %q", s, id.SessionID)
	}
}

// TestSignInRefusedWithoutMFA: an ID token that does not show a second factor makes no session
// and a plain page saying why, audited as a failed sign-in (checklist 11; fails on a dashboard
// that only reads the role).
func TestSignInRefusedWithoutMFA(t *testing.T) {
	tests := []struct {
		name   string
		opt    func(*appOptions)
		tamper func(map[string]any)
	}{
		// The tenant enables no factor: Auth0 then signs staff in with the password alone.
		{name: "no factor at the tenant", opt: func(o *appOptions) {
			o.tenant = func(to *auth0apitest.Options) { to.SecondFactor = authapi.SecondFactor{} }
		}},
		{name: "amr pwd only", tamper: func(c map[string]any) { c["amr"] = []any{"pwd"} }},
		{name: "no amr", tamper: func(c map[string]any) { delete(c, "amr"); delete(c, "acr") }},
		{name: "acr without amr", tamper: func(c map[string]any) { delete(c, "amr") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(*appOptions)
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			a := newTestApp(t, opts...)
			if tt.tamper != nil {
				a.provider(t).TamperIDTokens(tt.tamper)
			}
			b := a.newBrowser(t)
			resp, body := b.finishSignIn(t, b.authorize(t, b.startSignIn(t, ""), testAccounts["admin"]))
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Multi-factor authentication required") ||
				!strings.Contains(body, "requires multi-factor authentication") || !strings.Contains(body, "Sign in again") {
				t.Errorf("callback = %d, want 403 with a page saying why:\n%s", resp.StatusCode, body)
			}
			for _, line := range resp.Header.Values("Set-Cookie") {
				if strings.HasPrefix(line, "__Host-userdesk=") && !strings.Contains(line, "Max-Age=0") {
					t.Errorf("a session cookie was set: %s", line)
				}
			}
			if r, _ := b.get(t, "/users"); r.StatusCode != http.StatusFound {
				t.Errorf("GET /users after the refusal = %d, want a redirect to sign in", r.StatusCode)
			}
			if a.storedSessions(t) != 0 {
				t.Errorf("%d sessions stored", a.storedSessions(t))
			}
			events := a.auditEvents(t)
			if len(events) != 1 || events[0]["event"] != "session.signin.mfa_missing" || events[0]["outcome"] != "denied" ||
				auditDetails(events[0])["reason"] != "no multi-factor authentication" {
				t.Errorf("audit = %v", events)
			}
		})
	}
}

// TestSignInWithoutMFAWhenAllowed: USERDESK_REQUIRE_MFA=false (AllowSingleFactor) lets a
// password-only sign-in through, without asking Auth0 for MFA.
func TestSignInWithoutMFAWhenAllowed(t *testing.T) {
	a := newTestApp(t, singleFactor)
	b := a.newBrowser(t)
	auth := b.startSignIn(t, "")
	if auth.Query().Has("acr_values") {
		t.Errorf("acr_values sent with MFA off: %s", auth)
	}
	if resp, body := b.finishSignIn(t, b.authorize(t, auth, testAccounts["viewer"])); resp.StatusCode != http.StatusFound {
		t.Fatalf("callback = %d:\n%s", resp.StatusCode, body)
	}
	if id := a.sessionIdentity(t, b); !slices.Equal(id.AMR, []string{"pwd"}) {
		t.Errorf("amr = %v", id.AMR)
	}
}
