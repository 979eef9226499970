package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"userdesk/auth0api/auth0apitest"
	"userdesk/auth0api/auth0apitest/authapi"
	"userdesk/config"
	"userdesk/policy"
)

// Demo mode: one listener, one origin. The emulated tenant is mounted under tenantPrefix; the
// dashboard's back-channel requests to it (discovery, keys, token, userinfo, Management API)
// are handed to the tenant's handler in process, so the demo works behind any base URL and in a
// container, without the server calling itself over the network.
const (
	tenantPrefix = "/tenant"
	demoUsers    = 300
	demoSeed     = 4
	demoPassword = "userdesk-demo"
	demoClientID = "userdesk-demo"
)

// demo is the emulated tenant and how the dashboard reaches it.
type demo struct {
	tenant       *auth0apitest.Tenant
	tenantURL    string // base URL + tenantPrefix
	transport    http.RoundTripper
	staff        []staffLine
	clientSecret string
	machineID    string
	machineKey   string
	// dashboard is where the tenant's back-channel logouts go, in process: set to the
	// dashboard's handler once it is built (setDashboard).
	dashboard handlerSlot
}

// handlerSlot is an http.Handler set once, after whoever calls it was built. Until then it
// answers 503.
type handlerSlot struct{ h atomic.Pointer[http.Handler] }

func (s *handlerSlot) set(h http.Handler) { s.h.Store(&h) }

// ServeHTTP calls the handler that was set.
func (s *handlerSlot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := s.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	http.Error(w, "not ready", http.StatusServiceUnavailable)
}

// staffLine is one demo account as printed at start.
type staffLine struct{ role, email string }

// newDemo creates the tenant: seeded users, one staff account per dashboard role plus one with
// no role, an OIDC client for the dashboard (with its back-channel logout URL, reached in
// process) and a machine client with every Management API scope. The sign-in's second step
// prints each one-time code on console and shows it on the code page, labelled as a demo aid.
func newDemo(cfg config.Config, logger *slog.Logger, console io.Writer) (*demo, error) {
	d := &demo{
		tenantURL:    cfg.BaseURL + tenantPrefix,
		clientSecret: randomSecret(),
		machineID:    "userdesk-demo-m2m",
		machineKey:   randomSecret(),
	}
	accounts := []struct {
		role, email, name string
		roles             []string
	}{
		{"admin", "admin@userdesk.test", "Ada Admin", firstOf(cfg.AdminRoles)},
		{"helpdesk", "helpdesk@userdesk.test", "Hal Helpdesk", firstOf(cfg.HelpdeskRoles)},
		{"viewer", "viewer@userdesk.test", "Vera Viewer", firstOf(cfg.ViewerRoles)},
		// The demo policy's delegated groups (policy/demo.yaml).
		{"emea helpdesk", "emea@userdesk.test", "Erin Emea", []string{"userdesk-helpdesk-emea"}},
		{"acme partner", "acme-admin@userdesk.test", "Pat Partner", []string{"userdesk-partner-acme"}},
		{"auditor", "auditor@userdesk.test", "Audrey Auditor", []string{"userdesk-auditor"}},
		{"no role", "nobody@userdesk.test", "Nico Norole", nil},
	}
	var staff []auth0apitest.StaffAccount
	for _, a := range accounts {
		staff = append(staff, auth0apitest.StaffAccount{Email: a.email, Password: demoPassword, Name: a.name, Roles: a.roles})
		d.staff = append(d.staff, staffLine{a.role, a.email})
	}
	u, err := url.Parse(d.tenantURL)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	origin := u.Scheme + "://" + u.Host
	var consoleMu sync.Mutex
	d.tenant = auth0apitest.New(auth0apitest.Options{
		BaseURL: d.tenantURL,
		Users:   demoUsers,
		Seed:    demoSeed,
		Clients: []auth0apitest.Client{{
			ID:                     demoClientID,
			Secret:                 d.clientSecret,
			RedirectURIs:           []string{cfg.BaseURL + "/callback"},
			PostLogoutRedirectURIs: []string{cfg.BaseURL + "/signed-out"},
			BackChannelLogoutURI:   cfg.BaseURL + backChannelLogoutPath,
		}},
		Machines:  []auth0apitest.Machine{{ClientID: d.machineID, ClientSecret: d.machineKey, Scopes: demoScopes()}},
		Staff:     staff,
		RoleClaim: cfg.RoleClaim,
		SecondFactor: authapi.SecondFactor{
			ShowOnPage: true,
			Send: func(_ context.Context, a authapi.Account, code string) {
				consoleMu.Lock()
				defer consoleMu.Unlock()
				fmt.Fprintf(console, "userdesk demo: one-time code for %s: %s (demo only: a real tenant sends it to the person's phone or app)\n", a.Email, code)
			},
		},
		BackChannel: &http.Client{
			Timeout:   authapi.BackChannelTimeout,
			Transport: &inProcess{origin: origin, path: backChannelLogoutPath, handler: &d.dashboard},
		},
	})
	d.transport = &inProcess{origin: origin, path: tenantPrefix + "/", handler: d.mounted()}
	logger.Info("demo tenant ready", "url", d.tenantURL, "users", demoUsers)
	return d, nil
}

// demoScopes are the demo machine client's scopes: every one the tenant knows but
// read:user_idp_tokens, which userdesk does not need (scopes.go warns about it).
func demoScopes() []string {
	return slices.DeleteFunc(slices.Clone(auth0apitest.AllScopes), func(s string) bool { return s == "read:user_idp_tokens" })
}

// settings returns cfg with the tenant, Management API, OIDC and session settings of the demo.
func (d *demo) settings(cfg config.Config) config.Config {
	u, _ := url.Parse(cfg.BaseURL)
	cfg.Domain = u.Hostname()
	cfg.APIURL = d.tenantURL + "/api/v2"
	cfg.MgmtAudience = d.tenant.Audience()
	cfg.MgmtClientID, cfg.MgmtClientSecret = d.machineID, d.machineKey
	cfg.OIDCIssuer = d.tenant.Issuer()
	cfg.OIDCClientID, cfg.OIDCClientSecret = demoClientID, d.clientSecret
	cfg.SessionSecrets = [][]byte{[]byte(randomSecret())}
	if (cfg.Policy == nil || cfg.Policy.Source() == "built-in") && len(cfg.ProtectedRoles) == 0 && len(cfg.AssignableRoles) == 0 {
		// Without a policy or role settings of the operator's, the demo shows delegated
		// administration: the built-in groups and a regional helpdesk, a partner's admins and
		// an auditor (policy/demo.yaml).
		p, err := policy.Demo()
		if err != nil {
			panic("demo: the embedded demo policy does not load: " + err.Error()) // caught by every test
		}
		cfg.Policy = p
	}
	return cfg
}

// mounted is the tenant's handler under tenantPrefix.
func (d *demo) mounted() http.Handler {
	return http.StripPrefix(tenantPrefix, d.tenant)
}

// mount serves the tenant under tenantPrefix and the dashboard everywhere else.
func (d *demo) mount(dashboard http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(tenantPrefix+"/", d.mounted())
	mux.Handle("/", dashboard)
	return mux
}

// printWelcome prints where to go and who to sign in as.
func (d *demo) printWelcome(w io.Writer, baseURL string) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nuserdesk demo: %s\n", baseURL)
	fmt.Fprintf(&b, "  emulated Auth0 tenant at %s/ with %d users\n", d.tenantURL, demoUsers)
	fmt.Fprintf(&b, "  sign in as (password %q, also shown on the login page):\n", demoPassword)
	for _, s := range d.staff {
		fmt.Fprintf(&b, "    %-13s %s\n", s.role, s.email)
	}
	b.WriteString("  the second step's one-time codes are printed here (and shown on the code page: demo only)\n")
	b.WriteString("\n")
	_, _ = io.WriteString(w, b.String())
}

// backChannelLogoutPath is the dashboard's back-channel logout endpoint.
const backChannelLogoutPath = "/backchannel-logout"

// setDashboard gives the tenant's back channel the dashboard's handler.
func (d *demo) setDashboard(h http.Handler) { d.dashboard.set(h) }

// inProcess is an http.RoundTripper that answers requests for one origin and path (a prefix
// when it ends with "/") by calling a handler directly, and refuses any other destination: the
// dashboard's back channel reaches only the tenant, the tenant's only the dashboard's
// back-channel logout.
type inProcess struct {
	origin  string // scheme://host
	path    string
	handler http.Handler
}

// RoundTrip serves the request in process.
func (t *inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	pathOK := r.URL.Path == t.path || (strings.HasSuffix(t.path, "/") && strings.HasPrefix(r.URL.Path, t.path))
	if r.URL.Scheme+"://"+r.URL.Host != t.origin || !pathOK {
		return nil, fmt.Errorf("demo: %s is not reachable in process", r.URL.Redacted())
	}
	in := r.Clone(r.Context())
	if in.Body == nil {
		in.Body = http.NoBody // a server's request always has a body
	}
	in.RequestURI = r.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	if in.Host == "" {
		in.Host = r.URL.Host
	}
	rec := httptest.NewRecorder()
	t.handler.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// randomSecret is 256 random bits, base64url.
func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func firstOf(values []string) []string {
	if len(values) == 0 {
		return nil
	}
	return values[:1]
}
