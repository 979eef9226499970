package handlers

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/views"
)

// roleIDPattern is what an Auth0 role id looks like ("rol_NHBmr6NkzbRcHob1"). Ids are checked
// before any call, so a crafted value ("../roles", spaces) never reaches the Management API.
var roleIDPattern = regexp.MustCompile(`^rol_[A-Za-z0-9]{1,64}$`)

// maxRolesPerChange bounds how many roles one request assigns.
const maxRolesPerChange = 50

// maxRoleFilter bounds the picker's search text.
const maxRoleFilter = 100

// loadRoles reads one page of the user's roles.
func (s *server) loadRoles(ctx context.Context, c echo.Context, userID string, page int) (views.RolesData, error) {
	roles, err := s.users.ListUserRoles(ctx, userID, auth0api.PageParams{
		Page: page, PerPage: sectionPerPage, IncludeTotals: auth0api.Set(true),
	})
	if err != nil {
		return views.RolesData{}, err
	}
	return s.rolesData(c, userID, page, roles), nil
}

// rolesData is one page of the roles section.
func (s *server) rolesData(c echo.Context, userID string, page int, roles *auth0api.RolesPage) views.RolesData {
	var fixed map[string]bool
	for _, r := range roles.Roles {
		if !s.mayAssign(c, r.Name) {
			if fixed == nil {
				fixed = map[string]bool{}
			}
			fixed[r.ID] = true
		}
	}
	return views.RolesData{
		UserID:       userID,
		Roles:        roles.Roles,
		NotRemovable: fixed,
		Pager:        sectionPagerFor(userID, sectionNamed("roles"), "roles", page, roles.Page, len(roles.Roles)),
		Can:          s.can(c),
		Self:         isOwnAccount(c, userID),
	}
}

// showRoles renders the roles section: one page of the user's roles.
func (s *server) showRoles(c echo.Context) error {
	return s.sectionPage(c, "roles", func(ctx context.Context, userID string, page int) (templ.Component, error) {
		d, err := s.loadRoles(ctx, c, userID, page)
		if err != nil {
			return nil, err
		}
		return views.RolesSection(d), nil
	})
}

// rolesPicker renders the role picker: the first page of the tenant's catalog, with the roles
// the user already has marked (both read at once).
func (s *server) rolesPicker(c echo.Context) error {
	userID := targetOf(c).ID
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	var (
		catalog *auth0api.RolesPage
		mine    *auth0api.RolesPage
	)
	err := sectionParallel(ctx,
		func(ctx context.Context) (err error) {
			if s.limitsAssignment(c) { // only the assignable roles are offered
				roles, err := s.resolveAssignable(ctx, c)
				list, total := pickAssignable(roles, "", nil, 0)
				catalog = &auth0api.RolesPage{Page: auth0api.Page{Total: total, Totals: true}, Roles: list}
				return err
			}
			catalog, err = s.users.ListRoles(ctx, auth0api.ListRolesParams{PerPage: sectionPerPage, IncludeTotals: auth0api.Set(true)})
			return err
		},
		func(ctx context.Context) (err error) {
			mine, err = s.users.ListUserRoles(ctx, userID, auth0api.PageParams{PerPage: 100, IncludeTotals: auth0api.Set(true)})
			return err
		},
	)
	if err != nil {
		return fmt.Errorf("role picker: %w", err)
	}
	d := views.RolePickerData{UserID: userID, Roles: catalog.Roles, Assigned: map[string]bool{},
		PerPage: sectionPerPage, Total: catalog.Total, Limited: s.limitsAssignment(c)}
	for _, r := range mine.Roles {
		d.Assigned[r.ID] = true
	}
	return s.showSection(c, http.StatusOK, userID, sectionNamed("roles"), views.RolePicker(d))
}

// rolesCatalog renders the picker's results: a page of the tenant's roles whose name contains
// the filter, searched by Auth0 (name_filter) so the whole catalog is reachable. Roles already
// chosen in the picker are left out (they stay in the chosen list); roles the user has
// ("assigned", a display hint from the picker) are shown, not offered.
func (s *server) rolesCatalog(c echo.Context) error {
	userID := targetOf(c).ID
	filter := strings.TrimSpace(c.QueryParam("name_filter"))
	if len(filter) > maxRoleFilter || (filter != "" && !sectionText(filter, maxRoleFilter)) {
		return httpError(http.StatusBadRequest, "Search for roles with a shorter, plain piece of a name.", nil)
	}
	page := sectionPageParam(c)
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	params, _ := c.FormParams()
	chosen := params["roles"]
	d := views.RolePickerData{UserID: userID, Filter: filter, Assigned: map[string]bool{},
		Page: page, PerPage: sectionPerPage, Limited: s.limitsAssignment(c)}
	for _, id := range params["assigned"] {
		if roleIDPattern.MatchString(id) {
			d.Assigned[id] = true
		}
	}
	if s.limitsAssignment(c) {
		roles, err := s.resolveAssignable(ctx, c)
		if err != nil {
			return fmt.Errorf("role catalog: %w", err)
		}
		d.Roles, d.Total = pickAssignable(roles, filter, chosen, page)
	} else {
		catalog, err := s.users.ListRoles(ctx, auth0api.ListRolesParams{
			NameFilter: filter, Page: page, PerPage: sectionPerPage, IncludeTotals: auth0api.Set(true),
		})
		if err != nil {
			return fmt.Errorf("role catalog: %w", err)
		}
		d.Total = catalog.Total
		for _, r := range catalog.Roles {
			if !slices.Contains(chosen, r.ID) {
				d.Roles = append(d.Roles, r)
			}
		}
	}
	if isPartial(c) {
		return render(c, http.StatusOK, views.RolePickerResults(d))
	}
	return s.showSection(c, http.StatusOK, userID, sectionNamed("roles"), views.RolePicker(d))
}

// assignRoles assigns the roles chosen in the picker (admin). Every id is checked before the
// call, and, when assignment is limited (Config.AssignableRoles), against the assignable
// roles; the section is re-read from Auth0 afterwards.
func (s *server) assignRoles(c echo.Context) error {
	t := targetOf(c)
	userID := t.ID
	params, err := c.FormParams()
	var ids []string
	if err == nil {
		ids, err = checkRoleIDs(params["roles"])
	}
	if err == nil {
		err = s.refuseUnassignable(c, ids, false)
	}
	if err != nil {
		s.audit(c, audit.UserRolesAdd, userID, err, audit.Strings("roles", ids))
		return err
	}
	if err := s.ops.AssignRoles(c.Request().Context(), s.actor(c), t.op(), ids); err != nil {
		return s.changeFailed(t, err)
	}
	msg := "Assigned 1 role."
	if len(ids) > 1 {
		msg = fmt.Sprintf("Assigned %d roles.", len(ids))
	}
	return s.rolesChanged(c, userID, msg)
}

// removeRole removes one role from the user: one the person may assign to them
// (refuseUnassignable), as for an assignment.
func (s *server) removeRole(c echo.Context) error {
	t := targetOf(c)
	userID := t.ID
	roleID, err := sectionPathParam(c, "role")
	if err == nil {
		_, err = checkRoleIDs([]string{roleID})
	}
	if err == nil {
		err = s.refuseUnassignable(c, []string{roleID}, true)
	}
	if err != nil {
		s.audit(c, audit.UserRolesRemove, userID, err, audit.Strings("roles", []string{roleID}))
		return err
	}
	if err := s.ops.RemoveRoles(c.Request().Context(), s.actor(c), t.op(), []string{roleID}); err != nil {
		return s.changeFailed(t, err)
	}
	return s.rolesChanged(c, userID, "Removed the role.")
}

// rolesChanged answers a role change: the section's first page re-read from Auth0, and msg.
func (s *server) rolesChanged(c echo.Context, userID, msg string) error {
	return s.sectionChanged(c, userID, sectionNamed("roles"),
		func(ctx context.Context) (templ.Component, error) {
			d, err := s.loadRoles(ctx, c, userID, 0)
			return views.RolesSection(d), err
		}, func() string { return msg })
}

// checkRoleIDs checks the role ids of a request: at least one, at most maxRolesPerChange, each an
// Auth0 role id; duplicates are dropped.
func checkRoleIDs(in []string) ([]string, error) {
	var ids []string
	for _, id := range in {
		id = strings.TrimSpace(id)
		if !roleIDPattern.MatchString(id) {
			return nil, httpError(http.StatusBadRequest, "That is not a role id (they look like rol_…).", nil)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return nil, httpError(http.StatusUnprocessableEntity, "Choose at least one role.", nil)
	case len(ids) > maxRolesPerChange:
		return nil, httpError(http.StatusUnprocessableEntity, fmt.Sprintf("Assign at most %d roles at a time.", maxRolesPerChange), nil)
	}
	return ids, nil
}
