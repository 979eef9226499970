package handlers

import (
	"net/http"
	"testing"
	"time"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
)

// BenchmarkUserPageSections measures the user page with every section loaded while the
// emulated tenant adds 50 ms to every Management API call (issue 6, "Behaviour"):
//
//   - "page, then sections at once": GET /users/:id, then the five section requests at once,
//     as the page's placeholders send them: the time until the last section is in;
//   - "sections at once": the five section requests alone;
//   - "the same calls one after another": the Management API calls of the page and its
//     sections made one after the other, which is what a page that loads them in sequence
//     would wait for.
//
// Run: go test -run '^$' -bench UserPageSections -benchtime 20x ./handlers/
func BenchmarkUserPageSections(b *testing.B) {
	const latency = 50 * time.Millisecond
	a := newTestApp(b)
	br := a.signIn(b, "viewer")
	a.Tenant.SetLatency(latency)
	b.Cleanup(func() { a.Tenant.SetLatency(0) })
	id := auth0apitest.FixtureUserID

	perOp := func(b *testing.B) {
		b.ReportMetric(float64(len(a.Tenant.Calls()))/float64(b.N), "calls/op")
	}
	b.Run("page, then sections at once", func(b *testing.B) {
		a.Tenant.ResetCalls()
		for b.Loop() {
			if resp, body := br.get(b, adaPath); resp.StatusCode != http.StatusOK {
				b.Fatalf("user page = %d:\n%.300s", resp.StatusCode, body)
			}
			for path, got := range loadAllSections(b, br, id) {
				if got.status != http.StatusOK {
					b.Fatalf("%s = %d", path, got.status)
				}
			}
		}
		perOp(b)
	})
	b.Run("sections at once", func(b *testing.B) {
		a.Tenant.ResetCalls()
		for b.Loop() {
			loadAllSections(b, br, id)
		}
		perOp(b)
	})
	b.Run("the same calls one after another", func(b *testing.B) {
		u, ctx := a.srv.users, b.Context()
		totals := auth0api.Set(true)
		page := auth0api.PageParams{PerPage: sectionPerPage, IncludeTotals: totals}
		a.Tenant.ResetCalls()
		for b.Loop() {
			for _, call := range []func() error{
				func() error { _, err := u.GetUser(ctx, id, nil); return err },
				func() error { _, err := u.ListAuthenticationMethods(ctx, id, nil); return err },
				func() error { _, err := u.ListEnrollments(ctx, id); return err },
				func() error {
					_, err := u.GetUser(ctx, id, &auth0api.GetUserParams{Fields: factorUserFields})
					return err
				},
				func() error { _, err := u.ListUserRoles(ctx, id, page); return err },
				func() error { _, err := u.ListUserPermissions(ctx, id, page); return err },
				func() error { _, err := u.ListUserOrganizations(ctx, id, page); return err },
				func() error {
					_, err := u.ListUserLogs(ctx, id, auth0api.LogParams{PerPage: sectionPerPage, Sort: "date:-1", IncludeTotals: totals})
					return err
				},
			} {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
		}
		perOp(b)
	})
}
