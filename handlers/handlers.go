// Package handlers is userdesk's web layer: the Echo routes, OIDC sign-in, server-side sessions,
// the role table, CSRF protection, security headers, the audit log and rendering.
//
// # Conventions (read before adding a route)
//
//   - Every route is one line in routes.go: method, path, the action it needs, whether it is a
//     dangerous action that needs a recent sign-in (stepUp, stepup.go), the handler. The action
//     decides who may call it (policy.go, DESIGN.md's roles table); there is no other way to
//     register a route, and a test walks e.Routes() to prove it.
//   - GET never changes anything. Every other method needs the session's CSRF token (htmx sends
//     it from <body hx-headers>; plain forms carry it in _csrf) and passes Go's
//     http.CrossOriginProtection.
//   - Handlers are methods on *server that return errors; they never write error pages
//     themselves. Return httpError(status, message, err) for a message a person should read, or
//     the auth0api error as is: handleError turns it into plain words (a page, or an alert in the
//     flash area for htmx requests) and logs it once.
//   - A handler answers a normal request with a full page (views.XxxPage(s.page(c, title), …))
//     and an htmx request with the partial alone (views.XxxTable(…)); see render.go.
//   - Every change is audited exactly once with s.audit(c, event, target, err, details…), after
//     the Management API answered (success or failure). Refusals are audited by the router.
//   - Request-scoped logging: s.logger(c) carries the request id.
package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/bulk"
	"userdesk/handlers/limits"
	"userdesk/handlers/sessionstore"
	"userdesk/policy"
	"userdesk/userops"
)

// Users is the part of the Management API the dashboard calls. *auth0api.Client implements it.
type Users interface {
	// Finding and managing users (the users pages).
	ListUsers(ctx context.Context, p auth0api.ListUsersParams) (*auth0api.UsersPage, error)
	ListUsersByEmail(ctx context.Context, email string, p *auth0api.GetUserParams) ([]auth0api.User, error)
	GetUser(ctx context.Context, id string, p *auth0api.GetUserParams) (*auth0api.User, error)
	CreateUser(ctx context.Context, u auth0api.UserCreate) (*auth0api.User, error)
	UpdateUser(ctx context.Context, id string, u auth0api.UserUpdate) (*auth0api.User, error)
	DeleteUser(ctx context.Context, id string) error
	ListConnections(ctx context.Context, p auth0api.ListConnectionsParams) (*auth0api.ConnectionsPage, error)
	CreatePasswordChangeTicket(ctx context.Context, t auth0api.PasswordChangeTicket) (string, error)
	CreateVerificationEmailJob(ctx context.Context, j auth0api.VerificationEmailJob) (*auth0api.Job, error)
	// SendPasswordResetEmail is the Authentication API's change_password: Auth0 e-mails the
	// user a link to choose a new password.
	SendPasswordResetEmail(ctx context.Context, e auth0api.PasswordResetEmail) error

	// Roles, permissions, organizations and logs (sections of the user page).
	ListUserRoles(ctx context.Context, id string, p auth0api.PageParams) (*auth0api.RolesPage, error)
	AddUserRoles(ctx context.Context, id string, roleIDs []string) error
	RemoveUserRoles(ctx context.Context, id string, roleIDs []string) error
	ListRoles(ctx context.Context, p auth0api.ListRolesParams) (*auth0api.RolesPage, error)
	ListUserPermissions(ctx context.Context, id string, p auth0api.PageParams) (*auth0api.PermissionsPage, error)
	AddUserPermissions(ctx context.Context, id string, perms []auth0api.PermissionRef) error
	RemoveUserPermissions(ctx context.Context, id string, perms []auth0api.PermissionRef) error
	ListResourceServers(ctx context.Context, p auth0api.PageParams) (*auth0api.ResourceServersPage, error)
	ListUserOrganizations(ctx context.Context, id string, p auth0api.PageParams) (*auth0api.OrganizationsPage, error)
	ListUserLogs(ctx context.Context, id string, p auth0api.LogParams) (*auth0api.LogsPage, error)

	// Factors: MFA and authentication methods (the helpdesk core).
	ListAuthenticationMethods(ctx context.Context, id string, p *auth0api.PageParams) (*auth0api.AuthenticationMethodsPage, error)
	GetAuthenticationMethod(ctx context.Context, id, methodID string) (*auth0api.AuthenticationMethod, error)
	CreateAuthenticationMethod(ctx context.Context, id string, m auth0api.AuthenticationMethodCreate) (*auth0api.AuthenticationMethod, error)
	ReplaceAuthenticationMethods(ctx context.Context, id string, methods []auth0api.AuthenticationMethodReplace) ([]auth0api.AuthenticationMethod, error)
	UpdateAuthenticationMethod(ctx context.Context, id, methodID string, u auth0api.AuthenticationMethodUpdate) (*auth0api.AuthenticationMethod, error)
	DeleteAuthenticationMethods(ctx context.Context, id string) error
	DeleteAuthenticationMethod(ctx context.Context, id, methodID string) error
	ListEnrollments(ctx context.Context, id string) ([]auth0api.Enrollment, error)
	DeleteMultifactorProvider(ctx context.Context, id, provider string) error
	DeleteAuthenticators(ctx context.Context, id string) error
	RegenerateRecoveryCode(ctx context.Context, id string) (string, error)
	InvalidateRememberedBrowsers(ctx context.Context, id string) error

	// Exports beyond the search's 1,000-result cap (export_job.go): Auth0's users-export job.
	CreateUsersExportJob(ctx context.Context, e auth0api.UsersExport) (*auth0api.Job, error)
	GetJob(ctx context.Context, id string) (*auth0api.Job, error)
	GetJobErrors(ctx context.Context, id string) (*auth0api.JobErrors, error)
	DownloadUsersExport(ctx context.Context, location string) (io.ReadCloser, error)
	// Account security (issue 12): brute-force lockouts, sessions, refresh tokens and
	// authorized applications (grants).
	ListUserBlocks(ctx context.Context, id string, p *auth0api.UserBlocksParams) ([]auth0api.UserBlock, error)
	ListUserBlocksByIdentifier(ctx context.Context, identifier string, p *auth0api.UserBlocksParams) ([]auth0api.UserBlock, error)
	UnblockUser(ctx context.Context, id string) error
	UnblockByIdentifier(ctx context.Context, identifier string) error
	ListUserSessions(ctx context.Context, id string, p auth0api.CheckpointParams) (*auth0api.SessionsPage, error)
	GetSession(ctx context.Context, id string) (*auth0api.Session, error)
	DeleteUserSessions(ctx context.Context, id string) error
	DeleteSession(ctx context.Context, id string) error
	RevokeSession(ctx context.Context, id string) error
	RevokeUserAccess(ctx context.Context, id string, r auth0api.RevokeAccess) error
	ListUserRefreshTokens(ctx context.Context, id string, p auth0api.CheckpointParams) (*auth0api.RefreshTokensPage, error)
	GetRefreshToken(ctx context.Context, id string) (*auth0api.RefreshToken, error)
	DeleteUserRefreshTokens(ctx context.Context, id string) error
	DeleteRefreshToken(ctx context.Context, id string) error
	ListUserGrants(ctx context.Context, userID string, p auth0api.ListGrantsParams) (*auth0api.GrantsPage, error)
	DeleteGrant(ctx context.Context, id string) error

	// Linked accounts and MFA enrollment invitations (issue 12).
	LinkUserIdentity(ctx context.Context, primaryID string, l auth0api.LinkIdentity) ([]auth0api.Identity, error)
	UnlinkUserIdentity(ctx context.Context, primaryID, provider, secondaryUserID string) ([]auth0api.Identity, error)
	CreateGuardianEnrollmentTicket(ctx context.Context, t auth0api.GuardianEnrollmentTicket) (*auth0api.EnrollmentTicket, error)
}

// Config is everything New needs. main builds it from config.Config.
type Config struct {
	// Users calls the Management API.
	Users Users
	// BaseURL is the public origin, e.g. "https://userdesk.example.com" (no trailing slash).
	// Redirect URIs, cookie security and HSTS derive from it, never from request headers.
	BaseURL string
	// OIDC is how staff sign in.
	OIDC OIDCConfig
	// PasswordResetClientID is the application whose login page and e-mail template the
	// password-reset e-mails use (normally the one the users sign in to; the user's database
	// connection must be enabled for it). Empty means OIDC.ClientID, the dashboard's own.
	PasswordResetClientID string
	// Roles names the ID token's claim that carries the person's role values and, when Policy
	// is nil, the values of the built-in groups.
	Roles RoleMapping
	// Policy says who may do what to whom (package policy). nil means the built-in policy of
	// Roles' three groups, with ProtectedRoles and AssignableRoles.
	Policy *policy.Policy
	// ProtectedRoles name tenant roles (by name, case-insensitively, or by id) whose holders
	// only admins may change (checklist 40), in the built-in policy. Empty means none.
	ProtectedRoles []string
	// AssignableRoles name the tenant roles (exact names) that admins may assign in the
	// built-in policy (checklist 42). Empty means every role of the tenant.
	AssignableRoles []string
	// SessionSecrets sign session cookies: the first signs, all verify.
	SessionSecrets [][]byte
	// IdleTimeout and AbsoluteTimeout end sessions (defaults 30m and 8h).
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	// Sessions keeps the signed-in sessions and their per-person index (sessionstore.Store):
	// userdesk/redisstore's for several replicas, which then share every session. nil means an
	// in-memory store of MaxSessions sessions (one replica, the demo).
	Sessions sessionstore.Store
	// MaxSessions bounds the in-memory session store (default sessionstore.DefaultMaxSessions).
	MaxSessions int
	// Limits are the per-person limits (changes, e-mails per target, searches); nil means
	// DefaultLimits.
	Limits *Limits
	// Limiter applies the limits: userdesk/redisstore's shares them between replicas; nil means
	// in memory (one replica).
	Limiter limits.Limiter
	// Replay remembers one-time values (logout tokens' jti, used sign-in states) until they
	// expire: userdesk/redisstore's shares them between replicas; nil means in memory.
	Replay ReplayCache
	// RevalidateEvery is how often a signed-in person's own Auth0 record (blocked flag, tenant
	// roles) is read again to confirm their access (revalidate.go): 0 means
	// DefaultRevalidateEvery, a negative duration turns the check off (staff who do not sign in
	// through the tenant).
	RevalidateEvery time.Duration
	// AllowSingleFactor lets staff sign in without a second factor (USERDESK_REQUIRE_MFA=false).
	// By default (false) the sign-in asks the provider for multi-factor and refuses an ID token
	// whose amr lacks "mfa" (checklist 11).
	AllowSingleFactor bool
	// StepUpMaxAge is how recent the person's authentication (auth_time) must be for a dangerous
	// action; older, they sign in again first (checklist 17). Default DefaultStepUpMaxAge.
	StepUpMaxAge time.Duration
	// SignInLimit rate-limits /login and /callback per client address (checklist 60); the zero
	// value is DefaultSignInLimit.
	SignInLimit IPRate
	// PageBudget is how long the user page waits for its sections' reads before it answers
	// with those that came (the others load by themselves); default DefaultPageBudget.
	PageBudget time.Duration
	// SectionTimeout bounds the Management API calls of each section of the user page (roles,
	// factors, logs, ...): a section that takes longer shows a timeout with a retry button
	// while the others load. Default DefaultSectionTimeout.
	SectionTimeout time.Duration
	// Static holds app.css, app.js and vendor/…, served under /static/.
	Static fs.FS
	// TrustedProxies are the networks whose X-Forwarded-For is believed for the client IP.
	TrustedProxies []netip.Prefix
	// Logger is the application log.
	Logger *slog.Logger
	// Audit records who did what (package audit): the attempt and outcome of every change, every
	// refusal and sign-in, to the store and the JSON audit log. Required.
	Audit *audit.Recorder
	// AuditTrail is the store the audit pages read (/audit, "Changes by staff"); nil hides them.
	AuditTrail AuditTrail
	// Now is the clock (sessions, ID-token checks, audit times); nil means time.Now.
	Now func() time.Time
	// Version is userdesk's version, shown in the footer to admins.
	Version string
	// RemotePictures lets pages load users' pictures and organizations' logos from their URLs
	// (the CSP then allows https: images); false shows initials only and allows no image from
	// elsewhere, so a picture's host never learns who opened which account.
	RemotePictures bool
	// Observer receives a measurement per answered request and the session count, for
	// metrics; nil means none. userdesk/metrics implements it.
	Observer Observer
	// BulkStore keeps bulk jobs (bulk/redisjobs to share them between replicas and keep them
	// across restarts); nil means one in memory.
	BulkStore bulk.Store
	// BulkRunner names this replica in the jobs' leases (default random).
	BulkRunner string
	// BulkWorkers is how many users a bulk job changes at once (default 4); the Management
	// API budget paces them.
	BulkWorkers int
}

// Observer receives the dashboard's measurements (the metrics hook). Its methods must be safe
// for concurrent use.
type Observer interface {
	// HTTPRequest reports one answered request: Echo's route pattern (e.g. "/users/:id"; ""
	// when no route matched), the method, the final status and how long it took.
	HTTPRequest(route, method string, status int, d time.Duration)
	// Sessions is given, once at start, a function that counts the live signed-in sessions
	// exactly (expired ones and sign-ins in progress are not counted).
	Sessions(count func() int)
}

// OIDCConfig configures sign-in.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL, exactly as its discovery document says (Auth0's end
	// with "/").
	Issuer   string
	ClientID string
	// ClientSecret authenticates the dashboard at the token endpoint.
	ClientSecret string
	// HTTPClient makes the back-channel requests (discovery, JWKS, token, userinfo). It must
	// have a timeout; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// RetryEvery is the first wait between discovery attempts when the provider is unreachable
	// at start (doubling up to a minute); default 1 s.
	RetryEvery time.Duration
}

// RoleMapping names the ID token's role claim and, for the built-in policy, which of its values
// put a person in the admin, helpdesk and viewer groups.
type RoleMapping struct {
	// Claim is the claim's name; its value is a string or a list of strings.
	Claim    string
	Admin    []string
	Helpdesk []string
	Viewer   []string
}

// server holds the dependencies of every handler.
type server struct {
	users     Users
	ops       *userops.Ops // the changes, audited (userops)
	log       *slog.Logger
	rec       *audit.Recorder // the audit trail's writer
	trail     AuditTrail      // the audit trail's reader (nil: no audit pages)
	now       func() time.Time
	baseURL   string
	secure    bool // base URL is https: Secure cookies, __Host- names, HSTS
	version   string
	pictures  bool           // remote pictures (Config.RemotePictures)
	roleClaim string         // the ID token's claim with the person's role values
	policy    *policy.Policy // who may do what to whom
	idle      time.Duration
	absolute  time.Duration

	sectionTimeout  time.Duration // deadline of one section's calls
	revalidateEvery time.Duration // how often a person's access is re-checked (< 0: never)
	pageBudget      time.Duration // how long the user page waits for its sections
	resetClientID   string        // the application of password-reset e-mails

	sessions     sessionstore.Store        // sessions, their indexes, the sign-in pool
	cookies      *sessionstore.CookieStore // the session cookie over sessions
	limiter      limits.Limiter
	limits       Limits
	exportCodecs []securecookie.Codec // seal export jobs' references (export_job.go)
	cookieName   string               // the session cookie
	signInName   string               // the pre-login (sign-in transaction) cookie
	signIn       *signIn
	assets       map[string]*asset // the static files, read and gzipped at start
	assetVer     string
	headers      http.Header // security headers sent on every response
	crossOrigin  *http.CrossOriginProtection
	observer     Observer     // metrics hook, may be nil
	lastCount    atomic.Int64 // the last session count liveSessions read
	gzip         compressor
	runner       *bulk.Runner    // bulk jobs (bulk.go)
	jobs         context.Context // bounds the bulk jobs: New's ctx
	staffAssurance

	e *echo.Echo
}

// New builds the dashboard's HTTP handler. ctx bounds background work: when the OIDC provider
// cannot be reached at start, discovery is retried in the background until it succeeds or ctx
// ends (meanwhile /readyz says not ready and sign-in answers 503).
func New(ctx context.Context, cfg Config) (http.Handler, error) {
	s, err := newServer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return s.e, nil
}

func newServer(ctx context.Context, cfg Config) (*server, error) {
	var problems []string
	if cfg.Users == nil {
		problems = append(problems, "Users is required")
	}
	if cfg.Audit == nil {
		problems = append(problems, "Audit is required")
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || (base.Path != "" && base.Path != "/") {
		problems = append(problems, fmt.Sprintf("BaseURL %q must be an http(s) origin", cfg.BaseURL))
	}
	if len(cfg.SessionSecrets) == 0 {
		problems = append(problems, "at least one session secret is required")
	}
	if cfg.OIDC.Issuer == "" || cfg.OIDC.ClientID == "" {
		problems = append(problems, "OIDC issuer and client id are required")
	}
	if cfg.Static == nil {
		problems = append(problems, "Static is required")
	}
	if cfg.Roles.Claim == "" {
		problems = append(problems, "Roles.Claim is required")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("handlers: %s", strings.Join(problems, "; "))
	}

	s := &server{
		users:     withoutIdPTokens(cfg.Users),
		log:       cfg.Logger,
		rec:       cfg.Audit,
		trail:     cfg.AuditTrail,
		now:       cfg.Now,
		baseURL:   strings.TrimSuffix(cfg.BaseURL, "/"),
		secure:    base.Scheme == "https",
		version:   cfg.Version,
		pictures:  cfg.RemotePictures,
		roleClaim: cfg.Roles.Claim,
		policy:    cfg.Policy,
		idle:      cfg.IdleTimeout,
		absolute:  cfg.AbsoluteTimeout,

		sectionTimeout:  cfg.SectionTimeout,
		revalidateEvery: cfg.RevalidateEvery,
		pageBudget:      cfg.PageBudget,
		resetClientID:   cfg.PasswordResetClientID,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.idle <= 0 {
		s.idle = 30 * time.Minute
	}
	if s.absolute <= 0 {
		s.absolute = 8 * time.Hour
	}
	if s.version == "" {
		s.version = "dev"
	}
	if s.policy == nil {
		s.policy = policy.Builtin(policy.RoleMapping{Admin: cfg.Roles.Admin, Helpdesk: cfg.Roles.Helpdesk, Viewer: cfg.Roles.Viewer},
			cfg.ProtectedRoles, cfg.AssignableRoles)
	}
	if s.pageBudget <= 0 {
		s.pageBudget = DefaultPageBudget
	}
	if s.revalidateEvery == 0 {
		s.revalidateEvery = DefaultRevalidateEvery
	}
	if s.sectionTimeout <= 0 {
		s.sectionTimeout = DefaultSectionTimeout
	}
	if s.resetClientID == "" {
		s.resetClientID = cfg.OIDC.ClientID
	}
	s.ops = &userops.Ops{Users: s.users, Audit: s.rec, Log: s.log, PasswordResetClientID: s.resetClientID, Now: s.now}
	store := cfg.BulkStore
	if store == nil {
		store = bulk.NewMemory()
	}
	s.runner = &bulk.Runner{Store: store, Name: cfg.BulkRunner, Workers: cfg.BulkWorkers, Log: s.log, OnEnd: s.bulkEnded}
	s.jobs = ctx

	s.cookieName, s.signInName = "userdesk", "userdesk-signin"
	if s.secure {
		// __Host- cookies must be Secure, Path=/ and have no Domain: the browser enforces it.
		s.cookieName, s.signInName = "__Host-userdesk", "__Host-userdesk-signin"
	}
	s.sessions = cfg.Sessions
	if s.sessions == nil {
		s.sessions = sessionstore.NewMemory(sessionstore.MemoryOptions{MaxSessions: cfg.MaxSessions, Now: s.now})
	}
	if s.cookies, err = newCookieStore(cfg, s.sessions, s.secure, s.now); err != nil {
		return nil, err
	}
	if s.exportCodecs, err = newExportSealer(cfg.SessionSecrets); err != nil {
		return nil, err
	}
	if s.limits, err = cfg.Limits.resolve(); err != nil {
		return nil, err
	}
	s.limiter = cfg.Limiter
	if s.limiter == nil {
		s.limiter = limits.NewMemory(s.now)
	}
	if s.assetVer, err = assetVersion(cfg.Static); err != nil {
		return nil, fmt.Errorf("handlers: static files: %w", err)
	}
	if s.assets, err = loadAssets(cfg.Static); err != nil {
		return nil, fmt.Errorf("handlers: static files: %w", err)
	}
	issuerOrigin := ""
	if u, err := url.Parse(cfg.OIDC.Issuer); err == nil {
		issuerOrigin = u.Scheme + "://" + u.Host
	}
	s.headers = securityHeaders(s.secure, issuerOrigin, s.pictures)
	s.crossOrigin = http.NewCrossOriginProtection()
	if err := s.crossOrigin.AddTrustedOrigin(base.Scheme + "://" + base.Host); err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	s.crossOrigin.AddInsecureBypassPattern(http.MethodPost + " " + crossOriginExempt)
	if s.staffAssurance, err = newStaffAssurance(cfg, base, s.signInName+"-", s.now); err != nil {
		return nil, err
	}
	s.signIn = newSignIn(ctx, cfg.OIDC, s.baseURL+"/callback", s.now, s.log)
	if cfg.Observer != nil {
		s.observer = cfg.Observer
		s.observer.Sessions(s.liveSessions)
	}

	s.e = s.newEcho(cfg.TrustedProxies)
	// Jobs whose runner stopped (a restart) are taken over once their lease ends.
	go s.resumeBulkJobs(ctx, bulkResumeEvery)
	return s, nil
}

// newCookieStore builds the session cookie over store: the cookie carries only a signed random
// id; the record stays in the store.
func newCookieStore(cfg Config, store sessionstore.Store, secure bool, now func() time.Time) (*sessionstore.CookieStore, error) {
	var pairs [][]byte
	for _, k := range cfg.SessionSecrets {
		pairs = append(pairs, k, nil) // signed, not encrypted: the value is a random id
	}
	codecs := securecookie.CodecsFromPairs(pairs...)
	maxAge := int((cfg.AbsoluteTimeout + time.Minute) / time.Second)
	if cfg.AbsoluteTimeout <= 0 {
		maxAge = int((8*time.Hour + time.Minute) / time.Second)
	}
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(maxAge) // the signed timestamp bounds a cookie's life too
		}
	}
	cs, err := sessionstore.NewCookieStore(store, sessionstore.CookieOptions{
		Codecs: codecs,
		Cookie: sessions.Options{
			Path:     "/",
			HttpOnly: true,
			Secure:   secure,
			SameSite: http.SameSiteLaxMode, // the callback from the provider is a cross-site GET
		},
		Now: now,
	})
	if err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	return cs, nil
}

// liveSessions counts the signed-in sessions in the session store (every replica's, when they
// share one), for the sessions gauge of the metrics: one count of the store's index, never a
// scan. A session counts until the store drops it, up to a minute's grace past its timeout
// (expiryGrace); sign-ins in progress are not sessions. When the store cannot answer, the last
// count is repeated (and the failure logged), rather than a drop to zero that looks like
// everyone signed out.
func (s *server) liveSessions() int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := s.sessions.Count(ctx)
	if err != nil {
		s.log.Warn("count sessions", "err", err)
		return int(s.lastCount.Load())
	}
	s.lastCount.Store(int64(n))
	return n
}

// assetVersion is a short hash of every static file, so their URLs change when they do.
func assetVersion(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// newEcho builds the router: middleware, error handler and the route table.
func (s *server) newEcho(trusted []netip.Prefix) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Debug = false // Echo's debug mode would put internal error text in responses
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(trusted)

	e.Pre(s.secureHeaders) // first, so that every answer (404, 405, panics) carries them
	e.Use(
		middleware.RequestIDWithConfig(s.requestIDConfig()),
		s.compress,
		s.requestLog,
		s.recoverPanic,
		s.checkHost,
		middleware.BodyLimit(maxBody),
		s.checkCrossOrigin,
	)
	for _, rt := range s.routes() {
		e.Add(rt.Method, rt.Path, rt.Handler, s.authorize(rt))
	}
	return e
}

// ipExtractor trusts X-Forwarded-For only from the configured proxies, and otherwise uses the
// connection's address.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// errNotReady is returned while the OIDC provider has not been discovered yet.
var errNotReady = errors.New("handlers: sign-in is not available yet")
