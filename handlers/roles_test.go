package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// TestRolePickerSearchesTheWholeCatalog: the picker opens with the catalog's first page and the
// user's roles marked; typing searches Auth0 with name_filter, so roles past the first 50 are
// found; roles already chosen are left out of new results; a long catalog pages on.
func TestRolePickerSearchesTheWholeCatalog(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	roles := a.Tenant.Roles()
	if len(roles) <= 50 {
		t.Fatalf("the tenant has %d roles; the test needs more than 50", len(roles))
	}
	late := slices.IndexFunc(roles, func(r map[string]any) bool { return r["name"] == "analytics-auditor" })
	if late < 50 {
		t.Fatalf("analytics-auditor is role %d; the test needs one past the first 50", late)
	}

	a.Tenant.ResetCalls()
	resp, body := secGet(t, b, adaPath+"/roles/picker")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("picker = %d:\n%s", resp.StatusCode, body)
	}
	wantCalls(t, a, nil,
		"GET /roles?include_totals=true&page=0&per_page=25",
		"GET "+adaAPI+"/roles?include_totals=true&page=0&per_page=100")
	for _, want := range []string{`id="roles-picker-form"`, `id="roles-picker-search"`, `hx-get="` + adaPath + `/roles/catalog"`,
		"<span>tenant-admin</span> <small>(already assigned)</small>", `<input type="hidden" name="assigned" value="` + a.Tenant.RoleID("tenant-admin") + `"`,
		"Roles 1–25 of 70", `class="secondary outline picker-more"`} {
		if !strings.Contains(body, want) {
			t.Errorf("picker lacks %q", want)
		}
	}

	// Typing: Auth0 searches the whole catalog.
	a.Tenant.ResetCalls()
	_, body = secGet(t, b, adaPath+"/roles/catalog?name_filter=analytics")
	wantCalls(t, a, nil, "GET /roles?include_totals=true&name_filter=analytics&page=0&per_page=25")
	if !strings.Contains(body, `value="`+a.Tenant.RoleID("analytics-auditor")+`"`) || strings.Contains(body, "<form") {
		t.Errorf("results:\n%s", body)
	}

	// Roles already chosen stay in the chosen list, not in the results; assigned ones are shown.
	chosen := a.Tenant.RoleID("support-viewer")
	q := url.Values{"name_filter": {"support"}, "roles": {chosen}, "assigned": {a.Tenant.RoleID("support-manager"), "../not-a-role"}}
	_, body = secGet(t, b, adaPath+"/roles/catalog?"+q.Encode())
	if strings.Contains(body, `value="`+chosen+`"`) {
		t.Error("a chosen role is offered again")
	}
	if !strings.Contains(body, "<span>support-manager</span> <small>(already assigned)</small>") || !strings.Contains(body, `value="`+a.Tenant.RoleID("support-editor")+`"`) {
		t.Errorf("results:\n%s", body)
	}

	// Paging through a long catalog.
	a.Tenant.ResetCalls()
	_, body = secGet(t, b, adaPath+"/roles/catalog?page=2")
	wantCalls(t, a, nil, "GET /roles?include_totals=true&page=2&per_page=25")
	if !strings.Contains(body, "Roles 51–70 of 70") || strings.Contains(body, "picker-more") {
		t.Errorf("last page of the catalog:\n%s", body)
	}

	// A silly filter is refused before any call.
	a.Tenant.ResetCalls()
	resp, _ = secGet(t, b, adaPath+"/roles/catalog?name_filter="+url.QueryEscape(strings.Repeat("x", 101)))
	if resp.StatusCode != http.StatusBadRequest || len(secCalls(a)) != 0 {
		t.Errorf("long filter = %d, calls %v", resp.StatusCode, secCalls(a))
	}
}

// TestRoleChanges: assigning and removing roles (admin), with the exact calls, one audit event
// and the section re-read; every refusal makes no call.
func TestRoleChanges(t *testing.T) {
	a := newTestApp(t)
	admin := a.signIn(t, "admin")
	viewer, editor := a.Tenant.RoleID("billing-viewer"), a.Tenant.RoleID("billing-editor")
	rolesRead := "GET " + adaAPI + "/roles?include_totals=true&page=0&per_page=25"

	resp, body := secChange(t, a, admin, http.MethodPost, adaPath+"/roles", url.Values{"roles": {viewer, editor, viewer}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("assign = %d:\n%s", resp.StatusCode, body)
	}
	wantCalls(t, a, []string{"POST " + adaAPI + "/roles"}, rolesRead)
	if got := secCallBodies(a, http.MethodPost); len(got) != 1 || got[0] != `{"roles":["`+viewer+`","`+editor+`"]}` {
		t.Errorf("POST body = %q", got)
	}
	ev := wantOneAudit(t, a, "user.roles.add", "success")
	if got := auditDetails(ev)["roles"]; len(got.([]any)) != 2 {
		t.Errorf("audit roles = %v", got)
	}
	for _, want := range []string{`<section id="section-roles"`, "billing-viewer", "billing-editor", "Assigned 2 roles.", `hx-swap-oob`} {
		if !strings.Contains(body, want) {
			t.Errorf("answer lacks %q", want)
		}
	}

	resp, body = secChange(t, a, admin, http.MethodDelete, adaPath+"/roles/"+viewer, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("remove = %d:\n%s", resp.StatusCode, body)
	}
	wantCalls(t, a, []string{"DELETE " + adaAPI + "/roles"}, rolesRead)
	if got := secCallBodies(a, http.MethodDelete); len(got) != 1 || got[0] != `{"roles":["`+viewer+`"]}` {
		t.Errorf("DELETE body = %q", got)
	}
	wantOneAudit(t, a, "user.roles.remove", "success")
	if strings.Contains(body, "billing-viewer") || !strings.Contains(body, "billing-editor") || !strings.Contains(body, "Removed the role.") {
		t.Errorf("after removing:\n%s", body)
	}

	helpdesk := a.signIn(t, "helpdesk")
	self := "/users/" + url.PathEscape(auth0apitest.StaffUserID(testAccounts["admin"]))
	refusals := []struct {
		name    string
		b       *browser
		method  string
		path    string
		form    url.Values
		status  int
		event   string
		outcome string
	}{
		{"not a role id", admin, http.MethodPost, adaPath + "/roles", url.Values{"roles": {"../roles"}}, 400, "user.roles.add", "failure"},
		{"a role id with spaces", admin, http.MethodPost, adaPath + "/roles", url.Values{"roles": {"rol_abc def"}}, 400, "user.roles.add", "failure"},
		{"no role chosen", admin, http.MethodPost, adaPath + "/roles", url.Values{}, 422, "user.roles.add", "failure"},
		{"remove: not a role id", admin, http.MethodDelete, adaPath + "/roles/" + url.PathEscape("rol_x/../y"), nil, 400, "user.roles.remove", "failure"},
		{"helpdesk", helpdesk, http.MethodPost, adaPath + "/roles", url.Values{"roles": {viewer}}, 403, "denied.assign_roles", "denied"},
		{"helpdesk removes", helpdesk, http.MethodDelete, adaPath + "/roles/" + editor, nil, 403, "denied.assign_roles", "denied"},
		{"own roles", admin, http.MethodPost, self + "/roles", url.Values{"roles": {viewer}}, 409, "user.roles.add", "denied"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			resp, body := secChange(t, a, r.b, r.method, r.path, r.form)
			if resp.StatusCode != r.status {
				t.Errorf("status = %d, want %d:\n%s", resp.StatusCode, r.status, body)
			}
			if calls := secCalls(a); len(calls) != 0 {
				t.Errorf("refused request made calls: %v", calls)
			}
			wantOneAudit(t, a, r.event, r.outcome)
			if resp.Header.Get("HX-Retarget") != "#flash" {
				t.Errorf("refusal not shown in the flash area: HX-Retarget %q", resp.Header.Get("HX-Retarget"))
			}
		})
	}

	// Auth0's own refusal (a role that does not exist) is audited and shown in plain words.
	resp, body = secChange(t, a, admin, http.MethodPost, adaPath+"/roles", url.Values{"roles": {"rol_doesnotexist00"}})
	if resp.StatusCode < 400 || !strings.Contains(body, "Auth0") {
		t.Errorf("unknown role = %d:\n%s", resp.StatusCode, body)
	}
	wantCalls(t, a, []string{"POST " + adaAPI + "/roles"})
	wantOneAudit(t, a, "user.roles.add", "failure")
}

// TestRolesSectionPages: a user with many roles pages through them in the section.
func TestRolesSectionPages(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	var ids []string
	for _, r := range a.Tenant.Roles()[:30] {
		ids = append(ids, r["id"].(string))
	}
	must(t, a.srv.users.AddUserRoles(t.Context(), auth0apitest.FixtureBareUserID, ids))
	bare := "/users/" + url.PathEscape(auth0apitest.FixtureBareUserID)
	_, body := secGet(t, b, bare+"/roles")
	if n := strings.Count(body, `class="role-row"`); n != 25 {
		t.Errorf("first page has %d roles", n)
	}
	if !strings.Contains(body, "Roles 1–25 of 30") || !strings.Contains(body, `hx-get="`+bare+`/roles?page=1"`) || strings.Contains(body, "pager-prev") {
		t.Errorf("first page's pager:\n%s", body)
	}
	_, body = secGet(t, b, bare+"/roles?page=1")
	if n := strings.Count(body, `class="role-row"`); n != 5 || !strings.Contains(body, `hx-get="`+bare+`/roles"`) || strings.Contains(body, "pager-next") {
		t.Errorf("second page: %d roles\n%s", n, body)
	}
}
