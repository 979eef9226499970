package auth0api

import (
	"net/http"
	"slices"
	"strings"
)

// ScopeRule is what one Management API endpoint requires of a call: the scopes Auth0 checks in
// the token (and the words of its 403 when they are missing) and, for some endpoints, an
// Enterprise plan. EndpointScopes holds one per endpoint; the dashboard's start-up scope check
// and the emulated tenant's scope checks both read it, so the two cannot disagree.
type ScopeRule struct {
	// Scopes are the scopes Auth0 accepts, in the order its 403 message names them.
	Scopes []string
	// All is true when every scope is needed (Auth0's 403 says "expected all of"); otherwise
	// any one of them is enough ("expected any of").
	All bool
	// Message, when set, is the scope list Auth0's 403 names instead of Scopes: for DELETE
	// /users/{id}/authenticators it names "remove:authenticators", a scope that does not exist.
	Message string
	// Grant is the scope to grant a Machine-to-Machine application for an any-of rule, when it is
	// not the first of Scopes (for GET /users/{id}/organizations, read:organizations is the one
	// Auth0's documentation asks for; read:users is accepted too).
	Grant string
	// Partial lists accepted scopes that do not give a dashboard the whole endpoint: the scopes
	// of user tokens (*:current_user*), which reach only the token's own user;
	// read:user_idp_tokens, meant for reading identity-provider tokens; and
	// update:users_app_metadata, which changes app_metadata only. The start-up check does not
	// count them; the emulated tenant accepts them as Auth0 does.
	Partial []string
	// Enterprise is true for the endpoints Auth0 documents as available on Enterprise plans
	// only (sessions and refresh tokens); a tenant on another plan refuses them with a 403
	// (see ErrFeatureUnavailable).
	Enterprise bool
}

// Needs returns what a dashboard's Machine-to-Machine token must hold for the endpoint: each
// element is one requirement, satisfied by any of its scopes; the first is the scope to grant,
// the others are alternatives Auth0 also accepts. Partial scopes are left out.
func (r ScopeRule) Needs() [][]string {
	full := slices.DeleteFunc(slices.Clone(r.Scopes), func(s string) bool { return slices.Contains(r.Partial, s) })
	if r.All {
		needs := make([][]string, 0, len(full))
		for _, s := range full {
			needs = append(needs, []string{s})
		}
		return needs
	}
	if len(full) == 0 {
		return nil
	}
	if i := slices.Index(full, r.Grant); i > 0 {
		full = append([]string{r.Grant}, slices.Delete(full, i, i+1)...)
	}
	return [][]string{full}
}

// Denial returns the message of Auth0's 403 for a token that lacks the rule's scopes, e.g.
// "Insufficient scope, expected any of: read:users,read:organizations" (the form recorded from
// Auth0, auth0-api.md §1.5; the OpenAPI descriptions paraphrase it).
func (r ScopeRule) Denial() string {
	list := strings.Join(r.Scopes, ",")
	if r.Message != "" {
		list = r.Message
	}
	if r.All {
		return "Insufficient scope, expected all of: " + list
	}
	return "Insufficient scope, expected any of: " + list
}

// EndpointScopes returns the rule of every Management API endpoint userdesk calls or the
// emulated tenant serves, keyed by the client's endpoint templates ("GET /users/{id}/roles";
// the template of a list filtered by a query parameter has no placeholder: "GET /user-blocks"
// takes ?identifier=, "DELETE /grants" takes ?user_id=). The scopes are Auth0's OpenAPI
// "security" list for each endpoint (reference/auth0-api.md §2, the OpenAPI file and
// auth0-staff-and-account-security.md §3–5) and the any/all and words of its recorded 403s;
// the comments name the source where it is not simply the OpenAPI list. The map is new on
// every call; callers may keep or change it.
func EndpointScopes() map[string]ScopeRule {
	anyOf := func(scopes ...string) ScopeRule { return ScopeRule{Scopes: scopes} }
	allOf := func(scopes ...string) ScopeRule { return ScopeRule{Scopes: scopes, All: true} }
	enterprise := func(r ScopeRule) ScopeRule { r.Enterprise = true; return r }
	return map[string]ScopeRule{
		// Users (auth0-api.md §2).
		"GET /users":          anyOf("read:users"), // §2.1: the 403 names read:users only (OpenAPI also lists read:user_idp_tokens)
		"POST /users":         anyOf("create:users"),
		"GET /users-by-email": anyOf("read:users"),
		"GET /users/{id}": {Scopes: []string{"read:users", "read:current_user", "read:user_idp_tokens"},
			Partial: []string{"read:current_user", "read:user_idp_tokens"}}, // recorded 403 text
		"PATCH /users/{id}": {Scopes: []string{"update:users", "update:users_app_metadata", "update:current_user_metadata"},
			Partial: []string{"update:users_app_metadata", "update:current_user_metadata"}},
		"DELETE /users/{id}": {Scopes: []string{"delete:users", "delete:current_user"}, Partial: []string{"delete:current_user"}},
		"GET /users/{id}/organizations": {Scopes: []string{"read:users", "read:organizations"},
			Grant: "read:organizations"}, // §2.6: OpenAPI asks for read:organizations, the 403 names both
		"GET /users/{id}/roles":                     allOf("read:users", "read:roles", "read:role_members"), // §2.7: "expected all of"
		"POST /users/{id}/roles":                    anyOf("update:users", "create:role_members"),           // §2.9 and the OpenAPI file
		"DELETE /users/{id}/roles":                  anyOf("update:users", "delete:role_members"),           // §2.8 and the OpenAPI file
		"GET /users/{id}/permissions":               anyOf("read:users"),
		"POST /users/{id}/permissions":              anyOf("update:users"),
		"DELETE /users/{id}/permissions":            anyOf("update:users"),
		"DELETE /users/{id}/multifactor/{provider}": anyOf("update:users"),
		"DELETE /users/{id}/authenticators": {Scopes: []string{"delete:guardian_enrollments"},
			Message: "remove:authenticators"}, // §2.14: Auth0's 403 names a scope that does not exist
		"POST /users/{id}/recovery-code-regeneration": anyOf("update:users"),
		"GET /users/{id}/enrollments": {Scopes: []string{"read:users", "read:current_user"},
			Partial: []string{"read:current_user"}},
		"GET /users/{id}/logs": anyOf("read:logs", "read:logs_users"),
		"POST /users/{id}/multifactor/actions/invalidate-remember-browser":     anyOf("update:users"),
		"GET /users/{id}/authentication-methods":                               anyOf("read:authentication_methods"),
		"GET /users/{id}/authentication-methods/{authentication_method_id}":    anyOf("read:authentication_methods"),
		"POST /users/{id}/authentication-methods":                              anyOf("create:authentication_methods"),
		"PUT /users/{id}/authentication-methods":                               anyOf("update:authentication_methods"),
		"PATCH /users/{id}/authentication-methods/{authentication_method_id}":  anyOf("update:authentication_methods"),
		"DELETE /users/{id}/authentication-methods":                            anyOf("delete:authentication_methods"),
		"DELETE /users/{id}/authentication-methods/{authentication_method_id}": anyOf("delete:authentication_methods"),
		"GET /guardian/enrollments/{enrollment_id}":                            anyOf("read:guardian_enrollments"),
		"DELETE /guardian/enrollments/{enrollment_id}":                         anyOf("delete:guardian_enrollments"),

		// Beside the Users API: the catalogs and e-mails the dashboard uses.
		"GET /roles":                    anyOf("read:roles"),
		"GET /resource-servers":         anyOf("read:resource_servers"),
		"GET /connections":              anyOf("read:connections"),
		"POST /tickets/password-change": anyOf("create:user_tickets"),
		"POST /jobs/verification-email": anyOf("update:users"),

		// Account security (issue 12; auth0-staff-and-account-security.md §3–5).
		// Brute-force lockouts: reading is read:users, removing is update:users (§5.2).
		"GET /user-blocks/{id}":    anyOf("read:users"),
		"DELETE /user-blocks/{id}": anyOf("update:users"),
		"GET /user-blocks":         anyOf("read:users"),
		"DELETE /user-blocks":      anyOf("update:users"),
		// Sessions and refresh tokens: Enterprise plans only (§3.3). Revoking a session, or a
		// user's access, also revokes refresh tokens: the OpenAPI file lists delete:sessions and
		// delete:refresh_tokens, and we read them as both needed (no recorded 403 says).
		"GET /users/{id}/sessions":          enterprise(anyOf("read:sessions")),
		"DELETE /users/{id}/sessions":       enterprise(anyOf("delete:sessions")),
		"GET /sessions/{id}":                enterprise(anyOf("read:sessions")),
		"DELETE /sessions/{id}":             enterprise(anyOf("delete:sessions")),
		"POST /sessions/{id}/revoke":        enterprise(allOf("delete:sessions", "delete:refresh_tokens")),
		"POST /users/{id}/revoke-access":    enterprise(allOf("delete:sessions", "delete:refresh_tokens")),
		"GET /users/{id}/refresh-tokens":    enterprise(anyOf("read:refresh_tokens")),
		"DELETE /users/{id}/refresh-tokens": enterprise(anyOf("delete:refresh_tokens")),
		"GET /refresh-tokens/{id}":          enterprise(anyOf("read:refresh_tokens")),
		"DELETE /refresh-tokens/{id}":       enterprise(anyOf("delete:refresh_tokens")),
		// Grants (authorized applications, §4).
		"GET /grants":         anyOf("read:grants"),
		"DELETE /grants/{id}": anyOf("delete:grants"),
		"DELETE /grants":      anyOf("delete:grants"),

		// Account linking, MFA enrollment invitations and users exports (issues 12, 16; the
		// OpenAPI file). Linking also accepts update:current_user_identities, a user token's
		// scope that reaches only the token's own user. An export job is created with
		// read:users; GET /jobs/{id} and its errors accept create:users (import jobs) or
		// read:users, the one a dashboard that exports holds anyway.
		"POST /users/{id}/identities": {Scopes: []string{"update:users", "update:current_user_identities"},
			Partial: []string{"update:current_user_identities"}},
		"DELETE /users/{id}/identities/{provider}/{user_id}": {Scopes: []string{"update:users", "update:current_user_identities"},
			Partial: []string{"update:current_user_identities"}},
		"POST /guardian/enrollments/ticket": anyOf("create:guardian_enrollment_tickets"),
		"POST /jobs/users-exports":          anyOf("read:users"),
		"GET /jobs/{id}":                    {Scopes: []string{"create:users", "read:users"}, Grant: "read:users"},
		"GET /jobs/{id}/errors":             {Scopes: []string{"create:users", "read:users"}, Grant: "read:users"},
	}
}

// featureUnavailable reports whether an error answer is Auth0 refusing an Enterprise-only
// endpoint because of the tenant's plan: a 403 on such an endpoint that is not about scopes.
// No source records the exact body (auth0-staff-and-account-security.md §3.3, §10.3); the
// OpenAPI file's plan refusals for this family read "This feature is not enabled for this
// tenant." and "Subscription missing entitlement.", so any 403 whose errorCode is not
// insufficient_scope counts.
func featureUnavailable(e *Error) bool {
	if e.StatusCode != http.StatusForbidden || e.Code == "insufficient_scope" {
		return false
	}
	return EndpointScopes()[e.Op].Enterprise
}
