package auth0api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. An *Error matches the sentinel of its status code with
// errors.Is, so callers branch with errors.Is(err, auth0api.ErrNotFound).
var (
	ErrBadRequest   = errors.New("auth0api: bad request")      // 400
	ErrUnauthorized = errors.New("auth0api: unauthorized")     // 401
	ErrForbidden    = errors.New("auth0api: forbidden")        // 403, e.g. errorCode insufficient_scope
	ErrNotFound     = errors.New("auth0api: not found")        // 404
	ErrConflict     = errors.New("auth0api: conflict")         // 409
	ErrRateLimited  = errors.New("auth0api: rate limited")     // 429
	ErrInvalidID    = errors.New("auth0api: empty id refused") // refused before any request was made
	// ErrFeatureUnavailable is matched, besides ErrForbidden, by a 403 on an endpoint Auth0
	// offers on Enterprise plans only (sessions, refresh tokens; ScopeRule.Enterprise) that is
	// not about scopes: the tenant's plan does not have the feature. A dashboard says so once
	// and does not retry.
	ErrFeatureUnavailable = errors.New("auth0api: feature unavailable on this tenant's plan")
	// ErrInvalidParams: parameters Auth0 would refuse (e.g. link_with with a
	// provider), refused before any request was made.
	ErrInvalidParams = errors.New("auth0api: invalid parameters refused")
	// ErrJobFailed: a job Auth0 reports as failed (WaitForJob).
	ErrJobFailed = errors.New("auth0api: job failed")
)

// UnknownErrorCode is the Code of an error whose body names none, as the seed
// SDK reports it ("a0.sdk.internal.unknown").
const UnknownErrorCode = "a0.sdk.internal.unknown"

// Error is an error answer (HTTP status 400 or more) from the Management API
// or the token endpoint.
//
// Code and Message are read from the body as the seed SDK does: Code is the
// first present of errorCode, error and code (UnknownErrorCode otherwise);
// Message is error_description when present, else a non-empty message, else
// error. A body that is not a JSON object is the Message itself, with
// UnknownErrorCode. For a 429, ResetAt is the x-ratelimit-reset time (zero
// when the header is missing or malformed).
type Error struct {
	Op         string // the endpoint template, e.g. "GET /users/{id}"
	StatusCode int
	Code       string
	Message    string
	ResetAt    time.Time
}

// Error formats the error as "auth0api: OP: STATUS CODE: MESSAGE".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("auth0api: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" && e.Code != UnknownErrorCode {
		b.WriteString(" ")
		b.WriteString(e.Code)
	} else if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" ")
		b.WriteString(t)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Is reports whether target is the sentinel of e's status code.
func (e *Error) Is(target error) bool {
	switch e.StatusCode {
	case http.StatusBadRequest:
		return target == ErrBadRequest
	case http.StatusUnauthorized:
		return target == ErrUnauthorized
	case http.StatusForbidden:
		return target == ErrForbidden || target == ErrFeatureUnavailable && featureUnavailable(e)
	case http.StatusNotFound:
		return target == ErrNotFound
	case http.StatusConflict:
		return target == ErrConflict
	case http.StatusTooManyRequests:
		return target == ErrRateLimited
	}
	return false
}

// RetryAfter returns how long after now the rate limit resets: zero when it
// already has, or when the reset time is unknown.
func (e *Error) RetryAfter(now time.Time) time.Duration {
	if e.ResetAt.IsZero() {
		return 0
	}
	return max(0, e.ResetAt.Sub(now))
}

// parseError turns an error response into an *Error (auth0-api.md §1.5).
func parseError(op string, status int, header http.Header, body []byte) *Error {
	e := &Error{Op: op, StatusCode: status, Code: UnknownErrorCode}
	if status == http.StatusTooManyRequests {
		e.ResetAt = parseReset(header)
	}
	if len(body) == 0 {
		return e
	}
	var obj map[string]json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) && json.Unmarshal(body, &obj) == nil {
		for _, k := range []string{"errorCode", "error", "code"} {
			if v, ok := obj[k]; ok {
				e.Code = jsonText(v)
				break
			}
		}
		if v, ok := obj["error_description"]; ok {
			e.Message = jsonText(v)
		} else if m := jsonText(obj["message"]); m != "" {
			e.Message = m
		} else {
			e.Message = jsonText(obj["error"])
		}
		return e
	}
	e.Message = string(body)
	return e
}

// jsonText returns a JSON string's text, "" for null or absent, and any other
// value as its JSON text.
func jsonText(v json.RawMessage) string {
	if len(v) == 0 || isNull(v) {
		return ""
	}
	if s, ok := unquote(bytes.TrimSpace(v)); ok {
		return s
	}
	return string(v)
}

// parseReset reads x-ratelimit-reset (UNIX seconds). A missing or malformed
// header gives the zero time.
func parseReset(h http.Header) time.Time {
	v := strings.TrimSpace(h.Get("X-Ratelimit-Reset"))
	if v == "" {
		return time.Time{}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

// invalidID is the error of a call refused for an empty id.
func invalidID(op string) error { return fmt.Errorf("%w (%s)", ErrInvalidID, op) }
