package auth0api

import (
	"context"
	"encoding/json"
	"time"
)

// RefreshToken describes a refresh token a user holds (never the token itself): which
// application it was issued to, for which APIs and scopes, in which session, and where it was
// used. Dates behave as Session's: IdleExpiresAt and ExpiresAt are zero (null) for a token
// that does not expire.
//
// Refresh tokens exist in the Management API on Enterprise plans only: on other plans every
// call fails with ErrFeatureUnavailable.
type RefreshToken struct {
	ID              string    `json:"id"`
	UserID          string    `json:"user_id"`
	CreatedAt       time.Time `json:"created_at"`
	IdleExpiresAt   time.Time `json:"idle_expires_at"`
	ExpiresAt       time.Time `json:"expires_at"`
	LastExchangedAt time.Time `json:"last_exchanged_at"` // last used to get an access token
	Device          Device    `json:"device"`
	ClientID        string    `json:"client_id"` // the application it was issued to
	// SessionID is the session it was issued in: "" (null) for tokens issued before Auth0
	// recorded it. The token may outlive the session.
	SessionID       string                       `json:"session_id"`
	Rotating        bool                         `json:"rotating"`
	ResourceServers []RefreshTokenResourceServer `json:"resource_servers"`
	Metadata        map[string]any               `json:"refresh_token_metadata"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// RefreshTokenResourceServer is an API a refresh token grants access to, with the granted
// scopes as one space-separated string.
type RefreshTokenResourceServer struct {
	Audience string `json:"audience"`
	Scopes   string `json:"scopes"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// RefreshTokensPage is a page of a user's refresh tokens. Next is the checkpoint of the
// following page.
type RefreshTokensPage struct {
	Page
	Tokens []RefreshToken `json:"tokens"`
}

var (
	refreshTokenCodec      = newCodec[RefreshToken]()
	refreshTokenRSCodec    = newCodec[RefreshTokenResourceServer]()
	refreshTokensPageCodec = newCodec[RefreshTokensPage]()
)

// UnmarshalJSON decodes a refresh token's description, keeping unknown keys in Extra.
func (t *RefreshToken) UnmarshalJSON(b []byte) error { return refreshTokenCodec.decode(b, t, &t.seen) }

// MarshalJSON encodes the description as it was received, with any changes made.
func (t RefreshToken) MarshalJSON() ([]byte, error) { return refreshTokenCodec.encode(&t, t.seen) }

// UnmarshalJSON decodes a resource server entry, keeping unknown keys in Extra.
func (r *RefreshTokenResourceServer) UnmarshalJSON(b []byte) error {
	return refreshTokenRSCodec.decode(b, r, &r.seen)
}

// MarshalJSON encodes the entry as it was received, with any changes made.
func (r RefreshTokenResourceServer) MarshalJSON() ([]byte, error) {
	return refreshTokenRSCodec.encode(&r, r.seen)
}

// UnmarshalJSON decodes a page of refresh tokens.
func (p *RefreshTokensPage) UnmarshalJSON(b []byte) error {
	return decodePage(refreshTokensPageCodec, b, p, &p.Page, &p.Tokens)
}

// MarshalJSON encodes the page as it was received.
func (p RefreshTokensPage) MarshalJSON() ([]byte, error) {
	return encodePage(refreshTokensPageCodec, &p, &p.Page, p.Tokens)
}

// ListUserRefreshTokens lists a page of a user's refresh tokens: GET
// /api/v2/users/{id}/refresh-tokens. An unknown user is ErrNotFound.
//
// Scope: read:refresh_tokens. Enterprise plans only.
//
// https://auth0.com/docs/api/management/v2/users/get-refresh-tokens-for-user
func (c *Client) ListUserRefreshTokens(ctx context.Context, id string, p CheckpointParams) (*RefreshTokensPage, error) {
	var page RefreshTokensPage
	if err := c.do(ctx, "GET /users/{id}/refresh-tokens", []string{id}, p.query(), nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// DeleteUserRefreshTokens revokes every refresh token of a user: DELETE
// /api/v2/users/{id}/refresh-tokens (202). Access tokens already issued stay valid until they
// expire; the sessions stay too. Auth0 revokes asynchronously.
//
// Scope: delete:refresh_tokens. Enterprise plans only.
//
// https://auth0.com/docs/api/management/v2/users/delete-refresh-tokens-for-user
func (c *Client) DeleteUserRefreshTokens(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE /users/{id}/refresh-tokens", []string{id}, nil, nil, nil)
}

// GetRefreshToken reads one refresh token's description: GET /api/v2/refresh-tokens/{id}.
// An unknown (or revoked) token is ErrNotFound.
//
// Scope: read:refresh_tokens. Enterprise plans only.
//
// https://auth0.com/docs/api/management/v2/refresh-tokens/get-refresh-token
func (c *Client) GetRefreshToken(ctx context.Context, id string) (*RefreshToken, error) {
	var t RefreshToken
	if err := c.do(ctx, "GET /refresh-tokens/{id}", []string{id}, nil, nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// DeleteRefreshToken revokes one refresh token: DELETE /api/v2/refresh-tokens/{id} (Auth0
// documents 202 and answered 204 when recorded; both are success).
//
// Scope: delete:refresh_tokens. Enterprise plans only.
//
// https://auth0.com/docs/api/management/v2/refresh-tokens/delete-refresh-token
func (c *Client) DeleteRefreshToken(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE /refresh-tokens/{id}", []string{id}, nil, nil, nil)
}
