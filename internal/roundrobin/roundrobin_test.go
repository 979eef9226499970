package roundrobin

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// backend is a test server that answers with its name, the path, the Host and the body it got.
func backend(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, name+" "+r.URL.RequestURI()+" "+r.Host+" "+r.Header.Get("X-Forwarded-For")+" "+string(b))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func get(t *testing.T, front *httptest.Server, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, front.URL+path, strings.NewReader(body))
	req.Host = "userdesk.localhost:8080"
	resp, err := front.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestRoundRobin: requests alternate between the backends, keep the Host, carry
// X-Forwarded-For and their body; a prefix goes to its own backend, stripped; a backend that
// refuses connections is skipped, and used again once it is back.
func TestRoundRobin(t *testing.T) {
	a, b, tenant := backend(t, "a"), backend(t, "b"), backend(t, "tenant")
	p, err := New(Options{
		Backends:      []Backend{{"a", mustURL(t, a.URL)}, {"b", mustURL(t, b.URL)}},
		Routes:        []Route{{"/tenant/", Backend{"tenant", mustURL(t, tenant.URL)}}},
		BackendHeader: "X-Backend",
	})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()

	var served []string
	for range 4 {
		resp, body := get(t, front, http.MethodPost, "/users?q=x", "form=1")
		served = append(served, resp.Header.Get("X-Backend"))
		name, _, _ := strings.Cut(body, " ")
		if name != resp.Header.Get("X-Backend") || !strings.Contains(body, " /users?q=x userdesk.localhost:8080 127.0.0.1 form=1") {
			t.Errorf("answer %q (X-Backend %q)", body, resp.Header.Get("X-Backend"))
		}
	}
	if strings.Join(served, "") != "abab" && strings.Join(served, "") != "baba" {
		t.Errorf("served by %v, want alternating", served)
	}
	if _, body := get(t, front, http.MethodGet, "/tenant/authorize?x=1", ""); !strings.HasPrefix(body, "tenant /authorize?x=1 ") {
		t.Errorf("prefix route: %q", body)
	}

	a.Close() // a stops: everything goes to b, nothing fails
	for range 4 {
		if resp, body := get(t, front, http.MethodPost, "/x", "again"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "b ") || !strings.HasSuffix(body, " again") {
			t.Fatalf("with a stopped: %d %q", resp.StatusCode, body)
		}
	}
	a2 := backend(t, "a") // a comes back elsewhere
	p.SetBackend("a", mustURL(t, a2.URL))
	seen := map[string]bool{}
	for range 4 {
		resp, _ := get(t, front, http.MethodGet, "/", "")
		seen[resp.Header.Get("X-Backend")] = true
	}
	if !seen["a"] || !seen["b"] {
		t.Errorf("after a came back, served by %v", seen)
	}
	b.Close()
	a2.Close()
	if resp, _ := get(t, front, http.MethodGet, "/", ""); resp.StatusCode != http.StatusBadGateway {
		t.Errorf("no backend: %d, want 502", resp.StatusCode)
	}
}
