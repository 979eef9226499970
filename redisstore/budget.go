package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"userdesk/auth0api"
)

// Budget is the Management API budget shared by every replica: an auth0api.Limiter whose state
// (auth0api.Pace's rules, run in Redis by two Lua scripts) lives in
//
//	PREFIX mgmt:TENANT           hash: the pace (tat, learned limit and rate, the rate measure)
//	PREFIX mgmt:TENANT:inflight  sorted set: requests sent and not answered yet, by send time
//
// Every replica reserves its requests there and reports every answer's x-ratelimit-* headers
// there, so the budget is learned from all of them and spent once. Times are Redis's. Requests
// that a crashed replica never answered leave the in-flight set after a minute. When Redis
// fails, the replica paces itself with an auth0api.AdaptiveLimiter of its own until it is back.
type Budget struct {
	db       *DB
	state    string
	inflight string
	local    *auth0api.AdaptiveLimiter
}

var _ auth0api.Limiter = (*Budget)(nil)

// Budget returns the shared budget of the tenant (e.g. its domain).
func (db *DB) Budget(tenant string) *Budget {
	return &Budget{
		db:       db,
		state:    db.key("mgmt:", tenant),
		inflight: db.key("mgmt:", tenant, ":inflight"),
		local:    auth0api.NewAdaptiveLimiter(),
	}
}

// budgetNow is Redis's clock in (fractional) milliseconds.
const budgetNow = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function num(v, d) return tonumber(v) or d end
`

// KEYS: state, inflight. ARGV: the longest wait in ms (-1: none), 1 for a background request
// (auth0api.Background: it goes only while the bucket holds more than auth0api.BackgroundKeep,
// half of it, and reserves nothing before). Returns {status, seq, wait ms}: status 0 reserved,
// 1 probing (ask again), 2 past the deadline, 3 background, interactive first (ask again in
// wait).
var reserveScript = redis.NewScript(budgetNow + `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 60000)
local st = redis.call('HMGET', KEYS[1], 'tat', 'limit', 'rate', 'answered')
local tat, limit, rate = num(st[1], 0), num(st[2], 0), num(st[3], 0)
if st[4] ~= '1' and redis.call('ZCARD', KEYS[2]) > 0 then return {1, 0, '10'} end
local wait = 0
if limit > 0 and rate > 0 then
  local T = 1000 / rate
  if tat < now then tat = now end
  tat = tat + T
  local maxWait = tonumber(ARGV[1])
  if ARGV[2] == '1' then
    local bwait = math.max(0, tat - now - (limit - math.floor(limit / 2)) * T)
    if maxWait >= 0 and bwait > maxWait then return {2, 0, tostring(bwait)} end
    if bwait > 0 then return {3, 0, tostring(bwait)} end
  end
  wait = math.max(0, tat - now - limit * T)
  if maxWait >= 0 and wait > maxWait then return {2, 0, tostring(wait)} end
  redis.call('HSET', KEYS[1], 'tat', tostring(tat))
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('ZADD', KEYS[2], now, seq)
redis.call('PEXPIRE', KEYS[1], 3600000)
redis.call('PEXPIRE', KEYS[2], 3600000)
return {0, seq, tostring(wait)}`)

// KEYS: state, inflight. ARGV: seq, limit, remaining, limited (1 for a 429).
var observeScript = redis.NewScript(budgetNow + `
local seq, lim, rem, limited = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1'
redis.call('ZREM', KEYS[2], ARGV[1])
local st = redis.call('HMGET', KEYS[1], 'limit', 'rate', 'synced', 'took', 'paced', 'cut', 'prevAt', 'prevRemaining', 'gain', 'span')
local limit, rate, synced, took = num(st[1], 0), num(st[2], 0), num(st[3], 0), num(st[4], 0)
local paced, cut, prevAt, prevRemaining = st[5] == '1', num(st[6], 0), num(st[7], 0), num(st[8], 0)
local gain, span = num(st[9], 0), num(st[10], 0)
if not limited then took = took + 1 end
if limited and rem < 0 then rem = 0 end
local function clamp(r) return math.min(math.max(r, limit / 5, 0.1), limit) end
if lim <= 0 or rem < 0 or seq <= synced then
  redis.call('HSET', KEYS[1], 'answered', '1', 'took', took)
  return 0
end
if lim ~= limit then
  limit = lim
  if rate == 0 then rate = lim end
  rate = clamp(rate)
  prevAt, gain, span = 0, 0, 0
end
if limited and paced and now - cut >= 1000 then rate = clamp(rate * 0.8); cut = now end
if prevAt > 0 and rem <= limit - 2 then
  gain = gain + rem - prevRemaining + took
  span = span + (now - prevAt)
  if span >= ` + strconv.Itoa(int(auth0api.MeasureSpan/time.Millisecond)) + ` then
    local measured = gain / (span / 1000)
    if measured < rate then rate = clamp(math.max(measured, rate * 0.75)) else rate = clamp(rate + (measured - rate) / 4) end
    gain, span = 0, 0
  end
end
local inflight = redis.call('ZCARD', KEYS[2])
local tat = now + (limit - rem + inflight) * 1000 / rate
redis.call('HSET', KEYS[1], 'answered', '1', 'took', 0, 'limit', limit, 'rate', tostring(rate),
  'synced', seq, 'paced', '1', 'cut', tostring(cut), 'prevAt', tostring(now), 'prevRemaining', rem,
  'gain', tostring(gain), 'span', tostring(span), 'tat', tostring(tat))
redis.call('PEXPIRE', KEYS[1], 3600000)
return 1`)

// Wait implements auth0api.Limiter.
func (b *Budget) Wait(ctx context.Context) (func(auth0api.RateLimitState), error) {
	for {
		maxWait := int64(-1)
		if d, ok := ctx.Deadline(); ok {
			maxWait = max(0, time.Until(d).Milliseconds())
		}
		background := 0
		if auth0api.IsBackground(ctx) {
			background = 1
		}
		var res []any
		err := b.db.call(ctx, func(ctx context.Context) (err error) {
			res, err = reserveScript.Run(ctx, b.db.client, []string{b.state, b.inflight}, maxWait, background).Slice()
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			return b.local.Wait(ctx) // Redis is down: pace this replica alone
		}
		status, seq, wait, perr := parseReservation(res)
		if perr != nil {
			return b.local.Wait(ctx)
		}
		switch status {
		case 1, 3: // probing: another request is finding out the budget; or interactive first
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		case 2:
			return nil, fmt.Errorf("%w (%v)", auth0api.ErrPastDeadline, wait.Round(time.Millisecond))
		}
		done := func(s auth0api.RateLimitState) { b.observe(seq, s) }
		if err := sleep(ctx, wait); err != nil {
			done(auth0api.NoRateLimitState)
			return nil, err
		}
		return done, nil
	}
}

// observe reports an answer. It runs after the request's own context may have ended, so it has
// a context of its own (bounded by the DB's timeout).
func (b *Budget) observe(seq int64, s auth0api.RateLimitState) {
	limited := "0"
	if s.Limited {
		limited = "1"
	}
	_ = b.db.call(context.Background(), func(ctx context.Context) error {
		return observeScript.Run(ctx, b.db.client, []string{b.state, b.inflight}, seq, s.Limit, s.Remaining, limited).Err()
	})
}

// Learned returns the bucket size and rate per second learned so far, as stored in Redis.
func (b *Budget) Learned(ctx context.Context) (limit int, perSecond float64, err error) {
	var vals []any
	err = b.db.call(ctx, func(ctx context.Context) (err error) {
		vals, err = b.db.client.HMGet(ctx, b.state, "limit", "rate").Result()
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	if s, ok := vals[0].(string); ok {
		limit, _ = strconv.Atoi(s)
	}
	if s, ok := vals[1].(string); ok {
		perSecond, _ = strconv.ParseFloat(s, 64)
	}
	return limit, perSecond, nil
}

func parseReservation(res []any) (status, seq int64, wait time.Duration, err error) {
	if len(res) != 3 {
		return 0, 0, 0, errors.New("redisstore: reservation: unexpected reply")
	}
	status, _ = res[0].(int64)
	seq, _ = res[1].(int64)
	ws, _ := res[2].(string)
	ms, err := strconv.ParseFloat(ws, 64)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("redisstore: reservation wait %q: %w", ws, err)
	}
	return status, seq, time.Duration(ms * float64(time.Millisecond)), nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
