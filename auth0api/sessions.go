package auth0api

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// Session is a user's Auth0 login session (the session layer's cookie), one per browser or
// device: its id is the sid claim of the ID tokens issued in it. Auth0 sends each date as an
// ISO string, an object or null; the object and null forms leave the field zero (and are
// written back as they came).
//
// Sessions exist in the Management API on Enterprise plans only: on other plans every session
// call fails with ErrFeatureUnavailable.
type Session struct {
	ID               string    `json:"id"`
	UserID           string    `json:"user_id"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	AuthenticatedAt  time.Time `json:"authenticated_at"`   // the last (re-)authentication
	IdleExpiresAt    time.Time `json:"idle_expires_at"`    // ends if unused until then
	ExpiresAt        time.Time `json:"expires_at"`         // ends then in any case
	LastInteractedAt time.Time `json:"last_interacted_at"` // the last request in the session
	// Device is where the session began and where it was last used.
	Device Device `json:"device"`
	// Clients are the applications that used the session.
	Clients        []SessionClient       `json:"clients"`
	Authentication SessionAuthentication `json:"authentication"`
	Metadata       map[string]any        `json:"session_metadata"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// Device is where a session or refresh token was first and last used: the browser's
// User-Agent, the IP address and its autonomous system number. Auth0 gives no place; the
// user's log events (LogEvent.LocationInfo) locate the same IP addresses.
type Device struct {
	InitialUserAgent string `json:"initial_user_agent"`
	InitialIP        string `json:"initial_ip"`
	InitialASN       string `json:"initial_asn"`
	LastUserAgent    string `json:"last_user_agent"`
	LastIP           string `json:"last_ip"`
	LastASN          string `json:"last_asn"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// SessionClient is an application that used a session.
type SessionClient struct {
	ClientID string `json:"client_id"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// SessionAuthentication is how the person authenticated in a session.
type SessionAuthentication struct {
	Methods []AuthenticationSignal `json:"methods"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// AuthenticationSignal is one authentication the person completed in a session. Name is
// "pwd" (password), "passkey", "federated" (a social or enterprise identity provider), "sms",
// "email", "mfa", "mock" or a custom method's URL; Type is the MFA factor ("otp", "sms",
// "push-notification", "webauthn-roaming", ...) and only set when Name is "mfa".
type AuthenticationSignal struct {
	Name      string    `json:"name"`
	Timestamp time.Time `json:"timestamp"`
	Type      string    `json:"type"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// SessionsPage is a page of a user's sessions. Next is the checkpoint of the following page.
type SessionsPage struct {
	Page
	Sessions []Session `json:"sessions"`
}

var (
	sessionCodec       = newCodec[Session]()
	deviceCodec        = newCodec[Device]()
	sessionClientCodec = newCodec[SessionClient]()
	sessionAuthCodec   = newCodec[SessionAuthentication]()
	authSignalCodec    = newCodec[AuthenticationSignal]()
	sessionsPageCodec  = newCodec[SessionsPage]()
)

// checkpointTakeLimit is the largest page Auth0 answers on checkpoint lists.
const checkpointTakeLimit = 100

// UnmarshalJSON decodes a session, keeping unknown keys in Extra.
func (s *Session) UnmarshalJSON(b []byte) error { return sessionCodec.decode(b, s, &s.seen) }

// MarshalJSON encodes the session as it was received, with any changes made.
func (s Session) MarshalJSON() ([]byte, error) { return sessionCodec.encode(&s, s.seen) }

// UnmarshalJSON decodes a device, keeping unknown keys in Extra.
func (d *Device) UnmarshalJSON(b []byte) error { return deviceCodec.decode(b, d, &d.seen) }

// MarshalJSON encodes the device as it was received, with any changes made.
func (d Device) MarshalJSON() ([]byte, error) { return deviceCodec.encode(&d, d.seen) }

// UnmarshalJSON decodes a session client, keeping unknown keys in Extra.
func (c *SessionClient) UnmarshalJSON(b []byte) error {
	return sessionClientCodec.decode(b, c, &c.seen)
}

// MarshalJSON encodes the session client as it was received, with any changes made.
func (c SessionClient) MarshalJSON() ([]byte, error) { return sessionClientCodec.encode(&c, c.seen) }

// UnmarshalJSON decodes a session's authentication, keeping unknown keys in Extra.
func (a *SessionAuthentication) UnmarshalJSON(b []byte) error {
	return sessionAuthCodec.decode(b, a, &a.seen)
}

// MarshalJSON encodes the authentication as it was received, with any changes made.
func (a SessionAuthentication) MarshalJSON() ([]byte, error) {
	return sessionAuthCodec.encode(&a, a.seen)
}

// UnmarshalJSON decodes an authentication signal, keeping unknown keys in Extra.
func (s *AuthenticationSignal) UnmarshalJSON(b []byte) error {
	return authSignalCodec.decode(b, s, &s.seen)
}

// MarshalJSON encodes the signal as it was received, with any changes made.
func (s AuthenticationSignal) MarshalJSON() ([]byte, error) {
	return authSignalCodec.encode(&s, s.seen)
}

// UnmarshalJSON decodes a page of sessions.
func (p *SessionsPage) UnmarshalJSON(b []byte) error {
	return decodePage(sessionsPageCodec, b, p, &p.Page, &p.Sessions)
}

// MarshalJSON encodes the page as it was received.
func (p SessionsPage) MarshalJSON() ([]byte, error) {
	return encodePage(sessionsPageCodec, &p, &p.Page, p.Sessions)
}

// CheckpointParams selects a page of a list Auth0 pages by checkpoint (sessions, refresh
// tokens). The zero value asks for the first page of 50, without the total.
//
// Auth0 answers a Next even on the last page when it is not empty (recorded:
// TestUserManager_ListRefreshTokens), so a page shorter than Take is the last whatever Next
// says; an empty page has no Next.
type CheckpointParams struct {
	From          string // the previous page's Next; "" for the first page
	Take          int    // items per page: 0 = 50; Auth0 allows 1–100
	IncludeTotals bool   // also answer the total count (Page.Total)
}

// query sets from (when set), take (always) and include_totals (when asked for).
func (p CheckpointParams) query() url.Values {
	q := url.Values{}
	if p.From != "" {
		q.Set("from", p.From)
	}
	q.Set("take", strconv.Itoa(min(orDefault(p.Take, 50), checkpointTakeLimit)))
	if p.IncludeTotals {
		q.Set("include_totals", "true")
	}
	return q
}

// ListUserSessions lists a page of a user's sessions: GET /api/v2/users/{id}/sessions.
// An unknown user is ErrNotFound; a tenant without the feature ErrFeatureUnavailable.
//
// Scope: read:sessions. Enterprise plans only.
//
// https://auth0.com/docs/api/management/v2/users/get-sessions-for-user
func (c *Client) ListUserSessions(ctx context.Context, id string, p CheckpointParams) (*SessionsPage, error) {
	var page SessionsPage
	if err := c.do(ctx, "GET /users/{id}/sessions", []string{id}, p.query(), nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// DeleteUserSessions ends every session of a user: DELETE /api/v2/users/{id}/sessions (202).
// The user's refresh tokens stay valid (RevokeUserAccess or DeleteUserRefreshTokens end
// them). Auth0 deletes asynchronously: a list right after may still show sessions.
//
// Scope: delete:sessions. Enterprise plans only.
//
// https://auth0.com/docs/api/management/v2/users/delete-sessions-for-user
func (c *Client) DeleteUserSessions(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE /users/{id}/sessions", []string{id}, nil, nil, nil)
}

// GetSession reads one session: GET /api/v2/sessions/{id}. An unknown (or ended) session is
// ErrNotFound.
//
// Scope: read:sessions. Enterprise plans only.
//
// https://auth0.com/docs/api/management/v2/sessions/get-session
func (c *Client) GetSession(ctx context.Context, id string) (*Session, error) {
	var s Session
	if err := c.do(ctx, "GET /sessions/{id}", []string{id}, nil, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// DeleteSession ends one session: DELETE /api/v2/sessions/{id} (202). Its refresh tokens stay
// valid; RevokeSession ends both.
//
// Scope: delete:sessions. Enterprise plans only.
//
// https://auth0.com/docs/api/management/v2/sessions/delete-session
func (c *Client) DeleteSession(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE /sessions/{id}", []string{id}, nil, nil, nil)
}

// RevokeSession ends one session and revokes every refresh token issued in it: POST
// /api/v2/sessions/{id}/revoke (202, no request body). An unknown session is ErrNotFound.
//
// Scopes: delete:sessions and delete:refresh_tokens. Enterprise plans only.
//
// https://auth0.com/docs/api/management/v2/sessions/revoke-session
func (c *Client) RevokeSession(ctx context.Context, id string) error {
	return c.do(ctx, "POST /sessions/{id}/revoke", []string{id}, nil, nil, nil)
}

// RevokeAccess selects what RevokeUserAccess revokes.
type RevokeAccess struct {
	// SessionID limits the revocation to one session; "" revokes every session of the user.
	SessionID string `json:"session_id,omitempty"`
	// PreserveRefreshTokens keeps the refresh tokens of the revoked sessions valid.
	PreserveRefreshTokens bool `json:"preserve_refresh_tokens,omitempty"`
}

// RevokeUserAccess ends a user's sessions and, unless PreserveRefreshTokens, revokes their
// refresh tokens, in one call: POST /api/v2/users/{id}/revoke-access (202). The body is always
// a JSON object ({} when r is zero).
//
// Scopes: delete:sessions and delete:refresh_tokens. Enterprise plans only.
//
// https://auth0.com/docs/api/management/v2/users/user-revoke-access
func (c *Client) RevokeUserAccess(ctx context.Context, id string, r RevokeAccess) error {
	return c.do(ctx, "POST /users/{id}/revoke-access", []string{id}, nil, r, nil)
}
