package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
)

// editForm loads the edit form (as htmx) and returns its fields as a form to post back.
func editForm(t *testing.T, a *testApp, b *browser, id string) url.Values {
	t.Helper()
	resp, body := htmxGet(t, b, userPath(id, "/edit"))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, `<div id="user-profile"`) {
		t.Fatalf("edit form = %d:\n%.500s", resp.StatusCode, body)
	}
	f := url.Values{}
	for _, name := range []string{"name", "nickname", "given_name", "family_name", "picture", "phone_number", "email", "updated_at", "original"} {
		f.Set(name, inputValue(t, body, name))
	}
	if strings.Contains(body, `name="username"`) {
		f.Set("username", inputValue(t, body, "username"))
	}
	if strings.Contains(body, `name="email_verified" value="true" checked`) {
		f.Set("email_verified", "true")
	}
	f.Set("user_metadata", textareaValue(t, body, "user_metadata"))
	f.Set("app_metadata", textareaValue(t, body, "app_metadata"))
	return f
}

// TestEditForm: the form shows the user's values and their metadata as JSON; a page without
// htmx, the partial with.
func TestEditForm(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	id := auth0apitest.FixtureUserID
	reset(a)
	f := editForm(t, a, b, id)
	expectCalls(t, a, "GET "+escapedUser(id)) // Ada has a username: no need to ask about her connection
	if f.Get("name") != "Ada Lovelace" || f.Get("username") != "ada" || f.Get("email_verified") != "true" || f.Get("phone_number") != "+447700900123" {
		t.Errorf("form = %v", f)
	}
	var meta map[string]any
	must(t, json.Unmarshal([]byte(f.Get("user_metadata")), &meta))
	if meta["theme"] != "dark" || meta["display"].(map[string]any)["fontSize"] != float64(13) {
		t.Errorf("user_metadata editor = %s", f.Get("user_metadata"))
	}
	resp, body := b.get(t, userPath(id, "/edit"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<html") || !strings.Contains(body, `id="edit-form"`) {
		t.Errorf("edit page = %d", resp.StatusCode)
	}

	// A social user has no username to edit and no connection to ask about.
	reset(a)
	g := editForm(t, a, b, auth0apitest.FixtureSocialUserID)
	expectCalls(t, a, "GET "+escapedUser(auth0apitest.FixtureSocialUserID))
	if _, ok := g["username"]; ok {
		t.Error("a Google user has a username field")
	}
	// A database user without a username: the connection is looked up.
	noName := "auth0|nousername"
	a.Tenant.PutUser(map[string]any{"user_id": noName, "email": "nu@example.com", "updated_at": "2025-01-01T00:00:00.000Z",
		"identities": []any{map[string]any{"connection": auth0apitest.DatabaseConnection, "provider": "auth0", "user_id": "nousername"}}})
	reset(a)
	h := editForm(t, a, b, noName)
	expectCalls(t, a, "GET "+escapedUser(noName), "GET /connections")
	if _, ok := h["username"]; !ok {
		t.Error("a user of a connection with usernames has no username field")
	}
}

// TestEditSavesOnlyChanges: the PATCH holds only what changed; metadata keys removed in the
// editor are sent as null; the answer is the new profile and a message; one audit event names
// the fields.
func TestEditSavesOnlyChanges(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	id := auth0apitest.FixtureUserID
	f := editForm(t, a, b, id)
	f.Set("nickname", "countess")
	f.Set("given_name", "") // emptied: removed
	f.Set("user_metadata", `{"locale": "en-GB", "theme": "light", "display": {"fontSize": 13}, "beta": [1, 2.50]}`)
	resp, body := post(t, b, userPath(id, "/edit"), f, true)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, `<div id="user-profile"`) || !strings.Contains(body, "Saved Ada Lovelace: nickname, given name, user metadata.") {
		t.Fatalf("save = %d:\n%.800s", resp.StatusCode, body)
	}
	expectCalls(t, a, "GET "+escapedUser(id), "PATCH "+escapedUser(id))
	var sent map[string]any
	must(t, json.Unmarshal(lastCall(t, a, http.MethodPatch, "/users/").Body, &sent))
	want := map[string]any{
		"nickname": "countess", "given_name": nil,
		"user_metadata": map[string]any{"theme": "light", "beta": []any{float64(1), 2.5}, "newsletter": nil},
	}
	if !sameJSON(sent, want) {
		t.Errorf("PATCH body = %v, want %v", sent, want)
	}
	if raw := string(lastCall(t, a, http.MethodPatch, "/users/").Body); !strings.Contains(raw, `2.50`) {
		t.Errorf("a number lost its digits: %s", raw)
	}
	ev := expectAudit(t, a, "user.update", "success", id)
	if fields := ev["details"].(map[string]any)["fields"]; !sameJSON(fields, []any{"given_name", "nickname", "user_metadata"}) {
		t.Errorf("audit fields = %v", fields)
	}
	u, _ := a.Tenant.User(id)
	meta := u["user_metadata"].(map[string]any)
	if u["nickname"] != "countess" || u["given_name"] != nil || meta["theme"] != "light" || meta["newsletter"] != nil || meta["locale"] != "en-GB" {
		t.Errorf("tenant user = %v", u)
	}

	// Saving again without changes asks Auth0 nothing but the read.
	f = editForm(t, a, b, id)
	resp, body = post(t, b, userPath(id, "/edit"), f, true)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Nothing changed") {
		t.Errorf("no-op save = %d", resp.StatusCode)
	}
	expectCalls(t, a, "GET "+escapedUser(id))

	// A plain form redirects to the user page, which shows the message.
	f.Set("name", "Augusta Ada King")
	resp, _ = post(t, b, userPath(id, "/edit"), f, false)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != userPath(id) {
		t.Errorf("plain save = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := b.get(t, userPath(id)); !strings.Contains(page, "Saved Augusta Ada King: name.") {
		t.Error("the user page does not say what was saved")
	}
}

// TestEditOnlyAllowlistedFields: fields the form does not offer are never sent, whatever the
// request carries (checklist item 41).
func TestEditOnlyAllowlistedFields(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	id := auth0apitest.FixtureBlockedUserID
	f := editForm(t, a, b, id)
	f.Set("name", "Charles B.")
	for k, v := range map[string]string{"blocked": "false", "connection": "x", "password": "P@ssw0rd!xyz", "app_metadata[roles]": "admin",
		"client_id": "abc", "verify_phone_number": "true", "user_id": "auth0|other", "phone_verified": "true"} {
		f.Set(k, v)
	}
	resp, _ := post(t, b, userPath(id, "/edit"), f, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("save = %d", resp.StatusCode)
	}
	if got := string(lastCall(t, a, http.MethodPatch, "/users/").Body); got != `{"name":"Charles B."}` {
		t.Errorf("PATCH body = %s", got)
	}
	if u, _ := a.Tenant.User(id); u["blocked"] != true {
		t.Error("the user was unblocked through the edit form")
	}
}

// TestEditRefusesBadInput: invalid JSON, oversized or too deep metadata, a non-object, bad
// URLs and phones are refused beside their field with everything typed kept, and nothing is
// asked of Auth0 (checklist item 55).
func TestEditRefusesBadInput(t *testing.T) {
	a := newTestApp(t, manyChanges)
	b := a.signIn(t, "admin")
	id := auth0apitest.FixtureUserID
	base := editForm(t, a, b, id)
	deep := strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)
	tests := []struct {
		field, value, want string
	}{
		{"user_metadata", `{"theme": "dark",}`, "not valid JSON"},
		{"user_metadata", `{"theme": "dark"`, "ends too early"},
		{"app_metadata", `["a", "b"]`, "must be a JSON object"},
		{"app_metadata", `"text"`, "must be a JSON object"},
		{"user_metadata", `{"a": 1} {"b": 2}`, "more after"},
		{"user_metadata", `{"big": "` + strings.Repeat("x", 17<<10) + `"}`, "at most 16 KB"},
		{"user_metadata", deep, "nested at most 10 levels"},
		{"user_metadata", `{"a.b": 1}`, "holds a dot"},
		{"app_metadata", `{"$set": 1}`, "starts with $"},
		{"picture", "javascript:alert(1)", "https://"},
		{"phone_number", "0044 7700", "international format"},
		{"name", strings.Repeat("n", 301), "at most 300"},
		{"email", "not-an-address", "not an e-mail address"},
		{"username", "two words", "no spaces"},
		{"updated_at", "", "Reload the page"},
	}
	for _, tt := range tests {
		for _, htmx := range []bool{true, false} {
			f := url.Values{}
			for k, v := range base {
				f[k] = v
			}
			f.Set(tt.field, tt.value)
			resp, body := post(t, b, userPath(id, "/edit"), f, htmx)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tt.want) {
				t.Errorf("%s=%.40q (htmx %v) = %d, want 422 with %q:\n%.600s", tt.field, tt.value, htmx, resp.StatusCode, tt.want, body)
				continue
			}
			expectCalls(t, a, "GET "+escapedUser(id)) // the gate reads the user; nothing is changed
			expectAudit(t, a, "user.update", "failure", id)
			if tt.field == "updated_at" {
				continue
			}
			if !strings.Contains(body, `id="error-`+tt.field+`"`) {
				t.Errorf("%s: the message is not beside the field", tt.field)
			}
			var kept string
			if strings.HasSuffix(tt.field, "metadata") {
				kept = textareaValue(t, body, tt.field)
			} else {
				kept = inputValue(t, body, tt.field)
			}
			if kept != tt.value {
				t.Errorf("%s: typed value not kept: %.60q", tt.field, kept)
			}
			if htmx && !strings.HasPrefix(body, `<div id="user-profile"`) {
				t.Errorf("%s: the htmx answer is not the form", tt.field)
			}
		}
	}

	// Username and e-mail at once: Auth0 refuses both together, so userdesk says so first.
	f := url.Values{}
	for k, v := range base {
		f[k] = v
	}
	f.Set("username", "ada2")
	f.Set("email", "ada2@example.com")
	resp, body := post(t, b, userPath(id, "/edit"), f, true)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "username and the e-mail address at once") {
		t.Errorf("username and e-mail = %d", resp.StatusCode)
	}
	expectCalls(t, a, "GET "+escapedUser(id))
}

// TestEditAuth0Refusal: Auth0's refusal of the PATCH shows beside the field it names, with
// everything typed kept.
func TestEditAuth0Refusal(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	id := auth0apitest.FixtureUserID
	f := editForm(t, a, b, id)
	f.Set("nickname", "a new nickname")
	f.Set("user_metadata", `{"kept": "as typed"}`)
	a.Tenant.Fail("PATCH /users/{id}", auth0apitest.Fault{Status: http.StatusBadRequest, Times: 1,
		Body: `{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'String is too long' on property nickname (Preferred nickname).","errorCode":"invalid_body"}`})
	resp, body := post(t, b, userPath(id, "/edit"), f, true)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="error-nickname"`) || !strings.Contains(body, "String is too long") {
		t.Fatalf("refusal = %d:\n%.800s", resp.StatusCode, body)
	}
	if inputValue(t, body, "nickname") != "a new nickname" || textareaValue(t, body, "user_metadata") != `{"kept": "as typed"}` {
		t.Error("typed values were not kept")
	}
	expectCalls(t, a, "GET "+escapedUser(id), "PATCH "+escapedUser(id))
	expectAudit(t, a, "user.update", "failure", id)

	// A refusal about nothing in particular shows above the form.
	a.Tenant.Fail("PATCH /users/{id}", auth0apitest.Fault{Status: http.StatusTooManyRequests, Times: 1})
	resp, body = post(t, b, userPath(id, "/edit"), f, true)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, `id="edit-problem"`) || !strings.Contains(body, "Try again in") {
		t.Errorf("rate limit = %d:\n%.600s", resp.StatusCode, body)
	}
}

// TestEditConflict: when the user changed in Auth0 after the form was loaded (updated_at),
// nothing is saved; the form shows what changed, keeps what was typed, and saving again applies.
func TestEditConflict(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	id := auth0apitest.FixtureUserID
	f := editForm(t, a, b, id)
	f.Set("nickname", "my nickname")

	// Someone else renames her meanwhile.
	u, _ := a.Tenant.User(id)
	u["name"] = "Ada King"
	u["user_metadata"].(map[string]any)["theme"] = "solarized"
	u["updated_at"] = a.Clock.Now().Add(time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")
	a.Tenant.PutUser(u)

	resp, body := post(t, b, userPath(id, "/edit"), f, true)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `id="edit-conflict"`) {
		t.Fatalf("conflict = %d:\n%.800s", resp.StatusCode, body)
	}
	expectCalls(t, a, "GET "+escapedUser(id))
	expectAudit(t, a, "user.update", "failure", id)
	for _, want := range []string{"<th scope=\"row\">Name</th>", "Ada Lovelace", "Ada King", "<th scope=\"row\">User metadata</th>", "solarized", "Save my changes anyway"} {
		if !strings.Contains(body, want) {
			t.Errorf("conflict lacks %s", want)
		}
	}
	if strings.Contains(body, "<th scope=\"row\">Nickname</th>") {
		t.Error("the diff shows a field that did not change in Auth0")
	}
	if inputValue(t, body, "nickname") != "my nickname" || inputValue(t, body, "name") != "Ada Lovelace" {
		t.Error("what was typed was not kept")
	}
	if u, _ := a.Tenant.User(id); u["nickname"] != "ada" {
		t.Error("the conflicting save changed the user")
	}

	// Saving the form as it came back applies the typed values over the new ones.
	g := url.Values{}
	for _, name := range []string{"name", "nickname", "given_name", "family_name", "picture", "phone_number", "email", "updated_at", "original", "username"} {
		g.Set(name, inputValue(t, body, name))
	}
	g.Set("email_verified", "true")
	g.Set("user_metadata", textareaValue(t, body, "user_metadata"))
	g.Set("app_metadata", textareaValue(t, body, "app_metadata"))
	g.Set("name", "Ada King") // they take the other change on board
	resp, _ = post(t, b, userPath(id, "/edit"), g, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("second save = %d", resp.StatusCode)
	}
	var sent map[string]any
	must(t, json.Unmarshal(lastCall(t, a, http.MethodPatch, "/users/").Body, &sent))
	if !sameJSON(sent, map[string]any{"nickname": "my nickname", "user_metadata": map[string]any{"theme": "dark"}}) {
		t.Errorf("second PATCH = %v", sent)
	}
}

// TestEditRefusesHugeBodies: a body over the server's limit is refused before the handler, and
// so before any Management API call (checklist item 55).
func TestEditRefusesHugeBodies(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	f := url.Values{"user_metadata": {`{"x": "` + strings.Repeat("a", 1<<20) + `"}`}}
	resp, _ := post(t, b, userPath(auth0apitest.FixtureUserID, "/edit"), f, true)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("1 MB body = %d, want 413", resp.StatusCode)
	}
	expectCalls(t, a)
}
