package auth0apitest_test

import (
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
)

func TestUpdateUserMergeRules(t *testing.T) {
	clk := &clock{now: time.Date(2026, 2, 2, 10, 0, 0, 0, time.UTC)}
	e := newEnv(t, auth0apitest.Options{Now: clk.Now})
	path := "/users/" + esc(auth0apitest.FixtureUserID)
	before := e.call(t, "GET", path, nil).object(t)
	r := e.call(t, "PATCH", path, map[string]any{
		"user_metadata": map[string]any{"theme": nil, "display": map[string]any{"density": "compact"}, "new": 1},
		"app_metadata":  map[string]any{"plan": "pro"},
		"nickname":      nil,
		"given_name":    "Augusta Ada",
		"password":      "N3w-Passw0rd!",
	})
	if r.status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", r.status, r.raw)
	}
	u := r.object(t)
	um := u["user_metadata"].(map[string]any)
	if _, ok := um["theme"]; ok {
		t.Error("null did not remove user_metadata.theme")
	}
	if !reflect.DeepEqual(um["display"], map[string]any{"density": "compact"}) {
		t.Errorf("nested metadata objects are replaced whole: %v", um["display"])
	}
	if um["locale"] != "en-GB" || um["new"] != float64(1) {
		t.Errorf("first-level merge lost keys: %v", um)
	}
	am := u["app_metadata"].(map[string]any)
	if am["plan"] != "pro" || am["customer_id"] != "cus_ADA0000000001" {
		t.Errorf("app_metadata = %v", am)
	}
	if _, ok := u["nickname"]; ok || u["given_name"] != "Augusta Ada" {
		t.Errorf("root fields: nickname %v given_name %v", u["nickname"], u["given_name"])
	}
	if u["updated_at"] != "2026-02-02T10:00:00.000Z" || u["last_password_reset"] != "2026-02-02T10:00:00.000Z" {
		t.Errorf("updated_at %v last_password_reset %v", u["updated_at"], u["last_password_reset"])
	}
	if u["created_at"] != before["created_at"] {
		t.Error("created_at changed")
	}
	if _, ok := u["password"]; ok {
		t.Error("the password is echoed")
	}
	wantError(t, e.call(t, "PATCH", path, map[string]any{}), http.StatusBadRequest, "invalid_body",
		"Payload validation error: 'Too few properties defined (0), minimum 1'.")
	wantError(t, e.call(t, "PATCH", path, map[string]any{"username": "x", "password": "N3w-Passw0rd!"}), http.StatusBadRequest, "invalid_body",
		"Cannot update username and password simultaneously.")
	wantError(t, e.call(t, "PATCH", "/users/"+esc(auth0apitest.FixtureSocialUserID), map[string]any{"email": "g@example.com"}),
		http.StatusBadRequest, "invalid_body", "Cannot update email for non-database user.")
	wantError(t, e.call(t, "PATCH", path, map[string]any{"password": "short"}), http.StatusBadRequest, "invalid_password",
		"PasswordStrengthError: Password is too weak")
	r = e.call(t, "PATCH", path, map[string]any{"email": "Ada@Example.com"})
	if u := r.object(t); u["email"] != "ada@example.com" || u["email_verified"] != false {
		t.Errorf("email change: %v %v", u["email"], u["email_verified"])
	}
	// update:users_app_metadata alone may only touch app_metadata.
	tok := e.tenant.Token("update:users_app_metadata")
	if r := e.callWith(t, tok, "PATCH", path, map[string]any{"app_metadata": map[string]any{"x": 1}}); r.status != http.StatusOK {
		t.Errorf("app_metadata with update:users_app_metadata: %d", r.status)
	}
	wantError(t, e.callWith(t, tok, "PATCH", path, map[string]any{"blocked": true}), http.StatusForbidden, "insufficient_scope", "")
}

func TestCreateUserValidation(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	for _, c := range []struct {
		body    map[string]any
		status  int
		code    string
		message string
	}{
		{map[string]any{"email": "a@example.com"}, 400, "invalid_body", "Payload validation error: 'Missing required property: connection'."},
		{map[string]any{"connection": "nope", "email": "a@example.com", "password": "Str0ng-Passw0rd"}, 400, "inexistent_connection", "Connection does not exist."},
		{map[string]any{"connection": auth0apitest.SocialConnection, "email": "a@example.com"}, 400, "operation_not_supported",
			"Connection does not support user creation through the API. It must either be a database or passwordless connection."},
		{map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "foo", "password": "Str0ng-Passw0rd"}, 400, "invalid_body",
			"Payload validation error: 'Object didn't pass validation for format email: foo' on property email (The user's email)."},
		{map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "a@example.com", "password": "alllowercase"}, 400, "invalid_password",
			"PasswordStrengthError: Password is too weak"},
		{map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "a@example.com"}, 400, "invalid_body",
			"Payload validation error: 'Missing required property: password'."},
		{map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "a@example.com", "password": "Str0ng-Passw0rd", "colour": "red"}, 400, "invalid_body",
			"Payload validation error: 'Additional properties not allowed: colour'."},
		{map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "a@example.com", "password": "Str0ng-Passw0rd", "phone_number": "0123"}, 400, "invalid_body", ""},
		{map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "ADA.LOVELACE@example.com", "password": "Str0ng-Passw0rd"}, 409, "auth0_idp_error", "The user already exists."},
		{map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "x@example.com", "username": "ada", "password": "Str0ng-Passw0rd"}, 409, "auth0_idp_error", "The user already exists."},
	} {
		wantError(t, e.call(t, "POST", "/users", c.body), c.status, c.code, c.message)
	}
	r := e.call(t, "POST", "/users", map[string]any{"connection": auth0apitest.PasswordlessConnection, "email": "otp@example.com"})
	if r.status != http.StatusCreated {
		t.Fatalf("passwordless create: %d %s", r.status, r.raw)
	}
	ident := r.object(t)["identities"].([]any)[0].(map[string]any)
	if ident["provider"] != "email" || ident["connection"] != "email" {
		t.Errorf("identity = %v", ident)
	}
}

func TestDeleteAndRelations(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	bare := "/users/" + esc(auth0apitest.FixtureBareUserID)
	roleID := e.tenant.RoleID("helpdesk")
	if r := e.call(t, "POST", bare+"/roles", map[string]any{"roles": []string{roleID}}); r.status != http.StatusNoContent || len(r.raw) != 0 {
		t.Errorf("POST roles: %d %q", r.status, r.raw)
	}
	roles := e.call(t, "GET", bare+"/roles?include_totals=true&per_page=50", nil).object(t)
	if !slices.Equal(keysOf(roles), []string{"limit", "roles", "start", "total"}) || roles["total"] != float64(1) {
		t.Errorf("roles envelope = %v", roles)
	}
	perm := map[string]any{"permissions": []any{map[string]any{"resource_server_identifier": "https://api.acme.example/orders", "permission_name": "read:orders"}}}
	if r := e.call(t, "POST", bare+"/permissions", perm); r.status != http.StatusCreated || string(r.raw) != "{}" {
		t.Errorf("POST permissions: %d %q", r.status, r.raw)
	}
	perms := e.call(t, "GET", bare+"/permissions", nil).array(t)
	if len(perms) != 1 || perms[0].(map[string]any)["resource_server_name"] != "Orders API" {
		t.Errorf("permissions = %v", perms)
	}
	orgs := e.call(t, "GET", "/users/"+esc(auth0apitest.FixtureUserID)+"/organizations?include_totals=true", nil).object(t)
	if !slices.Equal(keysOf(orgs), []string{"limit", "organizations", "start", "total"}) || orgs["total"] != float64(2) {
		t.Errorf("organizations = %v", orgs)
	}
	if r := e.call(t, "DELETE", bare, nil); r.status != http.StatusNoContent {
		t.Errorf("DELETE: %d", r.status)
	}
	if r := e.call(t, "DELETE", bare, nil); r.status != http.StatusNoContent {
		t.Errorf("DELETE again: %d", r.status)
	}
	wantError(t, e.call(t, "GET", bare, nil), http.StatusNotFound, "inexistent_user", "The user does not exist.")
	if _, ok := e.tenant.User(auth0apitest.FixtureBareUserID); ok {
		t.Error("User still finds the deleted user")
	}
}

func TestAuthenticationMethodsAndMFA(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	ada := "/users/" + esc(auth0apitest.FixtureUserID)
	list := e.call(t, "GET", ada+"/authentication-methods", nil).array(t)
	types := map[string]bool{}
	for _, m := range list {
		mm := m.(map[string]any)
		types[mm["type"].(string)] = true
		if mm["confirmed"] != true {
			t.Errorf("confirmed missing on a GET: %v", mm)
		}
		switch mm["type"] {
		case "email":
			if mm["email"] != "ada.****@exam*******" {
				t.Errorf("email not masked: %v", mm["email"])
			}
		case "phone":
			if mm["phone_number"] != "XXXXXXXXX0123" {
				t.Errorf("phone not masked: %v", mm["phone_number"])
			}
		}
	}
	for _, want := range []string{"totp", "phone", "email", "webauthn-roaming", "webauthn-platform", "passkey", "push", "recovery-code"} {
		if !types[want] {
			t.Errorf("Ada has no %s factor", want)
		}
	}
	enr := e.call(t, "GET", ada+"/enrollments", nil).array(t)
	if len(enr) != 5 { // totp, phone, push, webauthn-roaming, webauthn-platform
		t.Errorf("enrollments = %d: %v", len(enr), enr)
	}
	code := e.call(t, "POST", ada+"/recovery-code-regeneration", nil).object(t)["recovery_code"]
	if !regexp.MustCompile(`^[A-Z0-9]{24}$`).MatchString(code.(string)) {
		t.Errorf("recovery code %q", code)
	}

	bare := "/users/" + esc(auth0apitest.FixtureBareUserID)
	empty := e.call(t, "GET", bare+"/authentication-methods?include_totals=true", nil).object(t)
	if !slices.Equal(keysOf(empty), []string{"authenticators", "limit", "start"}) {
		t.Errorf("empty envelope keys = %v (Auth0 leaves total out)", keysOf(empty))
	}
	created := e.call(t, "POST", bare+"/authentication-methods", map[string]any{"type": "email", "name": "Test", "email": "chuck334@example.com"}).object(t)
	if created["email"] != "chuc****@exam*******" || created["confirmed"] != nil {
		t.Errorf("create answer = %v", created)
	}
	put := e.call(t, "PUT", bare+"/authentication-methods", []any{map[string]any{"type": "phone", "phone_number": "+44207183875044"}}).array(t)
	if put[0].(map[string]any)["phone_number"] != "+44207183875044" {
		t.Errorf("PUT echoes numbers unmasked: %v", put)
	}
	wantError(t, e.call(t, "DELETE", ada+"/authentication-methods", nil), http.StatusForbidden, "",
		"Operation not permitted when the user has registered at least 1 passkey")
	if r := e.call(t, "DELETE", ada+"/authenticators", nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE authenticators: %d", r.status)
	}
	left := e.call(t, "GET", ada+"/authentication-methods", nil).array(t)
	if len(left) != 1 || left[0].(map[string]any)["type"] != "passkey" {
		t.Errorf("after DELETE authenticators: %v", left)
	}
	if u, _ := e.tenant.User(auth0apitest.FixtureUserID); u["multifactor"] != nil {
		t.Errorf("multifactor kept: %v", u["multifactor"])
	}
}

func TestLogs(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	ada := "/users/" + esc(auth0apitest.FixtureUserID)
	logs := e.call(t, "GET", ada+"/logs", nil).array(t)
	if len(logs) != 12 {
		t.Fatalf("logs = %d", len(logs))
	}
	for i := 1; i < len(logs); i++ {
		if logs[i-1].(map[string]any)["date"].(string) < logs[i].(map[string]any)["date"].(string) {
			t.Fatalf("logs not newest first at %d", i)
		}
	}
	page := e.call(t, "GET", ada+"/logs?page=1&per_page=5&include_totals=true&sort=date:1", nil).object(t)
	if !slices.Equal(keysOf(page), []string{"length", "limit", "logs", "start", "total"}) || page["start"] != float64(5) || page["length"] != float64(5) || page["total"] != float64(12) {
		t.Errorf("logs envelope = %v", page)
	}
	first := page["logs"].([]any)[0].(map[string]any)["date"].(string)
	if first != logs[6].(map[string]any)["date"] {
		t.Errorf("date:1 sort: %s", first)
	}
}

func TestCatalogTicketsJobs(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	all := e.call(t, "GET", "/roles?include_totals=true&per_page=100", nil).object(t)
	if all["total"].(float64) < 60 {
		t.Errorf("roles catalog = %v", all["total"])
	}
	page := e.call(t, "GET", "/roles?name_filter=BILLING&per_page=2&page=1&include_totals=true", nil).object(t)
	if page["total"] != float64(5) || len(page["roles"].([]any)) != 2 || page["start"] != float64(2) {
		t.Errorf("name_filter page = %v", page)
	}
	rs := e.call(t, "GET", "/resource-servers", nil).array(t)
	if len(rs) < 4 || rs[0].(map[string]any)["identifier"] != e.tenant.Audience() {
		t.Errorf("resource servers = %v", rs)
	}
	conns := e.call(t, "GET", "/connections?strategy=auth0&strategy=samlp", nil).array(t)
	if len(conns) != 2 {
		t.Errorf("connections by strategy = %v", conns)
	}
	r := e.call(t, "POST", "/tickets/password-change", map[string]any{"user_id": auth0apitest.FixtureUserID, "ttl_sec": 3600, "mark_email_as_verified": true})
	ticket, _ := r.object(t)["ticket"].(string)
	if r.status != http.StatusCreated || !regexp.MustCompile(`^`+regexp.QuoteMeta(e.url)+`/lo/reset\?ticket=\w+#$`).MatchString(ticket) {
		t.Errorf("ticket: %d %q", r.status, ticket)
	}
	if got := e.tenant.Tickets(); len(got) != 1 || got[0].URL != ticket || got[0].Body["user_id"] != auth0apitest.FixtureUserID {
		t.Errorf("Tickets = %+v", got)
	}
	wantError(t, e.call(t, "POST", "/tickets/password-change", map[string]any{"user_id": "auth0|nobody"}), http.StatusNotFound, "inexistent_user", "")
	job := e.call(t, "POST", "/jobs/verification-email", map[string]any{"user_id": auth0apitest.FixtureBlockedUserID}).object(t)
	if job["status"] != "pending" || job["type"] != "verification_email" || job["created_at"] == nil {
		t.Errorf("job = %v", job)
	}
	if got := e.tenant.VerificationJobs(); len(got) != 1 || got[0].ID != job["id"] {
		t.Errorf("VerificationJobs = %+v", got)
	}
	wantError(t, e.call(t, "POST", "/jobs/verification-email", map[string]any{}), http.StatusBadRequest, "invalid_body",
		"Payload validation error: 'Missing required property: user_id'.")
	byEmail := e.call(t, "GET", "/users-by-email?email=ada.lovelace%40example.com", nil).array(t)
	if len(byEmail) != 1 {
		t.Errorf("users-by-email = %v", byEmail)
	}
	if n := len(e.call(t, "GET", "/users-by-email?email=Ada.Lovelace%40example.com", nil).array(t)); n != 0 {
		t.Errorf("users-by-email is case-sensitive, found %d", n)
	}
}

// TestSeededDataIsDeterministic: the same Seed and clock give the same tenant.
func TestSeededDataIsDeterministic(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC) }
	a := auth0apitest.New(auth0apitest.Options{Users: 500, Seed: 42, Now: clock})
	b := auth0apitest.New(auth0apitest.Options{Users: 500, Seed: 42, Now: clock})
	c := auth0apitest.New(auth0apitest.Options{Users: 500, Seed: 43, Now: clock})
	ua, _ := a.User(firstSeededID(t, a))
	ub, _ := b.User(firstSeededID(t, b))
	if !reflect.DeepEqual(ua, ub) {
		t.Errorf("same seed, different users:\n%v\n%v", ua, ub)
	}
	if firstSeededID(t, a) == firstSeededID(t, c) {
		t.Error("different seeds gave the same first user")
	}
	conns := map[string]int{}
	blocked := 0
	for _, u := range allUsers(t, a) {
		ident := u["identities"].([]any)[0].(map[string]any)
		conns[ident["connection"].(string)]++
		if u["blocked"] == true {
			blocked++
		}
	}
	for _, name := range []string{auth0apitest.DatabaseConnection, auth0apitest.SocialConnection, auth0apitest.EnterpriseConnection} {
		if conns[name] < 30 {
			t.Errorf("only %d users in %s", conns[name], name)
		}
	}
	if blocked == 0 {
		t.Error("no blocked users")
	}
}
