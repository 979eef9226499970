package authapi

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

const (
	// requestLifetime is how long a sign-in may sit on the login page.
	requestLifetime = 10 * time.Minute
	// codeLifetime is how long an authorization code can be redeemed.
	codeLifetime = time.Minute
	// accessTokenLifetime is Auth0's default for /userinfo access tokens (86400 s).
	accessTokenLifetime = 24 * time.Hour
	// sweepInterval is how often expired transactions and codes are dropped.
	sweepInterval = 30 * time.Second
	// maxPending bounds the pending transactions; past it /authorize is refused.
	maxPending = 100_000
	// maxMaxAge caps a max_age parameter (a larger one means the same: any session will do).
	maxMaxAge = 10 * 365 * 24 * time.Hour
	// maxCodeTries is how many wrong one-time codes end a sign-in.
	maxCodeTries = 5
)

var (
	errNotFound    = errors.New("authapi: sign-in request not found or expired")
	errUnsupported = errors.New("authapi: not supported by the emulated tenant")
)

type codeEntry struct {
	requestID string
	expires   time.Time
}

// storage is our op.Storage: clients and keys from the Config, sign-in transactions and codes in
// memory, and stateless access tokens (their id carries client, scopes and expiry, and op seals
// it with AES-GCM).
type storage struct {
	clients map[string]*opClient
	dir     Directory
	keys    *keyRing
	now     func() time.Time

	mu        sync.Mutex
	requests  map[string]*authRequest
	codes     map[string]codeEntry
	lastSweep time.Time
}

var _ op.Storage = (*storage)(nil)
var _ op.CanSetUserinfoFromRequest = (*storage)(nil)

func newStorage(clients map[string]*opClient, dir Directory, keys *keyRing, now func() time.Time) *storage {
	return &storage{
		clients:   clients,
		dir:       dir,
		keys:      keys,
		now:       now,
		requests:  make(map[string]*authRequest),
		codes:     make(map[string]codeEntry),
		lastSweep: now(),
	}
}

// CreateAuthRequest stores a validated /authorize request. op has checked the client, the exact
// redirect_uri and the response type; we add what Auth0 and our clients require: PKCE with S256.
// prompt=none (a sign-in that must not show a page) is not offered: the provider session is
// looked up by the login page, which this request never reaches then.
func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if req.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge is required (PKCE)")
	}
	if req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if slices.Contains(req.Prompt, oidc.PromptNone) {
		return nil, oidc.ErrLoginRequired().WithDescription("Login required")
	}
	now := s.now()
	a := &authRequest{
		id:           rand.Text(),
		created:      now,
		clientID:     req.ClientID,
		redirectURI:  req.RedirectURI,
		state:        req.State,
		nonce:        req.Nonce,
		scopes:       slices.Clone([]string(req.Scopes)),
		responseType: req.ResponseType,
		responseMode: req.ResponseMode,
		challenge:    &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod},
		wantMFA:      slices.Contains(req.ACRValues, ACRMultiFactor),
	}
	// op has already turned prompt=login into max_age=0.
	if req.MaxAge != nil {
		d := time.Duration(min(*req.MaxAge, uint(maxMaxAge/time.Second))) * time.Second
		a.maxAge = &d
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastSweep) >= sweepInterval || len(s.requests) >= maxPending {
		s.sweepLocked(now)
	}
	if len(s.requests) >= maxPending {
		return nil, oidc.ErrServerError().WithDescription("too many pending sign-ins, try again later")
	}
	s.requests[a.id] = a
	return a.snapshot(), nil
}

// sweepLocked drops expired transactions and codes. s.mu must be held.
func (s *storage) sweepLocked(now time.Time) {
	s.lastSweep = now
	for id, a := range s.requests {
		if now.After(a.created.Add(requestLifetime)) {
			delete(s.requests, id)
		}
	}
	for code, e := range s.codes {
		if _, ok := s.requests[e.requestID]; !ok || now.After(e.expires) {
			delete(s.codes, code)
		}
	}
}

// liveLocked returns the unexpired transaction id. s.mu must be held.
func (s *storage) liveLocked(id string) (*authRequest, bool) {
	a, ok := s.requests[id]
	if !ok || s.now().After(a.created.Add(requestLifetime)) {
		return nil, false
	}
	return a, true
}

// AuthRequestByID returns a copy of a live transaction.
func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.liveLocked(id)
	if !ok {
		return nil, errNotFound
	}
	return a.snapshot(), nil
}

// AuthRequestByCode redeems a code: it is removed at once, so it works at most once, and only
// within codeLifetime.
func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.codes[code]
	if !ok {
		return nil, errNotFound
	}
	delete(s.codes, code)
	if s.now().After(e.expires) {
		return nil, errors.New("authapi: code expired")
	}
	a, ok := s.liveLocked(e.requestID)
	if !ok || !a.done {
		return nil, errNotFound
	}
	return a.snapshot(), nil
}

// peekCode returns the transaction of an unexpired code without redeeming it.
func (s *storage) peekCode(code string) (*authRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.codes[code]
	if !ok || s.now().After(e.expires) {
		return nil, false
	}
	a, ok := s.liveLocked(e.requestID)
	if !ok {
		return nil, false
	}
	return a.snapshot(), true
}

// SaveAuthCode records the one code a signed-in transaction gets.
func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.liveLocked(id)
	if !ok || !a.done {
		return errNotFound
	}
	if a.codeIssued {
		return oidc.ErrInvalidRequest().WithDescription("this sign-in has already been completed")
	}
	a.codeIssued = true
	s.codes[code] = codeEntry{requestID: id, expires: s.now().Add(codeLifetime)}
	return nil
}

// DeleteAuthRequest drops a transaction once its tokens are issued.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	return nil
}

// pending returns a live transaction that still waits for the person to sign in.
func (s *storage) pending(id string) (*authRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.liveLocked(id)
	if !ok || a.done {
		return nil, false
	}
	return a.snapshot(), true
}

// signedIn is how a person passed a sign-in: the claims the ID token will vouch for.
type signedIn struct {
	subject  string
	authTime time.Time
	amr      []string
	acr      string
	sid      string
}

// complete marks a pending transaction as signed in.
func (s *storage) complete(id string, in signedIn) (*authRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.liveLocked(id)
	if !ok || a.done {
		return nil, false
	}
	a.done, a.subject, a.authTime, a.amr, a.acr, a.sid = true, in.subject, in.authTime, slices.Clone(in.amr), in.acr, in.sid
	a.code = ""
	return a.snapshot(), true
}

// beginSecondStep records that subject passed the first step (with the methods amr) and
// returns the one-time code they must now type.
func (s *storage) beginSecondStep(id, subject string, amr []string) (string, bool) {
	code, err := oneTimeCode()
	if err != nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.liveLocked(id)
	if !ok || a.done {
		return "", false
	}
	a.second, a.candidate, a.candidateAMR, a.code, a.codeTries = true, subject, slices.Clone(amr), code, 0
	return code, true
}

// codeCheck is the outcome of a typed one-time code.
type codeCheck int

const (
	codeRight    codeCheck = iota
	codeWrong              // try again
	codeTooMany            // the sign-in is over
	codeNoSecond           // no second step is pending for this transaction
)

// checkCode compares a typed code with the transaction's, in constant time. After
// maxCodeTries wrong codes the transaction is dropped. On codeRight it returns the transaction
// (still pending: complete finishes it).
func (s *storage) checkCode(id, typed string) (*authRequest, codeCheck) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.liveLocked(id)
	if !ok || a.done || !a.second || a.code == "" {
		return nil, codeNoSecond
	}
	if subtle.ConstantTimeCompare([]byte(typed), []byte(a.code)) == 1 {
		return a.snapshot(), codeRight
	}
	a.codeTries++
	if a.codeTries >= maxCodeTries {
		delete(s.requests, id)
		return nil, codeTooMany
	}
	return a.snapshot(), codeWrong
}

// oneTimeCode returns six random decimal digits.
func oneTimeCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("authapi: one-time code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// size reports how many transactions and codes are held (for tests).
func (s *storage) size() (requests, codes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests), len(s.codes)
}

// accessToken is what an opaque access token stands for; it travels inside the token itself.
type accessToken struct {
	Client  string   `json:"c"`
	Scopes  []string `json:"s"`
	Expires int64    `json:"e"`
}

// CreateAccessToken returns the token id op seals into the opaque access token, and the expiry
// op turns into expires_in (on the real clock, as op computes expires_in from time.Now).
func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	var client string
	if c, ok := req.(interface{ GetClientID() string }); ok {
		client = c.GetClientID()
	}
	b, err := json.Marshal(accessToken{
		Client:  client,
		Scopes:  req.GetScopes(),
		Expires: s.now().Add(accessTokenLifetime).Unix(),
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("authapi: access token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), time.Now().Add(accessTokenLifetime), nil
}

func (s *storage) decodeAccessToken(id string) (accessToken, error) {
	var t accessToken
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return t, fmt.Errorf("authapi: access token: %w", err)
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("authapi: access token: %w", err)
	}
	if s.now().Unix() >= t.Expires {
		return t, errors.New("authapi: access token expired")
	}
	return t, nil
}

// CreateAccessAndRefreshTokens is never reached: no client may use refresh tokens.
func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errUnsupported
}

// TokenRequestByRefreshToken refuses every refresh token.
func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, oidc.ErrInvalidGrant().WithDescription("invalid refresh token")
}

// TerminateSession does nothing: Provider.logout ends the browser's provider session itself
// (op would only pass the id_token_hint's subject, not the session).
func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

// RevokeToken accepts and ignores the request: as with Auth0, access tokens cannot be revoked.
func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error { return nil }

// GetRefreshTokenInfo says no token is a refresh token.
func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// SigningKey returns the current key.
func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.keys.signing(), nil }

// SignatureAlgorithms is RS256 only.
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet returns the published keys.
func (s *storage) KeySet(context.Context) ([]op.Key, error) { return s.keys.published(), nil }

// GetClientByClientID returns a registered client.
func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, fmt.Errorf("authapi: unknown client %q", id)
	}
	return c, nil
}

// AuthorizeClientIDSecret checks a confidential client's secret in constant time.
func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if !s.clientSecretOK(id, secret) {
		return errors.New("authapi: wrong client credentials")
	}
	return nil
}

// clientSecretOK reports whether id is a known client and secret is its secret (any secret, or
// none, for a public client).
func (s *storage) clientSecretOK(id, secret string) bool {
	c, ok := s.clients[id]
	if !ok {
		return false
	}
	if c.c.Secret == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(secret), []byte(c.c.Secret)) == 1
}

// SetUserinfoFromScopes is deprecated in op; SetUserinfoFromRequest does the work.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's user claims.
func (s *storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	acct, err := s.dir.Account(ctx, req.GetSubject())
	if err != nil {
		return fmt.Errorf("authapi: account %q: %w", req.GetSubject(), err)
	}
	fillUserinfo(info, acct, scopes)
	if a, ok := req.(*authRequest); ok && a.sid != "" {
		info.AppendClaims("sid", a.sid)
	}
	return nil
}

// SetUserinfoFromToken answers /userinfo for an access token.
func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := s.decodeAccessToken(tokenID)
	if err != nil {
		return err
	}
	acct, err := s.dir.Account(ctx, subject)
	if err != nil {
		return fmt.Errorf("authapi: account %q: %w", subject, err)
	}
	fillUserinfo(info, acct, t.Scopes)
	return nil
}

// SetIntrospectionFromToken is not offered (Auth0 has no introspection endpoint).
func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errUnsupported
}

// GetPrivateClaimsFromScopes adds nothing to JWT access tokens (we issue opaque ones).
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID knows no client keys, so private_key_jwt and the JWT profile fail.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errUnsupported
}

// ValidateJWTProfileScopes refuses the JWT profile grant.
func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errUnsupported
}

// Health is always fine: everything is in memory.
func (s *storage) Health(context.Context) error { return nil }

// fillUserinfo sets the claims Auth0 returns for the scopes, then the account's extra claims.
func fillUserinfo(info *oidc.UserInfo, acct Account, scopes []string) {
	info.Subject = acct.Subject
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeProfile:
			info.Name = acct.Name
			info.Picture = acct.Picture
			if nick, _, ok := strings.Cut(acct.Email, "@"); ok {
				info.Nickname = nick
			}
		case oidc.ScopeEmail:
			info.Email = acct.Email
			info.EmailVerified = oidc.Bool(acct.EmailVerified)
			// The struct field drops false (omitempty); Auth0 sends it.
			info.AppendClaims("email_verified", acct.EmailVerified)
		}
	}
	for k, v := range acct.Claims {
		if reservedClaims[k] {
			continue
		}
		info.AppendClaims(k, v)
	}
}

// reservedClaims are the claims the provider alone vouches for; an account's extra claims cannot
// set them (Auth0's Actions cannot either).
var reservedClaims = map[string]bool{
	"amr": true, "acr": true, "auth_time": true, "sid": true, "nonce": true, "events": true,
	"iss": true, "sub": true, "aud": true, "azp": true, "exp": true, "iat": true, "nbf": true, "jti": true,
}
