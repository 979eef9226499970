// Package views holds userdesk's templ components: the layout, one .templ file per screen, and
// the partials that htmx swaps in. Components only render the data they are given: no I/O, no
// echo, no sessions. Handlers render either a full page (XxxPage, wrapped in Layout) or, for an
// htmx request, the partial alone (XxxTable, XxxForm, ...), whose root element carries the DOM id
// it replaces (the constants below).
package views

import (
	"encoding/json"
	"net/url"

	"github.com/a-h/templ"
)

// DOM ids shared by templates (hx-target) and handlers. A partial's root element carries the id
// of the element it replaces, so swaps are idempotent (hx-swap="outerHTML").
const (
	// MainID is the page's main landmark, the skip link's target.
	MainID = "main"
	// FlashID is the area where short messages appear; partial responses fill it out of band
	// (FlashOOB).
	FlashID = "flash"
	// UsersTableID is the users table on the users page.
	UsersTableID = "users-table"
	// ConfirmDialogID is the page's confirmation dialog (hx-confirm, see app.js).
	ConfirmDialogID = "confirm-dialog"
)

// Page is what the layout needs from every full page.
type Page struct {
	// Title is the page's title, before " · userdesk".
	Title string
	// Person is who is signed in; nil on public pages.
	Person *Person
	// CSRFToken is the signed-in person's token; htmx sends it in X-CSRF-Token (from hx-headers
	// on <body>) and plain forms in a hidden _csrf field (CSRFField).
	CSRFToken string
	// Flash is a message carried over from the previous request, e.g. after a redirect.
	Flash Flash
	// AssetVersion is appended to static URLs (?v=) so they can be cached for a long time.
	AssetVersion string
	// Version is userdesk's version, shown in the footer.
	Version string
}

// Person is the signed-in staff member.
type Person struct {
	Name  string
	Email string
	// Role is the dashboard role, "admin", "helpdesk" or "viewer", or "" for none.
	Role string
	// Can says which actions the role allows, so pages show only the controls that will work
	// (the server enforces the same table on every request).
	Can Abilities
}

// Abilities mirrors the handlers' role table for the templates: each field is one action.
type Abilities struct {
	ViewRaw           bool // the user's raw JSON
	ViewLogs          bool // the logs section
	BlockUsers        bool // block and unblock
	SendEmails        bool // password-reset and verification e-mails
	ResetMFA          bool // remove factors, providers, remembered browsers, recovery code
	WriteAuthMethods  bool // create, update, replace authentication methods
	CreateUsers       bool
	EditUsers         bool // profile and metadata
	DeleteUsers       bool
	AssignRoles       bool
	AssignPermissions bool
	Unlock            bool // clear brute-force lockouts
	EndSessions       bool // end sessions, revoke refresh tokens and grants, secure an account
	Link              bool // link and unlink identities
	Policy            bool // the effective policy page
	Audit             bool // the audit trail, and "Changes by staff" on the user page
	Export            bool // export users (the search's export form)
	StaffSessions     bool // the staff-sessions page: who is signed in, ending their sessions
	// ConfirmIdentity: the person's last sign-in is old enough that the dangerous actions
	// (deleting a user, resetting all factors, a recovery code, a password-change link,
	// creating or replacing methods, roles and permissions) will first ask them to sign in
	// again. Pages say so beside those actions (StepUpNote).
	ConfirmIdentity bool
}

// FlashKind is the tone of a flash message.
type FlashKind string

// Flash kinds.
const (
	FlashSuccess FlashKind = "success"
	FlashError   FlashKind = "error"
	FlashInfo    FlashKind = "info"
)

// Flash is a short message shown in the flash area.
type Flash struct {
	Kind    FlashKind
	Message string
}

// htmxConfig is htmx's configuration (<meta name="htmx-config">): no eval, no script tags in
// swapped content, no history cache in localStorage (it would keep user data), requests only to
// our own origin, indicator styles from app.css (the CSP forbids inline styles), and 4xx/5xx
// answers swapped like others so a partial's error message shows where the partial goes.
const htmxConfig = `{"allowEval":false,"allowScriptTags":false,"historyCacheSize":0,` +
	`"selfRequestsOnly":true,"includeIndicatorStyles":false,"refreshOnHistoryMiss":true,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},` +
	`{"code":"[45]..","swap":true,"error":true}]}`

// asset returns the URL of a static file, versioned for caching.
func asset(p Page, name string) string {
	return "/static/" + name + "?v=" + url.QueryEscape(p.AssetVersion)
}

// csrfHeaders returns the hx-headers value that makes htmx send the CSRF token.
func csrfHeaders(token string) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

// roleLabel is how a dashboard role is shown.
func roleLabel(role string) string {
	if role == "" {
		return "no role"
	}
	return role
}

// ariaInvalid marks a field whose value was refused: aria-invalid="true", or nothing. (A bare
// aria-invalid attribute is empty, which ARIA reads as false, and "false" would make Pico draw
// the field as valid.)
func ariaInvalid(invalid bool) templ.Attributes {
	if invalid {
		return templ.Attributes{"aria-invalid": "true"}
	}
	return nil
}
