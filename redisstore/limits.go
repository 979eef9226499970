package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"userdesk/handlers/limits"
)

// Limits is the limits.Limiter on Redis, shared by every replica: one key per rule and key,
//
//	PREFIX lim:RULE:KEY   the GCRA's theoretical arrival time (ms), expiring when it no longer limits
//
// decided by one Lua script with Redis's clock (limits.Decide's rule).
type Limits struct{ db *DB }

var _ limits.Limiter = (*Limits)(nil)

// Limits returns the per-person limits on db.
func (db *DB) Limits() *Limits { return &Limits{db: db} }

// KEYS: the key. ARGV: interval ms, burst. Returns {allowed, retry after ms, remaining}.
var allowScript = redis.NewScript(budgetNow + `
local t, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = math.max(num(redis.call('GET', KEYS[1]), now), now)
local nextTat = tat + t
local allowAt = nextTat - burst * t
if allowAt > now then return {0, tostring(allowAt - now), 0} end
redis.call('SET', KEYS[1], tostring(nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
return {1, '0', math.min(math.floor((now - allowAt) / t), burst - 1)}`)

// Allow implements limits.Limiter.
func (l *Limits) Allow(ctx context.Context, rule limits.Rule, key string) (limits.Result, error) {
	if err := rule.Validate(); err != nil {
		return limits.Result{}, err
	}
	interval := float64(rule.Interval()) / float64(time.Millisecond)
	var res []any
	err := l.db.call(ctx, func(ctx context.Context) (err error) {
		res, err = allowScript.Run(ctx, l.db.client, []string{l.db.key("lim:", rule.Name, ":", key)},
			strconv.FormatFloat(interval, 'f', -1, 64), rule.Burst).Slice()
		return err
	})
	if err != nil {
		return limits.Result{}, err
	}
	if len(res) != 3 {
		return limits.Result{}, errors.New("redisstore: limits: unexpected reply")
	}
	allowed, _ := res[0].(int64)
	ws, _ := res[1].(string)
	remaining, _ := res[2].(int64)
	ms, _ := strconv.ParseFloat(ws, 64)
	return limits.Result{Allowed: allowed == 1, RetryAfter: time.Duration(ms * float64(time.Millisecond)), Remaining: int(remaining)}, nil
}
