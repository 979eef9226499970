package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
	"userdesk/auth0api/auth0apitest/authapi"
)

// staleAuth moves the clock past the step-up age: every session's sign-in is then too old for
// a dangerous action (the idle timeout is not reached).
func (a *testApp) staleAuth() { a.Clock.Advance(DefaultStepUpMaxAge + time.Minute) }

// resetAdaFactors sends the helpdesk's "Reset all factors" as htmx does, from Ada's page.
func resetAdaFactors(t *testing.T, b *browser, token, currentURL string) (*http.Response, string) {
	t.Helper()
	headers := append([]string{"X-CSRF-Token", token, "HX-Request", "true", "HX-Current-URL", currentURL}, b.sameOriginHeaders()...)
	return b.send(t, http.MethodDelete, adaPath+"/factors", nil, headers...)
}

// wantStepUpRedirect checks that target is the provider's authorization URL of a step-up:
// prompt=login, max_age=0 and the multi-factor acr_values.
func wantStepUpRedirect(t *testing.T, a *testApp, target string) *url.URL {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil || !strings.HasPrefix(target, a.Tenant.Issuer()+"authorize?") {
		t.Fatalf("step-up target %q is not the provider's authorize URL", target)
	}
	q := u.Query()
	if q.Get("prompt") != "login" || q.Get("max_age") != "0" || q.Get("acr_values") != authapi.ACRMultiFactor {
		t.Errorf("step-up asks prompt=%q max_age=%q acr_values=%q, want login, 0 and the multi-factor value",
			q.Get("prompt"), q.Get("max_age"), q.Get("acr_values"))
	}
	return u
}

// managementChanges are the tenant calls that change something.
func managementChanges(a *testApp) []string {
	var out []string
	for _, c := range a.Tenant.Calls() {
		if c.Method != http.MethodGet {
			out = append(out, c.Method+" "+c.Path)
		}
	}
	return out
}

// TestStepUpFreshStaleMissing: a dangerous action goes through with a recent sign-in; with a
// sign-in older than the step-up age, or without auth_time, it is not done: htmx gets 401 with
// HX-Redirect, a plain form 303, both to a step-up sign-in; no Management API call, one denied
// audit event (checklist 17; fails on a dashboard that never reads auth_time).
func TestStepUpFreshStaleMissing(t *testing.T) {
	t.Run("fresh", func(t *testing.T) {
		a := newTestApp(t)
		b := a.signIn(t, "helpdesk")
		a.Clock.Advance(DefaultStepUpMaxAge - time.Minute)
		token := b.csrfToken(t)
		a.Tenant.ResetCalls()
		// Ada has a passkey, so Auth0 refuses the reset itself (409): the request got past the gate.
		resp, body := resetAdaFactors(t, b, token, a.URL+adaPath)
		if resp.StatusCode == http.StatusUnauthorized || resp.Header.Get("HX-Redirect") != "" {
			t.Fatalf("fresh reset = %d (HX-Redirect %q):\n%s", resp.StatusCode, resp.Header.Get("HX-Redirect"), body)
		}
		if got := managementChanges(a); !slices.Contains(got, "DELETE "+adaAPI+"/authentication-methods") {
			t.Errorf("changes = %v, want the reset", got)
		}
	})
	for _, tt := range []struct {
		name  string
		setup func(a *testApp)
		htmx  bool
	}{
		{"stale (htmx)", func(a *testApp) { a.staleAuth() }, true},
		{"stale (form)", func(a *testApp) { a.staleAuth() }, false},
		{"no auth_time (htmx)", nil, true},
		{"no auth_time (form)", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			if tt.setup == nil {
				a.provider(t).TamperIDTokens(func(c map[string]any) { delete(c, "auth_time") })
			}
			b := a.signIn(t, "helpdesk")
			if tt.setup != nil {
				tt.setup(a)
			}
			token := b.csrfToken(t)
			a.Tenant.ResetCalls()
			a.Audit.Reset()
			var resp *http.Response
			var target string
			if tt.htmx {
				resp, _ = resetAdaFactors(t, b, token, a.URL+adaPath)
				target = resp.Header.Get("HX-Redirect")
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("htmx = %d, want 401", resp.StatusCode)
				}
			} else {
				resp, _ = b.send(t, http.MethodPost, adaPath+"/factors/recovery-code", url.Values{"_csrf": {token}}, b.sameOriginHeaders()...)
				target = resp.Header.Get("Location")
				if resp.StatusCode != http.StatusSeeOther {
					t.Errorf("form = %d, want 303", resp.StatusCode)
				}
			}
			wantStepUpRedirect(t, a, target)
			// The gate applied the rules about Ada first (the helpdesk's change needs her roles);
			// nothing was changed.
			for _, c := range a.Tenant.Calls() {
				if c.Method != http.MethodGet {
					t.Errorf("the refused action asked for a change: %v", c)
				}
			}
			events := a.auditEvents(t)
			if len(events) != 1 || events[0]["event"] != "denied.step_up" || events[0]["outcome"] != "denied" ||
				events[0]["target"] != auth0apitest.FixtureUserID {
				t.Errorf("audit = %v, want one denied session.stepup.required on Ada", events)
			}
			// The step-up's transaction is sealed in its own cookie; nothing on the server.
			if a.storedSessions(t) != 1 {
				t.Errorf("store entries = %d, want the one session", a.storedSessions(t))
			}
			if txn := a.storedTxn(t, b); !txn.StepUp || txn.Subject != a.sessionIdentity(t, b).Subject {
				t.Errorf("transaction %+v, want a step-up of the signed-in person", txn)
			}
		})
	}
}

// TestStepUpRoundTrip: after a refused reset, the helpdesk person signs in again (password and
// code) and comes back to the page they were on, with a new session id and a fresh auth_time;
// the reset was not replayed; repeating it carries it out.
func TestStepUpRoundTrip(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	before := a.sessionIdentity(t, b)
	oldCookie := b.cookie(a.srv.cookieName)
	token := b.csrfToken(t)
	a.staleAuth()

	a.Tenant.ResetCalls()
	a.Audit.Reset()
	page := a.URL + adaPath + "?tab=factors"
	resp, _ := resetAdaFactors(t, b, token, page)
	auth := wantStepUpRedirect(t, a, resp.Header.Get("HX-Redirect"))
	resp, body := b.finishSignIn(t, b.authorize(t, auth, testAccounts["helpdesk"]))
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != adaPath+"?tab=factors" {
		t.Fatalf("step-up callback = %d to %q, want back to %s:\n%s", resp.StatusCode, resp.Header.Get("Location"), adaPath+"?tab=factors", body)
	}
	if got := managementChanges(a); len(got) != 0 {
		t.Errorf("the step-up replayed a change: %v", got)
	}

	after := a.sessionIdentity(t, b)
	if !after.AuthTime.Equal(a.Clock.Now()) || !slices.Contains(after.AMR, "mfa") || after.Subject != before.Subject ||
		after.Created != before.Created || after.SessionID != before.SessionID {
		t.Errorf("identity after the step-up %+v, before %+v", after, before)
	}
	if c := b.cookie(a.srv.cookieName); c == nil || c.Value == oldCookie.Value {
		t.Error("the session id was not renewed")
	}
	replay := a.newBrowser(t)
	u, _ := url.Parse(a.URL)
	replay.jar.SetCookies(u, []*http.Cookie{oldCookie})
	if r, _ := replay.get(t, "/users"); r.StatusCode != http.StatusFound {
		t.Errorf("the session cookie from before the step-up still works: %d", r.StatusCode)
	}
	resp, body = b.get(t, adaPath+"?tab=factors")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You confirmed it is you") {
		t.Errorf("back on the page: %d, no word about the step-up", resp.StatusCode)
	}
	var stepped bool
	for _, ev := range a.auditEvents(t) {
		stepped = stepped || (ev["event"] == "session.step_up" && ev["outcome"] == "success")
	}
	if !stepped {
		t.Errorf("the step-up is not audited: %v", a.auditEvents(t))
	}

	a.Tenant.ResetCalls()
	resp, body = resetAdaFactors(t, b, b.csrfToken(t), page)
	if resp.StatusCode == http.StatusUnauthorized || resp.Header.Get("HX-Redirect") != "" {
		t.Fatalf("the repeated reset = %d:\n%s", resp.StatusCode, body)
	}
	if got := managementChanges(a); !slices.Contains(got, "DELETE "+adaAPI+"/authentication-methods") {
		t.Errorf("changes = %v, want the reset", got)
	}
}

// TestStepUpPlainFormReturns: a plain form's step-up returns to the Referer when it is a page of
// this site, else to the user's page; never elsewhere.
func TestStepUpPlainFormReturns(t *testing.T) {
	for referer, want := range map[string]string{
		"":                          adaPath,
		"/users/" + "x/edit?a=1":    "/users/x/edit?a=1",
		"https://evil.example/page": adaPath,
	} {
		a := newTestApp(t)
		b := a.signIn(t, "admin")
		token := b.csrfToken(t)
		a.staleAuth()
		headers := b.sameOriginHeaders()
		if referer != "" {
			if strings.HasPrefix(referer, "/") {
				referer = a.URL + referer
			}
			headers = append(headers, "Referer", referer)
		}
		a.Tenant.ResetCalls()
		resp, _ := b.send(t, http.MethodPost, adaPath+"/delete", url.Values{"_csrf": {token}, "confirm": {"ada.lovelace@example.com"}}, headers...)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete = %d, want 303", resp.StatusCode)
		}
		auth := wantStepUpRedirect(t, a, resp.Header.Get("Location"))
		resp, _ = b.finishSignIn(t, b.authorize(t, auth, testAccounts["admin"]))
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || got != want {
			t.Errorf("Referer %q: back to %q (%d), want %q", referer, got, resp.StatusCode, want)
		}
		if got := managementChanges(a); len(got) != 0 {
			t.Errorf("the delete was replayed: %v", got)
		}
		if _, ok := a.Tenant.User(auth0apitest.FixtureUserID); !ok {
			t.Error("Ada was deleted")
		}
	}
}

// TestStepUpAsAnotherPerson: signing in as someone else during a step-up signs the session out
// (the tenant's back-channel logout ends it, and the callback refuses to start another); the
// action is not done.
func TestStepUpAsAnotherPerson(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	token := b.csrfToken(t)
	a.staleAuth()
	resp, _ := resetAdaFactors(t, b, token, a.URL+adaPath)
	auth := wantStepUpRedirect(t, a, resp.Header.Get("HX-Redirect"))
	a.Tenant.ResetCalls()
	resp, body := b.finishSignIn(t, b.authorize(t, auth, testAccounts["admin"]))
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "different person") || !strings.Contains(body, "Sign in again") {
		t.Errorf("callback = %d, want 403 saying so:\n%s", resp.StatusCode, body)
	}
	if r, _ := b.get(t, "/users"); r.StatusCode != http.StatusFound {
		t.Errorf("after signing in as another person, GET /users = %d, want a redirect to sign in", r.StatusCode)
	}
	if n := a.srv.liveSessions(); n != 0 {
		t.Errorf("%d live sessions, want none", n)
	}
	if got := managementChanges(a); len(got) != 0 {
		t.Errorf("changes %v", got)
	}
	var failed bool
	for _, ev := range a.auditEvents(t) {
		failed = failed || (ev["event"] == "session.step_up" && ev["outcome"] == "failure")
	}
	if !failed {
		t.Errorf("the failed step-up is not audited: %v", a.auditEvents(t))
	}
}

// TestStepUpNeedsAFreshAuthTime: a provider that answers the step-up without authenticating
// the person again (auth_time old or missing) confirms nothing: the session stays as it was and
// still needs the step-up.
func TestStepUpNeedsAFreshAuthTime(t *testing.T) {
	for name, tamper := range map[string]func(a *testApp) func(map[string]any){
		"old auth_time": func(a *testApp) func(map[string]any) {
			old := a.Clock.Now().Add(-time.Hour).Unix()
			return func(c map[string]any) { c["auth_time"] = old }
		},
		"no auth_time": func(*testApp) func(map[string]any) { return func(c map[string]any) { delete(c, "auth_time") } },
	} {
		t.Run(name, func(t *testing.T) {
			a := newTestApp(t)
			b := a.signIn(t, "helpdesk")
			token := b.csrfToken(t)
			a.staleAuth()
			resp, _ := resetAdaFactors(t, b, token, a.URL+adaPath)
			auth := wantStepUpRedirect(t, a, resp.Header.Get("HX-Redirect"))
			a.provider(t).TamperIDTokens(tamper(a))
			resp, body := b.finishSignIn(t, b.authorize(t, auth, testAccounts["helpdesk"]))
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Identity not confirmed") {
				t.Errorf("callback = %d:\n%s", resp.StatusCode, body)
			}
			if r, _ := b.get(t, "/users"); r.StatusCode != http.StatusOK {
				t.Errorf("the session did not survive: %d", r.StatusCode)
			}
			if r, _ := resetAdaFactors(t, b, token, a.URL+adaPath); r.StatusCode != http.StatusUnauthorized || r.Header.Get("HX-Redirect") == "" {
				t.Errorf("the reset after a failed step-up = %d, want another step-up", r.StatusCode)
			}
		})
	}
}

// TestStepUpNoteBeforeTheClick: pages say beside the dangerous actions that they will ask the
// person to sign in again, exactly when they will.
func TestStepUpNoteBeforeTheClick(t *testing.T) {
	a := newTestApp(t)
	admin := a.signIn(t, "admin")
	helpdesk := a.signIn(t, "helpdesk")
	pages := []struct {
		b    *browser
		path string
		note string
	}{
		{admin, adaPath, "Deleting this user will first ask you to sign in again"},
		{admin, adaPath, "A password-change link, an MFA reset, blocking or unblocking and securing the account will first ask you to sign in again"},
		{helpdesk, adaPath, "A password-change link, an MFA reset, blocking or unblocking and securing the account will first ask"},
		{admin, adaPath + "/edit", "Changing the e-mail address, whether it is verified, or the phone number will first ask"},
		{admin, adaPath + "/roles", "Assigning or removing a role will first ask"},
		{admin, adaPath + "/permissions", "Adding or removing a permission will first ask"},
		{admin, adaPath + "/factors", "Adding, changing or replacing a method will first ask"},
		{helpdesk, adaPath + "/factors", "Removing a factor, resetting all factors or making a new recovery code will first ask"},
	}
	// The user page itself whole (its toolbar is not in the profile's partial), the rest as htmx
	// loads them.
	get := func(b *browser, path string) string {
		if path == adaPath {
			_, body := b.get(t, path)
			return body
		}
		_, body := b.get(t, path, "HX-Request", "true")
		return body
	}
	for _, p := range pages {
		if body := get(p.b, p.path); strings.Contains(body, "data-step-up") {
			t.Errorf("%s right after sign-in says a step-up will be asked", p.path)
		}
	}
	a.staleAuth()
	for _, p := range pages {
		body := get(p.b, p.path)
		if !strings.Contains(body, p.note) || !strings.Contains(body, "data-step-up") {
			t.Errorf("%s with an old sign-in lacks %q", p.path, p.note)
		}
	}
	if _, body := helpdesk.get(t, adaPath+"/factors", "HX-Request", "true"); strings.Contains(body, "Adding or replacing a method") {
		t.Error("the helpdesk is told about the admin's actions")
	}
}

// TestStepUpRoutes: exactly the dangerous actions need a step-up.
func TestStepUpRoutes(t *testing.T) {
	a := newTestApp(t)
	want := []string{
		"POST /users/:id/delete",
		"DELETE /users/:id/factors",
		"DELETE /users/:id/authenticators",
		"POST /users/:id/factors/recovery-code",
		"POST /users/:id/password-reset",
		"POST /users/:id/factors",
		"PUT /users/:id/factors",
		"POST /users/:id/roles",
		"DELETE /users/:id/roles/:role",
		"POST /users/:id/permissions",
		"DELETE /users/:id/permissions",
		// Issue 12: securing an account (which may reset MFA and block).
		"POST /users/:id/secure",
		// Issue 12: linking and unlinking accounts, and an MFA enrollment link.
		"POST /users/:id/identities",
		"DELETE /users/:id/identities/:provider/:identity",
		"POST /users/:id/enrollment-link",
		// Checklist item 17, all of it: removing one factor or a legacy provider, changing a
		// method (its phone number), blocking and unblocking.
		"DELETE /users/:id/factors/:method",
		"DELETE /users/:id/multifactor/:provider",
		"PATCH /users/:id/factors/:method",
		"POST /users/:id/block",
		"POST /users/:id/unblock",
	}
	var got []string
	for _, rt := range a.srv.routes() {
		if rt.Target != nil && rt.Target.stepUp {
			got = append(got, rt.Method+" "+rt.Path)
			if isSafeMethod(rt.Method) {
				t.Errorf("%s %s: a GET needs no step-up (it changes nothing)", rt.Method, rt.Path)
			}
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("step-up routes:\n%v\nwant\n%v", got, want)
	}
}

// TestStepUpForSignInFields: an edit that changes where password resets and MFA codes go — the
// e-mail address, whether it is verified, the phone number — needs a recent sign-in (checklist
// item 17); other fields do not. With an old sign-in such an edit is sent to sign in again and
// nothing is changed; a name is saved as before.
func TestStepUpForSignInFields(t *testing.T) {
	a := newTestApp(t)
	admin := a.signIn(t, "admin")
	a.staleAuth()
	u, _ := a.Tenant.User(auth0apitest.FixtureUserID)
	for _, tc := range []struct {
		field, value string
	}{
		{"email", "someone.else@example.com"},
		{"phone_number", "+447700900999"},
		{"email_verified", ""}, // unticked: Ada's address is verified
	} {
		form := editForm(t, a, admin, auth0apitest.FixtureUserID)
		if tc.value == "" {
			form.Del(tc.field)
		} else {
			form.Set(tc.field, tc.value)
		}
		resp, _ := post(t, admin, adaPath+"/edit", form, true)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("HX-Redirect") == "" {
			t.Errorf("%s changed with an old sign-in = %d, want 401 with HX-Redirect", tc.field, resp.StatusCode)
		}
		if calls := mgmtCallsLike(a, http.MethodPatch); len(calls) != 0 {
			t.Errorf("%s: changed before the step-up: %q", tc.field, calls)
		}
		if ev := auditNamed(t, a, "denied.step_up"); len(ev) != 1 {
			t.Errorf("%s: denied.step_up = %v", tc.field, ev)
		}
	}
	if now, _ := a.Tenant.User(auth0apitest.FixtureUserID); now["email"] != u["email"] || now["phone_number"] != u["phone_number"] || now["email_verified"] != u["email_verified"] {
		t.Errorf("Ada changed: %v", now)
	}
	form := editForm(t, a, admin, auth0apitest.FixtureUserID)
	form.Set("nickname", "Countess")
	if resp, body := post(t, admin, adaPath+"/edit", form, true); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Saved") {
		t.Errorf("a nickname with an old sign-in = %d, want saved:\n%.500s", resp.StatusCode, body)
	}
}
