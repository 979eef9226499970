package auth0apitest

import (
	"strings"

	"userdesk/auth0api"
)

// Query parameters shared by list endpoints.
var (
	pagingNames     = []string{"page", "per_page", "include_totals"}
	fieldNames      = []string{"fields", "include_fields"}
	checkpointNames = []string{"from", "take", "include_totals"}
)

// routes is the Management API surface the tenant answers. Each endpoint's scope check, and
// whether it needs an Enterprise plan, come from auth0api.EndpointScopes, the table the
// dashboard's start-up scope check reads too (a route missing from it panics, which any test
// catches).
func routes() []route {
	rs := []route{
		{method: "GET", pattern: "/users", query: append([]string{"sort", "connection", "q", "search_engine", "primary_order"}, append(pagingNames, fieldNames...)...),
			handle: (*Tenant).listUsers},
		{method: "POST", pattern: "/users", handle: (*Tenant).createUser},
		{method: "GET", pattern: "/users-by-email", query: append([]string{"email"}, fieldNames...), handle: (*Tenant).usersByEmail},
		{method: "GET", pattern: "/users/{id}", query: fieldNames, handle: (*Tenant).getUser},
		{method: "PATCH", pattern: "/users/{id}", handle: (*Tenant).updateUser},
		{method: "DELETE", pattern: "/users/{id}", handle: (*Tenant).deleteUser},
		{method: "GET", pattern: "/users/{id}/organizations", query: pagingNames, handle: (*Tenant).listUserOrganizations},
		{method: "GET", pattern: "/users/{id}/roles", query: pagingNames, handle: (*Tenant).listUserRoles},
		{method: "POST", pattern: "/users/{id}/roles", handle: (*Tenant).addUserRoles},
		{method: "DELETE", pattern: "/users/{id}/roles", handle: (*Tenant).removeUserRoles},
		{method: "GET", pattern: "/users/{id}/permissions", query: pagingNames, handle: (*Tenant).listUserPermissions},
		{method: "POST", pattern: "/users/{id}/permissions", handle: (*Tenant).addUserPermissions},
		{method: "DELETE", pattern: "/users/{id}/permissions", handle: (*Tenant).removeUserPermissions},
		{method: "DELETE", pattern: "/users/{id}/multifactor/{provider}", handle: (*Tenant).deleteMultifactor},
		{method: "POST", pattern: "/users/{id}/multifactor/actions/invalidate-remember-browser", handle: (*Tenant).invalidateRememberBrowser},
		{method: "DELETE", pattern: "/users/{id}/authenticators", handle: (*Tenant).deleteAuthenticators},
		{method: "POST", pattern: "/users/{id}/recovery-code-regeneration", handle: (*Tenant).regenerateRecoveryCode},
		{method: "GET", pattern: "/users/{id}/enrollments", handle: (*Tenant).listEnrollments},
		{method: "GET", pattern: "/users/{id}/logs", query: append([]string{"sort"}, pagingNames...), handle: (*Tenant).listUserLogs},
		{method: "GET", pattern: "/users/{id}/authentication-methods", query: pagingNames, handle: (*Tenant).listAuthMethods},
		{method: "POST", pattern: "/users/{id}/authentication-methods", handle: (*Tenant).createAuthMethod},
		{method: "PUT", pattern: "/users/{id}/authentication-methods", handle: (*Tenant).replaceAuthMethods},
		{method: "DELETE", pattern: "/users/{id}/authentication-methods", handle: (*Tenant).deleteAuthMethods},
		{method: "GET", pattern: "/users/{id}/authentication-methods/{authentication_method_id}", handle: (*Tenant).getAuthMethod},
		{method: "PATCH", pattern: "/users/{id}/authentication-methods/{authentication_method_id}", handle: (*Tenant).updateAuthMethod},
		{method: "DELETE", pattern: "/users/{id}/authentication-methods/{authentication_method_id}", handle: (*Tenant).deleteAuthMethod},
		{method: "GET", pattern: "/guardian/enrollments/{enrollment_id}", handle: (*Tenant).getGuardianEnrollment},
		{method: "DELETE", pattern: "/guardian/enrollments/{enrollment_id}", handle: (*Tenant).deleteGuardianEnrollment},
		{method: "GET", pattern: "/roles", query: append([]string{"name_filter"}, pagingNames...), handle: (*Tenant).listRoles},
		{method: "GET", pattern: "/resource-servers", query: append([]string{"identifiers"}, pagingNames...), handle: (*Tenant).listResourceServers},
		{method: "GET", pattern: "/connections", query: append([]string{"strategy", "name", "from", "take"}, append(pagingNames, fieldNames...)...), handle: (*Tenant).listConnections},
		{method: "POST", pattern: "/tickets/password-change", handle: (*Tenant).createPasswordChangeTicket},
		{method: "POST", pattern: "/jobs/verification-email", handle: (*Tenant).createVerificationJob},

		// Account security (issue 12): brute-force lockouts, sessions, refresh tokens, grants.
		{method: "GET", pattern: "/user-blocks/{id}", query: []string{"consider_brute_force_enablement"}, handle: (*Tenant).listUserBlocks},
		{method: "DELETE", pattern: "/user-blocks/{id}", handle: (*Tenant).deleteUserBlocks},
		{method: "GET", pattern: "/user-blocks", query: []string{"identifier", "consider_brute_force_enablement"}, handle: (*Tenant).listBlocksByIdentifier},
		{method: "DELETE", pattern: "/user-blocks", query: []string{"identifier"}, handle: (*Tenant).deleteBlocksByIdentifier},
		{method: "GET", pattern: "/users/{id}/sessions", query: checkpointNames, handle: (*Tenant).listUserSessions},
		{method: "DELETE", pattern: "/users/{id}/sessions", handle: (*Tenant).deleteUserSessions},
		{method: "GET", pattern: "/sessions/{id}", handle: (*Tenant).getSession},
		{method: "DELETE", pattern: "/sessions/{id}", handle: (*Tenant).deleteSession},
		{method: "POST", pattern: "/sessions/{id}/revoke", handle: (*Tenant).revokeSession},
		{method: "POST", pattern: "/users/{id}/revoke-access", handle: (*Tenant).revokeAccess},
		{method: "GET", pattern: "/users/{id}/refresh-tokens", query: append([]string{"page", "per_page"}, checkpointNames...),
			handle: (*Tenant).listUserRefreshTokens},
		{method: "DELETE", pattern: "/users/{id}/refresh-tokens", handle: (*Tenant).deleteUserRefreshTokens},
		{method: "GET", pattern: "/refresh-tokens/{id}", handle: (*Tenant).getRefreshToken},
		{method: "DELETE", pattern: "/refresh-tokens/{id}", handle: (*Tenant).deleteRefreshToken},
		{method: "GET", pattern: "/grants", query: append([]string{"user_id", "client_id", "audience"}, pagingNames...), handle: (*Tenant).listGrants},
		{method: "DELETE", pattern: "/grants/{id}", handle: (*Tenant).deleteGrant},
		{method: "DELETE", pattern: "/grants", query: []string{"user_id"}, handle: (*Tenant).deleteUserGrants},

		// Account linking, MFA enrollment invitations and users exports (issues 12 and 16).
		{method: "POST", pattern: "/users/{id}/identities", handle: (*Tenant).linkIdentity},
		{method: "DELETE", pattern: "/users/{id}/identities/{provider}/{user_id}", handle: (*Tenant).unlinkIdentity},
		{method: "POST", pattern: "/guardian/enrollments/ticket", handle: (*Tenant).createEnrollmentTicket},
		{method: "POST", pattern: "/jobs/users-exports", handle: (*Tenant).createUsersExport},
		{method: "GET", pattern: "/jobs/{id}", handle: (*Tenant).getJob},
		{method: "GET", pattern: "/jobs/{id}/errors", handle: (*Tenant).getJobErrors},
	}
	rules := auth0api.EndpointScopes()
	for i := range rs {
		rule, ok := rules[rs[i].key()]
		if !ok {
			panic("auth0apitest: route " + rs[i].key() + " has no scope rule in auth0api.EndpointScopes")
		}
		rs[i].scopes = scopeRule{need: rule.Scopes, all: rule.All, message: rule.Message}
		rs[i].enterprise = rule.Enterprise
		rs[i].segs = strings.Split(strings.TrimPrefix(rs[i].pattern, "/"), "/")
	}
	return rs
}
