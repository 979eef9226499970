package redisjobs_test

import (
	"strings"

	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"userdesk/bulk"
	"userdesk/bulk/bulktest"
	"userdesk/bulk/redisjobs"
	"userdesk/internal/redistest"
)

// TestRedisConformance runs the stores' conformance suite on a real redis-server (skipped
// without one, unless USERDESK_REQUIRE_REDIS=1), each test under a prefix of its own. It
// includes a job started by one runner and resumed by another once the first stopped and its
// lease ran out, nothing done twice.
func TestRedisConformance(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	bulktest.RunConformance(t, func(t *testing.T) bulk.Store {
		prefix := "test" + strings.ReplaceAll(t.Name(), "/", ":") + ":" + time.Now().Format("150405.000") + ":"
		return redisjobs.New(client, redisjobs.Options{Prefix: prefix})
	})
}

// TestRedisExpiry: a job is forgotten MaxAge after its last change, and leaves the running set
// and the person's index.
func TestRedisExpiry(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	s := redisjobs.New(client, redisjobs.Options{MaxAge: 300 * time.Millisecond})
	j := bulk.NewJob("auth0|me", "block", "Block", nil, []string{"auth0|1"}, time.Now())
	if err := s.Create(t.Context(), j); err != nil {
		t.Fatal(err)
	}
	if ids, err := s.Running(t.Context()); err != nil || len(ids) != 1 {
		t.Fatalf("Running = %v, %v", ids, err)
	}
	time.Sleep(400 * time.Millisecond)
	if _, err := s.Get(t.Context(), j.ID); err != bulk.ErrNotFound {
		t.Errorf("Get after MaxAge = %v, want ErrNotFound", err)
	}
	if ids, err := s.Running(t.Context()); err != nil || len(ids) != 0 {
		t.Errorf("Running after expiry = %v, %v", ids, err)
	}
	if jobs, err := s.Recent(t.Context(), "auth0|me", 10); err != nil || len(jobs) != 0 {
		t.Errorf("Recent after expiry = %v, %v", jobs, err)
	}
}
