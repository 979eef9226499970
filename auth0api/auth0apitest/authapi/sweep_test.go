package authapi

import (
	"net/http"
	"testing"
	"time"
)

// TestExpiredSignInsAreSwept leaves sign-ins and a code unused past their lifetime and checks
// that they are refused and then dropped from memory.
func TestExpiredSignInsAreSwept(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	h := newHarness(t, "", func(c *Config) { c.Now = clock.Now })
	var first *transaction
	for i := range 20 {
		tx := h.start(t)
		if i == 0 {
			first = tx
		}
	}
	h.signIn(t, "ada@userdesk.example", "demo-admin") // a code nobody redeems
	if reqs, codes := h.p.store.size(); reqs != 21 || codes != 1 {
		t.Fatalf("held: %d transactions, %d codes; want 21 and 1", reqs, codes)
	}

	clock.Add(requestLifetime + time.Second)
	if resp := h.get(t, first.loginURL); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("expired login page: status %d, want 400", resp.StatusCode)
	}
	if resp := h.submit(t, first, "ada@userdesk.example", "demo-admin"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("expired login POST: status %d, want 400", resp.StatusCode)
	}

	h.start(t) // a new sign-in triggers the sweep
	if reqs, codes := h.p.store.size(); reqs != 1 || codes != 0 {
		t.Errorf("after the sweep: %d transactions, %d codes; want 1 and 0", reqs, codes)
	}
}

// TestNewValidates checks the Config errors New reports.
func TestNewValidates(t *testing.T) {
	dir := newTestDirectory()
	good := Client{ID: "c", Secret: "s", RedirectURIs: []string{"https://a.example/cb"}}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no issuer", Config{Directory: dir}},
		{"relative issuer", Config{Issuer: "/tenant/", Directory: dir}},
		{"issuer with query", Config{Issuer: "http://a.example/?x=1", Directory: dir}},
		{"ftp issuer", Config{Issuer: "ftp://a.example/", Directory: dir}},
		{"no directory", Config{Issuer: "http://a.example/"}},
		{"client without id", Config{Issuer: "http://a.example/", Directory: dir, Clients: []Client{{RedirectURIs: good.RedirectURIs}}}},
		{"client without redirect", Config{Issuer: "http://a.example/", Directory: dir, Clients: []Client{{ID: "c"}}}},
		{"relative redirect", Config{Issuer: "http://a.example/", Directory: dir, Clients: []Client{{ID: "c", RedirectURIs: []string{"/cb"}}}}},
		{"duplicate client", Config{Issuer: "http://a.example/", Directory: dir, Clients: []Client{good, good}}},
		{"relative back-channel URI", Config{Issuer: "http://a.example/", Directory: dir, Clients: []Client{{ID: "c", RedirectURIs: good.RedirectURIs, BackChannelLogoutURI: "/bcl"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := New(tt.cfg); err == nil {
				t.Errorf("New: got a provider with issuer %q, want an error", p.Issuer())
			}
		})
	}
	p, err := New(Config{Issuer: "http://localhost:8080/tenant", Directory: dir, Clients: []Client{good}})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Issuer(); got != "http://localhost:8080/tenant/" {
		t.Errorf("Issuer: got %q, want the trailing slash added", got)
	}
}
