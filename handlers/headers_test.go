package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wantSecurityHeaders checks the headers every answer must carry (checklist items 35, 56, 57).
func wantSecurityHeaders(t *testing.T, what string, resp *http.Response, https bool) {
	t.Helper()
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
		"base-uri 'none'", "form-action 'self'", "connect-src 'self'", "img-src 'self' data:;"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP allows inline code: %q", what, csp)
	}
	for name, want := range map[string]string{
		"X-Frame-Options":              "DENY",
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "no-referrer",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", what, name, got, want)
		}
	}
	if !strings.Contains(h.Get("Permissions-Policy"), "camera=()") {
		t.Errorf("%s: Permissions-Policy = %q", what, h.Get("Permissions-Policy"))
	}
	if got := h.Get("Strict-Transport-Security"); https != (got != "") {
		t.Errorf("%s: Strict-Transport-Security = %q under https=%v", what, got, https)
	}
	if h.Get("Server") != "" || h.Get("X-Powered-By") != "" {
		t.Errorf("%s: Server %q, X-Powered-By %q", what, h.Get("Server"), h.Get("X-Powered-By"))
	}
	if h.Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id", what)
	}
}

// TestHeadersOnPublicAnswers covers pages, errors, static files and health endpoints that need
// no session. TestHeadersOnSignedInAnswers (sign-in tests) covers pages and partials.
func TestHeadersOnPublicAnswers(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	tests := []struct {
		path       string
		wantStatus int
		wantCache  string
	}{
		{"/healthz", http.StatusOK, "no-store"},
		{"/readyz", 0, "no-store"},
		{"/signed-out", http.StatusOK, "no-store"},
		{"/static/app.css?v=" + a.srv.assetVer, http.StatusOK, "public, max-age=31536000, immutable"},
		{"/static/vendor/htmx.org/htmx.min.js", http.StatusOK, "no-cache"},
		{"/nope", http.StatusNotFound, "no-store"},
		{"/callback?state=x&code=y", http.StatusBadRequest, "no-store"},
		{"/users", http.StatusFound, "no-store"},
	}
	for _, tt := range tests {
		resp, _ := b.get(t, tt.path)
		if tt.wantStatus != 0 && resp.StatusCode != tt.wantStatus {
			t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.wantStatus)
		}
		wantSecurityHeaders(t, "GET "+tt.path, resp, true)
		if got := resp.Header.Get("Cache-Control"); got != tt.wantCache {
			t.Errorf("GET %s: Cache-Control = %q, want %q", tt.path, got, tt.wantCache)
		}
	}
}

// TestHeadersPictures: images only from the dashboard (and data: URLs) by default; https:
// images too with remote pictures on (USERDESK_PICTURES=remote).
func TestHeadersPictures(t *testing.T) {
	for remote, want := range map[bool]string{false: "img-src 'self' data:;", true: "img-src 'self' https: data:;"} {
		csp := securityHeaders(true, "", remote).Get("Content-Security-Policy")
		if !strings.Contains(csp, want) {
			t.Errorf("remote pictures %v: CSP %q lacks %q", remote, csp, want)
		}
	}
}

// TestHeadersUnderPlainHTTP: no HSTS and no __Host- cookie names when the base URL is http.
func TestHeadersUnderPlainHTTP(t *testing.T) {
	h := securityHeaders(false, "http://127.0.0.1:4000", false)
	if h.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent under http")
	}
	if !strings.Contains(h.Get("Content-Security-Policy"), "form-action 'self' http://127.0.0.1:4000;") {
		t.Errorf("form-action does not name the issuer: %q", h.Get("Content-Security-Policy"))
	}
}

// TestHeadersOnSignedInAnswers covers pages, partials, the 403 page and alert, and errors for a
// signed-in person: the security headers, no-store, and Vary: HX-Request where the answer
// depends on it.
func TestHeadersOnSignedInAnswers(t *testing.T) {
	a := newTestApp(t)
	viewer := a.signIn(t, "viewer")
	none := a.signIn(t, "none")
	tests := []struct {
		name    string
		b       *browser
		path    string
		headers []string
		status  int
		vary    bool
	}{
		{"page", viewer, "/users", nil, http.StatusOK, true},
		{"partial", viewer, "/users", []string{"HX-Request", "true"}, http.StatusOK, true},
		{"403 page", none, "/users", nil, http.StatusForbidden, true},
		{"403 alert", none, "/users", []string{"HX-Request", "true"}, http.StatusForbidden, true},
		{"404 page", viewer, "/nope", nil, http.StatusNotFound, true},
		{"redirect", viewer, "/", nil, http.StatusFound, false},
	}
	for _, tt := range tests {
		resp, body := tt.b.get(t, tt.path, tt.headers...)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
		wantSecurityHeaders(t, tt.name, resp, true)
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store", tt.name, got)
		}
		if tt.vary && !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "HX-Request") {
			t.Errorf("%s: Vary = %q, want HX-Request", tt.name, resp.Header.Values("Vary"))
		}
		if tt.status != http.StatusFound && resp.Header.Get("Content-Type") != "text/html; charset=UTF-8" {
			t.Errorf("%s: Content-Type = %q", tt.name, resp.Header.Get("Content-Type"))
		}
		if len(tt.headers) > 0 && strings.Contains(body, "<html") {
			t.Errorf("%s: an htmx request got a full page", tt.name)
		}
	}
}

// remotePictures is the test app option for USERDESK_PICTURES=remote.
func remotePictures(o *appOptions) {
	prev := o.config
	o.config = func(c *Config) {
		if prev != nil {
			prev(c)
		}
		c.RemotePictures = true
	}
}

// TestPicturesSetting: by default the user page and the search show initials and no picture,
// and the CSP allows no image from elsewhere; with remote pictures on, pictures are loaded and
// the CSP allows them (issue 11: staff browsers do not tell a picture's host who opened whom).
func TestPicturesSetting(t *testing.T) {
	for _, remote := range []bool{false, true} {
		t.Run(map[bool]string{false: "initials", true: "remote"}[remote], func(t *testing.T) {
			var opts []func(*appOptions)
			if remote {
				opts = append(opts, remotePictures)
			}
			a := newTestApp(t, opts...)
			b := a.signIn(t, "viewer")
			for _, path := range []string{adaPath, "/users?q=ada.lovelace%40example.com", adaPath + "/organizations"} {
				resp, body := b.get(t, path)
				csp := resp.Header.Get("Content-Security-Policy")
				if strings.Contains(csp, "https:") != remote {
					t.Errorf("%s: CSP %q", path, csp)
				}
				if strings.Contains(body, `<img`) != remote {
					t.Errorf("%s: remote pictures %v, but <img> shown = %v", path, remote, !remote)
				}
				if remote && !strings.Contains(body, `src="https://`) {
					t.Errorf("%s: no remote picture:\n%.2000s", path, body)
				}
			}
		})
	}
}

// TestServerTiming: every answer says in Server-Timing how long the dashboard took to start it,
// so that the browser's tools tell the dashboard's time from the network's: a public answer, and
// the user page, which waits for its Management API calls (the tenant adds 50 ms to each).
func TestServerTiming(t *testing.T) {
	a := newTestApp(t)
	viewer := a.signIn(t, "viewer")
	resp, _ := a.newBrowser(t).get(t, "/healthz")
	if _, ok := serverTimingApp(t, resp); !ok {
		t.Errorf("/healthz: Server-Timing = %q", resp.Header.Get("Server-Timing"))
	}
	viewer.get(t, adaPath) // warm: the client has learned the tenant's budget
	a.Tenant.SetLatency(50 * time.Millisecond)
	t.Cleanup(func() { a.Tenant.SetLatency(0) })
	resp, _ = viewer.get(t, adaPath)
	if d, ok := serverTimingApp(t, resp); !ok || d < 50 {
		t.Errorf("user page: Server-Timing = %q, want app;dur= at least the tenant's 50 ms", resp.Header.Get("Server-Timing"))
	}
}

// serverTimingApp reads the "app" metric's duration, in milliseconds, from Server-Timing.
func serverTimingApp(t *testing.T, resp *http.Response) (float64, bool) {
	t.Helper()
	v, ok := strings.CutPrefix(resp.Header.Get("Server-Timing"), "app;dur=")
	if !ok {
		return 0, false
	}
	d, err := strconv.ParseFloat(v, 64)
	return d, err == nil
}
