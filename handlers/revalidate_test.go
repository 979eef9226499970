package handlers

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
)

// staffChange changes a staff member's record in the tenant through the Management API, as an
// admin would in the Auth0 Dashboard.
func staffChange(t *testing.T, a *testApp, persona string, change func(id string) error) {
	t.Helper()
	if err := change(staffID(persona)); err != nil {
		t.Fatal(err)
	}
}

// TestRevalidationEndsARemovedRole: the helpdesk person's role is removed in the tenant; within
// RevalidateEvery nothing is asked; after it, the next page signs them out and says why, and
// the check cost two calls.
func TestRevalidationEndsARemovedRole(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	staffChange(t, a, "helpdesk", func(id string) error {
		return a.srv.users.RemoveUserRoles(t.Context(), id, []string{a.Tenant.RoleID("userdesk-helpdesk")})
	})

	a.Clock.Advance(time.Minute)
	reset(a)
	if resp, _ := b.get(t, "/users"); resp.StatusCode != http.StatusOK {
		t.Fatalf("within the period: %d", resp.StatusCode)
	}
	for _, c := range mgmtCalls(a) {
		if strings.HasPrefix(c, "GET "+escapedUser(staffID("helpdesk"))) {
			t.Errorf("access checked within the period: %s", c)
		}
	}

	a.Clock.Advance(2 * time.Minute)
	reset(a)
	resp, _ := b.get(t, "/users")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signed-out?why=no-role" {
		t.Fatalf("after the period = %d to %q, want 303 to the signed-out page", resp.StatusCode, resp.Header.Get("Location"))
	}
	expectCalls(t, a, "GET "+escapedUser(staffID("helpdesk")), "GET "+escapedUser(staffID("helpdesk"))+"/roles")
	if ev := a.auditEvents(t); len(ev) != 1 || ev[0]["event"] != "session.revalidation.signout" || auditDetails(ev[0])["reason"] != "no-role" {
		t.Errorf("audit = %v", ev)
	}
	_, body := b.follow(t, "/signed-out?why=no-role")
	if !strings.Contains(body, `id="signed-out-reason"`) || !strings.Contains(body, "no longer hold a role") {
		t.Errorf("signed-out page does not say why:\n%.600s", body)
	}
	if resp, _ := b.get(t, "/users"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("the session lives on: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestRevalidationBeforeAChange: a person blocked in the tenant whose last check is older than
// the period cannot make a change: the check runs first, the session ends, nothing is changed.
func TestRevalidationBeforeAChange(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	token := b.csrfToken(t)
	staffChange(t, a, "helpdesk", func(id string) error {
		_, err := a.srv.users.UpdateUser(t.Context(), id, auth0api.UserUpdate{Blocked: auth0api.Set(true)})
		return err
	})
	a.Clock.Advance(DefaultRevalidateEvery)
	reset(a)
	target := auth0apitest.FixtureBareUserID
	resp, body := b.send(t, http.MethodPost, userPath(target, "/block"), nil,
		append(b.sameOriginHeaders(), "HX-Request", "true", "X-CSRF-Token", token)...)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("HX-Redirect") != "/signed-out?why=blocked" {
		t.Errorf("change by a blocked person = %d (HX-Redirect %q):\n%.400s", resp.StatusCode, resp.Header.Get("HX-Redirect"), body)
	}
	for _, c := range mgmtCalls(a) {
		if !strings.HasPrefix(c, "GET ") {
			t.Errorf("a change was made: %s", c)
		}
	}
	if u, _ := a.Tenant.User(target); u["blocked"] == true {
		t.Error("the target was blocked")
	}
}

// TestRevalidationLowersARole: an admin who also held the helpdesk role at sign-in and keeps
// only that one works as helpdesk at once after the check: admin-only routes are refused, the
// session carries the narrower groups.
func TestRevalidationLowersARole(t *testing.T) {
	a := newTestApp(t)
	staffChange(t, a, "admin", func(id string) error {
		return a.srv.users.AddUserRoles(t.Context(), id, []string{a.Tenant.RoleID("userdesk-helpdesk")})
	})
	b := a.signIn(t, "admin")
	staffChange(t, a, "admin", func(id string) error {
		return a.srv.users.RemoveUserRoles(t.Context(), id, []string{a.Tenant.RoleID("userdesk-admin")})
	})
	if resp, _ := b.get(t, "/users/new"); resp.StatusCode != http.StatusOK {
		t.Fatalf("before the check, the create form = %d", resp.StatusCode)
	}
	a.Clock.Advance(DefaultRevalidateEvery + time.Second)
	reset(a)
	if resp, _ := b.get(t, "/users/new"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("after the check, the create form = %d, want 403", resp.StatusCode)
	}
	if id := a.sessionIdentity(t, b); !slices.Equal(a.srv.staffOf(id).Groups(), []string{"helpdesk"}) {
		t.Errorf("session groups = %v, want helpdesk", a.srv.staffOf(id).Groups())
	}
	events := a.auditEvents(t)
	if len(events) != 2 || events[0]["event"] != "session.revalidation.narrowed" || auditDetails(events[0])["to"] != "helpdesk" || events[1]["event"] != "denied.create" {
		t.Errorf("audit = %v", events)
	}
	// A role given back in the tenant waits for the next sign-in: a session's access is never
	// widened by the check.
	staffChange(t, a, "admin", func(id string) error {
		return a.srv.users.AddUserRoles(t.Context(), id, []string{a.Tenant.RoleID("userdesk-admin")})
	})
	a.Clock.Advance(DefaultRevalidateEvery + time.Second)
	if resp, _ := b.get(t, "/users/new"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a role was raised without a sign-in: %d", resp.StatusCode)
	}
}

// TestRevalidationWhenAuth0IsDown: when the check cannot be made, pages are served with the
// last confirmed role (retried after a pause, not at every request) and changes are refused.
func TestRevalidationWhenAuth0IsDown(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	token := b.csrfToken(t)
	a.Clock.Advance(DefaultRevalidateEvery)
	a.Tenant.Fail("GET /users/{id}/roles", auth0apitest.Fault{Status: http.StatusServiceUnavailable, Times: 100})
	defer a.Tenant.ClearFaults()

	reset(a)
	if resp, _ := b.get(t, "/users"); resp.StatusCode != http.StatusOK {
		t.Errorf("page while the check fails = %d", resp.StatusCode)
	}
	reset(a)
	b.get(t, "/users")
	for _, c := range mgmtCalls(a) {
		if strings.HasPrefix(c, "GET "+escapedUser(staffID("helpdesk"))) {
			t.Errorf("the check was retried at once: %s", c)
		}
	}
	reset(a)
	resp, _ := b.send(t, http.MethodPost, userPath(auth0apitest.FixtureBareUserID, "/block"), nil,
		append(b.sameOriginHeaders(), "X-CSRF-Token", token)...)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("change while the check fails = %d, want 503", resp.StatusCode)
	}
	for _, c := range mgmtCalls(a) {
		if !strings.HasPrefix(c, "GET ") {
			t.Errorf("a change was made: %s", c)
		}
	}
}

// TestRevalidationOff: a negative period turns the check off.
func TestRevalidationOff(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) { o.config = func(c *Config) { c.RevalidateEvery = -1 } })
	b := a.signIn(t, "helpdesk")
	staffChange(t, a, "helpdesk", func(id string) error {
		return a.srv.users.RemoveUserRoles(t.Context(), id, []string{a.Tenant.RoleID("userdesk-helpdesk")})
	})
	a.Clock.Advance(20 * time.Minute) // ten periods, within the idle timeout
	reset(a)
	if resp, _ := b.get(t, "/users"); resp.StatusCode != http.StatusOK {
		t.Errorf("with the check off = %d", resp.StatusCode)
	}
	for _, c := range mgmtCalls(a) {
		if strings.HasPrefix(c, "GET "+escapedUser(staffID("helpdesk"))) {
			t.Errorf("access checked although the check is off: %s", c)
		}
	}
}
