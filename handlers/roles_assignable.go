package handlers

// Assignable roles (checklist 42): the policy's groups may name the tenant roles they assign
// (assignable_roles; the built-in admin group's are USERDESK_ASSIGNABLE_ROLES), and roles that
// give dashboard access are assigned only by a group that may manage staff. The role picker
// offers only what the person may assign to this user, and assigning any other is refused
// (403, audited as denied) before anything is asked to change. Names are resolved to the
// tenant's roles (ids) on each use, with one name_filter search per name, at once, so a role
// created, renamed or deleted in Auth0 counts at once.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
)

// assignablePages bounds the pages one name's search reads (a name that is part of many
// others' names, e.g. "admin").
const assignablePages = 10

// assignable is what the person may assign to the route's user: every role (all, but for roles
// that give dashboard access, see mayAssign) or only names.
func (s *server) assignable(c echo.Context) (all bool, names []string) {
	return s.currentStaff(c).AssignableRoles(targetOf(c).policyTarget())
}

// limitsAssignment reports whether only some roles may be assigned to the route's user.
func (s *server) limitsAssignment(c echo.Context) bool {
	all, _ := s.assignable(c)
	return !all
}

// mayAssign reports whether the person may assign the role (by name) to the route's user.
func (s *server) mayAssign(c echo.Context, role string) bool {
	return s.currentStaff(c).MayAssignRole(targetOf(c).policyTarget(), role)
}

// resolveAssignable returns the tenant's roles the person may assign to the route's user when
// that is limited to some names, sorted by name. A name that no role has is skipped and logged.
func (s *server) resolveAssignable(ctx context.Context, c echo.Context) ([]auth0api.Role, error) {
	_, names := s.assignable(c)
	roles, err := s.resolveRoles(ctx, c, names)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(roles, func(r auth0api.Role) bool { return !s.mayAssign(c, r.Name) }), nil
}

// resolveRoles returns the tenant's roles with these exact names, sorted by name.
func (s *server) resolveRoles(ctx context.Context, c echo.Context, wanted []string) ([]auth0api.Role, error) {
	found := make([]*auth0api.Role, len(wanted))
	calls := make([]func(context.Context) error, len(wanted))
	for i, name := range wanted {
		calls[i] = func(ctx context.Context) error {
			for page := 0; page < assignablePages; page++ {
				res, err := s.users.ListRoles(ctx, auth0api.ListRolesParams{
					NameFilter: name, Page: page, PerPage: 100, IncludeTotals: auth0api.Set(true),
				})
				if err != nil {
					return err
				}
				for _, r := range res.Roles {
					if r.Name == name {
						found[i] = &r
						return nil
					}
				}
				if len(res.Roles) < 100 || (res.Totals && res.Total <= (page+1)*100) {
					return nil
				}
			}
			return nil
		}
	}
	if err := sectionParallel(ctx, calls...); err != nil {
		return nil, fmt.Errorf("assignable roles: %w", err)
	}
	var roles []auth0api.Role
	for i, r := range found {
		if r == nil {
			s.logger(c).Warn("an assignable role does not exist in the tenant", "role", wanted[i])
			continue
		}
		if !slices.ContainsFunc(roles, func(x auth0api.Role) bool { return x.ID == r.ID }) {
			roles = append(roles, *r)
		}
	}
	slices.SortFunc(roles, func(a, b auth0api.Role) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return roles, nil
}

// refuseUnassignable checks the role ids of an assignment, or of a removal (remove): nil when
// the person may assign each of them to the route's user (assign_roles covers removing only
// the roles one may assign); the refusal (403, to be audited as denied) otherwise, or the
// error of the roles' resolution. The ids are matched to names by resolving the names that
// limit the assignment (the person's assignable roles, if limited, and the roles that give
// dashboard access).
func (s *server) refuseUnassignable(c echo.Context, ids []string, remove bool) error {
	verb, title := "assign", "Role not assignable"
	if remove {
		verb, title = "remove", "Role not removable"
	}
	all, names := s.assignable(c)
	// When every role may be assigned, the roles giving dashboard access that this person
	// may not hand out are resolved, to refuse them (an admin who may manage staff resolves
	// none). When only some may, any other is refused anyway.
	for _, r := range s.policy.StaffRoles() {
		if all && !s.mayAssign(c, r) {
			names = append(names, r)
		}
	}
	if all && len(names) == 0 {
		return nil
	}
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	known, err := s.resolveRoles(ctx, c, names)
	if err != nil {
		return err
	}
	var allowed, refused []string
	for _, r := range known {
		if s.mayAssign(c, r.Name) {
			allowed = append(allowed, r.Name)
		}
	}
	for _, id := range ids {
		i := slices.IndexFunc(known, func(r auth0api.Role) bool { return r.ID == id })
		switch {
		case i >= 0 && !s.mayAssign(c, known[i].Name):
			refused = append(refused, known[i].Name)
		case i < 0 && !all:
			refused = append(refused, id)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	if all {
		return httpError(http.StatusForbidden, "You may not "+verb+" "+strings.Join(refused, ", ")+
			": it gives access to userdesk, which only an admin may hand out or take away.", nil).withTitle(title).asDenied()
	}
	only := "none"
	if len(allowed) > 0 {
		only = strings.Join(allowed, ", ")
	}
	return httpError(http.StatusForbidden, "You may not "+verb+" "+strings.Join(refused, ", ")+
		" on this user. The roles you may assign and remove are: "+only+".", nil).withTitle(title).asDenied()
}

// pickAssignable is the picker's view of the assignable roles: those whose name contains the
// filter (case-insensitively), without the ones already chosen, one page of them.
func pickAssignable(roles []auth0api.Role, filter string, chosen []string, page int) (list []auth0api.Role, total int) {
	f := strings.ToLower(filter)
	var match []auth0api.Role
	for _, r := range roles {
		if strings.Contains(strings.ToLower(r.Name), f) && !slices.Contains(chosen, r.ID) {
			match = append(match, r)
		}
	}
	start := min(page*sectionPerPage, len(match))
	end := min(start+sectionPerPage, len(match))
	return match[start:end], len(match)
}
