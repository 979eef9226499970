package auth0api

import (
	"context"
	"encoding/json"
	"net/url"
)

// Permission is a permission granted to a user, directly or through roles.
type Permission struct {
	PermissionName           string             `json:"permission_name"`
	Description              string             `json:"description"`
	ResourceServerName       string             `json:"resource_server_name"`
	ResourceServerIdentifier string             `json:"resource_server_identifier"`
	Sources                  []PermissionSource `json:"sources"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// PermissionSource says where a permission comes from: SourceType "DIRECT"
// (assigned to the user) or "ROLE" (SourceID and SourceName name the role).
type PermissionSource struct {
	SourceID   string `json:"source_id"`
	SourceName string `json:"source_name"`
	SourceType string `json:"source_type"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// PermissionRef names a permission to assign or remove: an API (resource
// server) identifier and one of its scopes.
type PermissionRef struct {
	ResourceServerIdentifier string `json:"resource_server_identifier"`
	PermissionName           string `json:"permission_name"`
}

// PermissionsPage is a page of a user's permissions.
type PermissionsPage struct {
	Page
	Permissions []Permission `json:"permissions"`
}

// ResourceServer is an API registered in the tenant, with the scopes
// (permissions) it defines.
type ResourceServer struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Identifier string  `json:"identifier"`
	Scopes     []Scope `json:"scopes"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// Scope is one permission a resource server defines.
type Scope struct {
	Value       string `json:"value"`
	Description string `json:"description"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// ResourceServersPage is a page of resource servers.
type ResourceServersPage struct {
	Page
	ResourceServers []ResourceServer `json:"resource_servers"`
}

var (
	permissionCodec          = newCodec[Permission]()
	permissionSourceCodec    = newCodec[PermissionSource]()
	permissionsPageCodec     = newCodec[PermissionsPage]()
	resourceServerCodec      = newCodec[ResourceServer]()
	scopeCodec               = newCodec[Scope]()
	resourceServersPageCodec = newCodec[ResourceServersPage]()
)

// UnmarshalJSON decodes a permission, keeping unknown keys in Extra.
func (p *Permission) UnmarshalJSON(b []byte) error { return permissionCodec.decode(b, p, &p.seen) }

// MarshalJSON encodes the permission as it was received, with any changes made.
func (p Permission) MarshalJSON() ([]byte, error) { return permissionCodec.encode(&p, p.seen) }

// UnmarshalJSON decodes a permission source, keeping unknown keys in Extra.
func (s *PermissionSource) UnmarshalJSON(b []byte) error {
	return permissionSourceCodec.decode(b, s, &s.seen)
}

// MarshalJSON encodes the source as it was received, with any changes made.
func (s PermissionSource) MarshalJSON() ([]byte, error) {
	return permissionSourceCodec.encode(&s, s.seen)
}

// UnmarshalJSON decodes an envelope or a bare array of permissions.
func (p *PermissionsPage) UnmarshalJSON(b []byte) error {
	return decodePage(permissionsPageCodec, b, p, &p.Page, &p.Permissions)
}

// MarshalJSON encodes the page as it was received.
func (p PermissionsPage) MarshalJSON() ([]byte, error) {
	return encodePage(permissionsPageCodec, &p, &p.Page, p.Permissions)
}

// UnmarshalJSON decodes a resource server, keeping unknown keys in Extra.
func (r *ResourceServer) UnmarshalJSON(b []byte) error {
	return resourceServerCodec.decode(b, r, &r.seen)
}

// MarshalJSON encodes the resource server as it was received, with any changes made.
func (r ResourceServer) MarshalJSON() ([]byte, error) {
	return resourceServerCodec.encode(&r, r.seen)
}

// UnmarshalJSON decodes a scope, keeping unknown keys in Extra.
func (s *Scope) UnmarshalJSON(b []byte) error { return scopeCodec.decode(b, s, &s.seen) }

// MarshalJSON encodes the scope as it was received, with any changes made.
func (s Scope) MarshalJSON() ([]byte, error) { return scopeCodec.encode(&s, s.seen) }

// UnmarshalJSON decodes an envelope or a bare array of resource servers.
func (p *ResourceServersPage) UnmarshalJSON(b []byte) error {
	return decodePage(resourceServersPageCodec, b, p, &p.Page, &p.ResourceServers)
}

// MarshalJSON encodes the page as it was received.
func (p ResourceServersPage) MarshalJSON() ([]byte, error) {
	return encodePage(resourceServersPageCodec, &p, &p.Page, p.ResourceServers)
}

// ListUserPermissions lists a user's permissions: GET
// /api/v2/users/{id}/permissions.
//
// Scope: read:users. Defaults as the seed: page 0, 25 per page, with totals.
//
// https://auth0.com/docs/api/management/v2/users/get-permissions
func (c *Client) ListUserPermissions(ctx context.Context, id string, p PageParams) (*PermissionsPage, error) {
	q := url.Values{}
	pageQuery(q, p.Page, p.PerPage, p.IncludeTotals, 25, true)
	var page PermissionsPage
	if err := c.do(ctx, "GET /users/{id}/permissions", []string{id}, q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// AddUserPermissions assigns permissions to a user: POST
// /api/v2/users/{id}/permissions with {"permissions": [{resource_server_identifier,
// permission_name}, ...]} (201, body {}). An empty list makes no request.
//
// Scope: update:users.
//
// Seed quirks fixed: the seed's docstring asks for permission ids; Auth0
// wants these objects.
//
// https://auth0.com/docs/api/management/v2/users/post-permissions
func (c *Client) AddUserPermissions(ctx context.Context, id string, perms []PermissionRef) error {
	return c.userPermissions(ctx, "POST /users/{id}/permissions", id, perms)
}

// RemoveUserPermissions removes permissions from a user: DELETE
// /api/v2/users/{id}/permissions with the same body as AddUserPermissions
// (204). An empty list makes no request.
//
// Scope: update:users.
//
// https://auth0.com/docs/api/management/v2/users/delete-permissions
func (c *Client) RemoveUserPermissions(ctx context.Context, id string, perms []PermissionRef) error {
	return c.userPermissions(ctx, "DELETE /users/{id}/permissions", id, perms)
}

func (c *Client) userPermissions(ctx context.Context, op, id string, perms []PermissionRef) error {
	if id == "" {
		return invalidID(op)
	}
	if len(perms) == 0 {
		return nil
	}
	body := struct {
		Permissions []PermissionRef `json:"permissions"`
	}{perms}
	return c.do(ctx, op, []string{id}, nil, body, nil)
}

// ListResourceServers lists the tenant's APIs with their scopes, for the
// permission picker: GET /api/v2/resource-servers. The zero PageParams asks
// for page 0 with 50 per page and totals.
//
// Scope: read:resource_servers.
//
// https://auth0.com/docs/api/management/v2/resource-servers/get-resource-servers
func (c *Client) ListResourceServers(ctx context.Context, p PageParams) (*ResourceServersPage, error) {
	q := url.Values{}
	pageQuery(q, p.Page, p.PerPage, p.IncludeTotals, 50, true)
	var page ResourceServersPage
	if err := c.do(ctx, "GET /resource-servers", nil, q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}
