package auth0api

import (
	"context"
	"encoding/json"
	"net/url"
	"time"
)

// AuthenticationMethod is one of a user's authentication methods (MFA
// factors, passkeys, ...). Its ID contains "|" (e.g. "email|dev_…"); pass it
// as is, it is escaped. Auth0 masks email and phone_number in GET answers.
type AuthenticationMethod struct {
	ID                            string                    `json:"id"`
	Type                          string                    `json:"type"` // totp, phone, email, push, webauthn-roaming, passkey, recovery-code, ...
	Confirmed                     bool                      `json:"confirmed"`
	Name                          string                    `json:"name"`
	AuthenticationMethods         []AuthenticationMethodRef `json:"authentication_methods"`
	PreferredAuthenticationMethod string                    `json:"preferred_authentication_method"` // sms or voice
	LinkID                        string                    `json:"link_id"`
	PhoneNumber                   string                    `json:"phone_number"`
	Email                         string                    `json:"email"`
	KeyID                         string                    `json:"key_id"`
	PublicKey                     string                    `json:"public_key"`
	TOTPSecret                    string                    `json:"totp_secret"` // only in create answers
	CreatedAt                     time.Time                 `json:"created_at"`
	EnrolledAt                    time.Time                 `json:"enrolled_at"`
	LastAuthAt                    time.Time                 `json:"last_auth_at"`
	CredentialDeviceType          string                    `json:"credential_device_type"`
	CredentialBackedUp            bool                      `json:"credential_backed_up"`
	IdentityUserID                string                    `json:"identity_user_id"`
	UserAgent                     string                    `json:"user_agent"`
	UserHandle                    string                    `json:"user_handle"`
	Transports                    []string                  `json:"transports"`
	AAGUID                        string                    `json:"aaguid"`
	RelyingPartyIdentifier        string                    `json:"relying_party_identifier"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// AuthenticationMethodRef is a sub-method of an authentication method, e.g.
// the sms side of a phone method.
type AuthenticationMethodRef struct {
	ID   string `json:"id"`
	Type string `json:"type"` // totp, push, sms, voice

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// AuthenticationMethodsPage is a page of authentication methods. Auth0's
// envelope key is "authenticators".
type AuthenticationMethodsPage struct {
	Page
	AuthenticationMethods []AuthenticationMethod `json:"authenticators"`
}

var (
	authMethodCodec      = newCodec[AuthenticationMethod]()
	authMethodRefCodec   = newCodec[AuthenticationMethodRef]()
	authMethodsPageCodec = newCodec[AuthenticationMethodsPage]()
)

// UnmarshalJSON decodes an authentication method, keeping unknown keys in Extra.
func (m *AuthenticationMethod) UnmarshalJSON(b []byte) error {
	return authMethodCodec.decode(b, m, &m.seen)
}

// MarshalJSON encodes the method as it was received, with any changes made.
func (m AuthenticationMethod) MarshalJSON() ([]byte, error) {
	return authMethodCodec.encode(&m, m.seen)
}

// UnmarshalJSON decodes a sub-method, keeping unknown keys in Extra.
func (r *AuthenticationMethodRef) UnmarshalJSON(b []byte) error {
	return authMethodRefCodec.decode(b, r, &r.seen)
}

// MarshalJSON encodes the sub-method as it was received, with any changes made.
func (r AuthenticationMethodRef) MarshalJSON() ([]byte, error) {
	return authMethodRefCodec.encode(&r, r.seen)
}

// UnmarshalJSON decodes an envelope or a bare array of methods.
func (p *AuthenticationMethodsPage) UnmarshalJSON(b []byte) error {
	return decodePage(authMethodsPageCodec, b, p, &p.Page, &p.AuthenticationMethods)
}

// MarshalJSON encodes the page as it was received.
func (p AuthenticationMethodsPage) MarshalJSON() ([]byte, error) {
	return encodePage(authMethodsPageCodec, &p, &p.Page, p.AuthenticationMethods)
}

// AuthenticationMethodCreate is the body of CreateAuthenticationMethod. Type
// is required: phone, email, totp, webauthn-roaming or passkey.
type AuthenticationMethodCreate struct {
	Type                          string    `json:"type"`
	Name                          string    `json:"name,omitempty"`
	TOTPSecret                    string    `json:"totp_secret,omitempty"` // base32
	PhoneNumber                   string    `json:"phone_number,omitempty"`
	Email                         string    `json:"email,omitempty"`
	PreferredAuthenticationMethod string    `json:"preferred_authentication_method,omitempty"` // sms or voice
	KeyID                         string    `json:"key_id,omitempty"`
	PublicKey                     string    `json:"public_key,omitempty"` // base64
	AAGUID                        string    `json:"aaguid,omitempty"`
	RelyingPartyIdentifier        string    `json:"relying_party_identifier,omitempty"`
	CredentialDeviceType          string    `json:"credential_device_type,omitempty"` // single_device or multi_device
	CredentialBackedUp            Opt[bool] `json:"credential_backed_up,omitzero"`
	IdentityUserID                string    `json:"identity_user_id,omitempty"`
	UserAgent                     string    `json:"user_agent,omitempty"`
	UserHandle                    string    `json:"user_handle,omitempty"`
	Transports                    []string  `json:"transports,omitempty"`
}

// AuthenticationMethodReplace is one element of ReplaceAuthenticationMethods'
// list. Type is required: phone, email or totp.
type AuthenticationMethodReplace struct {
	Type                          string `json:"type"`
	PreferredAuthenticationMethod string `json:"preferred_authentication_method,omitempty"`
	Name                          string `json:"name,omitempty"`
	PhoneNumber                   string `json:"phone_number,omitempty"`
	Email                         string `json:"email,omitempty"`
	TOTPSecret                    string `json:"totp_secret,omitempty"`
}

// AuthenticationMethodUpdate is the body of UpdateAuthenticationMethod; unset
// fields are left alone.
type AuthenticationMethodUpdate struct {
	Name                          Opt[string] `json:"name,omitzero"`
	PreferredAuthenticationMethod Opt[string] `json:"preferred_authentication_method,omitzero"`
}

// ListAuthenticationMethods lists a user's authentication methods: GET
// /api/v2/users/{id}/authentication-methods. With p nil it sends no
// parameters, as the seed, and Auth0 answers a bare array; with p it sends
// page, per_page (0 = 50) and include_totals (unset = true).
//
// Scope: read:authentication_methods.
//
// https://auth0.com/docs/api/management/v2/users/get-authentication-methods
func (c *Client) ListAuthenticationMethods(ctx context.Context, id string, p *PageParams) (*AuthenticationMethodsPage, error) {
	var q url.Values
	if p != nil {
		q = url.Values{}
		pageQuery(q, p.Page, p.PerPage, p.IncludeTotals, 50, true)
	}
	var page AuthenticationMethodsPage
	if err := c.do(ctx, "GET /users/{id}/authentication-methods", []string{id}, q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// GetAuthenticationMethod reads one authentication method: GET
// /api/v2/users/{id}/authentication-methods/{authentication_method_id}.
//
// Scope: read:authentication_methods.
//
// Seed quirks fixed: both ids are escaped (method ids contain "|").
//
// https://auth0.com/docs/api/management/v2/users/get-authentication-methods-by-authentication-method-id
func (c *Client) GetAuthenticationMethod(ctx context.Context, id, methodID string) (*AuthenticationMethod, error) {
	var out AuthenticationMethod
	if err := c.do(ctx, "GET /users/{id}/authentication-methods/{authentication_method_id}", []string{id, methodID}, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateAuthenticationMethod adds an authentication method, confirmed at
// once: POST /api/v2/users/{id}/authentication-methods (201). A duplicate is
// a 409 (ErrConflict).
//
// Scope: create:authentication_methods.
//
// https://auth0.com/docs/api/management/v2/users/post-authentication-methods
func (c *Client) CreateAuthenticationMethod(ctx context.Context, id string, m AuthenticationMethodCreate) (*AuthenticationMethod, error) {
	var out AuthenticationMethod
	if err := c.do(ctx, "POST /users/{id}/authentication-methods", []string{id}, nil, m, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReplaceAuthenticationMethods replaces all of a user's authentication
// methods with the given ones: PUT /api/v2/users/{id}/authentication-methods
// with a JSON array, answering the created methods.
//
// Scope: update:authentication_methods.
//
// Seed quirks fixed: the seed types the body as a dict; Auth0 wants an array
// (an empty list is sent as [], not null).
//
// https://auth0.com/docs/api/management/v2/users/put-authentication-methods
func (c *Client) ReplaceAuthenticationMethods(ctx context.Context, id string, methods []AuthenticationMethodReplace) ([]AuthenticationMethod, error) {
	if methods == nil {
		methods = []AuthenticationMethodReplace{}
	}
	var out []AuthenticationMethod
	if err := c.do(ctx, "PUT /users/{id}/authentication-methods", []string{id}, nil, methods, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateAuthenticationMethod renames a method or changes its preferred
// channel: PATCH /api/v2/users/{id}/authentication-methods/{authentication_method_id}.
//
// Scope: update:authentication_methods.
//
// https://auth0.com/docs/api/management/v2/users/patch-authentication-methods-by-authentication-method-id
func (c *Client) UpdateAuthenticationMethod(ctx context.Context, id, methodID string, u AuthenticationMethodUpdate) (*AuthenticationMethod, error) {
	var out AuthenticationMethod
	if err := c.do(ctx, "PATCH /users/{id}/authentication-methods/{authentication_method_id}", []string{id, methodID}, nil, u, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAuthenticationMethods removes all of a user's authentication
// methods: DELETE /api/v2/users/{id}/authentication-methods (204).
//
// Scope: delete:authentication_methods.
//
// https://auth0.com/docs/api/management/v2/users/delete-authentication-methods
func (c *Client) DeleteAuthenticationMethods(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE /users/{id}/authentication-methods", []string{id}, nil, nil, nil)
}

// DeleteAuthenticationMethod removes one authentication method (and the
// methods linked to it): DELETE
// /api/v2/users/{id}/authentication-methods/{authentication_method_id} (204).
//
// Scope: delete:authentication_methods.
//
// https://auth0.com/docs/api/management/v2/users/delete-authentication-methods-by-authentication-method-id
func (c *Client) DeleteAuthenticationMethod(ctx context.Context, id, methodID string) error {
	return c.do(ctx, "DELETE /users/{id}/authentication-methods/{authentication_method_id}", []string{id, methodID}, nil, nil, nil)
}
