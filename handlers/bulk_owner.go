package handlers

// A bulk job's owner is checked as a signed-in person is (revalidate.go): a job may run for
// minutes, and the access it was started with may be taken away meanwhile. The owner's tenant
// record is read again at the job's first user (also after a resume) and then every
// RevalidateEvery: a role lost narrows what the job may do to the users after it, and an
// account blocked, deleted or left without a dashboard role stops the job. A check that fails
// holds the job and is tried again twice (ownerRetry) before that user fails (access not
// confirmed); the next user checks again. Their running jobs
// also stop at once when a session's check ends their access, when an admin signs them out
// everywhere, and when they sign out everywhere themselves.

import (
	"context"
	"sync"
	"time"

	"userdesk/audit"
	"userdesk/bulk"
	"userdesk/policy"
)

// jobStoppedReasons say why a job was stopped (bulk.Job.Stopped), by the reason its owner's
// access ended.
var jobStoppedReasons = map[accessEnded]string{
	endedBlocked: "its owner's account was blocked in the tenant",
	endedDeleted: "its owner's account no longer exists in the tenant",
	endedNoRole:  "its owner no longer holds a role that gives access to userdesk",
}

// Why jobs stop when their owner's sessions are all ended (stopJobsOf).
const (
	stoppedByAdmin = "an administrator signed its owner out everywhere"
	stoppedByOwner = "its owner signed out everywhere"
)

// ownerRetry and ownerRetries: a failed check of a job's owner is tried again after 2 s, then
// 4 s, before the user it was made for fails (as "access not confirmed").
const (
	ownerRetry   = 2 * time.Second
	ownerRetries = 2
)

// jobOwner is a running job's owner as last checked.
type jobOwner struct {
	mu        sync.Mutex
	me        identity
	checkedAt time.Time   // zero: not checked yet in this run
	ended     accessEnded // set once the owner's access ended: the job stops
}

// newJobOwner is the owner of j, to be checked at the job's first user.
func newJobOwner(j bulk.Job) *jobOwner { return &jobOwner{me: jobIdentity(j)} }

// ownerNow returns the owner's groups to decide the next user with, checking the owner's access
// when it is due; ended says the job must stop, err that access could not be confirmed.
func (s *server) ownerNow(ctx context.Context, j bulk.Job, o *jobOwner) (staff policy.Staff, ended accessEnded, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ended != "" {
		return policy.Staff{}, o.ended, nil
	}
	now := s.now()
	if s.revalidateEvery < 0 || (!o.checkedAt.IsZero() && now.Sub(o.checkedAt) < s.revalidateEvery) {
		return s.staffOf(o.me), "", nil
	}
	kept, ended, err := s.checkAccess(ctx, o.me)
	// A check that fails holds the job (the other workers wait on o.mu) and is tried again
	// after ownerRetry, twice, before the user fails: a short outage of Auth0 (or a run of
	// 429s the job itself caused) does not fail every user that follows.
	for try := 0; err != nil && try < ownerRetries; try++ {
		s.log.Warn("could not check a bulk job's owner's access; trying again", "err", err, "job", j.ID, "actor_sub", o.me.Subject)
		select {
		case <-ctx.Done():
			return policy.Staff{}, "", ctx.Err()
		case <-time.After(ownerRetry << try):
		}
		kept, ended, err = s.checkAccess(ctx, o.me)
	}
	switch {
	case err != nil:
		s.log.Warn("could not check a bulk job's owner's access", "err", err, "job", j.ID, "actor_sub", o.me.Subject)
		return policy.Staff{}, "", err
	case ended != "":
		o.ended = ended
		s.stopJob(ctx, j.ID, o.me.Subject, jobStoppedReasons[ended])
		return policy.Staff{}, ended, nil
	}
	if len(kept) < len(o.me.Claims) {
		narrowed := o.me
		narrowed.Claims = kept
		from, to := groupsWords(s.staffOf(o.me)), groupsWords(s.staffOf(narrowed))
		s.log.Info("bulk job's access narrowed", "job", j.ID, "actor_sub", o.me.Subject, "from", from, "to", to)
		s.recordJobEvent(ctx, j, o.me, audit.SessionAccessNarrowed, o.me.Subject, audit.String("from", from), audit.String("to", to))
		o.me = narrowed
	}
	o.checkedAt = now
	return s.staffOf(o.me), "", nil
}

// stopJob stops the job id of the person sub, saying why (bulk.Job.Stopped).
func (s *server) stopJob(ctx context.Context, id, sub, why string) {
	s.log.Warn("bulk job stopped", "job", id, "actor_sub", sub, "reason", why)
	if _, err := s.runner.Stop(context.WithoutCancel(ctx), id, why); err != nil {
		s.log.Error("stop a bulk job", "err", err, "job", id)
	}
}

// recordJobEvent records an event of job j under its owner (as the groups they hold), about
// the user target ("" for the job itself).
func (s *server) recordJobEvent(ctx context.Context, j bulk.Job, owner identity, name audit.Name, target string, details ...audit.Attr) {
	e := audit.Event{Name: name, Outcome: audit.OutcomeSuccess,
		Actor:     audit.Actor{Subject: owner.Subject, Email: owner.Email, Name: owner.Name, Groups: s.staffOf(owner).Groups()},
		Target:    audit.Target{UserID: target},
		RequestID: j.ID, IP: j.Params[paramIP], Route: "bulk " + j.Action + " " + j.ID,
		Details: append([]audit.Attr{audit.String("job", j.ID)}, details...)}
	if err := s.rec.Record(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("audit event not recorded", "err", err, "event", string(e.Name), "job", j.ID)
	}
}

// stopJobsOf stops the running jobs of the person sub (why: in words, for bulk.Job.Stopped).
// A failure is logged: the jobs' own checks stop them at their next user anyway when access
// ended, and nothing else waits on this.
func (s *server) stopJobsOf(ctx context.Context, sub, why string) {
	// Every running job (a short list), not the person's latest: a job started before many
	// small ones must stop too.
	ids, err := s.runner.Store.Running(ctx)
	if err != nil {
		s.log.Error("list the running bulk jobs to stop a person's", "err", err, "actor_sub", sub)
		return
	}
	for _, id := range ids {
		j, err := s.runner.Store.Get(ctx, id)
		if err != nil {
			s.log.Error("read a running bulk job", "err", err, "job", id)
			continue
		}
		if j.Owner != sub || j.State != bulk.Running {
			continue
		}
		s.stopJob(ctx, j.ID, sub, why)
	}
}
