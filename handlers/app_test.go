package handlers

// Test support shared by every handler test: a test app (the real router, the real auth0api
// client, the emulated tenant with its OIDC provider, an injected clock, captured logs and audit
// events) and a browser (an HTTP client with a cookie jar that does not follow redirects by
// itself) that signs in through the real OIDC flow.
//
//	a := newTestApp(t)
//	b := a.signIn(t, "helpdesk")
//	resp, body := b.get(t, "/users")

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"userdesk/audit"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/auth0api/auth0apitest/authapi"
	"userdesk/handlers/limits"
	"userdesk/handlers/sessionstore"
)

// The staff accounts of the test tenant: one per dashboard role, and one with no role.
const (
	testPassword  = "correct horse battery staple"
	testClientID  = "userdesk-test"
	testSecret    = "userdesk-test-secret"
	testRoleClaim = "https://userdesk.example/roles"
)

// testRoles are the sign-in personas: a dashboard role name (or "none") → staff e-mail.
var testAccounts = map[string]string{
	"admin":    "admin@userdesk.test",
	"helpdesk": "helpdesk@userdesk.test",
	"viewer":   "viewer@userdesk.test",
	"emea":     "emea@userdesk.test",
	"none":     "nobody@userdesk.test",
}

// testStaffRoles are the tenant roles each persona holds (their role claim's values). "emea"
// is in no group of the built-in policy; tests that give a policy with a regional helpdesk
// (matrixPolicy) make them one.
var testStaffRoles = map[string][]string{
	"admin":    {"userdesk-admin"},
	"helpdesk": {"userdesk-helpdesk", "unrelated"},
	"viewer":   {"userdesk-viewer"},
	"emea":     {"userdesk-helpdesk-emea"},
	"none":     {"customer"},
}

// testClock is an injectable clock shared by the tenant and the dashboard.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (loggers).
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
func (b *syncBuffer) Reset()         { b.mu.Lock(); b.buf.Reset(); b.mu.Unlock() }

// codeBox keeps the one-time codes the tenant's second step sends, by e-mail: the test's
// stand-in for the staff member's phone.
type codeBox struct {
	mu    sync.Mutex
	codes map[string][]string
}

func (b *codeBox) send(_ context.Context, acct authapi.Account, code string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.codes == nil {
		b.codes = map[string][]string{}
	}
	b.codes[strings.ToLower(acct.Email)] = append(b.codes[strings.ToLower(acct.Email)], code)
}

// last returns the latest code sent to email, or "".
func (b *codeBox) last(email string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.codes[strings.ToLower(email)]
	if len(c) == 0 {
		return ""
	}
	return c[len(c)-1]
}

// testApp is the dashboard under test, served over TLS (so cookies are __Host- and Secure, as in
// production), in front of an emulated tenant whose sign-in has a one-time-code second step and
// sends back-channel logouts to the dashboard.
type testApp struct {
	URL       string // the dashboard's base URL
	Tenant    *auth0apitest.Tenant
	TenantURL string
	Clock     *testClock  // the dashboard's clock (the tenant's too, unless TenantClock is set)
	Audit     *syncBuffer // the JSON audit log's lines
	Logs      *syncBuffer
	// AuditDB is the audit store (in-memory SQLite) and Recorder writes it and the log.
	AuditDB   *audit.DB
	Recorder  *audit.Recorder
	Codes     *codeBox // the one-time codes the tenant sent
	srv       *server  // the dashboard (with replicas: the first one)
	replicas  *replicaSet
	tlsConfig *tls.Config
}

// appOptions adjust a test app.
type appOptions struct {
	// config edits the handlers' Config before New.
	config func(*Config)
	// tenant edits the tenant's Options before it starts.
	tenant func(*auth0apitest.Options)
	// tenantNow gives the tenant its own clock (default: the app's).
	tenantNow func() time.Time
	// client edits the Management API client's Config (retries off by default).
	client func(*auth0api.Config)
	// singleFactor turns multi-factor off: the dashboard allows password-only sign-ins and the
	// tenant enables no second factor. For tests about something else only; the default tests
	// run with MFA on.
	singleFactor bool
	// limits replaces the per-person limits (nil: the defaults).
	limits *Limits
	// replicas, when not empty, names the dashboards to run behind a round-robin proxy
	// (replicas_test.go) instead of one; stores gives each its session store, limiter and
	// replay cache (nil: each its own, in memory).
	replicas []string
	stores   func(t testing.TB, replica string, now func() time.Time) replicaStores
}

// manyChanges raises the per-person change limit, for tests that make more changes than a
// person may in a minute of the test clock (the limits have tests of their own).
func manyChanges(o *appOptions) {
	l := DefaultLimits()
	l.Changes = limits.Rule{Rate: 100_000, Per: time.Minute}
	o.limits = &l
}

// singleFactor is the option that turns multi-factor off (see appOptions.singleFactor).
func singleFactor(o *appOptions) { o.singleFactor = true }

// newTestApp starts a tenant and the dashboard. Logs and audit events are captured (and the logs
// printed when the test fails).
func newTestApp(t testing.TB, opts ...func(*appOptions)) *testApp {
	t.Helper()
	var o appOptions
	for _, f := range opts {
		f(&o)
	}
	a := &testApp{Clock: newTestClock(), Audit: &syncBuffer{}, Logs: &syncBuffer{}, Codes: &codeBox{}}
	// The tenant's back-channel logouts reach the dashboard over TLS: its transport is set once
	// the dashboard's certificate exists, before any request.
	backChannel := &http.Client{Timeout: 5 * time.Second}

	dash := httptest.NewUnstartedServer(nil)
	dashURL := "https://" + dash.Listener.Addr().String()
	tenantNow := a.Clock.Now
	if o.tenantNow != nil {
		tenantNow = o.tenantNow
	}
	tOpts := auth0apitest.Options{
		Users: 30,
		Seed:  7,
		Now:   tenantNow,
		Clients: []auth0apitest.Client{{
			ID: testClientID, Secret: testSecret,
			RedirectURIs:           []string{dashURL + "/callback"},
			PostLogoutRedirectURIs: []string{dashURL + "/signed-out"},
			BackChannelLogoutURI:   dashURL + "/backchannel-logout",
		}},
		BackChannel: backChannel,
		Staff: []auth0apitest.StaffAccount{
			{Email: testAccounts["admin"], Password: testPassword, Name: "Ada Admin", Roles: testStaffRoles["admin"]},
			{Email: testAccounts["helpdesk"], Password: testPassword, Name: "Hal Helpdesk", Roles: testStaffRoles["helpdesk"]},
			{Email: testAccounts["viewer"], Password: testPassword, Name: "Vera Viewer", Roles: testStaffRoles["viewer"]},
			{Email: testAccounts["emea"], Password: testPassword, Name: "Erin Emea", Roles: testStaffRoles["emea"]},
			{Email: testAccounts["none"], Password: testPassword, Name: "Nico Norole", Roles: testStaffRoles["none"]},
		},
		RoleClaim: testRoleClaim,
	}
	if !o.singleFactor {
		tOpts.SecondFactor = authapi.SecondFactor{Send: a.Codes.send}
	}
	if o.tenant != nil {
		o.tenant(&tOpts)
	}
	tenant, tenantSrv := auth0apitest.NewServer(t, tOpts)
	db, err := audit.OpenSQLite(t.Context(), audit.Memory, audit.Options{Now: a.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	a.AuditDB = db
	a.Recorder = audit.NewRecorder(audit.RecorderOptions{Now: a.Clock.Now,
		Sinks: []audit.Sink{db, audit.NewLogSink(slog.New(slog.NewJSONHandler(a.Audit, nil)))}})
	a.Tenant, a.TenantURL = tenant, tenantSrv.URL

	mcfg := auth0api.Config{
		BaseURL: tenantSrv.URL + "/api/v2",
		Token:   tenant.Token(auth0apitest.AllScopes...),
		Retries: -1,
	}
	if o.client != nil {
		o.client(&mcfg)
	}
	users, err := auth0api.New(mcfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Users:   users,
		BaseURL: dashURL,
		OIDC: OIDCConfig{
			Issuer:       tenant.Issuer(),
			ClientID:     testClientID,
			ClientSecret: testSecret,
			HTTPClient:   &http.Client{Timeout: 5 * time.Second},
			RetryEvery:   50 * time.Millisecond,
		},
		Roles: RoleMapping{
			Claim:    testRoleClaim,
			Admin:    []string{"userdesk-admin"},
			Helpdesk: []string{"userdesk-helpdesk"},
			Viewer:   []string{"userdesk-viewer"},
		},
		SessionSecrets:    [][]byte{[]byte("test-session-secret-0123456789abcdef")},
		IdleTimeout:       30 * time.Minute,
		AbsoluteTimeout:   8 * time.Hour,
		Static:            os.DirFS("../static"),
		Logger:            slog.New(slog.NewJSONHandler(a.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Audit:             a.Recorder,
		AuditTrail:        a.AuditDB,
		Now:               a.Clock.Now,
		Version:           "test",
		AllowSingleFactor: o.singleFactor,
	}
	cfg.Limits = o.limits
	if o.config != nil {
		o.config(&cfg)
	}
	if len(o.replicas) > 0 {
		a.startReplicas(t, dash, cfg, o)
	} else {
		s, err := newServer(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		a.srv = s
		dash.Config.Handler = s.e
	}
	dash.StartTLS()
	t.Cleanup(dash.Close)
	a.URL = dash.URL
	a.tlsConfig = dash.Client().Transport.(*http.Transport).TLSClientConfig
	backChannel.Transport = &http.Transport{TLSClientConfig: a.tlsConfig}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dashboard logs:\n%s", a.Logs.String())
		}
	})
	return a
}

// auditEvents returns the audit events written so far.
func (a *testApp) auditEvents(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(a.Audit.String()))
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("audit line is not JSON: %q", sc.Text())
		}
		out = append(out, ev)
	}
	return out
}

// browser is an HTTP client with a cookie jar. It never follows redirects by itself.
type browser struct {
	app    *testApp
	client *http.Client
	jar    http.CookieJar
}

// newBrowser returns a browser with an empty cookie jar.
func (a *testApp) newBrowser(t testing.TB) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{app: a, jar: jar, client: &http.Client{
		Jar:       jar,
		Transport: &http.Transport{TLSClientConfig: a.tlsConfig},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// abs resolves a path against the dashboard's URL.
func (b *browser) abs(u string) string {
	if strings.HasPrefix(u, "/") {
		return b.app.URL + u
	}
	return u
}

// do sends a request and returns the response with its body read.
func (b *browser) do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// get sends a GET with optional header pairs ("HX-Request", "true", …).
func (b *browser) get(t testing.TB, u string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, b.abs(u), nil)
	if err != nil {
		t.Fatal(err)
	}
	setHeaders(req, headers)
	return b.do(t, req)
}

// send sends a request with a form body (nil = none) and optional header pairs. For a
// same-origin request like a browser's, pass "Origin", b.app.URL.
func (b *browser) send(t testing.TB, method, u string, form url.Values, headers ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, b.abs(u), body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	setHeaders(req, headers)
	return b.do(t, req)
}

// follow GETs u and follows redirects (up to 10), returning the last response.
func (b *browser) follow(t testing.TB, u string) (*http.Response, string) {
	t.Helper()
	u = b.abs(u)
	for range 10 {
		resp, body := b.get(t, u)
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			return resp, body
		}
		next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		u = next.String()
	}
	t.Fatalf("too many redirects from %s", u)
	return nil, ""
}

func setHeaders(req *http.Request, kv []string) {
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Set(kv[i], kv[i+1])
	}
}

// loginForm matches the tenant's login form (and its code form): its action and the sign-in id.
var (
	loginAction = regexp.MustCompile(`<form class="login" method="post" action="([^"]+)">`)
	loginID     = regexp.MustCompile(`<input type="hidden" name="id" value="([^"]+)">`)
)

// startSignIn GETs /login (with a return path when not empty) and returns the authorize URL
// the dashboard redirected to.
func (b *browser) startSignIn(t testing.TB, returnTo string) *url.URL {
	t.Helper()
	u := "/login"
	if returnTo != "" {
		u += "?return_to=" + url.QueryEscape(returnTo)
	}
	resp, body := b.get(t, u)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET %s = %d, want 302\n%s", u, resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// authorize follows the authorize URL through the tenant's pages as email would: the login
// page (password), then the second step's code page when the tenant asks for it (the code
// comes from a.Codes, the staff member's "phone"). It returns the URL the tenant sends the
// browser back to (the dashboard's /callback), without visiting it.
func (b *browser) authorize(t testing.TB, authorizeURL *url.URL, email string) *url.URL {
	t.Helper()
	resp, body := b.get(t, authorizeURL.String())
	for range 10 {
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(next.String(), b.app.URL+"/") {
				return next
			}
			resp, body = b.get(t, next.String())
		case resp.StatusCode == http.StatusOK:
			action, id := loginAction.FindStringSubmatch(body), loginID.FindStringSubmatch(body)
			if action == nil || id == nil {
				t.Fatalf("no form at %s:\n%s", resp.Request.URL, body)
			}
			formURL, err := resp.Request.URL.Parse(htmlUnescape(action[1]))
			if err != nil {
				t.Fatal(err)
			}
			form := url.Values{"id": {htmlUnescape(id[1])}}
			if strings.HasSuffix(formURL.Path, "/login/code") {
				form.Set("code", b.app.Codes.last(email))
			} else {
				form.Set("username", email)
				form.Set("password", testPassword)
			}
			resp, body = b.send(t, http.MethodPost, formURL.String(), form)
		default:
			t.Fatalf("sign-in as %s ended with %d at %s:\n%s", email, resp.StatusCode, resp.Request.URL, body)
		}
	}
	t.Fatal("the tenant never redirected back to the dashboard")
	return nil
}

// finishSignIn visits the callback URL and returns the answer.
func (b *browser) finishSignIn(t testing.TB, callback *url.URL) (*http.Response, string) {
	t.Helper()
	return b.get(t, callback.String())
}

// signIn signs a new browser in as the persona ("admin", "helpdesk", "viewer" or "none")
// through the whole OIDC flow, and fails the test unless it lands on the return path.
func (a *testApp) signIn(t testing.TB, persona string) *browser {
	t.Helper()
	email, ok := testAccounts[persona]
	if !ok {
		t.Fatalf("no test account for %q", persona)
	}
	b := a.newBrowser(t)
	cb := b.authorize(t, b.startSignIn(t, ""), email)
	resp, body := b.finishSignIn(t, cb)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Fatalf("callback as %s = %d to %q, want 302 to /:\n%s", persona, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return b
}

// csrfToken reads the session's CSRF token from a page (the sign-out form's _csrf field, which
// every page of a signed-in person has, the 403 page included).
func (b *browser) csrfToken(t testing.TB) string {
	t.Helper()
	resp, body := b.follow(t, "/users")
	if m := csrfInPage.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	t.Fatalf("no CSRF token in the page (status %d):\n%s", resp.StatusCode, body)
	return ""
}

var csrfInPage = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// cookie returns the browser's cookie called name for the dashboard, or nil.
func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.app.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// htmlUnescape undoes the escaping html/template applies to attribute values.
func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// sameOriginHeaders are what a browser adds to a same-origin form POST or htmx request.
func (b *browser) sameOriginHeaders() []string {
	return []string{"Origin", b.app.URL, "Sec-Fetch-Site", "same-origin"}
}

// must fails the test when err is not nil.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mapFS builds a small in-memory file system from name → content.
type mapFS map[string]string

func (m mapFS) Open(name string) (fs.File, error) {
	fsys := fstest.MapFS{}
	for k, v := range m {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys.Open(name)
}

// provider returns the tenant's OIDC provider, for its test knobs.
func (a *testApp) provider(t testing.TB) *authapi.Provider {
	t.Helper()
	p := a.Tenant.Provider()
	if p == nil {
		t.Fatal("the tenant has no sign-in side")
	}
	return p
}

// txnCookie returns the browser's one sign-in transaction cookie.
func (a *testApp) txnCookie(t testing.TB, b *browser) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(a.URL)
	var found []*http.Cookie
	for _, c := range b.jar.Cookies(u) {
		if strings.HasPrefix(c.Name, a.srv.signInName+"-") {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d sign-in cookies, want 1", len(found))
	}
	return found[0]
}

// storedTxn returns the sign-in transaction sealed in the browser's cookie.
func (a *testApp) storedTxn(t testing.TB, b *browser) signInTxn {
	t.Helper()
	txn, ok := a.srv.txns.open(a.txnCookie(t, b))
	if !ok {
		t.Fatal("the sign-in cookie does not open")
	}
	return txn
}

// editTxn changes the sign-in transaction sealed in the browser's cookie (resealed, as only
// the server could).
func (a *testApp) editTxn(t testing.TB, b *browser, f func(*signInTxn)) {
	t.Helper()
	c := a.txnCookie(t, b)
	txn, ok := a.srv.txns.open(c)
	if !ok {
		t.Fatal("the sign-in cookie does not open")
	}
	f(&txn)
	value, err := securecookie.EncodeMulti(c.Name, txn, a.srv.txns.codecs...)
	must(t, err)
	u, _ := url.Parse(a.URL)
	b.jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: value, Path: "/", Secure: true, HttpOnly: true}})
}

// sessionIdentity returns the identity the server keeps for the browser's session.
func (a *testApp) sessionIdentity(t testing.TB, b *browser) identity {
	t.Helper()
	rec, _ := a.sessionRecord(t, b)
	return identityOf(rec)
}

// sessionRecord returns the record the server keeps for the browser's session, and the
// session (to change and save it, as time passing would).
func (a *testApp) sessionRecord(t testing.TB, b *browser) (sessionstore.Record, *sessions.Session) {
	t.Helper()
	c := b.cookie(a.srv.cookieName)
	if c == nil {
		t.Fatal("no session cookie")
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(c)
	sess, err := a.srv.cookies.Get(r, a.srv.cookieName)
	must(t, err)
	rec, ok := recordOf(sess)
	if !ok {
		t.Fatal("no identity in the session")
	}
	return rec, sess
}

// storedSessions counts the sessions in the dashboard's store (sign-ins in progress are
// sealed in their cookies and keep nothing on the server).
func (a *testApp) storedSessions(t testing.TB) int {
	t.Helper()
	n, err := a.srv.sessions.Count(t.Context())
	must(t, err)
	return n
}
