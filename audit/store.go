package audit

import (
	"context"
	"fmt"
	"iter"
	"time"
)

// Sink receives events. Append stores or writes e and returns an error when it could not:
// the Recorder then refuses the change (an attempt) or reports the loss (an outcome). A store
// sets e.ID when empty, and e.Seq, e.Prev and e.Hash.
type Sink interface {
	Append(ctx context.Context, e *Event) error
}

// Store is the durable audit trail: SQLite or PostgreSQL behind one implementation (*DB).
// Consumers declare the part they use (a page that reads needs Query and Get; the CLI Verify
// and Prune).
type Store interface {
	Sink
	// Query returns one page of records matching f, newest first, after the cursor (an
	// opaque string from the previous page's Next; "" for the first page). limit is clamped
	// to [1, MaxPage].
	Query(ctx context.Context, f Filter, cursor string, limit int) (Page, error)
	// Records iterates over every record matching f, newest first, reading in batches: the
	// caller streams them (CSV export) without holding the result in memory.
	Records(ctx context.Context, f Filter) iter.Seq2[Record, error]
	// Get returns the record of one event id (an attempt, or a standalone outcome; an
	// outcome's id returns its attempt's record). ErrNotFound when there is none.
	Get(ctx context.Context, id string) (Record, error)
	// Verify walks the hash chain from the newest checkpoint and reports the first break.
	Verify(ctx context.Context, opts VerifyOptions) (Report, error)
	// Prune removes the events older than before, leaving a checkpoint so that what remains
	// still verifies, and records an audit.prune event.
	Prune(ctx context.Context, before time.Time) (PruneResult, error)
	// Probe writes to the store outside the chain: the health check of the write path.
	Probe(ctx context.Context) error
	// Ping checks that the store answers reads.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// MaxPage is the largest page Query returns.
const MaxPage = 500

// Filter selects records. Zero fields select everything.
type Filter struct {
	// Actor is a person's subject (exact).
	Actor string
	// ActorEmail is a person's e-mail (exact, as the ID token had it).
	ActorEmail string
	// Target is a target user id (exact). A create matches through its outcome, which names
	// the new user.
	Target string
	// Names are event names; a name ending in ".*" matches every name with that prefix
	// ("denied.*").
	Names []Name
	// Outcomes are final outcomes (success, failure, denied, pending, unknown).
	Outcomes []Outcome
	// Since and Until bound the record's time (its attempt's): Since <= time < Until.
	Since, Until time.Time
}

// Record is one line of the trail as people read it: an attempt with its outcome, or an event
// that happened at once (a refusal, a sign-in).
type Record struct {
	// Event is the attempt, or the standalone outcome.
	Event Event
	// Result is the attempt's outcome event; nil for a standalone event or while none exists.
	Result *Event
	// Outcome is the final outcome: the result's, the standalone event's, or pending / unknown
	// for an attempt without an outcome.
	Outcome Outcome
}

// Summary is the record as one event: the attempt with the final outcome, the result's target
// when the attempt had none (a create), and the details of both (the result's win). Describe
// it for the record in words.
func (r Record) Summary() Event {
	e := r.Event
	e.Outcome = r.Outcome
	if r.Result != nil {
		if e.Target.UserID == "" {
			e.Target.UserID = r.Result.Target.UserID
		}
		if e.Target.Label == "" {
			e.Target.Label = r.Result.Target.Label
		}
		e.Details = mergeDetails(e.Details, r.Result.Details)
	}
	return e
}

func mergeDetails(a, b Details) Details {
	if len(b) == 0 {
		return a
	}
	out := make(Details, 0, len(a)+len(b))
	for _, x := range a {
		if b.Get(x.Key) == nil {
			out = append(out, x)
		}
	}
	out = append(out, b...)
	return out.normalize()
}

// Page is one page of Query.
type Page struct {
	Records []Record
	// Next is the cursor of the following page, "" on the last page.
	Next string
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Anchor, when set, is a (seq, hash) pair recorded elsewhere (the JSON log carries one per
	// stored event): the chain must hold that hash at that seq. It is what shows a chain
	// rewritten from end to end by someone who could recompute every hash.
	Anchor *Anchor
}

// Anchor is an event's position and hash, as recorded outside the store.
type Anchor struct {
	Seq  int64
	Hash string
}

// ParseAnchor reads "SEQ:HASH".
func ParseAnchor(s string) (Anchor, error) {
	var a Anchor
	if _, err := fmt.Sscanf(s, "%d:%64s", &a.Seq, &a.Hash); err != nil || a.Seq < 1 || len(a.Hash) != 64 {
		return Anchor{}, fmt.Errorf("audit: anchor %q is not SEQ:HASH (a positive number, a colon, 64 hex digits)", s)
	}
	return a, nil
}

// Report is what Verify found.
type Report struct {
	// Events is how many events were checked; First and Last their seq range.
	Events      int64
	First, Last int64
	// Head is the hash of the last event (or of the checkpoint when none remains).
	Head string
	// Checkpoint is the retention checkpoint the walk started from, if any.
	Checkpoint *Checkpoint
	// AnchorChecked says the anchor's seq was among the events checked (and matched, unless
	// Break says otherwise). An anchor older than the checkpoint cannot be checked.
	AnchorChecked bool
	// Break is the first place where the chain does not hold; nil when it is intact.
	Break *Break
}

// OK reports whether the chain is intact.
func (r Report) OK() bool { return r.Break == nil }

// Break is where the chain stops holding.
type Break struct {
	// Seq is the chain position of the first event that does not verify (or is missing).
	Seq int64
	// EventID is that event's id, "" when it is missing.
	EventID string
	// Reason says what is wrong, in words.
	Reason string
}

// String says where the chain breaks and why: "event #5 (id …): its content does not match…".
func (b *Break) String() string {
	if b.EventID == "" {
		return fmt.Sprintf("event #%d: %s", b.Seq, b.Reason)
	}
	return fmt.Sprintf("event #%d (id %s): %s", b.Seq, b.EventID, b.Reason)
}

// Checkpoint is a retention checkpoint: events before Seq were removed.
type Checkpoint struct {
	Seq     int64
	Prev    string // the hash the event at Seq chains from
	Cutoff  time.Time
	Deleted int64
	Created time.Time
}

// PruneResult is what Prune did.
type PruneResult struct {
	// Deleted is how many events were removed (0: nothing was old enough).
	Deleted int64
	// Checkpoint is the new checkpoint, nil when nothing was removed.
	Checkpoint *Checkpoint
}
