package handlers

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSignIn is the whole sign-in through the real router against the emulated tenant.
func TestSignIn(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	auth := b.startSignIn(t, "/users?sort=name")
	signInCookie := a.txnCookie(t, b)
	cb := b.authorize(t, auth, testAccounts["admin"])
	resp, body := b.finishSignIn(t, cb)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/users?sort=name" {
		t.Fatalf("callback = %d to %q, want 302 to the return path:\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}

	// Cookies (checklist 19, 23): the session cookie is __Host-, Secure, HttpOnly, Lax, Path=/,
	// no Domain, small; the sign-in transaction cookie was the same with Max-Age ≤ 600, and is
	// expired by the callback.
	var session, txnGone bool
	for _, line := range resp.Header.Values("Set-Cookie") {
		if strings.Contains(strings.ToLower(line), "domain=") {
			t.Errorf("cookie with a Domain: %s", line)
		}
		if len(line) > 4096 {
			t.Errorf("cookie of %d bytes", len(line))
		}
		c, err := http.ParseSetCookie(line)
		must(t, err)
		switch c.Name {
		case "__Host-userdesk":
			session = true
			if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 || c.MaxAge > 8*3600 {
				t.Errorf("session cookie flags: %s", line)
			}
			if strings.Count(c.Value, "eyJ") > 0 {
				t.Errorf("session cookie looks like it holds a JWT: %s", c.Value)
			}
		case signInCookie.Name:
			txnGone = c.MaxAge < 0
		}
	}
	if !session || !txnGone {
		t.Errorf("callback Set-Cookie: session %v, sign-in cookie expired %v: %q", session, txnGone, resp.Header.Values("Set-Cookie"))
	}

	resp, body = b.get(t, "/users")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /users = %d:\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"Ada Admin", `data-role="admin"`, `action="/logout"`, `hx-headers="{&#34;X-CSRF-Token&#34;:`} {
		if !strings.Contains(body, want) {
			t.Errorf("users page lacks %q", want)
		}
	}
	if regexp.MustCompile(`eyJ[\w-]+\.[\w-]+\.`).MatchString(body) {
		t.Error("a JWT is in the page (checklist 15)")
	}

	events := a.auditEvents(t)
	if len(events) != 1 || events[0]["event"] != "session.signin" || events[0]["outcome"] != "success" {
		t.Fatalf("audit = %v, want one successful session.signin", events)
	}
	actor, _ := events[0]["actor"].(map[string]any)
	if actor["email"] != testAccounts["admin"] || !slices.Equal(anyStrings(actor["groups"]), []string{"admin"}) || actor["sub"] == "" {
		t.Errorf("audit actor = %v", actor)
	}
}

// TestSignInSessionHoldsNoTokens: the server-side session holds only the identity (checklist 29).
func TestSignInSessionHoldsNoTokens(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	rec, sess := a.sessionRecord(t, b)
	if len(sess.Values) != 1 {
		t.Errorf("session values = %v, want the record only", sess.Values)
	}
	id := identityOf(rec)
	if !slices.Equal(rec.Groups, []string{"helpdesk"}) || !slices.Equal(a.srv.staffOf(id).Groups(), []string{"helpdesk"}) || id.Email != testAccounts["helpdesk"] || id.Subject == "" || id.Issuer != a.Tenant.Issuer() {
		t.Errorf("identity = %+v", id)
	}
	if len(id.CSRFToken) < 43 {
		t.Errorf("CSRF token %q is shorter than 256 bits", id.CSRFToken)
	}
}

// TestAuthorizationRequest checks what /login sends to the provider (checklist 1, 2, 12, 15).
func TestAuthorizationRequest(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	seen := map[string]bool{}
	for range 2 {
		// Spoofed host headers must not change the redirect URI (it comes from the config).
		resp, _ := b.get(t, "/login", "X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "http")
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("GET /login = %d", resp.StatusCode)
		}
		u, err := url.Parse(resp.Header.Get("Location"))
		must(t, err)
		if !strings.HasPrefix(u.String(), a.Tenant.Issuer()+"authorize?") {
			t.Errorf("authorize URL %s is not the tenant's", u)
		}
		q := u.Query()
		want := map[string]string{
			"response_type":         "code",
			"client_id":             testClientID,
			"redirect_uri":          a.URL + "/callback",
			"scope":                 "openid profile email",
			"code_challenge_method": "S256",
		}
		for k, v := range want {
			if q.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, q.Get(k), v)
			}
		}
		for _, k := range []string{"state", "nonce", "code_challenge"} {
			v := q.Get(k)
			if raw, err := base64.RawURLEncoding.DecodeString(v); err != nil || len(raw) < 32 {
				t.Errorf("%s = %q, want at least 256 random bits", k, v)
			}
			if seen[v] {
				t.Errorf("%s %q repeats across sign-ins", k, v)
			}
			seen[v] = true
		}
	}
}

// TestSignInPKCEIsS256OfTheVerifier: the challenge sent is SHA-256 of the verifier kept
// server-side (checklist 1).
func TestSignInPKCEIsS256OfTheVerifier(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	auth := b.startSignIn(t, "")
	txn := a.storedTxn(t, b)
	sum := sha256.Sum256([]byte(txn.Verifier))
	if got, want := auth.Query().Get("code_challenge"), base64.RawURLEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("code_challenge = %q, want S256(verifier) %q", got, want)
	}
	if txn.State != auth.Query().Get("state") || txn.Nonce != auth.Query().Get("nonce") {
		t.Error("the stored state and nonce are not the ones sent")
	}
}

// TestSignInFailures: every broken step ends on a 400 page with "Sign in again", creates no
// session, is logged with its reason and audited as a failure.
func TestSignInFailures(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, a *testApp) // before the sign-in starts
		mangle func(t *testing.T, a *testApp, b *browser, auth, cb *url.URL) *url.URL
		reason string // in the log
	}{
		{name: "tampered state", reason: "state mismatch",
			mangle: func(t *testing.T, a *testApp, b *browser, auth, cb *url.URL) *url.URL {
				return withQuery(cb, "state", "AAAA"+cb.Query().Get("state")[4:])
			}},
		{name: "missing state", reason: "state mismatch",
			mangle: func(t *testing.T, a *testApp, b *browser, auth, cb *url.URL) *url.URL {
				return withQuery(cb, "state", "")
			}},
		{name: "no code", reason: "no code",
			mangle: func(t *testing.T, a *testApp, b *browser, auth, cb *url.URL) *url.URL {
				return withQuery(cb, "code", "")
			}},
		{name: "forged code", reason: "code exchange failed",
			mangle: func(t *testing.T, a *testApp, b *browser, auth, cb *url.URL) *url.URL {
				return withQuery(cb, "code", "forged")
			}},
		{name: "iss parameter of another issuer", reason: "iss parameter mismatch",
			mangle: func(t *testing.T, a *testApp, b *browser, auth, cb *url.URL) *url.URL {
				return withQuery(cb, "iss", "https://attacker.eu.auth0.com/")
			}},
		{name: "state of another browser's sign-in", reason: "state mismatch",
			mangle: func(t *testing.T, a *testApp, b *browser, auth, cb *url.URL) *url.URL {
				// The callback is delivered to a browser that started a sign-in of its own.
				other := a.newBrowser(t)
				other.startSignIn(t, "")
				*b = *other
				return cb
			}},
		{name: "no sign-in started in this browser", reason: "no sign-in in progress",
			mangle: func(t *testing.T, a *testApp, b *browser, auth, cb *url.URL) *url.URL {
				*b = *a.newBrowser(t)
				return cb
			}},
		{name: "sign-in too old", reason: "sign-in took too long|no sign-in in progress",
			mangle: func(t *testing.T, a *testApp, b *browser, auth, cb *url.URL) *url.URL {
				a.Clock.Advance(11 * time.Minute)
				return cb
			}},
		{name: "wrong PKCE verifier", reason: "code exchange failed",
			mangle: func(t *testing.T, a *testApp, b *browser, auth, cb *url.URL) *url.URL {
				a.editTxn(t, b, func(txn *signInTxn) { txn.Verifier = strings.Repeat("x", 43) })
				return cb
			}},
		{name: "wrong nonce", reason: "nonce mismatch",
			setup: tamper(func(c map[string]any) { c["nonce"] = "not-the-nonce" })},
		{name: "no nonce", reason: "nonce mismatch",
			setup: tamper(func(c map[string]any) { delete(c, "nonce") })},
		{name: "wrong issuer", reason: "id token rejected",
			setup: tamper(func(c map[string]any) { c["iss"] = "https://attacker.eu.auth0.com/" })},
		{name: "other audience", reason: "id token rejected",
			setup: tamper(func(c map[string]any) { c["aud"] = "other-client" })},
		{name: "several audiences without azp", reason: "azp check failed",
			setup: tamper(func(c map[string]any) { c["aud"] = []any{testClientID, "x"}; delete(c, "azp") })},
		{name: "azp of another client", reason: "azp check failed",
			setup: tamper(func(c map[string]any) { c["azp"] = "x" })},
		{name: "expired ID token", reason: "id token rejected",
			setup: tamper(func(c map[string]any) { c["exp"] = time.Now().Add(-2 * time.Hour).Unix() })},
		{name: "ID token issued in the future", reason: "id token issued in the future",
			setup: tamper(func(c map[string]any) { c["iat"] = time.Now().Add(time.Hour).Unix() })},
		{name: "alg none", reason: "id token rejected",
			setup: replace(func(tok string) string {
				parts := strings.Split(tok, ".")
				return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
			})},
		{name: "garbage ID token", reason: "id token rejected",
			setup: replace(func(string) string { return strings.Repeat(".", 1<<16) })},
		{name: "provider error with markup", reason: "provider error",
			mangle: func(t *testing.T, a *testApp, b *browser, auth, cb *url.URL) *url.URL {
				u := *cb
				u.RawQuery = url.Values{
					"error":             {`<img src=x onerror=alert(1)>`},
					"error_description": {`<script>alert(1)</script>`},
					"state":             {cb.Query().Get("state")},
				}.Encode()
				return &u
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			if tt.setup != nil {
				tt.setup(t, a)
			}
			b := a.newBrowser(t)
			auth := b.startSignIn(t, "")
			cb := b.authorize(t, auth, testAccounts["admin"])
			if tt.mangle != nil {
				cb = tt.mangle(t, a, b, auth, cb)
			}
			resp, body := b.finishSignIn(t, cb)
			wantSignInFailed(t, a, b, resp, body, tt.reason)
		})
	}
}

// TestSignInMissingPKCE: an authorization request stripped of its PKCE challenge does not sign
// anyone in: the provider refuses it (as Auth0 does for this client), and the dashboard shows
// the refusal.
func TestSignInMissingPKCE(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	auth := b.startSignIn(t, "")
	auth = withQuery(withQuery(auth, "code_challenge", ""), "code_challenge_method", "")
	resp, body := b.follow(t, auth.String())
	wantSignInFailed(t, a, b, resp, body, "provider error")
	if !strings.Contains(body, "(invalid_request)") {
		t.Errorf("the provider's error code is not shown:\n%s", body)
	}
}

// TestSignInReplayedCallback: a callback URL works once (checklist 2c).
func TestSignInReplayedCallback(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	cb := b.authorize(t, b.startSignIn(t, ""), testAccounts["viewer"])
	resp, _ := b.finishSignIn(t, cb)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("first callback = %d", resp.StatusCode)
	}
	// Replayed in the same browser, and in a fresh one.
	for _, replay := range []*browser{b, a.newBrowser(t)} {
		a.Audit.Reset()
		a.Logs.Reset()
		resp, body := replay.finishSignIn(t, cb)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Sign in again") {
			t.Errorf("replayed callback = %d", resp.StatusCode)
		}
		if !strings.Contains(a.Logs.String(), "no sign-in in progress") {
			t.Errorf("replay not logged with its reason:\n%s", a.Logs.String())
		}
	}
}

// TestSignInExpiredByTheDashboardsClock: an ID token already expired by the dashboard's clock
// is refused.
func TestSignInExpiredByTheDashboardsClock(t *testing.T) {
	tenantClock := newTestClock()
	a := newTestApp(t, func(o *appOptions) { o.tenantNow = tenantClock.Now })
	a.Clock.Advance(25 * time.Hour) // beyond the ID token's lifetime
	b := a.newBrowser(t)
	cb := b.authorize(t, b.startSignIn(t, ""), testAccounts["admin"])
	resp, body := b.finishSignIn(t, cb)
	wantSignInFailed(t, a, b, resp, body, "id token rejected")
	if !strings.Contains(a.Logs.String(), "token is expired") && !strings.Contains(a.Logs.String(), "expired") {
		t.Errorf("the reason is not the expiry:\n%s", a.Logs.String())
	}
}

// TestSignInUnmappedRole: a person whose claim maps to no dashboard role signs in, but every
// page is a 403 that says who they are.
func TestSignInUnmappedRole(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "none")
	a.Tenant.ResetCalls()
	a.Audit.Reset()
	resp, body := b.follow(t, "/")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("GET / as no-role = %d, want 403", resp.StatusCode)
	}
	for _, want := range []string{"Not allowed", "Nico Norole", "nobody@userdesk.test", "no userdesk role", "Sign out"} {
		if !strings.Contains(body, want) {
			t.Errorf("403 page lacks %q", want)
		}
	}
	if calls := a.Tenant.Calls(); len(calls) != 0 {
		t.Errorf("refused request made Management API calls: %v", calls)
	}
	events := a.auditEvents(t)
	if len(events) != 1 || events[0]["outcome"] != "denied" {
		t.Errorf("audit = %v, want one denied event", events)
	}
}

// TestSignInReturnTo: the return path survives the sign-in only when it is a local path
// (checklist 13, through the whole flow).
func TestSignInReturnTo(t *testing.T) {
	a := newTestApp(t)
	tests := map[string]string{
		"/users?page=2":                      "/users?page=2",
		"//evil.example":                     "/",
		"https://evil.example":               "/",
		`/\evil.example`:                     "/",
		"/%09/evil.example":                  "/",
		"javascript:alert(1)":                "/",
		"/callback":                          "/",
		"https://" + a.URL[len("https://"):]: "/",
	}
	for returnTo, want := range tests {
		b := a.newBrowser(t)
		cb := b.authorize(t, b.startSignIn(t, returnTo), testAccounts["viewer"])
		resp, _ := b.finishSignIn(t, cb)
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || got != want {
			t.Errorf("return_to %q: callback = %d to %q, want %q", returnTo, resp.StatusCode, got, want)
		}
	}
}

// TestSignInNoFixation: a session cookie planted in the browser before sign-in is not the one
// after, and it no longer works (checklist 21).
func TestSignInNoFixation(t *testing.T) {
	a := newTestApp(t)
	attacker := a.signIn(t, "viewer")
	planted := attacker.cookie("__Host-userdesk")

	victim := a.newBrowser(t)
	u, _ := url.Parse(a.URL)
	victim.jar.SetCookies(u, []*http.Cookie{{Name: planted.Name, Value: planted.Value, Path: "/", Secure: true}})
	cb := victim.authorize(t, victim.startSignIn(t, ""), testAccounts["admin"])
	resp, _ := victim.finishSignIn(t, cb)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("callback = %d", resp.StatusCode)
	}
	now := victim.cookie("__Host-userdesk")
	if now == nil || now.Value == planted.Value {
		t.Fatal("the session cookie was not renewed at sign-in")
	}
	if resp, _ := attacker.get(t, "/users"); resp.StatusCode != http.StatusFound {
		t.Errorf("the planted session still works: %d", resp.StatusCode)
	}
	if resp, body := victim.get(t, "/users"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-role="admin"`) {
		t.Errorf("victim's new session: %d", resp.StatusCode)
	}
}

// TestSignInEmailFromUserinfo: when the ID token has no e-mail, userinfo provides it.
func TestSignInEmailFromUserinfo(t *testing.T) {
	a := newTestApp(t)
	tamper(func(c map[string]any) { delete(c, "email"); delete(c, "email_verified") })(t, a)
	b := a.signIn(t, "helpdesk")
	_, body := b.get(t, "/users")
	if !strings.Contains(body, "Hal Helpdesk") {
		t.Error("the person is not shown")
	}
	id := a.sessionIdentity(t, b)
	if id.Email != testAccounts["helpdesk"] {
		t.Errorf("e-mail = %q, want it from userinfo", id.Email)
	}
}

// wantSignInFailed checks a failed callback: 400, a "Sign in again" link, no session, the reason
// logged, a failure audited.
func wantSignInFailed(t *testing.T, a *testApp, b *browser, resp *http.Response, body, reason string) {
	t.Helper()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("callback = %d, want 400:\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `href="/login"`) || !strings.Contains(body, "Sign in again") {
		t.Error("no Sign in again link")
	}
	for _, bad := range []string{"<img src=x", "<script>alert", "goroutine", "oidc:", "eyJ"} {
		if strings.Contains(body, bad) {
			t.Errorf("the error page shows %q", bad)
		}
	}
	for _, line := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, "__Host-userdesk=") && !strings.Contains(line, "Max-Age=0") {
			t.Errorf("a session cookie was set: %s", line)
		}
	}
	if r, _ := b.get(t, "/users"); r.StatusCode != http.StatusFound {
		t.Errorf("after a failed sign-in GET /users = %d, want a redirect to sign in", r.StatusCode)
	}
	logged := false
	for _, r := range strings.Split(reason, "|") {
		logged = logged || strings.Contains(a.Logs.String(), `"reason":"`+r+`"`)
	}
	if !logged {
		t.Errorf("log lacks reason %q:\n%s", reason, a.Logs.String())
	}
	var failed bool
	for _, ev := range a.auditEvents(t) {
		if ev["event"] == "session.signin" {
			if ev["outcome"] != "failure" {
				t.Errorf("audited %v", ev)
			}
			failed = true
		}
	}
	if !failed {
		t.Error("the failure is not audited")
	}
}

// tamper returns a setup that edits the claims of every ID token the tenant issues.
func tamper(f func(claims map[string]any)) func(t *testing.T, a *testApp) {
	return func(t *testing.T, a *testApp) {
		a.provider(t).TamperIDTokens(f)
	}
}

// replace returns a setup that swaps every ID token the tenant issues for f(token).
func replace(f func(idToken string) string) func(t *testing.T, a *testApp) {
	return func(t *testing.T, a *testApp) {
		a.provider(t).ReplaceIDTokens(f)
	}
}

// withQuery returns u with the query parameter k set to v ("" removes it).
func withQuery(u *url.URL, k, v string) *url.URL {
	out := *u
	q := out.Query()
	if v == "" {
		q.Del(k)
	} else {
		q.Set(k, v)
	}
	out.RawQuery = q.Encode()
	return &out
}

// TestSignInAfterKeyRotation: when the provider signs with a new key, the dashboard fetches it.
func TestSignInAfterKeyRotation(t *testing.T) {
	a := newTestApp(t)
	a.signIn(t, "viewer")
	a.provider(t).RotateKeys()
	a.provider(t).RotateKeys() // the first key is no longer published
	a.signIn(t, "admin")
}
