package handlers

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest/authapi"
)

// postLogoutToken POSTs a logout token to the dashboard as the provider does: a form, from
// another server (no Origin, no cookies).
func postLogoutToken(t *testing.T, a *testApp, token string, extra ...string) (*http.Response, string) {
	t.Helper()
	return a.newBrowser(t).send(t, http.MethodPost, "/backchannel-logout", url.Values{"logout_token": {token}}, extra...)
}

// logoutClaims are a valid logout token's claims for the session of b, as the tenant signs them.
func logoutClaims(t *testing.T, a *testApp, b *browser) map[string]any {
	t.Helper()
	id := a.sessionIdentity(t, b)
	return map[string]any{
		"iss": a.Tenant.Issuer(), "aud": testClientID, "iat": a.Clock.Now().Unix(), "exp": a.Clock.Now().Add(2 * time.Minute).Unix(),
		"jti": "jti-" + randomToken()[:12], "sub": id.Subject, "sid": id.SessionID,
		"events": map[string]any{authapi.BackChannelLogoutEvent: map[string]any{}},
	}
}

func signLogout(t *testing.T, a *testApp, claims map[string]any) string {
	t.Helper()
	tok, err := a.provider(t).Sign(claims)
	must(t, err)
	return tok
}

// signedIn reports whether b's session still works.
func signedIn(t *testing.T, b *browser) bool {
	t.Helper()
	resp, _ := b.get(t, "/users")
	return resp.StatusCode == http.StatusOK
}

// TestBackChannelLogoutFromTheTenant: when the tenant ends a staff member's sessions (an admin
// revokes them), its back-channel logout ends exactly their dashboard sessions; ending one
// provider session (by sid) ends exactly that browser's.
func TestBackChannelLogoutFromTheTenant(t *testing.T) {
	a := newTestApp(t)
	admin1, admin2, helpdesk := a.signIn(t, "admin"), a.signIn(t, "admin"), a.signIn(t, "helpdesk")
	adminSub := a.sessionIdentity(t, admin1).Subject
	sid2 := a.sessionIdentity(t, admin2).SessionID

	if !a.provider(t).EndSession(t.Context(), sid2) {
		t.Fatal("the tenant has no session with the dashboard session's sid")
	}
	if !signedIn(t, admin1) || signedIn(t, admin2) || !signedIn(t, helpdesk) {
		t.Errorf("after ending sid %s: admin1 %v admin2 %v helpdesk %v, want only admin2 signed out",
			sid2, signedIn(t, admin1), signedIn(t, admin2), signedIn(t, helpdesk))
	}

	a.Audit.Reset()
	if n := a.Tenant.EndSessions(t.Context(), adminSub); n != 1 {
		t.Errorf("the tenant ended %d sessions, want admin1's", n)
	}
	if signedIn(t, admin1) || !signedIn(t, helpdesk) {
		t.Error("ending the admin's sessions did not end exactly theirs")
	}
	events := a.auditEvents(t)
	if len(events) != 1 || events[0]["event"] != "session.backchannel_logout" || events[0]["outcome"] != "success" ||
		events[0]["target"] != adminSub || auditDetails(events[0])["sessions"] != float64(1) {
		t.Errorf("audit = %v", events)
	}
	if strings.Contains(a.Audit.String(), sid2) || strings.Contains(a.Logs.String(), "eyJ") {
		t.Error("a sid or a token reached the audit or the log")
	}
}

// TestBackChannelLogoutBySubject: a token with sub and no sid ends every session of that person;
// one with sid and no sub ends that session.
func TestBackChannelLogoutBySubject(t *testing.T) {
	a := newTestApp(t)
	v1, v2, other := a.signIn(t, "viewer"), a.signIn(t, "viewer"), a.signIn(t, "admin")
	claims := logoutClaims(t, a, v1)
	delete(claims, "sid")
	resp, body := postLogoutToken(t, a, signLogout(t, a, claims))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("logout by sub = %d (Cache-Control %q):\n%s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	if signedIn(t, v1) || signedIn(t, v2) || !signedIn(t, other) {
		t.Error("a logout by sub did not end exactly the viewer's sessions")
	}
	claims = logoutClaims(t, a, other)
	delete(claims, "sub")
	if resp, _ := postLogoutToken(t, a, signLogout(t, a, claims)); resp.StatusCode != http.StatusOK || signedIn(t, other) {
		t.Errorf("logout by sid = %d, session still live %v", resp.StatusCode, signedIn(t, other))
	}
}

// TestBackChannelLogoutRejections: the spec's rejection cases, through the router: each answers
// 400 with a JSON error, not cached, and the session lives on; each is audited as denied.
func TestBackChannelLogoutRejections(t *testing.T) {
	a := newTestApp(t)
	// Every refusal here comes from one address; lift the audit's per-address rate (tested in
	// TestRefusalsAreAuditedAtABoundedRate) so each case's event is written.
	a.srv.refusalAudits = newIPLimiter(time.Millisecond, 1000, a.Clock.Now)
	b := a.signIn(t, "helpdesk")
	replayed := signLogout(t, a, logoutClaims(t, a, b))
	other := a.signIn(t, "admin")
	if resp, _ := postLogoutToken(t, a, replayed); resp.StatusCode != http.StatusOK {
		t.Fatalf("first use of the token = %d", resp.StatusCode)
	}
	b = a.signIn(t, "helpdesk") // the first use signed the person out; a new session for the rest

	tests := map[string]func() string{
		"bad signature": func() string {
			tok := signLogout(t, a, logoutClaims(t, a, b))
			return tok[:len(tok)-6] + "AAAAAA"
		},
		"wrong aud": func() string {
			c := logoutClaims(t, a, b)
			c["aud"] = "another-client"
			return signLogout(t, a, c)
		},
		"nonce present": func() string {
			c := logoutClaims(t, a, b)
			c["nonce"] = "n"
			return signLogout(t, a, c)
		},
		"missing events": func() string {
			c := logoutClaims(t, a, b)
			delete(c, "events")
			return signLogout(t, a, c)
		},
		"neither sid nor sub": func() string {
			c := logoutClaims(t, a, b)
			delete(c, "sid")
			delete(c, "sub")
			return signLogout(t, a, c)
		},
		"replayed jti": func() string {
			// The same token again, after it already ended a session.
			return replayed
		},
		"wrong iss": func() string {
			c := logoutClaims(t, a, b)
			c["iss"] = "https://attacker.example/"
			return signLogout(t, a, c)
		},
		"too old": func() string {
			c := logoutClaims(t, a, b)
			c["iat"], c["exp"] = a.Clock.Now().Add(-time.Hour).Unix(), a.Clock.Now().Add(-58*time.Minute).Unix()
			return signLogout(t, a, c)
		},
		"an ID token": func() string {
			c := logoutClaims(t, a, b)
			delete(c, "events")
			c["nonce"], c["auth_time"] = "n", a.Clock.Now().Unix()
			return signLogout(t, a, c)
		},
		"no token": func() string { return "" },
		"garbage":  func() string { return "not.a.jwt" },
		"alg none": func() string { return noneToken(logoutClaims(t, a, b)) },
	}
	for name, token := range tests {
		t.Run(name, func(t *testing.T) {
			a.Audit.Reset()
			resp, body := postLogoutToken(t, a, token())
			var e struct{ Error, ErrorDescription string }
			_ = json.Unmarshal([]byte(body), &e)
			if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
				resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(body, `"error":"invalid_request"`) {
				t.Errorf("= %d %q %q:\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"), body)
			}
			if !signedIn(t, b) || !signedIn(t, other) {
				t.Error("a refused token ended a session")
			}
			if ev := a.auditEvents(t); len(ev) != 1 || ev[0]["outcome"] != "denied" || ev[0]["event"] != "session.backchannel_logout" {
				t.Errorf("audit = %v", ev)
			}
		})
	}
	// Not a form, and not a POST.
	if resp, _ := a.newBrowser(t).send(t, http.MethodPost, "/backchannel-logout", nil, "Content-Type", "application/json"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a JSON body = %d, want 400", resp.StatusCode)
	}
	if resp, _ := a.newBrowser(t).get(t, "/backchannel-logout"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET = %d, want 405", resp.StatusCode)
	}
}

// noneToken is claims as an unsigned JWT (alg none).
func noneToken(claims map[string]any) string {
	h, _ := json.Marshal(map[string]any{"alg": "none", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "."
}

// TestBackChannelLogoutIsExemptFromTheOriginCheckOnly: the provider's POST carries no Origin
// and no CSRF token and goes through; the exemption is that one route: a cross-site POST
// elsewhere is still refused.
func TestBackChannelLogoutIsExemptFromTheOriginCheckOnly(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	if resp, body := postLogoutToken(t, a, signLogout(t, a, logoutClaims(t, a, b)), "Sec-Fetch-Site", "cross-site", "Origin", "https://tenant.example"); resp.StatusCode != http.StatusOK {
		t.Errorf("back-channel logout with foreign fetch metadata = %d:\n%s", resp.StatusCode, body)
	}
	other := a.signIn(t, "viewer")
	resp, _ := other.send(t, http.MethodPost, "/logout", url.Values{"_csrf": {other.csrfToken(t)}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://tenant.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site POST /logout = %d, want 403", resp.StatusCode)
	}
}
