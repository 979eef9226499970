package authapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const (
	testClientID     = "dashboard"
	testClientSecret = "dashboard-secret"
	testRedirectURI  = "https://dash.example/callback"
	testLogoutURI    = "https://dash.example/signed-out"
	testRoleClaim    = "https://userdesk.example/roles"
)

// testDirectory is a fixed list of accounts; it is read-only, so safe for concurrent use.
type testDirectory struct {
	accounts  []Account
	passwords map[string]string // email -> password
	blocked   map[string]bool   // email -> blocked
}

func (d *testDirectory) Authenticate(_ context.Context, username, password string) (Account, error) {
	for _, a := range d.accounts {
		if strings.EqualFold(a.Email, username) && d.passwords[a.Email] == password {
			if d.blocked[a.Email] {
				return Account{}, ErrBlocked
			}
			return a, nil
		}
	}
	return Account{}, ErrWrongCredentials
}

func (d *testDirectory) Account(_ context.Context, subject string) (Account, error) {
	for _, a := range d.accounts {
		if a.Subject == subject {
			return a, nil
		}
	}
	return Account{}, fmt.Errorf("no account %q", subject)
}

func (d *testDirectory) Accounts(context.Context) []Account { return d.accounts }

func newTestDirectory() *testDirectory {
	return &testDirectory{
		accounts: []Account{
			{
				Subject: "auth0|admin1", Email: "ada@userdesk.example", EmailVerified: true,
				Name: "Ada Admin", Picture: "https://pics.example/ada.png", PasswordHint: "demo-admin",
				Claims: map[string]any{testRoleClaim: []string{"admin"}},
			},
			{
				Subject: "auth0|help1", Email: "hal@userdesk.example", EmailVerified: false,
				Name: "Hal Helpdesk", PasswordHint: "demo-helpdesk",
				Claims: map[string]any{testRoleClaim: []string{"helpdesk"}, "amr": []string{"pwd", "mfa"}},
			},
			{
				Subject: "auth0|blocked1", Email: "bob@userdesk.example", EmailVerified: true,
				Name: "Bob Blocked", PasswordHint: "demo-blocked",
			},
		},
		passwords: map[string]string{
			"ada@userdesk.example": "demo-admin",
			"hal@userdesk.example": "demo-helpdesk",
			"bob@userdesk.example": "demo-blocked",
		},
		blocked: map[string]bool{"bob@userdesk.example": true},
	}
}

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is a Provider served by an httptest server, optionally under a path prefix, with a
// relying party (x/oauth2 + go-oidc) configured against it.
type harness struct {
	p        *Provider
	srv      *httptest.Server
	issuer   string
	dir      *testDirectory
	oauth    oauth2.Config
	rp       *oidc.Provider
	verifier *oidc.IDTokenVerifier
	noFollow *http.Client  // does not follow redirects
	logs     *lockedBuffer // what the Provider logged
}

// lockedBuffer collects log output from server goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newHarness starts a Provider mounted at prefix ("" or "/tenant"); edit adjusts the Config.
func newHarness(t testing.TB, prefix string, edit func(*Config)) *harness {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + prefix + "/"
	dir := newTestDirectory()
	var logs lockedBuffer
	cfg := Config{
		Issuer: issuer,
		Clients: []Client{{
			ID: testClientID, Secret: testClientSecret,
			RedirectURIs:           []string{testRedirectURI},
			PostLogoutRedirectURIs: []string{testLogoutURI},
		}},
		Directory: dir,
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
	}
	if edit != nil {
		edit(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if prefix == "" {
		srv.Config.Handler = p
	} else {
		mux := http.NewServeMux()
		mux.Handle(prefix+"/", http.StripPrefix(prefix, p))
		srv.Config.Handler = mux
	}
	srv.Start()
	t.Cleanup(srv.Close)

	ctx := context.Background()
	rp, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatalf("go-oidc discovery of %s: %v", issuer, err)
	}
	h := &harness{
		p: p, srv: srv, issuer: issuer, dir: dir, rp: rp, logs: &logs,
		oauth: oauth2.Config{
			ClientID: testClientID, ClientSecret: testClientSecret,
			Endpoint: rp.Endpoint(), RedirectURL: testRedirectURI,
			Scopes: []string{oidc.ScopeOpenID, "profile", "email"},
		},
		noFollow: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
	oidcCfg := &oidc.Config{ClientID: testClientID, SupportedSigningAlgs: []string{oidc.RS256}}
	if cfg.Now != nil {
		oidcCfg.Now = cfg.Now
	}
	h.verifier = rp.Verifier(oidcCfg)
	return h
}

// transaction is one relying-party sign-in in flight.
type transaction struct {
	state, nonce, verifier string
	loginURL               string // the login page the provider sent the browser to
	id                     string // the authorization request id
}

func randomString() string { return rand.Text() }

// start calls /authorize as the relying party would and returns the login page URL.
func (h *harness) start(t testing.TB) *transaction {
	t.Helper()
	tx := &transaction{state: randomString(), nonce: randomString(), verifier: oauth2.GenerateVerifier()}
	authURL := h.oauth.AuthCodeURL(tx.state, oidc.Nonce(tx.nonce), oauth2.S256ChallengeOption(tx.verifier))
	resp := h.get(t, authURL)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /authorize: status %d, want 302; body %s", resp.StatusCode, resp.body)
	}
	tx.loginURL = resp.Header.Get("Location")
	if !strings.HasPrefix(tx.loginURL, h.issuer+"login?id=") {
		t.Fatalf("/authorize redirected to %q, want the login page under %q", tx.loginURL, h.issuer)
	}
	u, _ := url.Parse(tx.loginURL)
	tx.id = u.Query().Get("id")
	return tx
}

// submit posts the login form and returns the response (not followed).
func (h *harness) submit(t testing.TB, tx *transaction, username, password string) *response {
	t.Helper()
	return h.postForm(t, h.issuer+"login", url.Values{"id": {tx.id}, "username": {username}, "password": {password}})
}

// signIn runs authorize + login and returns the authorization code.
func (h *harness) signIn(t testing.TB, username, password string) (*transaction, string) {
	t.Helper()
	tx := h.start(t)
	resp := h.submit(t, tx, username, password)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("POST /login: status %d, want 302; body %s", resp.StatusCode, resp.body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != testRedirectURI {
		t.Fatalf("login redirected to %q, want %s?code=…", resp.Header.Get("Location"), testRedirectURI)
	}
	if got := loc.Query().Get("state"); got != tx.state {
		t.Fatalf("state: got %q, want %q", got, tx.state)
	}
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %q", loc)
	}
	return tx, code
}

// exchange redeems a code with the relying party's PKCE verifier and checks the ID token.
func (h *harness) exchange(t testing.TB, tx *transaction, code string) (*oauth2.Token, *oidc.IDToken) {
	t.Helper()
	tok, err := h.oauth.Exchange(context.Background(), code, oauth2.VerifierOption(tx.verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := h.verifier.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("Verify ID token: %v", err)
	}
	if idt.Nonce != tx.nonce {
		t.Fatalf("nonce: got %q, want %q", idt.Nonce, tx.nonce)
	}
	return tok, idt
}

// response is an http.Response with its body read.
type response struct {
	*http.Response
	body string
}

func (h *harness) do(t testing.TB, req *http.Request) *response {
	t.Helper()
	resp, err := h.noFollow.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return &response{Response: resp, body: string(b)}
}

func (h *harness) get(t testing.TB, u string) *response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h.do(t, req)
}

func (h *harness) postForm(t testing.TB, u string, form url.Values) *response {
	t.Helper()
	return h.do(t, newFormRequest(t, u, form))
}

func newFormRequest(t testing.TB, u string, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// postJSON posts body as JSON, with Basic credentials when user is not empty.
func (h *harness) postJSON(t testing.TB, u string, body any, user, pass string) *response {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return h.do(t, req)
}

// oauth2VerifierOption passes the transaction's PKCE verifier to Exchange.
func oauth2VerifierOption(tx *transaction) oauth2.AuthCodeOption {
	return oauth2.VerifierOption(tx.verifier)
}
