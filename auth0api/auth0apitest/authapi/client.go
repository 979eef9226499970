package authapi

import (
	"net/url"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// idTokenLifetime is Auth0's default ID token lifetime (36000 s).
const idTokenLifetime = 10 * time.Hour

// opClient adapts a Client to op.Client: a regular web application (confidential when it has a
// secret) that may only use the authorization code flow.
type opClient struct {
	c         Client
	loginBase string // issuer + "login?id="
}

func (c *opClient) GetID() string                    { return c.c.ID }
func (c *opClient) RedirectURIs() []string           { return slices.Clone(c.c.RedirectURIs) }
func (c *opClient) PostLogoutRedirectURIs() []string { return slices.Clone(c.c.PostLogoutRedirectURIs) }

func (c *opClient) ApplicationType() op.ApplicationType {
	if c.c.Secret == "" {
		return op.ApplicationTypeUserAgent
	}
	return op.ApplicationTypeWeb
}

func (c *opClient) AuthMethod() oidc.AuthMethod {
	if c.c.Secret == "" {
		return oidc.AuthMethodNone
	}
	// With Config.AuthMethodPost on, op accepts the secret in the body or in Basic.
	return oidc.AuthMethodPost
}

func (c *opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *opClient) GrantTypes() []oidc.GrantType { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c *opClient) LoginURL(id string) string    { return c.loginBase + url.QueryEscape(id) }
func (c *opClient) AccessTokenType() op.AccessTokenType {
	return op.AccessTokenTypeBearer
}
func (c *opClient) IDTokenLifetime() time.Duration { return idTokenLifetime }

// DevMode lets http redirect URIs through (they are still matched exactly).
func (c *opClient) DevMode() bool { return true }

func (c *opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c *opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed drops every scope beyond the standard OpenID ones.
func (c *opClient) IsScopeAllowed(string) bool { return false }

// IDTokenUserinfoClaimsAssertion puts the profile and e-mail claims in the ID token, as Auth0 does.
func (c *opClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *opClient) ClockSkew() time.Duration             { return 0 }
