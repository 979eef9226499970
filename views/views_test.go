package views

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"userdesk/auth0api"
)

func renderString(t *testing.T, c templ.Component) string {
	t.Helper()
	return renderIn(t, context.Background(), c)
}

// renderRemote renders with remote pictures on (USERDESK_PICTURES=remote).
func renderRemote(t *testing.T, c templ.Component) string {
	t.Helper()
	return renderIn(t, WithRemotePictures(context.Background(), true), c)
}

func renderIn(t *testing.T, ctx context.Context, c templ.Component) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(ctx, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var signedIn = Page{
	Title:        "Users",
	Person:       &Person{Name: "Hal Helpdesk", Email: "hal@example.com", Role: "helpdesk"},
	CSRFToken:    "tok_123",
	AssetVersion: "abc123",
	Version:      "v1.2.3",
}

// noInlineCode fails on inline script or style, which the CSP would block.
func noInlineCode(t *testing.T, html string) {
	t.Helper()
	if m := regexp.MustCompile(`<script(?:\s[^>]*)?>`).FindAllString(html, -1); len(m) > 0 {
		for _, tag := range m {
			if !strings.Contains(tag, "src=") {
				t.Errorf("inline script: %s", tag)
			}
		}
	}
	for _, bad := range []string{"<style", " style=", " onclick=", " onload=", "javascript:"} {
		if strings.Contains(html, bad) {
			t.Errorf("inline code %q in:\n%s", bad, html)
		}
	}
}

func TestLayout(t *testing.T) {
	html := renderString(t, UsersPage(signedIn, UsersTableData{}))
	for _, want := range []string{
		`<title>Users · userdesk</title>`,
		`<meta name="htmx-config" content="{&#34;allowEval&#34;:false,&#34;allowScriptTags&#34;:false,&#34;historyCacheSize&#34;:0,&#34;selfRequestsOnly&#34;:true,&#34;includeIndicatorStyles&#34;:false`,
		`<body hx-headers="{&#34;X-CSRF-Token&#34;:&#34;tok_123&#34;}">`,
		`<a class="skip-link" href="#main">`,
		`<main id="main"`,
		`<div id="flash"`,
		`Hal Helpdesk`,
		`data-role="helpdesk"`,
		`<form method="post" action="/logout" class="sign-out"><input type="hidden" name="_csrf" value="tok_123">`,
		`src="/static/vendor/htmx.org/htmx.min.js?v=abc123"`,
		`href="/static/vendor/pico/pico.min.css?v=abc123"`,
		`href="/static/app.css?v=abc123"`,
		`<dialog id="confirm-dialog"`,
		`<link rel="icon" href="/static/favicon.svg?v=abc123" type="image/svg+xml">`,
		`<button type="submit" value="confirm" id="confirm-ok">`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("layout lacks %s", want)
		}
	}
	noInlineCode(t, html)
	// The version is for admins only.
	if strings.Contains(html, "v1.2.3") {
		t.Error("a helpdesk person sees the version")
	}
	admin := signedIn
	admin.Person = &Person{Name: "Ada Admin", Role: "admin"}
	if html := renderString(t, UsersPage(admin, UsersTableData{})); !strings.Contains(html, "userdesk v1.2.3") {
		t.Error("an admin does not see the version")
	}
}

func TestLayoutAnonymous(t *testing.T) {
	html := renderString(t, SignedOutPage(Page{Title: "Signed out"}, ""))
	if strings.Contains(html, "hx-headers") || strings.Contains(html, "/logout") || strings.Contains(html, "signed-in-as") || strings.Contains(html, "confirm-dialog") {
		t.Errorf("anonymous page shows signed-in parts:\n%s", html)
	}
	if !strings.Contains(html, `href="/login"`) {
		t.Error("no sign-in link")
	}
	noInlineCode(t, html)
}

// TestUsersTableEscapesEverything: hostile user data renders as inert text (checklist 48).
func TestUsersTableEscapesEverything(t *testing.T) {
	hostile := auth0api.User{
		UserID:      `auth0|"><script>alert(1)</script>`,
		Name:        `<script>alert(1)</script>`,
		Email:       `"><img src=x onerror=alert(1)>@example.com`,
		Picture:     "javascript:alert(1)",
		Identities:  []auth0api.Identity{{Connection: `" hx-get="/users/x/delete" hx-trigger="load`}},
		LastLogin:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		LoginsCount: 3,
		Blocked:     true,
	}
	data := UsersTableData{Users: []auth0api.User{hostile, {UserID: "auth0|2", Picture: "data:text/html,<script>alert(1)</script>"}}, Total: 2}
	html := renderRemote(t, UsersTable(data))
	for _, bad := range []string{"<script>alert", "<img src=x", `hx-get="/users/x/delete"`, `src="javascript:`, `src="data:`} {
		if strings.Contains(html, bad) {
			t.Errorf("hostile value rendered live: %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "about:invalid#TemplFailedSanitizationURL",
		`id="users-table"`, `2026-01-02 03:04 UTC`, `datetime="2026-01-02T03:04:05Z"`, "blocked", "Users 1–2 of 2"} {
		if !strings.Contains(html, want) {
			t.Errorf("table lacks %q:\n%s", want, html)
		}
	}
	noInlineCode(t, strings.ReplaceAll(html, "javascript:alert", "")) // the escaped text may show the word
}

func TestUsersTableEmpty(t *testing.T) {
	html := renderString(t, UsersTable(UsersTableData{}))
	if !strings.Contains(html, "No users.") || strings.Contains(html, "<table") {
		t.Errorf("empty table:\n%s", html)
	}
}

func TestFlash(t *testing.T) {
	html := renderString(t, FlashOOB(Flash{Kind: FlashError, Message: "<b>Nope</b>"}))
	for _, want := range []string{`id="flash"`, `hx-swap-oob="innerHTML"`, `role="alert"`, `data-kind="error"`, "&lt;b&gt;Nope&lt;/b&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("flash lacks %q:\n%s", want, html)
		}
	}
	if html := renderString(t, FlashMessage(Flash{})); html != "" {
		t.Errorf("empty flash rendered %q", html)
	}
	p := signedIn
	p.Flash = Flash{Kind: FlashSuccess, Message: "User blocked."}
	if html := renderString(t, UsersPage(p, UsersTableData{})); !strings.Contains(html, `role="status">User blocked.`) && !strings.Contains(html, "User blocked.") {
		t.Error("the page does not show its flash")
	}
}

func TestErrorViews(t *testing.T) {
	prob := Problem{Status: 400, Title: "Sign-in failed", Message: "<x> happened", SignIn: true, RequestID: "req-1"}
	html := renderString(t, ErrorPage(Page{Title: "Sign-in failed"}, prob))
	for _, want := range []string{"<h1>Sign-in failed</h1>", "&lt;x&gt; happened", `id="sign-in-again"`, "400 Bad Request", "req-1"} {
		if !strings.Contains(html, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	alert := renderString(t, Alert(prob))
	if strings.Contains(alert, "<html") || !strings.Contains(alert, `role="alert"`) || !strings.Contains(alert, "&lt;x&gt;") {
		t.Errorf("alert:\n%s", alert)
	}
	forbidden := renderString(t, ForbiddenPage(Page{Person: &Person{Name: "Nico", Email: "n@x.test"}, CSRFToken: "t"}, "req-2"))
	for _, want := range []string{"Nico", "(n@x.test)", "no userdesk role", "Sign out", "req-2"} {
		if !strings.Contains(forbidden, want) {
			t.Errorf("403 page lacks %q", want)
		}
	}
	viewer := renderString(t, ForbiddenPage(Page{Person: &Person{Email: "v@x.test", Role: "viewer"}}, ""))
	if !strings.Contains(viewer, "the viewer role does not allow this") || strings.Contains(viewer, "(v@x.test)") {
		t.Errorf("403 page for a viewer:\n%s", viewer)
	}
}
