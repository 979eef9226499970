package main

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// The start-up scope check. userdesk runs with whatever scopes its Machine-to-Machine
// application was granted: a helpdesk-only deployment may leave out create:users or
// delete:users. After start it reads the token's scopes and logs, per dashboard feature, the
// ones that are missing (one warning per feature), or one info line when nothing is missing.
// It never stops the server: a missing scope only makes that feature's calls fail with 403,
// which the dashboard shows in plain words.

// scopeNeed is one requirement of an endpoint: any one of its scopes satisfies it. The first
// is the scope to grant; the others are the alternatives Auth0 also accepts.
type scopeNeed []string

// endpointScopes says what a Machine-to-Machine token needs for each Management API endpoint
// the client calls (keys are auth0api's endpoint templates). It is derived from the scope
// lists of reference/auth0-api.md §2 (Auth0's OpenAPI "security" per endpoint and the
// "expected any of / all of" texts of its 403s) and, for the calls beside the Users API, from
// the contract's scope column: the scopes of user tokens (read:current_user, ...) and
// read:user_idp_tokens, which do not serve a dashboard, are left out.
func endpointScopes() map[string][]scopeNeed {
	one := func(scopes ...string) []scopeNeed { return []scopeNeed{scopes} }
	return map[string][]scopeNeed{
		"GET /users":                                  one("read:users"),                                       // §2.1
		"GET /users-by-email":                         one("read:users"),                                       // OpenAPI security
		"GET /users/{id}":                             one("read:users"),                                       // §2.3
		"POST /users":                                 one("create:users"),                                     // §2.2
		"PATCH /users/{id}":                           one("update:users"),                                     // §2.5 (update:users_app_metadata covers app_metadata only)
		"DELETE /users/{id}":                          one("delete:users"),                                     // §2.4
		"GET /users/{id}/organizations":               one("read:organizations", "read:users"),                 // §2.6: "expected any of: read:users, read:organizations"
		"GET /users/{id}/roles":                       {{"read:users"}, {"read:roles"}, {"read:role_members"}}, // §2.7: "expected all of"
		"POST /users/{id}/roles":                      one("update:users", "create:role_members"),              // §2.9
		"DELETE /users/{id}/roles":                    one("update:users", "delete:role_members"),              // §2.8
		"GET /users/{id}/permissions":                 one("read:users"),                                       // §2.10
		"POST /users/{id}/permissions":                one("update:users"),                                     // §2.12
		"DELETE /users/{id}/permissions":              one("update:users"),                                     // §2.11
		"DELETE /users/{id}/multifactor/{provider}":   one("update:users"),                                     // §2.13
		"DELETE /users/{id}/authenticators":           one("delete:guardian_enrollments"),                      // §2.14
		"POST /users/{id}/recovery-code-regeneration": one("update:users"),                                     // §2.15
		"GET /users/{id}/enrollments":                 one("read:users"),                                       // §2.16
		"GET /users/{id}/logs":                        one("read:logs", "read:logs_users"),                     // §2.17
		"POST /users/{id}/multifactor/actions/invalidate-remember-browser":     one("update:users"),                  // §2.18
		"GET /users/{id}/authentication-methods":                               one("read:authentication_methods"),   // §2.19
		"GET /users/{id}/authentication-methods/{authentication_method_id}":    one("read:authentication_methods"),   // §2.20
		"POST /users/{id}/authentication-methods":                              one("create:authentication_methods"), // §2.21
		"PUT /users/{id}/authentication-methods":                               one("update:authentication_methods"), // §2.22
		"PATCH /users/{id}/authentication-methods/{authentication_method_id}":  one("update:authentication_methods"), // §2.23
		"DELETE /users/{id}/authentication-methods":                            one("delete:authentication_methods"), // §2.24
		"DELETE /users/{id}/authentication-methods/{authentication_method_id}": one("delete:authentication_methods"), // §2.25
		"GET /roles":                    one("read:roles"),            // the roles catalog
		"GET /resource-servers":         one("read:resource_servers"), // the permission picker
		"GET /connections":              one("read:connections"),      // the create form
		"POST /tickets/password-change": one("create:user_tickets"),   // password-reset email
		"POST /jobs/verification-email": one("update:users"),          // verification email

		// Account linking, MFA enrollment invitations and users exports (issues 12, 16). The
		// linking endpoints also accept update:current_user_identities, a user token's scope.
		"POST /users/{id}/identities":                        one("update:users"),
		"DELETE /users/{id}/identities/{provider}/{user_id}": one("update:users"),
		"POST /guardian/enrollments/ticket":                  one("create:guardian_enrollment_tickets"),
		"POST /jobs/users-exports":                           one("read:users"),
		"GET /jobs/{id}":                                     one("read:users", "create:users"),
		"GET /jobs/{id}/errors":                              one("read:users", "create:users"),
	}
}

// feature is a part of the dashboard and the Management API endpoints it calls.
type feature struct {
	name      string // the log's "feature" value
	what      string // what stops working without its scopes
	endpoints []string
}

// features is the feature → endpoints table; with endpointScopes it gives the feature →
// scopes table. The features follow DESIGN.md's roles table.
func features() []feature {
	return []feature{
		{"search and view", "searching users and opening a user", []string{
			"GET /users", "GET /users-by-email", "GET /users/{id}"}},
		{"block and emails", "blocking and unblocking users, sending password-reset and verification emails", []string{
			"PATCH /users/{id}", "POST /tickets/password-change", "POST /jobs/verification-email"}},
		{"mfa reset", "the factors section and resetting MFA (remove factors, legacy providers, remembered browsers, recovery codes)", []string{
			"GET /users/{id}/authentication-methods", "GET /users/{id}/enrollments",
			"DELETE /users/{id}/authentication-methods/{authentication_method_id}", "DELETE /users/{id}/authentication-methods",
			"DELETE /users/{id}/authenticators", "DELETE /users/{id}/multifactor/{provider}",
			"POST /users/{id}/multifactor/actions/invalidate-remember-browser", "POST /users/{id}/recovery-code-regeneration"}},
		{"authentication methods", "creating, updating and replacing a user's authentication methods (admin)", []string{
			"GET /users/{id}/authentication-methods/{authentication_method_id}", "POST /users/{id}/authentication-methods",
			"PUT /users/{id}/authentication-methods", "PATCH /users/{id}/authentication-methods/{authentication_method_id}"}},
		{"user edit, create and delete", "creating, editing (profile, metadata) and deleting users (admin)", []string{
			"POST /users", "PATCH /users/{id}", "DELETE /users/{id}", "GET /connections"}},
		{"roles", "the roles section, the roles catalog, assigning and removing roles, and the protected-users check before helpdesk changes (USERDESK_PROTECTED_ROLES: without these scopes the helpdesk can change no user)", []string{
			"GET /users/{id}/roles", "GET /roles", "POST /users/{id}/roles", "DELETE /users/{id}/roles"}},
		{"permissions", "the permissions section, the API picker, assigning and removing permissions", []string{
			"GET /users/{id}/permissions", "GET /resource-servers", "POST /users/{id}/permissions", "DELETE /users/{id}/permissions"}},
		{"organizations", "the organizations section", []string{"GET /users/{id}/organizations"}},
		{"logs", "the logs section", []string{"GET /users/{id}/logs"}},
		{"linked accounts", "linking a user's accounts and unlinking an identity (admin)", []string{
			"POST /users/{id}/identities", "DELETE /users/{id}/identities/{provider}/{user_id}"}},
		{"mfa enrollment invitations", "sending a user an MFA enrollment invitation, or showing its link once", []string{
			"POST /guardian/enrollments/ticket"}},
		{"export", "exporting users beyond 1,000 through Auth0's export job", []string{
			"POST /jobs/users-exports", "GET /jobs/{id}", "GET /jobs/{id}/errors"}},
	}
}

// featureGap is a feature that lacks scopes.
type featureGap struct {
	feature feature
	missing []string // "read:roles", or "read:logs (or read:logs_users)"
}

// missingScopes returns, in table order, the features whose endpoints need a scope the token
// does not have.
func missingScopes(have []string) []featureGap {
	held := map[string]bool{}
	for _, s := range have {
		held[s] = true
	}
	needs := endpointScopes()
	var gaps []featureGap
	for _, f := range features() {
		var missing []string
		for _, ep := range f.endpoints {
			for _, need := range needs[ep] {
				if slices.ContainsFunc(need, func(s string) bool { return held[s] }) {
					continue
				}
				text := need[0]
				if len(need) > 1 {
					text += " (or " + strings.Join(need[1:], ", ") + ")"
				}
				if !slices.Contains(missing, text) {
					missing = append(missing, text)
				}
			}
		}
		if len(missing) > 0 {
			gaps = append(gaps, featureGap{f, missing})
		}
	}
	return gaps
}

// scopeSource is the part of auth0api.Client the check needs.
type scopeSource interface {
	TokenScopes(ctx context.Context) ([]string, error)
}

// Waits between attempts to read the token's scopes while the tenant cannot be reached.
const (
	scopeCheckFirstRetry = 2 * time.Second
	scopeCheckMaxRetry   = 5 * time.Minute
)

// checkScopes reads the Management API token's scopes and logs what each feature lacks. While
// the token cannot be obtained (the tenant is down, the credentials are wrong) it says so and
// tries again after retry, doubling the wait up to scopeCheckMaxRetry, until it succeeds or ctx
// ends.
func checkScopes(ctx context.Context, src scopeSource, logger *slog.Logger, retry time.Duration) {
	wait := retry
	for {
		scopes, err := src.TokenScopes(ctx)
		if err == nil {
			logScopeGaps(ctx, logger, scopes)
			return
		}
		if ctx.Err() != nil {
			return
		}
		logger.WarnContext(ctx, "cannot read the Management API token's scopes; retrying", "err", err, "retry_in", wait.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, scopeCheckMaxRetry)
	}
}

// logScopeGaps logs one warning per feature that lacks scopes, or one info line when none does.
func logScopeGaps(ctx context.Context, logger *slog.Logger, scopes []string) {
	gaps := missingScopes(scopes)
	if len(gaps) == 0 {
		logger.InfoContext(ctx, "the Management API token has every scope userdesk uses", "scopes", len(scopes))
		return
	}
	for _, g := range gaps {
		logger.WarnContext(ctx, "the Management API token lacks scopes: this feature will fail with 403 until they are granted",
			"feature", g.feature.name,
			"missing", g.missing,
			"affects", g.feature.what,
		)
	}
	logger.InfoContext(ctx, "Management API scope check done", "features_lacking_scopes", len(gaps), "features", len(features()), "scopes", len(scopes))
}
