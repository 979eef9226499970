// Package config loads userdesk's settings from the environment (and a few command-line flags),
// validates every one of them, and reports all problems at once. It is the only package that
// reads the environment; the rest of the program is configured through Go values built from
// Config.
//
// Secrets (client secrets, the Management API token, session keys) may also be given as
// NAME_FILE, the path of a file holding the value, so that Kubernetes Secrets and Docker secrets
// can be mounted as files.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"userdesk/policy"
)

// MinSecretLen is the shortest session secret accepted, in bytes.
const MinSecretLen = 32

// Config is every setting userdesk runs with. Load fills and validates it.
type Config struct {
	// Demo is true with -demo: the dashboard runs against an emulated tenant mounted on the same
	// origin, and the tenant, OIDC, Management API and session settings are generated, not read.
	Demo bool

	// Addr is the listen address, e.g. ":8080".
	Addr string
	// BaseURL is the public origin of the dashboard, without a trailing slash,
	// e.g. "https://userdesk.example.com".
	BaseURL string

	// Domain is the Auth0 tenant domain, e.g. "acme.eu.auth0.com".
	Domain string
	// APIURL overrides the Management API base URL ("https://DOMAIN/api/v2") when set.
	APIURL string
	// MgmtClientID and MgmtClientSecret are the Machine-to-Machine application's credentials for
	// the client-credentials grant. Either they or MgmtToken are set, never both.
	MgmtClientID     string
	MgmtClientSecret string
	// MgmtAudience overrides the audience of Management API tokens ("https://DOMAIN/api/v2/").
	MgmtAudience string
	// MgmtToken is a static Management API token.
	MgmtToken string
	// MgmtRate is the client-side limit on Management API requests per second; 0 is none.
	MgmtRate float64
	// RevalidateEvery is how often a signed-in person's access is checked again; negative = off.
	RevalidateEvery time.Duration
	// PageBudget is how long the user page waits for its sections before it answers.
	PageBudget time.Duration
	// SectionTimeout bounds the Management API calls of each section of the user page.
	SectionTimeout time.Duration

	// OIDCIssuer is the issuer staff sign in with, "https://DOMAIN/" by default.
	OIDCIssuer string
	// OIDCClientID and OIDCClientSecret identify the dashboard to the issuer.
	OIDCClientID     string
	OIDCClientSecret string
	// PasswordResetClientID is the application whose login page and e-mail template the
	// password-reset e-mails use; "" means OIDCClientID.
	PasswordResetClientID string

	// SessionSecrets sign the session cookie: the first signs, all verify. Each is at least
	// MinSecretLen bytes.
	SessionSecrets [][]byte
	// IdleTimeout ends a session after this long without a request.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after sign-in.
	AbsoluteTimeout time.Duration
	// RequireMFA makes staff sign in with multi-factor authentication (the ID token's amr must
	// hold "mfa"). On unless USERDESK_REQUIRE_MFA=false.
	RequireMFA bool
	// StepUpMaxAge is how recent a sign-in dangerous actions need.
	StepUpMaxAge time.Duration

	// RoleClaim is the ID-token claim holding the person's roles.
	RoleClaim string
	// AdminRoles, HelpdeskRoles and ViewerRoles are the claim values that map to each
	// dashboard role. A value appears in at most one list.
	AdminRoles    []string
	HelpdeskRoles []string
	ViewerRoles   []string
	// ProtectedRoles are tenant role names (or ids) whose holders only admins may change.
	ProtectedRoles []string
	// AssignableRoles are the tenant role names admins may assign; empty means all.
	AssignableRoles []string
	// Policy is who may do what to whom: the policy file's (USERDESK_POLICY_FILE or
	// USERDESK_POLICY), or else the built-in one (policy.Builtin) made of AdminRoles,
	// HelpdeskRoles, ViewerRoles, ProtectedRoles and AssignableRoles. With a policy file those five
	// are empty (setting them is a problem): the file's groups say it all. Never nil after Load.
	Policy *policy.Policy

	// TrustedProxies are the networks whose X-Forwarded-For header is believed.
	TrustedProxies []netip.Prefix
	// LogLevel is the minimum level of the application log.
	LogLevel slog.Level
	// AuditLog is "stdout", "stderr" or a file path: where audit events are written.
	AuditLog string
	// Audit is where the audit trail is stored, and for how long.
	Audit Audit
	// MetricsAddr is the listen address of the Prometheus metrics, "" for none. It is never the
	// public listener's port.
	MetricsAddr string
	// RemotePictures is true with USERDESK_PICTURES=remote: pages load users' pictures and
	// organizations' logos from their URLs; otherwise they show initials only.
	RemotePictures bool

	// RedisURL is the Redis shared by replicas (redis:// or rediss://), "" to keep everything in
	// memory. It may hold a password: never log it (RedisURLRedacted).
	RedisURL string
	// RedisPrefix starts every Redis key.
	RedisPrefix string
	// RedisTimeout bounds every Redis call.
	RedisTimeout time.Duration

	// Limits are the per-person limits (changes, e-mails per target, searches).
	Limits Limits
}

// Limit is a per-person limit: Rate requests per Per on average, Burst of them at once. Rate 0
// turns it off.
type Limit struct {
	Rate  int
	Per   time.Duration
	Burst int
}

// String writes the limit as its setting does ("30/1m0s", "10/1s,burst=20", "off").
func (l Limit) String() string {
	if l.Rate == 0 {
		return "off"
	}
	s := fmt.Sprintf("%d/%s", l.Rate, l.Per)
	if l.Burst != l.Rate {
		s += fmt.Sprintf(",burst=%d", l.Burst)
	}
	return s
}

// Limits are the per-person limits the dashboard applies (shared between replicas through
// Redis when RedisURL is set).
type Limits struct {
	// Changes is per person, on every change.
	Changes Limit
	// Emails is per target user: password-reset, verification and enrollment e-mails.
	Emails Limit
	// Searches is per person, on every search.
	Searches Limit
}

// RedisURLRedacted is RedisURL with its password replaced by "xxxxx", for logs.
func (c Config) RedisURLRedacted() string {
	u, err := url.Parse(c.RedisURL)
	if err != nil {
		return "(malformed)"
	}
	return u.Redacted()
}

// CallbackURL returns the OIDC redirect URI, BaseURL + "/callback".
func (c Config) CallbackURL() string { return c.BaseURL + "/callback" }

// SecureCookies reports whether the base URL is https, so cookies must be Secure.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// Error lists every problem found in the settings.
type Error struct {
	Problems []string
}

// Error returns the problems, one per line.
func (e *Error) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("config: 1 problem:")
	} else {
		fmt.Fprintf(&b, "config: %d problems:", len(e.Problems))
	}
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	return b.String()
}

// loader accumulates problems while reading settings.
type loader struct {
	getenv   func(string) string
	problems []string
}

func (l *loader) problem(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// get returns the trimmed value of an environment variable.
func (l *loader) get(name string) string { return strings.TrimSpace(l.getenv(name)) }

// secret returns name's value, or the content of the file named by name_FILE.
func (l *loader) secret(name string) string {
	v, file := l.getenv(name), l.get(name+"_FILE")
	switch {
	case v != "" && file != "":
		l.problem("%s and %s_FILE are both set: set one", name, name)
		return v // reported; do not also report it as missing
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			l.problem("%s_FILE: cannot read the file: %v", name, errors.Unwrap(err))
			return ""
		}
		return strings.TrimRight(string(b), "\r\n")
	}
	return v
}

func (l *loader) duration(name string, def time.Duration) time.Duration {
	v := l.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		l.problem("%s=%q is not a positive duration such as 30m or 8h", name, v)
		return def
	}
	return d
}

// limit reads a per-person limit: "off", or RATE/PERIOD with an optional ",burst=N" (the
// burst is the rate otherwise), e.g. 30/1m, 3/10m, 10/1s,burst=20; a period may omit its 1
// (30/m). def is in the same form.
func (l *loader) limit(name, def string) Limit {
	v := l.get(name)
	if v == "" {
		v = def
	}
	lim, err := ParseLimit(v)
	if err != nil {
		l.problem("%s=%q: %v", name, v, err)
		lim, _ = ParseLimit(def)
	}
	return lim
}

// ParseLimit parses a per-person limit as its settings write it (see USERDESK_LIMIT_CHANGES).
func ParseLimit(v string) (Limit, error) {
	const form = "write off, or RATE/PERIOD with an optional ,burst=N, e.g. 30/1m or 10/1s,burst=20"
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "off") {
		return Limit{}, nil
	}
	spec, burst, hasBurst := strings.Cut(v, ",")
	rate, per, ok := strings.Cut(spec, "/")
	if !ok {
		return Limit{}, errors.New(form)
	}
	var lim Limit
	n, err := strconv.Atoi(strings.TrimSpace(rate))
	if err != nil || n < 1 || n > maxLimitRate {
		return Limit{}, fmt.Errorf("the rate must be a whole number from 1 to %d (%s)", maxLimitRate, form)
	}
	lim.Rate, lim.Burst = n, n
	per = strings.TrimSpace(per)
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per
	}
	if lim.Per, err = time.ParseDuration(per); err != nil || lim.Per < time.Second || lim.Per > 24*time.Hour {
		return Limit{}, fmt.Errorf("the period must be a duration from 1s to 24h (%s)", form)
	}
	if hasBurst {
		b, ok := strings.CutPrefix(strings.TrimSpace(burst), "burst=")
		n, err := strconv.Atoi(b)
		if !ok || err != nil || n < 1 || n > maxLimitRate {
			return Limit{}, fmt.Errorf("the burst must be burst=N, N from 1 to %d (%s)", maxLimitRate, form)
		}
		lim.Burst = n
	}
	return lim, nil
}

// maxLimitRate bounds a limit's rate and burst.
const maxLimitRate = 1_000_000

// boolean reads true/false (also 1/0, yes/no, on/off, any case); def when unset.
func (l *loader) boolean(name string, def bool) bool {
	switch strings.ToLower(l.get(name)) {
	case "":
		return def
	case "true", "1", "yes", "on":
		return true
	case "false", "0", "no", "off":
		return false
	}
	l.problem("%s=%q is not true or false", name, l.get(name))
	return def
}

func (l *loader) list(name, def string) []string {
	v := l.getenv(name)
	if v == "" {
		v = def
	}
	var out []string
	for part := range strings.SplitSeq(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Load reads the settings from the command-line flags in args (without the program name) and
// from getenv, and validates them. The error, when not nil, is an *Error listing every problem,
// or flag.ErrHelp when -h was given.
func Load(args []string, getenv func(string) string) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("userdesk", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&c.Demo, "demo", false, "run against an emulated tenant on the same origin")
	addr := fs.String("addr", "", "listen address (overrides "+envAddr+")")
	baseURL := fs.String("base-url", "", "public URL of the dashboard (overrides "+envBaseURL+")")
	metricsAddr := fs.String("metrics-addr", "", "listen address of the metrics (overrides "+envMetricsAddr+")")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, err
		}
		return Config{}, &Error{Problems: []string{err.Error()}}
	}
	l := &loader{getenv: getenv}
	if fs.NArg() > 0 {
		l.problem("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}

	c.Addr = firstNonEmpty(*addr, l.get(envAddr))
	if c.Addr == "" {
		c.Addr = DefaultAddr
		if c.Demo {
			c.Addr = DefaultDemoAddr
		}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		l.problem("listen address %q is not host:port (e.g. :8080)", c.Addr)
	}

	c.MetricsAddr = firstNonEmpty(*metricsAddr, l.get(envMetricsAddr))
	if c.MetricsAddr != "" {
		l.checkMetricsAddr(c.MetricsAddr, c.Addr)
	}

	c.BaseURL = strings.TrimSuffix(firstNonEmpty(*baseURL, l.get(envBaseURL)), "/")
	if c.BaseURL == "" && c.Demo {
		c.BaseURL = demoBaseURL(c.Addr)
	}
	l.checkBaseURL(c.BaseURL, c.Demo)

	c.IdleTimeout = l.duration(envIdleTimeout, 30*time.Minute)
	c.AbsoluteTimeout = l.duration(envAbsoluteTimeout, 8*time.Hour)
	if c.IdleTimeout > c.AbsoluteTimeout {
		l.problem("%s (%s) is longer than %s (%s)", envIdleTimeout, c.IdleTimeout, envAbsoluteTimeout, c.AbsoluteTimeout)
	}

	c.RevalidateEvery = -1
	if l.get(envRevalidateEvery) != "off" {
		c.RevalidateEvery = l.duration(envRevalidateEvery, 2*time.Minute)
	}
	c.RequireMFA = l.boolean(envRequireMFA, true)
	c.StepUpMaxAge = l.duration(envStepUpMaxAge, DefaultStepUpMaxAge)
	switch {
	case c.StepUpMaxAge < MinStepUpMaxAge:
		l.problem("%s (%s) is shorter than %s: nobody could sign in again and repeat the action in time", envStepUpMaxAge, c.StepUpMaxAge, MinStepUpMaxAge)
	case c.StepUpMaxAge > c.AbsoluteTimeout:
		l.problem("%s (%s) is longer than %s (%s): no session would ever need a step-up", envStepUpMaxAge, c.StepUpMaxAge, envAbsoluteTimeout, c.AbsoluteTimeout)
	}

	c.RedisURL = l.secret(envRedisURL)
	if c.RedisURL != "" {
		l.checkRedisURL(c.RedisURL)
	}
	c.RedisPrefix = firstNonEmpty(l.get(envRedisPrefix), DefaultRedisPrefix)
	if len(c.RedisPrefix) > 64 || strings.TrimLeft(c.RedisPrefix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.") != "" {
		l.problem("%s=%q may hold only letters, digits and :_-. (at most 64), e.g. userdesk-prod:", envRedisPrefix, c.RedisPrefix)
	}
	c.RedisTimeout = l.duration(envRedisTimeout, DefaultRedisTimeout)
	if c.RedisTimeout < 10*time.Millisecond || c.RedisTimeout > MaxRedisTimeout {
		l.problem("%s (%s) must be between 10ms and %s", envRedisTimeout, c.RedisTimeout, MaxRedisTimeout)
	}

	c.PageBudget = l.duration(envPageBudget, 300*time.Millisecond)
	c.Limits = Limits{
		Changes:  l.limit(envLimitChanges, DefaultLimitChanges),
		Emails:   l.limit(envLimitEmails, DefaultLimitEmails),
		Searches: l.limit(envLimitSearches, DefaultLimitSearches),
	}

	c.SectionTimeout = l.duration(envSectionTimeout, DefaultSectionTimeout)
	if c.PageBudget > c.SectionTimeout {
		l.problem("%s (%s) is longer than %s (%s): the page would wait for sections that have given up", envPageBudget, c.PageBudget, envSectionTimeout, c.SectionTimeout)
	}
	if c.SectionTimeout > MaxSectionTimeout {
		l.problem("%s (%s) is longer than %s: the server's write timeout (60s) must leave room for the answer", envSectionTimeout, c.SectionTimeout, MaxSectionTimeout)
	}

	c.RoleClaim = firstNonEmpty(l.get(envRoleClaim), DefaultRoleClaim)
	l.loadPolicy(&c)

	for _, cidr := range l.list(envTrustedProxies, "") {
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			l.problem("%s: %q is not a CIDR such as 10.0.0.0/8", envTrustedProxies, cidr)
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}

	if v := l.get(envLogLevel); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			l.problem("%s=%q is not one of debug, info, warn, error", envLogLevel, v)
		}
	}
	c.AuditLog = firstNonEmpty(l.get(envAuditLog), "stdout")
	c.Audit = l.loadAudit(c.Demo)
	switch v := strings.ToLower(l.get(envPictures)); v {
	case "", PicturesInitials:
	case PicturesRemote:
		c.RemotePictures = true
	default:
		l.problem("%s=%q is neither %s nor %s", envPictures, v, PicturesInitials, PicturesRemote)
	}

	if !c.Demo {
		l.loadTenant(&c)
	}

	if len(l.problems) > 0 {
		return Config{}, &Error{Problems: l.problems}
	}
	return c, nil
}

// roleSettings are the settings the built-in policy is made of; a policy file replaces them all.
var roleSettings = []string{envAdminRoles, envHelpdeskRoles, envViewerRoles, envProtectedRoles, envAssignableRoles}

// loadPolicy reads the policy: the file (or inline document) when one is given, every problem in it
// reported with its line; otherwise the built-in policy from the role settings.
func (l *loader) loadPolicy(c *Config) {
	file, inline := l.get(envPolicyFile), l.getenv(envPolicy)
	if file == "" && strings.TrimSpace(inline) == "" {
		c.AdminRoles = l.list(envAdminRoles, DefaultAdminRole)
		c.HelpdeskRoles = l.list(envHelpdeskRoles, DefaultHelpdeskRole)
		c.ViewerRoles = l.list(envViewerRoles, DefaultViewerRole)
		l.checkRoles(map[string][]string{envAdminRoles: c.AdminRoles, envHelpdeskRoles: c.HelpdeskRoles, envViewerRoles: c.ViewerRoles})
		c.ProtectedRoles = l.tenantRoles(envProtectedRoles)
		c.AssignableRoles = l.tenantRoles(envAssignableRoles)
		c.Policy = policy.Builtin(policy.RoleMapping{Admin: c.AdminRoles, Helpdesk: c.HelpdeskRoles, Viewer: c.ViewerRoles}, c.ProtectedRoles, c.AssignableRoles)
		return
	}
	for _, name := range roleSettings {
		if l.get(name) != "" {
			l.problem("%s is set, but a policy file is given: its groups' members, protected_roles and assignable_roles replace the role settings; remove %s", name, name)
		}
	}
	var data []byte
	source := envPolicy
	switch {
	case file != "" && strings.TrimSpace(inline) != "":
		l.problem("%s and %s are both set: set one", envPolicyFile, envPolicy)
		return
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			l.problem("%s: cannot read the policy file: %v", envPolicyFile, errors.Unwrap(err))
			return
		}
		data, source = b, file
	default:
		data = []byte(inline)
	}
	p, err := policy.Load(data, source)
	var ps *policy.Problems
	switch {
	case errors.As(err, &ps):
		for _, pr := range ps.Errors() {
			l.problem("%s", pr.String())
		}
		return
	case err != nil:
		l.problem("%s: %v", source, err)
		return
	}
	c.Policy = p
}

// LoadPolicy reads only the policy settings (USERDESK_POLICY_FILE, USERDESK_POLICY, or the role
// settings of the built-in policy), for `userdesk policy explain`. The error is an *Error.
func LoadPolicy(getenv func(string) string) (*policy.Policy, error) {
	l := &loader{getenv: getenv}
	var c Config
	l.loadPolicy(&c)
	if len(l.problems) > 0 {
		return nil, &Error{Problems: l.problems}
	}
	return c.Policy, nil
}

// Audit is where the audit trail is stored: a SQLite file or a PostgreSQL database.
type Audit struct {
	// DB is the SQLite file; "" when DatabaseURL is set, and in demo mode unless
	// USERDESK_AUDIT_DB is set (the demo makes a temporary file).
	DB string
	// DatabaseURL is the PostgreSQL URL; "" for SQLite.
	DatabaseURL string
	// Retention is how long events are kept; 0 keeps them forever.
	Retention time.Duration
}

// Target is what audit.Open takes: the PostgreSQL URL when set, else the SQLite file.
func (a Audit) Target() string { return firstNonEmpty(a.DatabaseURL, a.DB) }

// LoadAudit reads only the audit store's settings, for `userdesk audit`: the command must not
// need the server's other settings.
func LoadAudit(getenv func(string) string) (Audit, error) {
	l := &loader{getenv: getenv}
	a := l.loadAudit(false)
	if len(l.problems) > 0 {
		return Audit{}, &Error{Problems: l.problems}
	}
	return a, nil
}

// loadAudit reads USERDESK_AUDIT_DB, USERDESK_AUDIT_DATABASE_URL and USERDESK_AUDIT_RETENTION.
func (l *loader) loadAudit(demo bool) Audit {
	var a Audit
	file := l.get(envAuditDB)
	a.DatabaseURL = strings.TrimSpace(l.secret(envAuditDBURL))
	switch {
	case a.DatabaseURL != "" && file != "":
		l.problem("set either %s (SQLite) or %s (PostgreSQL), not both", envAuditDB, envAuditDBURL)
	case a.DatabaseURL != "":
		u, err := url.Parse(a.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			// Never print the URL: it may hold a password.
			l.problem("%s is not a postgres://user:password@host:port/database URL", envAuditDBURL)
		}
	case file != "":
		a.DB = file
	case !demo:
		a.DB = DefaultAuditDB
	}
	if strings.ContainsAny(a.DB, "?#") {
		l.problem("%s=%q: the path may not hold ? or #", envAuditDB, a.DB)
	}
	a.Retention = DefaultAuditRetention
	if v := l.get(envAuditRetention); v != "" {
		d, err := parseDays(v)
		switch {
		case err != nil:
			l.problem("%s=%q is not a number of days such as 400d or a duration such as 720h (0 = keep forever)", envAuditRetention, v)
		case d != 0 && d < MinAuditRetention:
			l.problem("%s=%q is shorter than 1d (0 = keep forever)", envAuditRetention, v)
		default:
			a.Retention = d
		}
	}
	return a
}

// parseDays reads "400d" (whole days), "0", or a Go duration.
func parseDays(v string) (time.Duration, error) {
	if v == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*366 {
			return 0, fmt.Errorf("not a number of days: %q", v)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("not a duration: %q", v)
	}
	return d, nil
}

// loadTenant reads the settings that demo mode generates itself: the tenant, the Management API
// credentials, the OIDC client and the session secrets.
func (l *loader) loadTenant(c *Config) {
	c.Domain = l.get(envDomain)
	switch {
	case c.Domain == "":
		l.problem("%s is required (the tenant domain, e.g. acme.eu.auth0.com)", envDomain)
	case strings.ContainsAny(c.Domain, "/:@?# ") || strings.Contains(c.Domain, ".."):
		l.problem("%s=%q must be a bare host name such as acme.eu.auth0.com (no scheme, port or path)", envDomain, c.Domain)
	}

	c.APIURL = strings.TrimSuffix(l.get(envAPIURL), "/")
	if c.APIURL != "" {
		l.checkURL(envAPIURL, c.APIURL)
	}
	c.MgmtAudience = l.get(envMgmtAudience)
	if c.MgmtAudience != "" {
		l.checkURL(envMgmtAudience, c.MgmtAudience)
	}
	c.MgmtClientID = l.get(envMgmtClientID)
	c.MgmtClientSecret = l.secret(envMgmtClientSecret)
	c.MgmtToken = l.secret(envMgmtToken)
	switch {
	case c.MgmtToken != "" && (c.MgmtClientID != "" || c.MgmtClientSecret != ""):
		l.problem("set either %s or %s/%s, not both", envMgmtToken, envMgmtClientID, envMgmtClientSecret)
	case c.MgmtToken != "":
	case c.MgmtClientID == "" && c.MgmtClientSecret == "":
		l.problem("Management API credentials are required: %s and %s (or %s)", envMgmtClientID, envMgmtClientSecret, envMgmtToken)
	case c.MgmtClientID == "":
		l.problem("%s is required with %s", envMgmtClientID, envMgmtClientSecret)
	case c.MgmtClientSecret == "":
		l.problem("%s is required with %s", envMgmtClientSecret, envMgmtClientID)
	}
	if v := l.get(envMgmtRate); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			l.problem("%s=%q is not a number of requests per second (0 = no limit)", envMgmtRate, v)
		}
		c.MgmtRate = r
	}

	c.OIDCIssuer = l.get(envOIDCIssuer)
	if c.OIDCIssuer == "" && c.Domain != "" {
		c.OIDCIssuer = "https://" + c.Domain + "/"
	}
	if c.OIDCIssuer != "" {
		l.checkURL(envOIDCIssuer, c.OIDCIssuer)
	}
	c.OIDCClientID = l.get(envOIDCClientID)
	if c.OIDCClientID == "" {
		l.problem("%s is required (the dashboard's application in Auth0)", envOIDCClientID)
	}
	c.OIDCClientSecret = l.secret(envOIDCClientSecret)
	if c.OIDCClientSecret == "" {
		l.problem("%s is required", envOIDCClientSecret)
	}
	c.PasswordResetClientID = l.get(envResetClientID)

	secrets := l.secret(envSessionSecrets)
	if secrets == "" {
		l.problem("%s is required: at least one random key of %d bytes or more (e.g. openssl rand -base64 48)", envSessionSecrets, MinSecretLen)
	}
	for i, s := range strings.Split(secrets, ",") {
		s = strings.TrimSpace(s)
		if secrets == "" {
			break // already reported as missing
		}
		if len(s) < MinSecretLen {
			// Never print the secret itself, only where it is and how long.
			l.problem("%s: key %d is %d bytes; each key must be at least %d bytes", envSessionSecrets, i+1, len(s), MinSecretLen)
			continue
		}
		c.SessionSecrets = append(c.SessionSecrets, []byte(s))
	}
}

// checkMetricsAddr checks the metrics listen address and refuses one that would share the
// public listener: metrics describe the traffic and the tenant's health, and are for the
// operator's scraper only. Two addresses collide when their ports are equal and their hosts are
// equal or either one is a wildcard.
func (l *loader) checkMetricsAddr(metrics, public string) {
	mh, mp, err := net.SplitHostPort(metrics)
	if err != nil || mp == "" {
		l.problem("%s=%q is not host:port (e.g. :9090 or 127.0.0.1:9090)", envMetricsAddr, metrics)
		return
	}
	ph, pp, err := net.SplitHostPort(public)
	if err != nil || mp != pp || mp == "0" {
		return
	}
	if mh == ph || isWildcard(mh) || isWildcard(ph) {
		l.problem("%s=%q is the dashboard's own listener (%s): metrics are served on a separate port only, e.g. :9090", envMetricsAddr, metrics, public)
	}
}

func isWildcard(host string) bool { return host == "" || host == "0.0.0.0" || host == "::" }

// checkRedisURL checks a Redis URL's form (the connection is tried at start, and retried). Its
// messages never show the password.
func (l *loader) checkRedisURL(v string) {
	u, err := url.Parse(v)
	switch {
	case err != nil:
		l.problem("%s is not a URL (redis://[user:password@]host[:port][/db])", envRedisURL)
	case u.Scheme != "redis" && u.Scheme != "rediss":
		l.problem("%s must start with redis:// or rediss:// (TLS), not %q", envRedisURL, u.Scheme+"://")
	case u.Hostname() == "":
		l.problem("%s=%q names no host", envRedisURL, u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		l.problem("%s=%q: options in the query are not supported; the path is the database number, e.g. /0", envRedisURL, u.Redacted())
	default:
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				l.problem("%s=%q: port %q is not a port number", envRedisURL, u.Redacted(), p)
			}
		}
		if db := strings.TrimPrefix(u.Path, "/"); db != "" {
			if n, err := strconv.Atoi(db); err != nil || n < 0 {
				l.problem("%s=%q: the path must be a database number such as /0, not %q", envRedisURL, u.Redacted(), u.Path)
			}
		}
	}
}

// checkBaseURL checks that the base URL is an http(s) origin; plain http only for loopback
// hosts, or anywhere in demo mode.
func (l *loader) checkBaseURL(v string, demo bool) {
	if v == "" {
		l.problem("%s is required (the dashboard's public URL, e.g. https://userdesk.example.com)", envBaseURL)
		return
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		l.problem("%s=%q is not an http(s) URL", envBaseURL, v)
		return
	}
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		l.problem("%s=%q must be an origin without path, query or user (serve userdesk at the root of its host)", envBaseURL, v)
	}
	if u.Scheme == "http" && !demo && !isLoopback(u.Hostname()) {
		l.problem("%s=%q uses plain http: use https (http is only allowed for localhost)", envBaseURL, v)
	}
}

// checkURL checks an absolute http(s) URL, https unless the host is a loopback address.
func (l *loader) checkURL(name, v string) {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		l.problem("%s=%q is not an absolute http(s) URL", name, v)
		return
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		l.problem("%s=%q uses plain http: use https (http is only allowed for localhost)", name, v)
	}
}

// checkRoles checks that every role list is usable and that no claim value maps to two roles.
func (l *loader) checkRoles(lists map[string][]string) {
	seen := map[string]string{}
	names := make([]string, 0, len(lists))
	for name := range lists {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range lists[name] {
			if other, ok := seen[v]; ok {
				l.problem("role value %q is in both %s and %s", v, other, name)
			}
			seen[v] = name
		}
	}
}

// maxTenantRoles bounds a list of tenant roles in a setting.
const maxTenantRoles = 100

// tenantRoles reads a comma-separated list of Auth0 role names (or ids): at most
// maxTenantRoles, each at most 255 characters without control characters.
func (l *loader) tenantRoles(name string) []string {
	roles := l.list(name, "")
	if len(roles) > maxTenantRoles {
		l.problem("%s lists %d roles; at most %d", name, len(roles), maxTenantRoles)
	}
	for _, r := range roles {
		if len(r) > 255 || strings.IndexFunc(r, func(c rune) bool { return c < ' ' || c == 0x7f }) >= 0 {
			l.problem("%s: %q is not a role name", name, r)
		}
	}
	return roles
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// demoBaseURL derives the demo's base URL from its listen address.
func demoBaseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// Usage writes the command-line usage and the table of environment variables.
func Usage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  userdesk                 serve the dashboard (settings from the environment)
  userdesk -demo [-addr localhost:8080] [-base-url URL]
                           the dashboard on an emulated tenant with demo accounts, on one port
  userdesk tenant [-users N] [-addr localhost:4000] [-base-url URL] [-dashboard URL]
                           the emulated tenant alone, for manual tests, load scripts and compose.yaml
  userdesk proxy [-addr localhost:8080] -backend NAME=URL ... [-route /PREFIX/=URL ...]
                           a round-robin reverse proxy without affinity (compose.yaml's load balancer)

  userdesk policy check FILE
                           validate a policy file: every problem with its line (exit 0 valid, 1 not)
  userdesk policy explain --roles R1,R2 --user USER.json [--user-roles A,B] [--self] [--policy FILE] ACTION
                           may a person with those role-claim values do ACTION to that user, and
                           which group and rule decide (exit 0 allowed, 1 refused, 2 usage)
  userdesk healthcheck [-addr :8080] [-timeout 3s]
                           probe the running server's /healthz (exit 0 healthy, 1 not):
                           the container image's HEALTHCHECK
  userdesk audit verify [-anchor SEQ:HASH]
                           check the audit trail's hash chain (exit 0 intact, 1 broken)
  userdesk audit prune     remove events older than USERDESK_AUDIT_RETENTION now
  userdesk version         print the version

Flags:
  -demo               demo mode
  -addr ADDR          listen address (overrides `+envAddr+`)
  -base-url URL       public URL (overrides `+envBaseURL+`)
  -metrics-addr ADDR  metrics listen address (overrides `+envMetricsAddr+`)

Environment:
`)
	_ = WriteMarkdown(w)
}
