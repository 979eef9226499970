package redisstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"userdesk/auth0api"
)

// TokenCache is the auth0api.TokenCache on Redis: the Management API token, sealed, under
//
//	PREFIX token:H        the sealed token, expiring when it must be refreshed
//	PREFIX token:H:lock   the refresh lock (a random value, with an expiry)
//
// where H names the client id and audience (a hash: neither appears in Redis). The token is
// sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the first session secret, bound
// to its key name; every session secret's key opens it (rotation). Someone who reads Redis, or
// who can write to it, cannot use or plant a token without the session secrets.
type TokenCache struct {
	db   *DB
	key  string
	lock string
	aead []cipher.AEAD // the first seals, all open
}

var _ auth0api.TokenCache = (*TokenCache)(nil)

// sealVersion is the first byte of a sealed token.
const sealVersion = 1

// TokenCache returns the shared token cache of the Management API client clientID for audience,
// sealed with keys derived from secrets (the session secrets; at least one).
func (db *DB) TokenCache(clientID, audience string, secrets [][]byte) (*TokenCache, error) {
	if len(secrets) == 0 {
		return nil, errors.New("redisstore: the token cache needs at least one secret")
	}
	h := sha256.Sum256([]byte(clientID + "\x00" + audience))
	name := hex.EncodeToString(h[:12])
	tc := &TokenCache{db: db, key: db.key("token:", name), lock: db.key("token:", name, ":lock")}
	for _, secret := range secrets {
		k, err := hkdf.Key(sha256.New, secret, nil, "userdesk management api token v1", 32)
		if err != nil {
			return nil, fmt.Errorf("redisstore: derive the token key: %w", err)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		tc.aead = append(tc.aead, aead)
	}
	return tc, nil
}

// sealedToken is what the sealed box holds.
type sealedToken struct {
	Token     string   `json:"t"`
	Scopes    []string `json:"s,omitempty"`
	RefreshAt int64    `json:"r"` // Unix ms
}

// Load implements auth0api.TokenCache. A value that no key opens (planted, or sealed with a
// retired secret) is no token.
func (tc *TokenCache) Load(ctx context.Context) (auth0api.CachedToken, bool, error) {
	var b []byte
	err := tc.db.call(ctx, func(ctx context.Context) (err error) {
		b, err = tc.db.client.Get(ctx, tc.key).Bytes()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return auth0api.CachedToken{}, false, nil
	}
	if err != nil {
		return auth0api.CachedToken{}, false, err
	}
	st, ok := tc.open(b)
	if !ok {
		return auth0api.CachedToken{}, false, nil
	}
	return auth0api.CachedToken{AccessToken: st.Token, Scopes: st.Scopes, RefreshAt: time.UnixMilli(st.RefreshAt)}, true, nil
}

// Store implements auth0api.TokenCache.
func (tc *TokenCache) Store(ctx context.Context, t auth0api.CachedToken) error {
	ttl := t.RefreshAt.Sub(tc.db.now())
	if ttl <= 0 {
		return nil
	}
	plain, err := json.Marshal(sealedToken{Token: t.AccessToken, Scopes: t.Scopes, RefreshAt: t.RefreshAt.UnixMilli()})
	if err != nil {
		return err
	}
	sealed, err := tc.seal(plain)
	if err != nil {
		return err
	}
	return tc.db.call(ctx, func(ctx context.Context) error {
		return tc.db.client.Set(ctx, tc.key, sealed, ttl).Err()
	})
}

// unlockScript deletes the lock only if it still holds this caller's value.
var unlockScript = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`)

// Lock implements auth0api.TokenCache (SET NX PX with a random value).
func (tc *TokenCache) Lock(ctx context.Context, ttl time.Duration) (func(), bool, error) {
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	val := hex.EncodeToString(tok[:])
	var ok bool
	err := tc.db.call(ctx, func(ctx context.Context) (err error) {
		ok, err = tc.db.client.SetNX(ctx, tc.lock, val, ttl).Result()
		return err
	})
	if err != nil || !ok {
		return nil, false, err
	}
	unlock := func() {
		_ = tc.db.call(context.Background(), func(ctx context.Context) error {
			return unlockScript.Run(ctx, tc.db.client, []string{tc.lock}, val).Err()
		})
	}
	return unlock, true, nil
}

func (tc *TokenCache) seal(plain []byte) ([]byte, error) {
	aead := tc.aead[0]
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plain)+aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return aead.Seal(out, out[1:1+aead.NonceSize()], plain, []byte(tc.key)), nil
}

func (tc *TokenCache) open(b []byte) (sealedToken, bool) {
	for _, aead := range tc.aead {
		n := aead.NonceSize()
		if len(b) < 1+n || b[0] != sealVersion {
			return sealedToken{}, false
		}
		plain, err := aead.Open(nil, b[1:1+n], b[1+n:], []byte(tc.key))
		if err != nil {
			continue
		}
		var st sealedToken
		if json.Unmarshal(plain, &st) != nil || st.Token == "" {
			return sealedToken{}, false
		}
		return st, true
	}
	return sealedToken{}, false
}
