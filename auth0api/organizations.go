package auth0api

import (
	"context"
	"encoding/json"
	"net/url"
)

// Organization is an Auth0 organization a user belongs to.
type Organization struct {
	ID          string               `json:"id"`
	Name        string               `json:"name"`
	DisplayName string               `json:"display_name"`
	Branding    OrganizationBranding `json:"branding"`
	Metadata    map[string]string    `json:"metadata"`
	TokenQuota  json.RawMessage      `json:"token_quota"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// OrganizationBranding is an organization's login-page theme.
type OrganizationBranding struct {
	LogoURL string            `json:"logo_url"`
	Colors  map[string]string `json:"colors"` // "primary", "page_background"

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// OrganizationsPage is a page of organizations.
type OrganizationsPage struct {
	Page
	Organizations []Organization `json:"organizations"`
}

var (
	organizationCodec      = newCodec[Organization]()
	brandingCodec          = newCodec[OrganizationBranding]()
	organizationsPageCodec = newCodec[OrganizationsPage]()
)

// UnmarshalJSON decodes an organization, keeping unknown keys in Extra.
func (o *Organization) UnmarshalJSON(b []byte) error {
	return organizationCodec.decode(b, o, &o.seen)
}

// MarshalJSON encodes the organization as it was received, with any changes made.
func (o Organization) MarshalJSON() ([]byte, error) { return organizationCodec.encode(&o, o.seen) }

// UnmarshalJSON decodes a branding object, keeping unknown keys in Extra.
func (b *OrganizationBranding) UnmarshalJSON(data []byte) error {
	return brandingCodec.decode(data, b, &b.seen)
}

// MarshalJSON encodes the branding as it was received, with any changes made.
func (b OrganizationBranding) MarshalJSON() ([]byte, error) { return brandingCodec.encode(&b, b.seen) }

// UnmarshalJSON decodes an envelope or a bare array of organizations.
func (p *OrganizationsPage) UnmarshalJSON(b []byte) error {
	return decodePage(organizationsPageCodec, b, p, &p.Page, &p.Organizations)
}

// MarshalJSON encodes the page as it was received.
func (p OrganizationsPage) MarshalJSON() ([]byte, error) {
	return encodePage(organizationsPageCodec, &p, &p.Page, p.Organizations)
}

// ListUserOrganizations lists the organizations a user is a member of: GET
// /api/v2/users/{id}/organizations.
//
// Scope: read:organizations (Auth0's 403 text also names read:users).
// Defaults as the seed: page 0, 25 per page, with totals.
//
// https://auth0.com/docs/api/management/v2/users/get-user-organizations
func (c *Client) ListUserOrganizations(ctx context.Context, id string, p PageParams) (*OrganizationsPage, error) {
	q := url.Values{}
	pageQuery(q, p.Page, p.PerPage, p.IncludeTotals, 25, true)
	var page OrganizationsPage
	if err := c.do(ctx, "GET /users/{id}/organizations", []string{id}, q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}
