package policy

import "testing"

// benchTarget is a seeded-looking user in the EMEA region, from the database connection.
func benchTarget() Target {
	return Target{
		User: map[string]any{
			"user_id": "auth0|64a1b2c3d4e5f60718293a4b", "email": "ada.lovelace@example.com", "name": "Ada Lovelace",
			"identities":   []any{map[string]any{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "64a1b2c3d4e5f60718293a4b", "isSocial": false}},
			"app_metadata": map[string]any{"plan": "enterprise", "region": "emea", "customer_id": "cus_ADA0000000001"},
		},
		Roles: []string{"support-manager", "billing-viewer"},
	}
}

// BenchmarkDecide is the gate's in-memory cost per request for the demo policy: the person's groups
// from their claim, then the decision on a target already read.
func BenchmarkDecide(b *testing.B) {
	p, err := Demo()
	if err != nil {
		b.Fatal(err)
	}
	t := benchTarget()
	out := benchTarget()
	out.User["app_metadata"] = map[string]any{"region": "amer"}
	for _, bc := range []struct {
		name   string
		claims []string
		action Action
		target Target
	}{
		{"admin/delete", []string{"userdesk-admin"}, ActionDelete, t},
		{"helpdesk/reset_mfa", []string{"userdesk-helpdesk"}, ActionResetMFA, t},
		{"emea/reset_mfa/in-reach", []string{"userdesk-helpdesk-emea"}, ActionResetMFA, t},
		{"emea/reset_mfa/out-of-reach", []string{"userdesk-helpdesk-emea"}, ActionResetMFA, out},
		{"emea+partner/block/partner-reach-miss", []string{"userdesk-partner-acme", "userdesk-helpdesk-emea"}, ActionBlock, out},
		{"auditor/view", []string{"userdesk-auditor"}, ActionView, t},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s := p.Staff(bc.claims)
				_ = s.Decide(bc.action, bc.target)
			}
		})
	}
}

// BenchmarkSearchQuery is the cost of confining one search for the demo policy.
func BenchmarkSearchQuery(b *testing.B) {
	p, err := Demo()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		claims []string
		q      string
	}{
		{"admin/filters", []string{"userdesk-admin"}, `email:jane* AND blocked:true`},
		{"emea/empty", []string{"userdesk-helpdesk-emea"}, ``},
		{"emea/filters", []string{"userdesk-helpdesk-emea"}, `email:jane* AND blocked:true`},
		{"emea+partner/expert", []string{"userdesk-helpdesk-emea", "userdesk-partner-acme"}, `(name:"jane smith" OR email:jane*) AND NOT blocked:true AND logins_count:[1 TO *]`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := p.Staff(bc.claims)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.SearchQuery(ActionView, bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
