package auth0apitest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// env is a tenant on a test server plus a token with every scope.
type env struct {
	tenant *auth0apitest.Tenant
	url    string
	token  string
}

func newEnv(t *testing.T, opts auth0apitest.Options) *env {
	t.Helper()
	tn, srv := auth0apitest.NewServer(t, opts)
	return &env{tenant: tn, url: srv.URL, token: tn.Token(auth0apitest.AllScopes...)}
}

// response is an answer: status, headers, raw body and the decoded body.
type response struct {
	status int
	header http.Header
	raw    []byte
	json   any
}

func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.json.(map[string]any)
	if !ok {
		t.Fatalf("body is not an object: %s", r.raw)
	}
	return m
}

func (r response) array(t *testing.T) []any {
	t.Helper()
	a, ok := r.json.([]any)
	if !ok {
		t.Fatalf("body is not an array: %s", r.raw)
	}
	return a
}

// call sends a request with the env's token; path is after /api/v2 and
// already escaped.
func (e *env) call(t *testing.T, method, path string, body any) response {
	t.Helper()
	return e.callWith(t, e.token, method, path, body)
}

func (e *env) callWith(t *testing.T, token, method, path string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.url+"/api/v2"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.json); err != nil {
			t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
		}
	}
	return out
}

// esc escapes a user id for a path segment as the client does.
func esc(id string) string { return strings.ReplaceAll(url.PathEscape(id), "/", "%2F") }

// wantError checks an Auth0 error body.
func wantError(t *testing.T, r response, status int, code, message string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.raw)
	}
	m := r.object(t)
	if m["statusCode"] != float64(status) || m["error"] != http.StatusText(status) {
		t.Errorf("statusCode/error = %v/%v, want %d/%s", m["statusCode"], m["error"], status, http.StatusText(status))
	}
	if code != "" && m["errorCode"] != code {
		t.Errorf("errorCode = %v, want %s", m["errorCode"], code)
	}
	if message != "" && m["message"] != message {
		t.Errorf("message = %q, want %q", m["message"], message)
	}
}

// serve starts an httptest server for a tenant made with New.
func serve(t *testing.T, tn *auth0apitest.Tenant) *env {
	t.Helper()
	srv := httptest.NewServer(tn)
	t.Cleanup(srv.Close)
	return &env{tenant: tn, url: srv.URL, token: tn.Token(auth0apitest.AllScopes...)}
}

// allUsers lists every user of a tenant (at most 1,000) through the API.
func allUsers(t *testing.T, tn *auth0apitest.Tenant) []map[string]any {
	t.Helper()
	e := serve(t, tn)
	var out []map[string]any
	for page := 0; page < 10; page++ {
		list := e.call(t, "GET", "/users?per_page=100&page="+strconv.Itoa(page), nil).array(t)
		for _, u := range list {
			out = append(out, u.(map[string]any))
		}
		if len(list) < 100 {
			break
		}
	}
	return out
}

// fixtureCount is how many fixture users every tenant has.
const fixtureCount = 9

// firstSeededID returns the id of the first user after the fixtures.
func firstSeededID(t *testing.T, tn *auth0apitest.Tenant) string {
	t.Helper()
	e := serve(t, tn)
	return e.call(t, "GET", "/users?per_page=1&page="+strconv.Itoa(fixtureCount), nil).array(t)[0].(map[string]any)["user_id"].(string)
}
