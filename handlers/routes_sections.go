package handlers

import "net/http"

// sectionRoutes are the routes of the user page's sections, each loaded by its own htmx
// request (views.UserSections): factors, roles, permissions, organizations and logs, with the
// actions taken inside them (issue 6). Part of the route table (routes.go).
func (s *server) sectionRoutes() []route {
	return []route{
		// The sections: each renders its partial (or a page of its own), fails on its own, and
		// pages with ?page=N.
		{http.MethodGet, "/users/:id/factors", actView, s.showFactors},
		{http.MethodGet, "/users/:id/roles", actView, s.showRoles},
		{http.MethodGet, "/users/:id/permissions", actView, s.showPermissions},
		{http.MethodGet, "/users/:id/organizations", actView, s.showOrganizations},
		{http.MethodGet, "/users/:id/logs", actView, s.showLogs},

		// Factors: the helpdesk's MFA reset (factors.go).
		{http.MethodDelete, "/users/:id/factors/:method", actResetMFA, s.deleteFactor},
		{http.MethodDelete, "/users/:id/factors", actResetMFA, s.resetFactors},
		{http.MethodDelete, "/users/:id/authenticators", actResetMFA, s.deleteAuthenticators},
		{http.MethodDelete, "/users/:id/multifactor/:provider", actResetMFA, s.deleteProvider},
		{http.MethodPost, "/users/:id/factors/invalidate-browsers", actResetMFA, s.invalidateBrowsers},
		{http.MethodPost, "/users/:id/factors/recovery-code", actResetMFA, s.regenerateRecoveryCode},

		// Factors: the admin's authentication-method writes (factors_admin.go).
		{http.MethodGet, "/users/:id/factors/new", actWriteAuthMethods, s.newFactorForm},
		{http.MethodPost, "/users/:id/factors", actWriteAuthMethods, s.createFactor},
		{http.MethodPatch, "/users/:id/factors/:method", actWriteAuthMethods, s.updateFactor},
		{http.MethodPut, "/users/:id/factors", actWriteAuthMethods, s.replaceFactors},

		// Roles (roles.go): the picker searches the tenant's catalog as you type.
		{http.MethodGet, "/users/:id/roles/picker", actAssignRoles, s.rolesPicker},
		{http.MethodGet, "/users/:id/roles/catalog", actAssignRoles, s.rolesCatalog},
		{http.MethodPost, "/users/:id/roles", actAssignRoles, s.assignRoles},
		{http.MethodDelete, "/users/:id/roles/:role", actAssignRoles, s.removeRole},

		// Permissions (permissions.go): the picker chooses an API, then its scopes.
		{http.MethodGet, "/users/:id/permissions/picker", actAssignPermissions, s.permissionsPicker},
		{http.MethodGet, "/users/:id/permissions/scopes", actAssignPermissions, s.permissionScopes},
		{http.MethodPost, "/users/:id/permissions", actAssignPermissions, s.addPermissions},
		{http.MethodDelete, "/users/:id/permissions", actAssignPermissions, s.removePermission},
	}
}
