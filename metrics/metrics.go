// Package metrics exposes userdesk's Prometheus metrics: the dashboard's HTTP requests, the
// Management API calls behind them (with retries, 429s, token refreshes and the rate-limit
// budget Auth0 reports), the live sessions, and the Go runtime and process collectors.
//
// A Metrics owns its own registry (nothing is registered globally) and implements both hooks
// the rest of the program offers: auth0api.Observer (Request, Retry, TokenRefresh, RateLimit) and
// handlers.Observer (HTTPRequest, Sessions). main serves Handler on its own listener
// (USERDESK_METRICS_ADDR), never on the public one.
//
// Every label has a bounded set of values: routes are Echo's route patterns ("/users/:id"),
// Management API endpoints are the client's path templates ("/users/{id}/roles"), methods are
// the standard HTTP methods, so the number of series does not grow with traffic.
//
// This is the only package besides main that imports prometheus/client_golang.
package metrics

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every userdesk metric.
const namespace = "userdesk"

// Label values used when the real value would be unbounded or missing.
const (
	// UnmatchedRoute is the route label of requests no route matched (404s for unknown paths).
	UnmatchedRoute = "unmatched"
	// OtherMethod is the method label of non-standard HTTP methods.
	OtherMethod = "OTHER"
	// TransportError is the code label of Management API attempts that got no HTTP answer.
	TransportError = "error"
)

// latencyBuckets are the histogram buckets, in seconds: from a millisecond (a cached page on
// loopback) to ten seconds (a Management API call waiting out a rate limit).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Options configures New.
type Options struct {
	// Version is userdesk's version, exported as the version label of userdesk_build_info.
	Version string
}

// Metrics records userdesk's measurements in its own Prometheus registry. It is safe for
// concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec

	apiRequests    *prometheus.CounterVec
	apiDuration    *prometheus.HistogramVec
	apiRateLimited *prometheus.CounterVec
	apiRetries     *prometheus.CounterVec
	apiRetryWait   prometheus.Counter

	rateLimit          *prometheus.GaugeVec
	rateLimitRemaining *prometheus.GaugeVec
	rateLimitReset     *prometheus.GaugeVec

	tokenRefreshes       prometheus.Counter
	tokenRefreshErrors   prometheus.Counter
	tokenRefreshDuration prometheus.Histogram

	sessionsOnce sync.Once
}

// New returns a Metrics with every userdesk metric registered, plus the Go runtime and process
// collectors and userdesk_build_info.
func New(opts Options) *Metrics {
	version := opts.Version
	if version == "" {
		version = "dev"
	}
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := factory{m.reg}

	m.httpRequests = f.counterVec("http_requests_total",
		"Requests answered by the dashboard, by route pattern, method and status code.",
		"route", "method", "code")
	m.httpDuration = f.histogramVec("http_request_duration_seconds",
		"Time to answer a dashboard request, by route pattern and method.",
		"route", "method")

	m.apiRequests = f.counterVec("auth0_requests_total",
		"Management API requests (each attempt, retries included), by method, endpoint template and status code (\"error\" when no answer came).",
		"method", "endpoint", "code")
	m.apiDuration = f.histogramVec("auth0_request_duration_seconds",
		"Duration of one Management API request attempt, by method and endpoint template.",
		"method", "endpoint")
	m.apiRateLimited = f.counterVec("auth0_rate_limited_total",
		"Management API answers with status 429 (rate limited), by method and endpoint template.",
		"method", "endpoint")
	m.apiRetries = f.counterVec("auth0_retries_total",
		"Management API requests retried after a 429, by method and endpoint template.",
		"method", "endpoint")
	m.apiRetryWait = f.counter("auth0_retry_wait_seconds_total",
		"Time spent waiting before retrying Management API requests after a 429.")

	m.rateLimit = f.gaugeVec("auth0_ratelimit_limit",
		"Size of Auth0's rate-limit bucket (x-ratelimit-limit) in the latest answer, by method and endpoint template.",
		"method", "endpoint")
	m.rateLimitRemaining = f.gaugeVec("auth0_ratelimit_remaining",
		"Requests left in Auth0's rate-limit bucket (x-ratelimit-remaining) after the latest answer, by method and endpoint template.",
		"method", "endpoint")
	m.rateLimitReset = f.gaugeVec("auth0_ratelimit_reset_timestamp_seconds",
		"When Auth0's rate-limit bucket refills (x-ratelimit-reset, UNIX seconds) according to the latest answer, by method and endpoint template.",
		"method", "endpoint")

	m.tokenRefreshes = f.counter("auth0_token_refreshes_total",
		"Management API token requests (client-credentials grant), failed ones included.")
	m.tokenRefreshErrors = f.counter("auth0_token_refresh_errors_total",
		"Management API token requests that failed.")
	m.tokenRefreshDuration = f.histogram("auth0_token_refresh_duration_seconds",
		"Duration of Management API token requests.")

	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace:   namespace,
		Name:        "build_info",
		Help:        "Always 1; its labels say which userdesk version and Go release are running.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	build.Set(1)
	m.reg.MustRegister(
		build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the registry in the Prometheus text format (compressed when asked).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:            m.reg, // promhttp_metric_handler_errors_total
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

// Registry returns the registry, for tests and for registering more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// HTTPRequest records one answered dashboard request (handlers.Observer). route is Echo's
// route pattern, "" when no route matched.
func (m *Metrics) HTTPRequest(route, method string, status int, d time.Duration) {
	if route == "" {
		route = UnmatchedRoute
	}
	method = normMethod(method)
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
}

// Sessions exports count as the gauge userdesk_sessions (handlers.Observer): the dashboard
// hands over the session store's count of its signed-in sessions (sessionstore.Store.Count),
// read at each scrape. Replicas that share a store (Redis) each report the same total: take
// max, not sum. Only the first call registers it; later calls are ignored.
func (m *Metrics) Sessions(count func() int) {
	m.sessionsOnce.Do(func() {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "sessions",
			Help:      "Signed-in sessions in the session store (all replicas' when they share one: take max, not sum): neither expired (idle or absolute timeout, a minute's grace) nor signed out; sign-ins in progress are not counted.",
		}, func() float64 { return float64(count()) }))
	})
}

// Request records one Management API attempt (auth0api.Observer). op is the client's endpoint
// template, e.g. "GET /users/{id}/roles"; status is 0 when no answer came.
func (m *Metrics) Request(op string, status int, d time.Duration, _ error) {
	method, endpoint := splitOp(op)
	code := TransportError
	if status > 0 {
		code = strconv.Itoa(status)
	}
	m.apiRequests.WithLabelValues(method, endpoint, code).Inc()
	m.apiDuration.WithLabelValues(method, endpoint).Observe(d.Seconds())
	if status == http.StatusTooManyRequests {
		m.apiRateLimited.WithLabelValues(method, endpoint).Inc()
	}
}

// Retry records a wait before retrying op after a 429 (auth0api.Observer).
func (m *Metrics) Retry(op string, wait time.Duration) {
	method, endpoint := splitOp(op)
	m.apiRetries.WithLabelValues(method, endpoint).Inc()
	m.apiRetryWait.Add(wait.Seconds())
}

// RateLimit records the rate-limit state of the latest answer to op (auth0api.Observer): the
// gauges keep the last value Auth0 sent for each endpoint template; a value the answer lacked
// (-1, or the zero time) leaves the gauge as it was.
func (m *Metrics) RateLimit(op string, limit, remaining int, reset time.Time) {
	method, endpoint := splitOp(op)
	if limit >= 0 {
		m.rateLimit.WithLabelValues(method, endpoint).Set(float64(limit))
	}
	if remaining >= 0 {
		m.rateLimitRemaining.WithLabelValues(method, endpoint).Set(float64(remaining))
	}
	if !reset.IsZero() {
		m.rateLimitReset.WithLabelValues(method, endpoint).Set(float64(reset.Unix()))
	}
}

// TokenRefresh records one Management API token request (auth0api.Observer).
func (m *Metrics) TokenRefresh(d time.Duration, err error) {
	m.tokenRefreshes.Inc()
	m.tokenRefreshDuration.Observe(d.Seconds())
	if err != nil {
		m.tokenRefreshErrors.Inc()
	}
}

// splitOp splits "GET /users/{id}" into its method and path template.
func splitOp(op string) (method, endpoint string) {
	method, endpoint, ok := strings.Cut(op, " ")
	if !ok {
		return OtherMethod, op
	}
	return normMethod(method), endpoint
}

// normMethod keeps the standard methods and folds anything else into OtherMethod.
func normMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return OtherMethod
}

// factory creates and registers userdesk's metrics.
type factory struct{ reg *prometheus.Registry }

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help}, labels)
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogramVec(name, help string, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: name, Help: help, Buckets: latencyBuckets}, labels)
	f.reg.MustRegister(h)
	return h
}

func (f factory) histogram(name, help string) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Name: name, Help: help, Buckets: latencyBuckets})
	f.reg.MustRegister(h)
	return h
}
