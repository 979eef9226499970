package audit

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"userdesk/internal/pgtest"
)

// pg is the PostgreSQL cluster the package's tests share (each test gets a database of its
// own); TestMain stops it.
var pg pgtest.Shared

// closers run after the tests and benchmarks.
var closers = []func(){pg.Close}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range closers {
		c()
	}
	os.Exit(code)
}

// engine is one database engine under test, with a fresh database (file or PostgreSQL
// database) per test.
type engine struct {
	name   string
	target string // file path or URL
	raw    *sql.DB
}

// forEachEngine runs f against SQLite and PostgreSQL, each in a fresh database.
func forEachEngine(t *testing.T, f func(t *testing.T, e *engine)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		f(t, newEngine(t, filepath.Join(t.TempDir(), "audit.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, newEngine(t, pg.Database(t)))
	})
}

func newEngine(t testing.TB, target string) *engine {
	e := &engine{name: "sqlite", target: target}
	driver, dsn := "sqlite", "file:"+target+"?_pragma=busy_timeout(10000)"
	if IsPostgresURL(target) {
		e.name, driver, dsn = "postgres", "pgx", target
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	e.raw = raw
	return e
}

// open opens a store on the engine's database (call it again for a second replica).
func (e *engine) open(t testing.TB, opts Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), e.target, opts)
	if err != nil {
		t.Fatalf("open %s: %v", e.name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tamper runs a statement as someone with write access to the database who got past the
// guard triggers (dropped them, or disabled them).
func (e *engine) tamper(t testing.TB, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	var err error
	if e.name == "sqlite" {
		_, err = e.raw.ExecContext(ctx, `DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete`)
		if err == nil {
			_, err = e.raw.ExecContext(ctx, stmt, args...)
		}
	} else {
		_, err = e.raw.ExecContext(ctx, `ALTER TABLE audit_events DISABLE TRIGGER USER`)
		if err == nil {
			_, err = e.raw.ExecContext(ctx, stmt, args...)
		}
		if _, err2 := e.raw.ExecContext(ctx, `ALTER TABLE audit_events ENABLE TRIGGER USER`); err == nil {
			err = err2
		}
	}
	if err != nil {
		t.Fatalf("tamper %q: %v", stmt, err)
	}
}

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var (
	hal = Actor{Subject: "auth0|hal", Email: "hal@example.com", Name: "Hal Helpdesk", Groups: []string{"helpdesk"}}
	amy = Actor{Subject: "auth0|amy", Email: "amy@example.com", Name: "Amy Admin", Groups: []string{"admin"}}
	ada = Target{UserID: "auth0|ada", Label: "Ada Lovelace"}
	bob = Target{UserID: "auth0|bob", Label: "Bob Builder"}
)

// change records one attempt and its outcome through rec and returns the attempt.
func change(t testing.TB, rec *Recorder, name Name, actor Actor, target Target, o Outcome, details ...Attr) *Attempt {
	t.Helper()
	ctx := context.Background()
	a, err := rec.Attempt(ctx, Event{Name: name, Actor: actor, Target: target, RequestID: "req-" + string(name),
		IP: "203.0.113.7", Route: "POST /users/:id/x"})
	if err != nil {
		t.Fatalf("attempt %s: %v", name, err)
	}
	if o != "" {
		if err := rec.Outcome(ctx, a, o, details...); err != nil {
			t.Fatalf("outcome %s: %v", name, err)
		}
	}
	return a
}

// mustVerify fails t unless the chain verifies.
func mustVerify(t testing.TB, db *DB) Report {
	t.Helper()
	rep, err := db.Verify(context.Background(), VerifyOptions{})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("verify: chain broken at %s", rep.Break)
	}
	return rep
}

// seqOf returns the seq of event id.
func (e *engine) seqOf(t testing.TB, id string) int64 {
	t.Helper()
	var seq int64
	if err := e.raw.QueryRow(`SELECT seq FROM audit_events WHERE id = $1`, id).Scan(&seq); err != nil {
		t.Fatalf("seq of %s: %v", id, err)
	}
	return seq
}

func names(recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%s:%s", r.Event.Name, r.Outcome))
	}
	return out
}

// newEngineLike returns a fresh database on the same engine as e.
func newEngineLike(t *testing.T, e *engine) *engine {
	if e.name == "sqlite" {
		return newEngine(t, filepath.Join(t.TempDir(), "audit.db"))
	}
	return newEngine(t, pg.Database(t))
}

// readEvent reads the stored event at seq, as stored.
func (e *engine) readEvent(t testing.TB, seq int64) Event {
	t.Helper()
	var r row
	if err := e.raw.QueryRow(`SELECT `+eventColumns+` FROM audit_events WHERE seq = $1`, seq).Scan(r.dest()...); err != nil {
		t.Fatalf("read #%d: %v", seq, err)
	}
	ev, err := r.event()
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func (e *engine) idAt(t testing.TB, seq int64) string   { return e.readEvent(t, seq).ID }
func (e *engine) hashAt(t testing.TB, seq int64) string { return e.readEvent(t, seq).Hash }

// rewriteFrom changes the event at seq with mutate and recomputes the hash of it and of every
// later event, and the chain head: what someone who can write the database and knows the
// canonical form can do.
func (e *engine) rewriteFrom(t testing.TB, seq int64, mutate func(*Event)) {
	t.Helper()
	var head int64
	if err := e.raw.QueryRow(`SELECT seq FROM audit_chain WHERE id = 1`).Scan(&head); err != nil {
		t.Fatal(err)
	}
	prev := GenesisHash
	if seq > 1 {
		prev = e.hashAt(t, seq-1)
	}
	for s := seq; s <= head; s++ {
		ev := e.readEvent(t, s)
		if s == seq {
			mutate(&ev)
		}
		ev.Prev = prev
		ev.Hash = HashOf(Canonical(&ev))
		e.tamper(t, `UPDATE audit_events SET target_user_id = $1, prev_hash = $2, hash = $3 WHERE seq = $4`,
			ev.Target.UserID, ev.Prev, ev.Hash, s)
		prev = ev.Hash
	}
	if _, err := e.raw.Exec(`UPDATE audit_chain SET hash = $1 WHERE id = 1`, prev); err != nil {
		t.Fatal(err)
	}
}
