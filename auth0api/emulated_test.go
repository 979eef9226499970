package auth0api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/auth0api/internal/reftest"
)

// The emulated-tenant run of methodCases: every client method against
// auth0apitest instead of canned answers. Each case gets a fresh tenant
// seeded with the ids the cases use; every request the client sends is
// validated against Auth0's OpenAPI description of the Users endpoints.

// emuRefusals are the cases the emulated tenant refuses on purpose,
// because Auth0 refuses them too: the canned-answer table sends
// parameters that only make sense against a canned server.
var emuRefusals = map[string]int{
	"ListUsers/all":  http.StatusBadRequest, // search_engine=v2: "You are not allowed to use search_engine=v2."
	"AddUserRoles":   http.StatusBadRequest, // "rol_2" is not in the tenant's catalog
	"UpdateUser/all": http.StatusBadRequest, // sets password and email at once: "Cannot update password and email simultaneously."
	"CreateUser/all": http.StatusBadRequest, // password "pw": "PasswordStrengthError: Password is too weak"
	// The recorded connection, job and token ids are not the tenant's.
	"LinkUserIdentity/with connection_id": http.StatusBadRequest, // "The provider/connection is not configured."
	"LinkUserIdentity/link_with":          http.StatusBadRequest, // "Invalid token (link_with)."
	"CreateUsersExportJob/all":            http.StatusBadRequest, // "The connection does not exist."
	"GetJob":                              http.StatusNotFound,   // "Job not found."
	"GetJobErrors/none":                   http.StatusNotFound,   // "The job does not exist"
	"GetJobErrors/import":                 http.StatusNotFound,
	"GetJobErrors/failed export":          http.StatusNotFound,
}

// emuSpec validates requests against the OpenAPI description.
type emuSpec struct {
	t    *testing.T
	v    validator.Validator
	mu   sync.Mutex
	seen int
}

func newEmuSpec(t *testing.T) *emuSpec {
	t.Helper()
	doc, err := libopenapi.NewDocument(reftest.OpenAPI(t))
	if err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("OpenAPI validator: %v", errs)
	}
	return &emuSpec{t: t, v: v}
}

// transport returns a RoundTripper that validates each Management API
// request, then sends it.
func (s *emuSpec) transport(t *testing.T) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil {
			b, err := io.ReadAll(req.Body)
			if err != nil {
				return nil, err
			}
			body = b
			req.Body = io.NopCloser(bytes.NewReader(b))
		}
		if strings.Contains(req.URL.EscapedPath(), "/api/v2/") {
			u := *req.URL
			u.Scheme, u.Host = "https", "tenant.auth0.com"
			vreq, _ := http.NewRequest(req.Method, u.String(), bytes.NewReader(body))
			vreq.Header = req.Header.Clone()
			ok, errs := s.v.ValidateHttpRequestSync(vreq)
			known := true
			for _, e := range errs {
				if e.ValidationType == "path" && e.ValidationSubType == "missing" {
					known = false // an endpoint outside the Users spec (roles, connections, tickets, jobs)
				}
			}
			if known {
				s.mu.Lock()
				s.seen++
				s.mu.Unlock()
				if !ok {
					for _, e := range errs {
						t.Errorf("the client sent %s %s that does not fit the spec: %s: %s (body %.300s)", req.Method, req.URL.RequestURI(), e.Message, e.Reason, body)
					}
				}
			}
		}
		return http.DefaultTransport.RoundTrip(req)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// emuTenant starts a tenant seeded for the method cases and a client on it.
func emuTenant(t *testing.T, spec *emuSpec, token string, mutate func(*auth0api.Config)) (*auth0apitest.Tenant, *auth0api.Client) {
	t.Helper()
	tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{})
	tn.PutResourceServer(map[string]any{"id": "63d17c58628cf381396444fe", "name": "Test Resource Server", "identifier": "https://api.example.com/",
		"scopes": []any{map[string]any{"value": "create:resource", "description": "Create Resource"},
			map[string]any{"value": "read:things", "description": "Read things"},
			map[string]any{"value": "write:things", "description": "Write things"}}})
	if strings.HasPrefix(t.Name(), "TestMethodsOnEmulatedTenant/CreateUser") {
		// the case creates the user the others find seeded
	} else {
		seedCaseUser(tn)
	}
	if token == "" {
		token = tn.Token(auth0apitest.AllScopes...)
	}
	cfg := auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: token, Transport: spec.transport(t)}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := auth0api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tn, c
}

// seedCaseUser puts the user, role, method and log event the cases use.
func seedCaseUser(tn *auth0apitest.Tenant) {
	tn.PutUser(map[string]any{
		"user_id": caseUserID, "email": "chuck878@example.com", "email_verified": true, "username": "test-user636",
		"name": "chuck878@example.com", "nickname": "Chucky", "given_name": "Chuck", "family_name": "Sanchez",
		"picture": "https://example-picture-url.jpg", "created_at": "2023-01-25T19:00:26.539Z", "updated_at": "2023-01-25T19:00:26.539Z",
		"identities":    []any{map[string]any{"connection": "Username-Password-Authentication", "user_id": "63d17c4a9d503d76c056c160", "provider": "auth0", "isSocial": false}},
		"user_metadata": map[string]any{"favourite_attack": "roundhouse_kick"},
		"multifactor":   []any{"google-authenticator"},
	})
	tn.PutRole(map[string]any{"id": caseRoleID, "name": "test-role436", "description": "Test Role"})
	tn.SetAuthenticationMethods(caseUserID, []map[string]any{{
		"id": caseMethodID, "type": "email", "confirmed": true, "name": "Test", "email": "chuck878@example.com",
		"created_at": "2023-03-10T16:25:51.113Z",
	}})
	tn.AddLogEvents(caseUserID, map[string]any{"_id": "900", "log_id": "900", "date": "2023-06-02T10:58:01.495Z", "type": "s", "user_id": caseUserID})
	// Account security (issue 12): the session, refresh token, grant and lockouts the cases act on.
	for _, put := range []struct {
		fn   func(map[string]any) bool
		body string
	}{{tn.PutSession, sessionJSON}, {tn.PutRefreshToken, tokenJSON}, {tn.PutGrant, grantJSON}} {
		var obj map[string]any
		if err := json.Unmarshal([]byte(put.body), &obj); err != nil || !put.fn(obj) {
			panic(fmt.Sprintf("seedCaseUser: %s: %v", put.body, err))
		}
	}
	tn.BlockIdentifier("chuck878@example.com", "10.0.0.1", "Username-Password-Authentication")
	tn.BlockIdentifier("test-user636", "", "Username-Password-Authentication")
}

// TestMethodsOnEmulatedTenant runs every method case against the tenant:
// the call must succeed (or be refused as Auth0 would, see emuRefusals)
// and make the request the case describes. Checks of canned content
// (exact counts, ids minted by the canned server) are only logged.
func TestMethodsOnEmulatedTenant(t *testing.T) {
	spec := newEmuSpec(t)
	for _, mc := range methodCases() {
		t.Run(mc.name, func(t *testing.T) {
			t.Parallel()
			tn, c := emuTenant(t, spec, "", nil)
			tn.ResetCalls()
			err := mc.call(t.Context(), c)
			var apiErr *auth0api.Error
			if want, refused := emuRefusals[mc.name]; refused {
				if !errors.As(err, &apiErr) || apiErr.StatusCode != want {
					t.Fatalf("want a %d refusal, got %v", want, err)
				}
				t.Logf("refused as Auth0 would: %v", err)
				return
			}
			if errors.As(err, &apiErr) {
				t.Fatalf("the tenant refused the call: %v", err)
			}
			if err != nil && strings.Contains(err.Error(), "auth0api:") {
				t.Fatalf("call failed: %v", err)
			}
			if err != nil {
				msg := err.Error()
				t.Logf("canned-content check (expected against the tenant): %.160s", msg)
			}
			calls := tn.Calls()
			if len(calls) == 0 {
				t.Fatal("no request reached the tenant")
			}
			last := calls[len(calls)-1]
			if last.Method != mc.method || last.Path != mc.path {
				t.Errorf("request = %s %s, want %s %s", last.Method, last.Path, mc.method, mc.path)
			}
		})
	}
	t.Cleanup(func() {
		if spec.seen < 30 {
			t.Errorf("only %d client requests were validated against the spec", spec.seen)
		}
	})
}

// TestErrorsOnEmulatedTenant checks the client's errors against the
// tenant's real refusals.
func TestErrorsOnEmulatedTenant(t *testing.T) {
	spec := newEmuSpec(t)
	ctx := t.Context()
	cases := []struct {
		name     string
		token    func(*auth0apitest.Tenant) string
		setup    func(*auth0apitest.Tenant)
		mutate   func(*auth0api.Config)
		call     func(ctx context.Context, c *auth0api.Client) error
		sentinel error
		status   int
		code     string
	}{
		{name: "unknown user", call: func(ctx context.Context, c *auth0api.Client) error {
			_, err := c.GetUser(ctx, "auth0|nobody", nil)
			return err
		}, sentinel: auth0api.ErrNotFound, status: 404, code: "inexistent_user"},
		{name: "unknown user's roles", call: func(ctx context.Context, c *auth0api.Client) error {
			_, err := c.ListUserRoles(ctx, "auth0|nobody", auth0api.PageParams{})
			return err
		}, sentinel: auth0api.ErrNotFound, status: 404},
		{name: "missing scope", token: func(tn *auth0apitest.Tenant) string { return tn.Token("read:users") },
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.DeleteUser(ctx, caseUserID)
			}, sentinel: auth0api.ErrForbidden, status: 403, code: "insufficient_scope"},
		{name: "no token accepted", token: func(*auth0apitest.Tenant) string { return "not-a-jwt" },
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.GetUser(ctx, caseUserID, nil)
				return err
			}, sentinel: auth0api.ErrUnauthorized, status: 401},
		{name: "rate limited", setup: func(tn *auth0apitest.Tenant) { tn.SetRateLimit(0.001, 1) },
			mutate: func(c *auth0api.Config) { c.Retries = -1 },
			call: func(ctx context.Context, c *auth0api.Client) error {
				if _, err := c.GetUser(ctx, caseUserID, nil); err != nil {
					return err
				}
				_, err := c.GetUser(ctx, caseUserID, nil)
				return err
			}, sentinel: auth0api.ErrRateLimited, status: 429, code: "too_many_requests"},
		{name: "bad query", call: func(ctx context.Context, c *auth0api.Client) error {
			_, err := c.ListUsers(ctx, auth0api.ListUsersParams{Q: `name:("unbalanced`})
			return err
		}, sentinel: auth0api.ErrBadRequest, status: 400, code: "invalid_query_string"},
		{name: "past the 1000 cap", call: func(ctx context.Context, c *auth0api.Client) error {
			_, err := c.ListUsers(ctx, auth0api.ListUsersParams{Page: 10, PerPage: 100})
			return err
		}, sentinel: auth0api.ErrBadRequest, status: 400},
		{name: "duplicate user", call: func(ctx context.Context, c *auth0api.Client) error {
			_, err := c.CreateUser(ctx, auth0api.UserCreate{Connection: "Username-Password-Authentication",
				Email: "chuck878@example.com", Password: "Passw0rd!Passw0rd"})
			return err
		}, sentinel: auth0api.ErrConflict, status: 409, code: "auth0_idp_error"},
		{name: "sessions on a plan without them", setup: func(tn *auth0apitest.Tenant) { tn.SetPlan(auth0apitest.PlanProfessional) },
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListUserSessions(ctx, caseUserID, auth0api.CheckpointParams{})
				return err
			}, sentinel: auth0api.ErrFeatureUnavailable, status: 403},
		{name: "refresh tokens on a plan without them", setup: func(tn *auth0apitest.Tenant) { tn.SetPlan(auth0apitest.PlanEssentials) },
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.RevokeUserAccess(ctx, caseUserID, auth0api.RevokeAccess{})
			}, sentinel: auth0api.ErrFeatureUnavailable, status: 403},
		{name: "unknown session", call: func(ctx context.Context, c *auth0api.Client) error {
			return c.RevokeSession(ctx, "nope")
		}, sentinel: auth0api.ErrNotFound, status: 404},
		{name: "unknown refresh token", call: func(ctx context.Context, c *auth0api.Client) error {
			_, err := c.GetRefreshToken(ctx, "nope")
			return err
		}, sentinel: auth0api.ErrNotFound, status: 404},
		{name: "blocks of an unknown user", call: func(ctx context.Context, c *auth0api.Client) error {
			_, err := c.ListUserBlocks(ctx, "auth0|nobody", nil)
			return err
		}, sentinel: auth0api.ErrNotFound, status: 404, code: "inexistent_user"},
		{name: "weak password", call: func(ctx context.Context, c *auth0api.Client) error {
			_, err := c.CreateUser(ctx, auth0api.UserCreate{Connection: "Username-Password-Authentication",
				Email: "weak@example.com", Password: "weak"})
			return err
		}, sentinel: auth0api.ErrBadRequest, status: 400, code: "invalid_password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var tn *auth0apitest.Tenant
			var c *auth0api.Client
			token := ""
			tn, c = emuTenant(t, spec, token, tc.mutate)
			if tc.token != nil {
				var err error
				cfgToken := tc.token(tn)
				c, err = auth0api.New(auth0api.Config{BaseURL: tenantBase(t, tn), Token: cfgToken, Transport: spec.transport(t)})
				if err != nil {
					t.Fatal(err)
				}
			}
			if tc.setup != nil {
				tc.setup(tn)
			}
			err := tc.call(ctx, c)
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v, want %v", err, tc.sentinel)
			}
			var apiErr *auth0api.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err %v is not an *auth0api.Error", err)
			}
			if apiErr.StatusCode != tc.status || (tc.code != "" && apiErr.Code != tc.code) {
				t.Errorf("status/code = %d/%s, want %d/%s", apiErr.StatusCode, apiErr.Code, tc.status, tc.code)
			}
			if tc.status == 429 && apiErr.ResetAt.IsZero() {
				t.Error("429 without a reset time")
			}
		})
	}
}

// tenantBase returns the Management API base URL of a tenant started by NewServer.
func tenantBase(t *testing.T, tn *auth0apitest.Tenant) string {
	t.Helper()
	u, err := url.Parse(tn.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(u.String(), "/") + "/api/v2"
}

// TestClientCredentialsOnEmulatedTenant: the client obtains its own
// Management API token from the tenant's /oauth/token.
func TestClientCredentialsOnEmulatedTenant(t *testing.T) {
	tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{Machines: []auth0apitest.Machine{
		{ClientID: "m2m", ClientSecret: "s3cret", Scopes: []string{"read:users"}},
	}})
	c, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", ClientID: "m2m", ClientSecret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.GetUser(t.Context(), auth0apitest.FixtureUserID, nil)
	if err != nil || u.UserID != auth0apitest.FixtureUserID {
		t.Fatalf("GetUser with a granted token: %v %v", u, err)
	}
	if err := c.DeleteUser(t.Context(), auth0apitest.FixtureUserID); !errors.Is(err, auth0api.ErrForbidden) {
		t.Errorf("DeleteUser beyond the grant's scopes: err = %v", err)
	}
	bad, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", ClientID: "m2m", ClientSecret: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.GetUser(t.Context(), auth0apitest.FixtureUserID, nil); !errors.Is(err, auth0api.ErrUnauthorized) {
		t.Errorf("wrong secret: err = %v", err)
	}
	if n := len(tn.Calls()); n != 2 {
		t.Errorf("Management API calls = %d, want 2 (the wrong secret never reaches it)", n)
	}
}
