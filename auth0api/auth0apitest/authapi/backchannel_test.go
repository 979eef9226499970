package authapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// logoutReceiver is a relying party's back-channel logout endpoint: it keeps every request.
type logoutReceiver struct {
	srv    *httptest.Server
	status int // the answer; 200 by default

	mu       sync.Mutex
	requests []receivedLogout
}

type receivedLogout struct {
	method, contentType, token string
	form                       url.Values
}

func newLogoutReceiver(t testing.TB) *logoutReceiver {
	rcv := &logoutReceiver{status: http.StatusOK}
	rcv.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		rcv.mu.Lock()
		rcv.requests = append(rcv.requests, receivedLogout{
			method: r.Method, contentType: r.Header.Get("Content-Type"),
			token: r.PostForm.Get("logout_token"), form: r.PostForm,
		})
		status := rcv.status
		rcv.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rcv.srv.Close)
	return rcv
}

func (rcv *logoutReceiver) take() []receivedLogout {
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	out := rcv.requests
	rcv.requests = nil
	return out
}

// newBCLHarness is an MFA harness whose client registered rcv as its back-channel logout URI,
// beside a second client ("other", also with a URI) that nobody signs in to.
func newBCLHarness(t testing.TB) (*harness, *logoutReceiver, *fakeClock) {
	rcv := newLogoutReceiver(t)
	h, _, clock := newMFAHarness(t, func(c *Config) {
		c.Clients[0].BackChannelLogoutURI = rcv.srv.URL + "/backchannel-logout"
		c.Clients = append(c.Clients, Client{ID: "other", Secret: "s", RedirectURIs: []string{"https://other.example/cb"},
			BackChannelLogoutURI: rcv.srv.URL + "/other"})
	})
	return h, rcv, clock
}

// signInAgent signs a new browser in with the password and returns it with the ID token's
// claims.
func signInAgent(t testing.TB, h *harness, email, password string) (*agent, idClaims) {
	t.Helper()
	a := h.agent(t)
	tx, _ := a.authorize(t, nil)
	resp := a.post(t, h.issuer+"login", url.Values{"id": {tx.id}, "username": {email}, "password": {password}})
	return a, h.claimsOf(t, tx, codeFrom(t, resp, tx))
}

// checkLogoutToken verifies a received logout token as a careful relying party would and
// returns its claims.
func checkLogoutToken(t testing.TB, h *harness, got receivedLogout, clock *fakeClock) map[string]any {
	t.Helper()
	if got.method != http.MethodPost || got.contentType != "application/x-www-form-urlencoded" || len(got.form) != 1 {
		t.Errorf("request: %s %q with fields %v, want a form POST of logout_token alone", got.method, got.contentType, got.form)
	}
	parts := strings.Split(got.token, ".")
	if len(parts) != 3 {
		t.Fatalf("logout token %q is not a JWS", got.token)
	}
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var header map[string]any
	if err := json.Unmarshal(hb, &header); err != nil {
		t.Fatal(err)
	}
	if header["typ"] != "JWT" || header["alg"] != "RS256" || header["kid"] == "" {
		t.Errorf("header %v, want typ JWT (as Auth0), alg RS256 and a kid", header)
	}
	keys := oidc.NewRemoteKeySet(t.Context(), h.issuer+".well-known/jwks.json")
	payload, err := keys.VerifySignature(t.Context(), got.token)
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	now := float64(clock.Now().Unix())
	if claims["iss"] != h.issuer || claims["aud"] != testClientID || claims["iat"] != now || claims["exp"] != now+120 {
		t.Errorf("iss %v aud %v iat %v exp %v", claims["iss"], claims["aud"], claims["iat"], claims["exp"])
	}
	if jti, _ := claims["jti"].(string); len(jti) < 16 {
		t.Errorf("jti %v", claims["jti"])
	}
	events, _ := claims["events"].(map[string]any)
	if ev, ok := events[BackChannelLogoutEvent].(map[string]any); !ok || len(ev) != 0 || len(events) != 1 {
		t.Errorf("events %v", claims["events"])
	}
	if _, ok := claims["nonce"]; ok {
		t.Error("a logout token with a nonce")
	}
	return claims
}

// TestBackChannelLogoutOnProviderLogout: /oidc/logout from the browser ends its provider
// session and sends the client a logout token that names the session and the person; the
// client nobody signed in to gets nothing, and the next sign-in needs the password again.
func TestBackChannelLogoutOnProviderLogout(t *testing.T) {
	h, rcv, clock := newBCLHarness(t)
	a, c := signInAgent(t, h, ada, adaPass)
	clock.Add(time.Minute)
	resp := a.get(t, h.issuer+"oidc/logout?"+url.Values{"client_id": {testClientID}, "post_logout_redirect_uri": {testLogoutURI}}.Encode())
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != testLogoutURI {
		t.Fatalf("logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	got := rcv.take()
	if len(got) != 1 {
		t.Fatalf("%d logout requests, want 1", len(got))
	}
	claims := checkLogoutToken(t, h, got[0], clock)
	if claims["sid"] != c.SID || claims["sub"] != c.Subject {
		t.Errorf("sid %v sub %v, want the ID token's %q %q", claims["sid"], claims["sub"], c.SID, c.Subject)
	}
	if len(h.p.Sessions(c.Subject)) != 0 {
		t.Error("the provider session is still live")
	}
	if _, page := a.authorize(t, nil); !strings.Contains(page.body, `id="password"`) {
		t.Errorf("after logout, /authorize did not ask for the password: %d", page.StatusCode)
	}
	// A logout without a provider session sends nothing.
	a.get(t, h.issuer+"oidc/logout?client_id="+testClientID)
	if got := rcv.take(); len(got) != 0 {
		t.Errorf("%d logout requests for no session", len(got))
	}
}

// TestEndSessions: an administrator ending a person's sessions ends exactly theirs, each with a
// logout token for its own sid; EndSession ends one by sid.
func TestEndSessions(t *testing.T) {
	h, rcv, clock := newBCLHarness(t)
	_, a1 := signInAgent(t, h, ada, adaPass)
	_, a2 := signInAgent(t, h, ada, adaPass)
	_, h1 := signInAgent(t, h, hal, halPass)
	if a1.SID == a2.SID || a1.SID == h1.SID {
		t.Fatalf("two browsers share a sid: %q %q %q", a1.SID, a2.SID, h1.SID)
	}
	if n := h.p.EndSessions(t.Context(), "auth0|admin1"); n != 2 {
		t.Errorf("EndSessions = %d, want 2", n)
	}
	sids := map[any]bool{}
	for _, got := range rcv.take() {
		claims := checkLogoutToken(t, h, got, clock)
		if claims["sub"] != "auth0|admin1" {
			t.Errorf("logout token for %v", claims["sub"])
		}
		sids[claims["sid"]] = true
	}
	if len(sids) != 2 || !sids[a1.SID] || !sids[a2.SID] {
		t.Errorf("logout tokens for sids %v, want %q and %q", sids, a1.SID, a2.SID)
	}
	if s := h.p.Sessions("auth0|help1"); len(s) != 1 || s[0].ID != h1.SID {
		t.Errorf("Hal's sessions = %+v, want his one", s)
	}
	if !h.p.EndSession(t.Context(), h1.SID) || h.p.EndSession(t.Context(), h1.SID) {
		t.Error("EndSession: want true once, then false")
	}
	if got := rcv.take(); len(got) != 1 {
		t.Errorf("%d logout requests for one ended session", len(got))
	}
}

// TestSignInAsSomeoneElseEndsTheSession: signing in as another person in the same browser
// replaces the provider session; the old one's clients are told.
func TestSignInAsSomeoneElseEndsTheSession(t *testing.T) {
	h, rcv, clock := newBCLHarness(t)
	a, first := signInAgent(t, h, ada, adaPass)
	tx, _ := a.authorize(t, url.Values{"prompt": {"login"}})
	resp := a.post(t, h.issuer+"login", url.Values{"id": {tx.id}, "username": {hal}, "password": {halPass}})
	second := h.claimsOf(t, tx, codeFrom(t, resp, tx))
	if second.SID == first.SID || second.Subject != "auth0|help1" {
		t.Errorf("new sign-in %+v kept the old session %q", second, first.SID)
	}
	got := rcv.take()
	if len(got) != 1 {
		t.Fatalf("%d logout requests, want 1", len(got))
	}
	if claims := checkLogoutToken(t, h, got[0], clock); claims["sid"] != first.SID || claims["sub"] != first.Subject {
		t.Errorf("logout token for %v/%v, want Ada's session", claims["sub"], claims["sid"])
	}
}

// TestBackChannelRefusalIsLogged: a client that refuses the token is logged, and the session
// ends regardless.
func TestBackChannelRefusalIsLogged(t *testing.T) {
	h, rcv, _ := newBCLHarness(t)
	rcv.status = http.StatusBadRequest
	_, c := signInAgent(t, h, ada, adaPass)
	if n := h.p.EndSessions(t.Context(), c.Subject); n != 1 {
		t.Fatalf("EndSessions = %d", n)
	}
	if !strings.Contains(h.logs.String(), "back-channel logout not accepted") || !strings.Contains(h.logs.String(), "status 400") {
		t.Errorf("refusal not logged:\n%s", h.logs.String())
	}
}

// TestLogoutTokenHasNoNonceAndCarriesWhatIsGiven: LogoutToken leaves out an empty sub or sid.
func TestLogoutTokenCarriesWhatIsGiven(t *testing.T) {
	h, _, clock := newBCLHarness(t)
	tok, err := h.p.LogoutToken(testClientID, "", "sid-1")
	if err != nil {
		t.Fatal(err)
	}
	claims := checkLogoutToken(t, h, receivedLogout{method: http.MethodPost, contentType: "application/x-www-form-urlencoded",
		token: tok, form: url.Values{"logout_token": {tok}}}, clock)
	if _, ok := claims["sub"]; ok || claims["sid"] != "sid-1" {
		t.Errorf("claims %v", claims)
	}
}
