package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"userdesk/handlers/sessionstore"
)

// Sessions is the sessionstore.Store on Redis. Its keys:
//
//	PREFIX s:ID    hash {v: value, m: meta (JSON), sub: subject, sid: provider session}, expiring with the session
//	PREFIX u:SUB   sorted set of SUB's session ids scored by expiry (ms), expiring with the last
//	PREFIX p:SID   the same for the identity provider's session SID (back-channel logout)
//	PREFIX all     sorted set of every session id scored by expiry: Count is a ZCOUNT
//	PREFIX t:ID    a sign-in transaction's value, expiring with it
//
// Expired members of the sorted sets are dropped on every save (ZREMRANGEBYSCORE). Every change
// is one Lua script, so the indexes never disagree with the sessions, and a revocation is seen by
// every replica at once: nothing is cached locally, and Update never recreates a session that
// is gone.
type Sessions struct{ db *DB }

var _ sessionstore.Store = (*Sessions)(nil)

// Sessions returns the session store on db.
func (db *DB) Sessions() *Sessions { return &Sessions{db: db} }

// redisNow is Redis's clock in milliseconds, in every script.
const redisNow = `local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)
`

// KEYS: s:ID, u:SUB, all. ARGV: id, value, meta, subject, ttl ms, prefix, provider sid, "1" to
// update only a live session. Returns 1, or 0 when ARGV[8] is "1" and the session is gone.
var saveScript = redis.NewScript(redisNow + `
if ARGV[8] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local old = redis.call('HMGET', KEYS[1], 'sub', 'sid')
if old[1] and old[1] ~= ARGV[4] then redis.call('ZREM', ARGV[6] .. 'u:' .. old[1], ARGV[1]) end
if old[2] and old[2] ~= '' and old[2] ~= ARGV[7] then redis.call('ZREM', ARGV[6] .. 'p:' .. old[2], ARGV[1]) end
local exp = now + tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'm', ARGV[3], 'sub', ARGV[4], 'sid', ARGV[7])
redis.call('PEXPIREAT', KEYS[1], exp)
local function index(key)
  redis.call('ZADD', key, exp, ARGV[1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', key, last[2])
end
index(KEYS[2])
if ARGV[7] ~= '' then index(ARGV[6] .. 'p:' .. ARGV[7]) end
redis.call('ZADD', KEYS[3], exp, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
return 1`)

// KEYS: s:ID, all. ARGV: id, prefix.
var deleteScript = redis.NewScript(`
local old = redis.call('HMGET', KEYS[1], 'sub', 'sid')
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if old[1] then redis.call('ZREM', ARGV[2] .. 'u:' .. old[1], ARGV[1]) end
if old[2] and old[2] ~= '' then redis.call('ZREM', ARGV[2] .. 'p:' .. old[2], ARGV[1]) end
return 1`)

// KEYS: a sorted set of ids (u:SUB or all). ARGV: prefix. Returns id, expiry, meta triples of
// the live sessions.
var listScript = redis.NewScript(redisNow + `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES')
local out = {}
for i = 1, #ids, 2 do
  local m = redis.call('HGET', ARGV[1] .. 's:' .. ids[i], 'm')
  if m then
    out[#out + 1] = ids[i]; out[#out + 1] = ids[i + 1]; out[#out + 1] = m
  end
end
return out`)

// KEYS: u:SUB, all. ARGV: prefix. Returns how many live sessions it ended.
var revokeAllScript = redis.NewScript(redisNow + `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local n = 0
for i = 1, #ids, 2 do
  local sid = redis.call('HGET', ARGV[1] .. 's:' .. ids[i], 'sid')
  if sid and sid ~= '' then redis.call('ZREM', ARGV[1] .. 'p:' .. sid, ids[i]) end
  local gone = redis.call('DEL', ARGV[1] .. 's:' .. ids[i])
  if tonumber(ids[i + 1]) > now then n = n + gone end
  redis.call('ZREM', KEYS[2], ids[i])
end
redis.call('DEL', KEYS[1])
return n`)

// KEYS: all.
var countScript = redis.NewScript(redisNow + `return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')`)

// storedMeta is Meta as stored in the hash's m field.
type storedMeta struct {
	Subject     string   `json:"sub"`
	Email       string   `json:"email,omitempty"`
	Name        string   `json:"name,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	ProviderSID string   `json:"sid,omitempty"`
	Created     int64    `json:"created,omitempty"` // Unix ms
	LastSeen    int64    `json:"seen,omitempty"`
	IP          string   `json:"ip,omitempty"`
	UserAgent   string   `json:"ua,omitempty"`
}

func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// ttl is the time to live of a record expiring at expires, in ms (at least 1).
func (s *Sessions) ttl(expires time.Time) int64 {
	return max(1, expires.Sub(s.db.now()).Milliseconds())
}

// Get implements sessionstore.Store.
func (s *Sessions) Get(ctx context.Context, id string) ([]byte, error) {
	var v []byte
	err := s.db.call(ctx, func(ctx context.Context) (err error) {
		v, err = s.db.client.HGet(ctx, s.db.key("s:", id), "v").Bytes()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, sessionstore.ErrNotFound
	}
	return v, err
}

// Save implements sessionstore.Store.
func (s *Sessions) Save(ctx context.Context, id string, value []byte, meta sessionstore.Meta, expires time.Time) error {
	_, err := s.save(ctx, id, value, meta, expires, false)
	return err
}

// Update implements sessionstore.Store: the same script as Save, which checks in the same step
// that the session still exists.
func (s *Sessions) Update(ctx context.Context, id string, value []byte, meta sessionstore.Meta, expires time.Time) error {
	saved, err := s.save(ctx, id, value, meta, expires, true)
	if err == nil && !saved {
		return sessionstore.ErrNotFound
	}
	return err
}

func (s *Sessions) save(ctx context.Context, id string, value []byte, meta sessionstore.Meta, expires time.Time, mustExist bool) (bool, error) {
	if meta.Subject == "" {
		return false, errors.New("redisstore: a session needs Meta.Subject")
	}
	m, err := json.Marshal(storedMeta{
		Subject: meta.Subject, Email: meta.Email, Name: meta.Name, Groups: meta.Groups,
		ProviderSID: meta.ProviderSID, Created: unixMilli(meta.Created), LastSeen: unixMilli(meta.LastSeen),
		IP: meta.IP, UserAgent: meta.UserAgent,
	})
	if err != nil {
		return false, fmt.Errorf("redisstore: encode session meta: %w", err)
	}
	only := "0"
	if mustExist {
		only = "1"
	}
	keys := []string{s.db.key("s:", id), s.db.key("u:", meta.Subject), s.db.key("all")}
	var saved int64
	err = s.db.call(ctx, func(ctx context.Context) (err error) {
		saved, err = saveScript.Run(ctx, s.db.client, keys, id, value, m, meta.Subject, s.ttl(expires), s.db.prefix, meta.ProviderSID, only).Int64()
		return err
	})
	return saved == 1, err
}

// Delete implements sessionstore.Store.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	return s.db.call(ctx, func(ctx context.Context) error {
		return deleteScript.Run(ctx, s.db.client, []string{s.db.key("s:", id), s.db.key("all")}, id, s.db.prefix).Err()
	})
}

// Sessions implements sessionstore.Store.
func (s *Sessions) Sessions(ctx context.Context, subject string) ([]sessionstore.Info, error) {
	return s.list(ctx, s.db.key("u:", subject), 0)
}

// ProviderSessions implements sessionstore.Store.
func (s *Sessions) ProviderSessions(ctx context.Context, sid string) ([]sessionstore.Info, error) {
	if sid == "" {
		return nil, nil
	}
	return s.list(ctx, s.db.key("p:", sid), 0)
}

// All implements sessionstore.Store. It reads every live session (the staff-sessions page:
// as many as staff are signed in).
func (s *Sessions) All(ctx context.Context, limit int) ([]sessionstore.Info, error) {
	return s.list(ctx, s.db.key("all"), limit)
}

func (s *Sessions) list(ctx context.Context, key string, limit int) ([]sessionstore.Info, error) {
	var raw []any
	err := s.db.call(ctx, func(ctx context.Context) (err error) {
		raw, err = listScript.Run(ctx, s.db.client, []string{key}, s.db.prefix).Slice()
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]sessionstore.Info, 0, len(raw)/3)
	for i := 0; i+2 < len(raw); i += 3 {
		id, _ := raw[i].(string)
		score, _ := raw[i+1].(string)
		mj, _ := raw[i+2].(string)
		ms, err := strconv.ParseFloat(score, 64)
		if err != nil {
			return nil, fmt.Errorf("redisstore: session index score %q: %w", score, err)
		}
		var m storedMeta
		if err := json.Unmarshal([]byte(mj), &m); err != nil {
			return nil, fmt.Errorf("redisstore: session meta: %w", err)
		}
		out = append(out, sessionstore.Info{
			ID: id,
			Meta: sessionstore.Meta{
				Subject: m.Subject, Email: m.Email, Name: m.Name, Groups: m.Groups, ProviderSID: m.ProviderSID,
				Created: fromMilli(m.Created), LastSeen: fromMilli(m.LastSeen), IP: m.IP, UserAgent: m.UserAgent,
			},
			Expires: time.UnixMilli(int64(ms)),
		})
	}
	sortInfos(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// RevokeAll implements sessionstore.Store.
func (s *Sessions) RevokeAll(ctx context.Context, subject string) (int, error) {
	var n int64
	err := s.db.call(ctx, func(ctx context.Context) (err error) {
		n, err = revokeAllScript.Run(ctx, s.db.client, []string{s.db.key("u:", subject), s.db.key("all")}, s.db.prefix).Int64()
		return err
	})
	return int(n), err
}

// Count implements sessionstore.Store: one ZCOUNT, whatever the number of sessions.
func (s *Sessions) Count(ctx context.Context) (int, error) {
	var n int64
	err := s.db.call(ctx, func(ctx context.Context) (err error) {
		n, err = countScript.Run(ctx, s.db.client, []string{s.db.key("all")}).Int64()
		return err
	})
	return int(n), err
}

// SaveSignIn implements sessionstore.Store: a key of its own with its own expiry, so that sign-ins
// never compete with sessions (configure Redis with maxmemory-policy noeviction or volatile-ttl).
func (s *Sessions) SaveSignIn(ctx context.Context, id string, value []byte, expires time.Time) error {
	return s.db.call(ctx, func(ctx context.Context) error {
		return s.db.client.Set(ctx, s.db.key("t:", id), value, time.Duration(s.ttl(expires))*time.Millisecond).Err()
	})
}

// GetSignIn implements sessionstore.Store.
func (s *Sessions) GetSignIn(ctx context.Context, id string) ([]byte, error) {
	return s.signIn(ctx, id, false)
}

// TakeSignIn implements sessionstore.Store (GETDEL: atomic).
func (s *Sessions) TakeSignIn(ctx context.Context, id string) ([]byte, error) {
	return s.signIn(ctx, id, true)
}

func (s *Sessions) signIn(ctx context.Context, id string, take bool) ([]byte, error) {
	var v []byte
	err := s.db.call(ctx, func(ctx context.Context) (err error) {
		if take {
			v, err = s.db.client.GetDel(ctx, s.db.key("t:", id)).Bytes()
		} else {
			v, err = s.db.client.Get(ctx, s.db.key("t:", id)).Bytes()
		}
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, sessionstore.ErrNotFound
	}
	return v, err
}

// DeleteSignIn implements sessionstore.Store.
func (s *Sessions) DeleteSignIn(ctx context.Context, id string) error {
	return s.db.call(ctx, func(ctx context.Context) error {
		return s.db.client.Del(ctx, s.db.key("t:", id)).Err()
	})
}

// Ping implements sessionstore.Store.
func (s *Sessions) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// sortInfos orders sessions as sessionstore.Memory does: the most recently created first.
func sortInfos(infos []sessionstore.Info) {
	slices.SortFunc(infos, func(a, b sessionstore.Info) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
