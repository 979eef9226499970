package userquery

import (
	"encoding/json"
	"slices"
	"testing"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
)

// TestHostileValuesThroughTheTenant runs the compiled queries for hostile values as real
// searches (GET /api/v2/users?q=…&search_engine=v3) against an emulated tenant holding the
// corpus and 50 seeded users: each finds exactly the users the oracle names.
func TestHostileValuesThroughTheTenant(t *testing.T) {
	tenant, srv := auth0apitest.NewServer(t, auth0apitest.Options{Users: 50, Seed: 3})
	docs := corpus()
	for _, d := range docs {
		tenant.PutUser(d)
	}
	client, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: tenant.Token("read:users"), Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	// Every user of the tenant, as documents for the oracle.
	var all []map[string]any
	for page := 0; ; page++ {
		p, err := client.ListUsers(t.Context(), auth0api.ListUsersParams{PerPage: 100, Page: page})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Users {
			b, err := json.Marshal(u)
			if err != nil {
				t.Fatal(err)
			}
			var d map[string]any
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatal(err)
			}
			all = append(all, d)
		}
		if len(p.Users) < 100 {
			break
		}
	}
	if len(all) < len(docs)+50 {
		t.Fatalf("the tenant holds %d users", len(all))
	}
	for _, v := range hostile {
		plan, err := Compile(Filters{Text: v})
		if err != nil {
			t.Fatal(err)
		}
		page, err := client.ListUsers(t.Context(), auth0api.ListUsersParams{Q: plan.Q, PerPage: 100, Page: 0})
		if err != nil {
			t.Errorf("search for %q: %v\nq = %s", v, err, plan.Q)
			continue
		}
		var got, want []string
		for _, u := range page.Users {
			got = append(got, u.UserID)
		}
		for _, d := range all {
			if oracle(d, v) {
				want = append(want, d["user_id"].(string))
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("search for %q found %q, want %q\nq = %s", v, got, want, plan.Q)
		}
	}
}
