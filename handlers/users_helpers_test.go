package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// Helpers for the tests of finding and managing users (issue 5).

// mgmtCalls lists the Management API calls made since the last ResetCalls, as "METHOD /path".
func mgmtCalls(a *testApp) []string {
	var out []string
	for _, c := range a.Tenant.Calls() {
		out = append(out, c.Method+" "+c.Path)
	}
	return out
}

// expectCalls fails unless exactly these Management API calls were made, in this order.
func expectCalls(t *testing.T, a *testApp, want ...string) {
	t.Helper()
	if got := mgmtCalls(a); !slices.Equal(got, want) {
		t.Errorf("Management API calls:\n got %q\nwant %q", got, want)
	}
}

// lastCall returns the last Management API call with this method and path prefix.
func lastCall(t *testing.T, a *testApp, method, pathPrefix string) auth0apitest.Call {
	t.Helper()
	calls := a.Tenant.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Method == method && strings.HasPrefix(calls[i].Path, pathPrefix) {
			return calls[i]
		}
	}
	t.Fatalf("no %s %s… call among %q", method, pathPrefix, mgmtCalls(a))
	return auth0apitest.Call{}
}

// expectAudit fails unless exactly one audit event was written, with this event, outcome and
// target; it returns the event.
func expectAudit(t *testing.T, a *testApp, event, outcome, target string) map[string]any {
	t.Helper()
	events := a.auditEvents(t)
	if len(events) != 1 {
		t.Fatalf("audit events = %d, want 1: %v", len(events), events)
	}
	ev := events[0]
	if ev["event"] != event || ev["outcome"] != outcome || ev["target"] != target {
		t.Errorf("audit = %v %v %v, want %s %s %s (%v)", ev["event"], ev["outcome"], ev["target"], event, outcome, target, ev)
	}
	return ev
}

// reset forgets the calls, audit events and logs so far.
func reset(a *testApp) {
	a.Tenant.ResetCalls()
	a.Audit.Reset()
}

// post sends a form the way the page does: as htmx (with the CSRF header) or as a plain form
// (with the _csrf field).
func post(t *testing.T, b *browser, path string, form url.Values, htmx bool) (*http.Response, string) {
	t.Helper()
	token := b.csrfToken(t)
	b.app.Tenant.ResetCalls() // csrfToken loads /users
	b.app.Audit.Reset()
	if form == nil {
		form = url.Values{}
	}
	headers := b.sameOriginHeaders()
	if htmx {
		headers = append(headers, "HX-Request", "true", "X-CSRF-Token", token)
	} else {
		form.Set("_csrf", token)
	}
	return b.send(t, http.MethodPost, path, form, headers...)
}

// htmxGet is a GET as htmx sends it.
func htmxGet(t *testing.T, b *browser, path string, extra ...string) (*http.Response, string) {
	t.Helper()
	return b.get(t, path, append([]string{"HX-Request", "true"}, extra...)...)
}

// escapedUser is the Management API path of a user.
func escapedUser(id string) string { return "/users/" + url.PathEscape(id) }

// inputValue returns the value attribute of the input named name in a page, unescaped.
func inputValue(t *testing.T, body, name string) string {
	t.Helper()
	re := regexp.MustCompile(`<input[^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*value="([^"]*)"`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		re = regexp.MustCompile(`<input[^>]*value="([^"]*)"[^>]*name="` + regexp.QuoteMeta(name) + `"`)
		if m = re.FindStringSubmatch(body); m == nil {
			t.Fatalf("no input %q with a value in:\n%.2000s", name, body)
		}
	}
	return htmlUnescape(m[1])
}

// textareaValue returns the text of the textarea named name, unescaped.
func textareaValue(t *testing.T, body, name string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<textarea[^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*>(.*?)</textarea>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no textarea %q", name)
	}
	return htmlUnescape(m[1])
}

// staffID is the tenant user id of a test persona.
func staffID(persona string) string { return auth0apitest.StaffUserID(testAccounts[persona]) }
