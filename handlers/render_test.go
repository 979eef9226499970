package handlers

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/views"
)

// The handlers' Users interface is what *auth0api.Client offers.
var _ Users = (*auth0api.Client)(nil)

// TestRespondChanged shows the convention for answering a change: htmx gets the partial and
// the flash out of band; a plain form gets a 303 and the next page shows the flash once.
func TestRespondChanged(t *testing.T) {
	a := newTestApp(t)
	// A change route as issues 5 and 6 add them, wired through the same gate as the table.
	rt := route{http.MethodPost, "/test-change", actBlockUsers, noStepUp, func(c echo.Context) error {
		part := templ.ComponentFunc(func(_ context.Context, w io.Writer) error { // stands in for a real partial
			_, err := io.WriteString(w, `<p id="changed">changed</p>`)
			return err
		})
		return a.srv.respondChanged(c, part, views.Flash{Kind: views.FlashSuccess, Message: "Blocked <x>."}, "/users")
	}}
	a.srv.e.Add(rt.Method, rt.Path, rt.Handler, a.srv.authorize(rt))
	b := a.signIn(t, "helpdesk")
	token := b.csrfToken(t)

	resp, body := b.send(t, http.MethodPost, "/test-change", nil, append(b.sameOriginHeaders(), "X-CSRF-Token", token, "HX-Request", "true")...)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<p id="changed">`) ||
		!strings.Contains(body, `<div id="flash" hx-swap-oob="innerHTML">`) || !strings.Contains(body, "Blocked &lt;x&gt;.") {
		t.Errorf("htmx change = %d:\n%s", resp.StatusCode, body)
	}

	resp, _ = b.send(t, http.MethodPost, "/test-change", url.Values{"_csrf": {token}}, b.sameOriginHeaders()...)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/users" {
		t.Fatalf("form change = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := b.get(t, "/users"); !strings.Contains(body, "Blocked &lt;x&gt;.") {
		t.Error("the page after the redirect does not show the flash")
	}
	if _, body := b.get(t, "/users"); strings.Contains(body, "Blocked &lt;x&gt;.") {
		t.Error("the flash shows twice")
	}

	// A viewer is refused by the same gate.
	v := a.signIn(t, "viewer")
	resp, _ = v.send(t, http.MethodPost, "/test-change", nil, append(v.sameOriginHeaders(), "X-CSRF-Token", v.csrfToken(t))...)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer change = %d, want 403", resp.StatusCode)
	}
}

// TestIsPartial: boosted navigations and history restores get full pages.
func TestIsPartial(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	tests := []struct {
		headers []string
		partial bool
	}{
		{nil, false},
		{[]string{"HX-Request", "true"}, true},
		{[]string{"HX-Request", "true", "HX-Boosted", "true"}, false},
		{[]string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, false},
	}
	for _, tt := range tests {
		_, body := b.get(t, "/users", tt.headers...)
		if got := !strings.Contains(body, "<html"); got != tt.partial {
			t.Errorf("headers %q: partial = %v, want %v", tt.headers, got, tt.partial)
		}
		if !strings.Contains(body, `id="users-table"`) {
			t.Errorf("headers %q: no users table", tt.headers)
		}
	}
}
