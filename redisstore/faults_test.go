package redisstore_test

import (
	"errors"
	"testing"
	"time"

	"userdesk/handlers/sessionstore"
	"userdesk/internal/redistest"
	"userdesk/redisstore"
)

// TestSessionsRedisDown: with Redis stopped, every call fails with ErrUnavailable within the
// timeout (then at once, for a second), Ping says not ready; when Redis is back (with its data),
// the same DB works again by itself.
func TestSessionsRedisDown(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{Persist: true})
	db, err := redisstore.Open(redisstore.Options{URL: srv.URL(0), Prefix: "down:", Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := db.Sessions()
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	if err := s.Save(ctx, "a", []byte("v"), sessionstore.Meta{Subject: "alice"}, exp); err != nil {
		t.Fatal(err)
	}

	srv.Stop()
	calls := map[string]func() error{
		"Get":              func() error { _, err := s.Get(ctx, "a"); return err },
		"Save":             func() error { return s.Save(ctx, "b", []byte("v"), sessionstore.Meta{Subject: "bob"}, exp) },
		"Update":           func() error { return s.Update(ctx, "a", []byte("w"), sessionstore.Meta{Subject: "alice"}, exp) },
		"Delete":           func() error { return s.Delete(ctx, "a") },
		"ProviderSessions": func() error { _, err := s.ProviderSessions(ctx, "sid"); return err },
		"Sessions":         func() error { _, err := s.Sessions(ctx, "alice"); return err },
		"All":              func() error { _, err := s.All(ctx, 0); return err },
		"RevokeAll":        func() error { _, err := s.RevokeAll(ctx, "alice"); return err },
		"Count":            func() error { _, err := s.Count(ctx); return err },
		"SaveSignIn":       func() error { return s.SaveSignIn(ctx, "t", []byte("v"), exp) },
		"GetSignIn":        func() error { _, err := s.GetSignIn(ctx, "t"); return err },
		"TakeSignIn":       func() error { _, err := s.TakeSignIn(ctx, "t"); return err },
		"Ping":             func() error { return s.Ping(ctx) },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		if !errors.Is(err, sessionstore.ErrUnavailable) {
			t.Errorf("%s with Redis down: %v, want ErrUnavailable", name, err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s took %v with Redis down: every call must be bounded", name, took)
		}
	}
	if err := db.Ping(ctx); err == nil || err.Error() == "" {
		t.Error("Ping succeeded with Redis down")
	}

	srv.Start() // back, with its data (appendonly)
	deadline := time.Now().Add(5 * time.Second)
	for db.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("Ping still failing 5 s after Redis came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, err := s.Get(ctx, "a"); err != nil || string(got) != "v" {
		t.Errorf("after recovery: Get = %q, %v; want the session back", got, err)
	}
}

// TestSessionsRedisRestartedEmpty: a Redis restarted without its data signs everyone out
// (ErrNotFound, not an error), and everything else goes on: new sessions, the index, counts,
// sign-ins, limits and the Lua scripts (reloaded by go-redis on NOSCRIPT).
func TestSessionsRedisRestartedEmpty(t *testing.T) {
	srv := redistest.Start(t)
	db := openDB(t, srv, "restart:")
	s := db.Sessions()
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	if err := s.Save(ctx, "a", []byte("v"), sessionstore.Meta{Subject: "alice"}, exp); err != nil {
		t.Fatal(err)
	}
	srv.Restart()
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err = s.Get(ctx, "a")
		if !errors.Is(err, sessionstore.ErrUnavailable) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // the fail-fast second after the broken connection
	}
	if !errors.Is(err, sessionstore.ErrNotFound) {
		t.Fatalf("Get after an empty restart = %v, want ErrNotFound (signed out)", err)
	}
	if n, err := s.Count(ctx); err != nil || n != 0 {
		t.Errorf("Count = %d, %v", n, err)
	}
	if err := s.Save(ctx, "b", []byte("w"), sessionstore.Meta{Subject: "alice"}, exp); err != nil {
		t.Fatalf("Save after restart: %v", err)
	}
	if list, err := s.Sessions(ctx, "alice"); err != nil || len(list) != 1 || list[0].ID != "b" {
		t.Errorf("Sessions after restart = %v, %v", list, err)
	}
	if n, _ := s.Count(ctx); n != 1 {
		t.Errorf("Count = %d after a new sign-in, want 1", n)
	}
}
