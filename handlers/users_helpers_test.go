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

// expectCalls fails unless exactly these Management API calls were made, in this order; reads
// made at once (consecutive GETs, as the gate and the sections make them) may come in any
// order among themselves.
func expectCalls(t *testing.T, a *testApp, want ...string) {
	t.Helper()
	if got := mgmtCalls(a); !slices.Equal(sortReadRuns(got), sortReadRuns(want)) {
		t.Errorf("Management API calls:\n got %q\nwant %q", got, want)
	}
}

// sortReadRuns sorts each run of consecutive GET calls (a copy).
func sortReadRuns(calls []string) []string {
	out := slices.Clone(calls)
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && strings.HasPrefix(out[j], "GET ") {
			j++
		}
		slices.Sort(out[i:j])
		i = max(j, i+1)
	}
	return out
}

// gateCalls are the calls (paths without queries, as mgmtCalls gives them) of a change by
// persona to the user at apiPath: for anyone but an admin, the gate's read of the user's roles
// (rolesCheck), then calls.
func gateCalls(persona, apiPath string, calls ...string) []string {
	if persona == "admin" {
		return calls
	}
	return append([]string{"GET " + apiPath + "/roles"}, calls...)
}

// userPageCalls are the Management API calls of a user's whole page (paths without queries):
// the user and their roles, read by the gate, and at once the sections' authentication methods,
// permissions and organizations (userpage.go). Five; the logs load with their tab.
func userPageCalls(apiPath string) []string {
	return []string{"GET " + apiPath, "GET " + apiPath + "/authentication-methods", "GET " + apiPath + "/organizations",
		"GET " + apiPath + "/permissions", "GET " + apiPath + "/roles", "GET " + apiPath + "/sessions",
		"GET /user-blocks/" + strings.TrimPrefix(apiPath, "/users/")}
}

// rolesCheck is the gate's read of a user's roles before a change by someone other than an
// admin (staff and protected users, gate.go).
func rolesCheck(apiPath string) string {
	return "GET " + apiPath + "/roles?include_totals=true&page=0&per_page=100"
}

// firstCall returns the first Management API call with this method and path prefix that is
// not a read of roles.
func firstCall(t *testing.T, a *testApp, method, pathPrefix string) auth0apitest.Call {
	t.Helper()
	for _, c := range a.Tenant.Calls() {
		if c.Method == method && strings.HasPrefix(c.Path, pathPrefix) && !strings.HasSuffix(c.Path, "/roles") {
			return c
		}
	}
	t.Fatalf("no %s %s… call among %q", method, pathPrefix, mgmtCalls(a))
	return auth0apitest.Call{}
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

// expectAudit fails unless the request left exactly the audit trail of one change with this
// event, outcome and target, and returns its last event: a change asked of Auth0 writes its
// attempt and then its outcome (success or failure), with the same request id; a request refused
// before that (denied by a rule, or invalid input: a failure) writes that one event alone.
func expectAudit(t *testing.T, a *testApp, event, outcome, target string) map[string]any {
	t.Helper()
	ev := wantOneChange(t, a.auditEvents(t), event, outcome)
	if ev["target"] != target {
		t.Errorf("audit target = %v, want %s (%v)", ev["target"], target, ev)
	}
	return ev
}

// wantOneChange checks that events are the trail of one change (see expectAudit) and returns
// its last event.
func wantOneChange(t testing.TB, events []map[string]any, event, outcome string) map[string]any {
	t.Helper()
	switch {
	case len(events) == 2 && events[0]["outcome"] == "attempt":
		at, ev := events[0], events[1]
		if outcome == "denied" {
			t.Errorf("a denied change was attempted: %v", events)
		}
		// A creation's attempt has no target yet: Auth0 gives the id.
		if at["request_id"] != ev["request_id"] || at["event"] != ev["event"] || (at["target"] != ev["target"] && at["target"] != "") {
			t.Errorf("attempt and outcome do not match: %v", events)
		}
	case len(events) == 1:
		if outcome == "success" {
			t.Errorf("a successful change wrote no attempt first: %v", events)
		}
	default:
		t.Fatalf("audit events = %d, want one change (an attempt and its outcome, or one refusal): %v", len(events), events)
	}
	ev := events[len(events)-1]
	if ev["event"] != event || ev["outcome"] != outcome {
		t.Errorf("audit = %v %v, want %s %s (%v)", ev["event"], ev["outcome"], event, outcome, ev)
	}
	if len(events) == 2 {
		// The change's details are the attempt's; the outcome adds what Auth0 answered: the
		// event returned holds both, as audit.Record.Summary does.
		merged := map[string]any{}
		for k, v := range ev {
			merged[k] = v
		}
		details := map[string]any{}
		for _, e := range events {
			if d, ok := e["details"].(map[string]any); ok {
				for k, v := range d {
					details[k] = v
				}
			}
		}
		merged["details"] = details
		return merged
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
