package handlers

// Protected users (checklist 40) and staff accounts (issue 11). Only admins may change:
//   - a staff account: a user holding a tenant role that the role mapping turns into a
//     dashboard role (staff are protected by default, with nothing to configure);
//   - a user holding one of the tenant roles named in Config.ProtectedRoles.
//
// The gate (gate.go) reads the target's roles before every change by someone other than an
// admin — one ListUserRoles call, at once with the user read the route needs anyway — and
// refuses the change, audited as denied, when a rule applies. Pages read the same roles
// beside the user, to withhold the controls and say why.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"userdesk/auth0api"
	"userdesk/policy"
	"userdesk/views"
)

// protectionRolesPerPage is how many of a user's roles the check reads, in its one call (the
// Management API's largest page). A user with more roles than that, none of them protected
// on the first page, is treated as protected: the rest could not be checked.
const protectionRolesPerPage = 100

// protection is what the check found about a user.
type protection struct {
	staff     bool     // the user has dashboard access
	held      []string // the protected roles the user holds, by name
	unchecked bool     // the roles could not all be read: treated as protected
}

// applies reports whether changes by someone other than an admin are refused.
func (p protection) applies() bool { return p.staff || len(p.held) > 0 || p.unchecked }

// details are what the audit trail records of a refusal because of the protection.
func (p protection) details() []slog.Attr {
	var d []slog.Attr
	if p.staff {
		d = append(d, slog.Bool("staff", true))
	}
	if len(p.held) > 0 {
		d = append(d, slog.Any("protected_roles", p.held))
	}
	if p.unchecked {
		d = append(d, slog.Bool("roles_unchecked", true))
	}
	return d
}

// view is the protection as the templates show it.
func (p protection) view() views.Protection {
	return views.Protection{Staff: p.staff, Roles: p.held, Unchecked: p.unchecked}
}

// protectionOf says what a page of the user's roles (the first, of protectionRolesPerPage)
// means for the messages about the rules: a staff account (a role that is a member value of the
// policy's groups), the protected roles of any group held, or not all checked.
func (s *server) protectionOf(page *auth0api.RolesPage) protection {
	var p protection
	staffRoles, protected := s.policy.StaffRoles(), s.policyProtectedRoles()
	for _, r := range page.Roles {
		if slices.ContainsFunc(staffRoles, func(n string) bool { return strings.EqualFold(n, r.Name) }) {
			p.staff = true
		}
		if slices.ContainsFunc(protected, func(n string) bool { return strings.EqualFold(n, r.Name) || n == r.ID }) {
			p.held = append(p.held, r.Name)
		}
	}
	if len(page.Roles) >= protectionRolesPerPage && (!page.Totals || page.Total > len(page.Roles)) {
		p.unchecked = true
	}
	return p
}

// policyProtectedRoles are the protected roles of every group of the policy.
func (s *server) policyProtectedRoles() []string {
	var out []string
	for _, g := range s.policy.Groups() {
		out = append(out, g.ProtectedRoles...)
	}
	return out
}

// readProtection reads the user's roles, in one call, and says what they mean for the rules.
func (s *server) readProtection(ctx context.Context, userID string) (protection, error) {
	page, err := s.users.ListUserRoles(ctx, userID, auth0api.PageParams{PerPage: protectionRolesPerPage, IncludeTotals: auth0api.Set(true)})
	if err != nil {
		return protection{}, err
	}
	return s.protectionOf(page), nil
}

// errProtected is the refusal of a helpdesk change to a protected user.
func errProtected(p protection) *publicError {
	msg := "This user's roles could not all be checked (they have more than " + fmt.Sprint(protectionRolesPerPage) +
		"), so only an admin can change this user."
	if len(p.held) > 0 {
		msg = "This user holds the protected role " + strings.Join(p.held, ", ") + ": only an admin can change this user."
		if len(p.held) > 1 {
			msg = "This user holds the protected roles " + strings.Join(p.held, ", ") + ": only an admin can change this user."
		}
	}
	return httpError(http.StatusForbidden, msg, nil).withTitle("Protected user").asDenied()
}

// targetAbilities is what the person may do to this user, as the page's controls show it: each
// ability the policy allows on the target (reach, staff, protected roles); and, when the rules
// withhold some that the person's groups allow elsewhere, why.
func targetAbilities(st policy.Staff, t *target) (views.Abilities, views.Protection) {
	can := abilities(st)
	pt := t.policyTarget()
	pt.Self = false // the pages say themselves that one's own account is changed by a colleague
	var withheld bool
	for _, ab := range []struct {
		a   policy.Action
		set *bool
	}{
		{policy.ActionBlock, &can.BlockUsers}, {policy.ActionSendEmails, &can.SendEmails},
		{policy.ActionResetMFA, &can.ResetMFA}, {policy.ActionWriteAuthMethods, &can.WriteAuthMethods},
		{policy.ActionEdit, &can.EditUsers}, {policy.ActionDelete, &can.DeleteUsers},
		{policy.ActionAssignRoles, &can.AssignRoles}, {policy.ActionAssignPermissions, &can.AssignPermissions},
		{policy.ActionViewRaw, &can.ViewRaw}, {policy.ActionViewLogs, &can.ViewLogs},
		{policy.ActionUnlock, &can.Unlock}, {policy.ActionEndSessions, &can.EndSessions}, {policy.ActionLink, &can.Link},
	} {
		if !*ab.set {
			continue
		}
		if d := st.Decide(ab.a, pt); !d.Allowed {
			*ab.set = false
			withheld = withheld || d.Reason != policy.ReasonSelf
		}
	}
	if !withheld {
		return can, views.Protection{}
	}
	shown := t.protection.view()
	if !shown.Applies() {
		shown.Unchecked = true // the roles or the fields the rules need were not read
	}
	return can, shown
}
