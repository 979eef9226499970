package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
)

// BenchmarkBulkBlock1000 blocks 1,000 users in one bulk job against a tenant throttled to 10
// requests a second (burst 10), with the client's defaults (the adaptive limiter, 429s
// retried), while another person opens a user's page again and again. It reports the job's
// total time, its failed users (the goal is none) and the p50 and p95 of those page loads: bulk
// work is background work (auth0api.Background) and leaves half of the budget to pages.
//
//	go test ./handlers -run '^$' -bench BulkBlock1000 -benchtime 1x
func BenchmarkBulkBlock1000(b *testing.B) {
	const users = 1000
	a := newTestApp(b, func(o *appOptions) {
		o.tenant = func(to *auth0apitest.Options) { to.Users = users + 20 }
		o.tenantNow = time.Now // the tenant's bucket refills by its clock
		o.client = func(c *auth0api.Config) { c.Retries = 0 }
		o.config = func(c *Config) { c.Now = time.Now }
	})
	admin, reader := a.signIn(b, "admin"), a.signIn(b, "helpdesk")
	token := admin.csrfToken(b)
	skip := []string{auth0apitest.FixtureUserID}
	for persona := range testAccounts {
		skip = append(skip, staffID(persona))
	}
	var ids []string
	for _, u := range a.Tenant.Users() {
		if id, _ := u["user_id"].(string); id != "" && len(ids) < users && !slices.Contains(skip, id) && validUserID(id) {
			ids = append(ids, id)
		}
	}
	if len(ids) < users {
		b.Fatalf("only %d users to block", len(ids))
	}
	page := "/users/" + url.PathEscape(auth0apitest.FixtureUserID)
	a.Tenant.SetRateLimit(10, 10)
	b.ResetTimer()
	for range b.N {
		form := url.Values{"user": ids, "confirm": {"1"}, "_csrf": {token}}
		start := time.Now()
		resp, body := admin.send(b, http.MethodPost, "/bulk/block", form, admin.sameOriginHeaders()...)
		m := jobLocation.FindStringSubmatch(resp.Header.Get("Location"))
		if m == nil {
			b.Fatalf("start = %d\n%.500s", resp.StatusCode, body)
		}
		var (
			mu    sync.Mutex
			loads []time.Duration
			stop  = make(chan struct{})
			done  sync.WaitGroup
		)
		done.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Second): // a person reading, not a loop
				}
				t0 := time.Now()
				resp, _ := reader.get(b, page)
				d := time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					b.Errorf("user page during the job = %d", resp.StatusCode)
				}
				mu.Lock()
				loads = append(loads, d)
				mu.Unlock()
			}
		})
		var failed, total int
		for {
			j, err := a.srv.runner.Store.Get(b.Context(), m[1])
			if err != nil {
				b.Fatal(err)
			}
			if j.Over() {
				c := j.Counts()
				failed, total = c.Failed, c.Total
				if c.Done != users {
					b.Errorf("done %d of %d: %+v", c.Done, users, c)
				}
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		elapsed := time.Since(start)
		close(stop)
		done.Wait()
		slices.Sort(loads)
		pct := func(p float64) time.Duration { return loads[min(len(loads)-1, int(float64(len(loads))*p))] }
		b.ReportMetric(elapsed.Seconds(), "job-s")
		b.ReportMetric(float64(failed), "failed-users")
		b.ReportMetric(float64(total), "users")
		b.ReportMetric(float64(pct(0.5).Milliseconds()), "page-p50-ms")
		b.ReportMetric(float64(pct(0.95).Milliseconds()), "page-p95-ms")
		b.ReportMetric(float64(len(loads)), "page-loads")
	}
}
