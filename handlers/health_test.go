package handlers

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// flakyTransport fails every request while down is set.
type flakyTransport struct {
	down     atomic.Bool
	requests atomic.Int64
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.requests.Add(1)
	if f.down.Load() {
		return nil, errors.New("connection refused")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestStartWithTheProviderDown (checklist 80): the dashboard starts although the provider is
// unreachable, stays alive, says it is not ready and cannot sign in, retries discovery in the
// background, and becomes ready without a restart.
func TestStartWithTheProviderDown(t *testing.T) {
	flaky := &flakyTransport{}
	flaky.down.Store(true)
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) { c.OIDC.HTTPClient = &http.Client{Transport: flaky, Timeout: 5 * time.Second} }
	})
	b := a.newBrowser(t)
	if resp, _ := b.get(t, "/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz = %d, want 200 while the provider is down", resp.StatusCode)
	}
	if resp, _ := b.get(t, "/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d, want 503 while the provider is down", resp.StatusCode)
	}
	resp, body := b.get(t, "/login")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "cannot reach the identity provider") {
		t.Errorf("/login = %d while the provider is down:\n%.300s", resp.StatusCode, body)
	}

	flaky.down.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		a.Clock.Advance(readyFor) // let the cached readiness answer age
		if resp, _ := b.get(t, "/readyz"); resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz never turned 200 after the provider came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.signIn(t, "viewer")
}

// TestReadinessIsCached: /readyz asks the provider for its keys at most once per readyFor.
func TestReadinessIsCached(t *testing.T) {
	flaky := &flakyTransport{}
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) { c.OIDC.HTTPClient = &http.Client{Transport: flaky, Timeout: 5 * time.Second} }
	})
	b := a.newBrowser(t)
	before := flaky.requests.Load()
	for range 5 {
		if resp, _ := b.get(t, "/readyz"); resp.StatusCode != http.StatusOK {
			t.Fatalf("/readyz = %d", resp.StatusCode)
		}
	}
	if n := flaky.requests.Load() - before; n != 1 {
		t.Errorf("5 readiness checks made %d requests to the provider, want 1", n)
	}
	// Keys gone: after the cache ages, not ready.
	flaky.down.Store(true)
	a.Clock.Advance(readyFor)
	if resp, _ := b.get(t, "/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d with the provider down, want 503", resp.StatusCode)
	}
}
