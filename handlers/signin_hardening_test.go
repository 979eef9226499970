package handlers

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLoginFloodKeepsSessions: 300 unauthenticated /login requests from 300 addresses create no
// server-side record, so the signed-in sessions of a small store all survive (issue 11 finding
// 5: they used to evict them).
func TestLoginFloodKeepsSessions(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) {
			c.MaxSessions = 10
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		}
	})
	var people []*browser
	for _, p := range []string{"admin", "helpdesk", "viewer", "admin", "helpdesk"} {
		people = append(people, a.signIn(t, p))
	}
	flood := a.newBrowser(t)
	for i := range 300 {
		ip := fmt.Sprintf("198.51.%d.%d", i/250, i%250+1)
		resp, _ := flood.get(t, "/login", "X-Forwarded-For", ip)
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("/login %d from %s = %d", i, ip, resp.StatusCode)
		}
	}
	if n := a.storedSessions(t); n != len(people) {
		t.Errorf("store entries after the flood = %d, want the %d sessions only", n, len(people))
	}
	for i, b := range people {
		if !signedIn(t, b) {
			t.Errorf("session %d was lost to the flood", i)
		}
	}
	// The flooding browser holds at most maxSignInCookies sign-ins.
	u, _ := url.Parse(a.URL)
	n := 0
	for _, c := range flood.jar.Cookies(u) {
		if strings.HasPrefix(c.Name, a.srv.signInName+"-") {
			n++
		}
	}
	if n > maxSignInCookies {
		t.Errorf("the browser holds %d sign-in cookies, want at most %d", n, maxSignInCookies)
	}
}

// TestSignInRateLimits: /login and /callback are limited per client address: past the burst,
// 429 with Retry-After, other addresses unaffected, and the limit refills with time
// (checklist 60).
func TestSignInRateLimits(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} }
	})
	b := a.newBrowser(t)
	for _, path := range []string{"/login", "/callback?state=x&code=y"} {
		ok, limited := 0, 0
		for range 300 {
			resp, _ := b.get(t, path, "X-Forwarded-For", "203.0.113.7")
			switch resp.StatusCode {
			case http.StatusTooManyRequests:
				limited++
				if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
					t.Fatalf("Retry-After = %q", resp.Header.Get("Retry-After"))
				}
			default:
				ok++
			}
		}
		if ok != DefaultSignInLimit.Burst || limited != 300-DefaultSignInLimit.Burst {
			t.Errorf("%s: %d answered, %d limited; want %d and %d", path, ok, limited, DefaultSignInLimit.Burst, 300-DefaultSignInLimit.Burst)
		}
		if resp, _ := b.get(t, path, "X-Forwarded-For", "203.0.113.8"); resp.StatusCode == http.StatusTooManyRequests {
			t.Errorf("%s: another address is limited too", path)
		}
	}
	a.Clock.Advance(5 * time.Second)
	if resp, _ := b.get(t, "/login", "X-Forwarded-For", "203.0.113.7"); resp.StatusCode != http.StatusFound {
		t.Errorf("/login after 5 s = %d, want it refilled", resp.StatusCode)
	}
}

// TestForgedCallbackKeepsThePendingSignIn: a cross-site GET /callback with a state the browser
// did not start (an error or a code) ends no sign-in in progress: the real callback still signs
// the person in (issue 11 finding 5).
func TestForgedCallbackKeepsThePendingSignIn(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	cb := b.authorize(t, b.startSignIn(t, "/users?page=2"), testAccounts["admin"])
	for _, forged := range []string{
		"/callback?state=forged&code=attackers-code",
		"/callback?error=access_denied&state=forged",
		"/callback?code=attackers-code",
		"/callback",
	} {
		resp, _ := b.get(t, forged, "Sec-Fetch-Site", "cross-site")
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s = %d, want 400", forged, resp.StatusCode)
		}
	}
	resp, body := b.finishSignIn(t, cb)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/users?page=2" {
		t.Fatalf("the real callback after the forged ones = %d to %q:\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if !signedIn(t, b) {
		t.Error("not signed in")
	}
}

// TestSignInTransactionCookies: /login keeps nothing on the server and sets one sealed cookie
// per sign-in: __Host-, Secure, HttpOnly, Lax, Path=/, no Domain, at most 10 minutes, small,
// with neither state, nonce nor verifier readable in it; a browser keeps at most three, the
// oldest going first, and the newest still works (checklist 2, 19, 23, 60).
func TestSignInTransactionCookies(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	resp, _ := b.get(t, "/login")
	var lines []string
	for _, l := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(l, a.srv.signInName+"-") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("sign-in cookies set: %q", resp.Header.Values("Set-Cookie"))
	}
	c, err := http.ParseSetCookie(lines[0])
	must(t, err)
	if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
		c.Path != "/" || c.Domain != "" || c.MaxAge <= 0 || c.MaxAge > 600 || len(lines[0]) > 4096 {
		t.Errorf("sign-in cookie: %s", lines[0])
	}
	if a.storedSessions(t) != 0 {
		t.Errorf("/login stored %d records", a.storedSessions(t))
	}
	txn := a.storedTxn(t, b)
	for _, secret := range []string{txn.State, txn.Nonce, txn.Verifier} {
		if strings.Contains(c.Value, secret) {
			t.Error("the sign-in cookie shows a secret of the transaction")
		}
	}
	// A long return path is dropped rather than make the cookie too big.
	resp, _ = a.newBrowser(t).get(t, "/login?return_to="+url.QueryEscape("/users?q="+strings.Repeat("a", 2000)))
	for _, l := range resp.Header.Values("Set-Cookie") {
		if len(l) > 4096 {
			t.Errorf("a cookie of %d bytes", len(l))
		}
	}

	var last *url.URL
	for range 5 {
		last = b.startSignIn(t, "")
	}
	u, _ := url.Parse(a.URL)
	n := 0
	for _, c := range b.jar.Cookies(u) {
		if strings.HasPrefix(c.Name, a.srv.signInName+"-") {
			n++
		}
	}
	if n != maxSignInCookies {
		t.Errorf("%d sign-in cookies after six /login, want %d", n, maxSignInCookies)
	}
	if resp, body := b.finishSignIn(t, b.authorize(t, last, testAccounts["viewer"])); resp.StatusCode != http.StatusFound {
		t.Errorf("the newest sign-in = %d:\n%s", resp.StatusCode, body)
	}
}

// TestSignInCookieFromAnotherKeyOrName: a sealed transaction does not open under another cookie
// name (a cookie moved to another state's name) nor after the session secrets changed, and the
// secrets still rotate: a cookie sealed with the old first key opens when it is second.
func TestSignInCookieFromAnotherKeyOrName(t *testing.T) {
	oldKey, newKey := []byte(strings.Repeat("o", 32)), []byte(strings.Repeat("n", 32))
	old, err := newTxnSealer([][]byte{oldKey}, "p-", true)
	must(t, err)
	rotated, err := newTxnSealer([][]byte{newKey, oldKey}, "p-", true)
	must(t, err)
	other, err := newTxnSealer([][]byte{newKey}, "p-", true)
	must(t, err)
	txn := signInTxn{State: "s", Nonce: "n", Verifier: "v", ReturnTo: "/", Created: time.Now()}
	value, err := encodeTxn(old, txn)
	must(t, err)
	if got, ok := rotated.open(&http.Cookie{Name: old.name("s"), Value: value}); !ok || got.State != "s" {
		t.Error("a cookie of the previous key does not open after rotation")
	}
	if _, ok := other.open(&http.Cookie{Name: old.name("s"), Value: value}); ok {
		t.Error("a cookie opens under keys that never sealed it")
	}
	if _, ok := old.open(&http.Cookie{Name: old.name("another state"), Value: value}); ok {
		t.Error("a cookie opens under another state's name")
	}
}

// TestHostMustBeTheBaseURLs: a request for another Host is refused with 421 before anything
// else; the health endpoints answer any Host (probes use the pod's address).
func TestHostMustBeTheBaseURLs(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	base, _ := url.Parse(a.URL)
	for _, host := range []string{"evil.example", "localhost:" + base.Port(), "127.0.0.1:1", "127.0.0.1"} {
		for _, path := range []string{"/users", "/login", "/callback?state=x", "/nope"} {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, a.URL+path, nil)
			req.Host = host
			resp, body := b.do(t, req)
			if resp.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(body, a.URL) {
				t.Errorf("Host %s %s = %d, want 421 naming the dashboard's address", host, path, resp.StatusCode)
			}
		}
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, a.URL+"/healthz", nil)
		req.Host = host
		if resp, _ := b.do(t, req); resp.StatusCode != http.StatusOK {
			t.Errorf("Host %s /healthz = %d", host, resp.StatusCode)
		}
	}
	if !signedIn(t, b) {
		t.Error("the base URL's own host is refused")
	}

	s := &server{staffAssurance: staffAssurance{}}
	s.baseScheme, s.baseHost, s.basePort = originParts(mustURL(t, "https://Dash.Example.com"))
	for host, want := range map[string]bool{
		"dash.example.com": true, "DASH.example.com.": true, "dash.example.com:443": true,
		"dash.example.com:8443": false, "dash.example.com.evil.example": false, "": false, "evil.example": false,
	} {
		if got := s.hostIsBase(host); got != want {
			t.Errorf("hostIsBase(%q) = %v, want %v", host, got, want)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	must(t, err)
	return u
}

// TestOriginMustBeTheBaseURLs: a state-changing request's Origin must be the base URL exactly,
// scheme and port included, when the browser sends no Sec-Fetch-Site; with it, only
// same-origin passes (issue 11 finding 5: Go's check ignores the scheme).
func TestOriginMustBeTheBaseURLs(t *testing.T) {
	a := newTestApp(t)
	base, _ := url.Parse(a.URL)
	tests := []struct {
		name    string
		headers []string
		want    bool
	}{
		{"exact origin", []string{"Origin", a.URL}, true},
		{"same origin by fetch metadata", []string{"Sec-Fetch-Site", "same-origin", "Origin", a.URL}, true},
		{"form under no-referrer (Origin null)", []string{"Sec-Fetch-Site", "same-origin", "Origin", "null"}, true},
		{"no browser metadata", nil, true},
		{"plain http of the same host", []string{"Origin", "http://" + base.Host}, false},
		{"another port", []string{"Origin", "https://" + base.Hostname() + ":1"}, false},
		{"default port instead", []string{"Origin", "https://" + base.Hostname()}, false},
		{"another host", []string{"Origin", "https://evil.example"}, false},
		{"Origin null alone", []string{"Origin", "null"}, false},
		{"cross-site", []string{"Sec-Fetch-Site", "cross-site"}, false},
		{"same-site", []string{"Sec-Fetch-Site", "same-site", "Origin", "https://other." + base.Hostname()}, false},
		{"same-origin claim, other Origin", []string{"Sec-Fetch-Site", "same-origin", "Origin", "https://evil.example"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := a.signIn(t, "viewer")
			token := b.csrfToken(t)
			resp, _ := b.send(t, http.MethodPost, "/logout", url.Values{"_csrf": {token}}, tt.headers...)
			if got := resp.StatusCode != http.StatusForbidden; got != tt.want {
				t.Errorf("POST /logout with %q = %d, want allowed %v", tt.headers, resp.StatusCode, tt.want)
			}
		})
	}
}

// TestRefusalsAreAuditedAtABoundedRate: CSRF and cross-origin refusals are audited as denied,
// at most refusalBurst per address and then one a minute, the next event saying how many were
// left out: a flood cannot fill the disk.
func TestRefusalsAreAuditedAtABoundedRate(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	a.Audit.Reset()
	resp, _ := b.send(t, http.MethodPost, adaPath+"/block", nil, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d", resp.StatusCode)
	}
	for range 49 {
		if resp, _ := b.send(t, http.MethodPost, adaPath+"/block", nil, b.sameOriginHeaders()...); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("POST without a CSRF token = %d", resp.StatusCode)
		}
	}
	events := a.auditEvents(t)
	if len(events) != refusalBurst {
		t.Fatalf("%d audit events for 50 refusals, want %d", len(events), refusalBurst)
	}
	if events[0]["event"] != "denied.cross_origin" || events[1]["event"] != "denied.csrf" {
		t.Errorf("events %v, %v", events[0]["event"], events[1]["event"])
	}
	for _, ev := range events {
		actor, _ := ev["actor"].(map[string]any)
		if ev["outcome"] != "denied" || ev["ip"] == "" || ev["route"] != "POST /users/:id/block" {
			t.Errorf("event %v", ev)
		}
		if ev["event"] == "denied.csrf" && !slices.Equal(anyStrings(actor["groups"]), []string{"helpdesk"}) {
			t.Errorf("CSRF refusal without its actor: %v", ev)
		}
	}
	if calls := a.Tenant.Calls(); len(calls) != 0 {
		t.Errorf("refused requests made calls: %v", calls)
	}
	a.Audit.Reset()
	a.Clock.Advance(refusalAuditEach)
	b.send(t, http.MethodPost, adaPath+"/block", nil, b.sameOriginHeaders()...)
	events = a.auditEvents(t)
	if len(events) != 1 || auditDetails(events[0])["count"] != float64(50-refusalBurst) {
		t.Errorf("after a minute: %v, want one event saying %d were left out", events, 50-refusalBurst)
	}
}
