package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// readyFor is how long a readiness answer is reused before the provider is asked again.
const readyFor = 10 * time.Second

// signIn holds the OIDC relying party: the discovered provider, the ID-token verifier and the
// OAuth 2 client. Discovery may fail at start; it is then retried in the background.
type signIn struct {
	issuer       string
	clientID     string
	clientSecret string
	redirectURL  string
	client       *http.Client // back channel, with a timeout
	now          func() time.Time
	log          *slog.Logger

	mu        sync.Mutex
	p         *provider // nil until discovery succeeded
	lastErr   error
	readyAt   time.Time // when ready was last computed
	readyErr  error
	readyOnce bool
}

// provider is what discovery produced.
type provider struct {
	oidc       *oidc.Provider
	verifier   *oidc.IDTokenVerifier
	oauth2     oauth2.Config
	endSession string // RP-initiated logout, "" when not advertised
	jwksURL    string
	keys       *oidc.RemoteKeySet // the provider's signing keys, for logout tokens
}

// newSignIn tries discovery once and, if the provider cannot be reached, keeps retrying in the
// background (doubling the wait up to a minute) until it succeeds or ctx ends.
func newSignIn(ctx context.Context, cfg OIDCConfig, redirectURL string, now func() time.Time, log *slog.Logger) *signIn {
	si := &signIn{
		issuer:       cfg.Issuer,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		redirectURL:  redirectURL,
		client:       cfg.HTTPClient,
		now:          now,
		log:          log,
	}
	if si.client == nil {
		si.client = &http.Client{Timeout: 10 * time.Second}
	}
	if err := si.discover(ctx); err != nil {
		log.Warn("oidc discovery failed; retrying in the background", "issuer", cfg.Issuer, "err", err)
		wait := cfg.RetryEvery
		if wait <= 0 {
			wait = time.Second
		}
		go si.retry(ctx, wait)
	}
	return si
}

func (si *signIn) retry(ctx context.Context, wait time.Duration) {
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := si.discover(ctx)
		if err == nil {
			si.log.Info("oidc discovery succeeded", "issuer", si.issuer)
			return
		}
		wait = min(2*wait, time.Minute)
		si.log.Warn("oidc discovery failed", "issuer", si.issuer, "err", err, "retry_in", wait.String())
		t.Reset(wait)
	}
}

// discover fetches the provider's discovery document and sets up the verifier and client.
func (si *signIn) discover(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, si.client.Timeout+time.Second)
	defer cancel()
	// The client in the context is kept by the provider for its JWKS fetches.
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, si.client), si.issuer)
	if err != nil {
		si.mu.Lock()
		si.lastErr = err
		si.mu.Unlock()
		return fmt.Errorf("handlers: oidc discovery: %w", err)
	}
	var meta struct {
		EndSession  string   `json:"end_session_endpoint"`
		JWKS        string   `json:"jwks_uri"`
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := op.Claims(&meta); err != nil {
		return fmt.Errorf("handlers: oidc discovery: %w", err)
	}
	endpoint := op.Endpoint()
	// Auth0's default for a Regular Web Application is client_secret_post; use Basic only
	// when the provider does not offer post. Never let x/oauth2 guess: a guess retries a
	// refused code exchange with the other style.
	endpoint.AuthStyle = oauth2.AuthStyleInParams
	if len(meta.AuthMethods) > 0 && !slices.Contains(meta.AuthMethods, "client_secret_post") {
		endpoint.AuthStyle = oauth2.AuthStyleInHeader
	}
	p := &provider{
		oidc:     op,
		verifier: op.Verifier(verifierConfig(si.clientID, si.now)),
		oauth2: oauth2.Config{
			ClientID:     si.clientID,
			ClientSecret: si.clientSecret,
			Endpoint:     endpoint,
			RedirectURL:  si.redirectURL,
			Scopes:       []string{oidc.ScopeOpenID, "profile", "email"},
		},
		endSession: meta.EndSession,
		jwksURL:    meta.JWKS,
		// Its own cache of the provider's keys, refetched on an unknown kid (go-oidc keeps the
		// client and ignores the context's deadline).
		keys: oidc.NewRemoteKeySet(oidc.ClientContext(ctx, si.client), meta.JWKS),
	}
	si.mu.Lock()
	si.p, si.lastErr = p, nil
	si.mu.Unlock()
	return nil
}

// verifierConfig is how ID tokens are checked: signed with RS256 by a key of the issuer's JWKS,
// issued by the issuer, for our client id, not expired by our clock. None of go-oidc's Skip or
// Insecure options is ever set (a test checks).
func verifierConfig(clientID string, now func() time.Time) *oidc.Config {
	return &oidc.Config{
		ClientID:             clientID,
		SupportedSigningAlgs: []string{oidc.RS256},
		Now:                  now,
	}
}

// current returns the discovered provider, or errNotReady.
func (si *signIn) current() (*provider, error) {
	si.mu.Lock()
	defer si.mu.Unlock()
	if si.p == nil {
		return nil, errNotReady
	}
	return si.p, nil
}

// backChannel returns ctx carrying the back-channel HTTP client, for x/oauth2 and go-oidc.
func (si *signIn) backChannel(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, si.client)
}

// ready reports whether sign-in can work: the provider was discovered and its signing keys can
// be fetched. The answer is reused for readyFor.
func (si *signIn) ready(ctx context.Context) error {
	si.mu.Lock()
	if si.readyOnce && si.now().Sub(si.readyAt) < readyFor && si.now().Sub(si.readyAt) >= 0 {
		err := si.readyErr
		si.mu.Unlock()
		return err
	}
	p := si.p
	si.mu.Unlock()

	err := errNotReady
	if p != nil {
		err = si.checkKeys(ctx, p.jwksURL)
	}
	si.mu.Lock()
	si.readyAt, si.readyErr, si.readyOnce = si.now(), err, true
	si.mu.Unlock()
	return err
}

// checkKeys fetches the JWKS and checks that it holds at least one key.
func (si *signIn) checkKeys(ctx context.Context, jwksURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwksURL, nil)
	if err != nil {
		return fmt.Errorf("handlers: jwks: %w", err)
	}
	resp, err := si.client.Do(req)
	if err != nil {
		return fmt.Errorf("handlers: jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("handlers: jwks: status %d", resp.StatusCode)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("handlers: jwks: %w", err)
	}
	if len(set.Keys) == 0 {
		return fmt.Errorf("handlers: jwks: no signing keys")
	}
	return nil
}
