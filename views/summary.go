package views

import (
	"fmt"
	"strconv"
	"time"

	"userdesk/auth0api"
)

// The user page's summary header (issue 13) answers the helpdesk's first questions without
// scrolling: status, e-mail, MFA, last login, logins, connection, roles, and (once their
// sections exist) lockout and sessions. Facts from the user record are rendered with the
// page; facts that a section reads are filled by that section's partial out of band (an
// element with hx-swap-oob="innerHTML:#chip-…"), so the header is complete as the sections
// arrive. A handler that already has a fact (a server-side fan-out) sets it in UserSummary
// and the header shows it at once.

// DOM ids of the summary header's facts and of the toolbar's slots that sections fill.
const (
	ChipStatusID     = "chip-status"     // active or blocked (user record)
	ChipEmailID      = "chip-email"      // verified or not (user record)
	ChipMFAID        = "chip-mfa"        // factors and passkeys (factors section)
	ChipLastLoginID  = "chip-last-login" // relative and exact (user record)
	ChipLoginsID     = "chip-logins"     // count (user record)
	ChipConnectionID = "chip-connection" // primary connection (user record)
	ChipRolesID      = "chip-roles"      // count (roles section)
	ChipLockoutID    = "chip-lockout"    // brute-force lockout (a section that reads it)
	ChipSessionsID   = "chip-sessions"   // count (a section that reads them)
	// ToolbarMFAID is the toolbar's MFA slot: the reset that fits the user's factors (all of
	// them, or all but the passkeys, which Auth0 will not remove at once).
	ToolbarMFAID = "toolbar-mfa"
)

// UserSummary is what the summary header shows beyond the user record. A nil field is not
// known yet: its chip shows "…" until the section that reads it fills it out of band (see
// Section.Chips), or is left out when no section on the page reads it.
type UserSummary struct {
	// MFA summarises the user's authentication methods (SummarizeFactors).
	MFA *MFASummary
	// Roles is how many roles the user holds.
	Roles *Count
	// Lockout says whether Auth0's brute-force protection has locked the user out.
	Lockout *LockoutSummary
	// Sessions is how many sessions the user has.
	Sessions *Count
}

// Count is a number that may be a lower bound ("25+"), when a list was read one page at a
// time without totals.
type Count struct {
	N int
	// More: there are more than N.
	More bool
}

// String is "3", or "25+".
func (c Count) String() string {
	if c.More {
		return strconv.Itoa(c.N) + "+"
	}
	return strconv.Itoa(c.N)
}

// MFASummary counts a user's MFA factors.
type MFASummary struct {
	// Factors is how many authentication methods the user has enrolled (passkeys included,
	// passwords not).
	Factors int
	// Passkeys is how many of them are passkeys: Auth0 refuses to remove every factor at once
	// while the user has one.
	Passkeys int
	// Unconfirmed is how many were started but not confirmed.
	Unconfirmed int
}

// SummarizeFactors counts the methods of the factors section.
func SummarizeFactors(methods []auth0api.AuthenticationMethod) MFASummary {
	var s MFASummary
	for _, m := range methods {
		if m.Type == "password" || m.Type == "email-verification" {
			continue
		}
		s.Factors++
		if m.Type == "passkey" {
			s.Passkeys++
		}
		if !m.Confirmed {
			s.Unconfirmed++
		}
	}
	return s
}

// LockoutSummary says whether brute-force protection blocks the user.
type LockoutSummary struct {
	Locked bool
	// Detail says more, e.g. "from 2 IP addresses after failed logins".
	Detail string
}

// Tone is how a summary fact reads at a glance; it is always said in words too, never by
// colour alone.
type Tone string

// Tones of a summary fact.
const (
	ToneNeutral Tone = "neutral"
	ToneOK      Tone = "ok"
	ToneWarn    Tone = "warn"
	ToneDanger  Tone = "danger"
	TonePending Tone = "pending"
)

// Fact is one chip of the summary header: a label, a value in words with its tone, and an
// optional second line (the exact time under a relative one) and link (to the tab with more).
type Fact struct {
	ID     string
	Label  string
	Value  string
	Detail string
	Tone   Tone
	// Time, when set, is the machine-readable time of Value (<time datetime>).
	Time time.Time
	// Href links the value to where the page says more ("#security").
	Href string
}

// factLabels name the facts, for the pending and unavailable states.
var factLabels = map[string]string{
	ChipStatusID: "Status", ChipEmailID: "E-mail", ChipMFAID: "MFA", ChipLastLoginID: "Last login",
	ChipLoginsID: "Logins", ChipConnectionID: "Connection", ChipRolesID: "Roles",
	ChipLockoutID: "Lockout", ChipSessionsID: "Sessions",
}

// pendingFact is a fact whose section has not answered yet.
func pendingFact(id string) Fact {
	return Fact{ID: id, Label: factLabels[id], Value: "…", Detail: "loading", Tone: TonePending}
}

// unavailableFact is a fact whose section could not load.
func unavailableFact(id string) Fact {
	return Fact{ID: id, Label: factLabels[id], Value: "unknown", Detail: "could not load", Tone: ToneNeutral}
}

// statusFact is active or blocked.
func statusFact(u auth0api.User) Fact {
	if u.Blocked {
		return Fact{ID: ChipStatusID, Label: "Status", Value: "Blocked", Detail: "cannot sign in", Tone: ToneDanger}
	}
	return Fact{ID: ChipStatusID, Label: "Status", Value: "Active", Tone: ToneOK}
}

// emailFact is verified, not verified, or none.
func emailFact(u auth0api.User) Fact {
	switch {
	case u.Email == "":
		return Fact{ID: ChipEmailID, Label: "E-mail", Value: "None", Tone: ToneNeutral}
	case u.EmailVerified:
		return Fact{ID: ChipEmailID, Label: "E-mail", Value: "Verified", Tone: ToneOK}
	}
	return Fact{ID: ChipEmailID, Label: "E-mail", Value: "Not verified", Tone: ToneWarn}
}

// lastLoginFact is how long ago, with the exact time beneath.
func lastLoginFact(u auth0api.User, now time.Time) Fact {
	if u.LastLogin.IsZero() {
		return Fact{ID: ChipLastLoginID, Label: "Last login", Value: "Never", Tone: ToneNeutral}
	}
	return Fact{ID: ChipLastLoginID, Label: "Last login", Value: relativeTime(u.LastLogin, now),
		Detail: formatTime(u.LastLogin), Time: u.LastLogin, Tone: ToneNeutral}
}

// loginsFact is the login count.
func loginsFact(u auth0api.User) Fact {
	return Fact{ID: ChipLoginsID, Label: "Logins", Value: strconv.Itoa(u.LoginsCount), Tone: ToneNeutral}
}

// connectionFact is the primary identity's connection, and how many others there are.
func connectionFact(u auth0api.User) Fact {
	conns := profileConnections(u)
	f := Fact{ID: ChipConnectionID, Label: "Connection", Tone: ToneNeutral, Href: "#panel-" + TabProfile}
	switch len(conns) {
	case 0:
		f.Value = "None"
	case 1:
		f.Value = conns[0]
	default:
		f.Value = conns[0]
		f.Detail = fmt.Sprintf("and %d more", len(conns)-1)
	}
	return f
}

// MFAFact is the MFA chip for a summary.
func MFAFact(m MFASummary) Fact {
	f := Fact{ID: ChipMFAID, Label: "MFA", Href: "#panel-" + TabSecurity}
	switch {
	case m.Factors == 0:
		f.Value, f.Tone = "None", ToneWarn
		f.Detail = "no factor enrolled"
	case m.Factors == 1:
		f.Value, f.Tone = "1 factor", ToneOK
	default:
		f.Value, f.Tone = strconv.Itoa(m.Factors)+" factors", ToneOK
	}
	switch {
	case m.Passkeys == 1:
		f.Detail = "incl. a passkey"
	case m.Passkeys > 1:
		f.Detail = "incl. " + strconv.Itoa(m.Passkeys) + " passkeys"
	}
	if m.Unconfirmed > 0 {
		if f.Detail != "" {
			f.Detail += ", "
		}
		f.Detail += strconv.Itoa(m.Unconfirmed) + " unconfirmed"
	}
	return f
}

// RolesFact is the roles chip.
func RolesFact(c Count) Fact {
	f := Fact{ID: ChipRolesID, Label: "Roles", Value: c.String(), Tone: ToneNeutral, Href: "#panel-" + TabAccess}
	if c.N == 0 && !c.More {
		f.Value = "None"
	}
	return f
}

// LockoutFact is the lockout chip.
func LockoutFact(l LockoutSummary) Fact {
	if l.Locked {
		return Fact{ID: ChipLockoutID, Label: "Lockout", Value: "Locked out", Detail: l.Detail, Tone: ToneDanger, Href: "#panel-" + TabSecurity}
	}
	return Fact{ID: ChipLockoutID, Label: "Lockout", Value: "Not locked", Detail: l.Detail, Tone: ToneOK, Href: "#panel-" + TabSecurity}
}

// SessionsFact is the sessions chip.
func SessionsFact(c Count) Fact {
	f := Fact{ID: ChipSessionsID, Label: "Sessions", Value: c.String(), Tone: ToneNeutral, Href: "#panel-" + TabSecurity}
	if c.N == 0 && !c.More {
		f.Value = "None"
	}
	return f
}

// rolesCount is the user's role count as a roles section's pager knows it.
func rolesCount(p Pager) Count {
	switch {
	case p.Total > 0:
		return Count{N: p.Total}
	case p.NextURL != "":
		return Count{N: p.Start + p.Count, More: true}
	}
	return Count{N: p.Start + p.Count}
}

// sectionFacts are the facts the summary header shows after the record's, in order: known
// ones with their value; unknown ones pending when a section will fill them, "unknown" when
// that section was placed in the page without them (UserPageData.Sections), else left out.
func (d UserPageData) sectionFacts() []Fact {
	var out []Fact
	add := func(id string, known bool, f func() Fact) {
		if known {
			out = append(out, f())
			return
		}
		sec, ok := chipSection(id)
		switch {
		case !ok:
		case d.Sections[sec.Path] != nil:
			out = append(out, unavailableFact(id))
		default:
			out = append(out, pendingFact(id))
		}
	}
	s := d.Summary
	add(ChipMFAID, s.MFA != nil, func() Fact { return MFAFact(*s.MFA) })
	add(ChipLockoutID, s.Lockout != nil, func() Fact { return LockoutFact(*s.Lockout) })
	add(ChipRolesID, s.Roles != nil, func() Fact { return RolesFact(*s.Roles) })
	add(ChipSessionsID, s.Sessions != nil, func() Fact { return SessionsFact(*s.Sessions) })
	return out
}

// relativeTime says how long ago t was, in words: "just now", "5 minutes ago", "yesterday",
// "3 weeks ago".
func relativeTime(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	case d < 48*time.Hour && !future:
		return "yesterday"
	case d < 14*24*time.Hour:
		s = plural(int(d/(24*time.Hour)), "day")
	case d < 60*24*time.Hour:
		s = plural(int(d/(7*24*time.Hour)), "week")
	case d < 365*24*time.Hour:
		s = plural(int(d/(30*24*time.Hour)), "month")
	default:
		s = plural(int(d/(365*24*time.Hour)), "year")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// plural is "1 day", "2 days".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// userLabel names a user in confirmations: "Ada Lovelace (ada@example.com)".
func userLabel(u auth0api.User) string { return PersonLabel(u.Name, u.Email, u.UserID) }

// PersonLabel names a user or a staff member in words: "Ada Lovelace (ada@example.com)", or
// whichever of the name and the e-mail address is known, or else id.
func PersonLabel(name, email, id string) string {
	switch {
	case name != "" && email != "" && name != email:
		return name + " (" + email + ")"
	case email != "":
		return email
	case name != "":
		return name
	}
	return id
}
