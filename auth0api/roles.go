package auth0api

import (
	"context"
	"encoding/json"
	"net/url"
)

// Role is a tenant role (id "rol_…").
type Role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// RolesPage is a page of roles.
type RolesPage struct {
	Page
	Roles []Role `json:"roles"`
}

var (
	roleCodec      = newCodec[Role]()
	rolesPageCodec = newCodec[RolesPage]()
)

// UnmarshalJSON decodes a role, keeping unknown keys in Extra.
func (r *Role) UnmarshalJSON(b []byte) error { return roleCodec.decode(b, r, &r.seen) }

// MarshalJSON encodes the role as it was received, with any changes made.
func (r Role) MarshalJSON() ([]byte, error) { return roleCodec.encode(&r, r.seen) }

// UnmarshalJSON decodes an envelope or a bare array of roles.
func (p *RolesPage) UnmarshalJSON(b []byte) error {
	return decodePage(rolesPageCodec, b, p, &p.Page, &p.Roles)
}

// MarshalJSON encodes the page as it was received.
func (p RolesPage) MarshalJSON() ([]byte, error) {
	return encodePage(rolesPageCodec, &p, &p.Page, p.Roles)
}

// ListRolesParams are the parameters of ListRoles. The zero value asks for
// page 0 with 50 roles and totals.
type ListRolesParams struct {
	NameFilter    string // roles whose name contains it (case-insensitive)
	Page          int
	PerPage       int       // 0 = 50
	IncludeTotals Opt[bool] // unset = true
}

// ListUserRoles lists the roles assigned to a user (tenant-wide, not
// organization roles): GET /api/v2/users/{id}/roles.
//
// Scopes: read:users, read:roles and read:role_members (all of them).
// Defaults as the seed: page 0, 25 per page, with totals.
//
// https://auth0.com/docs/api/management/v2/users/get-user-roles
func (c *Client) ListUserRoles(ctx context.Context, id string, p PageParams) (*RolesPage, error) {
	q := url.Values{}
	pageQuery(q, p.Page, p.PerPage, p.IncludeTotals, 25, true)
	var page RolesPage
	if err := c.do(ctx, "GET /users/{id}/roles", []string{id}, q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// AddUserRoles assigns roles (by id) to a user: POST /api/v2/users/{id}/roles
// with {"roles": [...]} (204). An empty list makes no request.
//
// Scopes: update:users, create:role_members.
//
// Seed quirks fixed: the seed types the answer as a dict; it is empty.
//
// https://auth0.com/docs/api/management/v2/users/post-user-roles
func (c *Client) AddUserRoles(ctx context.Context, id string, roleIDs []string) error {
	return c.userRoles(ctx, "POST /users/{id}/roles", id, roleIDs)
}

// RemoveUserRoles removes roles (by id) from a user: DELETE
// /api/v2/users/{id}/roles with {"roles": [...]} (204). An empty list makes
// no request.
//
// Scopes: update:users, delete:role_members.
//
// https://auth0.com/docs/api/management/v2/users/delete-user-roles
func (c *Client) RemoveUserRoles(ctx context.Context, id string, roleIDs []string) error {
	return c.userRoles(ctx, "DELETE /users/{id}/roles", id, roleIDs)
}

func (c *Client) userRoles(ctx context.Context, op, id string, roleIDs []string) error {
	if id == "" {
		return invalidID(op)
	}
	if len(roleIDs) == 0 {
		return nil
	}
	body := struct {
		Roles []string `json:"roles"`
	}{roleIDs}
	return c.do(ctx, op, []string{id}, nil, body, nil)
}

// ListRoles lists the tenant's roles catalog: GET /api/v2/roles.
//
// Scope: read:roles.
//
// https://auth0.com/docs/api/management/v2/roles/get-roles
func (c *Client) ListRoles(ctx context.Context, p ListRolesParams) (*RolesPage, error) {
	q := url.Values{}
	pageQuery(q, p.Page, p.PerPage, p.IncludeTotals, 50, true)
	if p.NameFilter != "" {
		q.Set("name_filter", p.NameFilter)
	}
	var page RolesPage
	if err := c.do(ctx, "GET /roles", nil, q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}
