package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"userdesk/auth0api/auth0apitest"
	"userdesk/auth0api/auth0apitest/authapi"
	"userdesk/config"
)

// runTenant serves the emulated tenant alone (userdesk tenant -users N -addr HOST:PORT
// [-latency D] [-rate R -burst B]), for manual tests and load scripts (.ci/load). It prints
// the settings that point a dashboard at it.
func runTenant(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("userdesk tenant", flag.ContinueOnError)
	fs.SetOutput(stdout)
	users := fs.Int("users", 1000, "how many users to seed besides the fixtures")
	addr := fs.String("addr", "localhost:4000", "listen address")
	seed := fs.Int64("seed", 1, "seed of the generated data")
	dashboard := fs.String("dashboard", "http://localhost:8080", "base URL of the dashboard that signs people in here")
	latency := fs.Duration("latency", 0, "time added to every Management API call (load tests)")
	rateLimit := fs.Float64("rate", 0, "Management API requests per second the tenant allows before answering 429 (0 = no limit)")
	burst := fs.Int("burst", 0, "the rate limit's bucket size (default: the rate, rounded up)")
	public := fs.String("base-url", "", "the tenant's public URL when it is reached through a proxy, e.g. http://userdesk.localhost:8080/tenant (default: http://ADDR)")
	clientSecret := fs.String("client-secret", "", "the dashboard application's client secret (default: a random one, printed); for compose.yaml's demo")
	machineSecret := fs.String("m2m-secret", "", "the Machine-to-Machine application's client secret (default: a random one, printed); for compose.yaml's demo")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()
	if host, _, err := net.SplitHostPort(*addr); err == nil && host != "" && host != "0.0.0.0" && host != "::" {
		// The host as given (localhost stays localhost), the port as bound (":0" picks one).
		base = "http://" + net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	if *public != "" {
		u, err := url.Parse(*public)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return fmt.Errorf("-base-url %q is not an http(s) URL", *public)
		}
		base = strings.TrimSuffix(*public, "/")
	}
	dash := strings.TrimSuffix(*dashboard, "/")
	if *clientSecret == "" {
		*clientSecret = randomSecret()
	}
	if *machineSecret == "" {
		*machineSecret = randomSecret()
	}
	var consoleMu sync.Mutex
	tenant := auth0apitest.New(auth0apitest.Options{
		BaseURL:   base,
		Users:     *users,
		Seed:      *seed,
		Latency:   *latency,
		RateLimit: *rateLimit,
		RateBurst: *burst,
		Clients: []auth0apitest.Client{{
			ID: "userdesk", Secret: *clientSecret,
			RedirectURIs:           []string{dash + "/callback"},
			PostLogoutRedirectURIs: []string{dash + "/signed-out"},
			BackChannelLogoutURI:   dash + backChannelLogoutPath,
		}},
		// The sign-in's second step, as in the demo: each code printed here and shown on the
		// code page (labelled as a demo aid), so scripts can sign in with MFA required.
		SecondFactor: authapi.SecondFactor{ShowOnPage: true, Send: func(_ context.Context, a authapi.Account, code string) {
			consoleMu.Lock()
			defer consoleMu.Unlock()
			fmt.Fprintf(stdout, "one-time code for %s: %s\n", a.Email, code)
		}},
		Machines: []auth0apitest.Machine{{ClientID: "userdesk-m2m", ClientSecret: *machineSecret, Scopes: auth0apitest.AllScopes}},
		Staff: []auth0apitest.StaffAccount{
			{Email: "admin@userdesk.test", Password: demoPassword, Name: "Ada Admin", Roles: []string{config.DefaultAdminRole}},
			{Email: "helpdesk@userdesk.test", Password: demoPassword, Name: "Hal Helpdesk", Roles: []string{config.DefaultHelpdeskRole}},
			{Email: "viewer@userdesk.test", Password: demoPassword, Name: "Vera Viewer", Roles: []string{config.DefaultViewerRole}},
			{Email: "nobody@userdesk.test", Password: demoPassword, Name: "Nico Norole"},
		},
	})
	fmt.Fprintf(stdout, `emulated Auth0 tenant: %s/ (%d users), listening on %s
Management API token with every scope (24 h):
  %s
Point a dashboard at it:
  USERDESK_DOMAIN=localhost USERDESK_BASE_URL=%s \
  USERDESK_API_URL=%s/api/v2 USERDESK_MGMT_AUDIENCE=%s \
  USERDESK_MGMT_CLIENT_ID=userdesk-m2m USERDESK_MGMT_CLIENT_SECRET=%s \
  USERDESK_OIDC_ISSUER=%s USERDESK_OIDC_CLIENT_ID=userdesk USERDESK_OIDC_CLIENT_SECRET=%s \
  USERDESK_SESSION_SECRETS=%s userdesk
Staff accounts (password %q): admin@, helpdesk@, viewer@, nobody@userdesk.test
(the second step's one-time codes are printed here and shown on the code page)
`, base, *users, ln.Addr(), tenant.Token(auth0apitest.AllScopes...), dash, base, tenant.Audience(), *machineSecret,
		tenant.Issuer(), *clientSecret, randomSecret(), demoPassword)

	srv := &http.Server{Handler: tenant, ReadHeaderTimeout: readHeaderTimeout, MaxHeaderBytes: maxHeaderBytes}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	return srv.Shutdown(sctx)
}
