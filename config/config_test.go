package config

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"userdesk/policy"
)

// env is a map-backed getenv.
type env map[string]string

func (e env) get(name string) string { return e[name] }

// with returns a copy of e with the given name=value pairs set (an empty value deletes).
func (e env) with(kv ...string) env {
	out := env{}
	for k, v := range e {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
			continue
		}
		out[kv[i]] = kv[i+1]
	}
	return out
}

const secret32 = "0123456789abcdef0123456789abcdef"

// good is a complete production configuration.
var good = env{
	"USERDESK_DOMAIN":             "acme.eu.auth0.com",
	"USERDESK_BASE_URL":           "https://userdesk.example.com",
	"USERDESK_OIDC_CLIENT_ID":     "dash-client",
	"USERDESK_OIDC_CLIENT_SECRET": "dash-secret",
	"USERDESK_MGMT_CLIENT_ID":     "m2m-client",
	"USERDESK_MGMT_CLIENT_SECRET": "m2m-secret",
	"USERDESK_SESSION_SECRETS":    secret32,
}

func TestLoadDefaults(t *testing.T) {
	got, err := Load(nil, good.get)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		Addr:             ":8080",
		BaseURL:          "https://userdesk.example.com",
		Domain:           "acme.eu.auth0.com",
		MgmtClientID:     "m2m-client",
		MgmtClientSecret: "m2m-secret",
		OIDCIssuer:       "https://acme.eu.auth0.com/",
		OIDCClientID:     "dash-client",
		OIDCClientSecret: "dash-secret",
		SessionSecrets:   [][]byte{[]byte(secret32)},
		IdleTimeout:      30 * time.Minute,
		AbsoluteTimeout:  8 * time.Hour,
		RevalidateEvery:  2 * time.Minute,
		RequireMFA:       true,
		StepUpMaxAge:     10 * time.Minute,
		PageBudget:       300 * time.Millisecond,
		SectionTimeout:   DefaultSectionTimeout,
		RoleClaim:        DefaultRoleClaim,
		AdminRoles:       []string{DefaultAdminRole},
		HelpdeskRoles:    []string{DefaultHelpdeskRole},
		ViewerRoles:      []string{DefaultViewerRole},
		LogLevel:         slog.LevelInfo,
		AuditLog:         "stdout",
		Audit:            Audit{DB: DefaultAuditDB, Retention: DefaultAuditRetention},
		RedisPrefix:      DefaultRedisPrefix,
		RedisTimeout:     DefaultRedisTimeout,
		Limits: Limits{
			Changes:  Limit{Rate: 30, Per: time.Minute, Burst: 30},
			Emails:   Limit{Rate: 3, Per: 10 * time.Minute, Burst: 3},
			Searches: Limit{Rate: 10, Per: time.Second, Burst: 20},
		},
	}
	checkBuiltin(t, got.Policy, []string{DefaultAdminRole}, []string{DefaultHelpdeskRole}, []string{DefaultViewerRole})
	got.Policy = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load() =\n%+v\nwant\n%+v", got, want)
	}
	if got.CallbackURL() != "https://userdesk.example.com/callback" {
		t.Errorf("CallbackURL() = %q", got.CallbackURL())
	}
	if !got.SecureCookies() {
		t.Error("SecureCookies() = false under https")
	}
}

func TestLoadEverySetting(t *testing.T) {
	e := good.with(
		"USERDESK_ADDR", "127.0.0.1:9000",
		"USERDESK_BASE_URL", "http://localhost:9000/",
		"USERDESK_API_URL", "https://acme.example/api/v2/",
		"USERDESK_MGMT_CLIENT_ID", "", "USERDESK_MGMT_CLIENT_SECRET", "",
		"USERDESK_MGMT_TOKEN", "static-token",
		"USERDESK_MGMT_RATE", "2.5",
		"USERDESK_MGMT_AUDIENCE", "https://acme.eu.auth0.com/api/v2/",
		"USERDESK_OIDC_ISSUER", "https://login.acme.example/",
		"USERDESK_PASSWORD_RESET_CLIENT_ID", "customer-portal",
		"USERDESK_SESSION_SECRETS", secret32+", "+strings.Repeat("x", 40),
		"USERDESK_IDLE_TIMEOUT", "10m",
		"USERDESK_ABSOLUTE_TIMEOUT", "2h",
		"USERDESK_REQUIRE_MFA", "False",
		"USERDESK_STEP_UP_MAX_AGE", "5m",
		"USERDESK_SECTION_TIMEOUT", "2500ms",
		"USERDESK_ROLE_CLAIM", "https://acme.example/roles",
		"USERDESK_ADMIN_ROLES", "root, ops",
		"USERDESK_HELPDESK_ROLES", "support",
		"USERDESK_VIEWER_ROLES", "audit,,",
		"USERDESK_PROTECTED_ROLES", "tenant-admin, Break Glass",
		"USERDESK_ASSIGNABLE_ROLES", "support-agent,billing-viewer",
		"USERDESK_TRUSTED_PROXIES", "10.0.0.1/8, 192.168.1.0/24",
		"USERDESK_LOG_LEVEL", "debug",
		"USERDESK_AUDIT_LOG", "/var/log/userdesk-audit.json",
		"USERDESK_AUDIT_DATABASE_URL", "postgres://userdesk:pw@db:5432/audit?sslmode=verify-full",
		"USERDESK_AUDIT_RETENTION", "30d",
		"USERDESK_REDIS_URL", "rediss://userdesk:p%40ss@redis.internal:6380/2",
		"USERDESK_REDIS_PREFIX", "userdesk-prod:",
		"USERDESK_REDIS_TIMEOUT", "250ms",
		"USERDESK_LIMIT_CHANGES", "100/h,burst=10",
		"USERDESK_LIMIT_EMAILS", "off",
		"USERDESK_LIMIT_SEARCHES", " 5/2s ",
	)
	got, err := Load(nil, e.get)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		Addr:                  "127.0.0.1:9000",
		BaseURL:               "http://localhost:9000",
		Domain:                "acme.eu.auth0.com",
		APIURL:                "https://acme.example/api/v2",
		MgmtToken:             "static-token",
		MgmtAudience:          "https://acme.eu.auth0.com/api/v2/",
		MgmtRate:              2.5,
		OIDCIssuer:            "https://login.acme.example/",
		OIDCClientID:          "dash-client",
		OIDCClientSecret:      "dash-secret",
		SessionSecrets:        [][]byte{[]byte(secret32), []byte(strings.Repeat("x", 40))},
		PasswordResetClientID: "customer-portal",
		IdleTimeout:           10 * time.Minute,
		AbsoluteTimeout:       2 * time.Hour,
		RevalidateEvery:       2 * time.Minute,
		StepUpMaxAge:          5 * time.Minute,
		PageBudget:            300 * time.Millisecond,
		SectionTimeout:        2500 * time.Millisecond,
		RoleClaim:             "https://acme.example/roles",
		AdminRoles:            []string{"root", "ops"},
		HelpdeskRoles:         []string{"support"},
		ViewerRoles:           []string{"audit"},
		ProtectedRoles:        []string{"tenant-admin", "Break Glass"},
		AssignableRoles:       []string{"support-agent", "billing-viewer"},
		TrustedProxies:        []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.0/24")},
		LogLevel:              slog.LevelDebug,
		AuditLog:              "/var/log/userdesk-audit.json",
		Audit:                 Audit{DatabaseURL: "postgres://userdesk:pw@db:5432/audit?sslmode=verify-full", Retention: 30 * 24 * time.Hour},
		RedisURL:              "rediss://userdesk:p%40ss@redis.internal:6380/2",
		RedisPrefix:           "userdesk-prod:",
		RedisTimeout:          250 * time.Millisecond,
		Limits: Limits{
			Changes:  Limit{Rate: 100, Per: time.Hour, Burst: 10},
			Searches: Limit{Rate: 5, Per: 2 * time.Second, Burst: 5},
		},
	}
	checkBuiltin(t, got.Policy, []string{"root", "ops"}, []string{"support"}, []string{"audit"})
	if g := got.Policy.Groups(); !slices.Equal(g[1].ProtectedRoles, want.ProtectedRoles) || !slices.Equal(g[2].AssignableRoles, want.AssignableRoles) {
		t.Errorf("built-in policy: helpdesk protected %q, admin assignable %q", g[1].ProtectedRoles, g[2].AssignableRoles)
	}
	got.Policy = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load() =\n%+v\nwant\n%+v", got, want)
	}
	if got.SecureCookies() {
		t.Error("SecureCookies() = true under http")
	}
}

func TestLoadFlagsOverrideEnv(t *testing.T) {
	got, err := Load([]string{"-addr", ":9999", "-base-url", "https://other.example.com"}, good.get)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.Addr != ":9999" || got.BaseURL != "https://other.example.com" {
		t.Errorf("Addr, BaseURL = %q, %q; want the flags' values", got.Addr, got.BaseURL)
	}
}

func TestLoadDemo(t *testing.T) {
	tests := []struct {
		args        []string
		env         env
		wantAddr    string
		wantBaseURL string
	}{
		{[]string{"-demo"}, env{}, "localhost:8080", "http://localhost:8080"},
		{[]string{"-demo", "-addr", ":8080"}, env{}, ":8080", "http://localhost:8080"},
		{[]string{"-demo", "-addr", ":8080", "-base-url", "http://devbox.lan:8080"}, env{}, ":8080", "http://devbox.lan:8080"},
		{[]string{"-demo"}, env{"USERDESK_ADDR": "127.0.0.1:7000"}, "127.0.0.1:7000", "http://127.0.0.1:7000"},
	}
	for _, tt := range tests {
		got, err := Load(tt.args, tt.env.get)
		if err != nil {
			t.Errorf("Load(%q): %v", tt.args, err)
			continue
		}
		if !got.Demo || got.Addr != tt.wantAddr || got.BaseURL != tt.wantBaseURL {
			t.Errorf("Load(%q) = Demo %v, Addr %q, BaseURL %q; want true, %q, %q",
				tt.args, got.Demo, got.Addr, got.BaseURL, tt.wantAddr, tt.wantBaseURL)
		}
		if got.Domain != "" || got.SessionSecrets != nil {
			t.Errorf("Load(%q) read tenant settings in demo mode: %+v", tt.args, got)
		}
	}
}

func TestLoadSecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	e := good.with(
		"USERDESK_OIDC_CLIENT_SECRET", "",
		"USERDESK_OIDC_CLIENT_SECRET_FILE", write("oidc", "from-file\n"),
		"USERDESK_MGMT_CLIENT_SECRET", "",
		"USERDESK_MGMT_CLIENT_SECRET_FILE", write("mgmt", "m2m-from-file"),
		"USERDESK_SESSION_SECRETS", "",
		"USERDESK_SESSION_SECRETS_FILE", write("sessions", secret32+"\n"),
	)
	got, err := Load(nil, e.get)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.OIDCClientSecret != "from-file" || got.MgmtClientSecret != "m2m-from-file" ||
		!reflect.DeepEqual(got.SessionSecrets, [][]byte{[]byte(secret32)}) {
		t.Errorf("secrets from files = %q, %q, %q", got.OIDCClientSecret, got.MgmtClientSecret, got.SessionSecrets)
	}
}

// TestLoadReportsEveryProblem feeds bad settings and checks that one error lists each problem.
func TestLoadReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  env
		want []string // substrings, one per expected problem, in order
	}{
		{
			name: "empty environment",
			env:  env{},
			want: []string{
				"USERDESK_BASE_URL is required",
				"USERDESK_DOMAIN is required",
				"Management API credentials are required",
				"USERDESK_OIDC_CLIENT_ID is required",
				"USERDESK_OIDC_CLIENT_SECRET is required",
				"USERDESK_SESSION_SECRETS is required",
			},
		},
		{
			name: "malformed values",
			env: good.with(
				"USERDESK_ADDR", "8080",
				"USERDESK_BASE_URL", "http://userdesk.example.com/app",
				"USERDESK_DOMAIN", "https://acme.eu.auth0.com/",
				"USERDESK_OIDC_ISSUER", "http://login.acme.example/",
				"USERDESK_API_URL", "ftp://x",
				"USERDESK_MGMT_RATE", "-1",
				"USERDESK_SESSION_SECRETS", "short,"+secret32,
				"USERDESK_IDLE_TIMEOUT", "soon",
				"USERDESK_ABSOLUTE_TIMEOUT", "-1h",
				"USERDESK_SECTION_TIMEOUT", "0s",
				"USERDESK_TRUSTED_PROXIES", "10.0.0.0",
				"USERDESK_LOG_LEVEL", "loud",
				"USERDESK_PROTECTED_ROLES", "ok,bad\tname",
				"USERDESK_ASSIGNABLE_ROLES", strings.Repeat("r,", 101),
			),
			want: []string{
				`listen address "8080" is not host:port`,
				"must be an origin without path",
				"uses plain http: use https",
				`USERDESK_IDLE_TIMEOUT="soon" is not a positive duration`,
				`USERDESK_ABSOLUTE_TIMEOUT="-1h" is not a positive duration`,
				`USERDESK_SECTION_TIMEOUT="0s" is not a positive duration`,
				`USERDESK_PROTECTED_ROLES: "bad\tname" is not a role name`,
				"USERDESK_ASSIGNABLE_ROLES lists 101 roles; at most 100",
				`USERDESK_TRUSTED_PROXIES: "10.0.0.0" is not a CIDR`,
				`USERDESK_LOG_LEVEL="loud"`,
				"USERDESK_DOMAIN=\"https://acme.eu.auth0.com/\" must be a bare host name",
				`USERDESK_API_URL="ftp://x" is not an absolute http(s) URL`,
				`USERDESK_MGMT_RATE="-1"`,
				`USERDESK_OIDC_ISSUER="http://login.acme.example/" uses plain http`,
				"USERDESK_SESSION_SECRETS: key 1 is 5 bytes; each key must be at least 32 bytes",
			},
		},
		{
			name: "conflicting and partial settings",
			env: good.with(
				"USERDESK_MGMT_TOKEN", "tok",
				"USERDESK_OIDC_CLIENT_SECRET_FILE", "/nonexistent/secret",
				"USERDESK_IDLE_TIMEOUT", "9h",
				"USERDESK_SECTION_TIMEOUT", "2m",
				"USERDESK_HELPDESK_ROLES", "staff",
				"USERDESK_VIEWER_ROLES", "staff",
			),
			want: []string{
				"USERDESK_IDLE_TIMEOUT (9h0m0s) is longer than USERDESK_ABSOLUTE_TIMEOUT (8h0m0s)",
				"USERDESK_SECTION_TIMEOUT (2m0s) is longer than 50s",
				`role value "staff" is in both USERDESK_HELPDESK_ROLES and USERDESK_VIEWER_ROLES`,
				"set either USERDESK_MGMT_TOKEN or USERDESK_MGMT_CLIENT_ID/USERDESK_MGMT_CLIENT_SECRET, not both",
				"USERDESK_OIDC_CLIENT_SECRET and USERDESK_OIDC_CLIENT_SECRET_FILE are both set",
			},
		},
		{
			name: "client id without secret",
			env:  good.with("USERDESK_MGMT_CLIENT_SECRET", ""),
			want: []string{"USERDESK_MGMT_CLIENT_SECRET is required with USERDESK_MGMT_CLIENT_ID"},
		},
		{
			name: "unreadable secret file",
			env:  good.with("USERDESK_SESSION_SECRETS", "", "USERDESK_SESSION_SECRETS_FILE", "/nonexistent/keys"),
			want: []string{"USERDESK_SESSION_SECRETS_FILE: cannot read the file", "USERDESK_SESSION_SECRETS is required"},
		},
		{
			name: "unknown flag",
			args: []string{"-verbose"},
			env:  good,
			want: []string{"flag provided but not defined: -verbose"},
		},
		{
			name: "stray argument",
			args: []string{"serve"},
			env:  good,
			want: []string{"unexpected arguments: serve"},
		},
		{
			name: "demo with a bad address",
			args: []string{"-demo", "-addr", "nope", "-base-url", "localhost:8080"},
			env:  env{},
			want: []string{`listen address "nope"`, `USERDESK_BASE_URL="localhost:8080" is not an http(s) URL`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, tt.env.get)
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("Load() error = %v, want *config.Error", err)
			}
			if len(cerr.Problems) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(cerr.Problems), len(tt.want), err)
			}
			for i, want := range tt.want {
				if i < len(cerr.Problems) && !strings.Contains(cerr.Problems[i], want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, cerr.Problems[i], want)
				}
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error message lacks %q:\n%v", want, err)
				}
			}
		})
	}
}

// TestLoadRedis: the Redis settings' problems, each in plain words, none showing the password.
func TestLoadRedis(t *testing.T) {
	for _, tt := range []struct{ url, prefix, timeout, want string }{
		{url: "http://:pw-secret@redis:6379", want: "must start with redis:// or rediss://"},
		{url: "redis://:pw-secret@/0", want: "names no host"},
		{url: "redis://:pw-secret@redis:6379/zero", want: "database number"},
		{url: "redis://:pw-secret@redis:99999/0", want: "not a port number"},
		{url: "redis://:pw-secret@redis/0?tls=1", want: "query"},
		{prefix: "user desk", want: "USERDESK_REDIS_PREFIX"},
		{timeout: "5ms", want: "between 10ms and 10s"},
		{timeout: "1m", want: "between 10ms and 10s"},
	} {
		_, err := Load(nil, good.with("USERDESK_REDIS_URL", tt.url, "USERDESK_REDIS_PREFIX", tt.prefix, "USERDESK_REDIS_TIMEOUT", tt.timeout).get)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "pw-secret") {
			t.Errorf("%+v: %v; want a problem about %q without the password", tt, err, tt.want)
		}
	}
	c, err := Load(nil, good.with("USERDESK_REDIS_URL", "redis://default:pw-secret@127.0.0.1:6379/0").get)
	if err != nil {
		t.Fatal(err)
	}
	if r := c.RedisURLRedacted(); strings.Contains(r, "pw-secret") || !strings.Contains(r, "127.0.0.1:6379") {
		t.Errorf("RedisURLRedacted() = %q", r)
	}
}

// TestErrorsNeverShowSecrets checks that a rejected secret's value is not in the message.
func TestErrorsNeverShowSecrets(t *testing.T) {
	_, err := Load(nil, good.with("USERDESK_SESSION_SECRETS", "hunter2-not-long-enough").get)
	if err == nil {
		t.Fatal("Load accepted a short session secret")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the secret: %v", err)
	}
}

func TestLoadHelp(t *testing.T) {
	_, err := Load([]string{"-h"}, good.get)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("Load(-h) error = %v, want flag.ErrHelp", err)
	}
}

// TestSettingsListEveryVariableRead checks that Load reads no environment variable the
// Settings table (and so the README) does not document.
func TestSettingsListEveryVariableRead(t *testing.T) {
	documented := map[string]bool{}
	for _, s := range Settings() {
		if s.Description == "" || strings.Contains(s.Description, "\n") {
			t.Errorf("%s: the description must be one line", s.Env)
		}
		documented[s.Env] = true
		if s.Secret {
			documented[s.Env+"_FILE"] = true
		}
	}
	read := map[string]bool{}
	getenv := func(name string) string { read[name] = true; return good[name] }
	if _, err := Load(nil, getenv); err != nil {
		t.Fatal(err)
	}
	for name := range read {
		if !documented[name] {
			t.Errorf("Load reads %s, which Settings does not list", name)
		}
	}
	for name := range documented {
		if !read[name] {
			t.Errorf("Settings lists %s, which Load never reads", name)
		}
	}
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	rows := strings.Count(b.String(), "\n") - 2
	if rows != len(Settings()) {
		t.Errorf("table has %d rows, want %d:\n%s", rows, len(Settings()), b.String())
	}
	for _, want := range []string{"| `USERDESK_SESSION_SECRETS` (or `USERDESK_SESSION_SECRETS_FILE`) |", "`30m`", ", flag `-base-url`"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

// checkBuiltin checks that p is the built-in policy with these claim values.
func checkBuiltin(t *testing.T, p *policy.Policy, admin, helpdesk, viewer []string) {
	t.Helper()
	if p == nil || p.Source() != "built-in" {
		t.Fatalf("Policy = %v, want the built-in policy", p)
	}
	g := p.Groups()
	if len(g) != 3 || !slices.Equal(g[0].Members, viewer) || !slices.Equal(g[1].Members, helpdesk) || !slices.Equal(g[2].Members, admin) {
		t.Errorf("built-in policy groups %+v, want viewer %q, helpdesk %q, admin %q", g, viewer, helpdesk, admin)
	}
}

// TestLoadMFAAndStepUp: multi-factor is on unless turned off in words Load understands, and the
// step-up age must leave time to sign in again and fit in a session.
func TestLoadMFAAndStepUp(t *testing.T) {
	for v, want := range map[string]bool{"": true, "true": true, "1": true, "YES": true, "false": false, "0": false, "off": false} {
		c, err := Load(nil, good.with("USERDESK_REQUIRE_MFA", v).get)
		if err != nil || c.RequireMFA != want {
			t.Errorf("USERDESK_REQUIRE_MFA=%q: RequireMFA %v (%v), want %v", v, c.RequireMFA, err, want)
		}
	}
	for _, tt := range []struct {
		env  env
		want string
	}{
		{good.with("USERDESK_REQUIRE_MFA", "maybe"), `USERDESK_REQUIRE_MFA="maybe" is not true or false`},
		{good.with("USERDESK_STEP_UP_MAX_AGE", "30s"), "USERDESK_STEP_UP_MAX_AGE (30s) is shorter than 1m0s"},
		{good.with("USERDESK_STEP_UP_MAX_AGE", "9h"), "USERDESK_STEP_UP_MAX_AGE (9h0m0s) is longer than USERDESK_ABSOLUTE_TIMEOUT (8h0m0s)"},
		{good.with("USERDESK_STEP_UP_MAX_AGE", "never"), `USERDESK_STEP_UP_MAX_AGE="never" is not a positive duration`},
	} {
		_, err := Load(nil, tt.env.get)
		var cerr *Error
		if !errors.As(err, &cerr) || len(cerr.Problems) != 1 || !strings.Contains(cerr.Problems[0], tt.want) {
			t.Errorf("Load = %v, want the one problem %q", err, tt.want)
		}
	}
}

// TestLoadLimits: the per-person limits' settings are checked, every problem named with its
// setting and the form it takes.
func TestLoadLimits(t *testing.T) {
	for _, tt := range []struct{ env, value, want string }{
		{"USERDESK_LIMIT_CHANGES", "30", "RATE/PERIOD"},
		{"USERDESK_LIMIT_CHANGES", "0/1m", "rate must be a whole number from 1"},
		{"USERDESK_LIMIT_CHANGES", "-3/1m", "rate must be a whole number from 1"},
		{"USERDESK_LIMIT_EMAILS", "3/10 minutes", "period must be a duration from 1s to 24h"},
		{"USERDESK_LIMIT_EMAILS", "3/10ms", "period must be a duration from 1s to 24h"},
		{"USERDESK_LIMIT_EMAILS", "3/48h", "period must be a duration from 1s to 24h"},
		{"USERDESK_LIMIT_SEARCHES", "10/1s,20", "burst must be burst=N"},
		{"USERDESK_LIMIT_SEARCHES", "10/1s,burst=0", "burst must be burst=N"},
	} {
		_, err := Load(nil, good.with(tt.env, tt.value).get)
		if err == nil || !strings.Contains(err.Error(), tt.env) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s=%q: %v; want a problem naming it and %q", tt.env, tt.value, err, tt.want)
		}
	}
	for v, want := range map[string]Limit{
		"OFF":            {},
		"30/m":           {Rate: 30, Per: time.Minute, Burst: 30},
		"3/10m":          {Rate: 3, Per: 10 * time.Minute, Burst: 3},
		"10/1s,burst=20": {Rate: 10, Per: time.Second, Burst: 20},
	} {
		got, err := ParseLimit(v)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %+v, %v; want %+v", v, got, err, want)
		}
		if again, _ := ParseLimit(got.String()); again != want {
			t.Errorf("ParseLimit(%q.String() = %q) = %+v", v, got.String(), again)
		}
	}
}
