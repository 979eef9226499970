package auth0apitest

import "strings"

// Query parameters shared by list endpoints.
var (
	pagingNames = []string{"page", "per_page", "include_totals"}
	fieldNames  = []string{"fields", "include_fields"}
)

// routes is the Management API surface the tenant answers, with each
// endpoint's scope check as auth0-api.md gives it (the 403 message names
// what is checked).
func routes() []route {
	rs := []route{
		{method: "GET", pattern: "/users", scopes: anyOf("read:users"),
			query:  append([]string{"sort", "connection", "q", "search_engine", "primary_order"}, append(pagingNames, fieldNames...)...),
			handle: (*Tenant).listUsers},
		{method: "POST", pattern: "/users", scopes: anyOf("create:users"), handle: (*Tenant).createUser},
		{method: "GET", pattern: "/users-by-email", scopes: anyOf("read:users"),
			query: append([]string{"email"}, fieldNames...), handle: (*Tenant).usersByEmail},
		{method: "GET", pattern: "/users/{id}", scopes: anyOf("read:users", "read:current_user", "read:user_idp_tokens"),
			query: fieldNames, handle: (*Tenant).getUser},
		{method: "PATCH", pattern: "/users/{id}", scopes: anyOf("update:users", "update:users_app_metadata", "update:current_user_metadata"),
			handle: (*Tenant).updateUser},
		{method: "DELETE", pattern: "/users/{id}", scopes: anyOf("delete:users", "delete:current_user"), handle: (*Tenant).deleteUser},
		{method: "GET", pattern: "/users/{id}/organizations", scopes: anyOf("read:users", "read:organizations"),
			query: pagingNames, handle: (*Tenant).listUserOrganizations},
		{method: "GET", pattern: "/users/{id}/roles", scopes: allOf("read:users", "read:roles", "read:role_members"),
			query: pagingNames, handle: (*Tenant).listUserRoles},
		{method: "POST", pattern: "/users/{id}/roles", scopes: anyOf("read:roles", "update:users"), handle: (*Tenant).addUserRoles},
		{method: "DELETE", pattern: "/users/{id}/roles", scopes: anyOf("update:users"), handle: (*Tenant).removeUserRoles},
		{method: "GET", pattern: "/users/{id}/permissions", scopes: anyOf("read:users"),
			query: pagingNames, handle: (*Tenant).listUserPermissions},
		{method: "POST", pattern: "/users/{id}/permissions", scopes: anyOf("update:users"), handle: (*Tenant).addUserPermissions},
		{method: "DELETE", pattern: "/users/{id}/permissions", scopes: anyOf("update:users"), handle: (*Tenant).removeUserPermissions},
		{method: "DELETE", pattern: "/users/{id}/multifactor/{provider}", scopes: anyOf("update:users"), handle: (*Tenant).deleteMultifactor},
		{method: "POST", pattern: "/users/{id}/multifactor/actions/invalidate-remember-browser", scopes: anyOf("update:users"),
			handle: (*Tenant).invalidateRememberBrowser},
		{method: "DELETE", pattern: "/users/{id}/authenticators",
			scopes: scopeRule{need: []string{"delete:guardian_enrollments"}, message: "remove:authenticators"},
			handle: (*Tenant).deleteAuthenticators},
		{method: "POST", pattern: "/users/{id}/recovery-code-regeneration", scopes: anyOf("update:users"), handle: (*Tenant).regenerateRecoveryCode},
		{method: "GET", pattern: "/users/{id}/enrollments", scopes: anyOf("read:users", "read:current_user"), handle: (*Tenant).listEnrollments},
		{method: "GET", pattern: "/users/{id}/logs", scopes: anyOf("read:logs", "read:logs_users"),
			query: append([]string{"sort"}, pagingNames...), handle: (*Tenant).listUserLogs},
		{method: "GET", pattern: "/users/{id}/authentication-methods", scopes: anyOf("read:authentication_methods"),
			query: pagingNames, handle: (*Tenant).listAuthMethods},
		{method: "POST", pattern: "/users/{id}/authentication-methods", scopes: anyOf("create:authentication_methods"), handle: (*Tenant).createAuthMethod},
		{method: "PUT", pattern: "/users/{id}/authentication-methods", scopes: anyOf("update:authentication_methods"), handle: (*Tenant).replaceAuthMethods},
		{method: "DELETE", pattern: "/users/{id}/authentication-methods", scopes: anyOf("delete:authentication_methods"), handle: (*Tenant).deleteAuthMethods},
		{method: "GET", pattern: "/users/{id}/authentication-methods/{authentication_method_id}", scopes: anyOf("read:authentication_methods"),
			handle: (*Tenant).getAuthMethod},
		{method: "PATCH", pattern: "/users/{id}/authentication-methods/{authentication_method_id}", scopes: anyOf("update:authentication_methods"),
			handle: (*Tenant).updateAuthMethod},
		{method: "DELETE", pattern: "/users/{id}/authentication-methods/{authentication_method_id}", scopes: anyOf("delete:authentication_methods"),
			handle: (*Tenant).deleteAuthMethod},
		{method: "GET", pattern: "/guardian/enrollments/{enrollment_id}", scopes: anyOf("read:guardian_enrollments"), handle: (*Tenant).getGuardianEnrollment},
		{method: "DELETE", pattern: "/guardian/enrollments/{enrollment_id}", scopes: anyOf("delete:guardian_enrollments"), handle: (*Tenant).deleteGuardianEnrollment},
		{method: "GET", pattern: "/roles", scopes: anyOf("read:roles"),
			query: append([]string{"name_filter"}, pagingNames...), handle: (*Tenant).listRoles},
		{method: "GET", pattern: "/resource-servers", scopes: anyOf("read:resource_servers"),
			query: append([]string{"identifiers"}, pagingNames...), handle: (*Tenant).listResourceServers},
		{method: "GET", pattern: "/connections", scopes: anyOf("read:connections"),
			query: append([]string{"strategy", "name", "from", "take"}, append(pagingNames, fieldNames...)...), handle: (*Tenant).listConnections},
		{method: "POST", pattern: "/tickets/password-change", scopes: anyOf("create:user_tickets"), handle: (*Tenant).createPasswordChangeTicket},
		{method: "POST", pattern: "/jobs/verification-email", scopes: anyOf("update:users"), handle: (*Tenant).createVerificationJob},

		// Account linking, MFA enrollment invitations and users exports (issues 12 and 16).
		{method: "POST", pattern: "/users/{id}/identities", scopes: anyOf("update:users", "update:current_user_identities"),
			handle: (*Tenant).linkIdentity},
		{method: "DELETE", pattern: "/users/{id}/identities/{provider}/{user_id}", scopes: anyOf("update:users", "update:current_user_identities"),
			handle: (*Tenant).unlinkIdentity},
		{method: "POST", pattern: "/guardian/enrollments/ticket", scopes: anyOf("create:guardian_enrollment_tickets"),
			handle: (*Tenant).createEnrollmentTicket},
		{method: "POST", pattern: "/jobs/users-exports", scopes: anyOf("read:users"), handle: (*Tenant).createUsersExport},
		{method: "GET", pattern: "/jobs/{id}", scopes: anyOf("create:users", "read:users"), handle: (*Tenant).getJob},
		{method: "GET", pattern: "/jobs/{id}/errors", scopes: anyOf("create:users", "read:users"), handle: (*Tenant).getJobErrors},
	}
	for i := range rs {
		rs[i].segs = strings.Split(strings.TrimPrefix(rs[i].pattern, "/"), "/")
	}
	return rs
}
