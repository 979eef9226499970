package policy

// Action is something a person may do in the dashboard, in the policy file's vocabulary. Routes name
// the action they need; a group's actions say which it grants.
type Action string

// The actions. Each comment says what the action allows in the dashboard.
const (
	// ActionView: search users and open them, with every read-only section: profile, roles,
	// permissions, organizations, factors (authentication methods), sessions, refresh tokens,
	// applications (grants) and brute-force lockouts.
	ActionView Action = "view"
	// ActionViewRaw: see a user's raw JSON as Auth0 returns it (identity-provider tokens removed).
	ActionViewRaw Action = "view_raw"
	// ActionViewLogs: read a user's log events.
	ActionViewLogs Action = "view_logs"
	// ActionBlock: block and unblock a user.
	ActionBlock Action = "block"
	// ActionUnlock: remove a user's brute-force lockouts (user blocks by IP).
	ActionUnlock Action = "unlock"
	// ActionSendEmails: send e-mails to a user: a password-change link or the password-reset
	// e-mail, the verification e-mail, an MFA enrollment invitation.
	ActionSendEmails Action = "send_emails"
	// ActionResetMFA: remove a user's factors (one or all), legacy MFA providers, invalidate their
	// remembered browsers, and generate a new recovery code.
	ActionResetMFA Action = "reset_mfa"
	// ActionEndSessions: end a user's sessions, revoke their refresh tokens and application grants,
	// and "secure this account" (all of it at once).
	ActionEndSessions Action = "end_sessions"
	// ActionWriteAuthMethods: create, update and replace a user's authentication methods.
	ActionWriteAuthMethods Action = "write_auth_methods"
	// ActionCreate: create users (in the connections the group's create rule allows, with its
	// app_metadata stamped on them).
	ActionCreate Action = "create"
	// ActionEdit: edit a user's profile and metadata, and mark the e-mail address verified.
	ActionEdit Action = "edit"
	// ActionDelete: delete a user.
	ActionDelete Action = "delete"
	// ActionLink: link a user's identities with another user's, and unlink them. Linking moves the
	// secondary user's identities (and so its connection) into the primary user, which can change
	// which reaches cover it: the gate must Decide on both users.
	ActionLink Action = "link"
	// ActionAssignRoles: assign tenant roles to a user and remove them (only the group's assignable
	// roles, and only roles that are not dashboard access unless the group has manage_staff).
	ActionAssignRoles Action = "assign_roles"
	// ActionAssignPermissions: assign permissions to a user directly and remove them.
	ActionAssignPermissions Action = "assign_permissions"
	// ActionExport: export users (the search results) to a file.
	ActionExport Action = "export"
	// ActionManageStaff: change accounts that hold dashboard access (any tenant role that is a member
	// value of some group). Without it, a group's change actions refuse every staff account: staff
	// are protected by default.
	ActionManageStaff Action = "manage_staff"
	// ActionStaffSessions: see other staff's dashboard sessions and end them.
	ActionStaffSessions Action = "staff_sessions"
	// ActionAudit: read the dashboard's audit trail.
	ActionAudit Action = "audit"
	// ActionPolicy: see the effective policy page (groups, actions, reach, who is in them).
	ActionPolicy Action = "policy"
)

// Actions lists every action, in the order the documentation gives them.
func Actions() []Action {
	return []Action{
		ActionView, ActionViewRaw, ActionViewLogs, ActionBlock, ActionUnlock, ActionSendEmails,
		ActionResetMFA, ActionEndSessions, ActionWriteAuthMethods, ActionCreate, ActionEdit,
		ActionDelete, ActionLink, ActionAssignRoles, ActionAssignPermissions, ActionExport,
		ActionManageStaff, ActionStaffSessions, ActionAudit, ActionPolicy,
	}
}

// ChangeActions lists the actions that change a user: every action but view, view_raw, view_logs,
// export, audit, policy and staff_sessions. The rules about the target (self, protected roles, staff
// protection) apply to these.
func ChangeActions() []Action {
	var out []Action
	for _, a := range Actions() {
		if a.Changes() {
			out = append(out, a)
		}
	}
	return out
}

// Changes reports whether a changes a user (see ChangeActions).
func (a Action) Changes() bool {
	switch a {
	case ActionView, ActionViewRaw, ActionViewLogs, ActionExport, ActionAudit, ActionPolicy, ActionStaffSessions:
		return false
	}
	return a.Valid()
}

// Valid reports whether a is one of the actions.
func (a Action) Valid() bool { return a.bit() != 0 }

// Description says in words what a allows, as the comments on the constants do.
func (a Action) Description() string {
	switch a {
	case ActionView:
		return "search users and open them with every read-only section: profile, roles, permissions, organizations, factors, sessions, refresh tokens, applications, lockouts"
	case ActionViewRaw:
		return "see a user's raw JSON"
	case ActionViewLogs:
		return "read a user's logs"
	case ActionBlock:
		return "block and unblock users"
	case ActionUnlock:
		return "remove brute-force lockouts"
	case ActionSendEmails:
		return "send password-change links and reset e-mails, verification e-mails, MFA enrollment invitations"
	case ActionResetMFA:
		return "remove factors and legacy MFA providers, invalidate remembered browsers, generate a new recovery code"
	case ActionEndSessions:
		return "end sessions, revoke refresh tokens and application grants, secure an account"
	case ActionWriteAuthMethods:
		return "create, update and replace authentication methods"
	case ActionCreate:
		return "create users"
	case ActionEdit:
		return "edit profiles and metadata, mark e-mail addresses verified"
	case ActionDelete:
		return "delete users"
	case ActionLink:
		return "link and unlink identities"
	case ActionAssignRoles:
		return "assign and remove roles"
	case ActionAssignPermissions:
		return "assign and remove permissions"
	case ActionExport:
		return "export users"
	case ActionManageStaff:
		return "change accounts that hold dashboard access"
	case ActionStaffSessions:
		return "see and end other staff's dashboard sessions"
	case ActionAudit:
		return "read the audit trail"
	case ActionPolicy:
		return "see the effective policy"
	}
	return ""
}

// actionSet is a set of actions, one bit each.
type actionSet uint32

// bit returns a's bit, 0 for an unknown action. (A switch, not a search of Actions: it is on the
// path of every request.)
func (a Action) bit() actionSet {
	i := -1
	switch a {
	case ActionView:
		i = 0
	case ActionViewRaw:
		i = 1
	case ActionViewLogs:
		i = 2
	case ActionBlock:
		i = 3
	case ActionUnlock:
		i = 4
	case ActionSendEmails:
		i = 5
	case ActionResetMFA:
		i = 6
	case ActionEndSessions:
		i = 7
	case ActionWriteAuthMethods:
		i = 8
	case ActionCreate:
		i = 9
	case ActionEdit:
		i = 10
	case ActionDelete:
		i = 11
	case ActionLink:
		i = 12
	case ActionAssignRoles:
		i = 13
	case ActionAssignPermissions:
		i = 14
	case ActionExport:
		i = 15
	case ActionManageStaff:
		i = 16
	case ActionStaffSessions:
		i = 17
	case ActionAudit:
		i = 18
	case ActionPolicy:
		i = 19
	}
	if i < 0 {
		return 0
	}
	return 1 << i
}

func (s actionSet) has(a Action) bool {
	b := a.bit()
	return b != 0 && s&b != 0
}
