package views

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"

	"userdesk/auth0api"
)

// DOM ids of the user page.
const (
	// UserProfileID is the Profile tab's content: details, identities, metadata, raw JSON and
	// the delete form. Changes to the user (block, edit, ...) answer with UserProfile, which
	// swaps it and, out of band, the header's identity, the record's facts and the toolbar, so
	// nothing shown goes stale; the edit form takes its place while open.
	UserProfileID = "user-profile"
	// UserNoticeID is where a change's result that must be seen once appears (a
	// password-change link).
	UserNoticeID = "user-notice"
	// UserIdentityID is the header's picture, name, e-mail address and id.
	UserIdentityID = "user-identity"
	// UserToolbarID is the toolbar of actions on the user; its groups are
	// ToolbarAccountID, ToolbarMFAID and ToolbarDangerID.
	UserToolbarID = "user-toolbar"
	// ToolbarAccountID holds the toolbar's everyday actions: edit, e-mails, password link.
	ToolbarAccountID = "toolbar-account"
	// ToolbarDangerID holds the toolbar's destructive actions: block, delete.
	ToolbarDangerID = "toolbar-danger"
)

// UserPageData is what the user page and its profile partial show.
type UserPageData struct {
	User auth0api.User
	// Can says which controls to show.
	Can Abilities
	// Self: the user is the signed-in person (who may not block or delete themselves).
	Self bool
	// Protection: the user holds a protected role, so the signed-in person (helpdesk) may not
	// change them; Can already lacks those actions, and the page says why.
	Protection Protection
	// CSRFToken goes into the plain forms (the fallback without JavaScript).
	CSRFToken string
	// Notice is shown once in the notice area (e.g. a password-change link).
	Notice UserNotice
	// DeleteError is the delete form's message when the confirmation did not match.
	DeleteError string
	// DeleteTyped is what was typed in the delete confirmation.
	DeleteTyped string
	// Summary holds the header's facts that sections read (MFA, roles, ...). Left empty, the
	// sections fill them as they load; a handler that has them already sets them.
	Summary UserSummary
	// Now is the time "last login 2 days ago" is counted from; zero means the clock.
	Now time.Time
	// Sections holds sections already rendered on the server, by Section.Path (for example
	// FactorsSection(d) when its calls answered within the page's budget): they are placed
	// in the page as they are, and the others load by their own request. A section placed
	// this way leaves out its out-of-band updates of the header, so set the matching Summary
	// fields (MFA from SummarizeFactors, Roles) together with it.
	Sections map[string]templ.Component
}

// inlineKey marks a render of a section placed in the page itself (UserPageData.Sections),
// whose out-of-band updates of the header must be left out (the header has the facts, and
// the same ids twice would be wrong).
type inlineKey struct{}

// inlineSection renders a section for its place in the page.
func inlineSection(c templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return c.Render(context.WithValue(ctx, inlineKey{}, true), w)
	})
}

// outOfBand reports whether a section's render should carry its out-of-band updates: it is
// an answer to htmx, not a part of the page.
func outOfBand(ctx context.Context) bool {
	inline, _ := ctx.Value(inlineKey{}).(bool)
	return !inline
}

// now is d.Now, or the clock.
func (d UserPageData) now() time.Time {
	if d.Now.IsZero() {
		return time.Now()
	}
	return d.Now
}

// mayResetMFA reports whether the signed-in person may reset the user's factors (the
// toolbar's MFA slot); the factors section decides the same with FactorsData.mayReset.
func (d UserPageData) mayResetMFA() bool {
	return d.Can.ResetMFA && !d.Self && !d.Protection.Applies()
}

// toolbarStepUps names, for StepUpNote, the toolbar's actions that need a recent sign-in and
// that the person sees: "" when there are none.
func (d UserPageData) toolbarStepUps() string {
	var what []string
	if d.Can.SendEmails && isDatabaseUser(d.User) {
		what = append(what, "a password-change link")
	}
	if d.Summary.MFA != nil && d.Summary.MFA.Factors > 0 && d.mayResetMFA() {
		what = append(what, "an MFA reset")
	}
	if d.Can.BlockUsers && !d.Self {
		what = append(what, "blocking or unblocking")
	}
	if d.maySecure() {
		what = append(what, "securing the account")
	}
	switch len(what) {
	case 0:
		return ""
	case 1:
		return capitalize(what[0])
	}
	return capitalize(strings.Join(what[:len(what)-1], ", ") + " and " + what[len(what)-1])
}

// capitalize upper-cases the first letter of an ASCII phrase.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Protection says that only an admin may change a user, because the user holds a protected
// tenant role (or their roles could not be checked).
type Protection struct {
	// Staff: the user has access to userdesk (a staff account).
	Staff bool
	// Roles are the protected roles the user holds.
	Roles []string
	// Unchecked: the user's roles could not all be read, so the controls are withheld anyway.
	Unchecked bool
}

// Applies reports whether the signed-in person's changes are withheld.
func (p Protection) Applies() bool { return p.Staff || len(p.Roles) > 0 || p.Unchecked }

// protectionNote says, in words, why the controls are missing.
func protectionNote(p Protection, what string) string {
	switch {
	case p.Staff:
		return "This user has access to userdesk: only an admin can " + what + "."
	case len(p.Roles) == 1:
		return "This user holds the protected role " + p.Roles[0] + ": only an admin can " + what + "."
	case len(p.Roles) > 1:
		return "This user holds the protected roles " + strings.Join(p.Roles, ", ") + ": only an admin can " + what + "."
	}
	return "userdesk could not check whether this user holds a protected role, so only an admin can " + what + " for now. Reload to try again."
}

// UserNotice is a result shown once on the user page.
type UserNotice struct {
	// TicketURL is a password-change link: a secret, shown once, never stored.
	TicketURL string
	// Expires is when the link stops working.
	Expires time.Time
}

// DeleteConfirmation is what a person must type to delete u: the e-mail address, or the user id
// when there is none.
func DeleteConfirmation(u auth0api.User) string {
	if u.Email != "" {
		return u.Email
	}
	return u.UserID
}

// isDatabaseUser reports whether the user's primary identity is a database (password) one,
// the only kind whose password can be changed.
func isDatabaseUser(u auth0api.User) bool {
	return len(u.Identities) > 0 && u.Identities[0].Provider == "auth0"
}

// profileConnections lists the connections of every identity, without repeats.
func profileConnections(u auth0api.User) []string {
	var out []string
	for _, id := range u.Identities {
		if id.Connection != "" && !slices.Contains(out, id.Connection) {
			out = append(out, id.Connection)
		}
	}
	return out
}

// profileJSON renders a value as indented JSON for people to read (the templates escape it).
func profileJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the templates escape; \u003c would only be harder to read
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "(cannot be shown: " + err.Error() + ")"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// profileKeys returns a map's keys in order.
func profileKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// profileScalar returns a metadata value as plain text when it is a string, number or boolean.
func profileScalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	case nil:
		return "null", true
	}
	return "", false
}

// UserTitle is how a user is named in titles and messages: the name, or else the nickname,
// e-mail address or id.
func UserTitle(u auth0api.User) string { return userName(u) }

// shows reports whether the page has the section for this person: the logs need the view_logs
// action, "Changes by staff" the audit action.
func (d UserPageData) shows(sec Section) bool {
	switch sec.Path {
	case "logs":
		return d.Can.ViewLogs
	case "changes":
		return d.Can.Audit
	}
	return true
}

// maySecure reports whether the page offers "secure this account": the person may end the
// user's sessions (the rules about the user allowing it) and it is not their own account.
func (d UserPageData) maySecure() bool { return d.Can.EndSessions && !d.Self }

// secureForm is the "secure this account" form of the page.
func (d UserPageData) secureForm() SecureForm {
	f := SecureForm{UserID: d.User.UserID, User: userLabel(d.User), Can: d.Can, Blocked: d.User.Blocked, CSRFToken: d.CSRFToken}
	if isDatabaseUser(d.User) {
		f.Email = d.User.Email
	}
	return f
}
