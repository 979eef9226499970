// Package bulktest is the conformance suite of bulk.Store: every store (memory, Redis) runs the
// same tests, from the store's own calls to whole jobs run by two runners that share it.
//
//	func TestConformance(t *testing.T) {
//		bulktest.RunConformance(t, func(t *testing.T) bulk.Store { return bulk.NewMemory() })
//	}
package bulktest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/bulk"
)

// RunConformance runs the suite against stores made by newStore (each test gets a new, empty
// one).
func RunConformance(t *testing.T, newStore func(t *testing.T) bulk.Store) {
	t.Run("CreateGet", func(t *testing.T) { testCreateGet(t, newStore(t)) })
	t.Run("UpdateIsAtomic", func(t *testing.T) { testUpdateAtomic(t, newStore(t)) })
	t.Run("UpdateErrorChangesNothing", func(t *testing.T) { testUpdateError(t, newStore(t)) })
	t.Run("Running", func(t *testing.T) { testRunning(t, newStore(t)) })
	t.Run("Recent", func(t *testing.T) { testRecent(t, newStore(t)) })
	t.Run("JobRunsEveryUserOnce", func(t *testing.T) { testJobRuns(t, newStore(t)) })
	t.Run("DraftStartsOnce", func(t *testing.T) { testDraft(t, newStore(t)) })
	t.Run("CancelFromAnotherRunner", func(t *testing.T) { testCancelElsewhere(t, newStore(t)) })
	t.Run("ResumedByAnotherRunner", func(t *testing.T) { testResume(t, newStore(t)) })
}

// userIDs returns n user ids.
func userIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("auth0|u%04d", i)
	}
	return out
}

func testCreateGet(t *testing.T, s bulk.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	j := bulk.NewJob("auth0|owner", "roles.assign", "Assign the role support to 3 users",
		map[string]string{"role_id": "rol_1", "claims": "a\nb"}, userIDs(3), now)
	j.Items[1].Label = "Ada Lovelace (ada@example.com)"
	if err := s.Create(ctx, j); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != j.ID || got.Owner != j.Owner || got.Action != j.Action || got.Title != j.Title ||
		got.State != bulk.Running || !got.Created.Equal(now) || got.Params["claims"] != "a\nb" ||
		len(got.Items) != 3 || got.Items[1].Label != j.Items[1].Label || got.Items[2].UserID != "auth0|u0002" {
		t.Errorf("got %+v, want %+v", got, j)
	}
	// A copy: changing what Get returned changes nothing stored.
	got.Items[0].Outcome = bulk.Done
	again, _ := s.Get(ctx, j.ID)
	if again.Items[0].Outcome != bulk.Pending {
		t.Error("Get returned the stored job itself, not a copy")
	}
	if _, err := s.Get(ctx, "no-such-job"); !errors.Is(err, bulk.ErrNotFound) {
		t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := s.Update(ctx, "no-such-job", func(*bulk.Job) error { return nil }); !errors.Is(err, bulk.ErrNotFound) {
		t.Errorf("Update(unknown) = %v, want ErrNotFound", err)
	}
}

// testUpdateAtomic: concurrent Updates of one job each see the previous one's result.
func testUpdateAtomic(t *testing.T, s bulk.Store) {
	ctx := t.Context()
	j := bulk.NewJob("auth0|owner", "block", "Block", map[string]string{"n": "0"}, userIDs(50), time.Now())
	if err := s.Create(ctx, j); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				_, err := s.Update(ctx, j.ID, func(j *bulk.Job) error {
					n, _ := strconv.Atoi(j.Params["n"])
					j.Params["n"] = strconv.Itoa(n + 1)
					j.Items[w*5+i%5].Outcome = bulk.Done
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := s.Get(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Params["n"] != strconv.Itoa(workers*each) {
		t.Errorf("n = %s after %d increments: an update was lost", got.Params["n"], workers*each)
	}
	if c := got.Counts(); c.Done != workers*5 {
		t.Errorf("counts = %+v, want %d done", c, workers*5)
	}
}

func testUpdateError(t *testing.T, s bulk.Store) {
	ctx := t.Context()
	j := bulk.NewJob("auth0|owner", "block", "Block", nil, userIDs(2), time.Now())
	if err := s.Create(ctx, j); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	_, err := s.Update(ctx, j.ID, func(j *bulk.Job) error {
		j.Items[0].Outcome, j.State = bulk.Done, bulk.Finished
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("Update = %v, want fn's error", err)
	}
	got, _ := s.Get(ctx, j.ID)
	if got.State != bulk.Running || got.Items[0].Outcome != bulk.Pending {
		t.Errorf("a failed update changed the job: %+v", got)
	}
	ids, err := s.Running(ctx)
	if err != nil || !slices.Contains(ids, j.ID) {
		t.Errorf("Running = %v, %v; a failed update must not change it", ids, err)
	}
	upd, err := s.Update(ctx, j.ID, func(j *bulk.Job) error { j.Title = "Block 2 users"; return nil })
	if err != nil || upd.Title != "Block 2 users" {
		t.Errorf("Update = %+v, %v: it returns the job as stored", upd, err)
	}
}

// testRunning: Running lists running jobs only, and follows their state.
func testRunning(t *testing.T, s bulk.Store) {
	ctx := t.Context()
	now := time.Now()
	run := bulk.NewJob("auth0|owner", "block", "Block", nil, userIDs(1), now)
	draft := bulk.NewJob("auth0|owner", "block", "Block", nil, userIDs(1), now)
	draft.State = bulk.Draft
	done := bulk.NewJob("auth0|owner", "block", "Block", nil, userIDs(1), now)
	done.State = bulk.Finished
	for _, j := range []bulk.Job{run, draft, done} {
		if err := s.Create(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := s.Running(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{run.ID}) {
		t.Errorf("Running = %v, want only %s", ids, run.ID)
	}
	for _, step := range []struct {
		id    string
		state bulk.State
		want  []string
	}{
		{draft.ID, bulk.Running, sorted(run.ID, draft.ID)},
		{run.ID, bulk.Cancelled, []string{draft.ID}},
		{draft.ID, bulk.Finished, nil},
	} {
		if _, err := s.Update(ctx, step.id, func(j *bulk.Job) error { j.State = step.state; return nil }); err != nil {
			t.Fatal(err)
		}
		ids, err := s.Running(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, step.want) {
			t.Errorf("after %s became %s: Running = %v, want %v", step.id, step.state, ids, step.want)
		}
	}
}

func sorted(ids ...string) []string { slices.Sort(ids); return ids }

// testRecent: the owner's jobs, newest first, at most n; nobody else's.
func testRecent(t *testing.T, s bulk.Store) {
	ctx := t.Context()
	base := time.Now().Add(-time.Hour)
	var mine []string
	for i := range 5 {
		j := bulk.NewJob("auth0|me", "block", "Block "+strconv.Itoa(i), nil, userIDs(1), base.Add(time.Duration(i)*time.Minute))
		if err := s.Create(ctx, j); err != nil {
			t.Fatal(err)
		}
		mine = append(mine, j.ID)
		other := bulk.NewJob("auth0|other", "block", "Block", nil, userIDs(1), base.Add(time.Duration(i)*time.Minute))
		if err := s.Create(ctx, other); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Recent(ctx, "auth0|me", 3)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, j := range got {
		ids = append(ids, j.ID)
		if j.Owner != "auth0|me" {
			t.Errorf("Recent returned another person's job %s", j.ID)
		}
	}
	if want := []string{mine[4], mine[3], mine[2]}; !slices.Equal(ids, want) {
		t.Errorf("Recent = %v, want the three newest %v", ids, want)
	}
	if got, err := s.Recent(ctx, "auth0|nobody", 10); err != nil || len(got) != 0 {
		t.Errorf("Recent(nobody) = %v, %v", got, err)
	}
}

// counter counts the steps run per user.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[id]++
}

func (c *counter) get(id string) int { c.mu.Lock(); defer c.mu.Unlock(); return c.n[id] }

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.n {
		n += v
	}
	return n
}

// testJobRuns: a runner on the store gives every user one outcome, the counts add up, the
// job finishes and OnEnd hears of it once.
func testJobRuns(t *testing.T, s bulk.Store) {
	var c counter
	var ended atomic.Int32
	r := &bulk.Runner{Store: s, Workers: 3, Flush: 5 * time.Millisecond, Log: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		OnEnd: func(_ context.Context, j bulk.Job) {
			ended.Add(1)
			if j.State != bulk.Finished {
				t.Errorf("OnEnd with state %s", j.State)
			}
		}}
	j := bulk.NewJob("auth0|owner", "block", "Block", nil, userIDs(60), time.Now())
	j.Items[7].Label = "given at the start"
	err := r.Start(t.Context(), j, func(_ context.Context, id string) (bulk.Outcome, string, string) {
		c.add(id)
		switch {
		case strings.HasSuffix(id, "7"):
			return bulk.Skipped, "out of reach", ""
		case strings.HasSuffix(id, "3"):
			return bulk.Failed, "Auth0 said no", "Label " + id
		}
		return bulk.Done, "", "Label " + id
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Wait()
	got, err := s.Get(t.Context(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != bulk.Finished || got.Counts() != (bulk.Counts{Total: 60, Done: 48, Failed: 6, Skipped: 6}) {
		t.Errorf("state %s, counts %+v", got.State, got.Counts())
	}
	for _, it := range got.Items {
		if c.get(it.UserID) != 1 {
			t.Errorf("%s: %d steps", it.UserID, c.get(it.UserID))
		}
	}
	if got.Items[7].Label != "given at the start" || got.Items[8].Label != "Label auth0|u0008" {
		t.Errorf("labels: %q, %q (a step without a label keeps the one given)", got.Items[7].Label, got.Items[8].Label)
	}
	if ended.Load() != 1 {
		t.Errorf("OnEnd called %d times", ended.Load())
	}
	if ids, _ := s.Running(t.Context()); slices.Contains(ids, j.ID) {
		t.Error("a finished job is still listed as running")
	}
}

// testDraft: a draft does not run until StartDraft, which starts it once; prepare can refuse.
func testDraft(t *testing.T, s bulk.Store) {
	var c counter
	r := &bulk.Runner{Store: s, Workers: 2, Flush: 5 * time.Millisecond}
	j := bulk.NewJob("auth0|owner", "delete", "Delete", nil, userIDs(10), time.Now())
	j.State = bulk.Draft
	if err := s.Create(t.Context(), j); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Resume(t.Context(), func(bulk.Job) bulk.Step { t.Error("a draft was resumed"); return nil }); err != nil || n != 0 {
		t.Errorf("Resume = %d, %v", n, err)
	}
	step := func(_ context.Context, id string) (bulk.Outcome, string, string) { c.add(id); return bulk.Done, "", "" }
	wrong := errors.New("type 10 to confirm")
	if _, err := r.StartDraft(t.Context(), j.ID, func(*bulk.Job) error { return wrong }, step); !errors.Is(err, wrong) {
		t.Errorf("StartDraft with a refusing prepare = %v", err)
	}
	if got, _ := s.Get(t.Context(), j.ID); got.State != bulk.Draft {
		t.Errorf("a refused start left state %s", got.State)
	}
	started, err := r.StartDraft(t.Context(), j.ID, func(j *bulk.Job) error { j.Params = map[string]string{"confirmed": "10"}; return nil }, step)
	if err != nil || started.State != bulk.Running || started.Params["confirmed"] != "10" {
		t.Fatalf("StartDraft = %+v, %v", started, err)
	}
	if _, err := r.StartDraft(t.Context(), j.ID, nil, step); !errors.Is(err, bulk.ErrNotDraft) {
		t.Errorf("second StartDraft = %v, want ErrNotDraft", err)
	}
	r.Wait()
	if c.total() != 10 {
		t.Errorf("%d steps for 10 users", c.total())
	}
	got, _ := s.Get(t.Context(), j.ID)
	if got.State != bulk.Finished {
		t.Errorf("state %s", got.State)
	}
	// A draft cancelled is discarded.
	d := bulk.NewJob("auth0|owner", "delete", "Delete", nil, userIDs(1), time.Now())
	d.State = bulk.Draft
	if err := s.Create(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	if got, err := r.Cancel(t.Context(), d.ID); err != nil || got.State != bulk.Cancelled {
		t.Errorf("Cancel(draft) = %s, %v", got.State, err)
	}
}

// testCancelElsewhere: a cancel written by another runner (another replica) stops the job
// within a flush; the runner that held it tells OnEnd.
func testCancelElsewhere(t *testing.T, s bulk.Store) {
	var started atomic.Int32
	var ended atomic.Int32
	r := &bulk.Runner{Store: s, Name: "a", Workers: 1, Flush: time.Millisecond,
		OnEnd: func(_ context.Context, j bulk.Job) {
			if j.State == bulk.Cancelled {
				ended.Add(1)
			}
		}}
	other := &bulk.Runner{Store: s, Name: "b"}
	j := bulk.NewJob("auth0|owner", "block", "Block", nil, userIDs(200), time.Now())
	err := r.Start(t.Context(), j, func(context.Context, string) (bulk.Outcome, string, string) {
		if started.Add(1) == 5 {
			if _, err := other.Cancel(context.Background(), j.ID); err != nil {
				t.Error(err)
			}
		}
		time.Sleep(2 * time.Millisecond)
		return bulk.Done, "", ""
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Wait()
	if n := started.Load(); n != 5 {
		t.Errorf("%d steps started, want 5: the store says cancelled before the 6th starts", n)
	}
	got, _ := s.Get(t.Context(), j.ID)
	if got.State != bulk.Cancelled || got.Counts().Done != 5 {
		t.Errorf("state %s, counts %+v", got.State, got.Counts())
	}
	if ended.Load() != 1 {
		t.Errorf("OnEnd heard of the cancel %d times", ended.Load())
	}
}

// testResume: a runner stops mid-job (its process ends); another takes the job over once the
// lease ran out: users never started are run, the one interrupted is reported unknown and not
// run again, nobody is run twice.
func testResume(t *testing.T, s bulk.Store) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	var c counter
	process, stop := context.WithCancel(context.Background())
	defer stop()
	first := &bulk.Runner{Store: s, Name: "a", Workers: 2, Flush: time.Millisecond, Now: now}
	j := bulk.NewJob("auth0|owner", "block", "Block", map[string]string{"x": "y"}, userIDs(30), now())
	err := first.Start(process, j, func(ctx context.Context, id string) (bulk.Outcome, string, string) {
		c.add(id)
		if id == "auth0|u0011" {
			stop()       // the process ends during this user's change…
			<-ctx.Done() // …which never answers
			return "", "", ""
		}
		return bulk.Done, "", ""
	})
	if err != nil {
		t.Fatal(err)
	}
	first.Wait()
	mid, _ := s.Get(t.Context(), j.ID)
	if mid.State != bulk.Running || mid.Runner != "a" {
		t.Fatalf("a job whose runner stopped is %s, held by %q", mid.State, mid.Runner)
	}

	var ended atomic.Int32
	second := &bulk.Runner{Store: s, Name: "b", Workers: 2, Flush: time.Millisecond, Now: now,
		OnEnd: func(context.Context, bulk.Job) { ended.Add(1) }}
	stepFor := func(j bulk.Job) bulk.Step {
		if j.Params["x"] != "y" {
			t.Errorf("params = %v", j.Params)
		}
		return func(_ context.Context, id string) (bulk.Outcome, string, string) { c.add(id); return bulk.Done, "", "" }
	}
	if n, err := second.Resume(t.Context(), stepFor); err != nil || n != 0 {
		t.Fatalf("resumed %d (err %v) while the first runner's lease holds", n, err)
	}
	clock.Add(int64(time.Minute))
	if n, err := second.Resume(t.Context(), stepFor); err != nil || n != 1 {
		t.Fatalf("resumed %d, err %v; want 1", n, err)
	}
	second.Wait()
	got, _ := s.Get(t.Context(), j.ID)
	if got.State != bulk.Finished || got.Runner != "b" {
		t.Errorf("state %s, runner %q", got.State, got.Runner)
	}
	for _, it := range got.Items {
		if n := c.get(it.UserID); n != 1 {
			t.Errorf("%s: %d steps", it.UserID, n)
		}
		if it.UserID == "auth0|u0011" && (it.Outcome != bulk.Failed || !strings.Contains(it.Reason, "unknown")) {
			t.Errorf("the interrupted user: %+v", it)
		}
	}
	if c.total() != 30 {
		t.Errorf("%d steps for 30 users", c.total())
	}
	if ended.Load() != 1 {
		t.Errorf("the resuming runner told OnEnd %d times", ended.Load())
	}
}

// testWriter sends a runner's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
