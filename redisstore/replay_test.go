package redisstore_test

import (
	"errors"
	"testing"
	"time"

	"userdesk/handlers/sessionstore"
	"userdesk/internal/redistest"
)

// TestReplayShared: a value used through one replica's DB is refused through another's until it
// expires; then it is new again. Redis down: an error, never a silent "first use".
func TestReplayShared(t *testing.T) {
	srv := redistest.Start(t)
	a, b := openDB(t, srv, "replay:").Replay(), openDB(t, srv, "replay:").Replay()
	ctx := t.Context()
	exp := time.Now().Add(400 * time.Millisecond)
	if first, err := a.Use(ctx, "jti\x00abc", exp); err != nil || !first {
		t.Fatalf("first use = %v, %v", first, err)
	}
	if first, err := b.Use(ctx, "jti\x00abc", exp); err != nil || first {
		t.Fatalf("second use on another replica = %v, %v; want refused", first, err)
	}
	if first, _ := b.Use(ctx, "jti\x00other", exp); !first {
		t.Error("another value was refused")
	}
	if first, _ := a.Use(ctx, "jti\x00past", time.Now().Add(-time.Second)); !first {
		t.Error("a value already past its expiry was refused")
	}
	time.Sleep(500 * time.Millisecond)
	if first, _ := b.Use(ctx, "jti\x00abc", time.Now().Add(time.Minute)); !first {
		t.Error("a value past its expiry is still refused")
	}
	srv.Stop()
	if first, err := a.Use(ctx, "jti\x00down", time.Now().Add(time.Minute)); !errors.Is(err, sessionstore.ErrUnavailable) || first {
		t.Errorf("Redis down: %v, %v; want ErrUnavailable", first, err)
	}
}
