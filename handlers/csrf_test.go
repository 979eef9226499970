package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCSRF: state-changing requests need the session's token and a same-origin request
// (checklist 31, 32, 33). POST /logout is the change every role can make.
func TestCSRF(t *testing.T) {
	a := newTestApp(t)
	other := a.signIn(t, "viewer")
	otherToken := other.csrfToken(t)

	tests := []struct {
		name    string
		form    url.Values
		query   string
		headers func(b *browser, token string) []string
		want    int
	}{
		{name: "no token", headers: func(b *browser, _ string) []string { return b.sameOriginHeaders() },
			want: http.StatusForbidden},
		{name: "another session's token (header)", headers: func(b *browser, _ string) []string {
			return append(b.sameOriginHeaders(), "X-CSRF-Token", otherToken)
		}, want: http.StatusForbidden},
		{name: "another session's token (form)", form: url.Values{"_csrf": {otherToken}},
			headers: func(b *browser, _ string) []string { return b.sameOriginHeaders() }, want: http.StatusForbidden},
		{name: "token only in the query string", query: "?_csrf=TOKEN&csrf=TOKEN",
			headers: func(b *browser, _ string) []string { return b.sameOriginHeaders() }, want: http.StatusForbidden},
		{name: "cross-site request with a valid token", headers: func(b *browser, token string) []string {
			return []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site", "X-CSRF-Token", token}
		}, want: http.StatusForbidden},
		{name: "same-site (sibling subdomain) request with a valid token", headers: func(b *browser, token string) []string {
			return []string{"Origin", "https://evil.127.0.0.1.nip.io", "Sec-Fetch-Site", "same-site", "X-CSRF-Token", token}
		}, want: http.StatusForbidden},
		{name: "old browser, foreign Origin, valid token", headers: func(b *browser, token string) []string {
			return []string{"Origin", "https://evil.example", "X-CSRF-Token", token}
		}, want: http.StatusForbidden},
		{name: "valid token in the header", headers: func(b *browser, token string) []string {
			return append(b.sameOriginHeaders(), "X-CSRF-Token", token)
		}, want: http.StatusSeeOther},
		{name: "valid token in the form", form: url.Values{"_csrf": {"TOKEN"}},
			headers: func(b *browser, _ string) []string { return b.sameOriginHeaders() }, want: http.StatusSeeOther},
		{name: "valid token, no Origin (same-origin navigation of an old browser)", headers: func(b *browser, token string) []string {
			return []string{"X-CSRF-Token", token}
		}, want: http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := a.signIn(t, "helpdesk")
			token := b.csrfToken(t)
			form := tt.form
			if form != nil && form.Get("_csrf") == "TOKEN" {
				form = url.Values{"_csrf": {token}}
			}
			path := "/logout"
			if tt.query != "" {
				path += strings.ReplaceAll(tt.query, "TOKEN", url.QueryEscape(token))
			}
			resp, _ := b.send(t, http.MethodPost, path, form, tt.headers(b, token)...)
			if resp.StatusCode != tt.want {
				t.Errorf("POST /logout = %d, want %d", resp.StatusCode, tt.want)
			}
			// A refused sign-out leaves the session alive.
			wantAlive := tt.want == http.StatusForbidden
			if resp, _ := b.get(t, "/users"); (resp.StatusCode == http.StatusOK) != wantAlive {
				t.Errorf("session alive after the request: %v, want %v", resp.StatusCode == http.StatusOK, wantAlive)
			}
		})
	}
}

// TestCallbackIsGETOnly: the OIDC callback accepts no POST (no form_post response mode), so a
// cross-site POST cannot deliver a code (checklist 33).
func TestCallbackIsGETOnly(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	resp, _ := b.send(t, http.MethodPost, "/callback", url.Values{"code": {"x"}, "state": {"y"}}, "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /callback = %d, want 403 or 405", resp.StatusCode)
	}
}
