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

	mu     sync.Mutex
	cur    grant
	flight *tokenFlight // non-nil while a token request runs
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
	s.mu.Unlock()
}

func (s *tokenSource) fetch(ctx context.Context, f *tokenFlight) {
	c := s.client
	ctx, cancel := context.WithTimeout(ctx, c.headerWait+c.readTimeout)
	defer cancel()
	start := time.Now()
	g, err := s.request(ctx)
	if c.observer != nil {
		c.observer.TokenRefresh(time.Since(start), err)
	}
	s.mu.Lock()
	if err == nil {
		s.cur = g
	}
	s.flight = nil
	f.g, f.err = g, err
	s.mu.Unlock()
	close(f.done)
}

// request runs the client-credentials grant.
func (s *tokenSource) request(ctx context.Context) (grant, error) {
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
