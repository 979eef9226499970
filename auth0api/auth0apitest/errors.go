package auth0apitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// apiError is an Auth0 Management API error body (auth0-api.md §1.5):
// {"statusCode":…,"error":"<reason phrase>","message":…,"errorCode":…}.
type apiError struct {
	Status     int
	Message    string
	Code       string            // errorCode; omitted when empty
	Attributes map[string]string // 401s carry {"error": message}
}

func (e *apiError) Error() string { return strconv.Itoa(e.Status) + " " + e.Message }

func newError(status int, code, message string) *apiError {
	return &apiError{Status: status, Code: code, Message: message}
}

// Errors Auth0 answers with, as recorded or documented.
func errUserNotFound() *apiError {
	return newError(http.StatusNotFound, "inexistent_user", "The user does not exist.")
}

func errNotFoundRoute() *apiError {
	return newError(http.StatusNotFound, "", "Not Found")
}

func errRateLimited() *apiError {
	return newError(http.StatusTooManyRequests, "too_many_requests", "Global limit has been reached")
}

func errInvalidJSON() *apiError {
	return newError(http.StatusBadRequest, "", "Invalid request payload JSON format")
}

func errUnauthorized(message string, withAttributes bool) *apiError {
	e := newError(http.StatusUnauthorized, "", message)
	if withAttributes {
		e.Attributes = map[string]string{"error": message}
	}
	return e
}

// errValidation formats an Auth0 (z-schema) validation error:
// "<kind> validation error: '<msg>' on property <prop> (<description>)."
// kind is "Payload" (body, errorCode invalid_body) or "Query" (query
// string, errorCode invalid_query_string).
func errValidation(kind, msg, prop, description string) *apiError {
	text := kind + " validation error: '" + msg + "'"
	if prop != "" {
		text += " on property " + prop
		if description = strings.TrimSuffix(description, "."); description != "" {
			text += " (" + description + ")"
		}
	}
	text += "."
	code := "invalid_body"
	if kind == "Query" {
		code = "invalid_query_string"
	}
	return newError(http.StatusBadRequest, code, text)
}

func errBadBody(message string) *apiError {
	return newError(http.StatusBadRequest, "invalid_body", message)
}

func errBadQuery(message string) *apiError {
	return newError(http.StatusBadRequest, "invalid_query_string", message)
}

// writeJSON answers with status and v encoded as JSON, as Auth0 does
// (Content-Type application/json; charset=utf-8).
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Stored objects are JSON-decoded values; this cannot happen short of a bug.
		b = fmt.Appendf(nil, `{"statusCode":500,"error":"Internal Server Error","message":%q}`, err.Error())
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers with Auth0's error body for e.
func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{
		"statusCode": e.Status,
		"error":      http.StatusText(e.Status),
		"message":    e.Message,
	}
	if e.Code != "" {
		body["errorCode"] = e.Code
	}
	if e.Attributes != nil {
		body["attributes"] = e.Attributes
	}
	writeJSON(w, e.Status, body)
}

// writeEmpty answers with status and no body (204s).
func writeEmpty(w http.ResponseWriter, status int) {
	w.WriteHeader(status)
}
