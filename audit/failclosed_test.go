package audit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"userdesk/internal/pgtest"
)

// checkFailClosed drives rec through an outage made by breakStore and ended by mendStore: the
// attempt is refused with ErrUnavailable, health and Check say failing, and once the store is
// back Check recovers by itself (no event needed) and attempts are stored again.
func checkFailClosed(t *testing.T, db *DB, breakStore, mendStore func()) {
	t.Helper()
	ctx := context.Background()
	var logBuf bytes.Buffer
	rec := NewRecorder(RecorderOptions{Sinks: []Sink{db, NewLogSink(slog.New(slog.NewJSONHandler(&logBuf, nil)))}, RetryEvery: time.Nanosecond})
	change(t, rec, UserBlock, hal, ada, OutcomeSuccess)
	if err := rec.Check(ctx); err != nil {
		t.Fatalf("Check before the outage: %v", err)
	}

	breakStore()
	logged := logBuf.Len()
	a, err := rec.Attempt(ctx, Event{Name: UserFactorsReset, Actor: hal, Target: ada})
	if !errors.Is(err, ErrUnavailable) || a != nil {
		t.Fatalf("attempt with the store down: %v, %v; want ErrUnavailable", a, err)
	}
	if logBuf.Len() != logged {
		t.Errorf("the log got a line for an attempt the store refused: %s", logBuf.Bytes()[logged:])
	}
	if h := rec.Health(); h.OK || h.Err == nil {
		t.Errorf("health during the outage = %+v", h)
	}
	if err := rec.Check(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Check during the outage = %v", err)
	}

	mendStore()
	if err := rec.Check(ctx); err != nil {
		t.Fatalf("Check after the store came back: %v", err)
	}
	if h := rec.Health(); !h.OK {
		t.Errorf("health after recovery = %+v", h)
	}
	change(t, rec, UserFactorsReset, hal, ada, OutcomeSuccess)
	rep := mustVerify(t, db)
	if rep.Events != 4 {
		t.Errorf("%d events after recovery, want 4 (nothing of the refused attempt)", rep.Events)
	}
}

// TestFailClosedSQLiteReadOnly makes the SQLite files immutable while the store is open (root
// can write a file whatever its mode: chattr +i stops even root, and open descriptors).
func TestFailClosedSQLiteReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.db")
	db := newEngine(t, path).open(t, Options{Timeout: 2 * time.Second})
	files := []string{path, path + "-wal"}
	chattr := func(flag string) error {
		out, err := exec.Command("chattr", append([]string{flag}, files...)...).CombinedOutput()
		if err != nil {
			return errors.New(strings.TrimSpace(string(out)) + ": " + err.Error())
		}
		return nil
	}
	if err := chattr("+i"); err != nil {
		t.Skipf("cannot make the database file immutable here (needs root and a file system with chattr +i): %v", err)
	}
	if err := chattr("-i"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = chattr("-i") })
	checkFailClosed(t, db,
		func() {
			if err := chattr("+i"); err != nil {
				t.Fatal(err)
			}
		},
		func() {
			if err := chattr("-i"); err != nil {
				t.Fatal(err)
			}
		})
}

// TestFailClosedPostgresStopped stops the PostgreSQL server under the store and starts it again.
func TestFailClosedPostgresStopped(t *testing.T) {
	c := pgtest.Start(t)
	db := newEngine(t, c.CreateDatabase(t)).open(t, Options{Timeout: 2 * time.Second})
	checkFailClosed(t, db,
		func() {
			if err := c.Stop(); err != nil {
				t.Fatal(err)
			}
		},
		func() {
			if err := c.Restart(); err != nil {
				t.Fatal(err)
			}
		})
}

// switchWriter writes to /dev/full (every write fails: no space) while broken.
type switchWriter struct {
	mu     sync.Mutex
	broken bool
	full   io.Writer
	buf    bytes.Buffer
}

func (w *switchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.broken {
		return w.full.Write(p)
	}
	return w.buf.Write(p)
}

func (w *switchWriter) set(broken bool) { w.mu.Lock(); w.broken = broken; w.mu.Unlock() }

// TestFailClosedLogFull: the JSON log on a full disk refuses the attempt too (issue 11's
// USERDESK_AUDIT_LOG=/dev/full); the store, which took the attempt first, closes it as a
// failure so it does not read "outcome unknown"; the log's check line brings health back.
func TestFailClosedLogFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	w := &switchWriter{full: full}
	db := newEngine(t, filepath.Join(t.TempDir(), "audit.db")).open(t, Options{})
	rec := NewRecorder(RecorderOptions{Sinks: []Sink{db, NewLogSink(slog.New(slog.NewJSONHandler(w, nil)))}, RetryEvery: time.Nanosecond})
	ctx := context.Background()

	w.set(true)
	if _, err := rec.Attempt(ctx, Event{Name: UserBlock, Actor: hal, Target: ada}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("attempt with the log full: %v", err)
	}
	p, err := db.Query(ctx, Filter{}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 1 || p.Records[0].Outcome != OutcomeFailure || !strings.Contains(Text(p.Records[0].Result.Details.Get("reason")), "refused") {
		t.Fatalf("store after a refused attempt: %+v", p.Records)
	}
	if err := rec.Check(ctx); err == nil {
		t.Error("Check passed with the log full")
	}
	w.set(false)
	if err := rec.Check(ctx); err != nil {
		t.Errorf("Check after the log recovered: %v", err)
	}
	if !strings.Contains(w.buf.String(), `"msg":"audit log check"`) {
		t.Errorf("no check line in the log: %s", w.buf.String())
	}
	change(t, rec, UserBlock, hal, ada, OutcomeSuccess)
	mustVerify(t, db)
}

// TestCheckPingsWhenIdle: a healthy but idle recorder notices a store that went away (by a
// ping, at most every ProbeEvery), before any change fails.
func TestCheckPingsWhenIdle(t *testing.T) {
	clk := newClock()
	db := newEngine(t, filepath.Join(t.TempDir(), "audit.db")).open(t, Options{})
	rec := NewRecorder(RecorderOptions{Sinks: []Sink{db}, Now: clk.Now, ProbeEvery: 30 * time.Second})
	ctx := context.Background()
	if err := rec.Check(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := rec.Check(ctx); err != nil {
		t.Errorf("Check pinged before ProbeEvery: %v", err)
	}
	clk.Add(31 * time.Second)
	if err := rec.Check(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Check after ProbeEvery with the store closed: %v", err)
	}
}
