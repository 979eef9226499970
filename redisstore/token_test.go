package redisstore_test

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/internal/redistest"
	"userdesk/redisstore"
)

// tokenCounter counts the client-credentials requests of every replica.
type tokenCounter struct {
	statusCounter
	tokens atomic.Int64
}

func (o *tokenCounter) TokenRefresh(time.Duration, error) { o.tokens.Add(1) }

var secrets = [][]byte{[]byte("0123456789abcdef0123456789abcdef-first")}

// replica returns a client with the client-credentials grant and a token cache of its own DB.
func replica(t *testing.T, srv *redistest.Server, api string, obs auth0api.Observer, keys [][]byte) (*auth0api.Client, *redisstore.TokenCache) {
	t.Helper()
	tc, err := openDB(t, srv, "tok:").TokenCache("m2m", api+"/api/v2/", keys)
	if err != nil {
		t.Fatal(err)
	}
	c, err := auth0api.New(auth0api.Config{BaseURL: api + "/api/v2", ClientID: "m2m", ClientSecret: "m2m-secret",
		TokenCache: tc, Observer: obs, Limiter: auth0api.Unlimited})
	if err != nil {
		t.Fatal(err)
	}
	return c, tc
}

func newTokenTenant(t *testing.T) string {
	_, api := auth0apitest.NewServer(t, auth0apitest.Options{Users: 3, Seed: 1, Now: time.Now,
		Machines: []auth0apitest.Machine{{ClientID: "m2m", ClientSecret: "m2m-secret", Scopes: auth0apitest.AllScopes}}})
	return api.URL
}

// TestTokenSharedByReplicas: three replicas start at once with 20 calls each: one token request
// in all; the others wait for it and use it.
func TestTokenSharedByReplicas(t *testing.T) {
	srv := redistest.Start(t)
	api := newTokenTenant(t)
	obs := &tokenCounter{}
	var clients []*auth0api.Client
	for range 3 {
		c, _ := replica(t, srv, api, obs, secrets)
		clients = append(clients, c)
	}
	var wg sync.WaitGroup
	var failed atomic.Int64
	for _, c := range clients {
		for range 20 {
			wg.Go(func() {
				if _, err := c.ListUsers(t.Context(), auth0api.ListUsersParams{PerPage: 1}); err != nil {
					t.Log(err)
					failed.Add(1)
				}
			})
		}
	}
	wg.Wait()
	if failed.Load() > 0 || obs.tokens.Load() != 1 {
		t.Errorf("%d calls failed, %d token requests by three replicas; want 0 and 1", failed.Load(), obs.tokens.Load())
	}
	// A fourth replica started later uses the shared token too.
	late, _ := replica(t, srv, api, obs, secrets)
	if _, err := late.ListUsers(t.Context(), auth0api.ListUsersParams{PerPage: 1}); err != nil || obs.tokens.Load() != 1 {
		t.Errorf("late replica: %v, %d token requests in all", err, obs.tokens.Load())
	}
}

// TestTokenSealed: Redis holds the token sealed: neither the token nor its scopes appear, a
// cache with other secrets cannot open it (and fetches its own), a rotated list whose second
// secret is the old one still opens it, and a planted value is no token.
func TestTokenSealed(t *testing.T) {
	srv := redistest.Start(t)
	api := newTokenTenant(t)
	obs := &tokenCounter{}
	c, tc := replica(t, srv, api, obs, secrets)
	if _, err := c.ListUsers(t.Context(), auth0api.ListUsersParams{PerPage: 1}); err != nil {
		t.Fatal(err)
	}
	cached, ok, err := tc.Load(t.Context())
	if err != nil || !ok || cached.AccessToken == "" {
		t.Fatalf("Load = %v, %v", ok, err)
	}
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer raw.Close()
	keys, err := raw.Keys(t.Context(), "tok:token:*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("token keys %v, %v", keys, err)
	}
	val, _ := raw.Get(t.Context(), keys[0]).Bytes()
	if bytes.Contains(val, []byte(cached.AccessToken)) || bytes.Contains(val, []byte("read:users")) || bytes.Contains(val, []byte(`"t"`)) {
		t.Fatal("the token is readable in Redis")
	}
	if ttl := raw.PTTL(t.Context(), keys[0]).Val(); ttl <= 0 {
		t.Errorf("token key without expiry (PTTL %v)", ttl)
	}

	_, rotated := replica(t, srv, api, obs, [][]byte{[]byte("new-secret-new-secret-new-secret-new"), secrets[0]})
	if got, ok, _ := rotated.Load(t.Context()); !ok || got.AccessToken == "" {
		t.Error("rotated secrets (old second) do not open the token")
	}

	other, otherTC := replica(t, srv, api, obs, [][]byte{[]byte("another-secret-another-secret-another")})
	if _, ok, _ := otherTC.Load(t.Context()); ok {
		t.Error("a cache with other secrets opened the token")
	}
	if _, err := other.ListUsers(t.Context(), auth0api.ListUsersParams{PerPage: 1}); err != nil {
		t.Fatalf("replica with other secrets: %v", err)
	}

	raw.Set(t.Context(), keys[0], append([]byte{1}, bytes.Repeat([]byte("x"), 60)...), time.Hour)
	if _, ok, _ := tc.Load(t.Context()); ok {
		t.Error("a planted value was taken for a token")
	}
}

// TestTokenWithoutRedis: with Redis down, a replica fetches its own token and its calls work.
func TestTokenWithoutRedis(t *testing.T) {
	srv := redistest.Start(t)
	api := newTokenTenant(t)
	obs := &tokenCounter{}
	c, _ := replica(t, srv, api, obs, secrets)
	srv.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := c.ListUsers(ctx, auth0api.ListUsersParams{PerPage: 1}); err != nil {
		t.Fatalf("call with Redis down: %v", err)
	}
	if obs.tokens.Load() != 1 {
		t.Errorf("%d token requests, want 1", obs.tokens.Load())
	}
}
