package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// protectedApp is a test app whose tenant role "tenant-admin" (Ada holds it) is protected,
// named in another case to show names match case-insensitively.
func protectedApp(t *testing.T) *testApp {
	t.Helper()
	// Every guarded route once per test: more changes than a person may make in a minute.
	return newTestApp(t, manyChanges, func(o *appOptions) {
		o.config = func(c *Config) { c.ProtectedRoles = []string{"Tenant-Admin", "break-glass"} }
	})
}

// guardedRoutes are the change routes the protection covers for the helpdesk: every route of
// the table that changes a user and that the helpdesk's role allows, read from the table so a
// new one is covered as soon as it is added.
func guardedRoutes(a *testApp) []route {
	var out []route
	for _, rt := range a.srv.routes() {
		if rt.Target != nil && rt.Target.isChange() && a.srv.policy.Staff([]string{"userdesk-helpdesk"}).May(rt.Action) {
			out = append(out, rt)
		}
	}
	return out
}

// TestProtectedUserRefusesHelpdeskChanges (checklist 40): on a user holding a protected role,
// every helpdesk change is refused with 403 in plain words; the only Management API calls are
// reads (the user's roles, and what the handler reads anyway), nothing is changed, no e-mail
// is sent, and one audit event says "denied" with the role. As a page and through htmx.
func TestProtectedUserRefusesHelpdeskChanges(t *testing.T) {
	a := protectedApp(t)
	routes := guardedRoutes(a)
	if len(routes) < 10 {
		t.Fatalf("only %d guarded routes found", len(routes))
	}
	ada := auth0apitest.FixtureUserID
	rolesCall := "GET " + escapedUser(ada) + "/roles"
	for _, htmx := range []bool{true, false} {
		for _, rt := range routes {
			t.Run(rt.Method+" "+rt.Path+map[bool]string{true: " htmx", false: " page"}[htmx], func(t *testing.T) {
				b := a.signIn(t, "helpdesk")
				token := b.csrfToken(t)
				reset(a)
				headers := append(b.sameOriginHeaders(), "X-CSRF-Token", token)
				if htmx {
					headers = append(headers, "HX-Request", "true")
				}
				emails := len(a.Tenant.PasswordResetEmails())
				resp, body := b.send(t, rt.Method, samplePath(t, rt.Path), url.Values{}, headers...)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "protected role tenant-admin") ||
					!strings.Contains(body, "only an admin can change this user") {
					t.Errorf("answer %d:\n%.600s", resp.StatusCode, body)
				}
				if htmx && resp.Header.Get("HX-Retarget") != "#flash" {
					t.Errorf("htmx refusal not shown in the flash area")
				}
				calls := mgmtCalls(a)
				if !slices.Contains(calls, rolesCall) {
					t.Errorf("the user's roles were not read: %q", calls)
				}
				for _, c := range calls {
					if !strings.HasPrefix(c, "GET ") {
						t.Errorf("a refused change made the call %s", c)
					}
				}
				if q := lastCall(t, a, http.MethodGet, "/users/").Query; strings.HasSuffix(lastCall(t, a, http.MethodGet, "/users/").Path, "/roles") &&
					(q.Get("per_page") != "100" || q.Get("include_totals") != "true") {
					t.Errorf("roles read with %v, want one page of 100 with totals", q)
				}
				if n := len(a.Tenant.PasswordResetEmails()); n != emails {
					t.Error("a password-reset e-mail was sent")
				}
				ev := expectAudit(t, a, string(rt.Target.event), "denied", ada)
				if !strings.Contains(fmt.Sprint(auditDetails(ev)["reason"]), "tenant-admin") {
					t.Errorf("audit reason = %v", auditDetails(ev)["reason"])
				}
				if d, _ := ev["details"].(map[string]any); d["rule"] != "protected" || !strings.Contains(fmt.Sprint(d["why"]), "tenant-admin") {
					t.Errorf("audit details = %v", ev["details"])
				}
			})
		}
	}
	if u, _ := a.Tenant.User(ada); u["blocked"] == true {
		t.Error("Ada was blocked")
	}
}

// anyStrings converts a decoded JSON list to strings.
func anyStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestStaffAccountsProtected (issue 11, finding 1): with nothing configured, a staff account —
// an admin's or a viewer's — cannot be changed by the helpdesk on any route the helpdesk may
// use otherwise: 403 in plain words, only the roles read, audited as denied with the reason.
func TestStaffAccountsProtected(t *testing.T) {
	a := newTestApp(t, manyChanges) // every guarded route, twice: more than a minute's changes
	routes := guardedRoutes(a)
	for _, victim := range []string{"admin", "viewer"} {
		id := staffID(victim)
		for _, rt := range routes {
			t.Run(victim+" "+rt.Method+" "+rt.Path, func(t *testing.T) {
				b := a.signIn(t, "helpdesk")
				token := b.csrfToken(t)
				reset(a)
				path := strings.Replace(rt.Path, ":id", url.PathEscape(id), 1)
				path = samplePath(t, path)
				resp, body := b.send(t, rt.Method, path, url.Values{}, append(b.sameOriginHeaders(), "X-CSRF-Token", token, "HX-Request", "true")...)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "only an admin can change a staff account") {
					t.Errorf("answer %d:\n%.600s", resp.StatusCode, body)
				}
				for _, c := range mgmtCalls(a) {
					if !strings.HasPrefix(c, "GET "+escapedUser(id)) {
						t.Errorf("call %s: a refused change reads only the user", c)
					}
				}
				if !slices.Contains(mgmtCalls(a), "GET "+escapedUser(id)+"/roles") {
					t.Errorf("the user's roles were not read: %q", mgmtCalls(a))
				}
				ev := expectAudit(t, a, string(rt.Target.event), "denied", id)
				if d, _ := ev["details"].(map[string]any); d["rule"] != "staff" {
					t.Errorf("audit details = %v", ev["details"])
				}
			})
		}
	}
	if u, _ := a.Tenant.User(staffID("admin")); u["blocked"] == true {
		t.Error("the admin was blocked")
	}
	if len(a.Tenant.Tickets()) != 0 {
		t.Error("a password-change ticket was created for a staff account")
	}
}

// TestProtectedUserAdminsUnrestricted: an admin's changes to a protected user go through, with
// no roles read for the check.
func TestProtectedUserAdminsUnrestricted(t *testing.T) {
	a := protectedApp(t)
	b := a.signIn(t, "admin")
	ada := auth0apitest.FixtureUserID
	resp, body := post(t, b, userPath(ada, "/block"), nil, true)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="unblock-user"`) {
		t.Fatalf("admin block = %d:\n%.400s", resp.StatusCode, body)
	}
	expectCalls(t, a, "PATCH "+escapedUser(ada))
	expectAudit(t, a, "user.block", "success", ada)
	for _, rt := range guardedRoutes(a) {
		b := a.signIn(t, "admin")
		token := b.csrfToken(t)
		reset(a)
		resp, _ := b.send(t, rt.Method, samplePath(t, rt.Path), url.Values{}, append(b.sameOriginHeaders(), "X-CSRF-Token", token, "HX-Request", "true")...)
		if resp.StatusCode == http.StatusForbidden {
			t.Errorf("admin %s %s = 403", rt.Method, rt.Path)
		}
		for _, ev := range a.auditEvents(t) {
			if ev["outcome"] == "denied" {
				t.Errorf("admin %s %s audited as denied: %v", rt.Method, rt.Path, ev)
			}
		}
	}
}

// TestUnprotectedUserHelpdeskChanges: on a user without a protected role the helpdesk's
// change goes through after exactly one roles read; without the setting too, since the same
// read tells whether the user is a staff account (protected by default).
func TestUnprotectedUserHelpdeskChanges(t *testing.T) {
	id := auth0apitest.FixtureBareUserID
	a := protectedApp(t)
	b := a.signIn(t, "helpdesk")
	resp, _ := post(t, b, userPath(id, "/block"), nil, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("block = %d", resp.StatusCode)
	}
	expectCalls(t, a, "GET "+escapedUser(id)+"/roles", "PATCH "+escapedUser(id))
	expectAudit(t, a, "user.block", "success", id)

	plain := newTestApp(t)
	b = plain.signIn(t, "helpdesk")
	post(t, b, userPath(id, "/block"), nil, true)
	expectCalls(t, plain, "GET "+escapedUser(id)+"/roles", "PATCH "+escapedUser(id))
}

// TestProtectionFailsClosed: when the user's roles cannot be read, the helpdesk's change is
// not made: the Auth0 error is shown, audited as a failure; the page shows no controls.
func TestProtectionFailsClosed(t *testing.T) {
	a := protectedApp(t)
	b := a.signIn(t, "helpdesk")
	id := auth0apitest.FixtureBareUserID
	a.Tenant.Fail("GET /users/{id}/roles", auth0apitest.Fault{Status: http.StatusForbidden,
		Body: `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected all of: read:roles","errorCode":"insufficient_scope"}`})
	resp, body := post(t, b, userPath(id, "/block"), nil, true)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "lacks the scope read:roles") {
		t.Errorf("block with the roles unreadable = %d:\n%.400s", resp.StatusCode, body)
	}
	expectCalls(t, a, "GET "+escapedUser(id)+"/roles")
	expectAudit(t, a, "user.block", "failure", id)

	resp, page := b.get(t, userPath(id))
	if resp.StatusCode != http.StatusOK || strings.Contains(page, `id="block-user"`) || !strings.Contains(page, `id="user-protected-note"`) ||
		!strings.Contains(page, "could not check whether this user holds a protected role") {
		t.Errorf("page with the roles unreadable = %d, controls or note wrong:\n%.3000s", resp.StatusCode, page)
	}
}

// TestProtectedUserPage: the helpdesk sees a protected user's page without the block, e-mail
// and MFA controls, and a note naming the role; the page and the factors section read the
// roles beside their own calls. Admins see every control and cost no roles read, nor do viewers
// (who change nothing); the helpdesk sees the controls on an unprotected user.
func TestProtectedUserPage(t *testing.T) {
	a := protectedApp(t)
	ada := auth0apitest.FixtureUserID
	controls := []string{`id="block-user"`, `id="password-reset"`, `id="password-reset-email"`}
	factorControls := []string{`class="secondary outline factor-remove"`, `id="factors-reset"`}

	hd := a.signIn(t, "helpdesk")
	reset(a)
	_, page := hd.get(t, userPath(ada))
	expectCalls(t, a, userPageCalls(escapedUser(ada))...)
	for _, c := range controls {
		if strings.Contains(page, c) {
			t.Errorf("helpdesk sees %s on a protected user", c)
		}
	}
	if !strings.Contains(page, `id="user-protected-note"`) || !strings.Contains(page, "holds the protected role tenant-admin: only an admin can block this user") {
		t.Errorf("no protection note:\n%.3000s", page)
	}
	_, section := htmxGet(t, hd, userPath(ada, "/factors"))
	for _, c := range factorControls {
		if strings.Contains(section, c) {
			t.Errorf("helpdesk sees %s in a protected user's factors", c)
		}
	}
	if !strings.Contains(section, `id="factors-protected-note"`) || !strings.Contains(section, "only an admin can reset their MFA") {
		t.Errorf("no note in the factors section:\n%.2000s", section)
	}

	admin := a.signIn(t, "admin")
	reset(a)
	_, page = admin.get(t, userPath(ada))
	expectCalls(t, a, userPageCalls(escapedUser(ada))...)
	for _, c := range controls {
		if !strings.Contains(page, c) {
			t.Errorf("admin does not see %s", c)
		}
	}
	if strings.Contains(page, "protected-note") {
		t.Error("admin sees the protection note")
	}
	_, section = htmxGet(t, admin, userPath(ada, "/factors"))
	if !strings.Contains(section, factorControls[0]) {
		t.Error("admin sees no factor controls")
	}

	viewer := a.signIn(t, "viewer")
	reset(a)
	viewer.get(t, userPath(ada))
	expectCalls(t, a, userPageCalls(escapedUser(ada))...) // the roles once, for the roles section
	reset(a)
	htmxGet(t, viewer, userPath(ada, "/factors"))
	for _, c := range mgmtCalls(a) {
		if strings.HasSuffix(c, "/roles") {
			t.Errorf("a viewer's factors section reads the roles for the check: %s", c)
		}
	}

	_, page = hd.get(t, userPath(auth0apitest.FixtureBlockedUserID))
	if !strings.Contains(page, `id="unblock-user"`) || strings.Contains(page, "protected-note") {
		t.Error("helpdesk lacks the controls on an unprotected user")
	}
}
