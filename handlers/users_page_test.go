package handlers

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
	"userdesk/views"
)

// TestUserPage: every role sees the profile (one call), a placeholder per section that loads
// that section's URL, and exactly the controls its role allows.
func TestUserPage(t *testing.T) {
	a := newTestApp(t)
	id := auth0apitest.FixtureBlockedUserID // Charles: blocked, e-mail not verified, database user
	controls := []string{`id="edit-user"`, `id="unblock-user"`, `id="password-reset"`, `id="verification-email"`, `id="delete-zone"`}
	want := map[string][]bool{
		"viewer":   {false, false, false, false, false},
		"helpdesk": {false, true, true, true, false},
		"admin":    {true, true, true, true, true},
	}
	for persona, shown := range want {
		t.Run(persona, func(t *testing.T) {
			b := a.signIn(t, persona)
			reset(a)
			resp, body := b.get(t, "/users/"+escapedPath(id))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET = %d:\n%.600s", resp.StatusCode, body)
			}
			// One round trip of five calls: the user and roles (the gate), and the sections'
			// methods, permissions and organizations at once (userpage.go).
			expectCalls(t, a, userPageCalls(escapedUser(id))...)
			for _, want := range []string{
				"<title>Charles Babbage · userdesk</title>",
				`<h1 id="user-name">Charles Babbage`,
				`<span id="user-email">charles.babbage@example.com</span>`,
				`class="fact-value">Not verified<`, `class="fact-value">Blocked<`,
				`<code id="user-id">` + id + `</code>`, `data-copy="` + id + `"`,
				`id="user-connections"`, auth0apitest.DatabaseConnection,
				"198.51.100.7", `<dd id="user-logins">12</dd>`,
				`id="app-metadata"`, "blocked_reason", "chargeback",
				`id="user-raw-json"`, `&#34;user_id&#34;: &#34;` + id,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			// The sections read with the page are in it; the logs, refresh tokens and
			// authorized applications wait for their tab.
			for _, sec := range everyonesSections() {
				placeholder := `id="` + sec.ID + `" class="user-section" aria-labelledby="` + sec.ID + `-title" hx-get="` + views.SectionURL(id, sec) + `"`
				switch sec.Path {
				case "logs", "refresh-tokens", "applications": // when their tab shows
					if !strings.Contains(body, placeholder+` hx-trigger="intersect once, userdesk:shown once, userdesk:retry"`) {
						t.Errorf("no placeholder loading %s when shown", sec.Title)
					}
				default:
					if strings.Contains(body, placeholder) || !strings.Contains(body, `<section id="`+sec.ID+`" class="user-section"`) {
						t.Errorf("%s is not in the page as it was read", sec.Title)
					}
				}
			}
			for i, c := range controls {
				if strings.Contains(body, c) != shown[i] {
					t.Errorf("%s shown = %v, want %v", c, !shown[i], shown[i])
				}
			}

			// htmx: the profile alone.
			reset(a)
			resp, body = htmxGet(t, b, "/users/"+escapedPath(id))
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, `<div id="user-profile"`) || strings.Contains(body, "section-roles") {
				t.Errorf("partial = %d:\n%.400s", resp.StatusCode, body)
			}
			partialCalls := []string{"GET " + escapedUser(id)}
			if persona == "helpdesk" { // the controls the rules would refuse are withheld
				partialCalls = append(partialCalls, "GET "+escapedUser(id)+"/roles")
			}
			expectCalls(t, a, partialCalls...)
		})
	}
}

// TestUserPageIDs: ids with '|', '/', spaces and unicode round-trip through the URL, decoded
// exactly once; ids that could change the Management API path are refused before any call
// (checklist item 45); an unknown id is a clear 404 page.
func TestUserPageIDs(t *testing.T) {
	a := newTestApp(t)
	unicodeID := "auth0|ünï côdé/用户"
	a.Tenant.PutUser(map[string]any{"user_id": unicodeID, "name": "Unicode Person", "email": "uni@example.com"})
	pctID := "auth0|x%2F"
	b := a.signIn(t, "viewer")
	for _, tt := range []struct {
		path, id string
	}{
		{"/users/auth0%7C64a1b2c3d4e5f60718293a4b", auth0apitest.FixtureUserID},
		{"/users/auth0|64a1b2c3d4e5f60718293a4b", auth0apitest.FixtureUserID},
		{"/users/auth0%7Clegacy%2F00042%20bl", auth0apitest.FixtureSlashUserID},
		{"/users/samlp%7Cacme-saml%7Calan.turing%40acme.example", auth0apitest.FixtureEnterpriseUserID},
		{"/users/google-oauth2%7C108234567890123456789", auth0apitest.FixtureSocialUserID},
		{"/users/" + escapedPath(unicodeID), unicodeID},
	} {
		reset(a)
		resp, body := b.get(t, tt.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", tt.path, resp.StatusCode)
			continue
		}
		expectCalls(t, a, userPageCalls(escapedUser(tt.id))...)
		if !strings.Contains(body, `<code id="user-id">`+htmlEscape(tt.id)+`</code>`) {
			t.Errorf("GET %s does not show %q", tt.path, tt.id)
		}
		// The page's own links lead back to the same user: the logs' placeholder, and every
		// section read with the page is in it, for that user.
		if !strings.Contains(body, `hx-get="`+htmlEscape(views.SectionURL(tt.id, sectionNamed("logs")))+`"`) {
			t.Errorf("GET %s: the logs' link is not for %q", tt.path, tt.id)
		}
		for _, sec := range everyonesSections() {
			if sec.Path != "logs" && !strings.Contains(body, `<section id="`+sec.ID+`" class="user-section"`) {
				t.Errorf("GET %s: %s is not in the page", tt.path, sec.Path)
			}
		}
	}

	for _, bad := range []string{
		"/users/..", "/users/.", "/users/..%2Fclients", "/users/%2e%2e", "/users/%252e%252e%252f",
		"/users/auth0%7Cx%2F..%2F..%2Fclients", "/users/auth0%7Cx%00", "/users/auth0%7Cx%0d%0aX:1",
		"/users/auth0%7Cx%3Ffields=", "/users/auth0%7Cx%23", "/users/auth0%7C" + strings.Repeat("a", 300),
		"/users/no-pipe", "/users/%7Cx", "/users/auth0%7C", "/users/" + escapedPath(pctID), "/users/auth0%7Ca%5Cb",
		"/users/Auth0%7Cupper-provider",
	} {
		reset(a)
		resp, body := b.get(t, bad)
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 400", bad, resp.StatusCode)
		}
		if resp.StatusCode == http.StatusBadRequest && !strings.Contains(body, "not a valid user id") {
			t.Errorf("GET %s: %.300s", bad, body)
		}
		expectCalls(t, a)
	}

	reset(a)
	resp, body := b.get(t, "/users/auth0%7Cdeleted-long-ago")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "No such user") || !strings.Contains(body, "There is no user with the id auth0|deleted-long-ago") {
		t.Errorf("unknown user = %d:\n%.600s", resp.StatusCode, body)
	}
	// The sections' reads start with the user's (one round trip) and are dropped: reads only,
	// of that user.
	for _, c := range mgmtCalls(a) {
		if !slices.Contains(userPageCalls("/users/auth0%7Cdeleted-long-ago"), c) {
			t.Errorf("unexpected call for a missing user: %s", c)
		}
	}
}

// escapedPath escapes an id as one path segment, as the dashboard's links do.
func escapedPath(id string) string { return strings.TrimPrefix(userPath(id), "/users/") }

// TestUserPageSelf: staff see their own page marked as theirs, without block or delete.
func TestUserPageSelf(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	resp, body := b.get(t, userPath(staffID("admin")))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("own page = %d", resp.StatusCode)
	}
	for _, want := range []string{`id="self-state"`, "This is your own account"} {
		if !strings.Contains(body, want) {
			t.Errorf("own page lacks %s", want)
		}
	}
	for _, absent := range []string{`id="block-user"`, `id="delete-zone"`} {
		if strings.Contains(body, absent) {
			t.Errorf("own page offers %s", absent)
		}
	}
}
