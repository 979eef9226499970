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
	"strings"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
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

// guardsTargets reports whether the signed-in person's changes are checked against the
// target's roles: a person whose role allows changes (block, e-mails, MFA reset, …) but is
// not an admin — the helpdesk. A viewer changes nothing, so their pages make no extra call.
func (s *server) guardsTargets(c echo.Context) bool {
	me, ok := currentIdentity(c)
	if !ok {
		return true
	}
	guarded := me.Role.may(actBlockUsers) || me.Role.may(actSendEmails) || me.Role.may(actResetMFA)
	return guarded && me.Role != roleAdmin
}

// isProtectedRole reports whether a tenant role is one of the configured protected roles, by
// name (case-insensitively: a near-miss protects rather than exposes) or by id.
func (s *server) isProtectedRole(r auth0api.Role) bool {
	for _, p := range s.protectedRoles {
		if (r.Name != "" && strings.EqualFold(r.Name, p)) || r.ID == p {
			return true
		}
	}
	return false
}

// protectionOf says what a page of the user's roles (the first, of protectionRolesPerPage)
// means for the rules: staff, protected roles held, or not all checked.
func (s *server) protectionOf(page *auth0api.RolesPage) protection {
	var p protection
	for _, r := range page.Roles {
		if s.isProtectedRole(r) {
			p.held = append(p.held, r.Name)
		}
	}
	p.staff = s.holdsDashboardAccess(page.Roles)
	if len(p.held) == 0 && !p.staff && (len(page.Roles) >= protectionRolesPerPage && (!page.Totals || page.Total > len(page.Roles))) {
		p.unchecked = true
	}
	return p
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

// protectPage applies the protection to what a page shows a guarded person: the controls of the
// actions it refuses are withheld, and the page says why.
func protectPage(can *views.Abilities, shown *views.Protection, p protection) {
	if !p.applies() {
		return
	}
	can.BlockUsers, can.SendEmails, can.ResetMFA = false, false, false
	*shown = p.view()
}
