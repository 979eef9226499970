package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"userdesk/auth0api/auth0apitest"
)

// TestCreateForm: the form offers the database and e-mail connections.
func TestCreateForm(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	reset(a)
	resp, body := b.get(t, "/users/new")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="create-form"`) {
		t.Fatalf("form = %d", resp.StatusCode)
	}
	expectCalls(t, a, "GET /connections")
	if q := lastCall(t, a, http.MethodGet, "/connections").Query; strings.Join(q["strategy"], ",") != "auth0,email" {
		t.Errorf("connections query = %v", q)
	}
	for _, want := range []string{`value="` + auth0apitest.DatabaseConnection + `"`, `value="email"`, "Needed for", `data-generate-password="field-password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	if strings.Contains(body, `value="`+auth0apitest.SocialConnection+`"`) {
		t.Error("the form offers a social connection")
	}
}

// TestCreateUser: a valid form creates the user and goes to their page by id (checklist item
// 84) with a message; the password is sent to Auth0 and nowhere else.
func TestCreateUser(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	const password = "Correct-Horse-42-battery"
	form := url.Values{
		"connection": {auth0apitest.DatabaseConnection}, "email": {"new.person@example.com"}, "username": {"newperson"},
		"password": {password}, "name": {"New Person"}, "verify_email": {"true"},
		"user_metadata": {`{"locale": "fr"}`}, "app_metadata": {`{"plan": "trial"}`},
		"blocked": {"true"}, "user_id": {"chosen-id"}, // not offered by the form: never sent
	}
	resp, body := post(t, b, "/users", form, false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create = %d:\n%.800s", resp.StatusCode, body)
	}
	expectCalls(t, a, "GET /connections", "POST /users")
	var sent map[string]any
	must(t, json.Unmarshal(lastCall(t, a, http.MethodPost, "/users").Body, &sent))
	want := map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "new.person@example.com", "username": "newperson",
		"password": password, "name": "New Person", "verify_email": true,
		"user_metadata": map[string]any{"locale": "fr"}, "app_metadata": map[string]any{"plan": "trial"}}
	if !sameJSON(sent, want) {
		t.Errorf("POST /users body = %v", sent)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "/users/auth0%7C") {
		t.Fatalf("redirect to %q", loc)
	}
	ev := expectAudit(t, a, "user.create", "success", mustUnescape(t, strings.TrimPrefix(loc, "/users/")))
	if d := ev["details"].(map[string]any); d["connection"] != auth0apitest.DatabaseConnection || d["password_generated"] != false {
		t.Errorf("audit details = %v", d)
	}
	for what, text := range map[string]string{"audit": a.Audit.String(), "logs": a.Logs.String()} {
		if strings.Contains(text, password) {
			t.Errorf("the password is in the %s", what)
		}
	}
	_, page := b.get(t, loc)
	if !strings.Contains(page, "Created new.person@example.com.") || !strings.Contains(page, "New Person") {
		t.Errorf("the new user's page:\n%.600s", page)
	}
}

// TestCreateGeneratesAPassword: with no password typed for a database connection, a strong
// random one is sent, and the message says nobody knows it.
func TestCreateGeneratesAPassword(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	resp, _ := post(t, b, "/users", url.Values{"connection": {auth0apitest.DatabaseConnection}, "email": {"gen@example.com"}, "username": {"gen"}}, false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create = %d", resp.StatusCode)
	}
	var sent map[string]any
	must(t, json.Unmarshal(lastCall(t, a, http.MethodPost, "/users").Body, &sent))
	pw, _ := sent["password"].(string)
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	if len(pw) != 24 || !lower || !upper || !digit || !other {
		t.Errorf("generated password %q is weak", pw)
	}
	if strings.Contains(a.Audit.String()+a.Logs.String(), pw) {
		t.Error("the generated password was logged")
	}
	_, page := b.get(t, resp.Header.Get("Location"))
	if !strings.Contains(page, "Nobody knows their password") {
		t.Error("the message does not say the password is unknown")
	}
	if p1, p2 := randomPassword(), randomPassword(); p1 == p2 {
		t.Error("two generated passwords are equal")
	}
}

// TestCreateRefusals: mistakes are refused before asking Auth0, Auth0's refusals (duplicate,
// weak password) come back beside their field, and everything typed is kept.
func TestCreateRefusals(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	valid := func() url.Values {
		return url.Values{"connection": {auth0apitest.DatabaseConnection}, "email": {"someone@example.com"}, "username": {"someone"},
			"password": {"Str0ng-enough-pw"}, "name": {"Some One"}, "user_metadata": {`{"a": 1}`},
			"connection_choices": {`[{"Name":"Username-Password-Authentication","Label":"Email and password","RequiresUsername":true},{"Name":"email","Label":"Email code","Passwordless":true}]`}}
	}
	tests := []struct {
		name   string
		edit   func(url.Values)
		status int
		field  string
		want   string
		calls  []string
	}{
		{"no e-mail", func(f url.Values) { f.Del("email") }, 422, "email", "Type the user", nil},
		{"no connection", func(f url.Values) { f.Del("connection") }, 422, "connection", "Choose a connection", nil},
		{"bad metadata", func(f url.Values) { f.Set("user_metadata", "{nope}") }, 422, "user_metadata", "not valid JSON", nil},
		{"metadata not an object", func(f url.Values) { f.Set("app_metadata", "[1]") }, 422, "app_metadata", "JSON object", nil},
		{"password too long", func(f url.Values) { f.Set("password", strings.Repeat("Aa1!", 19)) }, 422, "password", "72 bytes", nil},
		{"unknown connection", func(f url.Values) { f.Set("connection", "google-oauth2") }, 422, "connection", "choose one of the list", []string{"GET /connections"}},
		{"username needed", func(f url.Values) { f.Del("username") }, 422, "username", "type one", []string{"GET /connections"}},
		{"password on passwordless", func(f url.Values) { f.Set("connection", "email"); f.Del("username") }, 422, "password", "no passwords", []string{"GET /connections"}},
		{"weak password", func(f url.Values) { f.Set("password", "weak") }, 400, "password", "PasswordStrengthError", []string{"GET /connections", "POST /users"}},
		{"duplicate", func(f url.Values) { f.Set("email", "ada.lovelace@example.com") }, 409, "email", "already exists", []string{"GET /connections", "POST /users"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid()
			tt.edit(f)
			resp, body := post(t, b, "/users", f, false)
			if resp.StatusCode != tt.status || !strings.Contains(body, `id="error-`+tt.field+`"`) || !strings.Contains(body, tt.want) {
				t.Fatalf("= %d, want %d with %q beside %s:\n%.1500s", resp.StatusCode, tt.status, tt.want, tt.field, body)
			}
			expectCalls(t, a, tt.calls...)
			expectAudit(t, a, "user.create", "failure", "")
			if f.Get("name") != "" && inputValue(t, body, "name") != f.Get("name") {
				t.Error("the name typed was not kept")
			}
			if got := textareaValue(t, body, "user_metadata"); got != f.Get("user_metadata") {
				t.Errorf("metadata typed was not kept: %q", got)
			}
			if f.Get("connection") != "" && tt.name != "unknown connection" && !strings.Contains(body, `value="`+f.Get("connection")+`" selected`) {
				t.Error("the connection chosen was not kept")
			}
			if !strings.Contains(body, `value="email"`) {
				t.Error("the connection choices were lost")
			}
		})
	}
}

func mustUnescape(t *testing.T, s string) string {
	t.Helper()
	u, err := url.PathUnescape(s)
	must(t, err)
	return u
}
