package handlers

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/views"
)

// TestPanicBecomesA500 (checklist 83): a panic answers a plain 500 page with the request id,
// logs the stack, and the next request works.
func TestPanicBecomesA500(t *testing.T) {
	a := newTestApp(t)
	if a.srv.e.Debug {
		t.Fatal("Echo's debug mode is on: error pages would show internals")
	}
	a.srv.e.GET("/test-panic", func(echo.Context) error { panic("secret internal detail") })
	b := a.newBrowser(t)
	resp, body := b.get(t, "/test-panic")
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", resp.StatusCode)
	}
	for _, bad := range []string{"secret internal detail", "goroutine", "panic", ".go:"} {
		if strings.Contains(body, bad) {
			t.Errorf("the 500 page shows %q", bad)
		}
	}
	if !strings.Contains(body, resp.Header.Get("X-Request-Id")) {
		t.Error("the 500 page does not show the request id")
	}
	wantSecurityHeaders(t, "500", resp, true)
	if !strings.Contains(a.Logs.String(), "secret internal detail") || !strings.Contains(a.Logs.String(), `"stack":"goroutine`) {
		t.Error("the panic and its stack are not logged")
	}
	if resp, _ := b.get(t, "/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("after a panic /healthz = %d", resp.StatusCode)
	}
}

// TestBodyLimit (checklist 63): a 1 MB body is refused with 413 before any handler runs.
func TestBodyLimit(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	big := strings.Repeat("x", 1<<20)
	req := httptest.NewRequest(http.MethodPost, a.URL+"/logout", strings.NewReader("_csrf="+big))
	req.RequestURI = ""
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := b.do(t, req)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("1 MB POST = %d, want 413", resp.StatusCode)
	}
}

// TestRequestIDOnEveryLogLine: the request's log lines all carry its id.
func TestRequestIDOnEveryLogLine(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	a.Logs.Reset()
	resp, _ := b.get(t, "/nope")
	id := resp.Header.Get("X-Request-Id")
	lines := strings.Split(strings.TrimSpace(a.Logs.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("log lines: %q", lines)
	}
	for _, l := range lines {
		if !strings.Contains(l, `"request_id":"`+id+`"`) {
			t.Errorf("log line without the request id %s: %s", id, l)
		}
	}
	// A client-chosen id is kept only when it looks like an id.
	resp, _ = b.get(t, "/healthz", "X-Request-ID", "proxy-1234-abcd")
	if got := resp.Header.Get("X-Request-Id"); got != "proxy-1234-abcd" {
		t.Errorf("a proxy's request id was replaced: %q", got)
	}
	resp, _ = b.get(t, "/healthz", "X-Request-ID", `x"}{"level":"ERROR","msg":"forged"`)
	if got := resp.Header.Get("X-Request-Id"); strings.ContainsAny(got, `"{}`) {
		t.Errorf("a hostile request id was kept: %q", got)
	}
}

// TestAuth0ErrorsInPlainWords: Management API failures on the users page read as plain words
// in the table area, where the results would be, on the full page and for htmx (issue 5): an
// htmx answer clears the flash area and carries the table, with the error, out of band.
// Internals never show.
func TestAuth0ErrorsInPlainWords(t *testing.T) {
	tests := []struct {
		name   string
		fault  auth0apitest.Fault
		status int
		want   string
	}{
		{"rate limited", auth0apitest.Fault{Status: http.StatusTooManyRequests}, http.StatusTooManyRequests, "Try again in"},
		{"missing scope", auth0apitest.Fault{Status: http.StatusForbidden,
			Body: `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:users","errorCode":"insufficient_scope"}`},
			http.StatusForbidden, "lacks the scope read:users"},
		{"server error", auth0apitest.Fault{Status: http.StatusInternalServerError, Body: `{"message":"stack trace at db.go:42"}`},
			http.StatusBadGateway, "Auth0 answered with an error (500)"},
		{"markup in a refusal", auth0apitest.Fault{Status: http.StatusBadRequest, Body: `{"statusCode":400,"error":"Bad Request","message":"<svg onload=alert(1)>"}`},
			http.StatusBadRequest, "&lt;svg onload=alert(1)&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			b := a.signIn(t, "viewer")
			for _, htmx := range []bool{false, true} {
				a.Tenant.Fail("GET /users", tt.fault)
				var headers []string
				if htmx {
					headers = []string{"HX-Request", "true"}
				}
				resp, body := b.get(t, "/users", headers...)
				a.Tenant.ClearFaults()
				if resp.StatusCode != tt.status {
					t.Errorf("htmx=%v: status %d, want %d:\n%.600s", htmx, resp.StatusCode, tt.status, body)
				}
				for _, bad := range []string{"db.go", "<svg onload", "auth0api:"} {
					if strings.Contains(body, bad) {
						t.Errorf("htmx=%v: the answer shows %q", htmx, bad)
					}
				}
				// The error is in the table area: the element with the users table's id.
				start := strings.Index(body, `id="`+views.UsersTableID+`"`)
				if start < 0 {
					t.Errorf("htmx=%v: no table area in the answer:\n%.600s", htmx, body)
					continue
				}
				if table := body[start:]; !strings.Contains(table, tt.want) || !strings.Contains(table, `role="alert"`) {
					t.Errorf("htmx=%v: the table area does not say %q in an alert:\n%.800s", htmx, tt.want, table)
				}
				if !htmx {
					continue
				}
				// htmx: the main answer empties the flash area; the table comes out of band.
				if resp.Header.Get("HX-Retarget") != "#"+views.FlashID || resp.Header.Get("HX-Reswap") != "innerHTML" {
					t.Errorf("htmx answer targets %q (%q), want the flash area emptied", resp.Header.Get("HX-Retarget"), resp.Header.Get("HX-Reswap"))
				}
				tagStart := strings.LastIndex(body[:start], "<")
				if flash := body[:tagStart]; strings.Contains(flash, tt.want) || strings.Contains(flash, `class="flash"`) {
					t.Errorf("htmx answer puts a message in the flash area:\n%.600s", flash)
				}
				if tag := body[tagStart : start+strings.Index(body[start:], ">")]; !strings.Contains(tag, `hx-swap-oob="outerHTML"`) {
					t.Errorf("htmx answer's table is not swapped out of band: %s", tag)
				}
			}
		})
	}
}

// TestDescribe covers the mapping from errors to statuses and words, for handlers that render
// errors in place.
func TestDescribe(t *testing.T) {
	a := newTestApp(t)
	now := a.Clock.Now()
	c := a.srv.e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	tests := []struct {
		err    error
		status int
		want   string
	}{
		{&auth0api.Error{StatusCode: 429, ResetAt: now.Add(7 * time.Second)}, 429, "Try again in 7 s"},
		{&auth0api.Error{StatusCode: 429}, 429, "Try again in a few seconds"},
		{&auth0api.Error{StatusCode: 404}, 404, "no such record"},
		{&auth0api.Error{StatusCode: 409, Message: "The user already exists."}, 409, "The user already exists."},
		{&auth0api.Error{StatusCode: 401}, 502, "credentials or token"},
		{&auth0api.Error{StatusCode: 503}, 502, "(503)"},
		{auth0api.ErrInvalidID, 400, "not valid"},
		{httpError(422, "Name is too long.", nil), 422, "Name is too long."},
		{errForbidden, 403, "does not allow"},
		{echo.ErrNotFound, 404, "nothing at this address"},
		{errors.New("database exploded at x.go:12"), 500, "Something went wrong"},
	}
	for _, tt := range tests {
		status, p := a.srv.describe(c, tt.err)
		if status != tt.status || p.Status != tt.status || !strings.Contains(p.Message, tt.want) {
			t.Errorf("describe(%v) = %d %q, want %d with %q", tt.err, status, p.Message, tt.status, tt.want)
		}
		if strings.Contains(p.Message, "x.go") {
			t.Errorf("describe(%v) shows internals: %q", tt.err, p.Message)
		}
	}
}
