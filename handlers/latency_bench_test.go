package handlers

import (
	"testing"
	"time"
)

// BenchmarkSearchPageLatency measures the whole users page (the search and the connections
// for the filter) while every Management API call takes 50 ms: one round trip when the two
// calls go together, two when one waits for the other.
//
//	go test -run '^$' -bench SearchPageLatency -benchtime 20x ./handlers/
func BenchmarkSearchPageLatency(b *testing.B) {
	a, cookie := benchApp(b)
	a.Tenant.SetLatency(50 * time.Millisecond)
	b.Cleanup(func() { a.Tenant.SetLatency(0) })
	for b.Loop() {
		serve(b, a, cookie, "/users?q=ma", false)
	}
}
