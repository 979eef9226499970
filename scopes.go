package main

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"userdesk/auth0api"
)

// The start-up scope check. userdesk runs with whatever scopes its Machine-to-Machine
// application was granted: a helpdesk-only deployment may leave out create:users or
// delete:users. After start it reads the token's scopes and logs, per dashboard feature, the
// ones that are missing (one warning per feature), or one info line when nothing is missing.
// It never stops the server: a missing scope only makes that feature's calls fail with 403,
// which the dashboard shows in plain words.

// feature is a part of the dashboard and the Management API endpoints it calls.
type feature struct {
	name      string // the log's "feature" value
	what      string // what stops working without its scopes
	endpoints []string
}

// features is the feature → endpoints table; with auth0api.EndpointScopes (the endpoint →
// scopes table the emulated tenant checks too) it gives the feature → scopes table. The
// features follow DESIGN.md's roles table.
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
		// Account security (issue 12).
		{"lockouts", "seeing and lifting brute-force lockouts, by user and by e-mail, username or phone", []string{
			"GET /user-blocks/{id}", "GET /user-blocks", "DELETE /user-blocks/{id}", "DELETE /user-blocks"}},
		{"sessions", "the sessions section, ending one or every session, and revoking a user's access (Enterprise plans only)", []string{
			"GET /users/{id}/sessions", "GET /sessions/{id}", "DELETE /users/{id}/sessions", "DELETE /sessions/{id}",
			"POST /sessions/{id}/revoke", "POST /users/{id}/revoke-access"}},
		{"refresh tokens", "the refresh-tokens section and revoking one or every token (Enterprise plans only)", []string{
			"GET /users/{id}/refresh-tokens", "GET /refresh-tokens/{id}", "DELETE /users/{id}/refresh-tokens", "DELETE /refresh-tokens/{id}"}},
		{"authorized applications", "the authorized-applications section and revoking a user's grants", []string{
			"GET /grants", "DELETE /grants/{id}", "DELETE /grants"}},
		// Account linking, MFA enrollment invitations and users exports (issues 12, 16).
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
	rules := auth0api.EndpointScopes()
	var gaps []featureGap
	for _, f := range features() {
		var missing []string
		for _, ep := range f.endpoints {
			for _, need := range rules[ep].Needs() {
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

// unwantedScopes are scopes userdesk never needs and would rather not hold, with why.
var unwantedScopes = map[string]string{
	"read:user_idp_tokens": "Auth0 then sends users' identity-provider access and refresh tokens with every user read; userdesk strips them before anything is shown or logged, but it does not need them: remove the scope from its machine-to-machine application",
}

// logScopeGaps logs one warning per feature that lacks scopes, or one info line when none does,
// and one warning per scope held that userdesk does not want.
func logScopeGaps(ctx context.Context, logger *slog.Logger, scopes []string) {
	for _, sc := range scopes {
		if why, ok := unwantedScopes[sc]; ok {
			logger.WarnContext(ctx, "the Management API token holds a scope userdesk does not need", "scope", sc, "why", why)
		}
	}
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
