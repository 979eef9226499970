package userops

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"userdesk/audit"
	"userdesk/auth0api"
)

// The account-security changes (issue 12): brute-force lockouts, sessions, refresh tokens and
// application grants. The caller (the dashboard's handlers, after the gate) has checked that a
// session, token or grant named by id belongs to the target; these only make the calls.

// Unlock removes every brute-force lockout of the user's identifiers (e-mail, username, phone):
// DELETE /user-blocks/{id}. ips are the addresses the lockouts blocked, as the caller read them
// (recorded; may be empty). It does not lift an administrator's block.
func (o *Ops) Unlock(ctx context.Context, a Actor, t Target, ips []string) error {
	return o.do(ctx, event(audit.UserLockoutUnlock, a, t, audit.Strings("ips", ips)), func(ctx context.Context) error {
		return o.Users.UnblockUser(ctx, t.UserID)
	})
}

// UnlockIdentifier removes the brute-force lockouts of an identifier as a person types it (an
// e-mail address, username or phone number) that no user has: DELETE /user-blocks?identifier=.
// The audit target is the identifier itself (no user id).
func (o *Ops) UnlockIdentifier(ctx context.Context, a Actor, identifier string, ips []string) error {
	e := event(audit.UserLockoutUnlock, a, Target{Label: identifier}, audit.String("identifier", identifier), audit.Strings("ips", ips))
	return o.do(ctx, e, func(ctx context.Context) error {
		return o.Users.UnblockByIdentifier(ctx, identifier)
	})
}

// Session names one of the user's sessions for EndSession: its id (sent to Auth0, never
// recorded: it is the sid of the user's ID tokens) and its device in words (recorded).
type Session struct {
	ID     string
	Device string
}

// EndSession signs the user out of one session and revokes the refresh tokens issued in it:
// POST /sessions/{id}/revoke. When Auth0 refuses that call (a 403 that is not the plan's: the
// token lacks delete:refresh_tokens), it falls back to ending the session alone (DELETE
// /sessions/{id}) and says so in via.
func (o *Ops) EndSession(ctx context.Context, a Actor, t Target, s Session) (via string, err error) {
	e := event(audit.UserSessionEnd, a, t, audit.String("device", s.Device))
	err = o.doReporting(ctx, e, func(ctx context.Context) ([]audit.Attr, error) {
		via = ViaRevoke
		err := o.Users.RevokeSession(ctx, s.ID)
		if refusedOneCall(err) {
			via = ViaSeparate
			err = o.Users.DeleteSession(ctx, s.ID)
		}
		return []audit.Attr{audit.String("via", via), audit.Bool("tokens_revoked", via == ViaRevoke && err == nil)}, err
	})
	return via, err
}

// The ways a session change was made (the "via" of its audit event).
const (
	// ViaRevoke: the one call that ends sessions and revokes their refresh tokens
	// (POST /users/{id}/revoke-access, POST /sessions/{id}/revoke).
	ViaRevoke = "revoke"
	// ViaSeparate: Auth0 refused that call, so the separate calls were made instead.
	ViaSeparate = "separate calls"
)

// EndSessions ends every session of the user (DELETE /users/{id}/sessions). Their refresh
// tokens stay valid: RevokeAccess ends both.
func (o *Ops) EndSessions(ctx context.Context, a Actor, t Target) error {
	return o.do(ctx, event(audit.UserSessionsEnd, a, t, audit.Bool("tokens_revoked", false)), func(ctx context.Context) error {
		return o.Users.DeleteUserSessions(ctx, t.UserID)
	})
}

// RevokeAccess ends every session of the user and revokes every refresh token, in one call
// where Auth0 offers it (POST /users/{id}/revoke-access). When Auth0 refuses it (a 403 that is
// not the plan's), it falls back to the two separate calls, made at once (DELETE
// /users/{id}/sessions and DELETE /users/{id}/refresh-tokens), and says so in via; an error
// then says which of the two failed.
func (o *Ops) RevokeAccess(ctx context.Context, a Actor, t Target) (via string, err error) {
	err = o.doReporting(ctx, event(audit.UserSessionsEnd, a, t, audit.Bool("tokens_revoked", true)), func(ctx context.Context) ([]audit.Attr, error) {
		via, err = o.revokeAccess(ctx, t.UserID)
		return []audit.Attr{audit.String("via", via)}, err
	})
	return via, err
}

// revokeAccess is RevokeAccess's calls, unaudited (SecureAccount audits them as its step).
func (o *Ops) revokeAccess(ctx context.Context, userID string) (string, error) {
	err := o.Users.RevokeUserAccess(ctx, userID, auth0api.RevokeAccess{})
	if !refusedOneCall(err) {
		return ViaRevoke, err
	}
	var sessionsErr, tokensErr error
	var wg sync.WaitGroup
	wg.Go(func() { sessionsErr = o.Users.DeleteUserSessions(ctx, userID) })
	wg.Go(func() { tokensErr = o.Users.DeleteUserRefreshTokens(ctx, userID) })
	wg.Wait()
	switch {
	case sessionsErr != nil && tokensErr != nil:
		return ViaSeparate, fmt.Errorf("end the sessions: %w; revoke the refresh tokens: %w", sessionsErr, tokensErr)
	case sessionsErr != nil:
		return ViaSeparate, fmt.Errorf("end the sessions (the refresh tokens were revoked): %w", sessionsErr)
	case tokensErr != nil:
		return ViaSeparate, fmt.Errorf("revoke the refresh tokens (the sessions ended): %w", tokensErr)
	}
	return ViaSeparate, nil
}

// refusedOneCall reports whether Auth0 refused a combined call (revoke-access, a session's
// revoke) in a way the separate calls may not be: a 403 that is not about the plan (then
// every session call is refused alike), typically a token without delete:refresh_tokens.
func refusedOneCall(err error) bool {
	return errors.Is(err, auth0api.ErrForbidden) && !errors.Is(err, auth0api.ErrFeatureUnavailable)
}

// RefreshToken names one of the user's refresh tokens for RevokeRefreshToken: its id (sent to
// Auth0, never recorded) and, for the audit trail, its application and device in words.
type RefreshToken struct {
	ID       string
	ClientID string
	Device   string
}

// RevokeRefreshToken revokes one refresh token (DELETE /refresh-tokens/{id}).
func (o *Ops) RevokeRefreshToken(ctx context.Context, a Actor, t Target, tok RefreshToken) error {
	e := event(audit.UserRefreshTokenRevoke, a, t, audit.String("client_id", tok.ClientID), audit.String("device", tok.Device))
	return o.do(ctx, e, func(ctx context.Context) error {
		return o.Users.DeleteRefreshToken(ctx, tok.ID)
	})
}

// RevokeRefreshTokens revokes every refresh token of the user (DELETE
// /users/{id}/refresh-tokens). Their sessions stay.
func (o *Ops) RevokeRefreshTokens(ctx context.Context, a Actor, t Target) error {
	return o.do(ctx, event(audit.UserRefreshTokensRevoke, a, t), func(ctx context.Context) error {
		return o.Users.DeleteUserRefreshTokens(ctx, t.UserID)
	})
}

// RevokeGrant revokes one of the user's application grants (DELETE /grants/{id}): the
// application asks for consent again and the refresh tokens issued under the grant stop
// working.
func (o *Ops) RevokeGrant(ctx context.Context, a Actor, t Target, g auth0api.Grant) error {
	e := event(audit.UserGrantsRevoke, a, t, audit.Strings("clients", []string{g.ClientID}), audit.String("audience", g.Audience), audit.Strings("scopes", g.Scope))
	return o.do(ctx, e, func(ctx context.Context) error {
		return o.Users.DeleteGrant(ctx, g.ID)
	})
}

// LinkIdentity links the secondary user's account into the primary user t: POST
// /users/{id}/identities. The secondary's identity (its provider and user id) moves into the
// primary, with its profile in the identity's profile data; its metadata is lost and it is no
// longer a user of its own. The audit target is the primary; the secondary is named in the
// details.
func (o *Ops) LinkIdentity(ctx context.Context, a Actor, t Target, secondary Target, provider string) ([]auth0api.Identity, error) {
	e := event(audit.UserIdentityLink, a, t, audit.String("secondary_user_id", secondary.UserID), audit.String("provider", provider))
	var ids []auth0api.Identity
	err := o.do(ctx, e, func(ctx context.Context) (err error) {
		ids, err = o.Users.LinkUserIdentity(ctx, t.UserID, auth0api.LinkIdentity{Provider: provider, UserID: secondary.UserID})
		return err
	})
	return ids, err
}

// UnlinkIdentity removes the linked identity (provider, identityUserID: the part after
// "provider|") from the user t: DELETE /users/{id}/identities/{provider}/{user_id}. Auth0 makes
// it a user of its own again, without metadata. It returns the identities t keeps.
func (o *Ops) UnlinkIdentity(ctx context.Context, a Actor, t Target, provider, identityUserID string) ([]auth0api.Identity, error) {
	e := event(audit.UserIdentityUnlink, a, t, audit.String("provider", provider), audit.String("secondary_user_id", provider+"|"+identityUserID))
	var ids []auth0api.Identity
	err := o.do(ctx, e, func(ctx context.Context) (err error) {
		ids, err = o.Users.UnlinkUserIdentity(ctx, t.UserID, provider, identityUserID)
		return err
	})
	return ids, err
}

// EnrollmentInvitation invites the user to enroll an MFA factor: POST
// /guardian/enrollments/ticket. With email, Auth0 e-mails the invitation to the user's address
// and no link is returned; without, the link is returned to be shown once. The link is a
// secret (anyone who has it enrolls a factor on the account): it is never recorded.
func (o *Ops) EnrollmentInvitation(ctx context.Context, a Actor, t Target, email bool) (link string, err error) {
	delivery := "link"
	if email {
		delivery = "email"
	}
	err = o.do(ctx, event(audit.UserEnrollmentInvite, a, t, audit.String("delivery", delivery)), func(ctx context.Context) error {
		ticket, err := o.Users.CreateGuardianEnrollmentTicket(ctx, auth0api.GuardianEnrollmentTicket{UserID: t.UserID, SendMail: auth0api.Set(email)})
		if err == nil && !email {
			link = ticket.URL
		}
		return err
	})
	return link, err
}
