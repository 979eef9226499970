package lucene

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchUsers generates n realistic users, round-tripped through JSON so that they hold the types the
// emulated tenant holds (float64, []any, map[string]any).
func benchUsers(tb testing.TB, n int) []map[string]any {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	given := []string{"Jane", "John", "Maria", "Wei", "Aisha", "Lars", "Zoë", "Carlos", "Priya", "Tom"}
	family := []string{"Smith", "Doe", "García", "Chen", "Khan", "Larsen", "Müller", "Okafor", "Rossi", "Tanaka"}
	domains := []string{"example.com", "example.org", "acme.example", "gmail.com", "contoso.example"}
	conns := []string{"Username-Password-Authentication", "google-oauth2", "acme-saml"}
	plans := []string{"free", "pro", "gold", "enterprise"}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	users := make([]any, n)
	for i := range users {
		g, f := given[rng.IntN(len(given))], family[rng.IntN(len(family))]
		conn := conns[rng.IntN(len(conns))]
		u := map[string]any{
			"user_id":        fmt.Sprintf("auth0|%024x", i),
			"email":          fmt.Sprintf("%s.%s%d@%s", g, f, i, domains[rng.IntN(len(domains))]),
			"email_verified": rng.IntN(4) != 0,
			"name":           g + " " + f,
			"given_name":     g,
			"family_name":    f,
			"nickname":       fmt.Sprintf("%s%d", g, i),
			"created_at":     base.Add(time.Duration(rng.IntN(4*365*24)) * time.Hour).Format("2006-01-02T15:04:05.000Z"),
			"logins_count":   rng.IntN(500),
			"blocked":        rng.IntN(50) == 0,
			"identities":     []any{map[string]any{"connection": conn, "provider": "auth0", "user_id": fmt.Sprintf("%024x", i), "isSocial": conn == "google-oauth2"}},
			"app_metadata":   map[string]any{"plan": plans[rng.IntN(len(plans))], "roles": []any{"support"}},
			"user_metadata":  map[string]any{"preferences": map[string]any{"fontSize": 10 + rng.IntN(8)}},
		}
		if rng.IntN(5) != 0 {
			u["last_login"] = base.Add(time.Duration(rng.IntN(5*365*24)) * time.Hour).Format("2006-01-02T15:04:05.000Z")
		}
		users[i] = u
	}
	b, err := json.Marshal(users)
	if err != nil {
		tb.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkMatch scans a few thousand users per operation.
func BenchmarkMatch(b *testing.B) {
	users := benchUsers(b, 5000)
	for _, bc := range []struct{ name, q string }{
		{"bare", `smith`},
		{"field", `email.domain:example.com AND app_metadata.plan:gold`},
		{"wildcard", `name:*müller`},
		{"range", `logins_count:[100 TO 200]`},
		{"dates", `last_login:[2024-01-01 TO *] AND NOT blocked:true`},
		{"identities", `identities.connection:"acme-saml" OR _exists_:user_metadata.preferences.fontSize`},
	} {
		q, err := Parse(bc.q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			hits := 0
			for b.Loop() {
				hits = 0
				for _, u := range users {
					if q.Match(u) {
						hits++
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(users)), "ns/doc")
			b.ReportMetric(float64(hits), "hits")
		})
	}
}

// BenchmarkParse parses a query of typical size.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(`email.domain:"example.com" AND (app_metadata.plan:(gold OR pro) OR logins_count:[100 TO *]) AND NOT blocked:true`); err != nil {
			b.Fatal(err)
		}
	}
}
