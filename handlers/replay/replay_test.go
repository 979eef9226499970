package replay

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestUseOnceUntilExpiry(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	m := NewMemory(10, c.now)
	use := func(k string, ttl time.Duration) bool {
		first, err := m.Use(t.Context(), k, c.now().Add(ttl))
		if err != nil {
			t.Fatal(err)
		}
		return first
	}
	if !use("a", time.Minute) || use("a", time.Minute) {
		t.Fatal("a: want first use true, second false")
	}
	if !use("b", time.Minute) {
		t.Error("b is another key")
	}
	c.add(59 * time.Second)
	if use("a", time.Minute) {
		t.Error("a reused before its expiry")
	}
	c.add(2 * time.Second)
	if !use("a", time.Minute) {
		t.Error("a refused after its expiry")
	}
}

// TestBounded: a full cache forgets the key expiring soonest, never refuses a new one, and
// never grows past its bound.
func TestBounded(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	m := NewMemory(100, c.now)
	for i := range 1000 {
		if first, _ := m.Use(t.Context(), fmt.Sprint(i), c.now().Add(time.Duration(i+1)*time.Second)); !first {
			t.Fatalf("new key %d refused", i)
		}
	}
	if m.Len() > 100 {
		t.Errorf("Len = %d, want at most 100", m.Len())
	}
	if first, _ := m.Use(t.Context(), "999", c.now().Add(time.Hour)); first {
		t.Error("the latest key was forgotten")
	}
}

func TestConcurrentUseIsOnce(t *testing.T) {
	m := NewMemory(0, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	for range 50 {
		wg.Go(func() {
			if first, _ := m.Use(t.Context(), "k", time.Now().Add(time.Minute)); first {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firsts != 1 {
		t.Errorf("%d first uses of one key, want 1", firsts)
	}
}
