package handlers

import "net/http"

// sectionRoutes are the routes of the user page's sections, each loaded by its own htmx
// request (views.UserSections): factors, roles, permissions, organizations and logs, with the
// actions taken inside them (issue 6). Part of the route table (routes.go).
func (s *server) sectionRoutes() []route {
	return []route{
		// The sections: each renders its partial (or a page of its own), fails on its own, and
		// pages with ?page=N.
		{http.MethodGet, "/users/:id/factors", actView, noStepUp, s.showFactors},
		{http.MethodGet, "/users/:id/roles", actView, noStepUp, s.showRoles},
		{http.MethodGet, "/users/:id/permissions", actView, noStepUp, s.showPermissions},
		{http.MethodGet, "/users/:id/organizations", actView, noStepUp, s.showOrganizations},
		{http.MethodGet, "/users/:id/logs", actView, noStepUp, s.showLogs},

		// Factors: the helpdesk's MFA reset (factors.go).
		{http.MethodDelete, "/users/:id/factors/:method", actResetMFA, noStepUp, s.deleteFactor},
		{http.MethodDelete, "/users/:id/factors", actResetMFA, stepUp, s.resetFactors},
		{http.MethodDelete, "/users/:id/authenticators", actResetMFA, stepUp, s.deleteAuthenticators},
		{http.MethodDelete, "/users/:id/multifactor/:provider", actResetMFA, noStepUp, s.deleteProvider},
		{http.MethodPost, "/users/:id/factors/invalidate-browsers", actResetMFA, noStepUp, s.invalidateBrowsers},
		{http.MethodPost, "/users/:id/factors/recovery-code", actResetMFA, stepUp, s.regenerateRecoveryCode},

		// Factors: the admin's authentication-method writes (factors_admin.go).
		{http.MethodGet, "/users/:id/factors/new", actWriteAuthMethods, noStepUp, s.newFactorForm},
		{http.MethodPost, "/users/:id/factors", actWriteAuthMethods, stepUp, s.createFactor},
		{http.MethodPatch, "/users/:id/factors/:method", actWriteAuthMethods, noStepUp, s.updateFactor},
		{http.MethodPut, "/users/:id/factors", actWriteAuthMethods, stepUp, s.replaceFactors},

		// Roles (roles.go): the picker searches the tenant's catalog as you type.
		{http.MethodGet, "/users/:id/roles/picker", actAssignRoles, noStepUp, s.rolesPicker},
		{http.MethodGet, "/users/:id/roles/catalog", actAssignRoles, noStepUp, s.rolesCatalog},
		{http.MethodPost, "/users/:id/roles", actAssignRoles, stepUp, s.assignRoles},
		{http.MethodDelete, "/users/:id/roles/:role", actAssignRoles, stepUp, s.removeRole},

		// Permissions (permissions.go): the picker chooses an API, then its scopes.
		{http.MethodGet, "/users/:id/permissions/picker", actAssignPermissions, noStepUp, s.permissionsPicker},
		{http.MethodGet, "/users/:id/permissions/scopes", actAssignPermissions, noStepUp, s.permissionScopes},
		{http.MethodPost, "/users/:id/permissions", actAssignPermissions, stepUp, s.addPermissions},
		{http.MethodDelete, "/users/:id/permissions", actAssignPermissions, stepUp, s.removePermission},
	}
}
