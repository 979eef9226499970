package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSessionIdleTimeout: 30 minutes without a request end the session; activity keeps it
// (checklist 22, with the injected clock).
func TestSessionIdleTimeout(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	for range 4 { // two hours of activity, a request every 20 minutes
		a.Clock.Advance(20 * time.Minute)
		if resp, _ := b.get(t, "/users"); resp.StatusCode != http.StatusOK {
			t.Fatalf("active session refused: %d", resp.StatusCode)
		}
	}
	a.Clock.Advance(30 * time.Minute)
	resp, _ := b.get(t, "/users")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("after 30 idle minutes GET /users = %d to %q, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.Contains(a.Logs.String(), `"reason":"idle timeout"`) {
		t.Error("the expiry is not logged")
	}
}

// TestSessionAbsoluteTimeout: eight hours after sign-in the session ends, however active.
func TestSessionAbsoluteTimeout(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	for elapsed := time.Duration(0); elapsed < 8*time.Hour-15*time.Minute; elapsed += 15 * time.Minute {
		a.Clock.Advance(15 * time.Minute)
		if resp, _ := b.get(t, "/users"); resp.StatusCode != http.StatusOK {
			t.Fatalf("session refused after %s: %d", elapsed+15*time.Minute, resp.StatusCode)
		}
	}
	a.Clock.Advance(15 * time.Minute)
	if resp, _ := b.get(t, "/users"); resp.StatusCode != http.StatusFound {
		t.Errorf("after 8 h GET /users = %d, want a redirect to sign in", resp.StatusCode)
	}
	if !strings.Contains(a.Logs.String(), `"reason":"absolute timeout"`) {
		t.Error("the expiry is not logged")
	}
}

// TestSessionExpiredHTMX: an htmx request on an expired session gets 401 and HX-Redirect to
// sign-in (returning to the page it came from), never the login page inside a fragment.
func TestSessionExpiredHTMX(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	a.Clock.Advance(31 * time.Minute)
	resp, body := b.get(t, "/users", "HX-Request", "true", "HX-Current-URL", a.URL+"/users?page=3")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.StatusCode)
	}
	if got, want := resp.Header.Get("HX-Redirect"), "/login?return_to="+url.QueryEscape("/users?page=3"); got != want {
		t.Errorf("HX-Redirect = %q, want %q", got, want)
	}
	if strings.Contains(body, "<html") || strings.Contains(body, "user-row") {
		t.Errorf("the answer is a page or holds data:\n%s", body)
	}
	// HX-Current-URL on another origin is not a return path.
	resp, _ = a.newBrowser(t).get(t, "/users", "HX-Request", "true", "HX-Current-URL", "https://evil.example/x")
	if got := resp.Header.Get("HX-Redirect"); got != "/login" {
		t.Errorf("HX-Redirect = %q, want /login", got)
	}
}

// TestSignOut: POST /logout with the token ends the session here and at the provider; the
// cookie copied before no longer works (checklist 20, 28).
func TestSignOut(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	copied := b.cookie("__Host-userdesk")
	token := b.csrfToken(t)

	if resp, _ := b.get(t, "/logout"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout = %d, want 405", resp.StatusCode)
	}
	a.Audit.Reset()
	resp, _ := b.send(t, http.MethodPost, "/logout", url.Values{"_csrf": {token}}, b.sameOriginHeaders()...)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /logout = %d, want 303", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	must(t, err)
	if !strings.HasPrefix(loc.String(), a.Tenant.Issuer()) || loc.Query().Get("client_id") != testClientID ||
		loc.Query().Get("post_logout_redirect_uri") != a.URL+"/signed-out" {
		t.Errorf("logout redirects to %s, want the provider's end_session_endpoint with client_id and post_logout_redirect_uri", loc)
	}
	if got := resp.Header.Get("Clear-Site-Data"); got != `"cache", "cookies", "storage"` {
		t.Errorf("Clear-Site-Data = %q", got)
	}
	expired := false
	for _, line := range resp.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		must(t, err)
		expired = expired || (c.Name == "__Host-userdesk" && c.MaxAge < 0)
	}
	if !expired {
		t.Errorf("the session cookie is not expired: %q", resp.Header.Values("Set-Cookie"))
	}
	if ev := a.auditEvents(t); len(ev) != 1 || ev[0]["event"] != "session.signout" {
		t.Errorf("audit = %v", ev)
	}

	// The provider lands the browser on /signed-out.
	resp, body := b.follow(t, loc.String())
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="signed-out"`) {
		t.Errorf("after the provider's logout: %d at %s", resp.StatusCode, resp.Request.URL)
	}

	// Replaying the cookie copied before sign-out.
	replay := a.newBrowser(t)
	u, _ := url.Parse(a.URL)
	replay.jar.SetCookies(u, []*http.Cookie{copied})
	if resp, _ := replay.get(t, "/users"); resp.StatusCode != http.StatusFound {
		t.Errorf("copied cookie after sign-out: GET /users = %d, want a redirect to sign in", resp.StatusCode)
	}
	if resp, _ := replay.get(t, "/users", "HX-Request", "true"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("copied cookie after sign-out (htmx): %d, want 401", resp.StatusCode)
	}
}

// TestCookieNames: __Host- names under https; plain names (no Secure) under http.
func TestCookieNames(t *testing.T) {
	a := newTestApp(t)
	if a.srv.cookieName != "__Host-userdesk" || a.srv.signInName != "__Host-userdesk-signin" || !a.srv.secure {
		t.Errorf("https: cookie names %q, %q, secure %v", a.srv.cookieName, a.srv.signInName, a.srv.secure)
	}
	plain := newTestApp(t, func(o *appOptions) { o.config = func(c *Config) { c.BaseURL = "http://localhost:8080" } })
	if plain.srv.cookieName != "userdesk" || plain.srv.signInName != "userdesk-signin" || plain.srv.secure {
		t.Errorf("http: cookie names %q, %q, secure %v", plain.srv.cookieName, plain.srv.signInName, plain.srv.secure)
	}
}

// TestNewValidatesConfig: New refuses a config it cannot run safely with.
func TestNewValidatesConfig(t *testing.T) {
	_, err := New(t.Context(), Config{BaseURL: "https://x.example/app"})
	if err == nil {
		t.Fatal("New accepted an empty config")
	}
	for _, want := range []string{"Users is required", "BaseURL", "session secret", "OIDC issuer", "Static", "Roles.Claim"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
