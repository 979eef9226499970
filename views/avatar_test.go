package views

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"userdesk/auth0api"
)

func TestInitials(t *testing.T) {
	tests := []struct {
		user auth0api.User
		want string
	}{
		{auth0api.User{GivenName: "Ada", FamilyName: "Lovelace", Name: "Countess of Lovelace"}, "AL"},
		{auth0api.User{Name: "grace brewster hopper"}, "GH"},
		{auth0api.User{Name: "émile zola"}, "ÉZ"},
		{auth0api.User{Name: "Plato"}, "P"},
		{auth0api.User{Name: "jane@example.com", Email: "jane@example.com"}, "J"},
		{auth0api.User{Nickname: "_kim", Email: "kim@example.com"}, "K"},
		{auth0api.User{UserID: "auth0|64a1b2c3"}, "6"},
		{auth0api.User{UserID: "sms|+447700900123"}, "4"},
		{auth0api.User{Name: `<script>alert(1)</script>`}, "S"},
		{auth0api.User{}, "?"},
	}
	for _, tt := range tests {
		if got := initials(tt.user); got != tt.want {
			t.Errorf("initials(%+v) = %q, want %q", tt.user, got, tt.want)
		}
	}
}

// TestAvatar: with remote pictures on, the picture is lazy, sized, sends no referrer and falls
// back to the initials (data-fallback, handled by app.js); without a picture, or with remote
// pictures off (the default), there are only the initials. The hue is stable per user.
func TestAvatar(t *testing.T) {
	u := auth0api.User{UserID: "auth0|1", GivenName: "Ada", FamilyName: "Lovelace", Picture: "https://s.gravatar.com/avatar/x?s=480"}
	if html := renderString(t, avatar(u, 32)); strings.Contains(html, "<img") || !strings.Contains(html, ">AL<") {
		t.Errorf("a picture is loaded with remote pictures off:\n%s", html)
	}
	html := renderRemote(t, avatar(u, 32))
	for _, want := range []string{`class="avatar"`, `aria-hidden="true"`, `<span class="avatar-initials">AL</span>`,
		`alt=""`, `width="32"`, `height="32"`, `loading="lazy"`, `referrerpolicy="no-referrer"`, `data-fallback="avatar"`,
		`src="https://s.gravatar.com/avatar/x?s=480"`, `data-hue="` + avatarHue(u) + `"`} {
		if !strings.Contains(html, want) {
			t.Errorf("avatar lacks %s:\n%s", want, html)
		}
	}
	large := renderRemote(t, avatar(u, 72))
	if !strings.Contains(large, `class="avatar avatar-large"`) || !strings.Contains(large, `width="72"`) {
		t.Errorf("large avatar:\n%s", large)
	}
	u.Picture = ""
	if html := renderRemote(t, avatar(u, 32)); strings.Contains(html, "<img") || !strings.Contains(html, ">AL<") {
		t.Errorf("avatar without a picture:\n%s", html)
	}
	if avatarHue(u) != avatarHue(auth0api.User{UserID: "auth0|1"}) {
		t.Error("the hue depends on more than the user id")
	}
	// The users table and the user page show it.
	if html := renderString(t, UsersTable(UsersTableData{Users: []auth0api.User{u}, Total: 1})); !strings.Contains(html, `class="avatar-initials">AL<`) {
		t.Errorf("the users table has no avatar:\n%s", html)
	}
	if html := renderString(t, UserProfile(UserPageData{User: u})); !strings.Contains(html, `class="avatar avatar-large"`) {
		t.Errorf("the user page has no avatar:\n%s", html)
	}
}

// TestEveryImageIsLazyAndPrivate: every <img> in the templates has alt, width and height (no
// layout shift), loads lazily, sends no referrer (the picture hosts would learn which user is
// being looked at) and falls back when it cannot be loaded.
func TestEveryImageIsLazyAndPrivate(t *testing.T) {
	files, err := filepath.Glob("*.templ")
	if err != nil {
		t.Fatal(err)
	}
	img := regexp.MustCompile(`(?s)<img\b.*?/>`)
	found := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range img.FindAllString(string(b), -1) {
			found++
			for _, want := range []string{"alt=", "width=", "height=", `loading="lazy"`, `referrerpolicy="no-referrer"`, "data-fallback="} {
				if !strings.Contains(tag, want) {
					t.Errorf("%s: <img> without %s: %s", f, want, tag)
				}
			}
		}
	}
	if found == 0 {
		t.Fatal("found no <img> in the templates")
	}
}
