package auth0api_test

import (
	"errors"
	"testing"
	"time"

	"userdesk/auth0api"
)

// TestPaceRules walks Pace through its rules with a fake clock.
func TestPaceRules(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var p auth0api.Pace
	forever := time.Hour

	// The first request goes alone: the others wait for its answer.
	s1, w, err := p.Reserve(t0, forever)
	if err != nil || w != 0 {
		t.Fatalf("first Reserve = %v, %v", w, err)
	}
	if _, _, err := p.Reserve(t0, forever); !errors.Is(err, auth0api.ErrProbing) {
		t.Fatalf("second Reserve while probing = %v, want ErrProbing", err)
	}
	// Its answer: a bucket of 10 with 9 left. Nothing was known: the rate starts at 10/s.
	p.Observe(t0, s1, auth0api.RateLimitState{Limit: 10, Remaining: 9})
	if p.Limit() != 10 || p.Rate() != 10 {
		t.Fatalf("learned %d at %v/s, want 10 at 10/s", p.Limit(), p.Rate())
	}
	// Nine more go at once (the server said 9 left), the tenth waits 100 ms.
	var seqs []uint64
	for i := range 9 {
		s, w, err := p.Reserve(t0, forever)
		if err != nil || w != 0 {
			t.Fatalf("request %d: wait %v, %v", i+2, w, err)
		}
		seqs = append(seqs, s)
	}
	s11, w, err := p.Reserve(t0, forever)
	if err != nil || w != 100*time.Millisecond {
		t.Fatalf("eleventh request: wait %v, %v; want 100ms", w, err)
	}
	// A wait past the deadline reserves nothing.
	if _, w, err := p.Reserve(t0, 150*time.Millisecond); !errors.Is(err, auth0api.ErrPastDeadline) || w != 200*time.Millisecond {
		t.Fatalf("Reserve with a short deadline = %v, %v; want ErrPastDeadline after 200ms", w, err)
	}
	// The answers come back; the last one sent is answered before one sent earlier, which
	// says (too late) that the bucket was empty: the older answer is ignored.
	for i, s := range seqs[1:] {
		p.Observe(t0.Add(40*time.Millisecond), s, auth0api.RateLimitState{Limit: 10, Remaining: 8 - i})
	}
	p.Observe(t0.Add(50*time.Millisecond), s11, auth0api.RateLimitState{Limit: 10, Remaining: 5})
	p.Observe(t0.Add(60*time.Millisecond), seqs[0], auth0api.RateLimitState{Limit: 10, Remaining: 0, Limited: true})
	now := t0.Add(60 * time.Millisecond)
	// 5 left when s11 was answered, one of them taken by seqs[0], then in flight: 4 go at once.
	for i := range 4 {
		if _, w, err := p.Reserve(now, forever); err != nil || w != 0 {
			t.Fatalf("after the resync, request %d waits %v, %v; want 4 at once", i, w, err)
		}
	}
	if _, w, _ := p.Reserve(now, forever); w <= 0 {
		t.Fatalf("the fifth after the resync did not wait")
	}
	// A 429 says the bucket is empty and cuts the rate.
	s, _, _ := p.Reserve(now, forever)
	p.Observe(now.Add(time.Second), s, auth0api.RateLimitState{Limit: 10, Remaining: 0, Limited: true})
	if p.Rate() >= 10 {
		t.Errorf("rate %v after a 429 to a paced request, want less than 10", p.Rate())
	}
}

// TestPaceInFlight: requests sent after the one answered, still in flight, count against the
// budget the answer reports.
func TestPaceInFlight(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var p auth0api.Pace
	s1, _, _ := p.Reserve(t0, time.Hour)
	p.Observe(t0, s1, auth0api.RateLimitState{Limit: 4, Remaining: 3})
	a, _, _ := p.Reserve(t0, time.Hour)
	b, _, _ := p.Reserve(t0, time.Hour) // in flight
	c, _, _ := p.Reserve(t0, time.Hour) // in flight
	_, _ = b, c
	// a's answer: 2 left after it; b and c are in flight: nothing left for now.
	p.Observe(t0, a, auth0api.RateLimitState{Limit: 4, Remaining: 2})
	if _, w, _ := p.Reserve(t0, time.Hour); w == 0 {
		t.Error("a request went at once although the two left are taken by requests in flight")
	}
}

// TestPaceNoHeaders: an API that sends no x-ratelimit-* headers is not paced (after the probe).
func TestPaceNoHeaders(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var p auth0api.Pace
	s, _, _ := p.Reserve(t0, time.Hour)
	p.Observe(t0, s, auth0api.NoRateLimitState)
	for i := range 100 {
		if _, w, err := p.Reserve(t0, time.Hour); err != nil || w != 0 {
			t.Fatalf("request %d: %v, %v; want no pacing without headers", i, w, err)
		}
	}
}

// TestPaceAnotherBucket: when the answers name a bucket of another size (a plan changed, or
// another bucket answers), the rate is kept within the new bucket's bounds at once.
func TestPaceAnotherBucket(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var p auth0api.Pace
	s, _, _ := p.Reserve(t0, time.Hour)
	p.Observe(t0, s, auth0api.RateLimitState{Limit: 50, Remaining: 49})
	if p.Rate() != 50 {
		t.Fatalf("rate %v, want 50", p.Rate())
	}
	s, _, _ = p.Reserve(t0, time.Hour)
	p.Observe(t0, s, auth0api.RateLimitState{Limit: 10, Remaining: 9})
	if p.Limit() != 10 || p.Rate() != 10 {
		t.Errorf("after a bucket of 10: %d at %v/s, want 10 at 10/s", p.Limit(), p.Rate())
	}
}

// TestPaceProbeDoesNotHoldForever: while the first request is out, others wait for its answer,
// but no longer than auth0api.ProbeMaxWait: a first request that hangs does not hold every other one.
func TestPaceProbeDoesNotHoldForever(t *testing.T) {
	var p auth0api.Pace
	start := time.Unix(1000, 0)
	if _, _, err := p.Reserve(start, time.Second); err != nil {
		t.Fatalf("the probe: %v", err)
	}
	if _, _, err := p.Reserve(start.Add(auth0api.ProbeMaxWait/2), time.Second); !errors.Is(err, auth0api.ErrProbing) {
		t.Errorf("while the probe is out: err = %v, want ErrProbing", err)
	}
	if _, wait, err := p.Reserve(start.Add(auth0api.ProbeMaxWait), time.Second); err != nil || wait != 0 {
		t.Errorf("after auth0api.ProbeMaxWait: wait %v, err %v; want to go at once", wait, err)
	}
}

// TestPaceBackground: a background request goes only while the bucket holds more than the
// interactive share (half of it), reserving nothing before; interactive requests go first.
func TestPaceBackground(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var p auth0api.Pace
	forever := time.Hour
	s1, _, _ := p.Reserve(t0, forever)
	p.Observe(t0, s1, auth0api.RateLimitState{Limit: 10, Remaining: 9}) // 9 left, 10/s
	for i := range 4 {
		if _, w, err := p.ReserveBackground(t0, forever); err != nil || w != 0 {
			t.Fatalf("background request %d: wait %v, %v; want at once (more than 5 left)", i, w, err)
		}
	}
	// 5 left: the interactive share. The next background request waits for one more token.
	_, w, err := p.ReserveBackground(t0, forever)
	if !errors.Is(err, auth0api.ErrInteractiveFirst) || w != 100*time.Millisecond {
		t.Fatalf("background with 5 left = %v, %v; want ErrInteractiveFirst, 100ms", w, err)
	}
	if _, _, err := p.ReserveBackground(t0, 50*time.Millisecond); !errors.Is(err, auth0api.ErrPastDeadline) {
		t.Fatalf("background past its deadline = %v", err)
	}
	// A user page's five reads go at once: the share is theirs.
	for i := range 5 {
		if _, w, err := p.Reserve(t0, forever); err != nil || w != 0 {
			t.Fatalf("interactive request %d waits %v, %v", i, w, err)
		}
	}
	// Background now waits for the bucket to refill past the share: 6 tokens, 600 ms.
	if _, w, err := p.ReserveBackground(t0, forever); !errors.Is(err, auth0api.ErrInteractiveFirst) || w != 600*time.Millisecond {
		t.Fatalf("background after the page = %v, %v; want 600ms", w, err)
	}
	// Interactive requests queue as before (the bucket is empty: 100 ms each).
	if _, w, _ := p.Reserve(t0, forever); w != 100*time.Millisecond {
		t.Fatalf("interactive on an empty bucket waits %v, want 100ms", w)
	}
	// Before anything is known (a fresh pace), background requests are not held back.
	var fresh auth0api.Pace
	if _, w, err := fresh.ReserveBackground(t0, forever); err != nil || w != 0 {
		t.Fatalf("background on a fresh pace = %v, %v", w, err)
	}
}
