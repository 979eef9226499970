package auth0apitest_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// benchTenant is a tenant with 50,000 seeded users, shared by the benchmarks.
func benchTenant(b *testing.B) (*auth0apitest.Tenant, string) {
	b.Helper()
	tn := auth0apitest.New(auth0apitest.Options{Users: 50_000, Seed: 1})
	return tn, tn.Token(auth0apitest.AllScopes...)
}

// serveBench answers one request through the handler (no network).
func serveBench(b *testing.B, tn *auth0apitest.Tenant, token, target string) {
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	tn.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("%s: %d %s", target, w.Code, w.Body)
	}
}

func BenchmarkNew50k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		auth0apitest.New(auth0apitest.Options{Users: 50_000, Seed: 1})
	}
}

// BenchmarkSearch50k searches 50,000 users through GET /users (first page
// of 50, with totals, so every user is matched).
func BenchmarkSearch50k(b *testing.B) {
	tn, token := benchTenant(b)
	for _, c := range []struct{ name, q string }{
		{"term", `lovelace`},
		{"field", `email.domain:"example.com" AND blocked:true`},
		{"range", `logins_count:[100 TO 200]`},
		{"wildcard", `name:jo*`},
	} {
		target := "/api/v2/users?search_engine=v3&include_totals=true&per_page=50&page=0&q=" + url.QueryEscape(c.q)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serveBench(b, tn, token, target)
			}
		})
	}
	b.Run("sorted", func(b *testing.B) {
		target := "/api/v2/users?search_engine=v3&include_totals=true&per_page=50&page=0&sort=last_login:-1&q=" + url.QueryEscape(`logins_count:[100 TO 200]`)
		b.ReportAllocs()
		for b.Loop() {
			serveBench(b, tn, token, target)
		}
	})
}

func BenchmarkGetUser50k(b *testing.B) {
	tn, token := benchTenant(b)
	target := "/api/v2/users/" + url.PathEscape(auth0apitest.FixtureUserID)
	b.ReportAllocs()
	for b.Loop() {
		serveBench(b, tn, token, target)
	}
}
