// Package authapi is the Authentication API of the emulated Auth0 tenant: an OpenID Connect
// provider (built on github.com/zitadel/oidc/v3/pkg/op with a storage of our own) that signs
// people in with the authorization code flow and PKCE, plus Auth0's client-credentials grant on
// /oauth/token for Management API tokens.
//
// A Provider is one http.Handler. It answers Auth0's paths, relative to the issuer:
//
//	GET  /.well-known/openid-configuration   discovery
//	GET  /.well-known/jwks.json              signing keys (RS256, 2048-bit)
//	GET  /authorize                          starts a sign-in, redirects to the login page
//	GET  /login                              the demo login page (POST checks it)
//	POST /login/code                         the second step: the one-time code
//	GET  /login/style.css                    the login page's stylesheet
//	GET  /login/signed-out                   where /oidc/logout lands without a return URL
//	POST /oauth/token                        authorization_code (op) and client_credentials (Config.Machine)
//	GET  /userinfo                           claims for an access token
//	GET  /oidc/logout                        end session, then redirect to a registered URL
//	POST /oauth/revoke                       token revocation (a no-op, as for Auth0 access tokens)
//
// The issuer may carry a path ("http://localhost:8080/tenant/"): mount the Provider with
// http.StripPrefix and every URL it emits (discovery, redirects, the login form) still carries
// the prefix. Everything is kept in memory; pending sign-ins and unused codes expire and are swept.
//
// It is faithful to Auth0 where a relying party's security depends on it: code flow only, PKCE
// with S256 required, exact redirect_uri matching (an unknown one is a 400 page, never a
// redirect), single-use short-lived codes, nonce echoed, and the account's profile, e-mail and
// extra claims in the ID token as Auth0 puts them there.
//
// # Sessions, the second step and re-authentication
//
// A successful sign-in opens a provider session (a cookie on the issuer's path), as Auth0's
// does: a later /authorize from the same browser completes without the login page, with the
// session's auth_time. Every ID token carries the session's id in "sid", a true "auth_time" (when
// the person last proved who they are), "amr" (["pwd"], or ["pwd","mfa"] after the second step)
// and, after the second step, "acr" ACRMultiFactor.
//
// The second step is a one-time code (Config.SecondFactor). It is asked for when acr_values holds
// ACRMultiFactor (Auth0's documented value, honoured by a post-login Action) or when
// SecondFactor.Always is set; a session that passed it does not ask again. "prompt=login" and
// "max_age" are honoured: a session older than max_age (prompt=login means max_age=0) is not
// reused, and the person signs in again. Without a SecondFactor no factor is enabled: the
// request for multi-factor is then not met and the ID token says so (no "mfa" in amr, no acr),
// which is what a relying party must be ready for with Auth0 too.
//
// # Back-channel logout
//
// A Client may register a BackChannelLogoutURI (OpenID Connect Back-Channel Logout 1.0). When a
// provider session ends (/oidc/logout from that browser, a sign-in as someone else in it, or
// EndSession / EndSessions, e.g. when an admin ends them), every client that signed someone in
// through that session is sent a logout_token: a JWT signed with the tenant's keys, header typ
// "JWT" as Auth0's, claims iss, aud, iat, exp (iat + 2 minutes), jti, events, sid and sub, no
// nonce, POSTed form-encoded. Deliveries run in parallel and the call that ended the session
// waits for them (at most BackChannelTimeout), so tests see the outcome at once.
//
// Test knobs: RotateKeys, TamperIDTokens (edit the claims of issued ID tokens, re-signed) and
// ReplaceIDTokens (hand out any string instead) let relying-party tests produce every bad token.
package authapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// Config configures a Provider.
type Config struct {
	// Issuer is the public issuer URL, e.g. "http://127.0.0.1:4000/" or
	// "http://localhost:8080/tenant/". It ends with a slash, as Auth0's issuers do; one is added
	// when missing. Plain http is allowed (this is an emulator).
	Issuer string
	// Clients are the applications that may use the authorization code flow.
	Clients []Client
	// Directory says who can sign in. Required.
	Directory Directory
	// Machine answers the client-credentials grant on /oauth/token. It returns one of
	// ErrUnauthorized, ErrServiceNotEnabled, ErrNoClientGrant or a *TokenError to refuse. When
	// nil, the grant is refused as unsupported.
	Machine func(ctx context.Context, clientID, clientSecret, audience string) (MachineToken, error)
	// Now is the clock for sign-in transactions, codes, access-token expiry and the time claims of
	// ID tokens. Nil means time.Now. When set, issued ID tokens are re-stamped (iat, exp) from it
	// so that a relying party using the same clock sees consistent times.
	Now func() time.Time
	// Logger receives server-side failures: a Machine error, an Authenticate error other than
	// ErrWrongCredentials and ErrBlocked, a page that cannot be rendered, a failed key rotation,
	// a back-channel logout that was not accepted. Nil means slog.Default(). Refusals of bad
	// requests are not logged here (op itself logs its refusals at WARN on slog.Default()).
	Logger *slog.Logger
	// SecondFactor is the one-time-code second step. Its zero value enables no factor.
	SecondFactor SecondFactor
	// BackChannel sends the back-channel logout requests. It should have a timeout; nil means a
	// client with BackChannelTimeout.
	BackChannel *http.Client
}

// ACRMultiFactor is the acr_values entry that asks for multi-factor authentication, as Auth0
// documents it (the OpenID PAPE multi-factor policy), and the "acr" of an ID token issued after
// the second step.
const ACRMultiFactor = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"

// BackChannelTimeout is how long a back-channel logout request may take (Auth0 waits 5 seconds).
const BackChannelTimeout = 5 * time.Second

// SecondFactor configures the second step of a sign-in: a six-digit one-time code, valid for one
// sign-in, five tries.
type SecondFactor struct {
	// Send delivers a code to the person, as an SMS or an authenticator app would: the demo
	// prints it on the console, tests keep it. It must not block for long.
	Send func(ctx context.Context, acct Account, code string)
	// ShowOnPage also shows the code on the code page, in a box labelled as a demo aid. Only for
	// demos: it makes the second step prove nothing.
	ShowOnPage bool
	// Always asks for the second step at every password sign-in, as Auth0's MFA policy "Always"
	// does; otherwise only when acr_values asks for ACRMultiFactor.
	Always bool
}

// enabled reports whether a code can reach the person at all.
func (f SecondFactor) enabled() bool { return f.Send != nil || f.ShowOnPage }

// Client is an application registered for the authorization code flow.
type Client struct {
	// ID is the client_id.
	ID string
	// Secret is the client_secret. An empty Secret makes a public client (no client
	// authentication; PKCE is required either way).
	Secret string
	// RedirectURIs are the allowed callback URLs, matched exactly.
	RedirectURIs []string
	// PostLogoutRedirectURIs are the allowed post_logout_redirect_uri values ("Allowed Logout
	// URLs"), matched exactly.
	PostLogoutRedirectURIs []string
	// BackChannelLogoutURI, when set, receives a logout_token whenever a provider session in
	// which this client signed someone in ends (Auth0's "OpenID Connect Back-Channel Logout" URL).
	BackChannelLogoutURI string
}

// Directory is who can sign in. Implementations must be safe for concurrent use.
type Directory interface {
	// Authenticate checks a username (an e-mail address) and password. It returns
	// ErrWrongCredentials (or any error) for a wrong pair, and ErrBlocked for a blocked account.
	Authenticate(ctx context.Context, username, password string) (Account, error)
	// Account returns the account with the given subject, for ID tokens and /userinfo.
	Account(ctx context.Context, subject string) (Account, error)
	// Accounts lists the accounts shown on the demo login page, with their password hints.
	Accounts(ctx context.Context) []Account
}

// Account is a person who can sign in.
type Account struct {
	// Subject is the ID token's sub, e.g. "auth0|65f0c0ffee".
	Subject string
	// Email and EmailVerified go into the ID token and /userinfo with the "email" scope.
	Email         string
	EmailVerified bool
	// Name and Picture go into the ID token and /userinfo with the "profile" scope.
	Name    string
	Picture string
	// PasswordHint is shown next to the account on the demo login page; a one-click button signs
	// in with it as the password.
	PasswordHint string
	// Claims are added to every ID token and /userinfo answer for this account, as an Auth0
	// Action would (e.g. the namespaced role claim). Like Auth0's Actions, they cannot set or
	// override the standard claims the provider itself vouches for: "amr", "acr", "auth_time",
	// "sid", "nonce" and "events" are ignored.
	Claims map[string]any
}

// MachineToken is a successful client-credentials grant.
type MachineToken struct {
	// AccessToken is the bearer token handed to the client.
	AccessToken string
	// ExpiresIn is the token's lifetime; zero means 24 hours, Auth0's default.
	ExpiresIn time.Duration
	// Scopes are the granted scopes, sent space-separated in "scope".
	Scopes []string
}

// Errors a Directory or Config.Machine returns to choose Auth0's answer.
var (
	// ErrWrongCredentials makes the login page say the e-mail or password is wrong.
	ErrWrongCredentials = errors.New("authapi: wrong username or password")
	// ErrBlocked makes the login page say the account is blocked.
	ErrBlocked = errors.New("authapi: account is blocked")
	// ErrUnauthorized answers the client-credentials grant with 401
	// {"error":"access_denied","error_description":"Unauthorized"} (unknown client, wrong secret).
	ErrUnauthorized = errors.New("authapi: unauthorized client")
	// ErrServiceNotEnabled answers with 403 access_denied
	// "Service not enabled within domain: <audience>" (unknown audience).
	ErrServiceNotEnabled = errors.New("authapi: service not enabled within domain")
	// ErrNoClientGrant answers with 403 access_denied "Client is not authorized to access
	// "<audience>". You need to create a "client-grant" associated to this API. …" (known
	// audience, but the client has no grant for it).
	ErrNoClientGrant = errors.New("authapi: client has no grant for the audience")
)

// TokenError is an OAuth error answer chosen by Config.Machine when the sentinels do not fit.
type TokenError struct {
	Status      int    // HTTP status, e.g. 403
	Code        string // "error", e.g. "access_denied"
	Description string // "error_description"
}

// Error returns the error code and description.
func (e *TokenError) Error() string {
	return "authapi: " + e.Code + ": " + e.Description
}
