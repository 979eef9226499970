package authapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLoginPage checks the form, the demo account list, the prefix in every URL and the
// headers of the page.
func TestLoginPage(t *testing.T) {
	h := newHarness(t, "/tenant", nil)
	tx := h.start(t)
	resp := h.get(t, tx.loginURL)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET login: status %d", resp.StatusCode)
	}
	mustContain := []string{
		`<label for="username">`, `id="username"`, `name="username"`, `autocomplete="username"`,
		`<label for="password">`, `id="password"`, `type="password"`, `<button type="submit">`,
		`action="` + h.issuer + `login"`,
		`href="` + h.issuer + `login/style.css"`,
		`name="id" value="` + tx.id + `"`,
		`Sign in as Ada Admin`, `ada@userdesk.example`, `demo-admin`,
		`Sign in as Hal Helpdesk`, `demo-helpdesk`,
		`to continue to <strong>dash.example</strong>`,
	}
	for _, s := range mustContain {
		if !strings.Contains(resp.body, s) {
			t.Errorf("login page lacks %q", s)
		}
	}
	if n := strings.Count(resp.body, "<form"); n != 1+len(h.dir.accounts) {
		t.Errorf("forms: got %d, want 1 + one per demo account (%d)", n, 1+len(h.dir.accounts))
	}
	for _, s := range []string{"<script", " style=", "<style"} {
		if strings.Contains(strings.ToLower(resp.body), s) {
			t.Errorf("login page has inline %q", s)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, s := range []string{"default-src 'none'", "style-src 'self'", "form-action 'self' https://dash.example", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, s) {
			t.Errorf("CSP %q lacks %q", csp, s)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows unsafe sources", csp)
	}
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
		"Content-Type":           "text/html; charset=utf-8",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}

	css := h.get(t, h.issuer+"login/style.css")
	if css.StatusCode != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
		t.Errorf("style.css: status %d, Content-Type %q", css.StatusCode, css.Header.Get("Content-Type"))
	}
}

// TestLoginRefusals checks wrong credentials, a blocked account, and dead or reused sign-ins.
func TestLoginRefusals(t *testing.T) {
	tests := []struct {
		name, username, password string
		wantStatus               int
		wantText                 string
	}{
		{"wrong password", "ada@userdesk.example", "guess", http.StatusUnauthorized, "Wrong email or password."},
		{"unknown user", "eve@evil.example", "demo-admin", http.StatusUnauthorized, "Wrong email or password."},
		{"empty password", "ada@userdesk.example", "", http.StatusUnauthorized, "Wrong email or password."},
		{"blocked", "bob@userdesk.example", "demo-blocked", http.StatusUnauthorized, "This account is blocked."},
	}
	h := newHarness(t, "", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx := h.start(t)
			resp := h.submit(t, tx, tt.username, tt.password)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("Location: got %q, want none", loc)
			}
			if !strings.Contains(resp.body, `role="alert"`) || !strings.Contains(resp.body, tt.wantText) {
				t.Errorf("page lacks the alert %q", tt.wantText)
			}
			if !strings.Contains(resp.body, `value="`+tt.username+`"`) {
				t.Errorf("page does not keep the username %q", tt.username)
			}
			if tt.password == "guess" && strings.Contains(resp.body, tt.password) {
				t.Errorf("page echoes the password")
			}
			// The same sign-in can still succeed.
			ok := h.submit(t, tx, "ada@userdesk.example", "demo-admin")
			if ok.StatusCode != http.StatusFound {
				t.Errorf("retry with the right password: status %d, want 302", ok.StatusCode)
			}
		})
	}

	t.Run("unknown sign-in", func(t *testing.T) {
		for _, resp := range []*response{
			h.get(t, h.issuer+"login?id=nope"),
			h.get(t, h.issuer+"login"),
			h.postForm(t, h.issuer+"login", url.Values{"id": {"nope"}, "username": {"ada@userdesk.example"}, "password": {"demo-admin"}}),
		} {
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.body, "This sign-in has expired") {
				t.Errorf("%s %s: status %d, want 400 and the expired page", resp.Request.Method, resp.Request.URL, resp.StatusCode)
			}
		}
	})
	t.Run("completed sign-in cannot be replayed", func(t *testing.T) {
		tx, _ := h.signIn(t, "ada@userdesk.example", "demo-admin")
		resp := h.submit(t, tx, "hal@userdesk.example", "demo-helpdesk")
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("replayed login POST: status %d Location %q, want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// TestLoginPageEscapes lists an account with a hostile name and e-mail.
func TestLoginPageEscapes(t *testing.T) {
	h := newHarness(t, "", func(c *Config) {
		dir := c.Directory.(*testDirectory)
		dir.accounts = append(dir.accounts, Account{
			Subject:      "auth0|evil",
			Email:        `"><img src=x onerror=alert(1)>@evil.example`,
			Name:         `<script>alert("name")</script>`,
			PasswordHint: `</code><script>alert(2)</script>`,
		})
	})
	tx := h.start(t)
	resp := h.get(t, tx.loginURL)
	for _, bad := range []string{"<script>", "<img"} {
		if strings.Contains(resp.body, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if !strings.Contains(resp.body, "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;") {
		t.Errorf("escaped name not found in page")
	}
	if !strings.Contains(resp.body, "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;@evil.example") {
		t.Errorf("escaped e-mail not found in page")
	}
	// A hostile username typed in comes back escaped too.
	wrong := h.submit(t, tx, `"><script>alert(3)</script>`, "x")
	if strings.Contains(wrong.body, "<script>") {
		t.Errorf("typed username echoed unescaped")
	}
}
