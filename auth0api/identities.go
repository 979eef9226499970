package auth0api

import (
	"context"
	"fmt"
	"log/slog"
)

// LinkIdentity names the secondary account LinkUserIdentity links into a
// primary user, in one of the two ways Auth0 accepts:
//
//   - Provider and UserID (and, when the tenant has several database
//     connections, ConnectionID): the way a Management API token with
//     update:users links any two users. UserID may be the secondary user's
//     whole id ("google-oauth2|1082…", as Auth0's recorded exchange sends
//     it) or the part after the provider ("1082…", as Auth0's Action example
//     sends it).
//   - LinkWith alone: the secondary account's ID token (RS256, the tenant's
//     issuer, aud equal to the calling token's azp), the way a user token
//     with update:current_user_identities links the user's own accounts.
//
// Auth0 refuses LinkWith together with any of the other fields; the client
// refuses it before sending (ErrInvalidParams).
type LinkIdentity struct {
	Provider     string `json:"provider,omitempty"`      // e.g. "google-oauth2", "auth0", "github"
	UserID       string `json:"user_id,omitempty"`       // the secondary's user_id, whole or after the provider
	ConnectionID string `json:"connection_id,omitempty"` // "con_…", to pick one of several database connections
	LinkWith     string `json:"link_with,omitempty"`     // the secondary account's ID token (a secret: never log it)
}

// String describes the link without LinkWith's token.
func (l LinkIdentity) String() string {
	if l.LinkWith != "" {
		return "LinkIdentity{link_with: [redacted]}"
	}
	return fmt.Sprintf("LinkIdentity{%s %s %s}", l.Provider, l.UserID, l.ConnectionID)
}

// LogValue logs the link without LinkWith's token.
func (l LinkIdentity) LogValue() slog.Value { return slog.StringValue(l.String()) }

// LinkUserIdentity links a secondary account into the primary user
// primaryID and returns the primary's identities afterwards (its own first,
// then the linked ones with the secondary's profile in ProfileData):
// POST /api/v2/users/{id}/identities (201).
//
// What Auth0 does (auth0-staff-and-account-security.md §6): the primary keeps
// its user_id and root profile; the secondary's user_metadata and
// app_metadata are discarded, not merged; the secondary disappears from the
// user list and is deleted with the primary. A staff link skips the user's
// proof of owning both accounts: callers should treat it as an
// account-takeover-grade action.
//
// Refused before any request: an empty primaryID (ErrInvalidID); neither
// LinkWith nor Provider and UserID, or LinkWith with another field
// (ErrInvalidParams). Auth0 answers 400 for linking a user to itself ("Main
// identity and the new one are the same.") or to an unknown secondary
// ("Provided secondary account not found."), and 409 (ErrConflict) when the
// identity is linked already.
//
// Scopes: update:users (or, for the token's own user, update:current_user_identities).
//
// https://auth0.com/docs/api/management/v2/users/post-identities
func (c *Client) LinkUserIdentity(ctx context.Context, primaryID string, l LinkIdentity) ([]Identity, error) {
	const op = "POST /users/{id}/identities"
	if primaryID == "" {
		return nil, invalidID(op)
	}
	switch {
	case l.LinkWith != "" && (l.Provider != "" || l.UserID != "" || l.ConnectionID != ""):
		return nil, invalidParams(op, "link_with cannot be sent with provider, user_id or connection_id")
	case l.LinkWith == "" && (l.Provider == "" || l.UserID == ""):
		return nil, invalidParams(op, "provider and user_id (or link_with) are required")
	}
	var out []Identity
	if err := c.do(ctx, op, []string{primaryID}, nil, l, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// UnlinkUserIdentity removes the linked identity (provider, secondaryUserID)
// from the primary user primaryID and returns the identities the primary
// keeps: DELETE /api/v2/users/{id}/identities/{provider}/{user_id} (200).
// secondaryUserID is the identity's user_id as it appears in the primary's
// identities (Identity.UserID: the part after "provider|", which may itself
// hold "|" or "/", as SAML ids do); all three segments are path-escaped.
//
// Auth0 then recreates the secondary as a standalone user with no metadata
// (its id is provider|secondaryUserID in the emulated tenant; Auth0 does not
// document it). Unlinking the primary's own identity is a 400 ("Main
// identity cannot be removed.").
//
// Scopes: update:users (or update:current_user_identities).
//
// https://auth0.com/docs/api/management/v2/users/delete-user-identity-by-user-id
func (c *Client) UnlinkUserIdentity(ctx context.Context, primaryID, provider, secondaryUserID string) ([]Identity, error) {
	var out []Identity
	if err := c.do(ctx, "DELETE /users/{id}/identities/{provider}/{user_id}", []string{primaryID, provider, secondaryUserID}, nil, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// invalidParams is the error of a call refused for its parameters before any request.
func invalidParams(op, why string) error { return fmt.Errorf("%w (%s): %s", ErrInvalidParams, op, why) }
