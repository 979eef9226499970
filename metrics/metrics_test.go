package metrics_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"userdesk/metrics"
)

// scrape fetches the handler's text exposition and parses it with Prometheus's own parser.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape = %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return fams
}

// sample finds the metric of family name whose labels include want, or nil.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

func TestHooksBecomeSeries(t *testing.T) {
	m := metrics.New(metrics.Options{Version: "v1.2.3"})
	m.HTTPRequest("/users/:id", "GET", 200, 30*time.Millisecond)
	m.HTTPRequest("/users/:id", "GET", 200, 3*time.Second)
	m.HTTPRequest("", "GET", 404, time.Millisecond)
	m.HTTPRequest("/users", "BREW", 405, time.Millisecond)
	m.Request("GET /users/{id}/roles", 200, 20*time.Millisecond, nil)
	m.Request("GET /users/{id}/roles", 429, 5*time.Millisecond, nil)
	m.Request("GET /users", 0, time.Second, errors.New("dial tcp: connection refused"))
	m.Retry("GET /users/{id}/roles", 1500*time.Millisecond)
	m.TokenRefresh(40*time.Millisecond, nil)
	m.TokenRefresh(10*time.Millisecond, errors.New("access_denied"))
	sessions := 3
	m.Sessions(func() int { return sessions })
	m.Sessions(func() int { return 99 }) // ignored: registered once

	fams := scrape(t, m.Handler())
	counter := func(name string, labels map[string]string) float64 {
		t.Helper()
		s := sample(fams, name, labels)
		if s == nil {
			t.Errorf("no %s%v", name, labels)
			return -1
		}
		if s.GetCounter() != nil {
			return s.GetCounter().GetValue()
		}
		return s.GetGauge().GetValue()
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"userdesk_http_requests_total", map[string]string{"route": "/users/:id", "method": "GET", "code": "200"}, 2},
		{"userdesk_http_requests_total", map[string]string{"route": metrics.UnmatchedRoute, "method": "GET", "code": "404"}, 1},
		{"userdesk_http_requests_total", map[string]string{"route": "/users", "method": metrics.OtherMethod, "code": "405"}, 1},
		{"userdesk_auth0_requests_total", map[string]string{"method": "GET", "endpoint": "/users/{id}/roles", "code": "200"}, 1},
		{"userdesk_auth0_requests_total", map[string]string{"method": "GET", "endpoint": "/users/{id}/roles", "code": "429"}, 1},
		{"userdesk_auth0_requests_total", map[string]string{"method": "GET", "endpoint": "/users", "code": metrics.TransportError}, 1},
		{"userdesk_auth0_rate_limited_total", map[string]string{"method": "GET", "endpoint": "/users/{id}/roles"}, 1},
		{"userdesk_auth0_retries_total", map[string]string{"method": "GET", "endpoint": "/users/{id}/roles"}, 1},
		{"userdesk_auth0_retry_wait_seconds_total", nil, 1.5},
		{"userdesk_auth0_token_refreshes_total", nil, 2},
		{"userdesk_auth0_token_refresh_errors_total", nil, 1},
		{"userdesk_sessions", nil, 3},
		{"userdesk_build_info", map[string]string{"version": "v1.2.3"}, 1},
	} {
		if got := counter(tc.name, tc.labels); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}

	h := sample(fams, "userdesk_http_request_duration_seconds", map[string]string{"route": "/users/:id", "method": "GET"})
	if h == nil {
		t.Fatal("no latency histogram for /users/:id")
	}
	if h.GetHistogram().GetSampleCount() != 2 || h.GetHistogram().GetSampleSum() != 3.03 {
		t.Errorf("histogram count %d sum %v, want 2 and 3.03", h.GetHistogram().GetSampleCount(), h.GetHistogram().GetSampleSum())
	}
	for _, b := range h.GetHistogram().GetBucket() {
		want := uint64(0)
		if b.GetUpperBound() >= 0.03 {
			want = 1
		}
		if b.GetUpperBound() >= 3 {
			want = 2
		}
		if b.GetCumulativeCount() != want {
			t.Errorf("bucket le=%v holds %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
	if sample(fams, "userdesk_auth0_request_duration_seconds", map[string]string{"method": "GET", "endpoint": "/users/{id}/roles"}) == nil {
		t.Error("no latency histogram for the Management API")
	}
	if sample(fams, "userdesk_auth0_token_refresh_duration_seconds", nil).GetHistogram().GetSampleCount() != 2 {
		t.Error("token refresh histogram does not count both refreshes")
	}

	sessions = 5
	if got := sample(scrape(t, m.Handler()), "userdesk_sessions", nil).GetGauge().GetValue(); got != 5 {
		t.Errorf("userdesk_sessions = %v after the store grew, want 5", got)
	}
}

// TestRuntimeCollectors: the Go and process collectors are registered.
func TestRuntimeCollectors(t *testing.T) {
	fams := scrape(t, metrics.New(metrics.Options{}).Handler())
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_start_time_seconds"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if s := sample(fams, "userdesk_build_info", map[string]string{"version": "dev"}); s == nil {
		t.Error("an unset version is not reported as dev")
	}
}

// TestLabelsStayBounded: whatever the methods and routes, the label values come from fixed sets.
func TestLabelsStayBounded(t *testing.T) {
	m := metrics.New(metrics.Options{})
	for i := range 100 {
		m.HTTPRequest("", strings.Repeat("X", i%7+1), 404, time.Millisecond)
	}
	m.Request("nonsense", 200, time.Millisecond, nil)
	fams := scrape(t, m.Handler())
	if n := len(fams["userdesk_http_requests_total"].GetMetric()); n != 1 {
		t.Errorf("%d series for unmatched requests with odd methods, want 1", n)
	}
	if sample(fams, "userdesk_auth0_requests_total", map[string]string{"method": metrics.OtherMethod, "endpoint": "nonsense"}) == nil {
		t.Error("an op without a method is not folded into OTHER")
	}
}

// TestRateLimitGauges (checklist 62): the budget Auth0 reports with each answer becomes gauges
// per method and endpoint template, holding the latest values; a value missing from an answer
// leaves its gauge alone.
func TestRateLimitGauges(t *testing.T) {
	m := metrics.New(metrics.Options{})
	reset := time.Unix(1_900_000_000, 0)
	m.RateLimit("GET /users", 50, 49, reset)
	m.RateLimit("GET /users", 50, 12, reset.Add(time.Second))
	m.RateLimit("GET /users/{id}/roles", 10, 9, reset)
	m.RateLimit("GET /users/{id}/roles", -1, 8, time.Time{})
	m.RateLimit("POST /oauth/token", 30, 29, reset)
	fams := scrape(t, m.Handler())
	for _, tc := range []struct {
		name     string
		endpoint string
		want     float64
	}{
		{"userdesk_auth0_ratelimit_limit", "/users", 50},
		{"userdesk_auth0_ratelimit_remaining", "/users", 12},
		{"userdesk_auth0_ratelimit_reset_timestamp_seconds", "/users", 1_900_000_001},
		{"userdesk_auth0_ratelimit_limit", "/users/{id}/roles", 10},
		{"userdesk_auth0_ratelimit_remaining", "/users/{id}/roles", 8},
		{"userdesk_auth0_ratelimit_reset_timestamp_seconds", "/users/{id}/roles", 1_900_000_000},
		{"userdesk_auth0_ratelimit_remaining", "/oauth/token", 29},
	} {
		s := sample(fams, tc.name, map[string]string{"endpoint": tc.endpoint})
		if s == nil || s.GetGauge() == nil {
			t.Errorf("no gauge %s{endpoint=%q}", tc.name, tc.endpoint)
			continue
		}
		if got := s.GetGauge().GetValue(); got != tc.want {
			t.Errorf("%s{endpoint=%q} = %v, want %v", tc.name, tc.endpoint, got, tc.want)
		}
	}
	if n := len(fams["userdesk_auth0_ratelimit_remaining"].GetMetric()); n != 3 {
		t.Errorf("%d remaining-budget series, want one per endpoint (3)", n)
	}
}
