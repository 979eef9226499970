// Package auth0api is userdesk's client of the Auth0 Management API v2.
//
// Its surface is the Users API of the Auth0 Python SDK 4.x ("the seed":
// auth0.management.users.Users) done properly in Go, plus the few calls the
// dashboard needs beside it: the roles catalog, resource servers, connections,
// password-change tickets and verification-email jobs, account linking, MFA
// enrollment invitations, users-export jobs and the streaming download of
// their file (DownloadUsersExport), and, from the tenant's Authentication
// API, the password-reset e-mail (SendPasswordResetEmail).
// For account security it also covers brute-force lockouts (user blocks), login
// sessions, refresh tokens, grants and revoking a user's access; sessions and
// refresh tokens exist on Enterprise plans only (ErrFeatureUnavailable).
// EndpointScopes says what token scopes each endpoint needs.
//
// # Usage
//
//	c, err := auth0api.New(auth0api.Config{
//		Domain:       "acme.eu.auth0.com",
//		ClientID:     id,
//		ClientSecret: secret,
//		Version:      version,
//	})
//	u, err := c.GetUser(ctx, "auth0|63d17c4a9d503d76c056c160", nil)
//	if errors.Is(err, auth0api.ErrNotFound) { ... }
//
// # Behaviour
//
//   - Every call takes a context and honours it, including while waiting for
//     the rate limiter, a token, or a retry.
//   - Path segments (user ids, method ids) are escaped so that no id can
//     change the path or the query: "auth0|abc" goes out as "auth0%7Cabc",
//     "/", "?", "#" and "%" are escaped, "." and ".." become "%2E" and
//     "%2E%2E". An empty id is refused with ErrInvalidID before any request.
//   - Query parameters follow the seed: booleans are the strings "true" and
//     "false", include_fields is always sent on list and get calls, fields are
//     joined with commas, and unset optional parameters are absent.
//   - Requests carry Authorization: Bearer, Accept: application/json,
//     Content-Type: application/json only when there is a body (the seed sends
//     it on every request), and, unless Config.NoTelemetry, an Auth0-Client
//     header (base64 JSON naming userdesk, its version and the Go version) and
//     User-Agent "userdesk/VERSION".
//   - Connect and read timeouts are separate; a response body stalling for
//     longer than the read timeout ends the call, and bodies are capped at
//     10 MiB. Redirects are never followed.
//   - Errors from Auth0 are *Error values carrying the status, Auth0's error
//     code and message and, for a 429, the time the rate limit resets.
//   - Only 429 answers are retried (a 429 was not processed, so even a POST
//     is safe to send again): exponential backoff with jitter as the seed, or,
//     when x-ratelimit-reset is sent, a wait until then — unless that is past
//     the context's deadline or Config.MaxRetryWait, in which case the call
//     fails at once with the reset time. 5xx answers and network errors are
//     never retried: a POST must never run twice.
//   - Requests are paced by a Limiter. The default learns the tenant's budget
//     from the x-ratelimit-* headers (bucket size from the limit, refill rate
//     measured, every answer resetting the pace to what Auth0 says is left)
//     and keeps under it, so a busy dashboard queues briefly instead of
//     collecting 429s; Config.RequestsPerSecond fixes a rate instead, and
//     userdesk/redisstore shares one budget between replicas.
//   - Tokens come from Config.Token or the client-credentials grant; a grant
//     is cached until shortly before it expires, one refresh runs at a time no
//     matter how many calls wait (across replicas with a Config.TokenCache),
//     and a 401 drops it and retries once.
//   - Models (User, Role, ...) have value fields and keep every key they do
//     not know in Extra; a decoded model encodes back to the same JSON.
//
// The Auth0 reference for every endpoint is linked from each method's
// documentation.
package auth0api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"
)

// Config configures a Client. The zero value plus Domain and Token (or
// ClientID and ClientSecret) gives the seed SDK's defaults.
type Config struct {
	// Domain is the tenant's domain, e.g. "acme.eu.auth0.com". A scheme, if
	// given, is dropped.
	Domain string
	// BaseURL overrides "https://DOMAIN/api/v2", e.g.
	// "http://127.0.0.1:4000/tenant/api/v2" for the emulated tenant.
	BaseURL string
	// Token is a static Management API token. Leave it empty to use the
	// client-credentials grant with ClientID and ClientSecret.
	Token        string
	ClientID     string
	ClientSecret string
	// TokenURL defaults to "https://DOMAIN/oauth/token", or, when BaseURL is
	// set, to BaseURL's origin and path prefix (before "/api/v2") plus
	// "/oauth/token".
	TokenURL string
	// AuthenticationURL is the base of the tenant's Authentication API, where
	// SendPasswordResetEmail posts /dbconnections/change_password. It
	// defaults to "https://DOMAIN", or, when BaseURL is set, to BaseURL's
	// origin and path prefix (before "/api/v2").
	AuthenticationURL string
	// Audience defaults to "https://DOMAIN/api/v2/" (or BaseURL plus "/" when
	// there is no Domain).
	Audience string
	// Version is userdesk's version, sent in the Auth0-Client header and the
	// User-Agent.
	Version string
	// NoTelemetry omits the Auth0-Client and User-Agent headers.
	NoTelemetry bool
	// ConnectTimeout bounds dialing and the TLS handshake; default 5s.
	ConnectTimeout time.Duration
	// ReadTimeout bounds the wait for response headers and for each read of
	// the response body; default 10s.
	ReadTimeout time.Duration
	// Retries is how often a 429 is retried: 0 means the default 3, a
	// negative number none; at most 10.
	Retries int
	// MaxRetryWait is the longest the client waits before a retry; a rate
	// limit that resets later fails at once. Default 10s.
	MaxRetryWait time.Duration
	// RequestsPerSecond sets a fixed client-side limit (an override) with
	// Burst (default: one second's worth, the rate rounded up, so that the
	// user page's eight calls can go out together when the budget allows).
	// 0 means Limiter.
	RequestsPerSecond float64
	Burst             int
	// Limiter paces the Management API requests when RequestsPerSecond is 0:
	// nil means an AdaptiveLimiter of this client's own, which learns the
	// tenant's budget from the x-ratelimit-* headers (no setting needed);
	// userdesk/redisstore provides one shared by every replica.
	Limiter Limiter
	// TokenCache shares the client-credentials token with other replicas
	// (userdesk/redisstore); nil keeps it in this client only.
	TokenCache TokenCache
	// Transport replaces the client's own transport (tests, metrics). The
	// connect and header timeouts are then the transport's business; the
	// body read timeout still applies.
	Transport http.RoundTripper
	// Observer receives hooks for metrics; it may be nil.
	Observer Observer
}

// Observer receives one call per HTTP attempt, per retry wait and per token
// refresh. op is the endpoint template, e.g. "GET /users/{id}/roles". Its
// methods are called from the goroutine making the call and must be safe for
// concurrent use.
type Observer interface {
	// Request reports one HTTP attempt: its status (0 on a transport error),
	// its duration and its transport error, if any.
	Request(op string, status int, d time.Duration, err error)
	// Retry reports a wait before retrying op after a 429.
	Retry(op string, wait time.Duration)
	// TokenRefresh reports a client-credentials token request.
	TokenRefresh(d time.Duration, err error)
	// RateLimit reports the rate-limit state Auth0 sent with an answer to op
	// (the token endpoint's included), after every attempt whose answer
	// carried at least one valid x-ratelimit-* header: limit is
	// x-ratelimit-limit (the bucket's size), remaining is
	// x-ratelimit-remaining (requests left until it refills), reset is
	// x-ratelimit-reset (when it refills). A header that is missing or
	// malformed gives -1 (or, for reset, the zero time).
	RateLimit(op string, limit, remaining int, reset time.Time)
}

// Client calls the Management API (and, for password-reset e-mails, the
// Authentication API). It is safe for concurrent use.
type Client struct {
	base         *url.URL
	authBase     *url.URL // the Authentication API
	http         *http.Client
	tokens       *tokenSource
	limiter      Limiter
	observer     Observer
	retries      int
	maxRetryWait time.Duration
	readTimeout  time.Duration
	headerWait   time.Duration // the longest an attempt waits for response headers
	telemetry    string        // Auth0-Client value, "" when off
	userAgent    string        // "" when telemetry is off

	// now and sleep are replaced by tests.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// Defaults.
const (
	defaultConnectTimeout = 5 * time.Second
	defaultReadTimeout    = 10 * time.Second
	defaultRetries        = 3
	maxRetries            = 10
	defaultMaxRetryWait   = 10 * time.Second
	maxResponseBytes      = 10 << 20
	maxIdleConns          = 128
)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	var problems []string
	domain := cfg.Domain
	if _, rest, ok := strings.Cut(domain, "://"); ok {
		domain = rest
	}
	domain = strings.TrimRight(domain, "/")

	baseStr := strings.TrimRight(cfg.BaseURL, "/")
	if baseStr == "" && domain != "" {
		baseStr = "https://" + domain + "/api/v2"
	}
	var base *url.URL
	switch {
	case baseStr == "":
		problems = append(problems, "Domain or BaseURL is required")
	default:
		u, err := url.Parse(baseStr)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			problems = append(problems, fmt.Sprintf("BaseURL %q is not an http(s) URL without query", baseStr))
		} else {
			base = u
		}
	}
	if cfg.Token == "" && (cfg.ClientID == "" || cfg.ClientSecret == "") {
		problems = append(problems, "Token, or ClientID and ClientSecret, are required")
	}
	if cfg.RequestsPerSecond < 0 {
		problems = append(problems, "RequestsPerSecond must not be negative")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("auth0api: invalid config: %s", strings.Join(problems, "; "))
	}

	prefix := strings.TrimSuffix(baseStr, "/api/v2")
	if cfg.BaseURL == "" {
		prefix = "https://" + domain
	}
	tokenURL := cfg.TokenURL
	if tokenURL == "" {
		tokenURL = prefix + "/oauth/token"
	}
	authStr := strings.TrimRight(cfg.AuthenticationURL, "/")
	if authStr == "" {
		authStr = prefix
	}
	authBase, err := url.Parse(authStr)
	if err != nil || (authBase.Scheme != "http" && authBase.Scheme != "https") || authBase.Host == "" || authBase.RawQuery != "" || authBase.Fragment != "" {
		return nil, fmt.Errorf("auth0api: invalid config: AuthenticationURL %q is not an http(s) URL without query", authStr)
	}
	audience := cfg.Audience
	if audience == "" {
		if domain != "" {
			audience = "https://" + domain + "/api/v2/"
		} else {
			audience = baseStr + "/"
		}
	}

	connect := orDefault(cfg.ConnectTimeout, defaultConnectTimeout)
	read := orDefault(cfg.ReadTimeout, defaultReadTimeout)
	transport := cfg.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		dialer := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
		t.DialContext = dialer.DialContext
		t.TLSHandshakeTimeout = connect
		t.ResponseHeaderTimeout = read
		// Every call goes to one host: keep as many idle connections to it as a busy
		// dashboard has calls in flight, so that bursts reuse them instead of opening
		// (and, against Auth0, TLS-handshaking) new ones.
		t.MaxIdleConns = maxIdleConns
		t.MaxIdleConnsPerHost = maxIdleConns
		transport = t
	}

	retries := cfg.Retries
	switch {
	case retries == 0:
		retries = defaultRetries
	case retries < 0:
		retries = 0
	case retries > maxRetries:
		retries = maxRetries
	}

	c := &Client{
		base:     base,
		authBase: authBase,
		http: &http.Client{
			Transport: transport,
			// Auth0's API never redirects; following one would resend the
			// bearer token somewhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		observer:     cfg.Observer,
		retries:      retries,
		maxRetryWait: orDefault(cfg.MaxRetryWait, defaultMaxRetryWait),
		readTimeout:  read,
		headerWait:   2*connect + read,
		now:          time.Now,
		sleep:        sleepContext,
	}
	if cfg.RequestsPerSecond > 0 {
		burst := cfg.Burst
		if burst <= 0 {
			burst = int(math.Ceil(cfg.RequestsPerSecond))
		}
		c.limiter = NewFixedLimiter(cfg.RequestsPerSecond, burst)
	} else if c.limiter = cfg.Limiter; c.limiter == nil {
		c.limiter = NewAdaptiveLimiter()
	}
	if !cfg.NoTelemetry {
		version := orDefault(cfg.Version, "dev")
		c.telemetry = telemetryHeader(version)
		c.userAgent = "userdesk/" + version
	}
	c.tokens = &tokenSource{
		static:       cfg.Token,
		url:          tokenURL,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		audience:     audience,
		client:       c,
		cache:        cfg.TokenCache,
	}
	return c, nil
}

// orDefault returns v, or def when v is the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func telemetryHeader(version string) string {
	type env struct {
		Go string `json:"go"`
	}
	b, _ := json.Marshal(struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Env     env    `json:"env"`
	}{"userdesk", version, env{runtime.Version()}})
	return base64.StdEncoding.EncodeToString(b)
}

// TokenScopes returns the scopes of the Management API token: those the
// client-credentials grant answered with, or, for a static token, the
// "scope" claim of its JWT payload (read without verifying the signature,
// which is Auth0's job). The dashboard checks them at start-up.
func (c *Client) TokenScopes(ctx context.Context) ([]string, error) {
	if c.tokens.static != "" {
		scopes, err := jwtScopes(c.tokens.static)
		if err != nil {
			return nil, fmt.Errorf("auth0api: token scopes: %w", err)
		}
		return scopes, nil
	}
	g, err := c.tokens.current(ctx)
	if err != nil {
		return nil, err
	}
	return g.scopes, nil
}

// jwtScopes reads the scope claim of a JWT's payload.
func jwtScopes(token string) ([]string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("static token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("static token payload: %w", err)
	}
	var claims struct {
		Scope json.RawMessage `json:"scope"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("static token payload: %w", err)
	}
	var s string
	if len(claims.Scope) > 0 && json.Unmarshal(claims.Scope, &s) == nil {
		return strings.Fields(s), nil
	}
	var list []string
	if len(claims.Scope) > 0 && json.Unmarshal(claims.Scope, &list) == nil {
		return list, nil
	}
	return nil, nil
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
