package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"userdesk/config"
)

// syncBuffer collects output written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// demoServer is the demo composition (dashboard and emulated tenant on one origin, as
// `userdesk -demo` runs it) on a random loopback port.
type demoServer struct {
	URL    string
	Output *syncBuffer // what serve printed: the welcome text, logs and audit events
}

// Demo accounts, as newDemo creates them.
var demoAccounts = map[string]string{
	"admin":    "admin@userdesk.test",
	"helpdesk": "helpdesk@userdesk.test",
	"viewer":   "viewer@userdesk.test",
	"emea":     "emea@userdesk.test",
	"partner":  "acme-admin@userdesk.test",
	"auditor":  "auditor@userdesk.test",
	"none":     "nobody@userdesk.test",
}

// demoGroups are the demo policy's groups of each demo account (policy/demo.yaml).
var demoGroups = map[string]string{
	"admin": "admin", "helpdesk": "helpdesk", "viewer": "viewer",
	"emea": "emea-helpdesk", "partner": "acme-partner-admins", "auditor": "auditor",
}

// startDemo serves the demo composition until the test ends, then shuts it down gracefully and
// checks that serve returned nil. extra are more flags for config.Load.
func startDemo(t testing.TB, extra ...string) *demoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	args := append([]string{"-demo", "-addr", ln.Addr().String(), "-base-url", base}, extra...)
	cfg, err := config.Load(args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	d := &demoServer{URL: base, Output: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, ln, d.Output) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
		if t.Failed() {
			t.Logf("demo output:\n%s", d.Output.String())
		}
	})
	return d
}

func TestRunHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("run -h: %v", err)
	}
	for _, want := range []string{"userdesk -demo", "USERDESK_SESSION_SECRETS", "| Variable | Default | Description |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q", want)
		}
	}
}

// TestRunRefusesBadSettings: start-up stops with one error listing every problem.
func TestRunRefusesBadSettings(t *testing.T) {
	env := map[string]string{"USERDESK_BASE_URL": "http://example.com", "USERDESK_SESSION_SECRETS": "short"}
	err := run(t.Context(), nil, func(k string) string { return env[k] }, io.Discard)
	var cerr *config.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("run = %v, want a *config.Error", err)
	}
	if len(cerr.Problems) < 5 {
		t.Errorf("only %d problems reported:\n%v", len(cerr.Problems), err)
	}
	if strings.Contains(err.Error(), "short") {
		t.Errorf("the error shows a secret: %v", err)
	}
}

// TestDemoStartsServesAndStops runs the demo composition: health, readiness, the welcome text,
// JSON logs, and a graceful shutdown (checked by startDemo's cleanup).
func TestDemoStartsServesAndStops(t *testing.T) {
	d := startDemo(t)
	for _, path := range []string{"/healthz", "/readyz", "/tenant/.well-known/openid-configuration"} {
		resp, err := http.Get(d.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, resp.StatusCode)
		}
	}
	out := d.Output.String()
	for _, want := range []string{"userdesk demo: " + d.URL, "admin@userdesk.test", "helpdesk@userdesk.test", "viewer@userdesk.test", `"msg":"listening"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestInProcessTransportStaysInProcess: the demo's back channel reaches only the tenant.
func TestInProcessTransportStaysInProcess(t *testing.T) {
	cfg, err := config.Load([]string{"-demo", "-base-url", "http://localhost:9999"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	d, err := newDemo(cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: d.transport}
	resp, err := client.Get("http://localhost:9999/tenant/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("discovery through the in-process transport: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("discovery = %d", resp.StatusCode)
	}
	for _, u := range []string{"http://localhost:9999/users", "http://example.com/tenant/x", "https://localhost:9999/tenant/x"} {
		if _, err := client.Get(u); err == nil {
			t.Errorf("GET %s went through; only the tenant may be reached", u)
		}
	}
}

// TestDemoSignInEachRole signs in through the demo's own login page with a plain HTTP client
// for every demo account and checks the users page (or the 403 page) that follows.
func TestDemoSignInEachRole(t *testing.T) {
	d := startDemo(t)
	for role, email := range demoAccounts {
		t.Run(role, func(t *testing.T) {
			body, status := demoHTTPSignIn(t, d, email)
			if role == "none" {
				if status != http.StatusForbidden || !strings.Contains(body, "no userdesk role") {
					t.Errorf("no-role account got %d:\n%s", status, body)
				}
				return
			}
			if status != http.StatusOK {
				t.Fatalf("users page = %d:\n%s", status, body)
			}
			if group := demoGroups[role]; !regexp.MustCompile(`data-role="` + group + `"`).MatchString(body) {
				t.Errorf("the page does not show the group %s", group)
			}
			if strings.Count(body, `class="user-row"`) < 10 {
				t.Errorf("the users page lists %d users", strings.Count(body, `class="user-row"`))
			}
		})
	}
}

var (
	demoLoginAction = regexp.MustCompile(`<form class="login" method="post" action="([^"]+)">`)
	demoLoginID     = regexp.MustCompile(`<input type="hidden" name="id" value="([^"]+)">`)
	demoCode        = regexp.MustCompile(`<code id="demo-code">([0-9]{6})</code>`)
)

// demoHTTPSignIn signs in to the demo with a cookie jar and returns the page it lands on.
func demoHTTPSignIn(t *testing.T, d *demoServer, email string) (string, int) {
	t.Helper()
	_, resp, body := submitLogin(t, d.URL, email, demoPassword)
	return string(body), resp.StatusCode
}

// submitLogin opens the dashboard at base with a fresh cookie jar, follows it to the provider's
// login form and submits it, then, when the provider asks for the second step, types the
// one-time code its page shows (the demo's, and the test tenants' with ShowOnPage); it returns
// the client (holding whatever session it got), the last answer and its body.
func submitLogin(t *testing.T, base, email, password string) (*http.Client, *http.Response, []byte) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := c.Get(base + "/users")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{"username": {email}, "password": {password}}
	for range 3 {
		action, id := demoLoginAction.FindSubmatch(page), demoLoginID.FindSubmatch(page)
		if action == nil || id == nil {
			return c, resp, page // not a provider form: where the sign-in ended
		}
		formURL, err := resp.Request.URL.Parse(strings.ReplaceAll(string(action[1]), "&amp;", "&"))
		if err != nil {
			t.Fatal(err)
		}
		form.Set("id", string(id[1]))
		if strings.HasSuffix(formURL.Path, "/login/code") {
			code := demoCode.FindSubmatch(page)
			if code == nil {
				t.Fatalf("the code page shows no demo code:\n%s", page)
			}
			form = url.Values{"id": {string(id[1])}, "code": {string(code[1])}}
		}
		if resp, err = c.PostForm(formURL.String(), form); err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	return c, resp, page
}
