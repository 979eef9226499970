package auth0api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"userdesk/auth0api"
)

// apiPrefix is where the test servers mount the Management API.
const apiPrefix = "/api/v2"

// request is what a test server saw.
type request struct {
	Method string
	Path   string // escaped, after apiPrefix
	Query  url.Values
	Body   []byte
	Header http.Header
}

// server is an httptest server that records requests and answers them with
// handle (n counts requests from 0).
type server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, request{
			Method: r.Method,
			Path:   strings.TrimPrefix(r.URL.EscapedPath(), apiPrefix),
			Query:  r.URL.Query(),
			Body:   body,
			Header: r.Header.Clone(),
		})
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		handle(w, r, n)
	}))
	t.Cleanup(s.Close)
	return s
}

// reply answers every request with status and body.
func reply(status int, body string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		if body != "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func (s *server) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.reqs...)
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// newClient returns a client of s with a static token; mods adjust the config.
func newClient(t testing.TB, baseURL string, mods ...func(*auth0api.Config)) *auth0api.Client {
	t.Helper()
	cfg := auth0api.Config{BaseURL: baseURL + apiPrefix, Token: "test-token", Version: "1.2.3"}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := auth0api.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// sameJSON reports whether a and b are the same JSON value (key order and
// spacing aside; numbers compared by their text).
func sameJSON(t testing.TB, a, b []byte) bool {
	t.Helper()
	va, err := decodeAny(a)
	if err != nil {
		t.Fatalf("invalid JSON %s: %v", a, err)
	}
	vb, err := decodeAny(b)
	if err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

func decodeAny(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// recordObserver records the observer hooks.
type recordObserver struct {
	mu       sync.Mutex
	requests []observedRequest
	retries  []time.Duration
	tokens   []error
	limits   []observedLimit
	onRetry  func()
}

// observedLimit is one RateLimit hook.
type observedLimit struct {
	Op               string
	Limit, Remaining int
	Reset            time.Time
}

type observedRequest struct {
	Op     string
	Status int
	Err    error
}

func (o *recordObserver) Request(op string, status int, _ time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, observedRequest{op, status, err})
}

func (o *recordObserver) Retry(_ string, wait time.Duration) {
	o.mu.Lock()
	o.retries = append(o.retries, wait)
	f := o.onRetry
	o.mu.Unlock()
	if f != nil {
		f()
	}
}

func (o *recordObserver) TokenRefresh(_ time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tokens = append(o.tokens, err)
}

func (o *recordObserver) RateLimit(op string, limit, remaining int, reset time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.limits = append(o.limits, observedLimit{op, limit, remaining, reset})
}

func (o *recordObserver) rateLimits() []observedLimit {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]observedLimit(nil), o.limits...)
}

func (o *recordObserver) waits() []time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]time.Duration(nil), o.retries...)
}
