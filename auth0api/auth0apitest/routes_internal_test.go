package auth0apitest

import (
	"slices"
	"testing"

	"userdesk/auth0api"
)

// TestRoutesFollowTheScopeTable: the tenant serves every endpoint of auth0api.EndpointScopes
// and checks each with the table's rule (routes panics on a route without one), and AllScopes
// is exactly the set of scopes the table names.
func TestRoutesFollowTheScopeTable(t *testing.T) {
	table := auth0api.EndpointScopes()
	served := map[string]bool{}
	for _, rt := range routes() {
		served[rt.key()] = true
		rule := table[rt.key()]
		if !slices.Equal(rt.scopes.need, rule.Scopes) || rt.scopes.all != rule.All || rt.scopes.message != rule.Message || rt.enterprise != rule.Enterprise {
			t.Errorf("%s: route checks %+v (enterprise %v), the table says %+v", rt.key(), rt.scopes, rt.enterprise, rule)
		}
	}
	named := map[string]bool{}
	for ep, rule := range table {
		if !served[ep] {
			t.Errorf("the table has %s, which the tenant does not serve", ep)
		}
		for _, s := range rule.Scopes {
			named[s] = true
			if !slices.Contains(AllScopes, s) {
				t.Errorf("%s accepts %s, which AllScopes lacks", ep, s)
			}
		}
	}
	for _, s := range AllScopes {
		if !named[s] {
			t.Errorf("AllScopes has %s, which no endpoint accepts", s)
		}
	}
}
