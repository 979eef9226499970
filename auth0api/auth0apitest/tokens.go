package auth0apitest

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// AllScopes lists every Management API scope the emulated tenant checks.
// Token(AllScopes...) mints a token that every endpoint accepts.
var AllScopes = []string{
	"read:users", "create:users", "update:users", "delete:users",
	"read:user_idp_tokens", "update:users_app_metadata",
	"read:roles", "read:role_members", "create:role_members", "delete:role_members",
	"read:organizations",
	"read:logs", "read:logs_users",
	"read:authentication_methods", "create:authentication_methods",
	"update:authentication_methods", "delete:authentication_methods",
	"read:guardian_enrollments", "delete:guardian_enrollments",
	"read:resource_servers", "read:connections", "create:user_tickets",
	"create:guardian_enrollment_tickets", // MFA enrollment invitations
	// Account security (issue 12).
	"read:sessions", "delete:sessions", "read:refresh_tokens", "delete:refresh_tokens",
	"read:grants", "delete:grants",
	// Scopes of user tokens: they only reach the token's own user (sub).
	"read:current_user", "update:current_user_metadata", "delete:current_user",
	"update:current_user_identities", // linking one's own accounts
}

// TestClientID is the client id in tokens minted by Tenant.Token.
const TestClientID = "emulator-test-client"

// tokenLifetime is how long minted Management API tokens last (Auth0's default is 24 h).
const tokenLifetime = 24 * time.Hour

// claims are the claims of an Auth0 Management API access token.
type claims struct {
	Issuer   string           `json:"iss"`
	Subject  string           `json:"sub"`
	Audience jwt.Audience     `json:"aud"`
	IssuedAt *jwt.NumericDate `json:"iat"`
	Expiry   *jwt.NumericDate `json:"exp"`
	Scope    string           `json:"scope"`
	GrantTy  string           `json:"gty,omitempty"`
	AZP      string           `json:"azp,omitempty"`
}

// grant is what a verified token allows.
type grant struct {
	subject string
	azp     string // the client the token was issued to
	scopes  map[string]bool
	expiry  time.Time
}

// tokenMinter signs and verifies the tenant's Management API tokens (RS256).
type tokenMinter struct {
	key    *rsa.PrivateKey
	kid    string
	signer jose.Signer

	mu       sync.Mutex
	verified map[string]grant // cache: raw token -> grant (bounded)
}

func newTokenMinter() (*tokenMinter, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("auth0apitest: generate signing key: %w", err)
	}
	kid := rand.Text()[:16]
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		return nil, fmt.Errorf("auth0apitest: signer: %w", err)
	}
	return &tokenMinter{key: key, kid: kid, signer: signer, verified: map[string]grant{}}, nil
}

// mint signs an access token for clientID with scopes, valid from now for ttl.
func (m *tokenMinter) mint(issuer, audience, clientID string, scopes []string, now time.Time, ttl time.Duration) (string, error) {
	c := claims{
		Issuer:   issuer,
		Subject:  clientID + "@clients",
		Audience: jwt.Audience{audience},
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(ttl)),
		Scope:    strings.Join(scopes, " "),
		GrantTy:  "client-credentials",
		AZP:      clientID,
	}
	tok, err := jwt.Signed(m.signer).Claims(c).Serialize()
	if err != nil {
		return "", fmt.Errorf("auth0apitest: sign token: %w", err)
	}
	return tok, nil
}

// sign signs claims with the tenant's key; signing with an in-memory RSA key
// does not fail.
func (m *tokenMinter) sign(c any) string {
	tok, err := jwt.Signed(m.signer).Claims(c).Serialize()
	if err != nil {
		panic("auth0apitest: sign token: " + err.Error())
	}
	return tok
}

// verify checks a bearer token the way Auth0 does and answers the 401 Auth0
// gives when it is missing, malformed, badly signed, for another audience
// or expired.
func (m *tokenMinter) verify(header, issuer, audience string, now time.Time) (grant, *apiError) {
	if header == "" {
		return grant{}, errUnauthorized("Missing authentication", false)
	}
	scheme, raw, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return grant{}, errUnauthorized("Bad HTTP authentication header format", true)
	}
	m.mu.Lock()
	g, cached := m.verified[raw]
	m.mu.Unlock()
	if !cached {
		tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			return grant{}, errUnauthorized("Invalid token", true)
		}
		var c claims
		if err := tok.Claims(&m.key.PublicKey, &c); err != nil {
			return grant{}, errUnauthorized("Invalid signature received for JSON Web Token validation", true)
		}
		if c.Issuer != issuer || !c.Audience.Contains(audience) || c.Expiry == nil {
			return grant{}, errUnauthorized("Invalid token", true)
		}
		g = grant{subject: c.Subject, azp: c.AZP, scopes: map[string]bool{}, expiry: c.Expiry.Time()}
		for s := range strings.FieldsSeq(c.Scope) {
			g.scopes[s] = true
		}
		m.mu.Lock()
		if len(m.verified) > 4096 {
			clear(m.verified)
		}
		m.verified[raw] = g
		m.mu.Unlock()
	}
	if !now.Before(g.expiry) {
		return grant{}, errUnauthorized("Expired token received for JSON Web Token validation", true)
	}
	return g, nil
}

// scopeRule is the scope check of one endpoint: the token needs any (or,
// with all set, every) scope of need. message overrides the scope list
// Auth0 names in its 403 when it differs from need (it does for
// DELETE /users/{id}/authenticators).
type scopeRule struct {
	need    []string
	all     bool
	message string
}

// currentUserScope reports whether s only grants access to the token's own user.
func currentUserScope(s string) bool { return strings.Contains(s, "current_user") }

// check answers Auth0's 403 when g lacks the scopes of r for acting on
// target (a user id, or "" for endpoints not about one user).
func (r scopeRule) check(g grant, target string) *apiError {
	if len(r.need) == 0 {
		return nil
	}
	list := strings.Join(r.need, ",")
	if r.message != "" {
		list = r.message
	}
	if r.all {
		for _, s := range r.need {
			if !g.scopes[s] {
				return newError(http.StatusForbidden, "insufficient_scope", "Insufficient scope, expected all of: "+list)
			}
		}
		return nil
	}
	onlyCurrentUser := false
	for _, s := range r.need {
		if g.scopes[s] {
			if !currentUserScope(s) {
				return nil
			}
			onlyCurrentUser = true
		}
	}
	if onlyCurrentUser {
		if target != "" && g.subject == target {
			return nil
		}
		return newError(http.StatusForbidden, "", "User to be acted on does not match subject in bearer token.")
	}
	return newError(http.StatusForbidden, "insufficient_scope", "Insufficient scope, expected any of: "+list)
}
