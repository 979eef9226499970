package handlers

import (
	"slices"

	"userdesk/views"
)

// role is a dashboard role. The zero value is no role: signed in, allowed nothing.
type role int

const (
	roleNone role = iota
	roleViewer
	roleHelpdesk
	roleAdmin
)

// String returns the role's name as shown and audited ("" for none).
func (r role) String() string {
	switch r {
	case roleViewer:
		return "viewer"
	case roleHelpdesk:
		return "helpdesk"
	case roleAdmin:
		return "admin"
	}
	return ""
}

// action is what a route does, as far as authorization is concerned. Every route in routes.go
// names one.
type action string

// Actions. actPublic and actSignedIn are not in the roles table: the first needs no session, the
// second any session (even without a role). The others are DESIGN.md's roles table.
const (
	actPublic   action = "public"   // no session needed: sign-in, health, static files
	actSignedIn action = "signedIn" // any signed-in person, with or without a role: sign-out

	actView              action = "view"              // search, view a user and every section (roles, permissions, organizations, logs, factors, raw JSON)
	actBlockUsers        action = "blockUsers"        // block and unblock
	actSendEmails        action = "sendEmails"        // password-change ticket, verification e-mail
	actResetMFA          action = "resetMFA"          // delete a factor or all, delete a provider, invalidate remembered browsers, regenerate recovery code
	actWriteAuthMethods  action = "writeAuthMethods"  // create, update, replace authentication methods
	actCreateUsers       action = "createUsers"       // create users
	actEditUsers         action = "editUsers"         // edit profile and metadata
	actDeleteUsers       action = "deleteUsers"       // delete users
	actAssignRoles       action = "assignRoles"       // assign and remove roles
	actAssignPermissions action = "assignPermissions" // assign and remove permissions
)

// roleActions is DESIGN.md's roles table: what each dashboard role may do. Anything not listed
// is refused (deny by default).
func roleActions(r role) []action {
	switch r {
	case roleViewer:
		return []action{actView}
	case roleHelpdesk:
		return []action{actView, actBlockUsers, actSendEmails, actResetMFA}
	case roleAdmin:
		return []action{actView, actBlockUsers, actSendEmails, actResetMFA,
			actWriteAuthMethods, actCreateUsers, actEditUsers, actDeleteUsers,
			actAssignRoles, actAssignPermissions}
	}
	return nil
}

// may reports whether the role allows the action.
func (r role) may(a action) bool { return slices.Contains(roleActions(r), a) }

// abilities is the roles table as the templates see it, to hide controls the role cannot use.
func (r role) abilities() views.Abilities {
	return views.Abilities{
		BlockUsers:        r.may(actBlockUsers),
		SendEmails:        r.may(actSendEmails),
		ResetMFA:          r.may(actResetMFA),
		WriteAuthMethods:  r.may(actWriteAuthMethods),
		CreateUsers:       r.may(actCreateUsers),
		EditUsers:         r.may(actEditUsers),
		DeleteUsers:       r.may(actDeleteUsers),
		AssignRoles:       r.may(actAssignRoles),
		AssignPermissions: r.may(actAssignPermissions),
	}
}

// roleFromClaim maps the role claim (a string or a list of strings) to the highest dashboard
// role any of its values grants. Values are compared exactly (case-sensitive).
func (m RoleMapping) roleFromClaim(claim any) role {
	var values []string
	switch v := claim.(type) {
	case string:
		values = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				values = append(values, s)
			}
		}
	case []string:
		values = v
	}
	best := roleNone
	for _, v := range values {
		switch {
		case slices.Contains(m.Admin, v):
			best = max(best, roleAdmin)
		case slices.Contains(m.Helpdesk, v):
			best = max(best, roleHelpdesk)
		case slices.Contains(m.Viewer, v):
			best = max(best, roleViewer)
		}
	}
	return best
}
