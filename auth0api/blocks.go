package auth0api

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// UserBlock is one brute-force protection block (UserBlockIdentifier): the identifier a person
// typed (an e-mail, username or phone number) is blocked from IP, after too many failed logins
// from there. IP is empty when the block covers every address (Auth0's "Account Lockout"
// response). These blocks are separate from the administrator's block (User.Blocked).
type UserBlock struct {
	Identifier string `json:"identifier"`
	IP         string `json:"ip"`
	Connection string `json:"connection"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

var userBlockCodec = newCodec[UserBlock]()

// UnmarshalJSON decodes a block, keeping unknown keys in Extra.
func (b *UserBlock) UnmarshalJSON(data []byte) error { return userBlockCodec.decode(data, b, &b.seen) }

// MarshalJSON encodes the block as it was received, with any changes made.
func (b UserBlock) MarshalJSON() ([]byte, error) { return userBlockCodec.encode(&b, b.seen) }

// UserBlocksParams are the optional parameters of ListUserBlocks and ListUserBlocksByIdentifier.
type UserBlocksParams struct {
	// ConsiderBruteForceEnablement, when true, makes Auth0 answer no blocks while brute-force
	// protection is disabled on the connection (the blocks that still stop someone); unset,
	// the parameter is not sent.
	ConsiderBruteForceEnablement Opt[bool]
}

func (p *UserBlocksParams) query(q url.Values) {
	if p == nil {
		return
	}
	if v, ok := p.ConsiderBruteForceEnablement.Get(); ok {
		q.Set("consider_brute_force_enablement", strconv.FormatBool(v))
	}
}

// userBlocks is the answer of the user-blocks endpoints.
type userBlocks struct {
	BlockedFor []UserBlock `json:"blocked_for"`
}

// ListUserBlocks lists the brute-force blocks of a user's identifiers (e-mail, username,
// phone): GET /api/v2/user-blocks/{id}. No blocks is an empty list; an unknown user is
// ErrNotFound.
//
// Scope: read:users.
//
// https://auth0.com/docs/api/management/v2/user-blocks/get-user-blocks-by-id
func (c *Client) ListUserBlocks(ctx context.Context, id string, p *UserBlocksParams) ([]UserBlock, error) {
	q := url.Values{}
	p.query(q)
	var out userBlocks
	if err := c.do(ctx, "GET /user-blocks/{id}", []string{id}, q, nil, &out); err != nil {
		return nil, err
	}
	return out.BlockedFor, nil
}

// ListUserBlocksByIdentifier lists the brute-force blocks of an identifier as a person typed
// it (an e-mail, username or phone number): GET /api/v2/user-blocks?identifier=. It answers
// for identifiers no user has, or that a user search would not find. An empty identifier is
// refused with ErrInvalidID.
//
// Scope: read:users.
//
// https://auth0.com/docs/api/management/v2/user-blocks/get-user-blocks
func (c *Client) ListUserBlocksByIdentifier(ctx context.Context, identifier string, p *UserBlocksParams) ([]UserBlock, error) {
	const op = "GET /user-blocks"
	if identifier == "" {
		return nil, invalidID(op)
	}
	q := url.Values{"identifier": {identifier}}
	p.query(q)
	var out userBlocks
	if err := c.do(ctx, op, nil, q, nil, &out); err != nil {
		return nil, err
	}
	return out.BlockedFor, nil
}

// UnblockUser removes every brute-force block of a user's identifiers: DELETE
// /api/v2/user-blocks/{id} (204). It does not lift the administrator's block (User.Blocked:
// set it to false with UpdateUser). An unknown user is ErrNotFound.
//
// Scope: update:users.
//
// https://auth0.com/docs/api/management/v2/user-blocks/delete-user-blocks-by-id
func (c *Client) UnblockUser(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE /user-blocks/{id}", []string{id}, nil, nil, nil)
}

// UnblockByIdentifier removes every brute-force block of an identifier (an e-mail, username or
// phone number): DELETE /api/v2/user-blocks?identifier= (204). It does not lift the
// administrator's block. An empty identifier is refused with ErrInvalidID.
//
// Scope: update:users.
//
// https://auth0.com/docs/api/management/v2/user-blocks/delete-user-blocks
func (c *Client) UnblockByIdentifier(ctx context.Context, identifier string) error {
	const op = "DELETE /user-blocks"
	if identifier == "" {
		return invalidID(op)
	}
	return c.do(ctx, op, nil, url.Values{"identifier": {identifier}}, nil, nil)
}
