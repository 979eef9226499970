// Package redisjobs keeps bulk jobs in Redis (a bulk.Store), so that every replica sees a job's
// progress and a job whose replica stopped is resumed by another. Keys:
//
//	PREFIX bulk:job:ID        string: the job as JSON; expires MaxAge after its last change
//	PREFIX bulk:running       set: the ids of running jobs (Running)
//	PREFIX bulk:owner:SUB     sorted set: a person's job ids by creation time (Recent), the
//	                          latest ownerKeep kept
//
// Update is atomic by optimistic locking: WATCH the job, read it, apply the function, write it
// in MULTI/EXEC, and start again when another writer came in between. It speaks to a single
// Redis server (or a primary behind a proxy), like userdesk/redisstore.
package redisjobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"userdesk/bulk"
)

// Defaults of Options' zero values.
const (
	DefaultPrefix  = "userdesk:"
	DefaultMaxAge  = 24 * time.Hour
	DefaultTimeout = 2 * time.Second
	// ownerKeep is how many job ids a person's index keeps.
	ownerKeep = 100
	// maxTries bounds the optimistic retries of one Update (a job has a few writers at most:
	// its runner's workers and flusher, a cancel).
	maxTries = 200
)

// Options configures New.
type Options struct {
	// Prefix starts every key (default DefaultPrefix), as the other userdesk keys.
	Prefix string
	// MaxAge is how long a job is kept after its last change (default DefaultMaxAge).
	MaxAge time.Duration
	// Timeout bounds every call (default DefaultTimeout).
	Timeout time.Duration
}

// Store is a bulk.Store in Redis. It is safe for concurrent use.
type Store struct {
	client  redis.UniversalClient
	prefix  string
	maxAge  time.Duration
	timeout time.Duration
}

var _ bulk.Store = (*Store)(nil)

// New returns the store on client (which the caller closes).
func New(client redis.UniversalClient, opts Options) *Store {
	s := &Store{client: client, prefix: opts.Prefix, maxAge: opts.MaxAge, timeout: opts.Timeout}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.maxAge <= 0 {
		s.maxAge = DefaultMaxAge
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	return s
}

func (s *Store) jobKey(id string) string      { return s.prefix + "bulk:job:" + id }
func (s *Store) runningKey() string           { return s.prefix + "bulk:running" }
func (s *Store) ownerKey(owner string) string { return s.prefix + "bulk:owner:" + owner }

// Create stores a new job.
func (s *Store) Create(ctx context.Context, j bulk.Job) error {
	b, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("redisjobs: encode job: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.jobKey(j.ID), b, s.maxAge)
		if j.State == bulk.Running {
			p.SAdd(ctx, s.runningKey(), j.ID)
		}
		owner := s.ownerKey(j.Owner)
		p.ZAdd(ctx, owner, redis.Z{Score: float64(j.Created.UnixMilli()), Member: j.ID})
		p.ZRemRangeByRank(ctx, owner, 0, -ownerKeep-1)
		p.PExpire(ctx, owner, s.maxAge)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisjobs: create %s: %w", j.ID, err)
	}
	return nil
}

// Get returns the job.
func (s *Store) Get(ctx context.Context, id string) (bulk.Job, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	b, err := s.client.Get(ctx, s.jobKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return bulk.Job{}, bulk.ErrNotFound
	}
	if err != nil {
		return bulk.Job{}, fmt.Errorf("redisjobs: get %s: %w", id, err)
	}
	return decode(b)
}

func decode(b []byte) (bulk.Job, error) {
	var j bulk.Job
	if err := json.Unmarshal(b, &j); err != nil {
		return bulk.Job{}, fmt.Errorf("redisjobs: decode job: %w", err)
	}
	return j, nil
}

// Update applies fn to the job atomically: when another writer changes the job between the
// read and the write, it reads again and applies fn to that (fn may run more than once; only
// its last run is stored).
func (s *Store) Update(ctx context.Context, id string, fn func(*bulk.Job) error) (bulk.Job, error) {
	key := s.jobKey(id)
	var out bulk.Job
	txf := func(tx *redis.Tx) error {
		b, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return bulk.ErrNotFound
		}
		if err != nil {
			return err
		}
		j, err := decode(b)
		if err != nil {
			return err
		}
		if err := fn(&j); err != nil {
			return errFn{err}
		}
		nb, err := json.Marshal(j)
		if err != nil {
			return fmt.Errorf("redisjobs: encode job: %w", err)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, nb, s.maxAge)
			if j.State == bulk.Running {
				p.SAdd(ctx, s.runningKey(), id)
			} else {
				p.SRem(ctx, s.runningKey(), id)
			}
			return nil
		})
		if err == nil {
			out = j
		}
		return err
	}
	for try := 0; try < maxTries; try++ {
		err := func() error {
			ctx, cancel := context.WithTimeout(ctx, s.timeout)
			defer cancel()
			return s.client.Watch(ctx, txf, key)
		}()
		var fe errFn
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, bulk.ErrNotFound):
			return bulk.Job{}, bulk.ErrNotFound
		case errors.As(err, &fe):
			return bulk.Job{}, fe.err
		case !errors.Is(err, redis.TxFailedErr):
			return bulk.Job{}, fmt.Errorf("redisjobs: update %s: %w", id, err)
		}
		// Another writer came in between: read again, after a short random pause.
		t := time.NewTimer(time.Duration(rand.Int64N(int64(time.Millisecond) * int64(min(try+1, 10)))))
		select {
		case <-ctx.Done():
			t.Stop()
			return bulk.Job{}, fmt.Errorf("redisjobs: update %s: %w", id, ctx.Err())
		case <-t.C:
		}
	}
	return bulk.Job{}, fmt.Errorf("redisjobs: update %s: still contended after %d tries", id, maxTries)
}

// errFn carries fn's error out of the transaction unchanged.
type errFn struct{ err error }

func (e errFn) Error() string { return e.err.Error() }

// Running lists the running jobs' ids, sorted. Ids whose job expired are dropped from the set.
func (s *Store) Running(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ids, err := s.client.SMembers(ctx, s.runningKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("redisjobs: running jobs: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.jobKey(id)
	}
	n, err := s.existing(ctx, keys)
	if err != nil {
		return nil, err
	}
	var out, gone []string
	for i, id := range ids {
		if n[i] {
			out = append(out, id)
		} else {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		s.client.SRem(ctx, s.runningKey(), toAny(gone)...) // best effort: a stale id costs a read
	}
	slices.Sort(out)
	return out, nil
}

// existing reports which keys exist.
func (s *Store) existing(ctx context.Context, keys []string) ([]bool, error) {
	cmds := make([]*redis.IntCmd, len(keys))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Exists(ctx, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redisjobs: running jobs: %w", err)
	}
	out := make([]bool, len(keys))
	for i, c := range cmds {
		out[i] = c.Val() == 1
	}
	return out, nil
}

// Recent returns the owner's latest jobs, newest first, at most n.
func (s *Store) Recent(ctx context.Context, owner string, n int) ([]bulk.Job, error) {
	if n <= 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ids, err := s.client.ZRevRange(ctx, s.ownerKey(owner), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisjobs: jobs of a person: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.jobKey(id)
	}
	vals, err := s.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("redisjobs: jobs of a person: %w", err)
	}
	var out []bulk.Job
	var gone []string
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			gone = append(gone, ids[i])
			continue
		}
		j, err := decode([]byte(str))
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	if len(gone) > 0 {
		s.client.ZRem(ctx, s.ownerKey(owner), toAny(gone)...) // expired jobs leave the index
	}
	slices.SortStableFunc(out, func(a, b bulk.Job) int { return b.Created.Compare(a.Created) })
	return out, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// String describes the store for logs.
func (s *Store) String() string {
	return "redis (prefix " + strconv.Quote(s.prefix) + ")"
}
