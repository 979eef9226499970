package views

import (
	"strings"
	"testing"
	"time"

	"userdesk/auth0api"
)

// hostile is the checklist-48 corpus, for every field a section shows.
const hostile = `<script>alert(1)</script>"><img src=x onerror=alert(1)>" hx-get="/users/x/delete" hx-trigger="load`

// secHostile is a section's target with hostile names.
var secHostile = SecurityTarget{UserID: `auth0|"><script>x</script>`, User: hostile, CSRFToken: hostile,
	Can: Abilities{Unlock: true, EndSessions: true}}

// TestSectionsEscapeEverything: hostile values from Auth0 (role names and descriptions, factor
// names, log fields, organization names, permission descriptions) render as inert text in
// every section, and no section carries inline code (checklist 48).
func TestSectionsEscapeEverything(t *testing.T) {
	userID := `auth0|"><script>x</script>`
	can := Abilities{ResetMFA: true, WriteAuthMethods: true, AssignRoles: true, AssignPermissions: true}
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sections := map[string]string{
		"factors": renderString(t, FactorsSection(FactorsData{
			UserID: userID, User: hostile, Can: can,
			Methods: []auth0api.AuthenticationMethod{
				{ID: "totp|" + hostile, Type: "totp", Name: hostile, CreatedAt: when},
				{ID: "passkey|dev_1", Type: "passkey", Name: "ok", UserAgent: hostile, RelyingPartyIdentifier: hostile, Transports: []string{hostile}},
			},
			Enrollments:  []auth0api.Enrollment{{ID: hostile, Name: hostile, AuthMethod: hostile, Status: hostile}},
			Providers:    []string{"duo"},
			RecoveryCode: hostile,
			Create:       FactorForm{UserID: userID, User: hostile, Type: "phone", Values: map[string]string{"phone_number": hostile}, Errors: map[string]string{"phone_number": hostile}},
			Replace:      ReplaceForm{UserID: userID, User: hostile, JSON: hostile, Errors: []string{hostile}},
		})),
		"roles": renderString(t, RolesSection(RolesData{UserID: userID, Can: can,
			Roles: []auth0api.Role{{ID: "rol_1", Name: hostile, Description: `<iframe srcdoc="<script>alert(1)</script>">`}}})),
		"picker": renderString(t, RolePicker(RolePickerData{UserID: userID, Filter: hostile, PerPage: 25,
			Roles: []auth0api.Role{{ID: "rol_1", Name: hostile, Description: hostile}}, Assigned: map[string]bool{hostile: true}})),
		"permissions": renderString(t, PermissionsSection(PermissionsData{UserID: userID, Can: can,
			Permissions: []auth0api.Permission{{PermissionName: hostile, Description: hostile, ResourceServerName: hostile, ResourceServerIdentifier: hostile}}})),
		"scopes": renderString(t, PermissionPicker(PermissionPickerData{UserID: userID, API: hostile,
			APIs: []auth0api.ResourceServer{{Name: hostile, Identifier: hostile}}, Scopes: []auth0api.Scope{{Value: hostile, Description: hostile}}})),
		"organizations": renderRemote(t, OrganizationsSection(OrganizationsData{UserID: userID,
			Organizations: []auth0api.Organization{{ID: hostile, Name: hostile, DisplayName: hostile, Branding: auth0api.OrganizationBranding{LogoURL: "javascript:alert(1)"}}}})),
		"logs": renderString(t, LogsSection(LogsData{UserID: userID, Events: []auth0api.LogEvent{{
			Type: hostile, Description: hostile, IP: hostile, ClientName: hostile, Connection: hostile, UserAgent: hostile, Date: when,
			LocationInfo: auth0api.LocationInfo{CityName: hostile}}}})),
		"error": renderString(t, SectionError(UserSections()[0], "/users/x/factors", Problem{Status: 400, Title: hostile, Message: hostile})),
		"lockouts": renderString(t, LockoutsSection(LockoutsData{SecurityTarget: secHostile,
			Blocks: []auth0api.UserBlock{{Identifier: hostile, IP: hostile, Connection: hostile}}, SinceURL: "/users/x/lockouts/since?ip=" + hostile})),
		"orphan lockouts": renderString(t, OrphanLockouts(hostile, []auth0api.UserBlock{{Identifier: hostile, IP: hostile, Connection: hostile}}, true, hostile)),
		"sessions": renderString(t, SessionsSection(SessionsData{SecurityTarget: secHostile, Sessions: []auth0api.Session{{
			ID: hostile, Device: auth0api.Device{LastUserAgent: hostile, LastIP: hostile}, Clients: []auth0api.SessionClient{{ClientID: hostile}},
			Authentication: auth0api.SessionAuthentication{Methods: []auth0api.AuthenticationSignal{{Name: hostile}}}}}})),
		"refresh tokens": renderString(t, RefreshTokensSection(RefreshTokensData{SecurityTarget: secHostile, Tokens: []auth0api.RefreshToken{{
			ID: hostile, ClientID: hostile, Device: auth0api.Device{LastUserAgent: hostile, LastIP: hostile},
			ResourceServers: []auth0api.RefreshTokenResourceServer{{Audience: hostile, Scopes: hostile}}}}})),
		"applications": renderString(t, ApplicationsSection(ApplicationsData{SecurityTarget: secHostile, Grants: []auth0api.Grant{{
			ID: hostile, ClientID: hostile, Audience: hostile, Scope: []string{hostile}}}})),
		"places": renderString(t, SessionPlaces([]SessionPlace{{Index: 0, Place: hostile}})),
		"secure": renderString(t, SecureZone(SecureForm{UserID: userID, User: hostile, Email: hostile, CSRFToken: hostile,
			Can: Abilities{EndSessions: true, ResetMFA: true, SendEmails: true, BlockUsers: true}})),
	}
	for name, html := range sections {
		for _, bad := range []string{"<script>alert", "<img src=x", `hx-get="/users/x/delete"`, `src="javascript:`, "<iframe"} {
			if strings.Contains(html, bad) {
				t.Errorf("%s: hostile value rendered live: %q", name, bad)
			}
		}
		if !strings.Contains(html, "&lt;script&gt;") {
			t.Errorf("%s: the hostile value is not shown as text", name)
		}
		noInlineCode(t, strings.ReplaceAll(html, "javascript:alert", ""))
	}
	if !strings.Contains(sections["organizations"], "about:invalid#TemplFailedSanitizationURL") {
		t.Error("a javascript: logo URL was not neutralised")
	}
	// Ids in URLs are escaped into one path segment.
	if !strings.Contains(sections["roles"], `hx-delete="/users/auth0%7C%22%3E%3Cscript%3Ex%3C%2Fscript%3E/roles/rol_1"`) {
		t.Errorf("the role's remove URL is not escaped:\n%s", sections["roles"])
	}
}

// TestSectionRoots: every section partial's root element carries the id of its UserSections
// entry, so the user page's placeholder and every later swap replace the same element.
func TestSectionRoots(t *testing.T) {
	roots := map[string]string{
		"factors":        renderString(t, FactorsSection(FactorsData{UserID: "u"})),
		"roles":          renderString(t, RolesSection(RolesData{UserID: "u"})),
		"permissions":    renderString(t, PermissionsSection(PermissionsData{UserID: "u"})),
		"organizations":  renderString(t, OrganizationsSection(OrganizationsData{UserID: "u"})),
		"logs":           renderString(t, LogsSection(LogsData{UserID: "u"})),
		"changes":        renderString(t, StaffChangesSection(StaffChangesData{UserID: "u"})),
		"lockouts":       renderString(t, LockoutsSection(LockoutsData{SecurityTarget: SecurityTarget{UserID: "u"}})),
		"sessions":       renderString(t, SessionsSection(SessionsData{SecurityTarget: SecurityTarget{UserID: "u"}})),
		"refresh-tokens": renderString(t, RefreshTokensSection(RefreshTokensData{SecurityTarget: SecurityTarget{UserID: "u"}})),
		"applications":   renderString(t, ApplicationsSection(ApplicationsData{SecurityTarget: SecurityTarget{UserID: "u"}})),
	}
	for _, sec := range UserSections() {
		html, ok := roots[sec.Path]
		if !ok {
			t.Errorf("no partial for section %s", sec.Path)
			continue
		}
		if !strings.HasPrefix(html, `<section id="`+sec.ID+`" class="user-section"`) {
			t.Errorf("%s's root:\n%.200s", sec.Path, html)
		}
		if !strings.Contains(html, "<h2 id=\""+sec.ID+"-title\" tabindex=\"-1\">"+sec.Title+"</h2>") {
			t.Errorf("%s has no heading", sec.Path)
		}
		errHTML := renderString(t, SectionError(sec, SectionURL("u", sec), Problem{Status: 429, Message: "Try again in 3 s."}))
		if !strings.HasPrefix(errHTML, `<section id="`+sec.ID+`"`) || !strings.Contains(errHTML, `hx-get="/users/u/`+sec.Path+`"`) {
			t.Errorf("%s's error:\n%s", sec.Path, errHTML)
		}
	}
}

// TestPager: previous and next re-render the section alone; the summary counts; the end note
// shows only past the last reachable page.
func TestPager(t *testing.T) {
	sec, _ := SectionByPath("logs")
	html := renderString(t, sectionPager(Pager{Section: sec, Noun: "events", Start: 25, Count: 25, Total: 80,
		PrevURL: SectionPageURL("u", sec, 0), NextURL: SectionPageURL("u", sec, 2), EndNote: LogsEndNote}))
	for _, want := range []string{"Events 26–50 of 80", `hx-get="/users/u/logs"`, `hx-get="/users/u/logs?page=2"`, `hx-target="#section-logs"`, `hx-swap="outerHTML"`} {
		if !strings.Contains(html, want) {
			t.Errorf("pager lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "1,000") {
		t.Error("the end note shows before the end")
	}
	last := renderString(t, sectionPager(Pager{Section: sec, Noun: "events", Start: 975, Count: 25, PrevURL: "/p", EndNote: LogsEndNote}))
	if !strings.Contains(last, "1,000 most recent events") || strings.Contains(last, "pager-next") {
		t.Errorf("last page:\n%s", last)
	}
	if got := (Pager{Noun: "roles"}).Summary(); got != "No roles." {
		t.Errorf("empty summary = %q", got)
	}
}
