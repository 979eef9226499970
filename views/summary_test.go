package views

import (
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"userdesk/auth0api"
)

func TestRelativeTime(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		ago  time.Duration
		want string
	}{
		{10 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{45 * time.Minute, "45 minutes ago"},
		{3 * time.Hour, "3 hours ago"},
		{30 * time.Hour, "yesterday"},
		{50 * time.Hour, "2 days ago"},
		{20 * 24 * time.Hour, "2 weeks ago"},
		{100 * 24 * time.Hour, "3 months ago"},
		{800 * 24 * time.Hour, "2 years ago"},
		{-3 * time.Hour, "in 3 hours"},
	} {
		if got := relativeTime(now.Add(-tt.ago), now); got != tt.want {
			t.Errorf("%v ago = %q, want %q", tt.ago, got, tt.want)
		}
	}
}

func TestSummarizeFactors(t *testing.T) {
	got := SummarizeFactors([]auth0api.AuthenticationMethod{
		{Type: "totp", Confirmed: true}, {Type: "passkey", Confirmed: true}, {Type: "phone"},
		{Type: "password", Confirmed: true}, {Type: "email-verification", Confirmed: true},
	})
	if got != (MFASummary{Factors: 3, Passkeys: 1, Unconfirmed: 1}) {
		t.Errorf("summary = %+v", got)
	}
	f := MFAFact(got)
	if f.Value != "3 factors" || f.Detail != "incl. a passkey, 1 unconfirmed" || f.Tone != ToneOK {
		t.Errorf("fact = %+v", f)
	}
	if f := MFAFact(MFASummary{}); f.Value != "None" || f.Tone != ToneWarn {
		t.Errorf("no factor: %+v", f)
	}
}

func TestRolesCount(t *testing.T) {
	for _, tt := range []struct {
		p    Pager
		want string
	}{
		{Pager{Total: 40, Count: 25}, "40"},
		{Pager{Count: 25, NextURL: "/next"}, "25+"},
		{Pager{Start: 25, Count: 3}, "28"},
		{Pager{}, "0"},
	} {
		if got := rolesCount(tt.p).String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.p, got, tt.want)
		}
	}
	if f := RolesFact(Count{}); f.Value != "None" {
		t.Errorf("no roles: %+v", f)
	}
}

// TestUserPageSummary: facts from the record come with the page; MFA and roles are pending
// until their sections fill them out of band, or shown at once when a handler knows them; the
// toolbar's MFA reset fits the user; UserProfile refreshes the record's facts and the toolbar
// out of band but leaves the sections' facts alone.
func TestUserPageSummary(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	u := auth0api.User{UserID: "auth0|1", Name: "Ada Lovelace", Email: "ada@example.com", EmailVerified: true,
		LastLogin: now.Add(-49 * time.Hour), LoginsCount: 42, Blocked: true,
		Identities: []auth0api.Identity{{Connection: "Username-Password-Authentication", Provider: "auth0"}}}
	d := UserPageData{User: u, Now: now, Can: Abilities{ResetMFA: true, BlockUsers: true}}
	page := renderString(t, UserPage(signedIn, d))
	for _, want := range []string{
		`id="chip-status"`, `class="fact-value">Blocked<`, `class="fact-value">Verified<`,
		`>2 days ago</time>`, `2026-12-03 11:00 UTC`, `class="fact-value">42<`, `>Username-Password-Authentication</a>`,
		`id="chip-mfa"`, `id="chip-roles"`, `data-tone="pending"`,
		`<span id="toolbar-mfa" class="toolbar-slot"></span>`,
		`href="#panel-security" id="tab-security" data-tab="security"`, `data-tab-panel="security"`,
		`data-user-label="Ada Lovelace (ada@example.com)"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// The lockouts and sessions sections fill their facts (issue 12).
	for _, want := range []string{`id="chip-lockout"`, `id="chip-sessions"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s, which a section fills", want)
		}
	}

	// Known on the server: shown at once, with the reset that fits (a passkey).
	d.Summary = UserSummary{MFA: &MFASummary{Factors: 3, Passkeys: 1}, Roles: &Count{N: 2}, Lockout: &LockoutSummary{Locked: true}, Sessions: &Count{N: 3}}
	page = renderString(t, UserPage(signedIn, d))
	for _, want := range []string{`>3 factors</a>`, `>2</a>`, `>Locked out</a>`, `data-reset="keep-passkeys"`, `hx-delete="/users/auth0%7C1/authenticators"`} {
		if !strings.Contains(page, want) {
			t.Errorf("with the summary known the page lacks %s", want)
		}
	}
	if strings.Contains(page, `data-tone="pending"`) {
		t.Error("a known fact is shown pending")
	}

	// A section placed in the page: no out-of-band carriers, and its fact, if not given,
	// is unknown rather than pending forever.
	d.Summary = UserSummary{}
	d.Sections = map[string]templ.Component{"roles": RolesSection(RolesData{UserID: "auth0|1"})}
	page = renderString(t, UserPage(signedIn, d))
	if strings.Contains(page, "hx-swap-oob") {
		t.Error("a section placed in the page carries out-of-band updates")
	}
	if !strings.Contains(page, `<section id="section-roles" class="user-section"`) || strings.Contains(page, `hx-get="/users/auth0%7C1/roles"`) {
		t.Error("the roles section is not placed in the page")
	}
	if i := strings.Index(page, `id="chip-roles"`); i < 0 || !strings.Contains(page[i:i+400], "unknown") {
		t.Error("the roles fact of a section placed without it is not unknown")
	}

	// The answer to a change: the details, and out of band the identity, the record's facts
	// and the toolbar's groups; not the sections' facts or the MFA slot.
	partial := renderString(t, UserProfile(d))
	if !strings.HasPrefix(partial, `<div id="user-profile"`) {
		t.Errorf("the partial's root:\n%.200s", partial)
	}
	for _, want := range []string{`id="user-identity" hx-swap-oob="true"`, `id="chip-status" hx-swap-oob="true"`, `id="toolbar-account" role="group" aria-label="Account" hx-swap-oob="true"`, `id="toolbar-danger"`} {
		if !strings.Contains(partial, want) {
			t.Errorf("the partial lacks %s", want)
		}
	}
	for _, absent := range []string{`chip-mfa`, `chip-roles`, `toolbar-mfa`} {
		if strings.Contains(partial, absent) {
			t.Errorf("the partial touches %s, which a section fills", absent)
		}
	}
}
