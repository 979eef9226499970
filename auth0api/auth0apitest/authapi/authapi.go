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
// redirect), single-use short-lived codes, nonce echoed, auth_time and amr in the ID token, and
// the account's profile, e-mail and extra claims in the ID token as Auth0 puts them there.
//
// Test knobs: RotateKeys, TamperIDTokens (edit the claims of issued ID tokens, re-signed) and
// ReplaceIDTokens (hand out any string instead) let relying-party tests produce every bad token.
package authapi

import (
	"context"
	"errors"
	"log/slog"
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
	// ErrWrongCredentials and ErrBlocked, a page that cannot be rendered, a failed key rotation.
	// Nil means slog.Default(). Refusals of bad requests are not logged here (op itself logs
	// its refusals at WARN on slog.Default()).
	Logger *slog.Logger
}

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
	// Action would (e.g. the namespaced role claim). The key "amr", when it holds a list of
	// strings, replaces the default authentication methods ["pwd"] instead.
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
