package authapi

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// codeBox keeps the one-time codes the provider sends, by e-mail.
type codeBox struct {
	mu    sync.Mutex
	codes map[string][]string
}

func (b *codeBox) send(_ context.Context, acct Account, code string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.codes == nil {
		b.codes = map[string][]string{}
	}
	b.codes[acct.Email] = append(b.codes[acct.Email], code)
}

// last returns the latest code sent to email.
func (b *codeBox) last(t testing.TB, email string) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.codes[email]
	if len(c) == 0 {
		t.Fatalf("no code was sent to %s", email)
	}
	return c[len(c)-1]
}

func (b *codeBox) count(email string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.codes[email])
}

// agent is a browser for the provider: a cookie jar (so the provider session is kept), no
// automatic redirects.
type agent struct {
	h *harness
	c *http.Client
}

func (h *harness) agent(t testing.TB) *agent {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &agent{h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (a *agent) get(t testing.TB, u string) *response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a.do(t, req)
}

func (a *agent) post(t testing.TB, u string, form url.Values) *response {
	t.Helper()
	return a.do(t, newFormRequest(t, u, form))
}

func (a *agent) do(t testing.TB, req *http.Request) *response {
	t.Helper()
	resp, err := a.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{Response: resp, body: string(b)}
}

// authorize starts a sign-in with extra authorization parameters and returns the transaction
// and the provider's first answer after following its redirect to the login page (or, for a
// session that completes it, the redirect to the client).
func (a *agent) authorize(t testing.TB, extra url.Values) (*transaction, *response) {
	t.Helper()
	tx := &transaction{state: randomString(), nonce: randomString(), verifier: oauth2.GenerateVerifier()}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(tx.nonce), oauth2.S256ChallengeOption(tx.verifier)}
	for k, v := range extra {
		opts = append(opts, oauth2.SetAuthURLParam(k, v[0]))
	}
	resp := a.get(t, a.h.oauth.AuthCodeURL(tx.state, opts...))
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /authorize: status %d; body %s", resp.StatusCode, resp.body)
	}
	tx.loginURL = resp.Header.Get("Location")
	u, _ := url.Parse(tx.loginURL)
	tx.id = u.Query().Get("id")
	return tx, a.get(t, tx.loginURL)
}

// code extracts the authorization code from a redirect to the client.
func codeFrom(t testing.TB, resp *response, tx *transaction) string {
	t.Helper()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want a redirect to the client; body %s", resp.StatusCode, resp.body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != testRedirectURI || loc.Query().Get("state") != tx.state {
		t.Fatalf("redirect to %q, want %s with the state", resp.Header.Get("Location"), testRedirectURI)
	}
	return loc.Query().Get("code")
}

// idClaims are the authentication claims of an ID token.
type idClaims struct {
	Subject  string   `json:"sub"`
	AuthTime int64    `json:"auth_time"`
	AMR      []string `json:"amr"`
	ACR      string   `json:"acr"`
	SID      string   `json:"sid"`
}

func (h *harness) claimsOf(t testing.TB, tx *transaction, code string) idClaims {
	t.Helper()
	_, idt := h.exchange(t, tx, code)
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

var mfaParams = url.Values{"acr_values": {ACRMultiFactor}}

const (
	ada, adaPass = "ada@userdesk.example", "demo-admin"
	hal, halPass = "hal@userdesk.example", "demo-helpdesk"
)

// newMFAHarness is a provider with the one-time code enabled, its codes kept in box, and a
// settable clock.
func newMFAHarness(t testing.TB, edit func(*Config)) (*harness, *codeBox, *fakeClock) {
	t.Helper()
	box := &codeBox{}
	clock := &fakeClock{now: time.Now().UTC().Truncate(time.Second)}
	h := newHarness(t, "/tenant", func(c *Config) {
		c.SecondFactor = SecondFactor{Send: box.send}
		c.Now = clock.Now
		if edit != nil {
			edit(c)
		}
	})
	return h, box, clock
}

var codeForm = regexp.MustCompile(`<form class="login" method="post" action="([^"]+/login/code)">`)

// TestSecondStepWhenAsked: acr_values with Auth0's multi-factor value makes the password lead
// to the code page; a wrong code is refused there, the right one signs in, and the ID token
// says so: amr ["pwd","mfa"], acr the multi-factor value, a true auth_time, a sid.
func TestSecondStepWhenAsked(t *testing.T) {
	h, box, clock := newMFAHarness(t, nil)
	a := h.agent(t)
	tx, page := a.authorize(t, mfaParams)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, `id="password"`) {
		t.Fatalf("login page: %d", page.StatusCode)
	}
	clock.Add(30 * time.Second)
	codePage := a.post(t, h.issuer+"login", url.Values{"id": {tx.id}, "username": {ada}, "password": {adaPass}})
	if codePage.StatusCode != http.StatusOK || codeForm.FindStringSubmatch(codePage.body) == nil {
		t.Fatalf("after the password: %d, want the code page:\n%s", codePage.StatusCode, codePage.body)
	}
	code := box.last(t, ada)
	if strings.Contains(codePage.body, code) {
		t.Error("the code page shows the code without ShowOnPage")
	}
	if !strings.Contains(codePage.body, "ada@userdesk.example") || !strings.Contains(codePage.body, `autocomplete="one-time-code"`) {
		t.Error("the code page does not say where the code went, or lacks the one-time-code field")
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	resp := a.post(t, h.issuer+"login/code", url.Values{"id": {tx.id}, "code": {wrong}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.body, "Wrong code") {
		t.Fatalf("wrong code: %d", resp.StatusCode)
	}
	// The code cannot skip the password: the password form is closed once the code step began.
	if r := a.post(t, h.issuer+"login", url.Values{"id": {tx.id}, "username": {hal}, "password": {halPass}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("a second password during the code step: %d, want 400", r.StatusCode)
	}
	clock.Add(20 * time.Second)
	resp = a.post(t, h.issuer+"login/code", url.Values{"id": {tx.id}, "code": {code[:3] + " " + code[3:]}})
	c := h.claimsOf(t, tx, codeFrom(t, resp, tx))
	if !slices.Equal(c.AMR, []string{"pwd", "mfa"}) || c.ACR != ACRMultiFactor {
		t.Errorf("amr %v acr %q, want [pwd mfa] and %s", c.AMR, c.ACR, ACRMultiFactor)
	}
	if c.AuthTime != clock.Now().Unix() {
		t.Errorf("auth_time %d, want the time of the second step %d", c.AuthTime, clock.Now().Unix())
	}
	if c.SID == "" || c.Subject != "auth0|admin1" {
		t.Errorf("sid %q sub %q", c.SID, c.Subject)
	}
}

// TestNoSecondStepUnlessAsked: without acr_values the password alone signs in, and the token
// says so (amr ["pwd"], no acr); with SecondFactor.Always every sign-in has the second step.
func TestNoSecondStepUnlessAsked(t *testing.T) {
	h, box, _ := newMFAHarness(t, nil)
	tx, code := h.signIn(t, ada, adaPass)
	c := h.claimsOf(t, tx, code)
	if !slices.Equal(c.AMR, []string{"pwd"}) || c.ACR != "" || box.count(ada) != 0 {
		t.Errorf("amr %v acr %q codes sent %d, want [pwd], none, 0", c.AMR, c.ACR, box.count(ada))
	}

	always, box2, _ := newMFAHarness(t, func(c *Config) { c.SecondFactor.Always = true })
	tx = always.start(t)
	if resp := always.submit(t, tx, ada, adaPass); resp.StatusCode != http.StatusOK || box2.count(ada) != 1 {
		t.Errorf("Always: after the password %d with %d codes sent, want the code page", resp.StatusCode, box2.count(ada))
	}
}

// TestMultiFactorNotMetWithoutFactor: with no factor enabled, a request for multi-factor is
// not met, and the ID token says so: a relying party must refuse it itself.
func TestMultiFactorNotMetWithoutFactor(t *testing.T) {
	h := newHarness(t, "", nil)
	a := h.agent(t)
	tx, _ := a.authorize(t, mfaParams)
	resp := a.post(t, h.issuer+"login", url.Values{"id": {tx.id}, "username": {ada}, "password": {adaPass}})
	c := h.claimsOf(t, tx, codeFrom(t, resp, tx))
	if slices.Contains(c.AMR, "mfa") || c.ACR != "" {
		t.Errorf("amr %v acr %q, want no mfa and no acr", c.AMR, c.ACR)
	}
}

// TestTooManyWrongCodes: the fifth wrong code ends the sign-in; the right code then fails too.
func TestTooManyWrongCodes(t *testing.T) {
	h, box, _ := newMFAHarness(t, nil)
	a := h.agent(t)
	tx, _ := a.authorize(t, mfaParams)
	a.post(t, h.issuer+"login", url.Values{"id": {tx.id}, "username": {ada}, "password": {adaPass}})
	code := box.last(t, ada)
	wrong := "999999"
	if code == wrong {
		wrong = "888888"
	}
	for i := range maxCodeTries {
		resp := a.post(t, h.issuer+"login/code", url.Values{"id": {tx.id}, "code": {wrong}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: status %d", i+1, resp.StatusCode)
		}
	}
	if resp := a.post(t, h.issuer+"login/code", url.Values{"id": {tx.id}, "code": {code}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the right code after %d wrong ones: %d, want 400 (sign-in over)", maxCodeTries, resp.StatusCode)
	}
}

// TestDemoCodeOnPage: with ShowOnPage the code page shows the code, labelled as a demo aid.
func TestDemoCodeOnPage(t *testing.T) {
	h, box, _ := newMFAHarness(t, func(c *Config) { c.SecondFactor.ShowOnPage = true })
	a := h.agent(t)
	tx, _ := a.authorize(t, mfaParams)
	page := a.post(t, h.issuer+"login", url.Values{"id": {tx.id}, "username": {hal}, "password": {halPass}})
	if !strings.Contains(page.body, `<code id="demo-code">`+box.last(t, hal)+`</code>`) || !strings.Contains(page.body, "Demo only") {
		t.Errorf("the demo page does not show the labelled code:\n%s", page.body)
	}
}

// TestSessionReuse: a second sign-in from the same browser completes without the login page,
// with the first one's auth_time and the same sid; prompt=login and an exceeded max_age show
// the login page again, and the new sign-in has a new auth_time in the same session.
func TestSessionReuse(t *testing.T) {
	h, _, clock := newMFAHarness(t, nil)
	a := h.agent(t)
	tx, _ := a.authorize(t, nil)
	first := h.claimsOf(t, tx, codeFrom(t, a.post(t, h.issuer+"login", url.Values{"id": {tx.id}, "username": {ada}, "password": {adaPass}}), tx))

	clock.Add(2 * time.Minute)
	tx, resp := a.authorize(t, nil)
	again := h.claimsOf(t, tx, codeFrom(t, resp, tx))
	if again.AuthTime != first.AuthTime || again.SID != first.SID || again.Subject != first.Subject {
		t.Errorf("silent sign-in: %+v, want the first one's auth_time and sid %+v", again, first)
	}
	tx, resp = a.authorize(t, url.Values{"max_age": {"600"}})
	if c := h.claimsOf(t, tx, codeFrom(t, resp, tx)); c.AuthTime != first.AuthTime {
		t.Errorf("max_age=600 re-authenticated: auth_time %d", c.AuthTime)
	}

	for _, extra := range []url.Values{{"prompt": {"login"}}, {"max_age": {"60"}}, {"max_age": {"0"}}} {
		clock.Add(2 * time.Minute)
		tx, page := a.authorize(t, extra)
		if page.StatusCode != http.StatusOK || !strings.Contains(page.body, `id="password"`) {
			t.Fatalf("%v: %d, want the login page", extra, page.StatusCode)
		}
		c := h.claimsOf(t, tx, codeFrom(t, a.post(t, h.issuer+"login", url.Values{"id": {tx.id}, "username": {ada}, "password": {adaPass}}), tx))
		if c.AuthTime != clock.Now().Unix() || c.SID != first.SID {
			t.Errorf("%v: auth_time %d sid %q, want now %d in the same session", extra, c.AuthTime, c.SID, clock.Now().Unix())
		}
	}
}

// TestSessionStepsUpToMFA: a session without the second step, asked for multi-factor, goes
// straight to the code (no password), and comes back with mfa and a new auth_time; the next
// request for multi-factor reuses it silently.
func TestSessionStepsUpToMFA(t *testing.T) {
	h, box, clock := newMFAHarness(t, nil)
	a := h.agent(t)
	tx, _ := a.authorize(t, nil)
	first := h.claimsOf(t, tx, codeFrom(t, a.post(t, h.issuer+"login", url.Values{"id": {tx.id}, "username": {hal}, "password": {halPass}}), tx))

	clock.Add(5 * time.Minute)
	tx, page := a.authorize(t, mfaParams)
	if page.StatusCode != http.StatusOK || codeForm.FindStringSubmatch(page.body) == nil {
		t.Fatalf("multi-factor asked of a password session: %d, want the code page:\n%s", page.StatusCode, page.body)
	}
	c := h.claimsOf(t, tx, codeFrom(t, a.post(t, h.issuer+"login/code", url.Values{"id": {tx.id}, "code": {box.last(t, hal)}}), tx))
	if !slices.Equal(c.AMR, []string{"pwd", "mfa"}) || c.AuthTime != clock.Now().Unix() || c.SID != first.SID {
		t.Errorf("stepped up: %+v", c)
	}
	sent := box.count(hal)
	tx, resp := a.authorize(t, mfaParams)
	if c := h.claimsOf(t, tx, codeFrom(t, resp, tx)); !slices.Contains(c.AMR, "mfa") || box.count(hal) != sent {
		t.Errorf("reused MFA session: amr %v, %d more codes sent", c.AMR, box.count(hal)-sent)
	}
}
