package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startCommand runs `userdesk ARGS...` until the test ends and returns the address it printed
// (the first match of addrRE's group in its output); the cleanup checks it stopped cleanly.
func startCommand(t *testing.T, addrRE *regexp.Regexp, args ...string) (addr string, out *syncBuffer) {
	t.Helper()
	out = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, func(string) string { return "" }, out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("userdesk %s returned %v after shutdown", args[0], err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := addrRE.FindStringSubmatch(out.String()); m != nil {
			return m[1], out
		}
		select {
		case err := <-done:
			t.Fatalf("userdesk %s stopped: %v\n%s", args[0], err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("userdesk %s printed no address:\n%s", args[0], out.String())
	return "", nil
}

// TestProxyAndTenantAsInCompose runs compose.yaml's proxy and tenant commands on loopback: the
// proxy sends requests to the two replicas in turn (no affinity; each answer names its replica;
// the client's Host kept) and the paths under /tenant/ to the tenant, which announces the public
// issuer it was given (-base-url) and accepts the client secrets it was given (-m2m-secret).
func TestProxyAndTenantAsInCompose(t *testing.T) {
	replica := func(name string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s %s %s", name, r.Host, r.URL.Path)
		}))
		t.Cleanup(s.Close)
		return s
	}
	a, b := replica("a"), replica("b")
	const public = "http://userdesk.localhost:8080"
	tenantAddr, _ := startCommand(t, regexp.MustCompile(`listening on (\S+)`),
		"tenant", "-addr=127.0.0.1:0", "-users=5", "-base-url="+public+"/tenant", "-dashboard="+public,
		"-client-secret=test-client-secret", "-m2m-secret=test-m2m-secret")
	proxyAddr, _ := startCommand(t, regexp.MustCompile(`proxy on (\S+):`),
		"proxy", "-addr=127.0.0.1:0", "-backend=a="+a.URL, "-backend=b="+b.URL, "-route=/tenant/=http://"+tenantAddr)
	proxy := "http://" + proxyAddr

	var got []string
	for range 4 {
		resp, err := http.Get(proxy + "/users?q=x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		name := resp.Header.Get("X-Backend")
		if want := name + " " + proxyAddr + " /users"; string(body) != want {
			t.Errorf("answer %q from %q, want %q (the replica named, the Host kept)", body, name, want)
		}
		got = append(got, name)
	}
	if strings.Join(got, "") != "abab" && strings.Join(got, "") != "baba" {
		t.Errorf("replicas in the order %q, want them in turn", got)
	}

	// The tenant through the proxy: discovery names the public issuer, the token endpoint takes
	// the machine secret given on the command line and nothing else.
	resp, err := http.Get(proxy + "/tenant/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var disc struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	err = json.NewDecoder(resp.Body).Decode(&disc)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery through the proxy: %d %v", resp.StatusCode, err)
	}
	if disc.Issuer != public+"/tenant/" || disc.TokenEndpoint != public+"/tenant/oauth/token" {
		t.Errorf("discovery names issuer %q, token endpoint %q; want them under %s/tenant/", disc.Issuer, disc.TokenEndpoint, public)
	}
	grant := func(secret string) int {
		resp, err := http.PostForm(proxy+"/tenant/oauth/token", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {"userdesk-m2m"}, "client_secret": {secret},
			"audience": {public + "/tenant/api/v2/"},
		})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := grant("test-m2m-secret"); s != http.StatusOK {
		t.Errorf("client credentials with -m2m-secret: %d, want 200", s)
	}
	if s := grant("another-secret"); s != http.StatusUnauthorized {
		t.Errorf("client credentials with another secret: %d, want 401", s)
	}
}

// TestProxyAndTenantRefuseBadFlags: the commands stop with an error naming the bad value.
func TestProxyAndTenantRefuseBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"proxy", "-addr=127.0.0.1:0"},
		{"proxy", "-addr=127.0.0.1:0", "-backend=http://a:8080"},
		{"proxy", "-addr=127.0.0.1:0", "-backend=a=not-a-url"},
		{"proxy", "-addr=127.0.0.1:0", "-backend=a=ftp://a:8080"},
		{"proxy", "-addr=127.0.0.1:0", "-backend=a=http://a:8080", "-route=/tenant/"},
		{"tenant", "-addr=127.0.0.1:0", "-base-url=ftp://tenant.example"},
		{"tenant", "-addr=127.0.0.1:0", "-base-url=http://tenant.example/?x=1"},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		err := run(ctx, args, func(string) string { return "" }, io.Discard)
		cancel()
		if err == nil {
			t.Errorf("userdesk %q: no error", args)
		}
	}
}
