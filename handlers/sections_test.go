package handlers

// Tests of the user page's sections (issue 6) shared by the factors, roles, permissions,
// organizations and logs tests: rendering for every role, failing on its own, and the helpers
// they use.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
	"userdesk/views"
)

// The fixture users of the emulated tenant, escaped as they appear in paths.
var (
	adaPath   = "/users/" + url.PathEscape(auth0apitest.FixtureUserID)
	adaAPI    = "/users/" + strings.ReplaceAll(url.PathEscape(auth0apitest.FixtureUserID), "/", "%2F")
	gracePath = "/users/" + url.PathEscape(auth0apitest.FixtureSocialUserID)
	graceAPI  = "/users/" + url.PathEscape(auth0apitest.FixtureSocialUserID)
)

// secHTMX are the headers of an htmx request for a partial.
var secHTMX = []string{"HX-Request", "true"}

// secGet GETs a section partial as htmx does.
func secGet(t testing.TB, b *browser, path string) (*http.Response, string) {
	t.Helper()
	return b.get(t, path, secHTMX...)
}

// secChange sends a change as htmx does (same origin, CSRF token, form body) after resetting
// the tenant's calls and the audit log, and returns the answer.
func secChange(t *testing.T, a *testApp, b *browser, method, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	headers := append(append([]string{"X-CSRF-Token", b.csrfToken(t)}, secHTMX...), b.sameOriginHeaders()...)
	a.Tenant.ResetCalls()
	a.Audit.Reset()
	if form != nil && (method == http.MethodDelete || method == http.MethodGet) {
		path += "?" + form.Encode() // htmx sends a DELETE's values in the query
		form = nil
	}
	return b.send(t, method, path, form, headers...)
}

// secCalls are the tenant's recorded calls as "METHOD path?query" (query sorted).
func secCalls(a *testApp) []string {
	var out []string
	for _, c := range a.Tenant.Calls() {
		s := c.Method + " " + c.Path
		if len(c.Query) > 0 {
			s += "?" + c.Query.Encode()
		}
		out = append(out, s)
	}
	return out
}

// secCallBodies are the bodies of the tenant's recorded calls with method.
func secCallBodies(a *testApp, method string) []string {
	var out []string
	for _, c := range a.Tenant.Calls() {
		if c.Method == method {
			out = append(out, string(c.Body))
		}
	}
	return out
}

// wantCalls checks the calls made: first the changes in order (non-GET), then the reads in any
// order (a section reads in parallel).
func wantCalls(t *testing.T, a *testApp, changes []string, reads ...string) {
	t.Helper()
	var gotChanges, gotReads []string
	for _, c := range secCalls(a) {
		if strings.HasPrefix(c, "GET ") {
			gotReads = append(gotReads, c)
		} else {
			gotChanges = append(gotChanges, c)
		}
	}
	slices.Sort(gotReads)
	reads = slices.Clone(reads)
	slices.Sort(reads)
	if !slices.Equal(gotChanges, changes) {
		t.Errorf("changes = %q\nwant      %q", gotChanges, changes)
	}
	if !slices.Equal(gotReads, reads) {
		t.Errorf("reads = %q\nwant    %q", gotReads, reads)
	}
}

// factorReads are the calls that read the factors section of the user at apiPath.
func factorReads(apiPath string) []string {
	return []string{
		"GET " + apiPath + "/authentication-methods",
		"GET " + apiPath + "?fields=user_id%2Cname%2Cemail%2Cmultifactor&include_fields=true",
	}
}

// wantOneAudit checks that the audit trail is that of one change, with event and outcome
// (expectAudit), and returns its last event.
func wantOneAudit(t *testing.T, a *testApp, event, outcome string) map[string]any {
	t.Helper()
	return wantOneChange(t, a.auditEvents(t), event, outcome)
}

// auditDetails returns an audit event's details.
func auditDetails(ev map[string]any) map[string]any {
	d, _ := ev["details"].(map[string]any)
	return d
}

// sectionRoot matches the root element of a section partial.
func sectionRoot(id string) *regexp.Regexp {
	return regexp.MustCompile(`^<section id="` + regexp.QuoteMeta(id) + `" class="user-section"`)
}

// TestSectionsRenderForEveryRole: every role reads every section of a user; each answer is the
// section's partial (root element with its id), made of GETs only, and shows only the
// controls the role may use.
func TestSectionsRenderForEveryRole(t *testing.T) {
	a := newTestApp(t)
	controls := map[string]map[string][]string{
		"viewer":   {"hidden": {"factor-remove", "factors-reset", "factors-recovery-code", "factor-admin-add", "role-remove", "roles-picker-open", "permission-remove", "permissions-picker-open"}},
		"helpdesk": {"shown": {"factor-remove", "factors-reset", "factors-invalidate-browsers", "factors-recovery-code"}, "hidden": {"factor-admin-add", "factor-edit", "role-remove", "roles-picker-open", "permission-remove", "permissions-picker-open"}},
		"admin":    {"shown": {"factor-remove", "factors-reset", "factor-admin-add", "factor-admin-replace", "factor-edit", "role-remove", "roles-picker-open", "permission-remove", "permissions-picker-open"}},
	}
	for _, persona := range []string{"viewer", "helpdesk", "admin"} {
		t.Run(persona, func(t *testing.T) {
			b := a.signIn(t, persona)
			var all strings.Builder
			for _, sec := range everyonesSections() {
				a.Tenant.ResetCalls()
				a.Audit.Reset()
				resp, body := secGet(t, b, views.SectionURL(auth0apitest.FixtureUserID, sec))
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s = %d:\n%s", sec.Path, resp.StatusCode, body)
				}
				if !sectionRoot(sec.ID).MatchString(body) || strings.Contains(body, "<html") {
					t.Errorf("%s: not the section partial:\n%.300s", sec.Path, body)
				}
				for _, c := range a.Tenant.Calls() {
					if c.Method != http.MethodGet {
						t.Errorf("%s made a %s call", sec.Path, c.Method)
					}
				}
				if events := a.auditEvents(t); len(events) != 0 {
					t.Errorf("%s wrote audit events: %v", sec.Path, events)
				}
				all.WriteString(body)
			}
			for _, c := range controls[persona]["shown"] {
				if !strings.Contains(all.String(), c) {
					t.Errorf("%s does not see %s", persona, c)
				}
			}
			for _, c := range controls[persona]["hidden"] {
				if strings.Contains(all.String(), c) {
					t.Errorf("%s sees %s", persona, c)
				}
			}
		})
	}
}

// TestSectionCalls: each section reads exactly what it shows, with paging parameters.
func TestSectionCalls(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	tests := []struct {
		path  string
		calls []string
	}{
		{"factors", factorReads(adaAPI)},
		{"roles", []string{"GET " + adaAPI + "/roles?include_totals=true&page=0&per_page=25"}},
		{"roles?page=2", []string{"GET " + adaAPI + "/roles?include_totals=true&page=2&per_page=25"}},
		{"permissions", []string{"GET " + adaAPI + "/permissions?include_totals=true&page=0&per_page=25"}},
		{"organizations?page=1", []string{"GET " + adaAPI + "/organizations?include_totals=true&page=1&per_page=25"}},
		{"logs", []string{"GET " + adaAPI + "/logs?include_totals=true&page=0&per_page=25&sort=date%3A-1"}},
		{"logs?page=x", []string{"GET " + adaAPI + "/logs?include_totals=true&page=0&per_page=25&sort=date%3A-1"}},
	}
	for _, tt := range tests {
		a.Tenant.ResetCalls()
		resp, body := secGet(t, b, adaPath+"/"+tt.path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s = %d:\n%s", tt.path, resp.StatusCode, body)
		}
		wantCalls(t, a, nil, tt.calls...)
	}
}

// TestSectionAsPage: a section opened without htmx is a page of its own, with the layout and a
// way back to the user.
func TestSectionAsPage(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	resp, body := b.get(t, adaPath+"/roles")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<html") || !strings.Contains(body, `id="section-roles"`) ||
		!strings.Contains(body, `href="`+adaPath+`"`) {
		t.Errorf("GET roles without htmx = %d:\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(resp.Header.Get("Vary"), "HX-Request") {
		t.Errorf("Vary = %q", resp.Header.Get("Vary"))
	}
}

// sectionFaultRoutes names, per section, one Management API route it calls (to inject faults).
var sectionFaultRoutes = map[string]string{
	"factors":       "GET /users/{id}/authentication-methods",
	"roles":         "GET /users/{id}/roles",
	"permissions":   "GET /users/{id}/permissions",
	"organizations": "GET /users/{id}/organizations",
	"logs":          "GET /users/{id}/logs",
	// Account security (issue 12).
	"lockouts":       "GET /user-blocks/{id}",
	"sessions":       "GET /users/{id}/sessions",
	"refresh-tokens": "GET /users/{id}/refresh-tokens",
	"applications":   "GET /grants",
}

// TestSectionFailsOnItsOwn: a missing scope (403), a rate limit (429), a server error and a
// malformed answer, injected on one section's route, show inside that section only (its id, an
// alert in plain words, a retry button that fetches it again), while the other sections load
// as usual.
func TestSectionFailsOnItsOwn(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	routeOf := sectionFaultRoutes
	scopeBody := `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:logs,read:logs_users","errorCode":"insufficient_scope"}`
	faults := []struct {
		name       string
		fault      auth0apitest.Fault
		wantStatus int
		wantText   string
	}{
		{"403", auth0apitest.Fault{Status: http.StatusForbidden, Body: scopeBody}, http.StatusForbidden, "lacks the scope read:logs,read:logs_users"},
		{"429", auth0apitest.Fault{Status: http.StatusTooManyRequests}, http.StatusTooManyRequests, "Try again in 1 s."},
		{"500", auth0apitest.Fault{Status: http.StatusInternalServerError}, http.StatusBadGateway, "Auth0 answered with an error (500)"},
		{"malformed", auth0apitest.Fault{Malformed: true}, http.StatusInternalServerError, "Something went wrong on userdesk"},
	}
	for _, f := range faults {
		for _, failing := range everyonesSections() {
			t.Run(f.name+"/"+failing.Path, func(t *testing.T) {
				a.Tenant.ClearFaults()
				a.Tenant.Fail(routeOf[failing.Path], f.fault)
				defer a.Tenant.ClearFaults()
				bodies := loadAllSections(t, b, auth0apitest.FixtureUserID)
				for _, sec := range everyonesSections() {
					got := bodies[sec.Path]
					if sec.Path != failing.Path {
						if got.status != http.StatusOK || !strings.Contains(got.body, `data-state="loaded"`) {
							t.Errorf("%s did not load while %s failed: %d\n%.300s", sec.Path, failing.Path, got.status, got.body)
						}
						continue
					}
					wantSectionError(t, got, sec, f.wantStatus, f.wantText)
				}
			})
		}
	}

	// The retry button fetches the section again, and now it loads.
	a.Tenant.ClearFaults()
	resp, body := secGet(t, b, adaPath+"/logs")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-state="loaded"`) {
		t.Errorf("retry = %d:\n%.300s", resp.StatusCode, body)
	}
}

// TestSectionHangEndsAtItsDeadline: a section whose call hangs gives up at the configured
// section timeout (Config.SectionTimeout, here a short one) and says so in place; the others
// are not held up.
func TestSectionHangEndsAtItsDeadline(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) { c.SectionTimeout = time.Second }
	})
	if a.srv.sectionTimeout != time.Second {
		t.Fatalf("section timeout = %v, want the configured 1s", a.srv.sectionTimeout)
	}
	b := a.signIn(t, "viewer")
	// One answer first: the client's budget sends its very first request alone (a probe, until
	// an answer says the bucket's size), and a hanging probe would hold every section up.
	if resp, _ := secGet(t, b, adaPath+"/roles"); resp.StatusCode != http.StatusOK {
		t.Fatalf("warm-up = %d", resp.StatusCode)
	}
	a.Tenant.Fail(sectionFaultRoutes["logs"], auth0apitest.Fault{Hang: true})
	bodies := loadAllSections(t, b, auth0apitest.FixtureUserID)
	for _, sec := range everyonesSections() {
		if sec.Path == "logs" {
			wantSectionError(t, bodies[sec.Path], sec, http.StatusGatewayTimeout, "Auth0 took too long to answer")
		} else if bodies[sec.Path].status != http.StatusOK {
			t.Errorf("%s = %d while logs hung", sec.Path, bodies[sec.Path].status)
		}
	}
	if !strings.Contains(a.Logs.String(), `"section":"logs"`) {
		t.Error("the section's failure was not logged")
	}
	a.Tenant.ClearFaults()
	if resp, body := secGet(t, b, views.SectionURL(auth0apitest.FixtureUserID, sectionNamed("logs"))); resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-state="loaded"`) {
		t.Errorf("retry after the hang = %d:\n%.300s", resp.StatusCode, body)
	}
}

// TestDefaultSectionTimeout: without a setting, sections wait DefaultSectionTimeout.
func TestDefaultSectionTimeout(t *testing.T) {
	a := newTestApp(t)
	if a.srv.sectionTimeout != DefaultSectionTimeout {
		t.Errorf("section timeout = %v, want %v", a.srv.sectionTimeout, DefaultSectionTimeout)
	}
}

// sectionAnswer is one section's answer.
type sectionAnswer struct {
	status int
	header http.Header
	body   string
}

// loadAllSections fetches every section of a user at once, as the user page does.
func loadAllSections(t testing.TB, b *browser, userID string) map[string]sectionAnswer {
	t.Helper()
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		out = map[string]sectionAnswer{}
	)
	for _, sec := range everyonesSections() {
		wg.Go(func() {
			resp, body := secGet(t, b, views.SectionURL(userID, sec))
			mu.Lock()
			out[sec.Path] = sectionAnswer{resp.StatusCode, resp.Header, body}
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// wantSectionError checks a section that failed: its own root element, an alert saying
// wantText, a retry button for the section, no page around it.
func wantSectionError(t *testing.T, got sectionAnswer, sec views.Section, status int, wantText string) {
	t.Helper()
	if got.status != status {
		t.Errorf("%s = %d, want %d:\n%.400s", sec.Path, got.status, status, got.body)
	}
	retry := fmt.Sprintf(`hx-get="%s" hx-target="#%s" hx-swap="outerHTML"`, views.SectionURL(auth0apitest.FixtureUserID, sec), sec.ID)
	for _, want := range []string{`data-state="error"`, `role="alert"`, wantText, retry, ">Retry</button>"} {
		if !strings.Contains(got.body, want) {
			t.Errorf("%s's error lacks %q:\n%s", sec.Path, want, got.body)
		}
	}
	if !sectionRoot(sec.ID).MatchString(got.body) || strings.Contains(got.body, "<html") {
		t.Errorf("%s's error is not the section partial:\n%.300s", sec.Path, got.body)
	}
	if got.header.Get("X-Userdesk-Section") != sec.ID {
		t.Errorf("%s's error does not say it is the section (X-Userdesk-Section %q)", sec.Path, got.header.Get("X-Userdesk-Section"))
	}
	if got.header.Get("HX-Retarget") != "" {
		t.Errorf("%s's error is retargeted to %q; it belongs in the section", sec.Path, got.header.Get("HX-Retarget"))
	}
}

// TestSectionRejectsBadUserID: a path id that cannot be a user id is refused before any call.
func TestSectionRejectsBadUserID(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	a.Tenant.ResetCalls()
	resp, _ := secGet(t, b, "/users/"+url.PathEscape("bad\x00id")+"/roles")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", resp.StatusCode)
	}
	if calls := secCalls(a); len(calls) != 0 {
		t.Errorf("calls = %v", calls)
	}
}

// TestSectionSlashUserID: a user id holding "/", " " and "|" reaches Auth0 as one escaped
// segment.
func TestSectionSlashUserID(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	a.Tenant.ResetCalls()
	resp, body := secGet(t, b, "/users/"+url.PathEscape(auth0apitest.FixtureSlashUserID)+"/roles")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d:\n%s", resp.StatusCode, body)
	}
	wantCalls(t, a, nil, "GET /users/auth0%7Clegacy%2F00042%20bl/roles?include_totals=true&page=0&per_page=25")
}

// jsonBody decodes a recorded request body.
func jsonBody(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("body %q: %v", s, err)
	}
	return v
}

// everyonesSections are the user page's sections every persona of the built-in policy sees:
// all but "Changes by staff", which needs the audit action (TestAuditPages).
func everyonesSections() []views.Section {
	return slices.DeleteFunc(views.UserSections(), func(s views.Section) bool { return s.Path == "changes" })
}
