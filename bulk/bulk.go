// Package bulk runs one change on many users as a job: a list of users, a step that changes one
// of them, a few workers, and the job's state — per-user results and counts — kept in a Store
// so that a page reload, another replica or a restarted one sees the same progress.
//
// The rules of a job:
//
//   - Every user gets exactly one result: done, failed (the reason in words) or skipped (why:
//     out of reach, a staff account, oneself). The step decides; the runner records.
//   - Nothing is done twice. A user is marked started in the store before its step runs; a
//     job resumed after its runner stopped (Resume) does not run a started user again but
//     records that its outcome is unknown.
//   - Cancel stops new steps at once: no user is started after it, in this process or, within
//     one flush, in another; steps already running finish and are recorded.
//   - A job is run by one runner at a time: it holds a lease in the store, renewed while it
//     works; a job whose lease ran out may be resumed by another.
//   - A job may be stored as a draft first (its users chosen, its owner still to confirm it or
//     to prove who they are again); StartDraft then runs it. Resume never starts a draft.
//
// The package knows nothing of HTTP, Auth0 or the dashboard's rules: the dashboard builds the
// step from the same operations and gate checks its single-user routes use.
package bulk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Outcome is what happened to one user of a job.
type Outcome string

// Outcomes. An item without one is pending; Started marks an item whose step is running.
const (
	Pending Outcome = ""
	Started Outcome = "started"
	Done    Outcome = "done"
	Failed  Outcome = "failed"
	Skipped Outcome = "skipped"
)

// State is where a job is.
type State string

// States of a job.
const (
	// Draft: stored, not started (StartDraft starts it).
	Draft     State = "draft"
	Running   State = "running"
	Cancelled State = "cancelled"
	Finished  State = "finished"
)

// Item is one user of a job and what happened to them.
type Item struct {
	UserID  string  `json:"user_id"`
	Label   string  `json:"label,omitempty"`
	Outcome Outcome `json:"outcome,omitempty"`
	// Reason says, in words, why the user was skipped or failed.
	Reason string `json:"reason,omitempty"`
}

// Job is a change to many users.
type Job struct {
	ID string `json:"id"`
	// Owner is the subject of the person who started it; only they (and who the dashboard
	// allows) see and cancel it.
	Owner string `json:"owner"`
	// Action names the change ("block", "roles.assign"); Title says it in words ("Assign the
	// role support-agent to 30 users").
	Action string `json:"action"`
	Title  string `json:"title"`
	// Params are the change's input (a role id), for a runner that resumes the job.
	Params map[string]string `json:"params,omitempty"`
	Items  []Item            `json:"items"`
	State  State             `json:"state"`
	// Stopped says, in words, why the dashboard stopped the job before its end (its owner's
	// access ended); empty when it finished or its owner cancelled it.
	Stopped string `json:"stopped,omitempty"`
	// Runner holds the job until LeaseUntil.
	Runner     string    `json:"runner,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
}

// Counts are a job's progress.
type Counts struct {
	Total, Done, Failed, Skipped, Pending int
}

// Counts tallies the items; started ones count as pending.
func (j Job) Counts() Counts {
	c := Counts{Total: len(j.Items)}
	for _, it := range j.Items {
		switch it.Outcome {
		case Done:
			c.Done++
		case Failed:
			c.Failed++
		case Skipped:
			c.Skipped++
		default:
			c.Pending++
		}
	}
	return c
}

// Over reports whether the job will do nothing more: it finished or was cancelled.
func (j Job) Over() bool { return j.State == Cancelled || j.State == Finished }

// ErrNotFound is returned for a job the store does not hold.
var ErrNotFound = errors.New("bulk: no such job")

// ErrHeld is returned by Update's function when another runner holds the job's lease.
var ErrHeld = errors.New("bulk: another runner holds the job")

// ErrNotDraft is StartDraft's error for a job that is no longer a draft (started already, or
// discarded).
var ErrNotDraft = errors.New("bulk: the job is not a draft")

// Store keeps jobs. Update must apply fn atomically (no other Update of the same job in
// between) and store the job it leaves; an error from fn leaves the job unchanged. fn may be
// called more than once (an optimistic store calls it again after a conflict): only the job
// its last call leaves is stored. Running
// lists the ids of jobs whose State is Running. Recent returns the owner's latest jobs (by
// Created, newest first), at most n. A store forgets a job some time after its last change
// (a day by default); Get then answers ErrNotFound. bulktest.RunConformance checks a Store.
type Store interface {
	Create(ctx context.Context, j Job) error
	Get(ctx context.Context, id string) (Job, error)
	Update(ctx context.Context, id string, fn func(*Job) error) (Job, error)
	Running(ctx context.Context) ([]string, error)
	Recent(ctx context.Context, owner string, n int) ([]Job, error)
}

// Step changes one user and says what happened: Done, Failed or Skipped, with the reason in
// words for the last two. label, when not empty, names the user in the results. A step must
// not panic; ctx ends when the runner stops.
type Step func(ctx context.Context, userID string) (outcome Outcome, reason, label string)

// Runner runs jobs. Set the fields, then call Start or Resume; the zero value of the optional
// fields is a sensible default.
type Runner struct {
	Store Store
	// Name identifies this runner in the jobs' leases (a replica's name); default random.
	Name string
	// Workers is how many users are changed at once (default 4): the Management API budget
	// paces them anyway.
	Workers int
	// Lease is how long a job is held without renewal (default 30 s); it is renewed at every
	// flush.
	Lease time.Duration
	// Flush is how often progress is written to the store at most (default 250 ms); a user's
	// start is always written before its step.
	Flush time.Duration
	Now   func() time.Time
	Log   *slog.Logger
	// OnEnd, when set, is told of a job that ended (finished, or cancelled) while this runner
	// held it, once, with the job as stored: the dashboard records the job's end in its audit
	// trail. A job whose runner stopped is told of by the runner that resumes it; one cancelled
	// while no runner held it, by Cancel.
	OnEnd func(ctx context.Context, j Job)

	once    sync.Once
	mu      sync.Mutex
	cancels map[string]context.CancelFunc // jobs running here
	wg      sync.WaitGroup
}

func (r *Runner) init() {
	r.once.Do(func() {
		if r.Name == "" {
			r.Name = "runner-" + newID()[:8]
		}
		if r.Workers <= 0 {
			r.Workers = 4
		}
		if r.Lease <= 0 {
			r.Lease = 30 * time.Second
		}
		if r.Flush <= 0 {
			r.Flush = 250 * time.Millisecond
		}
		if r.Now == nil {
			r.Now = time.Now
		}
		if r.Log == nil {
			r.Log = slog.New(slog.DiscardHandler)
		}
		r.cancels = map[string]context.CancelFunc{}
	})
}

// NewJob returns a running job of users (each once, in order) with a fresh id.
func NewJob(owner, action, title string, params map[string]string, userIDs []string, now time.Time) Job {
	seen := map[string]bool{}
	var items []Item
	for _, id := range userIDs {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		items = append(items, Item{UserID: id})
	}
	return Job{ID: newID(), Owner: owner, Action: action, Title: title, Params: params, Items: items,
		State: Running, Created: now, Updated: now}
}

// StartDraft runs a draft job that the store holds. prepare, when not nil, checks and
// completes the draft first (its params, title); its error leaves the draft as it was and is
// returned. A job that is no longer a draft gives ErrNotDraft. It returns the job as started.
func (r *Runner) StartDraft(ctx context.Context, id string, prepare func(*Job) error, step Step) (Job, error) {
	r.init()
	j, err := r.Store.Update(ctx, id, func(j *Job) error {
		if j.State != Draft {
			return ErrNotDraft
		}
		if prepare != nil {
			if err := prepare(j); err != nil {
				return err
			}
		}
		now := r.Now()
		j.State, j.Runner, j.LeaseUntil, j.Updated = Running, r.Name, now.Add(r.Lease), now
		return nil
	})
	if err != nil {
		return Job{}, err
	}
	r.spawn(ctx, id, step)
	return j, nil
}

// Start stores the job and runs it in the background, in ctx (which bounds the whole job: the
// dashboard passes one that ends at shutdown). It returns once the job is stored.
func (r *Runner) Start(ctx context.Context, j Job, step Step) error {
	r.init()
	j.Runner, j.LeaseUntil = r.Name, r.Now().Add(r.Lease)
	if err := r.Store.Create(ctx, j); err != nil {
		return fmt.Errorf("bulk: store the job: %w", err)
	}
	r.spawn(ctx, j.ID, step)
	return nil
}

// Resume takes over the running jobs whose lease has ended (their runner stopped) and runs the
// users not yet started; users started but not finished are recorded as failed with their
// outcome unknown. stepFor builds each job's step from its action and params (nil: the job is
// left alone).
func (r *Runner) Resume(ctx context.Context, stepFor func(Job) Step) (int, error) {
	r.init()
	ids, err := r.Store.Running(ctx)
	if err != nil {
		return 0, fmt.Errorf("bulk: list running jobs: %w", err)
	}
	n := 0
	for _, id := range ids {
		var step Step
		_, err := r.Store.Update(ctx, id, func(j *Job) error {
			now := r.Now()
			if j.State != Running || (j.Runner != r.Name && now.Before(j.LeaseUntil)) {
				return ErrHeld
			}
			if step = stepFor(*j); step == nil {
				return ErrHeld
			}
			for i := range j.Items {
				if j.Items[i].Outcome == Started {
					j.Items[i].Outcome, j.Items[i].Reason = Failed, "The outcome is unknown: the server running the job stopped during this change. Check this user before trying again."
				}
			}
			j.Runner, j.LeaseUntil, j.Updated = r.Name, now.Add(r.Lease), now
			return nil
		})
		if errors.Is(err, ErrHeld) || errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("bulk: resume %s: %w", id, err)
		}
		r.spawn(ctx, id, step)
		n++
	}
	return n, nil
}

// Cancel stops the job: no user is started after it (a draft is discarded). It returns the
// job as stored.
func (r *Runner) Cancel(ctx context.Context, id string) (Job, error) {
	return r.Stop(ctx, id, "")
}

// Stop is Cancel by the dashboard rather than the job's owner: why says, in words, why the
// job was stopped (Job.Stopped).
func (r *Runner) Stop(ctx context.Context, id, why string) (Job, error) {
	r.init()
	orphan := false // running, and no runner holds it: nobody else will tell OnEnd
	j, err := r.Store.Update(ctx, id, func(j *Job) error {
		orphan = false
		if j.State == Running || j.State == Draft {
			now := r.Now()
			orphan = j.State == Running && now.After(j.LeaseUntil)
			j.State, j.Updated, j.Stopped = Cancelled, now, why
		}
		return nil
	})
	if err != nil {
		return Job{}, err
	}
	r.mu.Lock()
	if cancel := r.cancels[id]; cancel != nil {
		cancel() // wakes the workers at once; the running steps keep their own context
	}
	r.mu.Unlock()
	if orphan && r.OnEnd != nil {
		r.OnEnd(ctx, j)
	}
	return j, nil
}

// Wait blocks until every job this runner started or resumed has stopped.
func (r *Runner) Wait() { r.init(); r.wg.Wait() }

// spawn runs the job's pending users in the background.
func (r *Runner) spawn(ctx context.Context, id string, step Step) {
	stop, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.mu.Lock()
	r.cancels[id] = cancel
	r.mu.Unlock()
	r.wg.Go(func() {
		defer func() {
			r.mu.Lock()
			delete(r.cancels, id)
			r.mu.Unlock()
			cancel()
		}()
		j, err := r.run(ctx, stop, id, step)
		if err != nil {
			r.Log.Error("bulk job stopped", "job", id, "err", err)
		}
		if j.Over() && j.Runner == r.Name && r.OnEnd != nil {
			r.OnEnd(context.WithoutCancel(ctx), j)
		}
	})
}

// run works through the job and returns it as it left it in the store. stop ends when it is
// cancelled here; ctx when the process stops (the job's lease then runs out and another runner
// may resume it).
func (r *Runner) run(ctx, stop context.Context, id string, step Step) (Job, error) {
	j, err := r.Store.Get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	p := &progress{r: r, id: id, pending: map[int]Item{}}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(r.Workers, len(j.Items)) {
		wg.Go(func() {
			for i := range next {
				userID := j.Items[i].UserID
				if err := p.start(ctx, i, userID); err != nil {
					p.fail(err)
					continue
				}
				outcome, reason, label := step(ctx, userID)
				if ctx.Err() != nil && outcome != Done && outcome != Skipped {
					// Stopped during the change: whether Auth0 made it is unknown. The item
					// stays started, and a runner that resumes the job says so.
					continue
				}
				p.finish(i, Item{UserID: userID, Label: label, Outcome: outcome, Reason: reason})
			}
		})
	}
	go p.flushEvery(ctx, stop)
feed:
	for i, it := range j.Items {
		if it.Outcome != Pending {
			continue
		}
		select {
		case next <- i:
		case <-stop.Done():
			break feed
		case <-ctx.Done():
			break feed
		}
		if p.stopped() {
			break
		}
	}
	close(next)
	wg.Wait()
	return p.end(ctx)
}

// progress collects a running job's results and writes them to the store.
type progress struct {
	r  *Runner
	id string

	mu      sync.Mutex
	pending map[int]Item // finished, not yet written
	over    bool         // the stored job is no longer running (cancelled elsewhere)
	err     error
}

// start writes, synchronously, that item i is being changed: a resumed job will not run it again.
// It refuses when the job is no longer running here.
func (p *progress) start(ctx context.Context, i int, userID string) error {
	_, err := p.write(ctx, func(j *Job) error {
		if j.State != Running || j.Runner != p.r.Name {
			return ErrHeld
		}
		if i >= len(j.Items) || j.Items[i].UserID != userID || j.Items[i].Outcome != Pending {
			return fmt.Errorf("bulk: item %d of job %s is not pending", i, p.id)
		}
		j.Items[i].Outcome = Started
		return nil
	})
	if errors.Is(err, ErrHeld) {
		p.mu.Lock()
		p.over = true
		p.mu.Unlock()
	}
	return err
}

// finish records an item's result, written at the next flush.
func (p *progress) finish(i int, it Item) {
	if it.Outcome != Done && it.Outcome != Failed && it.Outcome != Skipped {
		it.Outcome, it.Reason = Failed, "The change gave no outcome."
	}
	p.mu.Lock()
	p.pending[i] = it
	p.mu.Unlock()
}

// fail notes a store error; the job stops feeding users.
func (p *progress) fail(err error) {
	if errors.Is(err, ErrHeld) {
		return
	}
	p.mu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.over = true
	p.mu.Unlock()
}

// stopped reports whether no more users should start.
func (p *progress) stopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.over
}

// write updates the stored job: the finished items not written yet go into it, the lease is
// renewed, then fn may change it more or refuse (its error is returned, nothing is written).
// The finished items are forgotten only once the store took them: an optimistic store may call
// its function more than once, and a refused write keeps them for the next.
func (p *progress) write(ctx context.Context, fn func(j *Job) error) (Job, error) {
	var applied []int
	j, err := p.r.Store.Update(ctx, p.id, func(j *Job) error {
		applied = applied[:0]
		p.mu.Lock()
		for i, it := range p.pending {
			if i < len(j.Items) {
				if it.Label == "" {
					it.Label = j.Items[i].Label // the step had no better name: keep the one given at the start
				}
				j.Items[i] = it
			}
			applied = append(applied, i)
		}
		p.mu.Unlock()
		now := p.r.Now()
		j.LeaseUntil, j.Updated = now.Add(p.r.Lease), now
		return fn(j)
	})
	if err == nil {
		p.mu.Lock()
		for _, i := range applied {
			delete(p.pending, i) // an item finishes once: what was applied is what is there
		}
		p.mu.Unlock()
	}
	return j, err
}

// flush writes the finished items and learns whether the job was cancelled elsewhere.
func (p *progress) flush(ctx context.Context) {
	j, err := p.write(ctx, func(j *Job) error {
		if j.Runner != p.r.Name {
			return ErrHeld
		}
		return nil
	})
	if err != nil || j.State != Running {
		p.mu.Lock()
		p.over = true
		p.mu.Unlock()
	}
	if err != nil && !errors.Is(err, ErrHeld) {
		p.r.Log.Warn("bulk job progress not stored", "job", p.id, "err", err)
	}
}

// flushEvery flushes until the job stops.
func (p *progress) flushEvery(ctx, stop context.Context) {
	t := time.NewTicker(p.r.Flush)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.flush(ctx)
		case <-stop.Done():
			return
		case <-ctx.Done():
			return
		}
	}
}

// end writes the last results and, when every user has one, finishes the job. It returns the
// job as stored (the zero Job when another runner holds it).
func (p *progress) end(ctx context.Context) (Job, error) {
	j, err := p.write(context.WithoutCancel(ctx), func(j *Job) error {
		if j.Runner != p.r.Name {
			return ErrHeld
		}
		if j.State == Running && j.Counts().Pending == 0 {
			j.State = Finished
		}
		return nil
	})
	if errors.Is(err, ErrHeld) {
		err = nil
	}
	if err == nil {
		p.mu.Lock()
		err = p.err
		p.mu.Unlock()
	}
	return j, err
}

// newID returns 128 random bits in hex.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}
