package auth0api

import (
	"context"
	"encoding/json"
	"net/url"
	"time"
)

// User is an Auth0 user (UserResponseSchema). Keys this type does not name
// are kept in Extra; a decoded User encodes back to the JSON it came from.
// Metadata numbers decode as json.Number, so no digit is lost.
type User struct {
	UserID                  string         `json:"user_id"`
	Email                   string         `json:"email"`
	EmailVerified           bool           `json:"email_verified"` // also read from "true"/"false" strings
	Username                string         `json:"username"`
	PhoneNumber             string         `json:"phone_number"`
	PhoneVerified           bool           `json:"phone_verified"`
	CreatedAt               time.Time      `json:"created_at"`
	UpdatedAt               time.Time      `json:"updated_at"`
	Identities              []Identity     `json:"identities"`
	AppMetadata             map[string]any `json:"app_metadata"`
	UserMetadata            map[string]any `json:"user_metadata"`
	Picture                 string         `json:"picture"`
	Name                    string         `json:"name"`
	Nickname                string         `json:"nickname"`
	Multifactor             []string       `json:"multifactor"`
	MultifactorLastModified time.Time      `json:"multifactor_last_modified"`
	LastIP                  string         `json:"last_ip"`
	LastLogin               time.Time      `json:"last_login"`
	LastPasswordReset       time.Time      `json:"last_password_reset"`
	LoginsCount             int            `json:"logins_count"`
	Blocked                 bool           `json:"blocked"`
	GivenName               string         `json:"given_name"`
	FamilyName              string         `json:"family_name"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// Identity is one of a user's identities (the primary one first).
type Identity struct {
	Connection        string         `json:"connection"`
	UserID            string         `json:"user_id"` // Auth0 may send a number; it is kept as its digits
	Provider          string         `json:"provider"`
	IsSocial          bool           `json:"isSocial"`
	AccessToken       string         `json:"access_token"`
	AccessTokenSecret string         `json:"access_token_secret"`
	RefreshToken      string         `json:"refresh_token"`
	ProfileData       map[string]any `json:"profileData"` // linked secondary identities

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// UsersPage is a page of users (GET /users).
type UsersPage struct {
	Page
	Users []User `json:"users"`
}

// The model codecs are read-only after package initialisation.
var (
	userCodec      = newCodec[User]()
	identityCodec  = newCodec[Identity]()
	usersPageCodec = newCodec[UsersPage]()
)

// UnmarshalJSON decodes a user, keeping unknown keys in Extra.
func (u *User) UnmarshalJSON(b []byte) error { return userCodec.decode(b, u, &u.seen) }

// MarshalJSON encodes the user as it was received, with any changes made.
func (u User) MarshalJSON() ([]byte, error) { return userCodec.encode(&u, u.seen) }

// UnmarshalJSON decodes an identity, keeping unknown keys in Extra.
func (i *Identity) UnmarshalJSON(b []byte) error { return identityCodec.decode(b, i, &i.seen) }

// MarshalJSON encodes the identity as it was received, with any changes made.
func (i Identity) MarshalJSON() ([]byte, error) { return identityCodec.encode(&i, i.seen) }

// WithoutIdPTokens returns the user without the tokens of its identity providers: every
// identity's access_token, access_token_secret and refresh_token (Auth0 sends them only to a
// Management API token holding read:user_idp_tokens). Whatever shows or logs a user uses it,
// so that those tokens never reach a page, a partial or a log line. u is not changed.
func (u User) WithoutIdPTokens() User {
	if len(u.Identities) == 0 {
		return u
	}
	ids := make([]Identity, len(u.Identities))
	for i, id := range u.Identities {
		id.AccessToken, id.AccessTokenSecret, id.RefreshToken = "", "", ""
		id.seen = identityCodec.forget(id.seen, "access_token", "access_token_secret", "refresh_token")
		ids[i] = id
	}
	u.Identities = ids
	return u
}

// UnmarshalJSON decodes an envelope or a bare array of users.
func (p *UsersPage) UnmarshalJSON(b []byte) error {
	return decodePage(usersPageCodec, b, p, &p.Page, &p.Users)
}

// MarshalJSON encodes the page as it was received.
func (p UsersPage) MarshalJSON() ([]byte, error) {
	return encodePage(usersPageCodec, &p, &p.Page, p.Users)
}

// UserCreate is the body of POST /users (CreateUserRequestContent).
// Connection is required; which other fields apply depends on it.
type UserCreate struct {
	Connection    string         `json:"connection"`
	Email         string         `json:"email,omitempty"`
	PhoneNumber   string         `json:"phone_number,omitempty"`
	UserMetadata  map[string]any `json:"user_metadata,omitempty"`
	AppMetadata   map[string]any `json:"app_metadata,omitempty"`
	Blocked       bool           `json:"blocked,omitempty"`
	EmailVerified bool           `json:"email_verified,omitempty"`
	PhoneVerified bool           `json:"phone_verified,omitempty"`
	GivenName     string         `json:"given_name,omitempty"`
	FamilyName    string         `json:"family_name,omitempty"`
	Name          string         `json:"name,omitempty"`
	Nickname      string         `json:"nickname,omitempty"`
	Picture       string         `json:"picture,omitempty"`
	UserID        string         `json:"user_id,omitempty"`
	Password      string         `json:"password,omitempty"`
	// VerifyEmail overrides email_verified's effect on the verification
	// email: Set(false) sends none, unset leaves Auth0's default.
	VerifyEmail Opt[bool] `json:"verify_email,omitzero"`
	Username    string    `json:"username,omitempty"`
}

// UserUpdate is the body of PATCH /users/{id} (UpdateUserRequestContent).
// Every field is left alone unless set: Set(v) changes it, Null removes it.
// Metadata is merged one level deep by Auth0: a key mapped to a value
// replaces that key, a key mapped to nil is removed (sent as null), and keys
// not named are kept.
type UserUpdate struct {
	Blocked           Opt[bool]      `json:"blocked,omitzero"`
	EmailVerified     Opt[bool]      `json:"email_verified,omitzero"`
	Email             Opt[string]    `json:"email,omitzero"`
	PhoneNumber       Opt[string]    `json:"phone_number,omitzero"`
	PhoneVerified     Opt[bool]      `json:"phone_verified,omitzero"`
	UserMetadata      map[string]any `json:"user_metadata,omitempty"`
	AppMetadata       map[string]any `json:"app_metadata,omitempty"`
	GivenName         Opt[string]    `json:"given_name,omitzero"`
	FamilyName        Opt[string]    `json:"family_name,omitzero"`
	Name              Opt[string]    `json:"name,omitzero"`
	Nickname          Opt[string]    `json:"nickname,omitzero"`
	Picture           Opt[string]    `json:"picture,omitzero"`
	VerifyEmail       Opt[bool]      `json:"verify_email,omitzero"`
	VerifyPhoneNumber Opt[bool]      `json:"verify_phone_number,omitzero"`
	Password          Opt[string]    `json:"password,omitzero"`
	Connection        Opt[string]    `json:"connection,omitzero"`
	ClientID          Opt[string]    `json:"client_id,omitzero"`
	Username          Opt[string]    `json:"username,omitzero"`
}

// ListUsersParams are the parameters of ListUsers. The zero value is the
// seed's default request: page 0, 25 per page, totals and include_fields on.
type ListUsersParams struct {
	Page    int
	PerPage int // 0 = 25
	// Sort is "field:1" (ascending) or "field:-1", e.g. "created_at:-1".
	Sort string
	// Connection filters by connection; Auth0 only applies it with search
	// engine v1. With v3 use Q `identities.connection:"name"`.
	Connection string
	// Q is a Lucene query (user search v3 syntax).
	Q string
	// SearchEngine defaults to "v3" when Q is set (unlike the seed, which
	// leaves it out and so gets a 400 from Auth0).
	SearchEngine  string
	IncludeTotals Opt[bool] // unset = true
	Fields        []string
	IncludeFields Opt[bool] // unset = true
}

// GetUserParams selects the fields of GetUser and ListUsersByEmail. A nil
// *GetUserParams is the seed's default: all fields (include_fields=true).
type GetUserParams struct {
	Fields        []string
	IncludeFields Opt[bool] // unset = true: return only Fields (all when empty); false = all but Fields
}

func (p *GetUserParams) query(q url.Values) {
	if p == nil {
		p = &GetUserParams{}
	}
	fieldsQuery(q, p.Fields, p.IncludeFields)
}

// ListUsers lists or searches users: GET /api/v2/users.
//
// Scopes: read:users (read:user_idp_tokens to see identities' IdP tokens).
// Auth0 returns at most 1,000 users for a query (page*per_page beyond that is
// a 400); GET /users is eventually consistent.
//
// Seed quirks fixed: search_engine is v3 whenever Q is set.
//
// https://auth0.com/docs/api/management/v2/users/get-users
func (c *Client) ListUsers(ctx context.Context, p ListUsersParams) (*UsersPage, error) {
	q := url.Values{}
	pageQuery(q, p.Page, p.PerPage, p.IncludeTotals, 25, true)
	if p.Sort != "" {
		q.Set("sort", p.Sort)
	}
	if p.Connection != "" {
		q.Set("connection", p.Connection)
	}
	if p.Q != "" {
		q.Set("q", p.Q)
		q.Set("search_engine", orDefault(p.SearchEngine, "v3"))
	} else if p.SearchEngine != "" {
		q.Set("search_engine", p.SearchEngine)
	}
	fieldsQuery(q, p.Fields, p.IncludeFields)
	var page UsersPage
	if err := c.do(ctx, "GET /users", nil, q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// ListUsersByEmail finds users by exact email: GET /api/v2/users-by-email.
// Matching is case-sensitive (Auth0 stores database users' emails in lower
// case). An empty email is refused with ErrInvalidID. p may be nil.
//
// Scope: read:users.
//
// https://auth0.com/docs/api/management/v2/users-by-email/get-users-by-email
func (c *Client) ListUsersByEmail(ctx context.Context, email string, p *GetUserParams) ([]User, error) {
	if email == "" {
		return nil, invalidID("GET /users-by-email")
	}
	q := url.Values{"email": {email}}
	p.query(q)
	var users []User
	if err := c.do(ctx, "GET /users-by-email", nil, q, nil, &users); err != nil {
		return nil, err
	}
	return users, nil
}

// CreateUser creates a user: POST /api/v2/users (201 with the user).
//
// Scope: create:users. A duplicate is a 409 (ErrConflict).
//
// https://auth0.com/docs/api/management/v2/users/post-users
func (c *Client) CreateUser(ctx context.Context, u UserCreate) (*User, error) {
	var out User
	if err := c.do(ctx, "POST /users", nil, nil, u, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetUser reads one user: GET /api/v2/users/{id}. p may be nil (all fields).
//
// Scopes: read:users (or read:current_user). A missing user is ErrNotFound.
//
// Seed quirks fixed: the id is path-escaped.
//
// https://auth0.com/docs/api/management/v2/users/get-users-by-id
func (c *Client) GetUser(ctx context.Context, id string, p *GetUserParams) (*User, error) {
	q := url.Values{}
	p.query(q)
	var out User
	if err := c.do(ctx, "GET /users/{id}", []string{id}, q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteUser deletes a user: DELETE /api/v2/users/{id} (204, also when the
// user does not exist).
//
// Scope: delete:users.
//
// https://auth0.com/docs/api/management/v2/users/delete-users-by-id
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE /users/{id}", []string{id}, nil, nil, nil)
}

// UpdateUser changes a user: PATCH /api/v2/users/{id}, answering the updated
// user. Only the fields set in u are sent (see UserUpdate).
//
// Scopes: update:users (update:users_app_metadata for app_metadata).
//
// https://auth0.com/docs/api/management/v2/users/patch-users-by-id
func (c *Client) UpdateUser(ctx context.Context, id string, u UserUpdate) (*User, error) {
	var out User
	if err := c.do(ctx, "PATCH /users/{id}", []string{id}, nil, u, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
