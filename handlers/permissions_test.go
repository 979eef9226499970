package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

const ordersAPI = "https://api.acme.example/orders"

// TestPermissionsSection: the user's permissions with their API and source.
func TestPermissionsSection(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	_, body := secGet(t, b, adaPath+"/permissions")
	for _, want := range []string{"Orders API", "<code>" + ordersAPI + "</code>", `<code class="permission-name">read:orders</code>`, "Read orders", "Direct", "Permissions 1–2 of 2"} {
		if !strings.Contains(body, want) {
			t.Errorf("section lacks %q", want)
		}
	}
}

// TestPermissionPicker: first the APIs (not Auth0's own), then the chosen API's scopes with the
// user's marked; an unknown API is refused.
func TestPermissionPicker(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	a.Tenant.ResetCalls()
	_, body := secGet(t, b, adaPath+"/permissions/picker")
	wantCalls(t, a, nil,
		"GET /resource-servers?include_totals=true&page=0&per_page=100",
		"GET "+adaAPI+"/permissions?include_totals=true&page=0&per_page=100")
	for _, want := range []string{`id="permissions-picker-api"`, `<option value="` + ordersAPI + `">Orders API (` + ordersAPI + `)</option>`,
		"Billing API", "Reports API", `hx-get="` + adaPath + `/permissions/scopes"`, `value="` + ordersAPI + ` read:orders"`, "Choose an API to see its permissions."} {
		if !strings.Contains(body, want) {
			t.Errorf("picker lacks %q", want)
		}
	}
	if strings.Contains(body, "Auth0 Management API") {
		t.Error("the picker offers Auth0's own Management API")
	}

	a.Tenant.ResetCalls()
	q := url.Values{"api": {ordersAPI}, "assigned": {ordersAPI + " read:orders", "https://api.acme.example/reports export:reports"}}
	_, body = secGet(t, b, adaPath+"/permissions/scopes?"+q.Encode())
	wantCalls(t, a, nil, "GET /resource-servers?include_totals=true&page=0&per_page=100")
	for _, want := range []string{`<input type="checkbox" name="scopes" value="create:orders">`, `value="refund:orders"`, "<code>read:orders</code> <small>(already assigned)</small>"} {
		if !strings.Contains(body, want) {
			t.Errorf("scopes lack %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "export:reports") || strings.Contains(body, "<form") {
		t.Errorf("scopes of another API, or the whole picker:\n%s", body)
	}

	a.Tenant.ResetCalls()
	_, body = secGet(t, b, adaPath+"/permissions/scopes?api=")
	if len(secCalls(a)) != 0 || !strings.Contains(body, "Choose an API") {
		t.Errorf("no API chosen: calls %v\n%s", secCalls(a), body)
	}
	resp, _ := secGet(t, b, adaPath+"/permissions/scopes?api="+url.QueryEscape("https://nowhere.example/"))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown API = %d, want 404", resp.StatusCode)
	}
}

// TestPermissionChanges: adding and removing direct permissions (admin), with the exact calls,
// one audit event and the section re-read; refusals make no call.
func TestPermissionChanges(t *testing.T) {
	a := newTestApp(t)
	admin := a.signIn(t, "admin")
	permsRead := "GET " + adaAPI + "/permissions?include_totals=true&page=0&per_page=25"

	resp, body := secChange(t, a, admin, http.MethodPost, adaPath+"/permissions",
		url.Values{"api": {ordersAPI}, "scopes": {"create:orders", "refund:orders"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("add = %d:\n%s", resp.StatusCode, body)
	}
	wantCalls(t, a, []string{"POST " + adaAPI + "/permissions"}, permsRead)
	want := `{"permissions":[{"resource_server_identifier":"` + ordersAPI + `","permission_name":"create:orders"},{"resource_server_identifier":"` + ordersAPI + `","permission_name":"refund:orders"}]}`
	if got := secCallBodies(a, http.MethodPost); len(got) != 1 || got[0] != want {
		t.Errorf("POST body = %q\nwant %q", got, want)
	}
	ev := wantOneAudit(t, a, "user.permissions.add", "success")
	if d := auditDetails(ev); d["api"] != ordersAPI || len(d["permissions"].([]any)) != 2 {
		t.Errorf("audit details = %v", d)
	}
	for _, w := range []string{"create:orders", "refund:orders", "Added 2 permissions.", "Permissions 1–4 of 4"} {
		if !strings.Contains(body, w) {
			t.Errorf("answer lacks %q", w)
		}
	}

	resp, body = secChange(t, a, admin, http.MethodDelete, adaPath+"/permissions", url.Values{"api": {ordersAPI}, "permission": {"read:orders"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("remove = %d:\n%s", resp.StatusCode, body)
	}
	wantCalls(t, a, []string{"DELETE " + adaAPI + "/permissions"}, permsRead)
	want = `{"permissions":[{"resource_server_identifier":"` + ordersAPI + `","permission_name":"read:orders"}]}`
	if got := secCallBodies(a, http.MethodDelete); len(got) != 1 || got[0] != want {
		t.Errorf("DELETE body = %q", got)
	}
	wantOneAudit(t, a, "user.permissions.remove", "success")
	if strings.Contains(body, `data-permission="read:orders"`) || !strings.Contains(body, "Removed the permission read:orders.") {
		t.Errorf("after removing:\n%s", body)
	}

	helpdesk := a.signIn(t, "helpdesk")
	self := "/users/" + url.PathEscape(auth0apitest.StaffUserID(testAccounts["admin"]))
	refusals := []struct {
		name   string
		b      *browser
		method string
		path   string
		form   url.Values
		status int
		event  string
	}{
		{"no API", admin, http.MethodPost, adaPath + "/permissions", url.Values{"scopes": {"read:orders"}}, 422, "user.permissions.add"},
		{"no scope", admin, http.MethodPost, adaPath + "/permissions", url.Values{"api": {ordersAPI}}, 422, "user.permissions.add"},
		{"a scope with a space", admin, http.MethodPost, adaPath + "/permissions", url.Values{"api": {ordersAPI}, "scopes": {"read orders"}}, 422, "user.permissions.add"},
		{"remove without a permission", admin, http.MethodDelete, adaPath + "/permissions", url.Values{"api": {ordersAPI}}, 422, "user.permissions.remove"},
		{"helpdesk", helpdesk, http.MethodPost, adaPath + "/permissions", url.Values{"api": {ordersAPI}, "scopes": {"read:orders"}}, 403, "denied.assign_permissions"},
		{"own permissions", admin, http.MethodDelete, self + "/permissions", url.Values{"api": {ordersAPI}, "permission": {"read:orders"}}, 409, "user.permissions.remove"},
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
			ev := a.auditEvents(t)
			if len(ev) != 1 || ev[0]["event"] != r.event {
				t.Errorf("audit = %v, want one %s", ev, r.event)
			}
		})
	}

	// A scope the API does not define: Auth0 refuses, in plain words, audited.
	resp, body = secChange(t, a, admin, http.MethodPost, adaPath+"/permissions", url.Values{"api": {ordersAPI}, "scopes": {"fly:orders"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Permission fly:orders does not exist") || resp.Header.Get("HX-Retarget") != "#flash" {
		t.Errorf("unknown scope = %d (%s):\n%s", resp.StatusCode, resp.Header.Get("HX-Retarget"), body)
	}
	wantOneAudit(t, a, "user.permissions.add", "failure")
}
