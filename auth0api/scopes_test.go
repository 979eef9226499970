package auth0api_test

import (
	"fmt"
	"slices"
	"testing"

	"userdesk/auth0api"
)

func TestEndpointScopes(t *testing.T) {
	rules := auth0api.EndpointScopes()
	for ep, r := range rules {
		if len(r.Scopes) == 0 || len(r.Needs()) == 0 {
			t.Errorf("%s: no scopes (%+v)", ep, r)
		}
		for _, s := range append(slices.Clone(r.Partial), r.Grant) {
			if s != "" && !slices.Contains(r.Scopes, s) {
				t.Errorf("%s: %q is not among its scopes %v", ep, s, r.Scopes)
			}
		}
	}
	for _, tc := range []struct {
		ep     string
		needs  string
		denial string
	}{
		{"GET /users/{id}", "[[read:users]]", "Insufficient scope, expected any of: read:users,read:current_user,read:user_idp_tokens"},
		{"PATCH /users/{id}", "[[update:users]]", "Insufficient scope, expected any of: update:users,update:users_app_metadata,update:current_user_metadata"},
		{"GET /users/{id}/organizations", "[[read:organizations read:users]]", "Insufficient scope, expected any of: read:users,read:organizations"},
		{"GET /users/{id}/roles", "[[read:users] [read:roles] [read:role_members]]", "Insufficient scope, expected all of: read:users,read:roles,read:role_members"},
		{"POST /users/{id}/roles", "[[update:users create:role_members]]", "Insufficient scope, expected any of: update:users,create:role_members"},
		{"DELETE /users/{id}/authenticators", "[[delete:guardian_enrollments]]", "Insufficient scope, expected any of: remove:authenticators"},
		{"POST /sessions/{id}/revoke", "[[delete:sessions] [delete:refresh_tokens]]", "Insufficient scope, expected all of: delete:sessions,delete:refresh_tokens"},
		{"DELETE /user-blocks", "[[update:users]]", "Insufficient scope, expected any of: update:users"},
		{"GET /grants", "[[read:grants]]", "Insufficient scope, expected any of: read:grants"},
	} {
		r, ok := rules[tc.ep]
		if !ok {
			t.Errorf("%s: no rule", tc.ep)
			continue
		}
		if got := fmt.Sprint(r.Needs()); got != tc.needs {
			t.Errorf("%s: Needs() = %s, want %s", tc.ep, got, tc.needs)
		}
		if got := r.Denial(); got != tc.denial {
			t.Errorf("%s: Denial() = %q, want %q", tc.ep, got, tc.denial)
		}
	}
	var enterprise []string
	for ep, r := range rules {
		if r.Enterprise {
			enterprise = append(enterprise, ep)
		}
	}
	slices.Sort(enterprise)
	want := []string{"DELETE /refresh-tokens/{id}", "DELETE /sessions/{id}", "DELETE /users/{id}/refresh-tokens", "DELETE /users/{id}/sessions",
		"GET /refresh-tokens/{id}", "GET /sessions/{id}", "GET /users/{id}/refresh-tokens", "GET /users/{id}/sessions",
		"POST /sessions/{id}/revoke", "POST /users/{id}/revoke-access"}
	if !slices.Equal(enterprise, want) {
		t.Errorf("Enterprise-only: %v, want %v", enterprise, want)
	}
}
