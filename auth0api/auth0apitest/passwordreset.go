package auth0apitest

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// changePasswordPath is the Authentication API endpoint that e-mails a
// database user a link to reset their password.
const changePasswordPath = "/dbconnections/change_password"

// changePasswordRoute names the endpoint for Fail.
const changePasswordRoute = "POST " + changePasswordPath

// changePasswordAnswer is Auth0's plain-text answer, the same whether or not a
// user has the address.
const changePasswordAnswer = "We've just sent you an email to reset your password."

// PasswordResetEmail is a password-reset e-mail asked for through the
// Authentication API (POST /dbconnections/change_password).
type PasswordResetEmail struct {
	ClientID   string
	Email      string
	Connection string
	// UserID is the user the e-mail went to; "" when no user of the
	// connection has the address (Auth0 answers 200 all the same, and sends
	// nothing).
	UserID string
	// Body is the request's parameters as sent.
	Body map[string]any
}

// PasswordResetEmails returns the password-reset e-mails asked for, in
// order.
func (t *Tenant) PasswordResetEmails() []PasswordResetEmail {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return append([]PasswordResetEmail(nil), t.dir.resetEmails...)
}

// serveChangePassword answers POST /dbconnections/change_password as Auth0
// does: {client_id, email, connection} as JSON or a form; the client must be
// one of the tenant's and the connection a database connection; 200 with a
// plain-text message, whether or not a user has the address. Latency and
// faults (Fail(changePasswordRoute, …)) apply; Management API calls are not
// recorded here but in PasswordResetEmails.
func (t *Tenant) serveChangePassword(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, errNotFoundRoute())
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return // the client went away
	}
	if err := sleep(r.Context(), time.Duration(t.latency.Load())); err != nil {
		return
	}
	if f, ok := t.takeFault(changePasswordRoute); ok {
		t.serveFault(w, r, f, t.now())
		return
	}
	body, ok := authParams(r, raw)
	if !ok || len(raw) > maxBody {
		writeAuthError(w, http.StatusBadRequest, "invalid_request", "The request body must be a JSON object or a form.")
		return
	}
	clientID, _ := body["client_id"].(string)
	email, _ := body["email"].(string)
	connName, _ := body["connection"].(string)
	switch {
	case clientID == "":
		writeAuthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: client_id")
		return
	case !t.knownClient(clientID):
		writeAuthError(w, http.StatusUnauthorized, "unauthorized_client", "Unknown client: "+clientID)
		return
	case email == "":
		writeAuthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: email")
		return
	case connName == "":
		writeAuthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: connection")
		return
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	conn := t.dir.connection(connName)
	switch {
	case conn == nil:
		writeAuthError(w, http.StatusBadRequest, "invalid_request", "connection not found")
		return
	case !conn.database:
		writeAuthError(w, http.StatusBadRequest, "invalid_request", "The connection "+connName+" is not a database connection: its users have no password.")
		return
	}
	sent := PasswordResetEmail{ClientID: clientID, Email: email, Connection: connName, Body: body}
	for _, rec := range t.dir.order {
		ident, _ := firstIdentity(rec.obj)
		if str(ident["connection"]) == connName && strings.EqualFold(str(rec.obj["email"]), email) {
			sent.UserID = rec.id
			break
		}
	}
	t.dir.resetEmails = append(t.dir.resetEmails, sent)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, changePasswordAnswer)
}

// authParams reads the parameters of an Authentication API request: a JSON
// object, or a URL-encoded form.
func authParams(r *http.Request, raw []byte) (map[string]any, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, false
		}
		out := map[string]any{}
		for k, v := range form {
			out[k] = v[0]
		}
		return out, true
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil || out == nil {
		return nil, false
	}
	return out, true
}

// knownClient reports whether clientID is one of the tenant's applications:
// an interactive client, a machine client, or the tests' TestClientID.
func (t *Tenant) knownClient(clientID string) bool {
	if clientID == TestClientID {
		return true
	}
	for _, c := range t.clients {
		if c.ID == clientID {
			return true
		}
	}
	for _, m := range t.machines {
		if m.ClientID == clientID {
			return true
		}
	}
	return false
}

// writeAuthError answers with the Authentication API's error body.
func writeAuthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": description})
}
