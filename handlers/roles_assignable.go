package handlers

// Assignable roles (checklist 42): when Config.AssignableRoles names tenant roles, the role
// picker offers only those, and assigning any other is refused (403, audited as denied) before
// anything is asked to change. The names are resolved to the tenant's roles (ids) on each use,
// with one name_filter search per name, at once, so a role created, renamed or deleted in Auth0
// counts at once.

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

// limitsAssignment reports whether only some roles may be assigned.
func (s *server) limitsAssignment() bool { return len(s.assignableRoles) > 0 }

// resolveAssignable returns the tenant's roles whose names are configured as assignable,
// sorted by name. A configured name that no role has is skipped and logged.
func (s *server) resolveAssignable(ctx context.Context, c echo.Context) ([]auth0api.Role, error) {
	found := make([]*auth0api.Role, len(s.assignableRoles))
	calls := make([]func(context.Context) error, len(s.assignableRoles))
	for i, name := range s.assignableRoles {
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
			s.logger(c).Warn("an assignable role does not exist in the tenant", "role", s.assignableRoles[i])
			continue
		}
		if !slices.ContainsFunc(roles, func(x auth0api.Role) bool { return x.ID == r.ID }) {
			roles = append(roles, *r)
		}
	}
	slices.SortFunc(roles, func(a, b auth0api.Role) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return roles, nil
}

// refuseUnassignable checks the role ids of an assignment against the assignable roles: nil
// when assignment is not limited or every id is assignable; the refusal (403, to be audited as
// denied) otherwise, or the error of the roles' resolution.
func (s *server) refuseUnassignable(c echo.Context, ids []string) error {
	if !s.limitsAssignment() {
		return nil
	}
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	allowed, err := s.resolveAssignable(ctx, c)
	if err != nil {
		return err
	}
	var names, refused []string
	for _, r := range allowed {
		names = append(names, r.Name)
	}
	for _, id := range ids {
		if !slices.ContainsFunc(allowed, func(r auth0api.Role) bool { return r.ID == id }) {
			refused = append(refused, id)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	only := "none: no role of the tenant has one of the configured names"
	if len(names) > 0 {
		only = strings.Join(names, ", ")
	}
	return httpError(http.StatusForbidden, "userdesk is not set up to assign "+strings.Join(refused, ", ")+
		". The roles it may assign are: "+only+".", nil).withTitle("Role not assignable").asDenied()
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
