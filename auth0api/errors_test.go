package auth0api_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api"
)

func TestErrorParsing(t *testing.T) {
	reset := time.Unix(1767225600, 0)
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		body     string
		code     string
		message  string
		resetAt  time.Time
		sentinel error
	}{
		{
			name: "404 with errorCode", status: 404,
			body: `{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}`,
			code: "inexistent_user", message: "The user does not exist.", sentinel: auth0api.ErrNotFound,
		},
		{
			name: "403 insufficient scope", status: 403,
			body: `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:users","errorCode":"insufficient_scope"}`,
			code: "insufficient_scope", message: "Insufficient scope, expected any of: read:users", sentinel: auth0api.ErrForbidden,
		},
		{
			name: "401 without errorCode: error is the code", status: 401,
			body: `{"statusCode":401,"error":"Unauthorized","message":"Invalid token","attributes":{"error":"Invalid token"}}`,
			code: "Unauthorized", message: "Invalid token", sentinel: auth0api.ErrUnauthorized,
		},
		{
			name: "409 conflict", status: 409,
			body: `{"statusCode":409,"error":"Conflict","message":"The user already exists.","errorCode":"auth0_idp_error"}`,
			code: "auth0_idp_error", message: "The user already exists.", sentinel: auth0api.ErrConflict,
		},
		{
			name: "400 invalid body", status: 400,
			body: `{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Missing required property: connection'.","errorCode":"invalid_body"}`,
			code: "invalid_body", message: "Payload validation error: 'Missing required property: connection'.", sentinel: auth0api.ErrBadRequest,
		},
		{
			name: "code key only", status: 400,
			body: `{"code":"some_code","message":"m"}`,
			code: "some_code", message: "m", sentinel: auth0api.ErrBadRequest,
		},
		{
			name: "error_description wins over message", status: 403,
			body: `{"error":"access_denied","error_description":"Unauthorized","message":"ignored"}`,
			code: "access_denied", message: "Unauthorized", sentinel: auth0api.ErrForbidden,
		},
		{
			name: "empty error_description is still the message", status: 400,
			body: `{"error":"invalid_request","error_description":"","message":"ignored"}`,
			code: "invalid_request", message: "", sentinel: auth0api.ErrBadRequest,
		},
		{
			name: "empty message falls back to error", status: 500,
			body: `{"statusCode":500,"error":"Internal Server Error","message":""}`,
			code: "Internal Server Error", message: "Internal Server Error",
		},
		{
			name: "null message falls back to error", status: 502,
			body: `{"error":"Bad Gateway","message":null}`,
			code: "Bad Gateway", message: "Bad Gateway",
		},
		{
			name: "JSON object without any code", status: 500,
			body: `{"statusCode":500}`,
			code: auth0api.UnknownErrorCode, message: "",
		},
		{
			name: "plain text body is the message", status: 503,
			body: "upstream connect error or disconnect/reset before headers",
			code: auth0api.UnknownErrorCode, message: "upstream connect error or disconnect/reset before headers",
		},
		{
			name: "HTML body is the message", status: 502,
			body: "<html><body>Bad gateway</body></html>",
			code: auth0api.UnknownErrorCode, message: "<html><body>Bad gateway</body></html>",
		},
		{
			name: "empty body", status: 500,
			code: auth0api.UnknownErrorCode, message: "",
		},
		{
			name: "429 with reset", status: 429,
			header: map[string]string{"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)},
			body:   `{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}`,
			code:   "too_many_requests", message: "Global limit has been reached", resetAt: reset, sentinel: auth0api.ErrRateLimited,
		},
		{
			name: "429 without reset header", status: 429,
			body: `{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}`,
			code: "too_many_requests", message: "Global limit has been reached", sentinel: auth0api.ErrRateLimited,
		},
		{
			name: "429 with a malformed reset header", status: 429,
			header: map[string]string{"X-RateLimit-Reset": "soon"},
			code:   auth0api.UnknownErrorCode, sentinel: auth0api.ErrRateLimited,
		},
		{
			name: "429 with a fractional reset header", status: 429,
			header: map[string]string{"X-RateLimit-Reset": "1767225600.5"},
			code:   auth0api.UnknownErrorCode, sentinel: auth0api.ErrRateLimited,
		},
		{
			name: "429 with empty body keeps the reset (the seed loses it)", status: 429,
			header: map[string]string{"X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)},
			code:   auth0api.UnknownErrorCode, resetAt: reset, sentinel: auth0api.ErrRateLimited,
		},
		{
			name: "redirect is an error", status: 302,
			header: map[string]string{"Location": "https://elsewhere.example/"},
			code:   auth0api.UnknownErrorCode,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			c := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.Retries = -1 })
			_, err := c.GetUser(t.Context(), caseUserID, nil)
			var e *auth0api.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *auth0api.Error", err, err)
			}
			if e.StatusCode != tc.status || e.Code != tc.code || e.Message != tc.message || !e.ResetAt.Equal(tc.resetAt) {
				t.Errorf("got {%d %q %q %v}, want {%d %q %q %v}", e.StatusCode, e.Code, e.Message, e.ResetAt,
					tc.status, tc.code, tc.message, tc.resetAt)
			}
			if e.Op != "GET /users/{id}" {
				t.Errorf("Op %q, want the endpoint template", e.Op)
			}
			for _, s := range []error{auth0api.ErrBadRequest, auth0api.ErrUnauthorized, auth0api.ErrForbidden,
				auth0api.ErrNotFound, auth0api.ErrConflict, auth0api.ErrRateLimited, auth0api.ErrInvalidID} {
				if got, want := errors.Is(err, s), s == tc.sentinel; got != want {
					t.Errorf("errors.Is(err, %v) = %v, want %v", s, got, want)
				}
			}
			if n := srv.count(); n != 1 {
				t.Errorf("got %d requests, want 1", n)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	e := &auth0api.Error{Op: "GET /users/{id}", StatusCode: 404, Code: "inexistent_user", Message: "The user does not exist."}
	if got, want := e.Error(), "auth0api: GET /users/{id}: 404 inexistent_user: The user does not exist."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &auth0api.Error{Op: "DELETE /users/{id}", StatusCode: 500, Code: auth0api.UnknownErrorCode}
	if got, want := e.Error(), "auth0api: DELETE /users/{id}: 500 Internal Server Error"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Unix(1767225600, 0)
	for _, tc := range []struct {
		reset time.Time
		want  time.Duration
	}{
		{now.Add(7 * time.Second), 7 * time.Second},
		{now.Add(-time.Second), 0},
		{time.Time{}, 0},
	} {
		e := &auth0api.Error{StatusCode: 429, ResetAt: tc.reset}
		if got := e.RetryAfter(now); got != tc.want {
			t.Errorf("RetryAfter with reset %v = %v, want %v", tc.reset, got, tc.want)
		}
	}
}

// TestRecordedErrors: the error bodies recorded from Auth0 parse as expected.
func TestRecordedErrors(t *testing.T) {
	for _, in := range recordings(t) {
		if in.Status < 400 {
			continue
		}
		srv := newServer(t, reply(in.Status, in.ResponseBody))
		c := newClient(t, srv.URL)
		err := c.DeleteUser(t.Context(), "x")
		var e *auth0api.Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: error %v, want *Error", in.Name(), err)
		}
		if e.Code == auth0api.UnknownErrorCode || e.Message == "" || !strings.Contains(in.ResponseBody, e.Code) {
			t.Errorf("%s: parsed %+v from %s", in.Name(), e, in.ResponseBody)
		}
	}
}

// TestFeatureUnavailable: a 403 on an Enterprise-only endpoint that is not about scopes is
// ErrFeatureUnavailable (and ErrForbidden); a missing scope there, or any 403 elsewhere, is
// only ErrForbidden.
func TestFeatureUnavailable(t *testing.T) {
	for _, tc := range []struct {
		body string
		call func(context.Context, *auth0api.Client) error
		want bool
	}{
		{`{"statusCode":403,"error":"Forbidden","message":"This feature is not enabled for this tenant."}`,
			func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListUserSessions(ctx, "auth0|1", auth0api.CheckpointParams{})
				return err
			}, true},
		{`{"statusCode":403,"error":"Forbidden","message":"Subscription missing entitlement.","errorCode":"operation_not_supported"}`,
			func(ctx context.Context, c *auth0api.Client) error { return c.DeleteUserRefreshTokens(ctx, "auth0|1") }, true},
		{`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:sessions","errorCode":"insufficient_scope"}`,
			func(ctx context.Context, c *auth0api.Client) error { _, err := c.GetSession(ctx, "s"); return err }, false},
		{`{"statusCode":403,"error":"Forbidden","message":"Operation not permitted when the user has registered at least 1 passkey"}`,
			func(ctx context.Context, c *auth0api.Client) error {
				return c.DeleteAuthenticationMethods(ctx, "auth0|1")
			}, false},
		{`{"statusCode":403,"error":"Forbidden","message":"This feature is not enabled for this tenant."}`,
			func(ctx context.Context, c *auth0api.Client) error { return c.DeleteGrant(ctx, "g") }, false}, // grants are on every plan
	} {
		srv := newServer(t, reply(403, tc.body))
		err := tc.call(t.Context(), newClient(t, srv.URL))
		if !errors.Is(err, auth0api.ErrForbidden) {
			t.Errorf("%s: %v is not ErrForbidden", tc.body, err)
		}
		if got := errors.Is(err, auth0api.ErrFeatureUnavailable); got != tc.want {
			t.Errorf("%s: %v: ErrFeatureUnavailable = %v, want %v", tc.body, err, got, tc.want)
		}
	}
}
