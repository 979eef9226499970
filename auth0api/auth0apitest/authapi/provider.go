package authapi

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Provider is the Authentication API of the emulated tenant. It is safe for concurrent use.
type Provider struct {
	issuer   string // with its trailing slash
	op       *op.Provider
	store    *storage
	keys     *keyRing
	dir      Directory
	machine  func(ctx context.Context, clientID, clientSecret, audience string) (MachineToken, error)
	now      func() time.Time
	ownClock bool // Config.Now was set: ID token times are re-stamped from it
	log      *slog.Logger
	tamper   atomic.Pointer[func(map[string]any)]
	replace  atomic.Pointer[func(string) string]
	pages    *template.Template
	handler  http.Handler

	sessions    *sessionStore
	second      SecondFactor
	backChannel *http.Client
}

// New builds a Provider: it validates cfg and generates the first signing key.
func New(cfg Config) (*Provider, error) {
	issuer, err := normalizeIssuer(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	if cfg.Directory == nil {
		return nil, errors.New("authapi: Config.Directory is required")
	}
	loginBase := issuer + "login?id="
	clients := make(map[string]*opClient, len(cfg.Clients))
	for _, c := range cfg.Clients {
		if err := validateClient(c); err != nil {
			return nil, err
		}
		if _, dup := clients[c.ID]; dup {
			return nil, fmt.Errorf("authapi: client %q registered twice", c.ID)
		}
		clients[c.ID] = &opClient{c: c, loginBase: loginBase}
	}
	keys, err := newKeyRing()
	if err != nil {
		return nil, err
	}
	p := &Provider{
		issuer:      issuer,
		keys:        keys,
		dir:         cfg.Directory,
		machine:     cfg.Machine,
		now:         cfg.Now,
		ownClock:    cfg.Now != nil,
		log:         cfg.Logger,
		second:      cfg.SecondFactor,
		backChannel: cfg.BackChannel,
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.backChannel == nil {
		p.backChannel = &http.Client{Timeout: BackChannelTimeout}
	}
	p.sessions = newSessionStore(issuer, p.now)
	if p.log == nil {
		p.log = slog.Default()
	}
	p.pages, err = parsePages()
	if err != nil {
		return nil, err
	}
	p.store = newStorage(clients, cfg.Directory, keys, p.now)

	opCfg := &op.Config{
		DefaultLogoutRedirectURI: issuer + "login/signed-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		SupportedScopes:          []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail},
		SupportedClaims:          append(slices.Clone(op.DefaultSupportedClaims), "sid"),

		BackChannelLogoutSupported:        true,
		BackChannelLogoutSessionSupported: true,
	}
	// The key that seals codes and opaque access tokens; fresh per Provider.
	rand.Read(opCfg.CryptoKey[:])
	ep := op.NewEndpoint
	p.op, err = op.NewProvider(opCfg, p.store, op.StaticIssuer(issuer),
		op.WithAllowInsecure(),
		op.WithCustomEndpoints(ep("authorize"), ep("oauth/token"), ep("userinfo"),
			ep("oauth/revoke"), ep("oidc/logout"), ep(".well-known/jwks.json")),
		op.WithCustomDeviceAuthorizationEndpoint(ep("oauth/device/code")),
	)
	if err != nil {
		return nil, fmt.Errorf("authapi: provider: %w", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", p.showLogin)
	mux.HandleFunc("POST /login", p.submitLogin)
	mux.HandleFunc("POST /login/code", p.submitCode)
	mux.HandleFunc("GET /login/style.css", p.style)
	mux.HandleFunc("GET /login/signed-out", p.signedOut)
	mux.HandleFunc("/authorize", p.authorize)
	// Sign-ins complete on the login form's POST; op's own callback stays closed.
	mux.Handle("/authorize/callback", http.NotFoundHandler())
	mux.HandleFunc("/oauth/token", p.token)
	mux.HandleFunc("/oidc/logout", p.logout)
	mux.Handle("/", p.op)
	p.handler = mux
	return p, nil
}

// ServeHTTP answers the Authentication API paths listed in the package documentation.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.handler.ServeHTTP(w, r)
}

// Issuer returns the issuer URL, with its trailing slash.
func (p *Provider) Issuer() string { return p.issuer }

// RotateKeys makes a new signing key current. The previous key stays published in the JWKS until
// the next rotation, so tokens signed before still verify, and relying parties that see the new
// kid refetch the key set. If no key can be generated, the current one stays and the failure is
// logged.
func (p *Provider) RotateKeys() {
	k, err := newSigningKey()
	if err != nil {
		p.log.Error("authapi: rotate keys", "err", err)
		return
	}
	p.keys.rotate(k)
}

// TamperIDTokens is a test knob: when f is not nil, every ID token the token endpoint returns is
// decoded, f edits its claims in place (numbers arrive as float64, as encoding/json decodes
// them), and it is re-signed with the current key, so tests can hand a relying party a wrong
// issuer, audience, azp or nonce, or an expired token. Nil turns it off. Never set it outside
// tests.
func (p *Provider) TamperIDTokens(f func(claims map[string]any)) {
	if f == nil {
		p.tamper.Store(nil)
		return
	}
	p.tamper.Store(&f)
}

// ReplaceIDTokens is a test knob for what claim edits cannot express: when f is not nil, the
// token endpoint hands the client f(idToken) instead of each ID token it issues (after
// TamperIDTokens), so tests can serve a token with alg "none", an HS256 signature keyed with the
// public key, an attacker's key under the tenant's kid, a jku header, or plain garbage. The
// tenant's public keys are at /.well-known/jwks.json. Nil turns it off. Never set it outside
// tests.
func (p *Provider) ReplaceIDTokens(f func(idToken string) string) {
	if f == nil {
		p.replace.Store(nil)
		return
	}
	p.replace.Store(&f)
}

// Sign returns claims as a JWT signed with the tenant's current key (RS256, header typ "JWT"
// and kid), exactly as the tenant signs its own tokens. It is a test knob for relying parties
// that must refuse well-signed tokens with bad claims (e.g. logout tokens with a nonce).
func (p *Provider) Sign(claims map[string]any) (string, error) { return p.sign(claims) }

// normalizeIssuer checks the issuer URL and gives it its trailing slash.
func normalizeIssuer(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("authapi: issuer: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("authapi: issuer %q: want http(s)://host[/path]/", s)
	}
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s, nil
}

// validateClient checks a registered client.
func validateClient(c Client) error {
	if c.ID == "" {
		return errors.New("authapi: client with an empty ID")
	}
	if len(c.RedirectURIs) == 0 {
		return fmt.Errorf("authapi: client %q has no redirect URI", c.ID)
	}
	uris := [][]string{c.RedirectURIs, c.PostLogoutRedirectURIs}
	if c.BackChannelLogoutURI != "" {
		uris = append(uris, []string{c.BackChannelLogoutURI})
	}
	for _, list := range uris {
		for _, raw := range list {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
				return fmt.Errorf("authapi: client %q: redirect URI %q must be an absolute http(s) URL without fragment", c.ID, raw)
			}
		}
	}
	return nil
}
