package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// xssPayloads is checklist item 48's corpus.
var xssPayloads = []string{
	`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `'"><svg/onload=alert(1)>`,
	`" hx-get="/users/x/delete" hx-trigger="load`, `{{7*7}}`, `</textarea><script>alert(1)</script>`,
	`<iframe srcdoc="<script>alert(1)</script>">`,
}

// hostileUser is a user whose every field an attacker could set holds the corpus.
func hostileUser(id string) map[string]any {
	meta := map[string]any{}
	for i, p := range xssPayloads {
		meta[p] = p
		meta["k"+string(rune('a'+i))] = map[string]any{"nested": p}
	}
	return map[string]any{
		"user_id":      id,
		"name":         xssPayloads[0] + " " + xssPayloads[1],
		"nickname":     xssPayloads[3],
		"given_name":   xssPayloads[2],
		"family_name":  xssPayloads[5],
		"username":     xssPayloads[4],
		"email":        `"<svg/onload=alert(1)>"@example.com`,
		"picture":      "javascript:alert(1)",
		"phone_number": xssPayloads[6],
		"last_ip":      xssPayloads[1],
		"updated_at":   "2025-01-01T00:00:00.000Z",
		"identities": []any{map[string]any{
			"connection": xssPayloads[3], "provider": "auth0", "user_id": xssPayloads[0], "isSocial": false,
			"profileData": map[string]any{"name": xssPayloads[1]},
		}},
		"user_metadata": meta,
		"app_metadata":  map[string]any{"role": xssPayloads[6], "url": "javascript:alert(1)"},
	}
}

// live are what the corpus must never become in a page: tags, attributes or URLs that act.
var live = []string{
	"<script>alert", "<img src=x", "<svg/onload", "<svg onload", "<iframe", `hx-get="/users/x/delete"`,
	`hx-trigger="load"`, `src="javascript:`, `href="javascript:`, `src="data:`,
}

// TestUsersPagesRenderHostileDataInert: a user whose name, e-mail, metadata, identities and
// picture hold XSS payloads and htmx attributes renders as inert text on every page and partial
// of finding and managing users (checklist item 48).
func TestUsersPagesRenderHostileDataInert(t *testing.T) {
	a := newTestApp(t, remotePictures)
	id := `auth0|x"><script>alert(1)</script>`
	a.Tenant.PutUser(hostileUser(id))
	b := a.signIn(t, "admin")
	page := userPath(id)

	type answer struct{ name, body string }
	var answers []answer
	get := func(name, path string, htmx bool) {
		var resp *http.Response
		var body string
		if htmx {
			resp, body = htmxGet(t, b, path)
		} else {
			resp, body = b.get(t, path)
		}
		if resp.StatusCode >= 500 {
			t.Errorf("%s: %d", name, resp.StatusCode)
		}
		answers = append(answers, answer{name, body})
	}
	search := "/users?user_id=" + url.QueryEscape(id)
	get("search page", search, false)
	get("search partial", search, true)
	get("search by id", "/users?q="+url.QueryEscape(id), true)
	get("hostile search text", "/users?q="+url.QueryEscape(xssPayloads[1])+"&raw="+url.QueryEscape(xssPayloads[3]), false)
	get("user page", page, false)
	get("profile partial", page, true)
	get("edit page", userPath(id, "/edit"), false)
	get("edit partial", userPath(id, "/edit"), true)

	// Forms that come back with what was typed: the delete confirmation, the edit form with
	// hostile values and a conflict whose diff shows them, the create form.
	_, body := post(t, b, userPath(id, "/delete"), url.Values{"confirm": {xssPayloads[1]}}, true)
	answers = append(answers, answer{"delete refused", body})
	f := editForm(t, a, b, id)
	f.Set("user_metadata", xssPayloads[5])
	_, body = post(t, b, userPath(id, "/edit"), f, true)
	answers = append(answers, answer{"edit refused", body})
	u, _ := a.Tenant.User(id)
	u["name"] = xssPayloads[2]
	u["updated_at"] = a.Clock.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	a.Tenant.PutUser(u)
	f.Set("user_metadata", "{}")
	_, body = post(t, b, userPath(id, "/edit"), f, false)
	answers = append(answers, answer{"edit conflict", body})
	_, body = post(t, b, "/users", url.Values{"connection": {xssPayloads[3]}, "email": {xssPayloads[1]}, "name": {xssPayloads[0]},
		"app_metadata": {xssPayloads[5]}, "connection_choices": {`[{"Name":"` + strings.ReplaceAll(xssPayloads[3], `"`, `\"`) + `","Label":"<script>alert(1)</script>"}]`}}, false)
	answers = append(answers, answer{"create refused", body})

	for _, ans := range answers {
		if !strings.Contains(ans.body, "&lt;") {
			t.Errorf("%s: the payload is not shown at all:\n%.500s", ans.name, ans.body)
		}
		for _, bad := range live {
			if strings.Contains(ans.body, bad) {
				i := strings.Index(ans.body, bad)
				t.Errorf("%s: %q rendered live: …%s…", ans.name, bad, ans.body[max(0, i-120):min(len(ans.body), i+80)])
			}
		}
	}
	for _, ans := range answers[4:6] { // the user page and its partial
		if !strings.Contains(ans.body, `src="about:invalid#TemplFailedSanitizationURL"`) {
			t.Errorf("%s: the javascript: picture was not neutralised", ans.name)
		}
		if !strings.Contains(ans.body, "{{7*7}}") {
			t.Errorf("%s: the template-injection payload is not shown literally", ans.name)
		}
	}
}
