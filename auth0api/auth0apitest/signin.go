package auth0apitest

import "net/http"

// Client is an interactive (authorization-code) client of the tenant's
// sign-in side.
type Client struct {
	ID                     string
	Secret                 string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
}

// newSignIn builds the Authentication API handler (none yet).
func (t *Tenant) newSignIn() http.Handler { return nil }
