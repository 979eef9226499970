package audit

import (
	"strings"
)

// Name is an event name: what was done, as "area.thing.verb" ("user.roles.add").
type Name string

// Event names. Every event userdesk writes uses one of these; Catalog describes each in words.
// Refusals by the gate are Denied(action) ("denied.resetMFA").
const (
	// Changes to a user.
	UserCreate               Name = "user.create"
	UserUpdate               Name = "user.update"
	UserDelete               Name = "user.delete"
	UserBlock                Name = "user.block"
	UserUnblock              Name = "user.unblock"
	UserLockoutUnlock        Name = "user.lockout.unlock" // clear brute-force blocks (user-blocks)
	UserPasswordTicket       Name = "user.password_ticket"
	UserPasswordResetEmail   Name = "user.password_reset_email"
	UserVerificationEmail    Name = "user.verification_email"
	UserRolesAdd             Name = "user.roles.add"
	UserRolesRemove          Name = "user.roles.remove"
	UserPermissionsAdd       Name = "user.permissions.add"
	UserPermissionsRemove    Name = "user.permissions.remove"
	UserFactorCreate         Name = "user.factor.create"
	UserFactorUpdate         Name = "user.factor.update"
	UserFactorDelete         Name = "user.factor.delete"
	UserFactorsReset         Name = "user.factors.reset"
	UserFactorsReplace       Name = "user.factors.replace"
	UserAuthenticatorsDelete Name = "user.authenticators.delete"
	UserMultifactorDelete    Name = "user.multifactor.delete"
	UserMFABrowsersForget    Name = "user.mfa.browsers.invalidate"
	UserRecoveryCodeNew      Name = "user.recovery_code.regenerate"
	UserEnrollmentInvite     Name = "user.enrollment.invite"
	UserSessionsEnd          Name = "user.sessions.delete"
	UserSessionEnd           Name = "user.session.delete"
	UserRefreshTokensRevoke  Name = "user.refresh_tokens.delete"
	UserRefreshTokenRevoke   Name = "user.refresh_token.delete"
	UserGrantsRevoke         Name = "user.grants.delete"
	UserIdentityLink         Name = "user.identity.link"
	UserIdentityUnlink       Name = "user.identity.unlink"
	UserSecureAccount        Name = "user.secure_account"      // the whole "secure this account" action
	UserSecureAccountStep    Name = "user.secure_account.step" // one of its steps (detail "step")

	// Staff sessions.
	SessionSignIn           Name = "session.signin"
	SessionSignOut          Name = "session.signout"
	SessionSignOutAll       Name = "session.signout_everywhere"    // a person ends all their own sessions
	SessionStepUp           Name = "session.step_up"               // re-authentication before a dangerous action
	SessionBackChannel      Name = "session.backchannel_logout"    // the provider ended sessions
	StaffSessionEnd         Name = "staff.session.delete"          // an admin ends one staff session
	StaffSessionsEnd        Name = "staff.sessions.delete"         // an admin ends all of a person's sessions
	SessionRevalidateEnd    Name = "session.revalidation.signout"  // signed out: blocked, deleted or no role any more
	SessionAccessNarrowed   Name = "session.revalidation.narrowed" // roles removed in the tenant: fewer groups at once
	SessionSignInRefused    Name = "session.signin.refused"        // sign-in refused (no MFA, no role)
	StaffMFARequiredRefused Name = "session.signin.mfa_missing"    // sign-in without MFA where it is required

	// Bulk jobs.
	BulkStart Name = "bulk.start"
	BulkUser  Name = "bulk.user" // one user of a job (detail "job")
	BulkEnd   Name = "bulk.end"

	// Users leaving the dashboard in a file (issue 16).
	UserExport    Name = "users.export"     // a file of users downloaded (the search's, or an export job's)
	UserExportJob Name = "users.export.job" // an Auth0 users-export job started for an export

	// The audit trail itself.
	AuditExport Name = "audit.export"
	AuditPrune  Name = "audit.prune"

	// Refusals outside the role gate.
	DeniedCSRF        Name = "denied.csrf"
	DeniedCrossOrigin Name = "denied.cross_origin"
	DeniedHost        Name = "denied.host"
	DeniedRateLimit   Name = "denied.rate_limit"
	DeniedStepUp      Name = "denied.step_up" // a dangerous action without a fresh sign-in
	DeniedProtected   Name = "denied.protected"
	DeniedReach       Name = "denied.reach" // target outside the person's reach
	DeniedSelf        Name = "denied.self"  // a change to one's own account
)

// DeniedPrefix starts the name of every refusal.
const DeniedPrefix = "denied."

// Denied returns the name of a refusal of action by the gate: "denied." + action.
func Denied(action string) Name { return Name(DeniedPrefix + action) }

// Info describes an event name for people.
type Info struct {
	Name Name
	// Title names it in a list of filters ("Block user").
	Title string
	// Done is the past-tense phrase, with {target} where the target goes ("blocked {target}").
	Done string
	// Do is the infinitive phrase ("block {target}").
	Do string
}

// catalog is every known event name in words.
var catalog = []Info{
	{UserCreate, "Create user", "created {target}", "create {target}"},
	{UserUpdate, "Edit user", "edited the profile of {target}", "edit the profile of {target}"},
	{UserDelete, "Delete user", "deleted {target}", "delete {target}"},
	{UserBlock, "Block user", "blocked {target}", "block {target}"},
	{UserUnblock, "Unblock user", "unblocked {target}", "unblock {target}"},
	{UserLockoutUnlock, "Unlock user", "cleared the sign-in lockouts of {target}", "clear the sign-in lockouts of {target}"},
	{UserPasswordTicket, "Password-change link", "created a password-change link for {target}", "create a password-change link for {target}"},
	{UserPasswordResetEmail, "Password-reset e-mail", "sent a password-reset e-mail to {target}", "send a password-reset e-mail to {target}"},
	{UserVerificationEmail, "Verification e-mail", "sent a verification e-mail to {target}", "send a verification e-mail to {target}"},
	{UserRolesAdd, "Assign roles", "assigned roles to {target}", "assign roles to {target}"},
	{UserRolesRemove, "Remove roles", "removed roles from {target}", "remove roles from {target}"},
	{UserPermissionsAdd, "Assign permissions", "assigned permissions to {target}", "assign permissions to {target}"},
	{UserPermissionsRemove, "Remove permissions", "removed permissions from {target}", "remove permissions from {target}"},
	{UserFactorCreate, "Add authentication method", "added an authentication method to {target}", "add an authentication method to {target}"},
	{UserFactorUpdate, "Edit authentication method", "changed an authentication method of {target}", "change an authentication method of {target}"},
	{UserFactorDelete, "Remove authentication method", "removed an authentication method of {target}", "remove an authentication method of {target}"},
	{UserFactorsReset, "Reset MFA", "reset all MFA factors of {target}", "reset all MFA factors of {target}"},
	{UserFactorsReplace, "Replace authentication methods", "replaced the authentication methods of {target}", "replace the authentication methods of {target}"},
	{UserAuthenticatorsDelete, "Remove all authenticators", "removed all authenticators of {target}", "remove all authenticators of {target}"},
	{UserMultifactorDelete, "Remove MFA provider", "removed an MFA provider of {target}", "remove an MFA provider of {target}"},
	{UserMFABrowsersForget, "Forget remembered browsers", "made {target}'s browsers ask for MFA again", "make {target}'s browsers ask for MFA again"},
	{UserRecoveryCodeNew, "New recovery code", "generated a new recovery code for {target}", "generate a new recovery code for {target}"},
	{UserEnrollmentInvite, "MFA enrollment invitation", "sent an MFA enrollment invitation to {target}", "send an MFA enrollment invitation to {target}"},
	{UserSessionsEnd, "End all sessions", "ended all sessions of {target}", "end all sessions of {target}"},
	{UserSessionEnd, "End a session", "ended a session of {target}", "end a session of {target}"},
	{UserRefreshTokensRevoke, "Revoke refresh tokens", "revoked the refresh tokens of {target}", "revoke the refresh tokens of {target}"},
	{UserRefreshTokenRevoke, "Revoke a refresh token", "revoked a refresh token of {target}", "revoke a refresh token of {target}"},
	{UserGrantsRevoke, "Revoke grants", "revoked application grants of {target}", "revoke application grants of {target}"},
	{UserIdentityLink, "Link accounts", "linked another account to {target}", "link another account to {target}"},
	{UserIdentityUnlink, "Unlink accounts", "unlinked an account from {target}", "unlink an account from {target}"},
	{UserSecureAccount, "Secure account", "secured the account of {target}", "secure the account of {target}"},
	{UserSecureAccountStep, "Secure account (step)", "did a step of securing {target}", "do a step of securing {target}"},

	{SessionSignIn, "Sign-in", "signed in", "sign in"},
	{SessionSignOut, "Sign-out", "signed out", "sign out"},
	{SessionSignOutAll, "Sign out everywhere", "signed out everywhere", "sign out everywhere"},
	{SessionStepUp, "Confirm identity", "confirmed their identity", "confirm their identity"},
	{SessionBackChannel, "Provider sign-out", "was signed out by the identity provider", "be signed out by the identity provider"},
	{StaffSessionEnd, "End staff session", "ended a dashboard session of {target}", "end a dashboard session of {target}"},
	{StaffSessionsEnd, "End staff sessions", "ended all dashboard sessions of {target}", "end all dashboard sessions of {target}"},
	{SessionRevalidateEnd, "Signed out (access changed)", "was signed out: their access changed", "be signed out: their access changed"},
	{SessionAccessNarrowed, "Access narrowed", "lost dashboard access the tenant no longer gives them", "lose dashboard access"},
	{SessionSignInRefused, "Sign-in refused", "was refused sign-in", "sign in"},
	{StaffMFARequiredRefused, "Sign-in without MFA", "signed in without MFA and was refused", "sign in without MFA"},

	{BulkStart, "Bulk job started", "started a bulk job", "start a bulk job"},
	{BulkUser, "Bulk job user", "changed {target} in a bulk job", "change {target} in a bulk job"},
	{BulkEnd, "Bulk job ended", "finished a bulk job", "finish a bulk job"},

	{UserExport, "Export users", "exported users to a file", "export users to a file"},
	{UserExportJob, "Export job started", "started an Auth0 export job to export users", "start an Auth0 export job to export users"},

	{AuditExport, "Audit export", "exported audit events", "export audit events"},
	{AuditPrune, "Audit retention", "removed audit events past the retention period", "remove audit events past the retention period"},

	{DeniedCSRF, "Refused: CSRF", "sent a change without a valid CSRF token", "send a change without a valid CSRF token"},
	{DeniedCrossOrigin, "Refused: cross-origin", "sent a change from another site", "send a change from another site"},
	{DeniedHost, "Refused: wrong host", "sent a request for another host", "send a request for another host"},
	{DeniedRateLimit, "Refused: rate limit", "went over a rate limit", "go over a rate limit"},
	{DeniedStepUp, "Refused: identity not confirmed", "tried a dangerous action on {target} without confirming their identity", "act on {target} without confirming their identity"},
	{DeniedProtected, "Refused: protected user", "tried to change protected user {target}", "change protected user {target}"},
	{DeniedReach, "Refused: out of reach", "tried to reach {target}, outside their reach", "reach {target}"},
	{DeniedSelf, "Refused: own account", "tried to change their own account", "change their own account"},
}

// actionPhrases words the gate's actions for Denied events ("denied.resetMFA"): the infinitive
// of what the person was not allowed to do.
var actionPhrases = map[string]string{
	"view":              "view {target}",
	"blockUsers":        "block or unblock {target}",
	"sendEmails":        "send e-mails to {target}",
	"resetMFA":          "reset the MFA of {target}",
	"writeAuthMethods":  "change the authentication methods of {target}",
	"createUsers":       "create users",
	"editUsers":         "edit {target}",
	"deleteUsers":       "delete {target}",
	"assignRoles":       "change the roles of {target}",
	"assignPermissions": "change the permissions of {target}",
	"audit":             "read the audit trail",
	"staffSessions":     "manage staff sessions",
	"bulk":              "run bulk jobs",
	"export":            "export users",
	"unlock":            "clear the sign-in lockouts of {target}",
	"end_sessions":      "end the sessions, refresh tokens or grants of {target}",
	"link":              "link or unlink the accounts of {target}",
	"send_emails":       "send e-mails to {target}",
	"reset_mfa":         "reset the MFA of {target}",
	"block":             "block or unblock {target}",
}

var catalogByName = func() map[Name]Info {
	m := make(map[Name]Info, len(catalog))
	for _, i := range catalog {
		m[i.Name] = i
	}
	return m
}()

// Catalog returns every known event name with its words, in a stable order (users, sessions,
// jobs, the trail, refusals).
func Catalog() []Info { return append([]Info(nil), catalog...) }

// Describe returns what name means: the catalog entry, or for a refusal by the gate
// ("denied.<action>") one made from the action, or a plain one made from the name.
func (n Name) Describe() Info {
	if i, ok := catalogByName[n]; ok {
		return i
	}
	if action, ok := strings.CutPrefix(string(n), DeniedPrefix); ok {
		do, ok := actionPhrases[action]
		if !ok {
			do = "do " + action + " on {target}"
		}
		return Info{Name: n, Title: "Refused: " + action, Done: "tried to " + do, Do: do}
	}
	return Info{Name: n, Title: string(n), Done: "did " + string(n) + " on {target}", Do: "do " + string(n) + " on {target}"}
}

// Known reports whether name is in the catalog or is a refusal by the gate.
func (n Name) Known() bool {
	_, ok := catalogByName[n]
	return ok || strings.HasPrefix(string(n), DeniedPrefix) && nameRE.MatchString(string(n))
}

// Lookup returns how people know a user ("Ada Lovelace"), or "" when unknown. Describe uses it
// for a target without a label.
type Lookup func(userID string) string

// Describe says an event in words for people: "Hal Helpdesk reset all MFA factors of Ada
// Lovelace". The actor is named by name, else e-mail, else subject ("userdesk" for the system);
// the target by its label, else lookup (may be nil), else its user id. The outcome shapes the
// sentence: "… tried to …, but it failed", "… was not allowed to …", "… (outcome unknown)".
// For a stored change, describe Record.Summary(), which carries the final outcome.
func Describe(e Event, lookup Lookup) string {
	info := e.Name.Describe()
	actor := actorWords(e)
	target := targetWords(e.Target, lookup)
	fill := func(phrase string) string { return strings.ReplaceAll(phrase, "{target}", target) }
	switch e.Outcome {
	case OutcomeSuccess:
		return actor + " " + fill(info.Done)
	case OutcomeFailure:
		return actor + " tried to " + fill(info.Do) + ", but it failed"
	case OutcomeDenied:
		return actor + " was not allowed to " + fill(info.Do)
	case OutcomeAttempt:
		return actor + " started to " + fill(info.Do)
	case OutcomePending:
		return actor + " started to " + fill(info.Do) + " (in progress)"
	case OutcomeUnknown:
		return actor + " tried to " + fill(info.Do) + " (outcome unknown)"
	}
	return actor + " " + fill(info.Done) + " (" + string(e.Outcome) + ")"
}

func actorWords(e Event) string {
	a := e.Actor
	switch {
	case a.Name != "":
		return a.Name
	case a.Email != "":
		return a.Email
	case a.Subject != "":
		return a.Subject
	case e.IP != "" && strings.HasPrefix(string(e.Name), DeniedPrefix):
		return "Someone at " + e.IP
	}
	return "userdesk"
}

func targetWords(t Target, lookup Lookup) string {
	switch {
	case t.Label != "":
		return t.Label
	case t.UserID != "" && lookup != nil:
		if l := lookup(t.UserID); l != "" {
			return l
		}
	}
	if t.UserID != "" {
		return t.UserID
	}
	return "a user"
}
