package config

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Environment variable names. Every setting userdesk reads is listed in Settings.
const (
	envAddr             = "USERDESK_ADDR"
	envBaseURL          = "USERDESK_BASE_URL"
	envDomain           = "USERDESK_DOMAIN"
	envAPIURL           = "USERDESK_API_URL"
	envMgmtClientID     = "USERDESK_MGMT_CLIENT_ID"
	envMgmtClientSecret = "USERDESK_MGMT_CLIENT_SECRET"
	envMgmtToken        = "USERDESK_MGMT_TOKEN"
	envMgmtRate         = "USERDESK_MGMT_RATE"
	envSectionTimeout   = "USERDESK_SECTION_TIMEOUT"
	envPageBudget       = "USERDESK_PAGE_BUDGET"
	envMgmtAudience     = "USERDESK_MGMT_AUDIENCE"
	envOIDCIssuer       = "USERDESK_OIDC_ISSUER"
	envOIDCClientID     = "USERDESK_OIDC_CLIENT_ID"
	envOIDCClientSecret = "USERDESK_OIDC_CLIENT_SECRET"
	envResetClientID    = "USERDESK_PASSWORD_RESET_CLIENT_ID"
	envSessionSecrets   = "USERDESK_SESSION_SECRETS"
	envIdleTimeout      = "USERDESK_IDLE_TIMEOUT"
	envRevalidateEvery  = "USERDESK_REVALIDATE_EVERY"
	envAbsoluteTimeout  = "USERDESK_ABSOLUTE_TIMEOUT"
	envRoleClaim        = "USERDESK_ROLE_CLAIM"
	envAdminRoles       = "USERDESK_ADMIN_ROLES"
	envHelpdeskRoles    = "USERDESK_HELPDESK_ROLES"
	envViewerRoles      = "USERDESK_VIEWER_ROLES"
	envProtectedRoles   = "USERDESK_PROTECTED_ROLES"
	envAssignableRoles  = "USERDESK_ASSIGNABLE_ROLES"
	envPolicyFile       = "USERDESK_POLICY_FILE"
	envPolicy           = "USERDESK_POLICY"
	envTrustedProxies   = "USERDESK_TRUSTED_PROXIES"
	envLogLevel         = "USERDESK_LOG_LEVEL"
	envAuditLog         = "USERDESK_AUDIT_LOG"
	envAuditDB          = "USERDESK_AUDIT_DB"
	envAuditDBURL       = "USERDESK_AUDIT_DATABASE_URL"
	envAuditRetention   = "USERDESK_AUDIT_RETENTION"
	envMetricsAddr      = "USERDESK_METRICS_ADDR"
	envRequireMFA       = "USERDESK_REQUIRE_MFA"
	envStepUpMaxAge     = "USERDESK_STEP_UP_MAX_AGE"
	envPictures         = "USERDESK_PICTURES"
	envRedisURL         = "USERDESK_REDIS_URL"
	envRedisPrefix      = "USERDESK_REDIS_PREFIX"
	envRedisTimeout     = "USERDESK_REDIS_TIMEOUT"
	envLimitChanges     = "USERDESK_LIMIT_CHANGES"
	envLimitEmails      = "USERDESK_LIMIT_EMAILS"
	envLimitSearches    = "USERDESK_LIMIT_SEARCHES"
)

// Default values of the settings that have one.
const (
	// DefaultAddr is the listen address in production mode.
	DefaultAddr = ":8080"
	// DefaultDemoAddr is the listen address in demo mode.
	DefaultDemoAddr = "localhost:8080"
	// DefaultRoleClaim is the ID-token claim read for dashboard roles; the emulated tenant
	// uses the same name.
	DefaultRoleClaim = "https://userdesk.example/roles"
	// DefaultAdminRole, DefaultHelpdeskRole and DefaultViewerRole are the claim values that map
	// to the dashboard's roles unless configured otherwise.
	DefaultAdminRole    = "userdesk-admin"
	DefaultHelpdeskRole = "userdesk-helpdesk"
	DefaultViewerRole   = "userdesk-viewer"
	// DefaultSectionTimeout is how long each section of the user page waits for its Management
	// API calls.
	DefaultSectionTimeout = 6 * time.Second
	// PicturesInitials and PicturesRemote are the values of USERDESK_PICTURES: initials only
	// (the default), or users' pictures and organizations' logos loaded from their URLs.
	PicturesInitials = "initials"
	PicturesRemote   = "remote"
	// MaxSectionTimeout is the longest section timeout accepted: the server's write timeout
	// (60 s) must leave room for the answer.
	MaxSectionTimeout = 50 * time.Second
	// DefaultAuditDB is the SQLite file of the audit trail: the FHS place for a service's state,
	// a directory the container image declares as a volume (systemd: StateDirectory=userdesk).
	DefaultAuditDB = "/var/lib/userdesk/audit.db"
	// DefaultAuditRetention is how long audit events are kept: 400 days covers a yearly audit
	// with a month to spare.
	DefaultAuditRetention = 400 * 24 * time.Hour
	// MinAuditRetention is the shortest retention accepted (other than 0, forever).
	MinAuditRetention = 24 * time.Hour
	// DefaultStepUpMaxAge is how recent a staff member's sign-in must be for a dangerous action.
	DefaultStepUpMaxAge = 10 * time.Minute
	// MinStepUpMaxAge is the shortest step-up age accepted: shorter, a person could not finish
	// a re-authentication and repeat the action in time.
	MinStepUpMaxAge = time.Minute
	// DefaultRedisPrefix starts every key userdesk writes to Redis.
	DefaultRedisPrefix = "userdesk:"
	// DefaultRedisTimeout bounds every Redis call; MaxRedisTimeout is the longest accepted (a
	// page waits for its session).
	DefaultRedisTimeout = time.Second
	MaxRedisTimeout     = 10 * time.Second
	// DefaultLimitChanges, DefaultLimitEmails and DefaultLimitSearches are the per-person
	// limits (issue 11), in their settings' form.
	DefaultLimitChanges  = "30/1m"
	DefaultLimitEmails   = "3/10m"
	DefaultLimitSearches = "10/1s,burst=20"
)

// Setting describes one environment variable: its name, default, whether it is a secret (and so
// also read from NAME_FILE), and a one-line description. It is the source of the README table.
type Setting struct {
	Env         string
	Flag        string // the command-line flag that overrides it, if any
	Default     string
	Secret      bool // also accepted as Env+"_FILE", the path of a file holding the value
	Description string
}

// Settings lists every environment variable userdesk reads, in the order the README shows them.
func Settings() []Setting {
	return []Setting{
		{Env: envDomain, Description: "Auth0 tenant domain, e.g. `acme.eu.auth0.com` (required)."},
		{Env: envBaseURL, Flag: "-base-url", Description: "Public URL of the dashboard, an origin without a path, e.g. `https://userdesk.example.com` (required); the OIDC callback is BASE/callback, cookies are Secure under https, and plain http is refused except for localhost."},
		{Env: envOIDCClientID, Description: "Client ID of the dashboard's Regular Web Application in Auth0, used to sign staff in (required)."},
		{Env: envOIDCClientSecret, Secret: true, Description: "Client secret of that application (required)."},
		{Env: envResetClientID, Default: "USERDESK_OIDC_CLIENT_ID", Description: "Client ID of the application whose login page and e-mail template the \"Send password-reset e-mail\" action uses: normally the application your users sign in to (their database connection must be enabled for it), so the link brings them back there rather than to userdesk."},
		{Env: envOIDCIssuer, Default: "https://DOMAIN/", Description: "OIDC issuer URL, when staff sign in somewhere other than the tenant's own domain (e.g. a custom domain)."},
		{Env: envMgmtClientID, Description: "Client ID of the Machine-to-Machine application that calls the Management API (or set USERDESK_MGMT_TOKEN)."},
		{Env: envMgmtClientSecret, Secret: true, Description: "Client secret of that Machine-to-Machine application."},
		{Env: envMgmtToken, Secret: true, Description: "A static Management API token, instead of the client-credentials pair (tokens expire: for tests only)."},
		{Env: envAPIURL, Default: "https://DOMAIN/api/v2", Description: "Management API base URL override (tokens are then fetched from its origin's /oauth/token)."},
		{Env: envMgmtAudience, Default: "https://DOMAIN/api/v2/", Description: "Audience of the Management API tokens (change it only when USERDESK_API_URL points at an emulator)."},
		{Env: envMgmtRate, Default: "0", Description: "Most Management API requests per second (an override): 0 = learn the tenant's limit from Auth0's x-ratelimit-* headers and keep under it, shared by every replica when USERDESK_REDIS_URL is set; a number fixes this process's rate instead."},
		{Env: envPageBudget, Default: "300ms", Description: "How long a user's page waits for its sections (factors, roles, permissions, organizations), read at once with the user, before it answers: those in by then are part of the page, the others load by themselves a moment later (at most the section timeout)."},
		{Env: envSectionTimeout, Default: "6s", Description: "How long each section of a user's page (factors, roles, permissions, organizations, logs) waits for Auth0 before it shows a timeout with a retry button; the other sections load regardless (at most 50s)."},
		{Env: envSessionSecrets, Secret: true, Description: "Comma-separated keys that sign session cookies, each at least 32 bytes; the first signs, the others still verify (rotation). Replicas must share them (required)."},
		{Env: envRequireMFA, Default: "true", Description: "Staff must sign in with multi-factor authentication: userdesk asks Auth0 for it (`acr_values`) and refuses an ID token whose `amr` lacks `mfa`. Auth0 needs MFA enabled and a post-login Action that honours the request (README: Setting up Auth0). `false` allows password-only sign-ins: only for trials without MFA."},
		{Env: envStepUpMaxAge, Default: "10m", Description: "Dangerous actions (deleting a user, resetting all factors, a new recovery code, a password-change link or an MFA enrollment link, securing an account, linking and unlinking accounts, creating or replacing authentication methods, roles and permissions) need a sign-in no older than this; older, the person signs in again (`prompt=login`, `max_age=0`, MFA) and repeats the action. Between 1m and `USERDESK_ABSOLUTE_TIMEOUT`."},
		{Env: envIdleTimeout, Default: "30m", Description: "A session ends after this long without a request."},
		{Env: envRevalidateEvery, Default: "2m", Description: "How often a signed-in person's own Auth0 user (blocked flag and tenant roles) is read again, and before any change when the last check is older: a blocked, deleted or unmapped person is signed out at their next request, a lowered role applies at once. Costs two Management API calls per active person per period. `off` turns it off, for staff who do not sign in through the managed tenant."},
		{Env: envAbsoluteTimeout, Default: "8h", Description: "A session ends this long after sign-in, whatever the activity."},
		{Env: envRoleClaim, Default: DefaultRoleClaim, Description: "ID-token claim (a string or a list of strings) that carries the person's roles, set by an Auth0 Action."},
		{Env: envAdminRoles, Default: DefaultAdminRole, Description: "Comma-separated claim values that make someone a dashboard admin."},
		{Env: envHelpdeskRoles, Default: DefaultHelpdeskRole, Description: "Comma-separated claim values that make someone helpdesk staff."},
		{Env: envViewerRoles, Default: DefaultViewerRole, Description: "Comma-separated claim values that make someone a read-only viewer."},
		{Env: envProtectedRoles, Description: "Comma-separated Auth0 (tenant) roles, by name or id (rol_…), whose holders only dashboard admins may change: helpdesk staff cannot block them, send them e-mails or reset their MFA (e.g. `tenant-admin,break-glass`). Names match case-insensitively. Empty = nobody is protected. Needs read:roles and read:role_members."},
		{Env: envAssignableRoles, Description: "Comma-separated Auth0 (tenant) role names, exactly as in Auth0, that dashboard admins may assign: the role picker offers only these and any other is refused (e.g. `support-agent,billing-viewer`). Empty = every role of the tenant. Removing a role is not limited."},
		{Env: envPolicyFile, Description: "Path of a policy file (YAML): groups of staff, each with its members (role-claim values), actions and reach (an Auth0 search query and connections), as README \"Delegated administration\" describes. Unset = the built-in viewer, helpdesk and admin groups over the whole tenant, from the five `*_ROLES` settings above, which must then be left unset. Every problem in the file stops start-up, each with its line; check a file with `userdesk policy check FILE`."},
		{Env: envPolicy, Description: "The same policy document inline (for a Kubernetes ConfigMap or Secret), instead of USERDESK_POLICY_FILE; setting both is an error."},
		{Env: envPictures, Default: PicturesInitials, Description: "Users' pictures: `initials` shows initials only and the pages load no image from elsewhere (CSP `img-src 'self' data:`), so a picture's host (gravatar.com, a social network) never learns when and from where staff open an account; `remote` loads each user's picture and each organization's logo from its URL (CSP `img-src 'self' https: data:`), falling back to initials."},
		{Env: envRedisURL, Secret: true, Description: "Redis shared by the replicas: `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS (an ACL user, or a password alone for the default user). It then keeps the sessions and their per-person index, the per-person limits, the replay cache (logout tokens and sign-in states already used) and the Management API budget and token (sealed with the session secrets), so that any replica serves any request. Empty = all in this process's memory (one replica)."},
		{Env: envRedisPrefix, Default: DefaultRedisPrefix, Description: "Prefix of every Redis key userdesk writes, so that several deployments can share one Redis (letters, digits and `:_-.`, at most 64)."},
		{Env: envRedisTimeout, Default: "1s", Description: "Longest wait for any Redis call, connecting included (10ms to 10s); past it the page answers 503 \"the session store is unavailable\" and /readyz reports not ready until Redis answers again."},
		{Env: envLimitChanges, Default: DefaultLimitChanges, Description: "Changes one person may make: `RATE/PERIOD`, optionally `,burst=N` (at once; the rate otherwise), or `off`. Over it a change is refused with 429 and `Retry-After`, before any Management API call, and audited once per minute as `denied.rate_limit`. Shared by the replicas through Redis when USERDESK_REDIS_URL is set."},
		{Env: envLimitEmails, Default: DefaultLimitEmails, Description: "E-mails userdesk sends to one user (password reset, verification, MFA enrollment invitation), whoever asks, in the same form."},
		{Env: envLimitSearches, Default: DefaultLimitSearches, Description: "Searches one person may run (each search as you type counts), in the same form."},
		{Env: envAddr, Flag: "-addr", Default: DefaultAddr, Description: "Listen address (`localhost:8080` in demo mode)."},
		{Env: envTrustedProxies, Description: "Comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted for the client IP (default: none, use the connection's address)."},
		{Env: envLogLevel, Default: "info", Description: "Log level: debug, info, warn or error. Logs are JSON lines on stdout, each with the request id."},
		{Env: envMetricsAddr, Flag: "-metrics-addr", Description: "Listen address of the Prometheus metrics (`/metrics`), e.g. `:9090`; empty = no metrics. Always a listener of its own: the same port as USERDESK_ADDR is refused, so metrics never reach the public side by accident."},
		{Env: envAuditLog, Default: "stdout", Description: "Where audit events go as JSON lines (marked \"log\":\"audit\", each stored event with its `seq` and `hash`): stdout, stderr, or the path of a file to append to. A write that fails refuses the change, as the store does."},
		{Env: envAuditDB, Default: DefaultAuditDB, Description: "SQLite file of the audit trail, created (mode 0600) when absent; its directory must exist and be writable by userdesk. In the container image it is a volume: mount one at `/var/lib/userdesk` to keep the trail. Demo mode: a temporary file unless set. Not used when USERDESK_AUDIT_DATABASE_URL is set."},
		{Env: envAuditDBURL, Secret: true, Description: "PostgreSQL URL of the audit trail, e.g. `postgres://userdesk:PASSWORD@db:5432/userdesk?sslmode=verify-full`: for several replicas, which then share one trail. Its schema is created and migrated at start-up (one replica at a time)."},
		{Env: envAuditRetention, Default: "400d", Description: "How long audit events are kept: days such as `400d`, or a duration such as `720h`; at least 1d. Older events are removed hourly, behind a checkpoint so that `userdesk audit verify` still passes. `0` keeps them forever."},
	}
}

// WriteMarkdown writes the settings as a Markdown table (name, default, description), for the
// README.
func WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| Variable | Default | Description |\n|---|---|---|\n")
	for _, s := range Settings() {
		name := "`" + s.Env + "`"
		if s.Secret {
			name += " (or `" + s.Env + "_FILE`)"
		}
		if s.Flag != "" {
			name += ", flag `" + s.Flag + "`"
		}
		def := ""
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", name, def, s.Description)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
