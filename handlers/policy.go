package handlers

// Who may do what is the policy's (package policy): staff groups, written as data, each with its
// actions and its reach. A signed-in person is in the groups their role claim names; the gate
// (gate.go) asks the policy before every route, and about every user a route acts on.

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"userdesk/policy"
	"userdesk/views"
)

// Actions of the route table. actPublic and actSignedIn are not policy actions: the first
// needs no session, the second any session (even one in no group: sign-out). The others are the
// policy's vocabulary, under the names the route table has always used.
const (
	actPublic   policy.Action = "public"   // no session needed: sign-in, health, static files
	actSignedIn policy.Action = "signedIn" // any signed-in person, in a group or not: sign-out

	actView              = policy.ActionView              // search, view a user and the read-only sections
	actViewLogs          = policy.ActionViewLogs          // the logs section
	actBlockUsers        = policy.ActionBlock             // block and unblock
	actSendEmails        = policy.ActionSendEmails        // password-change link and e-mails, verification e-mail
	actResetMFA          = policy.ActionResetMFA          // remove factors, providers, remembered browsers, recovery code
	actWriteAuthMethods  = policy.ActionWriteAuthMethods  // create, update, replace authentication methods
	actCreateUsers       = policy.ActionCreate            // create users
	actEditUsers         = policy.ActionEdit              // edit profile and metadata
	actDeleteUsers       = policy.ActionDelete            // delete users
	actAssignRoles       = policy.ActionAssignRoles       // assign and remove roles
	actAssignPermissions = policy.ActionAssignPermissions // assign and remove permissions
	actUnlock            = policy.ActionUnlock            // clear brute-force lockouts
	actEndSessions       = policy.ActionEndSessions       // sessions, refresh tokens, grants, secure an account
	actLink              = policy.ActionLink              // link and unlink identities
	actPolicy            = policy.ActionPolicy            // the effective policy page
	actAudit             = policy.ActionAudit             // the audit trail
	actExport            = policy.ActionExport            // export users to a file
	actStaffSessions     = policy.ActionStaffSessions     // who is signed in; end their sessions
)

// staffOf is the person as the policy sees them: the groups their role-claim values put them in.
func (s *server) staffOf(id identity) policy.Staff { return s.policy.Staff(id.Claims) }

// currentStaff is the signed-in person's groups (none on public routes).
func (s *server) currentStaff(c echo.Context) policy.Staff {
	id, _ := currentIdentity(c)
	return s.staffOf(id)
}

// abilities is what the person's groups allow, as the templates see it, to show only the
// controls that will work (the gate enforces the same policy on every request; a target's own
// rules — reach, staff, protected — withhold more, see targetAbilities).
func abilities(st policy.Staff) views.Abilities {
	return views.Abilities{
		ViewRaw:           st.May(policy.ActionViewRaw),
		ViewLogs:          st.May(policy.ActionViewLogs),
		BlockUsers:        st.May(policy.ActionBlock),
		SendEmails:        st.May(policy.ActionSendEmails),
		ResetMFA:          st.May(policy.ActionResetMFA),
		WriteAuthMethods:  st.May(policy.ActionWriteAuthMethods),
		CreateUsers:       st.May(policy.ActionCreate),
		EditUsers:         st.May(policy.ActionEdit),
		DeleteUsers:       st.May(policy.ActionDelete),
		AssignRoles:       st.May(policy.ActionAssignRoles),
		AssignPermissions: st.May(policy.ActionAssignPermissions),
		Unlock:            st.May(policy.ActionUnlock),
		EndSessions:       st.May(policy.ActionEndSessions),
		Link:              st.May(policy.ActionLink),
		Policy:            st.May(policy.ActionPolicy),
		Audit:             st.May(policy.ActionAudit),
		Export:            st.May(policy.ActionExport),
		StaffSessions:     st.May(policy.ActionStaffSessions),
	}
}

// groupsWords names the person's groups for the page header ("helpdesk", "auditor, viewer").
func groupsWords(st policy.Staff) string { return strings.Join(st.Groups(), ", ") }

// claimValues reads the role claim (a string or a list of strings) as the list of its values.
func claimValues(claim any) []string {
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
		values = slices.Clone(v)
	}
	return values
}

// joinWords joins names: "a", "a and b", "a, b and c".
func joinWords(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// fmtValue writes a stamped metadata value as JSON.
func fmtValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

// compareStrings orders names case-insensitively.
func compareStrings(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }
