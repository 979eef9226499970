package handlers

// Protected users (checklist 40): the tenant roles named in Config.ProtectedRoles mark users
// that only admins may change. Before a helpdesk change to a user (block or unblock, the
// password-change link, the password-reset and verification e-mails, every MFA and factor
// action), the user's roles are read — one ListUserRoles call, beside the reads the handler
// makes anyway where it makes any — and the change is refused, audited as denied, when the user
// holds a protected role. Admins are not restricted and cost no extra call. Pages show the
// helpdesk why the controls are missing.

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
	held      []string // the protected roles the user holds, by name
	unchecked bool     // the roles could not all be read: treated as protected
}

// applies reports whether changes by the helpdesk are refused.
func (p protection) applies() bool { return len(p.held) > 0 || p.unchecked }

// view is the protection as the templates show it.
func (p protection) view() views.Protection {
	return views.Protection{Roles: p.held, Unchecked: p.unchecked}
}

// guardsTargets reports whether the signed-in person's changes to users are checked against
// the protected roles: some are configured, and the person is one whose role allows the
// guarded actions (block, e-mails, MFA reset) but is not an admin — the helpdesk. A viewer
// changes nothing, so their pages make no extra call.
func (s *server) guardsTargets(c echo.Context) bool {
	if len(s.protectedRoles) == 0 {
		return false
	}
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

// readProtection reads the user's roles, in one call, and says which protected ones they hold.
func (s *server) readProtection(ctx context.Context, userID string) (protection, error) {
	page, err := s.users.ListUserRoles(ctx, userID, auth0api.PageParams{PerPage: protectionRolesPerPage, IncludeTotals: auth0api.Set(true)})
	if err != nil {
		return protection{}, err
	}
	var p protection
	for _, r := range page.Roles {
		if s.isProtectedRole(r) {
			p.held = append(p.held, r.Name)
		}
	}
	if len(p.held) == 0 && (len(page.Roles) >= protectionRolesPerPage && (!page.Totals || page.Total > len(page.Roles))) {
		p.unchecked = true
	}
	return p, nil
}

// refuseProtected is the check of a change route, made after the request's input was checked
// and before anything is changed: for a guarded person, it reads the user's roles and returns
// the refusal (403, audited once as denied) when the user is protected. When the roles cannot
// be read, the change is refused as well (audited as a failure): it is never made unchecked.
func (s *server) refuseProtected(c echo.Context, event, userID string) error {
	if !s.guardsTargets(c) {
		return nil
	}
	p, err := s.readProtection(c.Request().Context(), userID)
	return s.protectionVerdict(c, event, userID, p, err)
}

// protectionVerdict turns the check's result into the refusal, audited, or nil. err is the
// roles read's failure.
func (s *server) protectionVerdict(c echo.Context, event, userID string, p protection, err error) error {
	if err != nil {
		s.audit(c, event, userID, err)
		return s.userActionError(userID, fmt.Errorf("check the user's roles: %w", err))
	}
	if !p.applies() {
		return nil
	}
	refusal := errProtected(p)
	s.audit(c, event, userID, refusal, slog.Any("protected_roles", p.held))
	return refusal
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
