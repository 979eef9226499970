package auth0apitest_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
)

// TestScopesPerEndpoint: a token holding every scope but the ones an
// endpoint accepts gets Auth0's 403, and one holding just enough passes
// the check.
func TestScopesPerEndpoint(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	ada := "/users/" + esc(auth0apitest.FixtureUserID)
	barbara := esc(auth0apitest.FixtureLockedOutUserID)
	for _, c := range []struct {
		method, path string
		accepts      []string // any one of these is enough…
		all          bool     // …unless all are needed
		message      string
	}{
		{"GET", "/users", []string{"read:users"}, false, "Insufficient scope, expected any of: read:users"},
		{"POST", "/users", []string{"create:users"}, false, "Insufficient scope, expected any of: create:users"},
		{"GET", "/users-by-email?email=a%40example.com", []string{"read:users"}, false, "Insufficient scope, expected any of: read:users"},
		{"GET", ada, []string{"read:users", "read:user_idp_tokens"}, false, "Insufficient scope, expected any of: read:users,read:current_user,read:user_idp_tokens"},
		{"PATCH", ada, []string{"update:users", "update:users_app_metadata"}, false, "Insufficient scope, expected any of: update:users,update:users_app_metadata,update:current_user_metadata"},
		{"DELETE", ada, []string{"delete:users"}, false, "Insufficient scope, expected any of: delete:users,delete:current_user"},
		{"GET", ada + "/organizations", []string{"read:users", "read:organizations"}, false, "Insufficient scope, expected any of: read:users,read:organizations"},
		{"GET", ada + "/roles", []string{"read:users", "read:roles", "read:role_members"}, true, "Insufficient scope, expected all of: read:users,read:roles,read:role_members"},
		{"POST", ada + "/roles", []string{"update:users", "create:role_members"}, false, "Insufficient scope, expected any of: update:users,create:role_members"},
		{"DELETE", ada + "/roles", []string{"update:users", "delete:role_members"}, false, "Insufficient scope, expected any of: update:users,delete:role_members"},
		{"GET", ada + "/permissions", []string{"read:users"}, false, "Insufficient scope, expected any of: read:users"},
		{"POST", ada + "/permissions", []string{"update:users"}, false, "Insufficient scope, expected any of: update:users"},
		{"DELETE", ada + "/permissions", []string{"update:users"}, false, "Insufficient scope, expected any of: update:users"},
		{"DELETE", ada + "/multifactor/duo", []string{"update:users"}, false, "Insufficient scope, expected any of: update:users"},
		{"POST", ada + "/multifactor/actions/invalidate-remember-browser", []string{"update:users"}, false, "Insufficient scope, expected any of: update:users"},
		{"DELETE", ada + "/authenticators", []string{"delete:guardian_enrollments"}, false, "Insufficient scope, expected any of: remove:authenticators"},
		{"POST", ada + "/recovery-code-regeneration", []string{"update:users"}, false, "Insufficient scope, expected any of: update:users"},
		{"GET", ada + "/enrollments", []string{"read:users"}, false, "Insufficient scope, expected any of: read:users,read:current_user"},
		{"GET", ada + "/logs", []string{"read:logs", "read:logs_users"}, false, "Insufficient scope, expected any of: read:logs,read:logs_users"},
		{"GET", ada + "/authentication-methods", []string{"read:authentication_methods"}, false, "Insufficient scope, expected any of: read:authentication_methods"},
		{"POST", ada + "/authentication-methods", []string{"create:authentication_methods"}, false, "Insufficient scope, expected any of: create:authentication_methods"},
		{"PUT", ada + "/authentication-methods", []string{"update:authentication_methods"}, false, "Insufficient scope, expected any of: update:authentication_methods"},
		{"DELETE", ada + "/authentication-methods", []string{"delete:authentication_methods"}, false, "Insufficient scope, expected any of: delete:authentication_methods"},
		{"GET", ada + "/authentication-methods/x", []string{"read:authentication_methods"}, false, "Insufficient scope, expected any of: read:authentication_methods"},
		{"PATCH", ada + "/authentication-methods/x", []string{"update:authentication_methods"}, false, "Insufficient scope, expected any of: update:authentication_methods"},
		{"DELETE", ada + "/authentication-methods/x", []string{"delete:authentication_methods"}, false, "Insufficient scope, expected any of: delete:authentication_methods"},
		{"GET", "/guardian/enrollments/dev_x", []string{"read:guardian_enrollments"}, false, "Insufficient scope, expected any of: read:guardian_enrollments"},
		{"DELETE", "/guardian/enrollments/dev_x", []string{"delete:guardian_enrollments"}, false, "Insufficient scope, expected any of: delete:guardian_enrollments"},
		{"GET", "/roles", []string{"read:roles"}, false, "Insufficient scope, expected any of: read:roles"},
		{"GET", "/resource-servers", []string{"read:resource_servers"}, false, "Insufficient scope, expected any of: read:resource_servers"},
		{"GET", "/connections", []string{"read:connections"}, false, "Insufficient scope, expected any of: read:connections"},
		{"POST", "/tickets/password-change", []string{"create:user_tickets"}, false, "Insufficient scope, expected any of: create:user_tickets"},
		{"POST", "/jobs/verification-email", []string{"update:users"}, false, "Insufficient scope, expected any of: update:users"},
		// Account security (issue 12).
		{"GET", "/user-blocks/" + barbara, []string{"read:users"}, false, "Insufficient scope, expected any of: read:users"},
		{"DELETE", "/user-blocks/" + barbara, []string{"update:users"}, false, "Insufficient scope, expected any of: update:users"},
		{"GET", "/user-blocks?identifier=barbara", []string{"read:users"}, false, "Insufficient scope, expected any of: read:users"},
		{"DELETE", "/user-blocks?identifier=barbara", []string{"update:users"}, false, "Insufficient scope, expected any of: update:users"},
		{"GET", ada + "/sessions", []string{"read:sessions"}, false, "Insufficient scope, expected any of: read:sessions"},
		{"DELETE", ada + "/sessions", []string{"delete:sessions"}, false, "Insufficient scope, expected any of: delete:sessions"},
		{"GET", "/sessions/" + auth0apitest.FixtureSessionID, []string{"read:sessions"}, false, "Insufficient scope, expected any of: read:sessions"},
		{"DELETE", "/sessions/" + auth0apitest.FixtureSessionID, []string{"delete:sessions"}, false, "Insufficient scope, expected any of: delete:sessions"},
		{"POST", "/sessions/" + auth0apitest.FixtureSessionID + "/revoke", []string{"delete:sessions", "delete:refresh_tokens"}, true,
			"Insufficient scope, expected all of: delete:sessions,delete:refresh_tokens"},
		{"POST", ada + "/revoke-access", []string{"delete:sessions", "delete:refresh_tokens"}, true,
			"Insufficient scope, expected all of: delete:sessions,delete:refresh_tokens"},
		{"GET", ada + "/refresh-tokens", []string{"read:refresh_tokens"}, false, "Insufficient scope, expected any of: read:refresh_tokens"},
		{"DELETE", ada + "/refresh-tokens", []string{"delete:refresh_tokens"}, false, "Insufficient scope, expected any of: delete:refresh_tokens"},
		{"GET", "/refresh-tokens/" + auth0apitest.FixtureRefreshTokenID, []string{"read:refresh_tokens"}, false, "Insufficient scope, expected any of: read:refresh_tokens"},
		{"DELETE", "/refresh-tokens/" + auth0apitest.FixtureRefreshTokenID, []string{"delete:refresh_tokens"}, false, "Insufficient scope, expected any of: delete:refresh_tokens"},
		{"GET", "/grants?user_id=" + ada[len("/users/"):], []string{"read:grants"}, false, "Insufficient scope, expected any of: read:grants"},
		{"DELETE", "/grants/" + auth0apitest.FixtureGrantID, []string{"delete:grants"}, false, "Insufficient scope, expected any of: delete:grants"},
		{"DELETE", "/grants?user_id=" + ada[len("/users/"):], []string{"delete:grants"}, false, "Insufficient scope, expected any of: delete:grants"},
		// Account linking, MFA enrollment invitations and users exports.
		{"POST", ada + "/identities", []string{"update:users"}, false, "Insufficient scope, expected any of: update:users,update:current_user_identities"},
		{"DELETE", ada + "/identities/github/1", []string{"update:users"}, false, "Insufficient scope, expected any of: update:users,update:current_user_identities"},
		{"POST", "/guardian/enrollments/ticket", []string{"create:guardian_enrollment_tickets"}, false, "Insufficient scope, expected any of: create:guardian_enrollment_tickets"},
		{"POST", "/jobs/users-exports", []string{"read:users"}, false, "Insufficient scope, expected any of: read:users"},
		{"GET", "/jobs/job_x", []string{"create:users", "read:users"}, false, "Insufficient scope, expected any of: create:users,read:users"},
		{"GET", "/jobs/job_x/errors", []string{"create:users", "read:users"}, false, "Insufficient scope, expected any of: create:users,read:users"},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			var others []string
			for _, s := range auth0apitest.AllScopes {
				// current_user scopes only reach the token's own user; TestCurrentUserScopes has them.
				if !slices.Contains(c.accepts, s) && !strings.Contains(s, "current_user") {
					others = append(others, s)
				}
			}
			r := e.callWith(t, e.tenant.Token(others...), c.method, c.path, nil)
			wantError(t, r, http.StatusForbidden, "insufficient_scope", c.message)

			enough := c.accepts[:1]
			if c.all {
				enough = c.accepts
			}
			r = e.callWith(t, e.tenant.Token(enough...), c.method, c.path, nil)
			if r.status == http.StatusForbidden || r.status == http.StatusUnauthorized {
				t.Errorf("with %v: status %d %s", enough, r.status, r.raw)
			}
			if c.all {
				r = e.callWith(t, e.tenant.Token(c.accepts[1:]...), c.method, c.path, nil)
				wantError(t, r, http.StatusForbidden, "insufficient_scope", c.message)
			}
		})
	}
}

func TestTokensRefused(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	other := newEnv(t, auth0apitest.Options{})
	path := "/users/" + esc(auth0apitest.FixtureUserID)
	wantError(t, e.callWith(t, "", "GET", path, nil), http.StatusUnauthorized, "", "Missing authentication")
	wantError(t, e.callWith(t, "garbage", "GET", path, nil), http.StatusUnauthorized, "", "Invalid token")
	wantError(t, e.callWith(t, other.token, "GET", path, nil), http.StatusUnauthorized, "",
		"Invalid signature received for JSON Web Token validation")
	expired := e.tenant.TokenFor("m2m", auth0apitest.AllScopes, -1)
	r := e.callWith(t, expired, "GET", path, nil)
	wantError(t, r, http.StatusUnauthorized, "", "Expired token received for JSON Web Token validation")
	if attrs, _ := r.object(t)["attributes"].(map[string]any); attrs["error"] != "Expired token received for JSON Web Token validation" {
		t.Errorf("attributes = %v", r.object(t)["attributes"])
	}
	// Unknown routes are Auth0's 404, token or not.
	wantError(t, e.call(t, "GET", "/nope", nil), http.StatusNotFound, "", "Not Found")
	wantError(t, e.call(t, "PUT", path, nil), http.StatusNotFound, "", "Not Found")
}

// TestCurrentUserScopes: a *:current_user scope reaches only the user the
// token was issued for.
func TestCurrentUserScopes(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	ada := "/users/" + esc(auth0apitest.FixtureUserID)
	tok := e.tenant.TokenFor("someone", []string{"read:current_user"}, time.Hour)
	wantError(t, e.callWith(t, tok, "GET", ada, nil), http.StatusForbidden, "", "User to be acted on does not match subject in bearer token.")
	wantError(t, e.callWith(t, tok, "GET", "/users", nil), http.StatusForbidden, "insufficient_scope", "Insufficient scope, expected any of: read:users")
	// A user token links and unlinks its own user's accounts only.
	own := e.tenant.UserToken(auth0apitest.FixtureBareUserID, "app", "update:current_user_identities")
	wantError(t, e.callWith(t, own, "DELETE", ada+"/identities/github/1", nil), http.StatusForbidden, "", "User to be acted on does not match subject in bearer token.")
	if r := e.callWith(t, own, "DELETE", "/users/"+esc(auth0apitest.FixtureBareUserID)+"/identities/github/1", nil); r.status != http.StatusOK {
		t.Errorf("unlinking from one's own user: %d %s", r.status, r.raw)
	}
}
