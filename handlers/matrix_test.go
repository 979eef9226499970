package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/policy"
	"userdesk/views"
)

// pathSamples are the values the role matrix puts in path parameters. A route with a parameter
// not listed here fails TestRoleRouteMatrix: add a sample when you add the route.
var pathSamples = map[string]string{
	"id": url.PathEscape(auth0apitest.FixtureUserID),
	"*":  "app.css",
	// The user page's sections (issue 6).
	"method":   url.PathEscape("totp|dev_matrixsample0001"),
	"provider": "duo",
	"role":     "rol_matrixsample0001",
	// Account security (issue 12).
	"session": "matrixsession0001",
	"token":   "matrixtoken0001",
	"grant":   "matrixgrant0001",
	// Linked accounts (issue 12).
	"identity": "matrixidentity0001",
	// Bulk jobs (issue 16).
	"job": "0123456789abcdef0123456789abcdef",
}

// samplePath fills a route's parameters (":id", "*") with samples.
func samplePath(t *testing.T, path string) string {
	t.Helper()
	param := regexp.MustCompile(`:([A-Za-z_]+)|\*`)
	return param.ReplaceAllStringFunc(path, func(m string) string {
		name := strings.TrimPrefix(m, ":")
		v, ok := pathSamples[name]
		if !ok {
			t.Fatalf("route %s: add a sample for parameter %q to pathSamples", path, m)
		}
		return v
	})
}

// personas are who the matrices sign in as; "" is anonymous.
var personas = []string{"", "none", "viewer", "helpdesk", "emea", "admin"}

// matrixPolicy is the policy the matrices run under: the three built-in groups (the helpdesk
// protecting holders of tenant-admin) and a regional helpdesk that reaches EMEA users only (and
// may export them: the exports' reach tests run under it too).
const matrixPolicy = `
groups:
  - name: admin
    members: [userdesk-admin]
    actions: [view, view_raw, view_logs, block, unlock, send_emails, reset_mfa, end_sessions,
              write_auth_methods, create, edit, delete, link, assign_roles, assign_permissions,
              export, manage_staff, staff_sessions, audit, policy]
  - name: helpdesk
    members: [userdesk-helpdesk]
    actions: [view, view_raw, view_logs, block, unlock, send_emails, reset_mfa, end_sessions]
    protected_roles: [tenant-admin]
  - name: viewer
    members: [userdesk-viewer]
    actions: [view, view_raw, view_logs]
  - name: emea
    members: [userdesk-helpdesk-emea]
    actions: [view, view_logs, block, send_emails, reset_mfa, export]
    reach:
      users: 'app_metadata.region:"emea"'
    protected_roles: [tenant-admin]
`

// matrixApp is a test app under matrixPolicy.
func matrixApp(t *testing.T) *testApp {
	t.Helper()
	p, err := policy.Load([]byte(matrixPolicy), "matrix")
	if err != nil {
		t.Fatal(err)
	}
	return newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) {
			c.Policy = p
			// The matrices sign in hundreds of times from one address, and make hundreds of
			// changes as one person: the limits have tests of their own (limits_test.go).
			c.SignInLimit = IPRate{Burst: 10_000, Every: time.Millisecond}
			c.Limits = &Limits{}
		}
	})
}

// personaStaff is the persona as the matrix policy sees it.
func personaStaff(a *testApp, persona string) policy.Staff {
	return a.srv.policy.Staff(testStaffRoles[persona])
}

// TestRoleRouteMatrix sends every route of the table (pages and partials, every method), as a
// page request and as an htmx request, for every persona, and checks the first rule of the gate
// (checklist 30, 36, 37, 39): anonymous is sent to sign in, a person whose groups do not allow
// the route's action gets a 403 (page or alert) with zero Management API calls and one
// denied.<action> audit event, and everyone else gets past it. What happens past it, on every
// kind of user, is TestTargetMatrix's.
func TestRoleRouteMatrix(t *testing.T) {
	a := matrixApp(t)
	browsers := map[string]*browser{}
	session := func(persona string) *browser {
		if b, ok := browsers[persona]; ok {
			return b
		}
		b := a.newBrowser(t)
		if persona != "" {
			b = a.signIn(t, persona)
		}
		browsers[persona] = b
		return b
	}
	for _, rt := range a.srv.routes() {
		if rt.Action == actPublic {
			continue // TestPublicRoutes
		}
		path := samplePath(t, rt.Path)
		for _, persona := range personas {
			allowed := persona != "" && (rt.Action == actSignedIn || personaStaff(a, persona).May(rt.Action))
			if allowed {
				continue
			}
			for _, htmx := range []bool{false, true} {
				name := rt.Method + " " + rt.Path + " as " + orAnonymous(persona)
				if htmx {
					name += " (htmx)"
				}
				t.Run(name, func(t *testing.T) {
					b := session(persona)
					headers := []string{}
					if htmx {
						headers = append(headers, "HX-Request", "true", "HX-Current-URL", a.URL+"/users")
					}
					if !isSafeMethod(rt.Method) {
						headers = append(headers, b.sameOriginHeaders()...)
						if persona != "" {
							headers = append(headers, "X-CSRF-Token", b.csrfToken(t))
						}
					}
					a.Tenant.ResetCalls()
					a.Audit.Reset()
					resp, body := b.send(t, rt.Method, path, nil, headers...)
					calls, events := a.Tenant.Calls(), a.auditEvents(t)
					if persona == "" {
						wantSignInRequired(t, resp, rt.Method, htmx)
						if len(calls) != 0 || len(events) != 0 {
							t.Errorf("anonymous request made %d calls and %d audit events", len(calls), len(events))
						}
						return
					}
					wantRefused(t, resp, body, htmx)
					if len(calls) != 0 {
						t.Errorf("refused request made Management API calls: %v", calls)
					}
					if len(events) != 1 || events[0]["outcome"] != "denied" || events[0]["event"] != "denied."+string(rt.Action) {
						t.Errorf("audit = %v, want one denied.%s event", events, rt.Action)
					} else if actor, _ := events[0]["actor"].(map[string]any); !slices.Equal(anyStrings(actor["groups"]), personaStaff(a, persona).Groups()) {
						t.Errorf("audit actor = %v", actor)
					}
				})
			}
		}
	}
}

// targetKinds are the users TestTargetMatrix acts on.
var targetKinds = []string{"in reach", "out of reach", "protected", "staff", "self"}

// matrixSeq numbers the matrix's users.
var matrixSeq atomic.Int64

// matrixUser adds a user of kind for persona: a database user with an e-mail address, two
// factors (an app and a phone, no passkey) and the role support-viewer; in EMEA unless out of
// reach; holding tenant-admin (protected) or userdesk-viewer (staff). "self" is the persona's
// own account.
func matrixUser(t *testing.T, a *testApp, persona, kind string) string {
	t.Helper()
	if kind == "self" {
		return staffID(persona)
	}
	n := matrixSeq.Add(1)
	id := fmt.Sprintf("auth0|matrix%06d", n)
	region := "emea"
	if kind == "out of reach" {
		region = "amer"
	}
	a.Tenant.PutUser(map[string]any{
		"user_id": id, "email": fmt.Sprintf("matrix%d@example.com", n), "email_verified": true,
		"name": fmt.Sprintf("Matrix User %d", n), "created_at": "2024-01-02T03:04:05.000Z", "updated_at": "2024-01-02T03:04:05.000Z",
		"identities":   []any{map[string]any{"connection": auth0apitest.DatabaseConnection, "provider": "auth0", "user_id": fmt.Sprintf("matrix%06d", n), "isSocial": false}},
		"app_metadata": map[string]any{"region": region},
		"multifactor":  []any{"duo"},
	})
	a.Tenant.SetAuthenticationMethods(id, []map[string]any{
		{"id": fmt.Sprintf("totp|dev_matrix%06d", n), "type": "totp", "confirmed": true, "created_at": "2024-01-02T03:04:05.000Z"},
		{"id": fmt.Sprintf("phone|dev_matrix%06d", n), "type": "phone", "phone_number": "+15555550100", "preferred_authentication_method": "sms", "confirmed": true, "created_at": "2024-01-02T03:04:05.000Z"},
	})
	roles := []string{a.Tenant.RoleID("support-viewer")}
	switch kind {
	case "protected":
		roles = append(roles, a.Tenant.RoleID("tenant-admin"))
	case "staff":
		roles = append(roles, a.Tenant.RoleID("userdesk-viewer"))
	}
	must(t, a.srv.users.AddUserRoles(t.Context(), id, roles))
	return id
}

// matrixRequest is a valid request of the route for the user: the path with the user's real
// method ids and roles, and the form the page would send. A route that needs input the matrix
// does not know fails the test: add it here when you add the route.
func matrixRequest(t *testing.T, a *testApp, rt route, id string) (string, url.Values) {
	t.Helper()
	path := strings.Replace(rt.Path, ":id", url.PathEscape(id), 1)
	form := url.Values{}
	switch rt.Method + " " + rt.Path {
	case "DELETE /users/:id/factors/:method", "PATCH /users/:id/factors/:method":
		method := pathSamples["method"] // staff accounts have no factors: the gate refuses first
		if strings.Contains(id, "|matrix") {
			method = url.PathEscape(methodIDOf(t, a, id, "totp"))
		}
		path = strings.Replace(path, ":method", method, 1)
		form.Set("name", "Work app")
	case "DELETE /users/:id/multifactor/:provider":
		path = strings.Replace(path, ":provider", "duo", 1)
	case "DELETE /users/:id/roles/:role":
		path = strings.Replace(path, ":role", a.Tenant.RoleID("support-viewer"), 1)
	case "POST /users/:id/roles":
		form.Set("roles", a.Tenant.RoleID("support-editor"))
	case "POST /users/:id/permissions":
		form.Set("api", ordersAPI)
		form.Set("scopes", "read:orders")
	case "DELETE /users/:id/permissions":
		path += "?" + url.Values{"api": {ordersAPI}, "permission": {"read:orders"}}.Encode()
	case "GET /users/:id/permissions/scopes":
		path += "?" + url.Values{"api": {ordersAPI}}.Encode()
	case "POST /users/:id/factors":
		form = url.Values{"type": {"phone"}, "phone_number": {"+44 7700 900999"}, "preferred_authentication_method": {"sms"}}
	case "PUT /users/:id/factors":
		form.Set("methods", `[{"type":"email","email":"matrix@example.com"}]`)
	case "DELETE /users/:id/sessions/:session":
		sid := fmt.Sprintf("matrixsession%06d", matrixSeq.Add(1))
		a.Tenant.PutSession(map[string]any{"id": sid, "user_id": id, "created_at": "2024-01-02T03:04:05.000Z",
			"device": map[string]any{"last_user_agent": "Mozilla/5.0 (Windows NT 10.0) Firefox/130.0", "last_ip": "192.0.2.1"}})
		path = strings.Replace(path, ":session", sid, 1)
	case "DELETE /users/:id/refresh-tokens/:token":
		tid := fmt.Sprintf("matrixtoken%06d", matrixSeq.Add(1))
		a.Tenant.PutRefreshToken(map[string]any{"id": tid, "user_id": id, "client_id": auth0apitest.MobileClientID, "created_at": "2024-01-02T03:04:05.000Z"})
		path = strings.Replace(path, ":token", tid, 1)
	case "DELETE /users/:id/applications/:grant":
		gid := fmt.Sprintf("matrixgrant%06d", matrixSeq.Add(1))
		a.Tenant.PutGrant(map[string]any{"id": gid, "user_id": id, "clientID": auth0apitest.ThirdPartyClientID, "audience": "https://api.acme.example/reports", "scope": []any{"read:reports"}})
		path = strings.Replace(path, ":grant", gid, 1)
	case "GET /users/:id/link/candidates":
		path += "?" + url.Values{"q": {"Matrix User"}}.Encode()
	case "GET /users/:id/link/confirm":
		path += "?" + url.Values{"secondary": {matrixUser(t, a, "admin", "in reach")}}.Encode()
	case "POST /users/:id/identities":
		form.Set("secondary", matrixUser(t, a, "admin", "in reach"))
	case "DELETE /users/:id/identities/:provider/:identity":
		// A user of its own linked into the user, to unlink (the gate refuses oneself first).
		identity := pathSamples["identity"]
		if strings.Contains(id, "|matrix") {
			second := matrixUser(t, a, "admin", "in reach")
			_, err := a.srv.users.LinkUserIdentity(t.Context(), id, auth0api.LinkIdentity{Provider: "auth0", UserID: second})
			must(t, err)
			identity = strings.TrimPrefix(second, "auth0|")
		}
		path = strings.Replace(path, ":provider", "auth0", 1)
		path = strings.Replace(path, ":identity", url.PathEscape(identity), 1)
	case "POST /users/:id/secure":
		form.Set("sessions", "on")
		form.Set("revoke_tokens", "on")
	case "POST /users/:id/delete":
		u, err := a.srv.users.GetUser(t.Context(), id, nil)
		must(t, err)
		form.Set("confirm", views.DeleteConfirmation(*u))
	case "POST /users/:id/edit":
		u, err := a.srv.users.GetUser(t.Context(), id, nil)
		must(t, err)
		f := editFormFrom(*u)
		form = url.Values{"name": {f.Name + " (edited)"}, "given_name": {f.GivenName}, "family_name": {f.FamilyName},
			"nickname": {f.Nickname}, "picture": {f.Picture}, "email": {f.Email}, "phone_number": {f.PhoneNumber},
			"user_metadata": {f.UserMetadata}, "app_metadata": {f.AppMetadata}, "updated_at": {f.UpdatedAt}, "original": {f.Original}}
		if f.EmailVerified {
			form.Set("email_verified", "true")
		}
	}
	if strings.Contains(path, "/:") {
		t.Fatalf("%s %s: the matrix has no input for this route", rt.Method, rt.Path)
	}
	return path, form
}

// targetExpectation is what the gate must do with a route on a kind of user.
type targetExpectation struct {
	status int    // the answer's status
	denied string // "" when allowed; else why the gate refused (a policy.Reason)
}

// expectOnTarget is the matrix's own statement of the rules (written out, not computed by the
// policy package): a change to oneself is refused; a user outside a restricted reach does not
// exist for that person, whatever the route; staff accounts and holders of a group's protected
// roles are changed only by admins; everything else goes through.
func expectOnTarget(persona, kind string, change bool) targetExpectation {
	switch {
	case kind == "self" && change:
		return targetExpectation{http.StatusConflict, "self"}
	case persona == "emea" && (kind == "out of reach" || kind == "self"):
		return targetExpectation{http.StatusNotFound, "reach"}
	case change && persona != "admin" && kind == "staff":
		return targetExpectation{http.StatusForbidden, "staff"}
	case change && persona != "admin" && kind == "protected":
		return targetExpectation{http.StatusForbidden, "protected"}
	}
	return targetExpectation{status: http.StatusOK}
}

// TestTargetMatrix (issue 10): every route of the table that acts on a user, for every persona
// whose groups allow it, on each kind of user (within the persona's reach, outside it, holding a
// protected role, a staff account, their own), sent as the page sends it (htmx, a valid form).
// Allowed: 200, the change made exactly once (one non-GET Management API call) and audited as an
// attempt and its success; reads make only GET calls and write no audit event. Refused: the
// expected status, no change asked of Auth0 (only the gate's reads of that user), and one
// denied event under the route's event (or denied.<action> for a read) naming the rule.
func TestTargetMatrix(t *testing.T) {
	a := matrixApp(t)
	for _, rt := range a.srv.routes() {
		if rt.Target == nil {
			continue
		}
		for _, persona := range personas[1:] {
			if !personaStaff(a, persona).May(rt.Action) {
				continue // TestRoleRouteMatrix
			}
			for _, kind := range targetKinds {
				change := !isSafeMethod(rt.Method)
				if kind == "self" && rt.Method+" "+rt.Path == "POST /users/:id/delete" {
					continue // TestNoActionsOnYourself: the admin's own account must survive the run
				}
				t.Run(rt.Method+" "+rt.Path+" as "+persona+" on "+kind, func(t *testing.T) {
					id := matrixUser(t, a, persona, kind)
					path, form := matrixRequest(t, a, rt, id)
					// The rules about the user follow the route's action: a form to change a
					// user (GET /users/:id/edit) is refused like the change itself.
					want := expectOnTarget(persona, kind, rt.Action.Changes())
					emails := len(a.Tenant.PasswordResetEmails())
					b := a.signIn(t, persona)
					headers := []string{"HX-Request", "true", "HX-Current-URL", a.URL + userPath(id)}
					if change {
						headers = append(headers, "X-CSRF-Token", b.csrfToken(t))
						headers = append(headers, b.sameOriginHeaders()...)
					}
					reset(a)
					resp, answer := b.send(t, rt.Method, path, form, headers...)
					calls, events := mgmtCalls(a), a.auditEvents(t)
					if resp.StatusCode != want.status {
						t.Fatalf("status = %d, want %d:\n%.600s", resp.StatusCode, want.status, answer)
					}
					var writes []string
					for _, c := range calls {
						if !strings.HasPrefix(c, "GET ") {
							writes = append(writes, c)
						}
					}
					if want.denied != "" {
						if len(writes) != 0 {
							t.Errorf("a refused request asked for changes: %q", writes)
						}
						for _, c := range calls {
							if c != "GET "+escapedUser(id) && c != "GET "+escapedUser(id)+"/roles" {
								t.Errorf("a refused request read more than the user: %s", c)
							}
						}
						event := "denied." + string(rt.Action)
						if change {
							event = string(rt.Target.event)
						}
						ev := wantOneChange(t, events, event, "denied")
						if details, _ := ev["details"].(map[string]any); want.denied != "self" && details["rule"] != want.denied {
							t.Errorf("audit details = %v, want rule %s", ev["details"], want.denied)
						}
						if want.status == http.StatusNotFound && !strings.Contains(answer, "No such user") {
							t.Errorf("out of reach does not say there is no such user:\n%.400s", answer)
						}
						return
					}
					if !change {
						if len(writes) != 0 || len(events) != 0 {
							t.Errorf("a read asked for changes %q or wrote audit events %v", writes, events)
						}
						return
					}
					if rt.Target.event == "user.password_reset_email" {
						// The Authentication API's change_password, which the tenant counts apart.
						if len(writes) != 0 || len(a.Tenant.PasswordResetEmails()) != emails+1 {
							t.Errorf("changes = %q and %d e-mails, want exactly one e-mail", writes, len(a.Tenant.PasswordResetEmails())-emails)
						}
					} else if len(writes) != 1 {
						t.Errorf("changes asked of Auth0 = %q, want exactly one", writes)
					}
					if rt.Target.event == audit.UserSecureAccount {
						// One step (sessions and refresh tokens, one call): the whole and the
						// step, each an attempt and its outcome.
						wantSecureRun(t, events, 1)
						return
					}
					wantOneChange(t, events, string(rt.Target.event), "success")
				})
			}
		}
	}
}

// TestPublicRoutes: the public routes answer without a session, each with its exact status, and
// only GET is public.
func TestPublicRoutes(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	want := map[string]int{
		"/healthz": http.StatusOK, "/readyz": http.StatusOK, "/static/*": http.StatusOK,
		"/login": http.StatusFound, "/callback": http.StatusBadRequest, "/signed-out": http.StatusOK,
		"/backchannel-logout": http.StatusBadRequest, // no logout token
	}
	for _, rt := range a.srv.routes() {
		if rt.Action != actPublic {
			continue
		}
		status, ok := want[rt.Path]
		if !ok {
			t.Errorf("%s %s: add the public route's status to this test", rt.Method, rt.Path)
			continue
		}
		if rt.Method != http.MethodGet && rt.Path != crossOriginExempt {
			t.Errorf("%s %s is public", rt.Method, rt.Path)
		}
		resp, body := b.send(t, rt.Method, samplePath(t, rt.Path), nil)
		if resp.StatusCode != status {
			t.Errorf("%s %s = %d without a session, want %d:\n%.300s", rt.Method, rt.Path, resp.StatusCode, status, body)
		}
	}
}

// TestProbeHeadersDoNotBypassSignIn: health-check look-alikes and path tricks never reach a
// protected page without a session (checklist 82, advisories 11, 12, 16).
func TestProbeHeadersDoNotBypassSignIn(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	tests := []struct {
		path    string
		headers []string
	}{
		{"/users", []string{"User-Agent", "kube-probe/1.31"}},
		{"/users", []string{"X-Forwarded-Uri", "/healthz", "X-Original-URL", "/healthz", "X-Rewrite-URL", "/healthz"}},
		{"/users", []string{"X-Forwarded-User", "admin@userdesk.test", "X-Auth-Request-Email", "admin@userdesk.test"}},
		{"/users?x=/healthz", nil},
		{"/users%23/healthz", nil},
		{"/healthz/../users", nil},
		{"/healthz%2F..%2Fusers", nil},
		{"/static/..%2Fusers", nil},
		{"/USERS", nil},
		{"/users;/healthz", nil},
		{"/users/", nil},
	}
	for _, tt := range tests {
		resp, body := b.get(t, tt.path, tt.headers...)
		if resp.StatusCode == http.StatusOK && strings.Contains(body, "user-row") {
			t.Errorf("GET %s %v returned user data without a session", tt.path, tt.headers)
		}
		if resp.StatusCode == http.StatusOK && tt.path != "/healthz/../users" {
			t.Errorf("GET %s = 200 without a session", tt.path)
		}
	}
}

func wantSignInRequired(t *testing.T, resp *http.Response, method string, htmx bool) {
	t.Helper()
	switch {
	case htmx:
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("HX-Redirect"), "/login") {
			t.Errorf("anonymous htmx = %d, HX-Redirect %q; want 401 to /login", resp.StatusCode, resp.Header.Get("HX-Redirect"))
		}
	case method == http.MethodGet:
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("anonymous GET = %d to %q; want 302 to /login", resp.StatusCode, resp.Header.Get("Location"))
		}
	default:
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous %s = %d, want 401", method, resp.StatusCode)
		}
	}
}

func wantRefused(t *testing.T, resp *http.Response, body string, htmx bool) {
	t.Helper()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403:\n%.400s", resp.StatusCode, body)
		return
	}
	if htmx {
		if strings.Contains(body, "<html") || resp.Header.Get("HX-Retarget") != "#flash" || !strings.Contains(body, `role="alert"`) {
			t.Errorf("htmx refusal is not an alert for the flash area (HX-Retarget %q):\n%.400s", resp.Header.Get("HX-Retarget"), body)
		}
	} else if !strings.Contains(body, `id="forbidden"`) {
		t.Errorf("refusal is not the 403 page:\n%.400s", body)
	}
}

func orAnonymous(p string) string {
	if p == "" {
		return "anonymous"
	}
	return p
}

// wantSecureRun checks the audit trail of one "secure this account" that succeeded with steps
// steps: the whole's attempt first and its outcome last, and each step an attempt and its
// success in between, all of one request.
func wantSecureRun(t testing.TB, events []map[string]any, steps int) {
	t.Helper()
	if len(events) != 2+2*steps {
		t.Fatalf("audit = %d events, want %d: %v", len(events), 2+2*steps, events)
	}
	first, last := events[0], events[len(events)-1]
	if first["event"] != string(audit.UserSecureAccount) || first["outcome"] != "attempt" ||
		last["event"] != string(audit.UserSecureAccount) || last["outcome"] != "success" {
		t.Errorf("the whole: %v … %v", first, last)
	}
	for _, ev := range events[1 : len(events)-1] {
		if ev["event"] != string(audit.UserSecureAccountStep) || ev["request_id"] != first["request_id"] {
			t.Errorf("step event %v", ev)
		}
	}
}
