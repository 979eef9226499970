package sessionstore_test

import (
	"fmt"
	"testing"
	"time"

	"userdesk/handlers/sessionstore"
	"userdesk/handlers/sessionstore/sessionstoretest"
)

func TestMemoryConformance(t *testing.T) {
	sessionstoretest.RunConformance(t, func(t *testing.T) sessionstore.Store {
		return sessionstore.NewMemory(sessionstore.MemoryOptions{})
	})
}

// TestMemorySignInPoolBounded: with a small sign-in pool, a flood evicts only sign-ins, and the
// session pool evicts the session that expires soonest when full.
func TestMemoryBounds(t *testing.T) {
	ctx := t.Context()
	m := sessionstore.NewMemory(sessionstore.MemoryOptions{MaxSessions: 3, MaxSignIns: 5})
	exp := time.Now().Add(time.Hour)
	for i := range 3 {
		meta := sessionstore.Meta{Subject: fmt.Sprint("p", i)}
		if err := m.Save(ctx, fmt.Sprint("s", i), []byte("v"), meta, exp.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		if err := m.SaveSignIn(ctx, fmt.Sprint("t", i), []byte("v"), exp.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if _, err := m.Get(ctx, fmt.Sprint("s", i)); err != nil {
			t.Errorf("session s%d evicted by sign-ins: %v", i, err)
		}
	}
	for i := 95; i < 100; i++ {
		if _, err := m.GetSignIn(ctx, fmt.Sprint("t", i)); err != nil {
			t.Errorf("newest sign-in t%d gone: %v", i, err)
		}
	}
	if _, err := m.GetSignIn(ctx, "t0"); err == nil {
		t.Error("the sign-in pool kept more than its bound")
	}
	if err := m.Save(ctx, "s3", []byte("v"), sessionstore.Meta{Subject: "p3"}, exp.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx, "s0"); err == nil {
		t.Error("a full session pool did not evict the session expiring soonest")
	}
	if list, _ := m.Sessions(ctx, "p0"); len(list) != 0 {
		t.Errorf("evicted session still indexed: %v", list)
	}
}
