// Command userdesk is a self-hosted web dashboard for the users of an Auth0 tenant.
//
//	userdesk                 serve the dashboard (settings from USERDESK_* environment variables)
//	userdesk -demo           the dashboard on an emulated tenant, one port, demo accounts
//	userdesk tenant          the emulated tenant alone, for manual tests and load scripts
//	userdesk healthcheck     probe the running server's /healthz (the container's HEALTHCHECK)
//	userdesk policy          check a policy file, or explain a decision (cmd_policy.go)
//	userdesk audit verify    check the audit trail's hash chain (audit prune: apply retention)
//	userdesk version         print the version
//	userdesk -h              usage and the table of settings
//
// main.go is the composition root: it reads the configuration, builds the Management API client,
// the OIDC settings, the handlers and the metrics, and runs the HTTP server (and the metrics
// listener, when configured) until SIGTERM or SIGINT. After start it checks the Management API
// token's scopes (scopes.go).
package main

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"userdesk/auth0api"
	"userdesk/bulk/redisjobs"
	"userdesk/config"
	"userdesk/handlers"
	"userdesk/handlers/limits"
	"userdesk/metrics"
	"userdesk/redisstore"
)

// staticFiles are app.css, app.js and the vendored htmx and Pico CSS.
//
//go:embed static
var staticFiles embed.FS

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version string

// Server timeouts. WriteTimeout bounds a whole answer, including the Management API calls
// behind it (the client's own timeouts are shorter).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 20 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		code := 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
			if ee.err == nil {
				os.Exit(code) // the command said what it had to on stdout
			}
		}
		fmt.Fprintln(os.Stderr, "userdesk:", err)
		os.Exit(code)
	}
}

// run is the program: it returns when ctx ends (after a graceful shutdown) or on a fatal error.
// Logs are JSON lines on stdout; audit events go where USERDESK_AUDIT_LOG says (stdout by
// default, marked "log":"audit").
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "tenant":
			return runTenant(ctx, args[1:], stdout)
		case "proxy":
			return runProxy(ctx, args[1:], stdout)
		case "healthcheck":
			return runHealthcheck(ctx, args[1:], getenv, stdout)
		case "policy":
			return runPolicy(args[1:], getenv, stdout)
		case "audit":
			return runAudit(ctx, args[1:], getenv, stdout)
		case "version":
			_, err := fmt.Fprintln(stdout, "userdesk", appVersion())
			return err
		}
	}
	cfg, err := config.Load(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		config.Usage(stdout)
		return nil
	}
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return serve(ctx, cfg, ln, stdout)
}

// serve builds the application for cfg and serves it on ln until ctx ends.
func serve(ctx context.Context, cfg config.Config, ln net.Listener, stdout io.Writer) error {
	defer ln.Close()
	logger := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	trail, closeTrail, err := openAuditTrail(ctx, cfg, logger, stdout)
	if err != nil {
		return err
	}
	defer closeTrail()

	var m *metrics.Metrics
	if cfg.MetricsAddr != "" {
		m = metrics.New(metrics.Options{Version: appVersion()})
	}
	app, err := build(ctx, cfg, logger, trail, m, stdout)
	if err != nil {
		return err
	}
	if app.redis != nil {
		defer app.redis.Close()
	}
	if app.demo != nil {
		app.demo.printWelcome(stdout, cfg.BaseURL)
	}
	if m != nil {
		stopMetrics, err := serveMetrics(cfg.MetricsAddr, m, logger)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	// The scope check runs beside the server (the tenant may be slow or down at start) and
	// ends with it.
	checkCtx, stopCheck := context.WithCancel(ctx)
	checked := make(chan struct{})
	go func() { defer close(checked); checkScopes(checkCtx, app.users, logger, scopeCheckFirstRetry) }()
	defer func() { stopCheck(); <-checked }()

	srv := &http.Server{
		Handler:           app.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "version", appVersion(), "demo", cfg.Demo)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// application is what build composes.
type application struct {
	handler http.Handler
	users   *auth0api.Client
	demo    *demo          // nil outside demo mode
	redis   *redisstore.DB // nil without USERDESK_REDIS_URL
}

// build composes the application: in demo mode an emulated tenant is created and mounted under
// /tenant, and the dashboard and the tenant talk to each other in process (the demo's one-time
// codes go to console). m, when not nil, observes the dashboard's requests and its Management
// API calls.
func build(ctx context.Context, cfg config.Config, logger *slog.Logger, trail *auditTrail, m *metrics.Metrics, console io.Writer) (*application, error) {
	app := &application{}
	backChannel := &http.Client{Timeout: 10 * time.Second}
	var mgmt auth0api.Config
	if cfg.Demo {
		d, err := newDemo(cfg, logger, console)
		if err != nil {
			return nil, err
		}
		app.demo = d
		cfg = d.settings(cfg)
		backChannel.Transport = d.transport
		mgmt.Transport = d.transport
	}
	// The policy in force (in demo mode, the demo's, which settings may have swapped in).
	if cfg.Policy != nil {
		logger.Info("policy", "source", cfg.Policy.Source(), "groups", len(cfg.Policy.Groups()))
		for _, w := range cfg.Policy.Warnings() {
			logger.Warn("policy warning", "warning", w)
		}
	}
	mgmt.Domain = cfg.Domain
	mgmt.BaseURL = cfg.APIURL
	mgmt.Audience = cfg.MgmtAudience
	mgmt.Token = cfg.MgmtToken
	mgmt.ClientID = cfg.MgmtClientID
	mgmt.ClientSecret = cfg.MgmtClientSecret
	mgmt.RequestsPerSecond = cfg.MgmtRate
	mgmt.Version = appVersion()
	if cfg.RedisURL != "" {
		if err := shareThroughRedis(ctx, app, cfg, &mgmt, logger); err != nil {
			return nil, err
		}
	}
	if m != nil {
		mgmt.Observer = m
	}
	users, err := auth0api.New(mgmt)
	if err != nil {
		return nil, fmt.Errorf("management api client: %w", err)
	}
	app.users = users

	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	hcfg := handlers.Config{
		Users:   users,
		BaseURL: cfg.BaseURL,
		OIDC: handlers.OIDCConfig{
			Issuer:       cfg.OIDCIssuer,
			ClientID:     cfg.OIDCClientID,
			ClientSecret: cfg.OIDCClientSecret,
			HTTPClient:   backChannel,
		},
		PasswordResetClientID: cfg.PasswordResetClientID,
		Policy:                cfg.Policy,
		ProtectedRoles:        cfg.ProtectedRoles,
		AssignableRoles:       cfg.AssignableRoles,
		Roles: handlers.RoleMapping{
			Claim:    cfg.RoleClaim,
			Admin:    cfg.AdminRoles,
			Helpdesk: cfg.HelpdeskRoles,
			Viewer:   cfg.ViewerRoles,
		},
		SessionSecrets:    cfg.SessionSecrets,
		IdleTimeout:       cfg.IdleTimeout,
		AbsoluteTimeout:   cfg.AbsoluteTimeout,
		AllowSingleFactor: !cfg.RequireMFA,
		StepUpMaxAge:      cfg.StepUpMaxAge,
		SectionTimeout:    cfg.SectionTimeout,
		RevalidateEvery:   cfg.RevalidateEvery,
		PageBudget:        cfg.PageBudget,
		Static:            static,
		TrustedProxies:    cfg.TrustedProxies,
		Logger:            logger,
		Audit:             trail.rec,
		AuditTrail:        trail.db,
		Version:           appVersion(),
		RemotePictures:    cfg.RemotePictures,
		Limits: &handlers.Limits{
			Changes:  limitRule(cfg.Limits.Changes),
			Emails:   limitRule(cfg.Limits.Emails),
			Searches: limitRule(cfg.Limits.Searches),
		},
	}
	if m != nil {
		hcfg.Observer = m
	}
	if app.redis != nil {
		// Every replica sees every session, limit and used one-time value.
		hcfg.Sessions = app.redis.Sessions()
		hcfg.Limiter = app.redis.Limits()
		hcfg.Replay = app.redis.Replay()
		// Bulk jobs in Redis: every replica shows their progress, and a job whose replica
		// stopped is resumed by another (or by this one, restarted).
		hcfg.BulkStore = redisjobs.New(app.redis.Client(), redisjobs.Options{Prefix: cfg.RedisPrefix, Timeout: cfg.RedisTimeout})
	}
	h, err := handlers.New(ctx, hcfg)
	if err != nil {
		return nil, err
	}
	app.handler = h
	if app.demo != nil {
		app.demo.setDashboard(h)
		app.handler = app.demo.mount(h)
	}
	return app, nil
}

// limitRule is a per-person limit as the handlers apply it (Rate 0: off; the handlers name it).
func limitRule(l config.Limit) limits.Rule {
	return limits.Rule{Rate: l.Rate, Per: l.Per, Burst: l.Burst}
}

// shareThroughRedis opens the Redis of USERDESK_REDIS_URL and shares the Management API budget
// (learned from Auth0's headers, unless USERDESK_MGMT_RATE fixes a rate) and token (sealed with
// the session secrets) between the replicas; build then keeps the sessions, the per-person limits
// and the replay cache there too. A Redis that does not answer at start is logged and
// used as soon as it does: until then each replica paces itself and fetches its own token.
func shareThroughRedis(ctx context.Context, app *application, cfg config.Config, mgmt *auth0api.Config, logger *slog.Logger) error {
	db, err := redisstore.Open(redisstore.Options{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, Timeout: cfg.RedisTimeout})
	if err != nil {
		return err
	}
	app.redis = db
	tenant := cmp.Or(cfg.Domain, cfg.APIURL, "demo")
	mgmt.Limiter = db.Budget(tenant)
	if mgmt.Token == "" {
		tc, err := db.TokenCache(mgmt.ClientID, cmp.Or(cfg.MgmtAudience, cfg.APIURL, cfg.Domain), cfg.SessionSecrets)
		if err != nil {
			return err
		}
		mgmt.TokenCache = tc
	}
	if err := db.Ping(ctx); err != nil {
		logger.Warn("redis does not answer yet: pages answer 503 and /readyz is not ready until it does (each replica paces its Management API calls alone meanwhile)", "redis", cfg.RedisURLRedacted(), "err", err)
	} else {
		logger.Info("sharing sessions, limits, the Management API budget and token through redis", "redis", cfg.RedisURLRedacted(), "prefix", cfg.RedisPrefix)
	}
	return nil
}

// serveMetrics serves m's /metrics on a listener of its own at addr and returns the function that
// stops it.
func serveMetrics(addr string, m *metrics.Metrics, logger *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener stopped", "err", err)
		}
	}()
	logger.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}

// openAudit opens the audit log: "stdout", "stderr" or a file appended to.
func openAudit(where string, stdout io.Writer) (*slog.Logger, func(), error) {
	var w io.Writer
	closeFn := func() {}
	switch where {
	case "", "stdout":
		w = stdout
	case "stderr":
		w = os.Stderr
	default:
		f, err := os.OpenFile(where, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("audit log: %w", err)
		}
		w, closeFn = f, func() { _ = f.Close() }
	}
	return slog.New(slog.NewJSONHandler(w, nil)).With("log", "audit"), closeFn, nil
}

// appVersion is the stamped version, or the module version, or "dev".
func appVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
