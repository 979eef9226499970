package handlers

import (
	"context"

	"userdesk/auth0api"
)

// Identity-provider tokens (issue 11). When the Management API token holds
// read:user_idp_tokens, Auth0 puts the user's social access and refresh tokens in every user
// it returns (identities[].access_token, refresh_token, access_token_secret). userdesk never
// needs them, so they are dropped where users come into the dashboard: every Users call that
// returns users goes through withoutIdPTokens, and nothing downstream — pages, partials, the
// raw JSON, logs, the audit trail — ever holds them. main warns at start when the token has
// the scope (scopes.go).

// idpTokenFilter is the Users the dashboard uses: the client's, with the users it returns
// stripped of identity-provider tokens.
type idpTokenFilter struct{ Users }

// withoutIdPTokens wraps u.
func withoutIdPTokens(u Users) Users { return idpTokenFilter{u} }

func stripUser(u *auth0api.User, err error) (*auth0api.User, error) {
	if u != nil {
		clean := u.WithoutIdPTokens()
		u = &clean
	}
	return u, err
}

func stripUsers(users []auth0api.User) []auth0api.User {
	for i := range users {
		users[i] = users[i].WithoutIdPTokens()
	}
	return users
}

// ListUsers strips the users found.
func (f idpTokenFilter) ListUsers(ctx context.Context, p auth0api.ListUsersParams) (*auth0api.UsersPage, error) {
	page, err := f.Users.ListUsers(ctx, p)
	if page != nil {
		page.Users = stripUsers(page.Users)
	}
	return page, err
}

// ListUsersByEmail strips the users found.
func (f idpTokenFilter) ListUsersByEmail(ctx context.Context, email string, p *auth0api.GetUserParams) ([]auth0api.User, error) {
	users, err := f.Users.ListUsersByEmail(ctx, email, p)
	return stripUsers(users), err
}

// GetUser strips the user.
func (f idpTokenFilter) GetUser(ctx context.Context, id string, p *auth0api.GetUserParams) (*auth0api.User, error) {
	return stripUser(f.Users.GetUser(ctx, id, p))
}

// CreateUser strips the user created.
func (f idpTokenFilter) CreateUser(ctx context.Context, u auth0api.UserCreate) (*auth0api.User, error) {
	return stripUser(f.Users.CreateUser(ctx, u))
}

// UpdateUser strips the user updated.
func (f idpTokenFilter) UpdateUser(ctx context.Context, id string, u auth0api.UserUpdate) (*auth0api.User, error) {
	return stripUser(f.Users.UpdateUser(ctx, id, u))
}

// stripIdentities drops the identity-provider tokens of identities a link or an unlink answers.
func stripIdentities(ids []auth0api.Identity, err error) ([]auth0api.Identity, error) {
	if len(ids) > 0 {
		ids = auth0api.User{Identities: ids}.WithoutIdPTokens().Identities
	}
	return ids, err
}

// LinkUserIdentity strips the identities answered.
func (f idpTokenFilter) LinkUserIdentity(ctx context.Context, primaryID string, l auth0api.LinkIdentity) ([]auth0api.Identity, error) {
	return stripIdentities(f.Users.LinkUserIdentity(ctx, primaryID, l))
}

// UnlinkUserIdentity strips the identities answered.
func (f idpTokenFilter) UnlinkUserIdentity(ctx context.Context, primaryID, provider, secondaryUserID string) ([]auth0api.Identity, error) {
	return stripIdentities(f.Users.UnlinkUserIdentity(ctx, primaryID, provider, secondaryUserID))
}
