package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// assignableApp is a test app that may assign only support-manager and billing-viewer (and
// names a role the tenant does not have).
func assignableApp(t *testing.T) *testApp {
	t.Helper()
	return newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) { c.AssignableRoles = []string{"support-manager", "billing-viewer", "no-such-role"} }
	})
}

// assignableReads are the searches that resolve assignableApp's roles, one per name.
var assignableReads = []string{
	"GET /roles?include_totals=true&name_filter=billing-viewer&page=0&per_page=100",
	"GET /roles?include_totals=true&name_filter=no-such-role&page=0&per_page=100",
	"GET /roles?include_totals=true&name_filter=support-manager&page=0&per_page=100",
}

// offered lists the role ids a picker answer offers (checkboxes that can be ticked).
func offered(body string) []string {
	var ids []string
	for _, part := range strings.Split(body, `<input type="checkbox" name="roles" value="`)[1:] {
		ids = append(ids, part[:strings.Index(part, `"`)])
	}
	slices.Sort(ids)
	return ids
}

// TestAssignableRolesPicker (checklist 42): with an allowlist, the picker offers only the
// assignable roles that exist (found by name, one search per name, at once), says so, and its
// search filters among them.
func TestAssignableRolesPicker(t *testing.T) {
	a := assignableApp(t)
	b := a.signIn(t, "admin")
	bare := "/users/" + url.PathEscape(auth0apitest.FixtureBareUserID)
	bareAPI := "/users/" + url.PathEscape(auth0apitest.FixtureBareUserID)
	manager, viewer := a.Tenant.RoleID("support-manager"), a.Tenant.RoleID("billing-viewer")
	want := []string{manager, viewer}
	slices.Sort(want)

	a.Tenant.ResetCalls()
	resp, body := secGet(t, b, bare+"/roles/picker")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("picker = %d:\n%s", resp.StatusCode, body)
	}
	wantCalls(t, a, nil, append(slices.Clone(assignableReads), "GET "+bareAPI+"/roles?include_totals=true&page=0&per_page=100")...)
	if got := offered(body); !slices.Equal(got, want) {
		t.Errorf("picker offers %v, want only %v", got, want)
	}
	if !strings.Contains(body, `id="roles-picker-limited"`) || !strings.Contains(body, "Roles 1–2 of 2.") || strings.Contains(body, "picker-more") {
		t.Errorf("picker:\n%s", body)
	}
	if !strings.Contains(a.Logs.String(), `"role":"no-such-role"`) {
		t.Error("the missing assignable role was not logged")
	}

	a.Tenant.ResetCalls()
	_, body = secGet(t, b, bare+"/roles/catalog?name_filter=BILL")
	wantCalls(t, a, nil, assignableReads...)
	if got := offered(body); !slices.Equal(got, []string{viewer}) {
		t.Errorf("search offers %v, want billing-viewer only", got)
	}
	_, body = secGet(t, b, bare+"/roles/catalog?name_filter=tenant")
	if len(offered(body)) != 0 || !strings.Contains(body, "No role userdesk may assign has “tenant” in its name.") {
		t.Errorf("search for an unassignable role:\n%s", body)
	}
	_, body = secGet(t, b, bare+"/roles/catalog?"+url.Values{"roles": {viewer}}.Encode())
	if got := offered(body); !slices.Equal(got, []string{manager}) {
		t.Errorf("with billing-viewer chosen, the search offers %v", got)
	}
}

// TestAssignableRolesEnforced (checklist 42): the server assigns an allowlisted role, and
// refuses any other (alone or among allowed ones) with 403 before anything changes, audited
// once as denied with the role ids; crafted ids are refused before any call, as always.
func TestAssignableRolesEnforced(t *testing.T) {
	a := assignableApp(t)
	admin := a.signIn(t, "admin")
	bare := "/users/" + url.PathEscape(auth0apitest.FixtureBareUserID)
	bareAPI := "/users/" + url.PathEscape(auth0apitest.FixtureBareUserID)
	manager, tenantAdmin := a.Tenant.RoleID("support-manager"), a.Tenant.RoleID("tenant-admin")

	resp, body := secChange(t, a, admin, http.MethodPost, bare+"/roles", url.Values{"roles": {manager}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Assigned 1 role.") {
		t.Fatalf("assign an allowed role = %d:\n%s", resp.StatusCode, body)
	}
	wantCalls(t, a, []string{"POST " + bareAPI + "/roles"}, append(slices.Clone(assignableReads), "GET "+bareAPI+"/roles?include_totals=true&page=0&per_page=25")...)
	wantOneAudit(t, a, "user.roles.add", "success")

	for _, ids := range [][]string{{tenantAdmin}, {manager, tenantAdmin}} {
		resp, body := secChange(t, a, admin, http.MethodPost, bare+"/roles", url.Values{"roles": ids})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "You may not assign "+tenantAdmin) ||
			!strings.Contains(body, "billing-viewer, support-manager") || resp.Header.Get("HX-Retarget") != "#flash" {
			t.Errorf("assign %v = %d:\n%s", ids, resp.StatusCode, body)
		}
		wantCalls(t, a, nil, assignableReads...)
		ev := wantOneAudit(t, a, "user.roles.add", "denied")
		if got := anyStrings(auditDetails(ev)["roles"]); !slices.Equal(got, ids) {
			t.Errorf("audit roles = %v, want %v", got, ids)
		}
	}
	if got := a.Tenant.UserRoles(auth0apitest.FixtureBareUserID); !slices.Equal(got, []string{manager}) {
		t.Errorf("the user's roles = %v, want only support-manager", got)
	}

	resp, _ = secChange(t, a, admin, http.MethodPost, bare+"/roles", url.Values{"roles": {"../roles"}})
	if resp.StatusCode != http.StatusBadRequest || len(secCalls(a)) != 0 {
		t.Errorf("a crafted id = %d with calls %v", resp.StatusCode, secCalls(a))
	}

	// Removing is limited as assigning is (assign_roles covers both): a role outside the list
	// stays, and its row says why it has no Remove button.
	must(t, a.srv.users.AddUserRoles(t.Context(), auth0apitest.FixtureBareUserID, []string{tenantAdmin}))
	resp, body = secChange(t, a, admin, http.MethodDelete, bare+"/roles/"+tenantAdmin, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "You may not remove "+tenantAdmin) {
		t.Errorf("removing a role outside the list = %d:\n%s", resp.StatusCode, body)
	}
	wantCalls(t, a, nil, assignableReads...)
	if ev := wantOneAudit(t, a, "user.roles.remove", "denied"); !slices.Equal(anyStrings(auditDetails(ev)["roles"]), []string{tenantAdmin}) {
		t.Errorf("audit = %v", ev)
	}
	_, body = secGet(t, admin, bare+"/roles")
	row := body[strings.Index(body, `data-role-id="`+tenantAdmin+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "Not a role you assign") || strings.Contains(row, "role-remove") {
		t.Errorf("the unremovable role's row:\n%s", row)
	}
	resp, body = secChange(t, a, admin, http.MethodDelete, bare+"/roles/"+manager, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Removed the role.") {
		t.Errorf("removing an assignable role = %d:\n%s", resp.StatusCode, body)
	}
	if got := a.Tenant.UserRoles(auth0apitest.FixtureBareUserID); !slices.Equal(got, []string{tenantAdmin}) {
		t.Errorf("the user's roles = %v, want only tenant-admin", got)
	}
}

// TestAssignableRolesUnreadable: when the roles cannot be looked up, nothing is assigned and
// the failure is audited.
func TestAssignableRolesUnreadable(t *testing.T) {
	a := assignableApp(t)
	admin := a.signIn(t, "admin")
	a.Tenant.Fail("GET /roles", auth0apitest.Fault{Status: http.StatusInternalServerError})
	resp, _ := secChange(t, a, admin, http.MethodPost, adaPath+"/roles", url.Values{"roles": {a.Tenant.RoleID("billing-viewer")}})
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("assign with the catalog failing = %d", resp.StatusCode)
	}
	for _, c := range secCalls(a) {
		if !strings.HasPrefix(c, "GET ") {
			t.Errorf("a change was made: %s", c)
		}
	}
	wantOneAudit(t, a, "user.roles.add", "failure")
}
