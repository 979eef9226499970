package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAppendQueryRoundTrip stores an attempt with its outcome and a standalone refusal, and
// reads them back whole: one record per change, newest first, every field as written.
func TestAppendQueryRoundTrip(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		clk := newClock()
		db := e.open(t, Options{Now: clk.Now})
		rec := NewRecorder(RecorderOptions{Sinks: []Sink{db}, Now: clk.Now})
		ctx := context.Background()

		a := change(t, rec, UserRolesAdd, hal, ada, OutcomeSuccess, Strings("roles", []string{"rol_1", "rol_2"}))
		clk.Add(time.Second)
		if err := rec.Record(ctx, Event{Name: Denied("deleteUsers"), Outcome: OutcomeDenied, Actor: hal, Target: bob,
			Details: Details{String("reason", "role does not allow deleteUsers")}}); err != nil {
			t.Fatal(err)
		}

		p, err := db.Query(ctx, Filter{}, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(p.Records); !slices.Equal(got, []string{"denied.deleteUsers:denied", "user.roles.add:success"}) {
			t.Fatalf("records = %v", got)
		}
		if p.Next != "" {
			t.Errorf("Next = %q on the only page", p.Next)
		}
		r := p.Records[1]
		ev := r.Event
		if ev.ID != a.Event.ID || ev.Phase != PhaseAttempt || ev.Outcome != OutcomeAttempt || ev.Seq != 1 {
			t.Errorf("attempt = %+v", ev)
		}
		if ev.Actor.Subject != hal.Subject || ev.Actor.Email != hal.Email || ev.Actor.Name != hal.Name ||
			!slices.Equal(ev.Actor.Groups, hal.Groups) || ev.Target != ada || ev.IP != "203.0.113.7" ||
			ev.Route != "POST /users/:id/x" || ev.RequestID != "req-user.roles.add" {
			t.Errorf("attempt fields = %+v", ev)
		}
		if want := newClock().Now().Truncate(time.Microsecond); !ev.Time.Equal(want) || ev.Time.Location() != time.UTC {
			t.Errorf("time = %v, want %v UTC", ev.Time, want)
		}
		if roles, _ := r.Summary().Details.Get("roles").([]string); !slices.Equal(roles, []string{"rol_1", "rol_2"}) {
			t.Errorf("details = %v", r.Summary().Details)
		}
		if r.Result == nil || r.Result.AttemptID != a.Event.ID || r.Result.Outcome != OutcomeSuccess || r.Result.Seq != 2 {
			t.Fatalf("result = %+v", r.Result)
		}
		if r.Event.Hash == "" || r.Result.Prev != r.Event.Hash {
			t.Errorf("the outcome does not chain from the attempt: prev %q, attempt hash %q", r.Result.Prev, r.Event.Hash)
		}
		d := p.Records[0]
		if d.Result != nil || d.Event.Phase != PhaseOutcome || d.Event.Target != bob || d.Event.Details.Get("reason") != "role does not allow deleteUsers" {
			t.Errorf("refusal = %+v", d)
		}

		got, err := db.Get(ctx, r.Result.ID) // an outcome's id finds its change
		if err != nil || got.Event.ID != a.Event.ID || got.Outcome != OutcomeSuccess {
			t.Errorf("Get(outcome id) = %+v, %v", got, err)
		}
		if _, err := db.Get(ctx, newID()); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(unknown) err = %v, want ErrNotFound", err)
		}
		if rep := mustVerify(t, db); rep.Events != 3 || rep.First != 1 || rep.Last != 3 {
			t.Errorf("report = %+v", rep)
		}
	})
}

// TestFilters selects records by actor, target, event name and prefix, outcome and time range.
func TestFilters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		clk := newClock()
		db := e.open(t, Options{Now: clk.Now, PendingFor: time.Minute})
		rec := NewRecorder(RecorderOptions{Sinks: []Sink{db}, Now: clk.Now})
		ctx := context.Background()
		t0 := clk.Now()

		change(t, rec, UserBlock, hal, ada, OutcomeSuccess) // t0
		clk.Add(time.Hour)
		change(t, rec, UserFactorsReset, hal, bob, OutcomeFailure, Int("auth0_status", 429)) // t0+1h
		clk.Add(time.Hour)
		created := change(t, rec, UserCreate, amy, Target{}, "") // t0+2h, target known after the call
		created.Event.Target = Target{UserID: "auth0|new", Label: "New Person"}
		if err := rec.Outcome(ctx, created, OutcomeSuccess, String("connection", "db")); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
		if err := rec.Record(ctx, Event{Name: Denied("assignRoles"), Outcome: OutcomeDenied, Actor: hal, Target: ada}); err != nil {
			t.Fatal(err)
		}
		change(t, rec, UserDelete, amy, bob, "") // t0+3h, no outcome
		clk.Add(10 * time.Minute)
		change(t, rec, UserUnblock, amy, ada, "") // t0+3h10m, no outcome yet (pending)

		cases := []struct {
			name string
			f    Filter
			want []string
		}{
			{"all", Filter{}, []string{"user.unblock:pending", "user.delete:unknown", "denied.assignRoles:denied", "user.create:success", "user.factors.reset:failure", "user.block:success"}},
			{"actor by subject", Filter{Actor: hal.Subject}, []string{"denied.assignRoles:denied", "user.factors.reset:failure", "user.block:success"}},
			{"actor by e-mail", Filter{ActorEmail: amy.Email}, []string{"user.unblock:pending", "user.delete:unknown", "user.create:success"}},
			{"target", Filter{Target: ada.UserID}, []string{"user.unblock:pending", "denied.assignRoles:denied", "user.block:success"}},
			{"target named by the outcome only", Filter{Target: "auth0|new"}, []string{"user.create:success"}},
			{"names", Filter{Names: []Name{UserBlock, UserDelete}}, []string{"user.delete:unknown", "user.block:success"}},
			{"name prefix", Filter{Names: []Name{"denied.*"}}, []string{"denied.assignRoles:denied"}},
			{"prefix and name", Filter{Names: []Name{"denied.*", UserCreate}}, []string{"denied.assignRoles:denied", "user.create:success"}},
			{"outcome failure", Filter{Outcomes: []Outcome{OutcomeFailure}}, []string{"user.factors.reset:failure"}},
			{"outcome unknown", Filter{Outcomes: []Outcome{OutcomeUnknown}}, []string{"user.delete:unknown"}},
			{"outcome pending or denied", Filter{Outcomes: []Outcome{OutcomePending, OutcomeDenied}}, []string{"user.unblock:pending", "denied.assignRoles:denied"}},
			{"since", Filter{Since: t0.Add(2 * time.Hour)}, []string{"user.unblock:pending", "user.delete:unknown", "denied.assignRoles:denied", "user.create:success"}},
			{"since until", Filter{Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)}, []string{"user.create:success", "user.factors.reset:failure"}},
			{"all together", Filter{Actor: hal.Subject, Target: bob.UserID, Names: []Name{UserFactorsReset}, Outcomes: []Outcome{OutcomeFailure}, Since: t0, Until: t0.Add(2 * time.Hour)}, []string{"user.factors.reset:failure"}},
			{"nothing", Filter{Actor: "nobody"}, nil},
			{"since after everything", Filter{Since: t0.Add(10 * time.Hour)}, nil},
			{"until before everything", Filter{Until: t0.Add(-time.Hour)}, nil},
			{"until only", Filter{Until: t0.Add(time.Hour)}, []string{"user.block:success"}},
		}
		for _, c := range cases {
			p, err := db.Query(ctx, c.f, "", 50)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := names(p.Records); !slices.Equal(got, c.want) {
				t.Errorf("%s:\n got  %v\n want %v", c.name, got, c.want)
			}
		}
		// The create's record carries the new user as its target once summarized.
		p, _ := db.Query(ctx, Filter{Names: []Name{UserCreate}}, "", 1)
		if s := p.Records[0].Summary(); s.Target.UserID != "auth0|new" || s.Details.Get("connection") != "db" {
			t.Errorf("create summary = %+v", s)
		}
	})
}

// TestPaging walks 25 records in pages of 10 with the keyset cursor, newest first, while new
// events keep arriving, and refuses a forged cursor.
func TestPaging(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		db := e.open(t, Options{})
		rec := NewRecorder(RecorderOptions{Sinks: []Sink{db}})
		ctx := context.Background()
		var want []string
		for i := range 25 {
			a := change(t, rec, UserBlock, hal, Target{UserID: fmt.Sprintf("auth0|%02d", i)}, OutcomeSuccess)
			want = append([]string{a.Event.ID}, want...)
		}
		var got []string
		cursor, pages := "", 0
		for {
			p, err := db.Query(ctx, Filter{}, cursor, 10)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, r := range p.Records {
				got = append(got, r.Event.ID)
			}
			change(t, rec, UserUnblock, hal, ada, OutcomeSuccess) // newer events do not shift the pages
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		if pages != 3 || !slices.Equal(got, want) {
			t.Fatalf("pages = %d, ids in order = %v, want %v", pages, len(got) == len(want) && slices.Equal(got, want), want)
		}
		for _, bad := range []string{"x", "Yzk5OQ!", "YzA", "ZjEw"} {
			if _, err := db.Query(ctx, Filter{}, bad, 10); !errors.Is(err, ErrCursor) {
				t.Errorf("cursor %q: err = %v, want ErrCursor", bad, err)
			}
		}
		if p, err := db.Query(ctx, Filter{}, "", 100000); err != nil || len(p.Records) > MaxPage {
			t.Errorf("limit is not clamped: %d records, %v", len(p.Records), err)
		}
	})
}

// TestOutcomeUnknown: an attempt without an outcome is pending for PendingFor, then unknown.
func TestOutcomeUnknown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		clk := newClock()
		db := e.open(t, Options{Now: clk.Now, PendingFor: 2 * time.Minute})
		rec := NewRecorder(RecorderOptions{Sinks: []Sink{db}, Now: clk.Now})
		a := change(t, rec, UserFactorsReset, hal, ada, "")
		outcome := func() Outcome {
			r, err := db.Get(context.Background(), a.Event.ID)
			if err != nil {
				t.Fatal(err)
			}
			return r.Outcome
		}
		if o := outcome(); o != OutcomePending {
			t.Errorf("just after the attempt: %s, want pending", o)
		}
		clk.Add(2 * time.Minute)
		if o := outcome(); o != OutcomeUnknown {
			t.Errorf("after PendingFor: %s, want unknown", o)
		}
		r, _ := db.Get(context.Background(), a.Event.ID)
		if got := Describe(r.Summary(), nil); got != "Hal Helpdesk tried to reset all MFA factors of Ada Lovelace (outcome unknown)" {
			t.Errorf("described as %q", got)
		}
		// A second outcome for one attempt is refused by the store.
		if err := rec.Outcome(context.Background(), a, OutcomeSuccess); err != nil {
			t.Fatal(err)
		}
		if err := rec.Outcome(context.Background(), a, OutcomeFailure); err == nil {
			t.Error("a second outcome for the same attempt was stored")
		}
	})
}

// TestConcurrentAppends: goroutines on two replicas (two DBs on one database) append at once;
// every event gets its own seq and the chain verifies.
func TestConcurrentAppends(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		replicas := []*Recorder{
			NewRecorder(RecorderOptions{Sinks: []Sink{e.open(t, Options{})}}),
			NewRecorder(RecorderOptions{Sinks: []Sink{e.open(t, Options{})}}),
		}
		const goroutines, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, goroutines*each)
		for g := range goroutines {
			wg.Go(func() {
				rec := replicas[g%2]
				for i := range each {
					a, err := rec.Attempt(context.Background(), Event{Name: UserBlock, Actor: hal,
						Target: Target{UserID: fmt.Sprintf("auth0|%d-%d", g, i)}})
					if err != nil {
						errs <- err
						return
					}
					if err := rec.Outcome(context.Background(), a, OutcomeSuccess); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		db := e.open(t, Options{})
		if rep := mustVerify(t, db); rep.Events != 2*goroutines*each {
			t.Fatalf("verified %d events, want %d", rep.Events, 2*goroutines*each)
		}
		n := 0
		for r, err := range db.Records(context.Background(), Filter{}) {
			if err != nil || r.Outcome != OutcomeSuccess {
				t.Fatalf("record %+v, %v", r, err)
			}
			n++
		}
		if n != goroutines*each {
			t.Fatalf("%d records, want %d", n, goroutines*each)
		}
	})
}

// TestVerifyFindsTampering: editing or deleting any event makes Verify fail at that event; a
// chain rewritten whole (every hash recomputed) is caught by an anchor from the log.
func TestVerifyFindsTampering(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		ctx := context.Background()
		setup := func(t *testing.T) (*engine, *DB, []*Attempt) {
			e := newEngineLike(t, e)
			db := e.open(t, Options{})
			rec := NewRecorder(RecorderOptions{Sinks: []Sink{db}})
			var as []*Attempt
			for i := range 5 {
				as = append(as, change(t, rec, UserBlock, hal, Target{UserID: fmt.Sprintf("auth0|%d", i)}, OutcomeSuccess))
			}
			mustVerify(t, db)
			return e, db, as
		}
		breakAt := func(t *testing.T, db *DB, opts VerifyOptions) *Break {
			t.Helper()
			rep, err := db.Verify(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("Verify passed a tampered chain")
			}
			return rep.Break
		}
		t.Run("edit", func(t *testing.T) {
			eng, db, as := setup(t)
			eng.tamper(t, `UPDATE audit_events SET target_user_id = 'auth0|someone-else' WHERE seq = 5`)
			b := breakAt(t, db, VerifyOptions{})
			if b.Seq != 5 || b.EventID != as[2].Event.ID || !strings.Contains(b.Reason, "changed") {
				t.Errorf("break = %s, want #5 (%s) changed", b, as[2].Event.ID)
			}
		})
		t.Run("edit details", func(t *testing.T) {
			eng, db, _ := setup(t)
			eng.tamper(t, `UPDATE audit_events SET details = '{"reason":"nothing to see"}' WHERE seq = 8`)
			if b := breakAt(t, db, VerifyOptions{}); b.Seq != 8 {
				t.Errorf("break = %s, want #8", b)
			}
		})
		t.Run("edit and rehash", func(t *testing.T) {
			eng, db, _ := setup(t)
			ev := eng.readEvent(t, 3)
			ev.Outcome = OutcomeAttempt
			ev.Target.UserID = "auth0|other"
			h := HashOf(Canonical(&ev))
			eng.tamper(t, `UPDATE audit_events SET target_user_id = $1, hash = $2 WHERE seq = 3`, ev.Target.UserID, h)
			b := breakAt(t, db, VerifyOptions{})
			if b.Seq != 4 || b.EventID != eng.idAt(t, 4) || !strings.Contains(b.Reason, "chain") {
				t.Errorf("break = %s, want #4 not chaining", b)
			}
		})
		t.Run("delete", func(t *testing.T) {
			eng, db, _ := setup(t)
			eng.tamper(t, `DELETE FROM audit_events WHERE seq = 6`)
			if b := breakAt(t, db, VerifyOptions{}); b.Seq != 6 || b.EventID != "" || !strings.Contains(b.Reason, "missing") {
				t.Errorf("break = %s, want #6 missing", b)
			}
		})
		t.Run("delete the newest", func(t *testing.T) {
			eng, db, _ := setup(t)
			eng.tamper(t, `DELETE FROM audit_events WHERE seq >= 9`)
			if b := breakAt(t, db, VerifyOptions{}); b.Seq != 9 {
				t.Errorf("break = %s, want #9", b)
			}
		})
		t.Run("rewrite whole and anchor", func(t *testing.T) {
			eng, db, _ := setup(t)
			anchor := Anchor{Seq: 7, Hash: eng.hashAt(t, 7)}
			rep := mustVerify(t, db)
			// Someone who can write the database rewrites event 2 and recomputes every hash
			// after it, and the head: the chain holds again...
			eng.rewriteFrom(t, 2, func(e *Event) { e.Target.UserID = "auth0|hidden" })
			mustVerify(t, db)
			// ...but not against a hash recorded elsewhere before (the JSON log's seq/hash).
			b := breakAt(t, db, VerifyOptions{Anchor: &anchor})
			if b.Seq != 7 || !strings.Contains(b.Reason, "anchor") {
				t.Errorf("break = %s, want #7 anchor", b)
			}
			good, _ := db.Verify(ctx, VerifyOptions{Anchor: &Anchor{Seq: 1, Hash: eng.hashAt(t, 1)}})
			if !good.OK() || !good.AnchorChecked || rep.Head == good.Head {
				t.Errorf("anchor before the rewrite: %+v", good)
			}
		})
		t.Run("guards", func(t *testing.T) {
			eng, db, _ := setup(t)
			for _, stmt := range []string{`UPDATE audit_events SET ip = '1.2.3.4' WHERE seq = 1`, `DELETE FROM audit_events WHERE seq = 1`} {
				if _, err := eng.raw.Exec(stmt); err == nil {
					t.Errorf("%s: the guard trigger let it through", stmt)
				}
			}
			mustVerify(t, db)
		})
	})
}

// TestPruneKeepsVerifying removes old events behind a checkpoint: the rest still verifies,
// the prune is itself in the chain, and deleting past the checkpoint is refused or caught.
func TestPruneKeepsVerifying(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		clk := newClock()
		db := e.open(t, Options{Now: clk.Now})
		rec := NewRecorder(RecorderOptions{Sinks: []Sink{db}, Now: clk.Now})
		ctx := context.Background()
		for range 10 { // days 0..9: seq 1..20
			change(t, rec, UserBlock, hal, ada, OutcomeSuccess)
			clk.Add(24 * time.Hour)
		}
		// An attempt on day 9.99 whose outcome lands on day 10: pruning at day 10 keeps both.
		clk.Add(-time.Minute)
		late := change(t, rec, UserUnblock, hal, ada, "")
		clk.Add(2 * time.Minute)
		if err := rec.Outcome(ctx, late, OutcomeSuccess); err != nil {
			t.Fatal(err)
		}
		cutoff := newClock().Now().Add(10 * 24 * time.Hour)
		res, err := db.Prune(ctx, cutoff)
		if err != nil {
			t.Fatal(err)
		}
		if res.Deleted != 20 || res.Checkpoint == nil || res.Checkpoint.Seq != 21 {
			t.Fatalf("prune = %+v (checkpoint %+v), want 20 deleted, checkpoint at #21", res, res.Checkpoint)
		}
		rep := mustVerify(t, db)
		if rep.First != 21 || rep.Last != 23 || rep.Checkpoint == nil || rep.Checkpoint.Deleted != 20 {
			t.Errorf("report after prune = %+v", rep)
		}
		p, _ := db.Query(ctx, Filter{}, "", 50)
		if got := names(p.Records); !slices.Equal(got, []string{"audit.prune:success", "user.unblock:success"}) {
			t.Errorf("records after prune = %v", got)
		}
		if got := Describe(p.Records[0].Summary(), nil); got != "userdesk removed audit events past the retention period" {
			t.Errorf("prune described as %q", got)
		}
		// Pruning again with nothing old enough changes nothing.
		if res, err := db.Prune(ctx, cutoff); err != nil || res.Deleted != 0 || res.Checkpoint != nil {
			t.Errorf("second prune = %+v, %v", res, err)
		}
		// A second prune later moves the checkpoint; the chain still verifies.
		change(t, rec, UserBlock, amy, bob, OutcomeSuccess)
		if res, err := db.Prune(ctx, clk.Now().Add(time.Second)); err != nil || res.Deleted != 5 {
			t.Fatalf("third prune = %+v, %v", res, err)
		}
		mustVerify(t, db)
		// Events after the checkpoint cannot be deleted (guard), and if they are, Verify says so.
		if _, err := e.raw.Exec(`DELETE FROM audit_events`); err == nil {
			t.Error("the guard let a delete past the checkpoint through")
		}
		rep = mustVerify(t, db)
		e.tamper(t, `DELETE FROM audit_events WHERE seq = $1`, rep.First)
		if rep, _ := db.Verify(ctx, VerifyOptions{}); rep.OK() || rep.Break.Seq != rep.First {
			t.Errorf("delete of the first kept event: %+v", rep.Break)
		}
	})
}

// TestMigrations: opening is idempotent, concurrent opens of a new database migrate it once, and
// a database from a newer userdesk is refused.
func TestMigrations(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for range 6 {
			wg.Go(func() {
				db, err := Open(context.Background(), e.target, Options{})
				if err == nil {
					err = db.Close()
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent open: %v", err)
			}
		}
		e.open(t, Options{}) // and once more
		var n, v int64
		if err := e.raw.QueryRow(`SELECT COUNT(*), MAX(version) FROM audit_schema_version`).Scan(&n, &v); err != nil {
			t.Fatal(err)
		}
		if n != SchemaVersion() || v != SchemaVersion() {
			t.Errorf("schema versions: %d rows, newest %d; want %d", n, v, SchemaVersion())
		}
		if _, err := e.raw.Exec(`INSERT INTO audit_schema_version (version, name, applied_us) VALUES (9999, 'future', 0)`); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(context.Background(), e.target, Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("open of a newer schema: %v", err)
		}
	})
}

// TestSameHashOnBothEngines: the canonical form does not depend on the engine: the same event
// gets the same hash in SQLite and PostgreSQL.
func TestSameHashOnBothEngines(t *testing.T) {
	ev := func() *Event {
		return &Event{ID: "0123456789abcdef0123456789abcdef", Time: time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.FixedZone("X", 3600)),
			Phase: PhaseAttempt, Name: UserRolesAdd, Actor: hal, Target: Target{UserID: "auth0|ü", Label: "Zoë \"Z\" <z@example.com>\n"},
			Details: Details{Strings("roles", []string{"b", "a"}), Bool("blocked", true), Int("count", -3), String("reason", "tab\there")}}
	}
	var hashes []string
	forEachEngine(t, func(t *testing.T, e *engine) {
		x := ev()
		if err := e.open(t, Options{}).Append(context.Background(), x); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, x.Hash)
	})
	y := ev()
	if err := normalize(y); err != nil {
		t.Fatal(err)
	}
	y.Seq, y.Prev = 1, GenesisHash
	want := HashOf(Canonical(y))
	for _, h := range hashes {
		if h != want {
			t.Errorf("stored hash %s, computed %s", h, want)
		}
	}
}

// TestTimeNeverGoesBack: an event whose clock is behind the previous event's (another replica)
// is stored at the previous event's time, so time order stays chain order.
func TestTimeNeverGoesBack(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		clk := newClock()
		db := e.open(t, Options{})
		rec := NewRecorder(RecorderOptions{Sinks: []Sink{db}, Now: clk.Now})
		first := change(t, rec, UserBlock, hal, ada, OutcomeSuccess)
		clk.Add(-3 * time.Second)
		late := change(t, rec, UserUnblock, hal, ada, "")
		if !late.Event.Time.Equal(first.Event.Time) {
			t.Errorf("time of an event from a clock behind: %v, want the previous event's %v", late.Event.Time, first.Event.Time)
		}
		r, err := db.Get(context.Background(), late.Event.ID)
		if err != nil || !r.Event.Time.Equal(first.Event.Time) {
			t.Errorf("stored: %v, %v", r.Event.Time, err)
		}
		mustVerify(t, db)
	})
}
