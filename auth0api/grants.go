package auth0api

import (
	"context"
	"encoding/json"
	"net/url"
)

// Grant is a user's consent to an application (the Auth0 Dashboard's "Authorized
// Applications"): the application, the API (audience) and the scopes the user agreed to.
// Revoking it revokes the refresh tokens issued under it and makes the application ask for
// consent again; access tokens already issued stay valid until they expire.
type Grant struct {
	ID       string   `json:"id"`
	ClientID string   `json:"clientID"` // camelCase in Auth0's answer, unlike almost every other field
	UserID   string   `json:"user_id"`
	Audience string   `json:"audience"`
	Scope    []string `json:"scope"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// GrantsPage is a page of grants.
type GrantsPage struct {
	Page
	Grants []Grant `json:"grants"`
}

var (
	grantCodec      = newCodec[Grant]()
	grantsPageCodec = newCodec[GrantsPage]()
)

// UnmarshalJSON decodes a grant, keeping unknown keys in Extra.
func (g *Grant) UnmarshalJSON(b []byte) error { return grantCodec.decode(b, g, &g.seen) }

// MarshalJSON encodes the grant as it was received, with any changes made.
func (g Grant) MarshalJSON() ([]byte, error) { return grantCodec.encode(&g, g.seen) }

// UnmarshalJSON decodes an envelope or a bare array of grants.
func (p *GrantsPage) UnmarshalJSON(b []byte) error {
	return decodePage(grantsPageCodec, b, p, &p.Page, &p.Grants)
}

// MarshalJSON encodes the page as it was received.
func (p GrantsPage) MarshalJSON() ([]byte, error) {
	return encodePage(grantsPageCodec, &p, &p.Page, p.Grants)
}

// ListGrantsParams are the parameters of ListUserGrants. The zero value asks for page 0 with
// 50 grants and totals, of every application and audience.
type ListGrantsParams struct {
	ClientID      string // only this application's grants
	Audience      string // only grants for this API
	Page          int
	PerPage       int       // 0 = 50; Auth0 allows 1–100
	IncludeTotals Opt[bool] // unset = true
}

// ListUserGrants lists a page of the grants a user gave: GET /api/v2/grants?user_id=. The
// endpoint can list the whole tenant's grants, which a dashboard never needs: an empty user id
// is refused with ErrInvalidID.
//
// Scope: read:grants.
//
// https://auth0.com/docs/api/management/v2/grants/get-grants
func (c *Client) ListUserGrants(ctx context.Context, userID string, p ListGrantsParams) (*GrantsPage, error) {
	const op = "GET /grants"
	if userID == "" {
		return nil, invalidID(op)
	}
	q := url.Values{}
	pageQuery(q, p.Page, p.PerPage, p.IncludeTotals, 50, true)
	q.Set("user_id", userID)
	if p.ClientID != "" {
		q.Set("client_id", p.ClientID)
	}
	if p.Audience != "" {
		q.Set("audience", p.Audience)
	}
	var page GrantsPage
	if err := c.do(ctx, op, nil, q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// DeleteGrant revokes one grant: DELETE /api/v2/grants/{id} (204).
//
// Scope: delete:grants.
//
// https://auth0.com/docs/api/management/v2/grants/delete-grants-by-id
func (c *Client) DeleteGrant(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE /grants/{id}", []string{id}, nil, nil, nil)
}

// DeleteUserGrants revokes every grant a user gave: DELETE /api/v2/grants?user_id= (204). An
// empty user id is refused with ErrInvalidID (it is required, and must never widen).
//
// Scope: delete:grants.
//
// https://auth0.com/docs/api/management/v2/grants/delete-grants-by-user-id
func (c *Client) DeleteUserGrants(ctx context.Context, userID string) error {
	const op = "DELETE /grants"
	if userID == "" {
		return invalidID(op)
	}
	return c.do(ctx, op, nil, url.Values{"user_id": {userID}}, nil, nil)
}
