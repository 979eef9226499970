// Package redisstore keeps userdesk's shared state in Redis, so that several replicas behave as
// one: the sessions and their per-person index (a sessionstore.Store), the Management API
// budget (an auth0api.Limiter, GCRA keyed per tenant, with the limit learned from Auth0's
// x-ratelimit-* headers), the Management API token (an auth0api.TokenCache, sealed), the
// per-person limits (a limits.Limiter) and the replay cache of one-time values (Replay).
//
// One package owns the connection for all of them: one pool, one key prefix (several deployments
// can share a Redis), one timeout on every call and one mapping of failures to
// sessionstore.ErrUnavailable. Keys are PREFIX + a short kind + an id; see each file for its
// keys. It speaks to a single Redis server (or a primary behind a proxy), not to a Cluster: some
// scripts touch keys they compute.
//
// When Redis cannot be reached, calls fail within the timeout, and for a second after a failure
// they fail at once (no pile-up of waiting requests); the next call after that tries again, so
// the store recovers by itself when Redis is back. Data lost by a Redis restart means sessions
// are gone (people sign in again); the budget, token and limits are rebuilt on the next call.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"userdesk/handlers/sessionstore"
)

// Defaults of Options' zero values.
const (
	DefaultPrefix  = "userdesk:"
	DefaultTimeout = time.Second
	// failFastFor is how long calls fail at once after a connection failure.
	failFastFor = time.Second
)

// Options configures Open.
type Options struct {
	// URL is redis://[user:password@]host[:port][/db] or rediss://… (TLS). The user is an ACL
	// user (Redis 6+); a password alone authenticates the default user.
	URL string
	// Prefix starts every key (default DefaultPrefix), so that deployments can share a Redis.
	Prefix string
	// Timeout bounds every call, connecting included (default DefaultTimeout).
	Timeout time.Duration
	// Now is the local clock (expiry computations); nil means time.Now. Expiry itself runs on
	// Redis's clock: a record's time to live is sent, not its deadline.
	Now func() time.Time
}

// DB is a connection pool to Redis with the key prefix and timeout of every store built on it.
type DB struct {
	client  *redis.Client
	prefix  string
	timeout time.Duration
	now     func() time.Time

	downUntil atomic.Int64 // UnixNano until which calls fail fast, after a connection failure
}

// ParseURL checks a Redis URL as Open does, and returns go-redis's options for it. It never
// puts the password in an error.
func ParseURL(raw string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("scheme %q is not redis:// or rediss://", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("no host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("query parameters are not supported: use the path for the database number")
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		msg := err.Error()
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "***")
		}
		return nil, errors.New(strings.TrimPrefix(msg, "redis: "))
	}
	return opts, nil
}

// Open returns a DB for opts.URL. It does not connect: use Ping (or any call) for that, so a
// replica starts even while Redis is down, and reports not ready until it is back.
func Open(opts Options) (*DB, error) {
	ro, err := ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: USERDESK_REDIS_URL: %w", err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ro.DialTimeout = timeout
	ro.ReadTimeout = timeout
	ro.WriteTimeout = timeout
	ro.PoolTimeout = timeout
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = -1 // a failed call is answered at once (503); the next call retries
	ro.ClientName = "userdesk"
	ro.DisableIdentity = true // no CLIENT SETINFO: older servers and proxies refuse it
	db := &DB{
		client:  redis.NewClient(ro),
		prefix:  opts.Prefix,
		timeout: timeout,
		now:     opts.Now,
	}
	if db.prefix == "" {
		db.prefix = DefaultPrefix
	}
	if db.now == nil {
		db.now = time.Now
	}
	return db, nil
}

// Close closes the connection pool.
func (db *DB) Close() error { return db.client.Close() }

// Client returns the connection, for the stores of other packages that share it (bulk jobs,
// bulk/redisjobs). The DB closes it.
func (db *DB) Client() redis.UniversalClient { return db.client }

// Ping reports whether Redis answers now (for /readyz). It ignores the fail-fast window, so
// that readiness is a real check and a success ends the window.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, db.timeout)
	defer cancel()
	if err := db.client.Ping(ctx).Err(); err != nil {
		return db.fail(err)
	}
	db.downUntil.Store(0)
	return nil
}

// call runs f with the call timeout, unless Redis failed less than a second ago, and maps
// connection failures to sessionstore.ErrUnavailable.
func (db *DB) call(ctx context.Context, f func(ctx context.Context) error) error {
	if until := db.downUntil.Load(); until != 0 && db.now().UnixNano() < until {
		return fmt.Errorf("redisstore: %w (it failed less than %v ago)", sessionstore.ErrUnavailable, failFastFor)
	}
	ctx, cancel := context.WithTimeout(ctx, db.timeout)
	defer cancel()
	err := f(ctx)
	if err == nil || errors.Is(err, redis.Nil) {
		return err
	}
	return db.fail(err)
}

// fail maps err: a connection failure or timeout opens the fail-fast window and becomes
// ErrUnavailable; a caller's cancelled context stays what it is; anything else (a script error,
// a wrong type: a bug or a foreign key) is ErrUnavailable too, for the caller, but without the
// window.
func (db *DB) fail(err error) error {
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) || isConnError(err) {
		db.downUntil.Store(db.now().Add(failFastFor).UnixNano())
	} else if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("redisstore: %w: %w", sessionstore.ErrUnavailable, err)
}

// isConnError recognises the errors go-redis gives for a closed or refused connection, and
// replies of a server that is loading or read-only (a replica promoted, a restart).
func isConnError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"connection refused", "connection reset", "EOF", "broken pipe", "LOADING", "READONLY", "pool timeout", "client is closed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// key returns PREFIX + parts.
func (db *DB) key(parts ...string) string {
	return db.prefix + strings.Join(parts, "")
}
