package bulk

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// users returns n user ids.
func users(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("auth0|u%03d", i)
	}
	return out
}

// calls counts the steps run per user.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[id]++
}

func (c *calls) count(id string) int { c.mu.Lock(); defer c.mu.Unlock(); return c.n[id] }

func (c *calls) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := 0
	for _, n := range c.n {
		t += n
	}
	return t
}

// TestJobRunsEveryUserOnce: every user gets the step's outcome, each step runs once, the job
// finishes, the counts add up; duplicates are dropped when the job is made.
func TestJobRunsEveryUserOnce(t *testing.T) {
	store := NewMemory()
	r := &Runner{Store: store, Workers: 3, Flush: time.Millisecond}
	var c calls
	ids := append(users(40), "auth0|u001", "")
	j := NewJob("auth0|staff", "block", "Block 40 users", nil, ids, time.Now())
	if len(j.Items) != 40 {
		t.Fatalf("items = %d, want 40 (duplicates and blanks dropped)", len(j.Items))
	}
	err := r.Start(t.Context(), j, func(_ context.Context, id string) (Outcome, string, string) {
		c.add(id)
		switch {
		case strings.HasSuffix(id, "7"):
			return Skipped, "A staff account: only an admin can change it.", "Label " + id
		case strings.HasSuffix(id, "3"):
			return Failed, "Auth0 refused: rate limit.", ""
		}
		return Done, "", ""
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Wait()
	got, err := store.Get(t.Context(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != Finished {
		t.Errorf("state = %s", got.State)
	}
	if c := got.Counts(); c != (Counts{Total: 40, Done: 32, Failed: 4, Skipped: 4}) {
		t.Errorf("counts = %+v", c)
	}
	for _, it := range got.Items {
		if c.count(it.UserID) != 1 {
			t.Errorf("%s: %d steps", it.UserID, c.count(it.UserID))
		}
		if it.Outcome == Skipped && (it.Reason == "" || it.Label == "") {
			t.Errorf("skipped item without reason or label: %+v", it)
		}
	}
}

// TestCancelStopsNewSteps: after Cancel no user is started; running steps finish and are
// recorded; the job stays cancelled.
func TestCancelStopsNewSteps(t *testing.T) {
	store := NewMemory()
	r := &Runner{Store: store, Workers: 2, Flush: time.Millisecond}
	release := make(chan struct{})
	var started atomic.Int32
	j := NewJob("auth0|staff", "block", "Block", nil, users(50), time.Now())
	err := r.Start(t.Context(), j, func(_ context.Context, id string) (Outcome, string, string) {
		started.Add(1)
		<-release
		return Done, "", ""
	})
	if err != nil {
		t.Fatal(err)
	}
	for started.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	if _, err := r.Cancel(t.Context(), j.ID); err != nil {
		t.Fatal(err)
	}
	close(release)
	r.Wait()
	if n := started.Load(); n > 2 {
		t.Errorf("%d steps started, want only the 2 running at the cancel", n)
	}
	got, _ := store.Get(t.Context(), j.ID)
	if got.State != Cancelled {
		t.Errorf("state = %s", got.State)
	}
	if c := got.Counts(); c.Done != 2 || c.Pending != 48 {
		t.Errorf("counts = %+v", c)
	}
}

// TestCancelFromAnotherRunner: a cancel written to the store by another replica stops the
// runner within a flush.
func TestCancelFromAnotherRunner(t *testing.T) {
	store := NewMemory()
	r := &Runner{Store: store, Name: "a", Workers: 1, Flush: time.Millisecond}
	other := &Runner{Store: store, Name: "b"}
	var started atomic.Int32
	j := NewJob("auth0|staff", "block", "Block", nil, users(200), time.Now())
	err := r.Start(t.Context(), j, func(context.Context, string) (Outcome, string, string) {
		if started.Add(1) == 5 {
			if _, err := other.Cancel(context.Background(), j.ID); err != nil {
				t.Error(err)
			}
		}
		time.Sleep(time.Millisecond)
		return Done, "", ""
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Wait()
	if n := started.Load(); n != 5 {
		t.Errorf("%d steps started, want 5: the store says cancelled before the 6th starts", n)
	}
}

// TestResumeAfterARunnerStops: a runner stops mid-job (its process ends); once its lease has
// run out, another runner takes the job over: users never started are run, a user started and
// not finished is recorded as unknown and not run again, nobody is run twice.
func TestResumeAfterARunnerStops(t *testing.T) {
	now := time.Now()
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	nowFn := func() time.Time { return time.Unix(0, clock.Load()) }
	store := NewMemory()
	store.Now = nowFn
	var c calls

	process, stop := context.WithCancel(context.Background())
	first := &Runner{Store: store, Name: "a", Workers: 1, Flush: time.Millisecond, Now: nowFn}
	j := NewJob("auth0|staff", "block", "Block", map[string]string{"x": "y"}, users(20), now)
	err := first.Start(process, j, func(ctx context.Context, id string) (Outcome, string, string) {
		c.add(id)
		if id == "auth0|u007" {
			stop()       // the process ends during this user's change…
			<-ctx.Done() // …which never answers
			return "", "", ""
		}
		return Done, "", ""
	})
	if err != nil {
		t.Fatal(err)
	}
	first.Wait()
	mid, _ := store.Get(t.Context(), j.ID)
	if mid.State != Running {
		t.Fatalf("a job whose runner stopped is %s", mid.State)
	}

	second := &Runner{Store: store, Name: "b", Workers: 2, Flush: time.Millisecond, Now: nowFn}
	step := func(j Job) Step {
		if j.Params["x"] != "y" {
			t.Errorf("params = %v", j.Params)
		}
		return func(_ context.Context, id string) (Outcome, string, string) { c.add(id); return Done, "", "" }
	}
	if n, err := second.Resume(t.Context(), step); err != nil || n != 0 {
		t.Fatalf("resumed %d (err %v) while the first runner's lease holds", n, err)
	}
	clock.Add(int64(time.Minute))
	if n, err := second.Resume(t.Context(), step); err != nil || n != 1 {
		t.Fatalf("resumed %d, err %v; want 1", n, err)
	}
	second.Wait()
	got, _ := store.Get(t.Context(), j.ID)
	if got.State != Finished {
		t.Errorf("state = %s", got.State)
	}
	for _, it := range got.Items {
		if n := c.count(it.UserID); n != 1 {
			t.Errorf("%s: %d steps", it.UserID, n)
		}
		if it.UserID == "auth0|u007" && (it.Outcome != Failed || !strings.Contains(it.Reason, "unknown")) {
			t.Errorf("the interrupted user: %+v", it)
		}
	}
	if c.total() != 20 {
		t.Errorf("%d steps for 20 users", c.total())
	}
}
