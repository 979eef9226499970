package auth0api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// tokenOp names the token endpoint in errors.
const tokenOp = "POST /oauth/token"

// grant is a Management API token from the client-credentials grant.
type grant struct {
	token     string
	scopes    []string
	refreshAt time.Time
}

// tokenSource hands out the bearer token: the static one, or a cached grant
// refreshed shortly before it expires, with one request in flight at a time.
type tokenSource struct {
	static       string
	url          string
	clientID     string
	clientSecret string
	audience     string
	client       *Client
	cache        TokenCache // shared with other replicas; nil for none

	mu       sync.Mutex
	cur      grant
	rejected string       // the last token a 401 refused: never taken from the cache again
	flight   *tokenFlight // non-nil while a token request runs
}

// tokenFlight is one token request that any number of callers wait for.
type tokenFlight struct {
	done chan struct{}
	g    grant
	err  error
}

// refreshable reports whether a 401 can be cured by fetching a new token.
func (s *tokenSource) refreshable() bool { return s.static == "" }

func (s *tokenSource) token(ctx context.Context) (string, error) {
	if s.static != "" {
		return s.static, nil
	}
	g, err := s.current(ctx)
	return g.token, err
}

// current returns the cached grant, or waits for a fresh one. The request
// runs detached from any single caller, so a caller giving up (its ctx ends)
// does not fail the others.
func (s *tokenSource) current(ctx context.Context) (grant, error) {
	s.mu.Lock()
	if s.cur.token != "" && s.client.now().Before(s.cur.refreshAt) {
		g := s.cur
		s.mu.Unlock()
		return g, nil
	}
	f := s.flight
	if f == nil {
		f = &tokenFlight{done: make(chan struct{})}
		s.flight = f
		go s.fetch(context.WithoutCancel(ctx), f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.g, f.err
	case <-ctx.Done():
		return grant{}, fmt.Errorf("auth0api: waiting for a token: %w", context.Cause(ctx))
	}
}

// invalidate drops the cached grant if it is still the token that failed.
func (s *tokenSource) invalidate(token string) {
	s.mu.Lock()
	if s.cur.token == token {
		s.cur = grant{}
	}
	s.rejected = token
	s.mu.Unlock()
}

func (s *tokenSource) fetch(ctx context.Context, f *tokenFlight) {
	c := s.client
	timeout := c.headerWait + c.readTimeout
	if s.cache != nil {
		timeout *= 2 // room to wait for another replica's lock to expire, then fetch
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s.mu.Lock()
	rejected := s.rejected
	s.mu.Unlock()
	g, err := s.obtain(ctx, rejected)
	s.mu.Lock()
	if err == nil {
		s.cur = g
	}
	s.flight = nil
	f.g, f.err = g, err
	s.mu.Unlock()
	close(f.done)
}

// request runs the client-credentials grant, and tells the observer.
func (s *tokenSource) request(ctx context.Context) (grant, error) {
	start := time.Now()
	g, err := s.grant(ctx)
	if o := s.client.observer; o != nil {
		o.TokenRefresh(time.Since(start), err)
	}
	return g, err
}

// grant asks /oauth/token for a token.
func (s *tokenSource) grant(ctx context.Context) (grant, error) {
	body, err := json.Marshal(map[string]string{
		"grant_type":    "client_credentials",
		"client_id":     s.clientID,
		"client_secret": s.clientSecret,
		"audience":      s.audience,
	})
	if err != nil {
		return grant{}, err
	}
	obtained := s.client.now()
	res, err := s.client.exchange(ctx, http.MethodPost, s.url, "", body)
	if err != nil {
		return grant{}, fmt.Errorf("auth0api: %s: %w", tokenOp, err)
	}
	s.client.observeRateLimit(tokenOp, res.header)
	if res.status < 200 || res.status >= 300 {
		return grant{}, parseError(tokenOp, res.status, res.header, res.body)
	}
	var tr struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   float64 `json:"expires_in"`
		Scope       string  `json:"scope"`
		TokenType   string  `json:"token_type"`
	}
	if err := json.Unmarshal(res.body, &tr); err != nil {
		return grant{}, fmt.Errorf("auth0api: %s: decode response: %w", tokenOp, err)
	}
	if tr.AccessToken == "" {
		return grant{}, fmt.Errorf("auth0api: %s: %w", tokenOp, errors.New("no access_token in the answer"))
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer") {
		return grant{}, fmt.Errorf("auth0api: %s: token_type %q is not Bearer", tokenOp, tr.TokenType)
	}
	return grant{
		token:     tr.AccessToken,
		scopes:    strings.Fields(tr.Scope),
		refreshAt: obtained.Add(refreshMargin(time.Duration(tr.ExpiresIn * float64(time.Second)))),
	}, nil
}

// refreshMargin is how long a token of the given lifetime is used: until one
// minute, or a tenth of its lifetime if that is smaller, before it expires.
func refreshMargin(lifetime time.Duration) time.Duration {
	if lifetime <= 0 {
		return 0
	}
	return lifetime - min(time.Minute, lifetime/10)
}

// TokenCache shares the Management API token between the replicas of a deployment, so that one
// replica at a time asks /oauth/token and the others use its token. userdesk/redisstore
// implements it (sealed in Redis). A cache that fails is bypassed: the client then fetches a
// token of its own, as without a cache.
type TokenCache interface {
	// Load returns the shared token; ok is false when there is none.
	Load(ctx context.Context) (t CachedToken, ok bool, err error)
	// Store shares t until t.RefreshAt.
	Store(ctx context.Context, t CachedToken) error
	// Lock takes the refresh lock for at most ttl; ok is false when another replica holds it.
	// unlock releases it, if it is still this caller's.
	Lock(ctx context.Context, ttl time.Duration) (unlock func(), ok bool, err error)
}

// CachedToken is a Management API token as a TokenCache keeps it.
type CachedToken struct {
	AccessToken string
	Scopes      []string
	// RefreshAt is when the token must be replaced (shortly before it expires).
	RefreshAt time.Time
}

// sharedWait is how often a replica waiting for another's refresh looks at the cache.
const sharedWait = 50 * time.Millisecond

// obtain returns a token from the cache, or fetches one while holding the cache's lock and
// shares it; without a cache (or when it fails) it fetches one itself.
func (s *tokenSource) obtain(ctx context.Context, rejected string) (grant, error) {
	if s.cache == nil {
		return s.request(ctx)
	}
	c := s.client
	lockTTL := c.headerWait + c.readTimeout
	fromCache := func() (grant, bool, error) {
		t, ok, err := s.cache.Load(ctx)
		if err != nil || !ok || t.AccessToken == rejected || !c.now().Before(t.RefreshAt) {
			return grant{}, false, err
		}
		return grant{token: t.AccessToken, scopes: t.Scopes, refreshAt: t.RefreshAt}, true, nil
	}
	for {
		g, ok, err := fromCache()
		if err != nil {
			return s.request(ctx) // the cache is down: do without it
		}
		if ok {
			return g, nil
		}
		unlock, locked, err := s.cache.Lock(ctx, lockTTL)
		if err != nil {
			return s.request(ctx)
		}
		if locked {
			defer unlock()
			if g, ok, _ := fromCache(); ok { // stored while we took the lock
				return g, nil
			}
			g, err := s.request(ctx)
			if err == nil {
				_ = s.cache.Store(ctx, CachedToken{AccessToken: g.token, Scopes: g.scopes, RefreshAt: g.refreshAt})
			}
			return g, err
		}
		// Another replica is refreshing: wait for its token (its lock expires if it died).
		if err := c.sleep(ctx, sharedWait); err != nil {
			return grant{}, fmt.Errorf("auth0api: waiting for another replica's token: %w", err)
		}
	}
}
