package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
	"userdesk/handlers/limits"
)

// benchApp is a test app over a tenant seeded like the demo's (300 users, seed 4), with a
// signed-in viewer's session cookie. The per-person search limit is raised (manySearches): a
// benchmark searches more than a person may while the test clock stands still.
func benchApp(b *testing.B) (*testApp, *http.Cookie) {
	b.Helper()
	a := newTestApp(b, manySearches, func(o *appOptions) {
		o.tenant = func(opts *auth0apitest.Options) { opts.Users, opts.Seed = 300, 4 }
	})
	br := a.signIn(b, "viewer")
	c := br.cookie(a.srv.cookieName)
	if c == nil {
		b.Fatal("no session cookie")
	}
	return a, c
}

// manySearches raises the per-person search limit (10 a second, bursts of 20: the test clock
// stands still, so a benchmark would be refused with 429 after 20 searches). The limits have
// tests of their own.
func manySearches(o *appOptions) {
	l := DefaultLimits()
	if o.limits != nil {
		l = *o.limits
	}
	l.Searches = limits.Rule{Rate: 1_000_000, Per: time.Second}
	o.limits = &l
}

// serve runs one request through the router in process and returns the answer's size: the
// server's time, without a network in front of the dashboard (the Management API calls still go
// over loopback HTTP to the emulated tenant, as they would go to Auth0).
func serve(b *testing.B, a *testApp, cookie *http.Cookie, path string, htmx bool) int {
	rec := httptest.NewRecorder()
	a.srv.e.ServeHTTP(rec, benchRequest(b, a, cookie, path, htmx))
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s = %d:\n%.300s", path, rec.Code, rec.Body.String())
	}
	return rec.Body.Len()
}

// benchRequest is a GET of path as the signed-in browser sends it to the test app: with its
// session cookie and the dashboard's own Host (checkHost answers any other with 421), and
// HX-Request when htmx asks.
func benchRequest(b *testing.B, a *testApp, cookie *http.Cookie, path string, htmx bool) *http.Request {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = mustParseURL(b, a.URL).Host
	req.AddCookie(cookie)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return req
}

// BenchmarkSearch measures the users search: the htmx partial that answers each keystroke
// (typed text, a list sorted by last login, an exact e-mail address), and the whole page.
//
//	go test -run '^$' -bench BenchmarkSearch -benchmem ./handlers/
func BenchmarkSearch(b *testing.B) {
	a, cookie := benchApp(b)
	for _, bc := range []struct {
		name, path string
		htmx       bool
	}{
		{"partial/typed", "/users?q=" + url.QueryEscape("ma"), true},
		{"partial/sorted-list", "/users?sort=last_login&dir=desc", true},
		{"partial/exact-email", "/users?q=" + url.QueryEscape("ada.lovelace@example.com"), true},
		{"partial/filters", "/users?blocked=no&verified=yes&logins_min=1", true},
		{"page", "/users", false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			size := 0
			for b.Loop() {
				size = serve(b, a, cookie, bc.path, bc.htmx)
			}
			b.ReportMetric(float64(size), "bytes/answer")
		})
	}
}

// BenchmarkUserPage measures the user page (the whole page in one round trip: seven Management
// API calls at once, every section rendered in place; userpage.go) and its profile partial.
//
//	go test -run '^$' -bench BenchmarkUserPage -benchmem ./handlers/
func BenchmarkUserPage(b *testing.B) {
	a, cookie := benchApp(b)
	path := userPath(auth0apitest.FixtureUserID)
	for _, htmx := range []bool{false, true} {
		name := "page"
		if htmx {
			name = "profile-partial"
		}
		b.Run(name, func(b *testing.B) {
			size := 0
			for b.Loop() {
				size = serve(b, a, cookie, path, htmx)
			}
			b.ReportMetric(float64(size), "bytes/answer")
		})
	}
}
