package auth0api_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"userdesk/auth0api"
)

// mapCache is a TokenCache in memory, as a second replica would see Redis.
type mapCache struct {
	mu     sync.Mutex
	tok    auth0api.CachedToken
	ok     bool
	locked bool
	stores int
}

func (m *mapCache) Load(context.Context) (auth0api.CachedToken, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tok, m.ok, nil
}

func (m *mapCache) Store(_ context.Context, t auth0api.CachedToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tok, m.ok = t, true
	m.stores++
	return nil
}

func (m *mapCache) Lock(context.Context, time.Duration) (func(), bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.locked {
		return nil, false, nil
	}
	m.locked = true
	return func() { m.mu.Lock(); m.locked = false; m.mu.Unlock() }, true, nil
}

// TestTokenCacheUsedAndRefreshedAfter401: a token found in the shared cache is used without a
// token request; when the API refuses it (401), the client fetches a new one, never takes the
// refused one from the cache again, and shares the new one.
func TestTokenCacheUsedAndRefreshedAfter401(t *testing.T) {
	tn := newTenant(t, "")
	tn.api = func(w http.ResponseWriter, token string) {
		if token == "revoked-elsewhere" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`))
			return
		}
		w.Write([]byte(userJSON))
	}
	cache := &mapCache{tok: auth0api.CachedToken{AccessToken: "shared-good", RefreshAt: time.Now().Add(time.Hour)}, ok: true}
	c := grantClient(t, tn.URL, func(cfg *auth0api.Config) { cfg.TokenCache = cache })
	if _, err := c.GetUser(t.Context(), caseUserID, nil); err != nil {
		t.Fatal(err)
	}
	if n := tn.tokens.Load(); n != 0 {
		t.Fatalf("%d token requests although the cache had a token", n)
	}

	cache.Store(t.Context(), auth0api.CachedToken{AccessToken: "revoked-elsewhere", RefreshAt: time.Now().Add(time.Hour)})
	c2 := grantClient(t, tn.URL, func(cfg *auth0api.Config) { cfg.TokenCache = cache })
	if _, err := c2.GetUser(t.Context(), caseUserID, nil); err != nil {
		t.Fatalf("after a 401 on the cached token: %v", err)
	}
	if n := tn.tokens.Load(); n != 1 {
		t.Errorf("%d token requests, want 1 (the refused token replaced once)", n)
	}
	if got, _, _ := cache.Load(t.Context()); got.AccessToken == "revoked-elsewhere" || got.AccessToken == "" {
		t.Errorf("the cache still holds %q, want the new token shared", got.AccessToken)
	}
}
