package handlers

import (
	"net/http"

	"userdesk/audit"
)

// sectionRoutes are the routes of the user page's sections, each loaded by its own htmx
// request (views.UserSections): factors, roles, permissions, organizations and logs, with the
// actions taken inside them (issue 6). Part of the route table (routes.go); the last column is
// what the route does to the user in its :id (gate.go).
func (s *server) sectionRoutes() []route {
	const (
		ownFactors     = "change your own factors"
		ownRoles       = "change your own roles"
		ownPermissions = "change your own permissions"
		ownSessions    = "end your own sessions or revoke your own tokens"
	)
	return []route{
		// The sections: each renders its partial (or a page of its own), fails on its own, and
		// pages with ?page=N.
		{http.MethodGet, "/users/:id/factors", actView, s.showFactors, readsSection("factors").showsControls(actResetMFA, actWriteAuthMethods, actSendEmails)},
		{http.MethodGet, "/users/:id/roles", actView, s.showRoles, readsSection("roles").showsControls(actAssignRoles)},
		{http.MethodGet, "/users/:id/permissions", actView, s.showPermissions, readsSection("permissions").showsControls(actAssignPermissions)},
		{http.MethodGet, "/users/:id/organizations", actView, s.showOrganizations, readsSection("organizations")},
		{http.MethodGet, "/users/:id/logs", actViewLogs, s.showLogs, readsSection("logs")},
		{http.MethodGet, "/users/:id/changes", actAudit, s.showStaffChanges, readsSection("changes")},

		// Factors: the helpdesk's MFA reset (factors.go).
		{http.MethodDelete, "/users/:id/factors/:method", actResetMFA, s.deleteFactor, changes(audit.UserFactorDelete).notOnSelf(ownFactors).withStepUp()},
		{http.MethodDelete, "/users/:id/factors", actResetMFA, s.resetFactors, changes(audit.UserFactorsReset).notOnSelf(ownFactors).withStepUp()},
		{http.MethodDelete, "/users/:id/authenticators", actResetMFA, s.deleteAuthenticators, changes(audit.UserAuthenticatorsDelete).notOnSelf(ownFactors).withStepUp()},
		{http.MethodDelete, "/users/:id/multifactor/:provider", actResetMFA, s.deleteProvider, changes(audit.UserMultifactorDelete).notOnSelf(ownFactors).withStepUp()},
		{http.MethodPost, "/users/:id/factors/invalidate-browsers", actResetMFA, s.invalidateBrowsers, changes(audit.UserMFABrowsersForget).notOnSelf(ownFactors)},
		{http.MethodPost, "/users/:id/factors/recovery-code", actResetMFA, s.regenerateRecoveryCode, changes(audit.UserRecoveryCodeNew).notOnSelf(ownFactors).withStepUp()},
		// An MFA enrollment invitation (link.go): e-mailed by Auth0, or a link shown once, which,
		// like a password-change link, needs a fresh sign-in.
		{http.MethodPost, "/users/:id/enrollment-invitation", actSendEmails, s.enrollmentInvitation, changes(audit.UserEnrollmentInvite).
			notOnSelf(ownFactors).needs("name", "email").sendsEmail()},
		{http.MethodPost, "/users/:id/enrollment-link", actSendEmails, s.enrollmentLink, changes(audit.UserEnrollmentInvite).
			notOnSelf(ownFactors).needs("name", "email").withStepUp()},

		// Factors: the admin's authentication-method writes (factors_admin.go).
		{http.MethodGet, "/users/:id/factors/new", actWriteAuthMethods, s.newFactorForm, readsSection("factors")},
		{http.MethodPost, "/users/:id/factors", actWriteAuthMethods, s.createFactor, changes(audit.UserFactorCreate).notOnSelf(ownFactors).withStepUp()},
		{http.MethodPatch, "/users/:id/factors/:method", actWriteAuthMethods, s.updateFactor, changes(audit.UserFactorUpdate).notOnSelf(ownFactors).withStepUp()},
		{http.MethodPut, "/users/:id/factors", actWriteAuthMethods, s.replaceFactors, changes(audit.UserFactorsReplace).notOnSelf(ownFactors).withStepUp()},

		// Roles (roles.go): the picker searches the tenant's catalog as you type.
		{http.MethodGet, "/users/:id/roles/picker", actAssignRoles, s.rolesPicker, readsSection("roles")},
		{http.MethodGet, "/users/:id/roles/catalog", actAssignRoles, s.rolesCatalog, readsSection("roles")},
		{http.MethodPost, "/users/:id/roles", actAssignRoles, s.assignRoles, changes(audit.UserRolesAdd).notOnSelf(ownRoles).withStepUp()},
		{http.MethodDelete, "/users/:id/roles/:role", actAssignRoles, s.removeRole, changes(audit.UserRolesRemove).notOnSelf(ownRoles).withStepUp()},

		// Permissions (permissions.go): the picker chooses an API, then its scopes.
		{http.MethodGet, "/users/:id/permissions/picker", actAssignPermissions, s.permissionsPicker, readsSection("permissions")},
		{http.MethodGet, "/users/:id/permissions/scopes", actAssignPermissions, s.permissionScopes, readsSection("permissions")},
		{http.MethodPost, "/users/:id/permissions", actAssignPermissions, s.addPermissions, changes(audit.UserPermissionsAdd).notOnSelf(ownPermissions).withStepUp()},
		{http.MethodDelete, "/users/:id/permissions", actAssignPermissions, s.removePermission, changes(audit.UserPermissionsRemove).notOnSelf(ownPermissions).withStepUp()},

		// Account security (issue 12): brute-force lockouts (lockouts.go); sessions, refresh
		// tokens and authorized applications (security.go); "secure this account" (secure.go).
		// A place or a date from the user's logs is filled in by a second request, for people
		// who may read logs.
		{http.MethodGet, "/users/:id/lockouts", actView, s.showLockouts, readsSection("lockouts").showsControls(actUnlock)},
		{http.MethodGet, "/users/:id/lockouts/since", actViewLogs, s.lockoutsSince, reads()},
		{http.MethodGet, "/users/:id/lockouts/check", actView, s.lockoutCheck, reads().needs("name", "email").showsControls(actUnlock)},
		{http.MethodPost, "/users/:id/lockouts/unlock", actUnlock, s.unlock, changes(audit.UserLockoutUnlock).notOnSelf("clear your own lockouts").needs("name", "email")},
		{http.MethodGet, "/users/:id/sessions", actView, s.showSessions, readsSection("sessions").showsControls(actEndSessions)},
		{http.MethodGet, "/users/:id/sessions/places", actViewLogs, s.sessionPlaces, reads()},
		{http.MethodDelete, "/users/:id/sessions/:session", actEndSessions, s.endUserSession, changes(audit.UserSessionEnd).notOnSelf(ownSessions)},
		{http.MethodDelete, "/users/:id/sessions", actEndSessions, s.endUserSessions, changes(audit.UserSessionsEnd).notOnSelf(ownSessions)},
		{http.MethodPost, "/users/:id/revoke-access", actEndSessions, s.revokeAccess, changes(audit.UserSessionsEnd).notOnSelf(ownSessions)},
		{http.MethodGet, "/users/:id/refresh-tokens", actView, s.showRefreshTokens, readsSection("refresh-tokens").showsControls(actEndSessions)},
		{http.MethodDelete, "/users/:id/refresh-tokens/:token", actEndSessions, s.revokeRefreshToken, changes(audit.UserRefreshTokenRevoke).notOnSelf(ownSessions)},
		{http.MethodDelete, "/users/:id/refresh-tokens", actEndSessions, s.revokeRefreshTokens, changes(audit.UserRefreshTokensRevoke).notOnSelf(ownSessions)},
		{http.MethodGet, "/users/:id/applications", actView, s.showApplications, readsSection("applications").showsControls(actEndSessions)},
		{http.MethodDelete, "/users/:id/applications/:grant", actEndSessions, s.revokeGrant, changes(audit.UserGrantsRevoke).notOnSelf(ownSessions)},
		{http.MethodPost, "/users/:id/secure", actEndSessions, s.secureAccount, changes(audit.UserSecureAccount).notOnSelf("secure your own account").
			needs(secureFields...).showsControls(actResetMFA, actSendEmails, actBlockUsers).withStepUp()},
	}
}
