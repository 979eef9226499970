// Package auth0apitest is an emulated Auth0 tenant in memory: one
// http.Handler that answers the Auth0 Management API v2 for everything
// userdesk's client (package auth0api) calls — users, their roles,
// permissions, organizations, MFA factors, authentication methods and
// logs; brute-force lockouts, login sessions, refresh tokens and grants;
// the tenant's roles, resource servers and connections; password
// change tickets and verification-email jobs; account linking, MFA
// enrollment tickets and users-export jobs, whose files it serves itself
// behind signed, expiring links — with Auth0's shapes,
// envelopes, error bodies, scope checks and rate-limit headers, plus the
// Authentication API pieces (OIDC discovery, authorize, token, userinfo,
// logout through package authapi, and the password-reset e-mail of
// /dbconnections/change_password, recorded in PasswordResetEmails).
//
// Tests, benchmarks and the dashboard's demo mode run on it. Knobs add
// latency, rate limits and faults, and a plan without the Enterprise-only
// endpoints (SetPlan); Calls records every Management API request. The
// fixtures (fixtures.go, fixtures_access.go) are the same in every tenant.
// All methods are safe for concurrent use.
package auth0apitest

import (
	"context"
	cryptorand "crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest/authapi"
)

// Options configures a Tenant. The zero value is a usable tenant with the
// fixture users only, served at http://127.0.0.1.
type Options struct {
	// BaseURL is the public URL the tenant is served at, without a trailing
	// slash, e.g. "http://127.0.0.1:4000" or "http://localhost:8080/tenant".
	// The handler receives requests with any path prefix already stripped.
	BaseURL string
	// Users is how many realistic users to seed besides the fixtures.
	Users int
	// Seed makes the seeded data deterministic: the same Seed, Users and
	// clock reading at New give the same tenant.
	Seed int64
	// Now is the tenant's clock; nil means time.Now. The seeded data (the
	// fixtures included) is dated relative to its reading at New, never after
	// it: Ada Lovelace last logged in two days before, many users within the
	// last week, so a demo started today shows recent activity.
	Now func() time.Time
	// Latency is added to every Management API call (see SetLatency).
	Latency time.Duration
	// RateLimit and RateBurst configure the token bucket (see SetRateLimit);
	// a zero RateLimit means no limit.
	RateLimit float64
	RateBurst int

	// Clients are the interactive (authorization-code) clients of the
	// sign-in side.
	Clients []Client
	// Machines are the client-credentials clients that may obtain
	// Management API tokens at /oauth/token.
	Machines []Machine
	// Staff are the demo and test sign-in accounts; each is also a tenant
	// user in the database connection.
	Staff []StaffAccount
	// RoleClaim is the ID-token claim that carries a staff account's Roles;
	// default DefaultRoleClaim.
	RoleClaim string

	// Plan is the tenant's Auth0 plan (see SetPlan); "" is PlanEnterprise, on which the
	// session and refresh-token endpoints exist.
	Plan Plan
	// SecondFactor is the sign-in's one-time-code second step (see
	// authapi.SecondFactor); the zero value enables no factor, so a request
	// for multi-factor is not met.
	SecondFactor authapi.SecondFactor
	// BackChannel sends the back-channel logout requests to the Clients'
	// BackChannelLogoutURI; nil means a plain client with a 5 s timeout.
	BackChannel *http.Client
}

// DefaultRoleClaim is the ID-token claim carrying staff roles unless
// Options.RoleClaim says otherwise.
const DefaultRoleClaim = "https://userdesk.example/roles"

// Machine is a client-credentials client: at /oauth/token, its id and
// secret with the audience BaseURL+"/api/v2/" obtain a Management API
// token carrying Scopes.
type Machine struct {
	ClientID     string
	ClientSecret string
	Scopes       []string
}

// StaffAccount is a person who can sign in to the tenant (and so to the
// dashboard). Each is also a user of the tenant's database connection;
// Roles are put in the ID token under Options.RoleClaim.
type StaffAccount struct {
	Email    string
	Password string
	Name     string
	Roles    []string
}

// Call is one recorded Management API request.
type Call struct {
	Method string
	// Path is the escaped path after /api/v2, e.g. "/users/auth0%7C123/roles".
	Path  string
	Query url.Values
	Body  []byte
}

// Fault makes a route misbehave (see Tenant.Fail).
type Fault struct {
	// Status answers with this status and Body (Auth0's error body for the
	// status when Body is empty). A 429 also sets the rate-limit headers.
	Status int
	Body   string
	// Hang blocks until the request is cancelled.
	Hang bool
	// Malformed answers with a truncated JSON body (status Status, or 200).
	Malformed bool
	// Times is how many requests the fault applies to; 0 means until
	// ClearFaults.
	Times int
}

// Ticket is a password-change ticket that was asked for.
type Ticket struct {
	URL  string
	Body map[string]any
}

// Job is a verification-email job that was asked for.
type Job struct {
	ID        string
	Body      map[string]any
	CreatedAt time.Time
}

// Tenant is an emulated Auth0 tenant. Create it with New or NewServer.
type Tenant struct {
	baseURL   string
	now       func() time.Time
	seed      int64
	roleClaim string
	machines  []Machine
	staff     []StaffAccount
	clients   []Client

	minter  *tokenMinter
	limiter bucket
	latency atomic.Int64

	mu  sync.RWMutex // guards dir
	dir *directory

	callsMu sync.Mutex
	calls   []Call

	faultsMu sync.Mutex
	faults   map[string]*Fault

	signIn   http.Handler      // the Authentication API
	provider *authapi.Provider // the same, for its knobs
	table    []route           // the Management API endpoints

	plan      planSetting // account security (issue 12): Enterprise-only endpoints
	exportKey []byte      // signs users-export download links
}

// New creates a tenant seeded with the fixtures, opts.Users realistic users
// and the roles, resource servers, organizations and connections they use.
// It panics if the machine cannot generate an RSA key or if opts.Clients
// are invalid for authapi (e.g. a client without redirect URIs).
func New(opts Options) *Tenant {
	t := &Tenant{
		baseURL:   strings.TrimSuffix(opts.BaseURL, "/"),
		now:       opts.Now,
		seed:      opts.Seed,
		roleClaim: opts.RoleClaim,
		machines:  append([]Machine(nil), opts.Machines...),
		staff:     append([]StaffAccount(nil), opts.Staff...),
		clients:   append([]Client(nil), opts.Clients...),
		faults:    map[string]*Fault{},
	}
	if t.baseURL == "" {
		t.baseURL = "http://127.0.0.1"
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.roleClaim == "" {
		t.roleClaim = DefaultRoleClaim
	}
	m, err := newTokenMinter()
	if err != nil {
		panic(err)
	}
	t.minter = m
	t.exportKey = make([]byte, 32)
	_, _ = cryptorand.Read(t.exportKey)
	t.latency.Store(int64(opts.Latency))
	t.plan.set(opts.Plan)
	t.limiter.set(opts.RateLimit, opts.RateBurst, t.now())
	t.dir = newDirectory(t.baseURL, opts.Seed, t.now)
	t.dir.seedUsers(opts.Users)
	for _, s := range t.staff {
		t.dir.addStaff(s)
	}
	t.table = routes()
	t.provider = t.newSignIn(opts.Now, opts.SecondFactor, opts.BackChannel)
	t.signIn = t.provider
	return t
}

// NewServer starts a tenant on an httptest.Server, sets its BaseURL to the
// server's URL and closes the server when the test ends.
func NewServer(tb testing.TB, opts Options) (*Tenant, *httptest.Server) {
	tb.Helper()
	srv := httptest.NewUnstartedServer(nil)
	opts.BaseURL = "http://" + srv.Listener.Addr().String()
	t := New(opts)
	srv.Config.Handler = t
	srv.Start()
	tb.Cleanup(srv.Close)
	return t, srv
}

// BaseURL returns the public URL the tenant is served at.
func (t *Tenant) BaseURL() string { return t.baseURL }

// Issuer returns the tenant's issuer, BaseURL + "/" (Auth0 issuers end in a slash).
func (t *Tenant) Issuer() string { return t.baseURL + "/" }

// Audience returns the Management API audience, BaseURL + "/api/v2/".
func (t *Tenant) Audience() string { return t.baseURL + "/api/v2/" }

// Token mints a Management API bearer token with scopes, valid for 24 hours.
// Token(AllScopes...) is accepted by every endpoint.
func (t *Tenant) Token(scopes ...string) string {
	return t.TokenFor(TestClientID, scopes, tokenLifetime)
}

// TokenFor mints a Management API token for clientID with scopes, valid for
// ttl from now (a negative ttl gives an expired token).
func (t *Tenant) TokenFor(clientID string, scopes []string, ttl time.Duration) string {
	tok, err := t.minter.mint(t.Issuer(), t.Audience(), clientID, scopes, t.now(), ttl)
	if err != nil {
		panic(err) // signing with an in-memory RSA key does not fail
	}
	return tok
}

// SetLatency adds d to every Management API call; the wait ends early when
// the request is cancelled.
func (t *Tenant) SetLatency(d time.Duration) { t.latency.Store(int64(d)) }

// SetRateLimit sets the tenant's token bucket: burst requests at once,
// refilled at rate per second. A zero rate turns the limit off.
func (t *Tenant) SetRateLimit(rate float64, burst int) { t.limiter.set(rate, burst, t.now()) }

// Fail makes route misbehave as f says. route is "METHOD /template", the
// template as in Auth0's documentation with {id} for the user id, e.g.
// "GET /users/{id}/roles" or "GET /users"; "*" matches every route.
func (t *Tenant) Fail(route string, f Fault) {
	t.faultsMu.Lock()
	defer t.faultsMu.Unlock()
	t.faults[route] = &f
}

// ClearFaults removes every fault.
func (t *Tenant) ClearFaults() {
	t.faultsMu.Lock()
	defer t.faultsMu.Unlock()
	clear(t.faults)
}

// takeFault returns the fault for route, counting it down.
func (t *Tenant) takeFault(route string) (Fault, bool) {
	t.faultsMu.Lock()
	defer t.faultsMu.Unlock()
	for _, key := range []string{route, "*"} {
		f, ok := t.faults[key]
		if !ok {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				delete(t.faults, key)
			}
		}
		return *f, true
	}
	return Fault{}, false
}

// Calls returns the recorded Management API calls, in order, including
// those refused (401, 403, 429, faults).
func (t *Tenant) Calls() []Call {
	t.callsMu.Lock()
	defer t.callsMu.Unlock()
	return append([]Call(nil), t.calls...)
}

// ResetCalls forgets the recorded calls.
func (t *Tenant) ResetCalls() {
	t.callsMu.Lock()
	defer t.callsMu.Unlock()
	t.calls = nil
}

func (t *Tenant) record(c Call) {
	t.callsMu.Lock()
	defer t.callsMu.Unlock()
	t.calls = append(t.calls, c)
}

// PutUser adds a user, or replaces the profile of an existing one (keeping
// its password, roles, permissions, organizations, factors and logs),
// given as a raw Auth0 user object with a "user_id". A new user has no
// password and no relations. The object is copied (through JSON, so
// numbers become float64 as in any decoded body).
func (t *Tenant) PutUser(u map[string]any) {
	obj := normalize(u)
	id, _ := obj["user_id"].(string)
	if id == "" {
		panic("auth0apitest: PutUser: the user has no user_id")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if rec := t.dir.users[id]; rec != nil {
		t.dir.extras(rec)
		rec.obj = obj
		return
	}
	t.dir.put(&userRec{id: id, obj: obj, seedIndex: -1, extra: &userExtra{}})
}

// User returns a copy of the user with id, as stored.
func (t *Tenant) User(id string) (map[string]any, bool) {
	t.mu.RLock()
	rec := t.dir.users[id]
	t.mu.RUnlock()
	if rec == nil {
		return nil, false
	}
	return normalize(rec.obj), true
}

// UserRoles returns the ids of the roles assigned to the user.
func (t *Tenant) UserRoles(id string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.dir.users[id]
	if rec == nil {
		return nil
	}
	return append([]string(nil), t.dir.extras(rec).roles...)
}

// Tickets returns the password-change tickets asked for, in order.
func (t *Tenant) Tickets() []Ticket {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return append([]Ticket(nil), t.dir.tickets...)
}

// VerificationJobs returns the verification-email jobs asked for, in order.
func (t *Tenant) VerificationJobs() []Job {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return append([]Job(nil), t.dir.jobs...)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
