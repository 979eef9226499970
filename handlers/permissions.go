package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/views"
)

// Limits on permission requests, checked before any call.
const (
	maxAPIIdentifier     = 600 // Auth0's resource server identifiers are at most 600 characters
	maxPermissionName    = 280
	maxPermissionsChange = 50
)

// loadPermissions reads one page of the user's permissions.
func (s *server) loadPermissions(ctx context.Context, c echo.Context, userID string, page int) (views.PermissionsData, error) {
	perms, err := s.users.ListUserPermissions(ctx, userID, auth0api.PageParams{
		Page: page, PerPage: sectionPerPage, IncludeTotals: auth0api.Set(true),
	})
	if err != nil {
		return views.PermissionsData{}, err
	}
	return s.permissionsData(c, userID, page, perms), nil
}

// permissionsData is one page of the permissions section.
func (s *server) permissionsData(c echo.Context, userID string, page int, perms *auth0api.PermissionsPage) views.PermissionsData {
	return views.PermissionsData{
		UserID:      userID,
		Permissions: perms.Permissions,
		Pager:       sectionPagerFor(userID, sectionNamed("permissions"), "permissions", page, perms.Page, len(perms.Permissions)),
		Can:         s.can(c),
		Self:        isOwnAccount(c, userID),
	}
}

// showPermissions renders the permissions section: one page of the user's permissions.
func (s *server) showPermissions(c echo.Context) error {
	return s.sectionPage(c, "permissions", func(ctx context.Context, userID string, page int) (templ.Component, error) {
		d, err := s.loadPermissions(ctx, c, userID, page)
		if err != nil {
			return nil, err
		}
		return views.PermissionsSection(d), nil
	})
}

// assignableAPIs are the tenant's APIs a user can hold permissions on: every resource server
// but Auth0's own (system) ones.
func assignableAPIs(all []auth0api.ResourceServer) []auth0api.ResourceServer {
	var out []auth0api.ResourceServer
	for _, rs := range all {
		if string(rs.Extra["is_system"]) == "true" {
			continue
		}
		out = append(out, rs)
	}
	return out
}

// permissionsPicker renders the first step of the permission picker: the tenant's APIs, and
// the permissions the user has (to mark them in the second step); both read at once.
func (s *server) permissionsPicker(c echo.Context) error {
	userID := targetOf(c).ID
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	var (
		apis *auth0api.ResourceServersPage
		mine *auth0api.PermissionsPage
	)
	err := sectionParallel(ctx,
		func(ctx context.Context) (err error) {
			apis, err = s.users.ListResourceServers(ctx, auth0api.PageParams{PerPage: 100, IncludeTotals: auth0api.Set(true)})
			return err
		},
		func(ctx context.Context) (err error) {
			mine, err = s.users.ListUserPermissions(ctx, userID, auth0api.PageParams{PerPage: 100, IncludeTotals: auth0api.Set(true)})
			return err
		},
	)
	if err != nil {
		return fmt.Errorf("permission picker: %w", err)
	}
	d := views.PermissionPickerData{
		UserID:   userID,
		APIs:     assignableAPIs(apis.ResourceServers),
		Assigned: map[string]bool{},
		More:     apis.HasNext(),
	}
	for _, p := range mine.Permissions {
		d.Assigned[views.PermissionKey(p.ResourceServerIdentifier, p.PermissionName)] = true
	}
	return s.showSection(c, http.StatusOK, userID, sectionNamed("permissions"), views.PermissionPicker(d))
}

// permissionScopes renders the second step of the picker: the chosen API's scopes.
func (s *server) permissionScopes(c echo.Context) error {
	userID := targetOf(c).ID
	d := views.PermissionPickerData{UserID: userID, API: strings.TrimSpace(c.QueryParam("api")), Assigned: map[string]bool{}}
	if d.API != "" && !sectionText(d.API, maxAPIIdentifier) {
		return httpError(http.StatusBadRequest, "That is not an API identifier.", nil)
	}
	params, _ := c.FormParams()
	for _, k := range params["assigned"] {
		if api, _, ok := views.SplitPermissionKey(k); ok && api == d.API {
			d.Assigned[k] = true
		}
	}
	if d.API != "" {
		ctx, cancel := s.sectionContext(c)
		defer cancel()
		apis, err := s.users.ListResourceServers(ctx, auth0api.PageParams{PerPage: 100, IncludeTotals: auth0api.Set(true)})
		if err != nil {
			return fmt.Errorf("permission scopes: %w", err)
		}
		i := slices.IndexFunc(assignableAPIs(apis.ResourceServers), func(rs auth0api.ResourceServer) bool { return rs.Identifier == d.API })
		if i < 0 {
			return httpError(http.StatusNotFound, "The tenant has no API with that identifier.", nil)
		}
		d.Scopes = assignableAPIs(apis.ResourceServers)[i].Scopes
	}
	if isPartial(c) {
		return render(c, http.StatusOK, views.PermissionScopes(d))
	}
	return s.showSection(c, http.StatusOK, userID, sectionNamed("permissions"), views.PermissionPicker(d))
}

// addPermissions gives the user the chosen scopes of one API (admin).
func (s *server) addPermissions(c echo.Context) error {
	t := targetOf(c)
	userID := t.ID
	params, err := c.FormParams()
	var refs []auth0api.PermissionRef
	if err == nil {
		refs, err = permissionRefs(params.Get("api"), params["scopes"])
	}
	if err != nil {
		s.audit(c, audit.UserPermissionsAdd, userID, err)
		return err
	}
	if err := s.ops.AddPermissions(c.Request().Context(), s.actor(c), t.op(), refs); err != nil {
		return s.changeFailed(t, err)
	}
	msg := "Added 1 permission."
	if len(refs) > 1 {
		msg = fmt.Sprintf("Added %d permissions.", len(refs))
	}
	return s.permissionsChanged(c, userID, msg)
}

// removePermission takes one direct permission away from the user (admin). htmx sends a
// DELETE's form values in the query: ?api=…&permission=….
func (s *server) removePermission(c echo.Context) error {
	t := targetOf(c)
	userID := t.ID
	refs, err := permissionRefs(c.FormValue("api"), []string{c.FormValue("permission")})
	if err != nil {
		s.audit(c, audit.UserPermissionsRemove, userID, err)
		return err
	}
	if err := s.ops.RemovePermissions(c.Request().Context(), s.actor(c), t.op(), refs); err != nil {
		return s.changeFailed(t, err)
	}
	return s.permissionsChanged(c, userID, "Removed the permission "+refs[0].PermissionName+".")
}

// permissionsChanged answers a permission change: the section's first page re-read from
// Auth0, and msg.
func (s *server) permissionsChanged(c echo.Context, userID, msg string) error {
	return s.sectionChanged(c, userID, sectionNamed("permissions"),
		func(ctx context.Context) (templ.Component, error) {
			d, err := s.loadPermissions(ctx, c, userID, 0)
			return views.PermissionsSection(d), err
		}, func() string { return msg })
}

// permissionRefs checks an API identifier and scope names before any call: an API, at least
// one scope, at most maxPermissionsChange, each a plain name without spaces.
func permissionRefs(api string, scopes []string) ([]auth0api.PermissionRef, error) {
	api = strings.TrimSpace(api)
	if !sectionText(api, maxAPIIdentifier) {
		return nil, httpError(http.StatusUnprocessableEntity, "Choose an API first.", nil)
	}
	var refs []auth0api.PermissionRef
	for _, sc := range scopes {
		sc = strings.TrimSpace(sc)
		if !sectionText(sc, maxPermissionName) || strings.IndexFunc(sc, unicode.IsSpace) >= 0 {
			return nil, httpError(http.StatusUnprocessableEntity, "A permission name is empty or not valid.", nil)
		}
		ref := auth0api.PermissionRef{ResourceServerIdentifier: api, PermissionName: sc}
		if !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	switch {
	case len(refs) == 0:
		return nil, httpError(http.StatusUnprocessableEntity, "Choose at least one permission.", nil)
	case len(refs) > maxPermissionsChange:
		return nil, httpError(http.StatusUnprocessableEntity, fmt.Sprintf("Add at most %d permissions at a time.", maxPermissionsChange), nil)
	}
	return refs, nil
}
