package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Replay remembers one-time values for every replica at once (a logout token's jti, a used
// sign-in state), so that a value used on one replica is refused on the others too:
//
//	PREFIX once:SHA256(KEY)   set with NX, expiring when the value would be refused anyway
//
// Keys are hashed: a sign-in state is a secret until it is used.
type Replay struct{ db *DB }

// Replay returns the replay cache on db.
func (db *DB) Replay() *Replay { return &Replay{db: db} }

// Use records key until expires and reports whether this is its first use (one SET NX PX). A
// value whose expiry has passed is not recorded: whatever it guards refuses it by its own time.
func (r *Replay) Use(ctx context.Context, key string, expires time.Time) (bool, error) {
	ttl := expires.Sub(r.db.now())
	if ttl <= 0 {
		return true, nil
	}
	sum := sha256.Sum256([]byte(key))
	var first bool
	err := r.db.call(ctx, func(ctx context.Context) (err error) {
		first, err = r.db.client.SetNX(ctx, r.db.key("once:", hex.EncodeToString(sum[:])), "1", max(ttl, time.Millisecond)).Result()
		return err
	})
	return first, err
}
