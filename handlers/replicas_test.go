package handlers

// Several replicas (issue 14): dashboards that share Redis behind a load balancer without
// affinity behave as one. The test app runs two dashboard servers (each built by newServer from
// the same Config, each with its own connection pool to Redis, as two processes would) behind a
// loopback round-robin proxy (internal/roundrobin) that serves the base URL over TLS and names the
// replica that answered in X-Backend. A replica can be stopped (its listener closed, its Redis
// pool too) and started again as a new server, empty but for what Redis holds.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
	"userdesk/handlers/limits"
	"userdesk/handlers/sessionstore"
	"userdesk/internal/redistest"
	"userdesk/internal/roundrobin"
	"userdesk/redisstore"
)

// replicaStores are what one replica keeps its shared state in.
type replicaStores struct {
	Sessions sessionstore.Store
	Limiter  limits.Limiter
	Replay   ReplayCache
	close    func()
}

// replica is one running dashboard.
type replica struct {
	srv    *server
	http   *httptest.Server
	stores replicaStores
}

// replicaSet is the test app's replicas and the proxy in front of them.
type replicaSet struct {
	mu     sync.Mutex
	cfg    Config
	stores func(t testing.TB, replica string, now func() time.Time) replicaStores
	front  *roundrobin.Proxy
	byName map[string]*replica
}

// backendHeader names the replica that answered.
const backendHeader = "X-Backend"

// withReplicas runs the named replicas behind the proxy; stores gives each its stores (nil:
// each its own memory).
func withReplicas(stores func(t testing.TB, replica string, now func() time.Time) replicaStores, names ...string) func(*appOptions) {
	return func(o *appOptions) { o.replicas, o.stores = names, stores }
}

// redisStores is a replica's stores on srv: its own connection pool, the shared prefix, the
// dashboard's clock (for the records' time to live).
func redisStores(srv *redistest.Server) func(t testing.TB, replica string, now func() time.Time) replicaStores {
	return func(t testing.TB, replica string, now func() time.Time) replicaStores {
		db, err := redisstore.Open(redisstore.Options{URL: srv.URL(0), Prefix: "e2e:", Timeout: 300 * time.Millisecond, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return replicaStores{Sessions: db.Sessions(), Limiter: db.Limits(), Replay: db.Replay(), close: func() { db.Close() }}
	}
}

// startReplicas starts the replicas and puts the proxy on dash, the base URL's listener.
func (a *testApp) startReplicas(t testing.TB, dash *httptest.Server, cfg Config, o appOptions) {
	t.Helper()
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	a.replicas = &replicaSet{cfg: cfg, stores: o.stores, byName: map[string]*replica{}}
	var backends []roundrobin.Backend
	for _, name := range o.replicas {
		r := a.replicas.start(t, name)
		backends = append(backends, roundrobin.Backend{Name: name, URL: mustParseURL(t, r.http.URL)})
		if a.srv == nil {
			a.srv = r.srv
		}
	}
	front, err := roundrobin.New(roundrobin.Options{Backends: backends, BackendHeader: backendHeader})
	if err != nil {
		t.Fatal(err)
	}
	a.replicas.front = front
	dash.Config.Handler = front
	t.Cleanup(func() {
		for name := range a.replicas.byName {
			a.stopReplica(name)
		}
	})
}

func mustParseURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// start builds and serves a replica.
func (rs *replicaSet) start(t testing.TB, name string) *replica {
	t.Helper()
	cfg := rs.cfg
	r := &replica{}
	if rs.stores != nil {
		r.stores = rs.stores(t, name, cfg.Now)
		cfg.Sessions, cfg.Limiter, cfg.Replay = r.stores.Sessions, r.stores.Limiter, r.stores.Replay
	}
	s, err := newServer(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.srv, r.http = s, httptest.NewServer(s.e)
	rs.mu.Lock()
	rs.byName[name] = r
	rs.mu.Unlock()
	return r
}

// stopReplica stops a replica as a killed process stops: its listener and connections close,
// and its memory is gone.
func (a *testApp) stopReplica(name string) {
	a.replicas.mu.Lock()
	r := a.replicas.byName[name]
	delete(a.replicas.byName, name)
	a.replicas.mu.Unlock()
	if r == nil {
		return
	}
	r.http.CloseClientConnections()
	r.http.Close()
	if r.stores.close != nil {
		r.stores.close()
	}
}

// restartReplica starts a new server under the replica's name (on a new port, which the proxy
// learns, as a load balancer's health checks would).
func (a *testApp) restartReplica(t *testing.T, name string) {
	t.Helper()
	r := a.replicas.start(t, name)
	a.replicas.front.SetBackend(name, mustParseURL(t, r.http.URL))
}

// sendTo sends a request straight to one replica, past the proxy, with the browser's cookies for
// the dashboard and the Host and forwarding headers the proxy would add: to act "on B" exactly.
// It does not store the answer's cookies.
func (b *browser) sendTo(t *testing.T, replica, method, path string, form url.Values, headers ...string) (*http.Response, string) {
	t.Helper()
	b.app.replicas.mu.Lock()
	r := b.app.replicas.byName[replica]
	b.app.replicas.mu.Unlock()
	if r == nil {
		t.Fatalf("replica %s is not running", replica)
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, r.http.URL+path, body)
	must(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	front := mustParseURL(t, b.app.URL)
	req.Host = front.Host
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-For", "127.0.0.1")
	for _, c := range b.jar.Cookies(front) {
		req.AddCookie(c)
	}
	setHeaders(req, headers)
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	must(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

// signedInOn reports whether b's session works on the replica.
func signedInOn(t *testing.T, b *browser, replica string) bool {
	t.Helper()
	resp, _ := b.sendTo(t, replica, http.MethodGet, "/users", nil)
	return resp.StatusCode == http.StatusOK
}

// servedBy GETs path n times through the proxy and returns, per replica, the statuses.
func servedBy(t *testing.T, b *browser, path string, n int) map[string][]int {
	t.Helper()
	out := map[string][]int{}
	for range n {
		resp, _ := b.get(t, path)
		name := resp.Header.Get(backendHeader)
		out[name] = append(out[name], resp.StatusCode)
	}
	return out
}

// allOK reports whether every status is 200.
func allOK(statuses []int) bool {
	for _, s := range statuses {
		if s != http.StatusOK {
			return false
		}
	}
	return len(statuses) > 0
}

// TestTwoReplicasShareRedis is the end-to-end test of issue 14: two dashboards share Redis behind
// a round-robin proxy without affinity. A person signs in (the sign-in may start on one replica
// and finish on the other) and works on both; A is killed and everything carries on on B; A
// restarts and serves the same session; a sign-out on B ends the session on A; an admin ending
// a staff member's sessions ends them on both, and so does the provider's back-channel logout;
// the per-person limits count the changes made on both replicas together.
func TestTwoReplicasShareRedis(t *testing.T) {
	srv := redistest.Start(t)
	a := newTestApp(t, withReplicas(redisStores(srv), "a", "b"), func(o *appOptions) {
		l := DefaultLimits()
		l.Changes = limits.Rule{Rate: 4, Per: time.Minute}
		o.limits = &l
	})

	// Sign in through the proxy and act on both replicas.
	hd := a.signIn(t, "helpdesk")
	served := servedBy(t, hd, "/users", 6)
	if !allOK(served["a"]) || !allOK(served["b"]) {
		t.Fatalf("with one session on both replicas, the answers were %v", served)
	}
	id := auth0apitest.FixtureBareUserID
	if resp, _ := hd.sendTo(t, "a", http.MethodPost, userPath(id, "/block"), url.Values{"_csrf": {hd.csrfToken(t)}}, hd.sameOriginHeaders()...); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a change on A = %d", resp.StatusCode)
	}
	if resp, _ := hd.sendTo(t, "b", http.MethodPost, userPath(id, "/unblock"), url.Values{"_csrf": {hd.csrfToken(t)}}, hd.sameOriginHeaders()...); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a change on B = %d", resp.StatusCode)
	}

	// Kill A mid-use: every request goes on, on B.
	a.stopReplica("a")
	served = servedBy(t, hd, "/users", 4)
	if len(served["a"]) != 0 || !allOK(served["b"]) {
		t.Fatalf("with A stopped, the answers were %v", served)
	}
	// Restart A: a new process, nothing in memory; it serves the same session.
	a.restartReplica(t, "a")
	served = servedBy(t, hd, "/users", 6)
	if !allOK(served["a"]) || !allOK(served["b"]) {
		t.Fatalf("after A restarted, the answers were %v", served)
	}

	// The limits are shared: two changes were made above (one on A, one on B), two more pass,
	// the fifth is refused wherever it lands.
	for i, action := range []string{"/block", "/unblock"} {
		replica := []string{"a", "b"}[i]
		if resp, _ := hd.sendTo(t, replica, http.MethodPost, userPath(id, action), url.Values{"_csrf": {hd.csrfToken(t)}}, hd.sameOriginHeaders()...); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("change %d on %s = %d", i+3, replica, resp.StatusCode)
		}
	}
	for _, replica := range []string{"a", "b"} {
		resp, _ := hd.sendTo(t, replica, http.MethodPost, userPath(id, "/block"), url.Values{"_csrf": {hd.csrfToken(t)}}, hd.sameOriginHeaders()...)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Errorf("the fifth change in a minute on %s = %d, want 429 (the limit is shared)", replica, resp.StatusCode)
		}
	}

	// Sign out on B: A refuses the cookie (sendTo leaves it in the jar, as a copy of it would be).
	viewer := a.signIn(t, "viewer")
	resp, _ := viewer.sendTo(t, "b", http.MethodPost, "/logout", url.Values{"_csrf": {viewer.csrfToken(t)}}, viewer.sameOriginHeaders()...)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out on B = %d", resp.StatusCode)
	}
	if signedInOn(t, viewer, "a") || signedInOn(t, viewer, "b") {
		t.Error("after signing out on B, the session cookie still works")
	}

	// An admin ends the helpdesk person's sessions (on whichever replica): both refuse them.
	admin := a.signIn(t, "admin")
	resp, _ = admin.sendTo(t, "a", http.MethodPost, "/staff/sessions/end-all", url.Values{"sub": {staffID("helpdesk")}, "_csrf": {admin.csrfToken(t)}}, admin.sameOriginHeaders()...)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("end-all on A = %d", resp.StatusCode)
	}
	if signedInOn(t, hd, "a") || signedInOn(t, hd, "b") {
		t.Errorf("a revoked staff session still works: A %v, B %v", signedInOn(t, hd, "a"), signedInOn(t, hd, "b"))
	}

	// The provider ends the admin's session: its back-channel logout reaches one replica, and
	// the session ends on both.
	if n := a.Tenant.EndSessions(t.Context(), staffID("admin")); n != 1 {
		t.Errorf("the tenant ended %d sessions, want 1", n)
	}
	if signedInOn(t, admin, "a") || signedInOn(t, admin, "b") {
		t.Errorf("after the back-channel logout: A %v, B %v", signedInOn(t, admin, "a"), signedInOn(t, admin, "b"))
	}
}

// TestTwoReplicasInMemory runs the same start against replicas that each keep their sessions in
// memory: it shows what cookie affinity was needed for. The session lives on the replica that
// finished the sign-in only; round-robin sends every other request to the other one, which
// sends the person to sign in again; a restart signs everyone on it out.
func TestTwoReplicasInMemory(t *testing.T) {
	a := newTestApp(t, withReplicas(nil, "a", "b"))
	hd := a.signIn(t, "helpdesk")
	onA, onB := signedInOn(t, hd, "a"), signedInOn(t, hd, "b")
	if onA == onB {
		t.Fatalf("signed in on A %v, on B %v: want exactly one replica to know the session", onA, onB)
	}
	served := servedBy(t, hd, "/users", 6)
	home, other := "a", "b"
	if onB {
		home, other = "b", "a"
	}
	if !allOK(served[home]) {
		t.Errorf("the replica holding the session answered %v", served[home])
	}
	for _, s := range served[other] {
		if s != http.StatusFound {
			t.Errorf("the other replica answered %v, want redirects to sign in (without affinity, every other request)", served[other])
			break
		}
	}
	a.stopReplica(home)
	a.restartReplica(t, home)
	if signedInOn(t, hd, home) {
		t.Error("a restarted in-memory replica still knows the session")
	}
}

// TestRedisDown: with Redis stopped, signed-in pages and sign-in answer a plain 503 ("the
// session store is unavailable") within the store's timeout — pages and htmx alike, no panic —,
// /readyz reports not ready, a back-channel logout asks to be retried; when Redis is back (with
// its data) the same session works again by itself, and /readyz is ready.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{Persist: true})
	a := newTestApp(t, withReplicas(redisStores(srv), "a"))
	b := a.signIn(t, "viewer")
	if resp, _ := b.get(t, "/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz = %d before the outage", resp.StatusCode)
	}

	srv.Stop()
	for _, tc := range []struct {
		name    string
		path    string
		headers []string
	}{
		{"page", "/users", nil},
		{"htmx", "/users?q=ada", []string{"HX-Request", "true"}},
		{"sign-in", "/login", nil},
		{"policy", "/policy", nil},
	} {
		start := time.Now()
		resp, body := b.get(t, tc.path, tc.headers...)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "session store is unavailable") {
			t.Errorf("%s with Redis down = %d:\n%.400s", tc.name, resp.StatusCode, body)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s took %v with Redis down", tc.name, took)
		}
	}
	if resp, body := b.get(t, "/readyz"); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "session store") {
		t.Errorf("/readyz with Redis down = %d %q", resp.StatusCode, body)
	}
	resp, body := postLogoutToken(t, a, "x.y.z")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "temporarily_unavailable") {
		t.Errorf("back-channel logout with Redis down = %d %s", resp.StatusCode, body)
	}
	if strings.Contains(a.Logs.String(), `"msg":"panic"`) {
		t.Error("a request panicked")
	}

	srv.Start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, _ := b.get(t, "/readyz")
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d 5 s after Redis came back", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !signedIn(t, b) {
		t.Error("the session did not come back with Redis")
	}
}

// TestRedisRestartedEmpty: Redis restarted without its data signs everyone out — their next page
// sends them to sign in — and nothing else breaks: signing in again, searching, changing,
// /readyz.
func TestRedisRestartedEmpty(t *testing.T) {
	srv := redistest.Start(t)
	a := newTestApp(t, withReplicas(redisStores(srv), "a", "b"))
	b := a.signIn(t, "helpdesk")
	srv.Restart()
	deadline := time.Now().Add(5 * time.Second)
	var resp *http.Response
	for {
		resp, _ = b.get(t, "/users")
		if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // the fail-fast second after the broken connection
	}
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("after an empty restart, /users = %d to %q; want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
	b = a.signIn(t, "helpdesk")
	if served := servedBy(t, b, "/users?q=ada", 4); !allOK(served["a"]) || !allOK(served["b"]) {
		t.Errorf("after signing in again: %v", served)
	}
	if resp, _ := post(t, b, userPath(auth0apitest.FixtureBareUserID, "/block"), nil, true); resp.StatusCode != http.StatusOK {
		t.Errorf("a change after the restart = %d", resp.StatusCode)
	}
	if resp, _ := b.get(t, "/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d", resp.StatusCode)
	}
}
