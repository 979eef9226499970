package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"userdesk/auth0api/auth0apitest"
	"userdesk/auth0api/auth0apitest/authapi"
	"userdesk/config"
)

// production is userdesk composed as in production (no demo mode): the real router and client
// in front of an emulated tenant on its own port, with metrics on their own listener.
type production struct {
	URL        string // the dashboard
	MetricsURL string // http://127.0.0.1:PORT/metrics
	Tenant     *auth0apitest.Tenant
	Output     *syncBuffer
}

const (
	prodAdmin    = "admin@userdesk.test"
	prodPassword = "correct horse battery"
)

// startProduction starts the composition; extraEnv adds or overrides settings.
func startProduction(t *testing.T, extraEnv map[string]string) *production {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{
		Users: 40, Seed: 7,
		Clients: []auth0apitest.Client{{ID: "dash", Secret: "dash-secret",
			RedirectURIs: []string{base + "/callback"}, PostLogoutRedirectURIs: []string{base + "/signed-out"}}},
		Machines: []auth0apitest.Machine{{ClientID: "m2m", ClientSecret: "m2m-secret", Scopes: auth0apitest.AllScopes}},
		Staff:    []auth0apitest.StaffAccount{{Email: prodAdmin, Password: prodPassword, Name: "Ada", Roles: []string{config.DefaultAdminRole}}},
		// The second step, its code on the page for submitLogin to type.
		SecondFactor: authapi.SecondFactor{ShowOnPage: true},
	})
	env := map[string]string{
		"USERDESK_DOMAIN":             "localhost",
		"USERDESK_BASE_URL":           base,
		"USERDESK_API_URL":            srv.URL + "/api/v2",
		"USERDESK_MGMT_AUDIENCE":      tn.Audience(),
		"USERDESK_MGMT_CLIENT_ID":     "m2m",
		"USERDESK_MGMT_CLIENT_SECRET": "m2m-secret",
		"USERDESK_OIDC_ISSUER":        tn.Issuer(),
		"USERDESK_OIDC_CLIENT_ID":     "dash",
		"USERDESK_OIDC_CLIENT_SECRET": "dash-secret",
		"USERDESK_SESSION_SECRETS":    strings.Repeat("s", 32),
		"USERDESK_METRICS_ADDR":       "127.0.0.1:0",
		"USERDESK_AUDIT_DB":           filepath.Join(t.TempDir(), "audit.db"),
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	cfg, err := config.Load([]string{"-addr", ln.Addr().String()}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	p := &production{URL: base, Tenant: tn, Output: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, ln, p.Output) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
		if t.Failed() {
			t.Logf("output:\n%s", p.Output.String())
		}
	})
	if env["USERDESK_METRICS_ADDR"] != "" {
		p.MetricsURL = "http://" + waitForLog(t, p.Output, "metrics listening", "addr") + "/metrics"
	}
	return p
}

// waitForLog waits for the first log line with msg and returns its field key.
func waitForLog(t *testing.T, out *syncBuffer, msg, key string) string {
	t.Helper()
	for range 500 {
		for _, l := range logLines(t, out.String()) {
			if l["msg"] == msg {
				v, _ := l[key].(string)
				return v
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %q log line:\n%s", msg, out.String())
	return ""
}

// signInClient signs in through the provider's login form and returns the browser-like client
// holding the session.
func signInClient(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	c, resp, body := submitLogin(t, base, email, password)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/users" {
		t.Fatalf("sign-in ended at %s with %d:\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	return c
}

// get fetches path with optional headers (name, value, ...) and returns status and body.
func get(t *testing.T, c *http.Client, u string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// scrapeMetrics parses the metrics endpoint with Prometheus's text parser.
func scrapeMetrics(t *testing.T, metricsURL string) map[string]*dto.MetricFamily {
	t.Helper()
	status, body := get(t, http.DefaultClient, metricsURL)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d", metricsURL, status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return fams
}

// value returns the counter, gauge or histogram count of the series of family name with the
// given labels, summed over the labels not given; -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	total, found := 0.0, false
next:
	for _, m := range fams[name].GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if got[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.GetCounter() != nil:
			total += m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			total += m.GetGauge().GetValue()
		case m.GetHistogram() != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		}
	}
	if !found {
		return -1
	}
	return total
}

// TestMetricsAfterRealRequests signs in and browses through the real router against the
// emulated tenant (one 429 injected), then scrapes /metrics from its own listener and checks
// the series and their labels.
func TestMetricsAfterRealRequests(t *testing.T) {
	p := startProduction(t, nil)
	c := signInClient(t, p.URL, prodAdmin, prodPassword)

	p.Tenant.Fail("GET /users", auth0apitest.Fault{Status: http.StatusTooManyRequests, Times: 1})
	if status, body := get(t, c, p.URL+"/users"); status != http.StatusOK || !strings.Contains(body, `class="user-row"`) {
		t.Fatalf("users page after a 429 = %d:\n%s", status, body)
	}
	if status, _ := get(t, c, p.URL+"/users?q=x", "HX-Request", "true"); status != http.StatusOK {
		t.Errorf("users partial = %d", status)
	}
	for _, path := range []string{"/no/such/page", "/users/auth0%7Cabc/no-such-section", "/healthz"} {
		get(t, c, p.URL+path)
	}

	// Not on the public listener.
	if status, body := get(t, c, p.URL+"/metrics"); status == http.StatusOK || strings.Contains(body, "userdesk_http_requests_total") {
		t.Errorf("the dashboard's own listener serves metrics (%d)", status)
	}

	fams := scrapeMetrics(t, p.MetricsURL)
	for _, tc := range []struct {
		name    string
		labels  map[string]string
		atLeast float64
	}{
		{"userdesk_http_requests_total", map[string]string{"route": "/users", "method": "GET", "code": "200"}, 3},
		{"userdesk_http_requests_total", map[string]string{"route": "/callback", "method": "GET", "code": "302"}, 1},
		{"userdesk_http_requests_total", map[string]string{"route": "/healthz", "method": "GET", "code": "200"}, 1},
		{"userdesk_http_requests_total", map[string]string{"code": "404"}, 2},
		{"userdesk_http_request_duration_seconds", map[string]string{"route": "/users", "method": "GET"}, 3},
		{"userdesk_auth0_requests_total", map[string]string{"method": "GET", "endpoint": "/users", "code": "200"}, 2},
		{"userdesk_auth0_requests_total", map[string]string{"method": "GET", "endpoint": "/users", "code": "429"}, 1},
		{"userdesk_auth0_request_duration_seconds", map[string]string{"method": "GET", "endpoint": "/users"}, 3},
		{"userdesk_auth0_rate_limited_total", map[string]string{"method": "GET", "endpoint": "/users"}, 1},
		{"userdesk_auth0_retries_total", map[string]string{"method": "GET", "endpoint": "/users"}, 1},
		{"userdesk_auth0_ratelimit_limit", map[string]string{"method": "GET", "endpoint": "/users"}, 1},
		{"userdesk_auth0_ratelimit_reset_timestamp_seconds", map[string]string{"method": "GET", "endpoint": "/users"}, 1},
		{"userdesk_auth0_token_refreshes_total", nil, 1},
		{"userdesk_auth0_token_refresh_errors_total", nil, 0},
		{"userdesk_sessions", nil, 1},
		{"userdesk_build_info", nil, 1},
		{"go_goroutines", nil, 1},
		{"process_resident_memory_bytes", nil, 1},
	} {
		got := value(fams, tc.name, tc.labels)
		if got < tc.atLeast {
			t.Errorf("%s%v = %v, want at least %v", tc.name, tc.labels, got, tc.atLeast)
		}
	}
	if got := value(fams, "userdesk_auth0_token_refresh_errors_total", nil); got != 0 {
		t.Errorf("token refresh errors = %v, want 0", got)
	}
	// The scope check's token and the dashboard's calls share one cached token.
	if got := value(fams, "userdesk_auth0_token_refreshes_total", nil); got != 1 {
		t.Errorf("token refreshes = %v, want 1", got)
	}

	// Bounded labels: route patterns, never raw paths or query strings.
	routePattern := regexp.MustCompile(`^(/[a-z*:-]*)+$|^unmatched$`)
	for _, m := range fams["userdesk_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" && (!routePattern.MatchString(l.GetValue()) || strings.Contains(l.GetValue(), "abc")) {
				t.Errorf("route label %q is not a route pattern", l.GetValue())
			}
		}
	}
	if value(fams, "userdesk_http_requests_total", map[string]string{"route": "unmatched"}) < 1 {
		t.Error("no unmatched series for the unknown path")
	}
	for _, m := range fams["userdesk_auth0_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "endpoint" && strings.ContainsAny(l.GetValue(), "|%?") {
				t.Errorf("endpoint label %q is not a template", l.GetValue())
			}
		}
	}
}

// TestNoMetricsListenerByDefault: without USERDESK_METRICS_ADDR nothing serves metrics.
func TestNoMetricsListenerByDefault(t *testing.T) {
	p := startProduction(t, map[string]string{"USERDESK_METRICS_ADDR": ""})
	waitForLog(t, p.Output, "listening", "addr")
	if strings.Contains(p.Output.String(), "metrics listening") {
		t.Error("a metrics listener started without USERDESK_METRICS_ADDR")
	}
	if status, _ := get(t, http.DefaultClient, p.URL+"/metrics"); status == http.StatusOK {
		t.Error("/metrics answered 200 on the dashboard's listener")
	}
}

// TestServeLogsTheScopeCheck: the composed server runs the scope check after start.
func TestServeLogsTheScopeCheck(t *testing.T) {
	p := startProduction(t, nil)
	if n := waitForLog(t, p.Output, "the Management API token has every scope userdesk uses", "msg"); n == "" {
		t.Error("no scope check line")
	}
}

func TestHealthcheckSubcommand(t *testing.T) {
	d := startDemo(t)
	addr := strings.TrimPrefix(d.URL, "http://")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"healthcheck", "-addr", addr}, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("healthcheck of a running server: %v", err)
	}
	if !strings.Contains(out.String(), "healthy") {
		t.Errorf("healthcheck printed %q", out.String())
	}
	// From the environment, as the image's HEALTHCHECK runs it.
	env := map[string]string{"USERDESK_ADDR": addr}
	if err := run(t.Context(), []string{"healthcheck"}, func(k string) string { return env[k] }, io.Discard); err != nil {
		t.Errorf("healthcheck with USERDESK_ADDR: %v", err)
	}

	// Nothing listening: exit 1.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := ln.Addr().String()
	ln.Close()
	if err := run(t.Context(), []string{"healthcheck", "-addr", free, "-timeout", "2s"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("healthcheck succeeded with no server")
	}

	// A server answering something else than 200: exit 1.
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusServiceUnavailable)
	}), ReadHeaderTimeout: time.Second}
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	err = run(t.Context(), []string{"healthcheck", "-addr", ln.Addr().String()}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("healthcheck of a 503 = %v, want an error naming the status", err)
	}
}

func TestVersionSubcommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"version"}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "userdesk "+appVersion() {
		t.Errorf("version printed %q", got)
	}
}
