package redisstore_test

import (
	"testing"

	"userdesk/handlers/sessionstore"
	"userdesk/handlers/sessionstore/sessionstoretest"
	"userdesk/internal/redistest"
	"userdesk/redisstore"
)

// openDB opens a DB on srv with a prefix of the test's own.
func openDB(t testing.TB, srv *redistest.Server, prefix string) *redisstore.DB {
	t.Helper()
	db, err := redisstore.Open(redisstore.Options{URL: srv.URL(0), Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSessionsConformance runs the sessionstore suite against a real redis-server; each subtest
// gets a prefix of its own on one server (as deployments sharing a Redis would).
func TestSessionsConformance(t *testing.T) {
	srv := redistest.Start(t)
	n := 0
	sessionstoretest.RunConformance(t, func(t *testing.T) sessionstore.Store {
		n++
		return openDB(t, srv, "test"+string(rune('a'+n%26))+t.Name()+":").Sessions()
	})
}
