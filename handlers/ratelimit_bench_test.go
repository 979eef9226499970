package handlers

import (
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/internal/redistest"
	"userdesk/redisstore"
)

// loadPlaceholder finds the user page's placeholders that load with the page (a section that
// missed the page's budget), not those that wait for their tab.
var loadPlaceholder = regexp.MustCompile(`hx-get="([^"]+)" hx-trigger="load[,"]`)

// BenchmarkRateLimit measures what people see when the tenant's Management API budget is tight
// (issue 7, figure 6): the emulated tenant allows 10 requests/s (a token bucket of 10, as
// Auth0's free tier), and 20 people browse at once for a while, each again and again: a search,
// a pause, a user's page (its sections read in one round trip, and those that missed its budget
// fetched after it), a pause. Pauses are 5–15 s, so on
// average they ask for about 9 calls/s, but the user page's seven calls come in bursts.
// Each sub-benchmark is one setting of the client (retries, client-side limiter and its bucket,
// longest retry wait; the default limiter learns the limit from the x-ratelimit-* headers,
// USERDESK_MGMT_RATE fixes a rate instead); it reports the searches, user pages and sections that showed an error, and the
// time until a user page's last section was in.
//
//	go test -run '^$' -bench RateLimit -benchtime 1x ./handlers/
//
// USERDESK_RATELIMIT_SECONDS sets how long each setting is browsed (default 60).
func BenchmarkRateLimit(b *testing.B) {
	duration := rateLimitDuration(b)
	const (
		people   = 20
		rate     = 10
		thinkMin = 5 * time.Second
		thinkMax = 15 * time.Second
	)
	settings := []struct {
		name string
		cfg  auth0api.Config
	}{
		{"retries=0,no limiter", auth0api.Config{Retries: -1, Limiter: auth0api.Unlimited}},
		{"retries=3,no limiter (the old default)", auth0api.Config{Limiter: auth0api.Unlimited}},
		{"retries=3,no limiter,MaxRetryWait=1s", auth0api.Config{MaxRetryWait: time.Second, Limiter: auth0api.Unlimited}},
		{"retries=0,learned limit", auth0api.Config{Retries: -1}},
		{"retries=3,learned limit (default)", auth0api.Config{}},
		{"retries=0,limiter=10/s", auth0api.Config{Retries: -1, RequestsPerSecond: rate}},
		{"retries=3,limiter=10/s", auth0api.Config{RequestsPerSecond: rate}},
		{"retries=3,limiter=10/s,burst=1", auth0api.Config{RequestsPerSecond: rate, Burst: 1}},
		{"retries=3,limiter=9/s", auth0api.Config{RequestsPerSecond: rate - 1}},
	}
	for _, st := range settings {
		b.Run(st.name, func(b *testing.B) {
			for b.Loop() {
				r := browseUnderRateLimit(b, []auth0api.Config{st.cfg}, people, rate, duration, thinkMin, thinkMax)
				reportBrowsing(b, r)
			}
		})
	}
}

// BenchmarkRateLimitReplicas is BenchmarkRateLimit's browsing on two dashboards (replicas) with
// default settings, each person signed in on one of them, both calling the same tenant (10
// requests/s): each learning the budget alone, or sharing it in Redis (a real redis-server).
//
//	go test -run '^$' -bench RateLimitReplicas -benchtime 1x ./handlers/
func BenchmarkRateLimitReplicas(b *testing.B) {
	duration := rateLimitDuration(b)
	const (
		people   = 20
		rate     = 10
		thinkMin = 5 * time.Second
		thinkMax = 15 * time.Second
	)
	shared := func(b *testing.B, n int) []auth0api.Config {
		srv := redistest.Start(b)
		cfgs := make([]auth0api.Config, n)
		for i := range cfgs {
			db, err := redisstore.Open(redisstore.Options{URL: srv.URL(0)})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			cfgs[i].Limiter = db.Budget("tenant")
		}
		return cfgs
	}
	settings := []struct {
		name string
		cfgs func(b *testing.B) []auth0api.Config
	}{
		{"1 replica, budget in Redis", func(b *testing.B) []auth0api.Config { return shared(b, 1) }},
		{"2 replicas, each learning alone", func(*testing.B) []auth0api.Config { return make([]auth0api.Config, 2) }},
		{"2 replicas, budget shared in Redis", func(b *testing.B) []auth0api.Config { return shared(b, 2) }},
	}
	for _, st := range settings {
		b.Run(st.name, func(b *testing.B) {
			for b.Loop() {
				reportBrowsing(b, browseUnderRateLimit(b, st.cfgs(b), people, rate, duration, thinkMin, thinkMax))
			}
		})
	}
}

// rateLimitDuration is USERDESK_RATELIMIT_SECONDS (default 60 s).
func rateLimitDuration(b *testing.B) time.Duration {
	duration := 60 * time.Second
	if v := os.Getenv("USERDESK_RATELIMIT_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("USERDESK_RATELIMIT_SECONDS=%q", v)
		}
		duration = time.Duration(n) * time.Second
	}
	return duration
}

// reportBrowsing reports what the people saw as the benchmark's metrics.
func reportBrowsing(b *testing.B, r browsing) {
	b.ReportMetric(float64(r.searches), "searches")
	b.ReportMetric(float64(r.searchErrors), "search-errors")
	b.ReportMetric(float64(r.pages), "user-pages")
	b.ReportMetric(float64(r.pageErrors), "page-errors")
	b.ReportMetric(float64(r.sectionErrors), "section-errors")
	b.ReportMetric(float64(r.pagesWithError), "user-pages-with-error")
	b.ReportMetric(float64(r.calls), "api-calls")
	b.ReportMetric(float64(r.tooMany), "429s")
	b.ReportMetric(float64(r.retries), "retries")
	b.ReportMetric(r.p50.Seconds()*1000, "p50-ms")
	b.ReportMetric(r.p95.Seconds()*1000, "p95-ms")
}

// browsing is what the people of one BenchmarkRateLimit run saw.
type browsing struct {
	searches, searchErrors int
	pages, pageErrors      int // user pages (the shell)
	sectionErrors          int
	pagesWithError         int // user pages whose shell or any section showed an error
	calls, tooMany         int64
	retries                int64
	p50, p95               time.Duration // until a user page's last section was in
}

// countingObserver counts Management API attempts, 429s and retries.
type countingObserver struct {
	calls, tooMany, retries atomic.Int64
}

func (o *countingObserver) Request(_ string, status int, _ time.Duration, _ error) {
	o.calls.Add(1)
	if status == http.StatusTooManyRequests {
		o.tooMany.Add(1)
	}
}
func (o *countingObserver) Retry(string, time.Duration)           { o.retries.Add(1) }
func (o *countingObserver) TokenRefresh(time.Duration, error)     {}
func (o *countingObserver) RateLimit(string, int, int, time.Time) {}

// browseUnderRateLimit runs people browsing for duration against a tenant limited to rate
// requests/s, on one dashboard per client configuration in cfgs (replicas; person i uses
// dashboard i mod len(cfgs)), each calling the tenant of the first with its own client.
func browseUnderRateLimit(b *testing.B, cfgs []auth0api.Config, people int, rate float64, duration, thinkMin, thinkMax time.Duration) browsing {
	b.Helper()
	obs := &countingObserver{}
	var (
		apps   []*testApp
		client *auth0api.Client
	)
	for i, cfg := range cfgs {
		a := newTestApp(b, func(o *appOptions) {
			o.tenant = func(opts *auth0apitest.Options) { opts.Users, opts.Seed = 300, 4 }
			// A real clock: the rate limit and the retry waits are about time.
			o.tenantNow = time.Now
			o.config = func(c *Config) { c.Now = time.Now }
		})
		a.srv.now = time.Now
		// Every replica calls the first one's tenant (the others' serve only their sign-in).
		cfg.BaseURL = apps0(apps, a).TenantURL + "/api/v2"
		cfg.Token = apps0(apps, a).Tenant.Token(auth0apitest.AllScopes...)
		cfg.Observer = obs
		c, err := auth0api.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		a.srv.users = c
		if i == 0 {
			client = c
		}
		apps = append(apps, a)
	}
	a := apps[0]

	// The people sign in (no Management API calls), and learn some user ids and search terms.
	browsers := make([]*browser, people)
	for i := range browsers {
		browsers[i] = apps[i%len(apps)].signIn(b, "viewer")
	}
	list, err := client.ListUsers(b.Context(), auth0api.ListUsersParams{PerPage: 100})
	if err != nil {
		b.Fatal(err)
	}
	var ids, terms []string
	for _, u := range list.Users {
		ids = append(ids, u.UserID)
		if len(u.Email) >= 2 {
			terms = append(terms, u.Email[:2])
		}
	}
	a.Tenant.SetRateLimit(rate, int(rate))
	b.Cleanup(func() { a.Tenant.SetRateLimit(0, 0) })
	obs.calls.Store(0)
	obs.tooMany.Store(0)
	obs.retries.Store(0)

	var (
		mu    sync.Mutex
		res   browsing
		waits []time.Duration
		wg    sync.WaitGroup
	)
	get := func(br *browser, path string, htmx bool) (int, string) {
		req, err := http.NewRequest(http.MethodGet, br.abs(path), nil)
		if err != nil {
			return 0, ""
		}
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		resp, err := br.client.Do(req)
		if err != nil {
			return 0, ""
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	think := func(rng *rand.Rand) time.Duration {
		return thinkMin + time.Duration(rng.Int64N(int64(thinkMax-thinkMin)))
	}
	end := time.Now().Add(duration)
	// pause sleeps for d and reports whether there is time left for another step.
	pause := func(d time.Duration) bool {
		if time.Now().Add(d).After(end) {
			return false
		}
		time.Sleep(d)
		return true
	}
	for i, br := range browsers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			// People do not start in step: the first pause is anywhere in a think time.
			if !pause(time.Duration(rng.Int64N(int64(thinkMax)))) {
				return
			}
			for {
				status, _ := get(br, "/users?q="+url.QueryEscape(terms[rng.IntN(len(terms))]), true)
				mu.Lock()
				res.searches++
				if status != http.StatusOK {
					res.searchErrors++
				}
				mu.Unlock()
				if !pause(think(rng)) {
					return
				}

				id := ids[rng.IntN(len(ids))]
				start := time.Now()
				// As a browser does: the page (its sections read in the same round trip), then
				// the sections it left to load on their own (those that missed the page's budget);
				// those that wait for their tab are not asked for. A section the page shows in
				// error counts as one.
				shell, page := get(br, userPath(id), false)
				var (
					swg    sync.WaitGroup
					failed atomic.Int64
				)
				failed.Add(int64(strings.Count(page, `data-state="error"`)))
				for _, m := range loadPlaceholder.FindAllStringSubmatch(page, -1) {
					swg.Go(func() {
						if status, _ := get(br, html.UnescapeString(m[1]), true); status != http.StatusOK {
							failed.Add(1)
						}
					})
				}
				swg.Wait()
				took := time.Since(start)
				mu.Lock()
				res.pages++
				if shell != http.StatusOK {
					res.pageErrors++
				}
				res.sectionErrors += int(failed.Load())
				if shell != http.StatusOK || failed.Load() > 0 {
					res.pagesWithError++
				}
				waits = append(waits, took)
				mu.Unlock()
				if !pause(think(rng)) {
					return
				}
			}
		})
	}
	wg.Wait()
	res.calls, res.tooMany, res.retries = obs.calls.Load(), obs.tooMany.Load(), obs.retries.Load()
	slices.Sort(waits)
	if n := len(waits); n > 0 {
		res.p50, res.p95 = waits[n/2], waits[min(n-1, n*95/100)]
	}
	b.Logf("%s: %d searches (%d errors), %d user pages (%d shell errors, %d section errors, %d pages with an error), %d calls, %d 429s, %d retries, last section p50 %v p95 %v",
		fmt.Sprint(duration), res.searches, res.searchErrors, res.pages, res.pageErrors, res.sectionErrors, res.pagesWithError,
		res.calls, res.tooMany, res.retries, res.p50.Round(time.Millisecond), res.p95.Round(time.Millisecond))
	return res
}

// apps0 is the first app: the one already made, or a when there is none yet.
func apps0(apps []*testApp, a *testApp) *testApp {
	if len(apps) > 0 {
		return apps[0]
	}
	return a
}
