package audit

// Benchmarks of the audit store on both engines, with their production durability (SQLite:
// WAL, synchronous=FULL, on the temporary directory's disk; PostgreSQL: fsync and synchronous
// commit on). The figures are in the README's Performance section:
//
//	go test ./audit -run '^$' -bench 'Change' -benchtime 2000x
//	go test ./audit -run '^$' -bench 'Million' -benchtime 1x -timeout 60m

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"userdesk/internal/pgtest"
)

// pgBench is a PostgreSQL cluster with production durability, for benchmarks.
var pgBench = pgtest.Shared{Options: pgtest.Options{Durable: true}}

func init() { closers = append(closers, pgBench.Close) }

// benchEngines runs f on SQLite (a file) and PostgreSQL.
func benchEngines(b *testing.B, f func(b *testing.B, target string)) {
	b.Run("sqlite", func(b *testing.B) { f(b, filepath.Join(b.TempDir(), "audit.db")) })
	b.Run("postgres", func(b *testing.B) { f(b, pgBench.Database(b)) })
}

// percentiles reports p50 and p99 of ds.
func percentiles(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	at := func(p float64) float64 { return float64(ds[int(float64(len(ds)-1)*p)].Microseconds()) }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// BenchmarkChange is the audit cost added to one change: its attempt before the Management API
// call and its outcome after, through the Recorder into the store and the JSON log (to
// io.Discard).
func BenchmarkChange(b *testing.B) {
	benchEngines(b, func(b *testing.B, target string) {
		db, err := Open(context.Background(), target, Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		rec := NewRecorder(RecorderOptions{Sinks: []Sink{db, NewLogSink(slog.New(slog.NewJSONHandler(io.Discard, nil)))}})
		ctx := context.Background()
		ds := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			start := time.Now()
			a, err := rec.Attempt(ctx, Event{Name: UserRolesAdd, Actor: hal, Target: Target{UserID: fmt.Sprintf("auth0|%d", i), Label: "Some User"},
				RequestID: "req", IP: "203.0.113.7", Route: "POST /users/:id/roles", Details: Details{Strings("roles", []string{"rol_1"})}})
			if err != nil {
				b.Fatal(err)
			}
			if err := rec.Outcome(ctx, a, OutcomeSuccess); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(start))
		}
		b.StopTimer()
		percentiles(b, ds)
	})
}

// BenchmarkChangeParallel is the same with 16 changes in flight at once (one replica, many
// staff): appends wait for the chain lock in turn.
func BenchmarkChangeParallel(b *testing.B) {
	benchEngines(b, func(b *testing.B, target string) {
		db, err := Open(context.Background(), target, Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		rec := NewRecorder(RecorderOptions{Sinks: []Sink{db}})
		var mu sync.Mutex
		var ds []time.Duration
		b.SetParallelism(8) // × GOMAXPROCS (2 here) = 16 goroutines
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				start := time.Now()
				a, err := rec.Attempt(context.Background(), Event{Name: UserBlock, Actor: hal, Target: ada})
				if err == nil {
					err = rec.Outcome(context.Background(), a, OutcomeSuccess)
				}
				if err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			ds = append(ds, mine...)
			mu.Unlock()
		})
		b.StopTimer()
		percentiles(b, ds)
	})
}

// million is the size of the big trail.
const million = 1_000_000

var (
	bigOnce    = map[string]*sync.Once{"sqlite": {}, "postgres": {}}
	bigTargets = map[string]string{}
	bigErr     = map[string]error{}
)

// bigStore returns a store holding a million events (500,000 changes: attempt and outcome),
// made once per engine and process with the bulk loader.
func bigStore(b *testing.B, engine string) *DB {
	b.Helper()
	bigOnce[engine].Do(func() {
		target := ""
		if engine == "sqlite" {
			// Kept for the whole process (the benchmarks share it), removed by TestMain.
			dir, err := os.MkdirTemp("", "audit-million-")
			if err != nil {
				bigErr[engine] = err
				return
			}
			closers = append(closers, func() { os.RemoveAll(dir) })
			target = filepath.Join(dir, "million.db")
		} else {
			target = pgBench.Database(b)
		}
		start := time.Now()
		bigErr[engine] = bulkLoad(target, million)
		bigTargets[engine] = target
		b.Logf("%s: loaded %d events in %s", engine, million, time.Since(start).Round(time.Second))
	})
	if err := bigErr[engine]; err != nil {
		b.Fatal(err)
	}
	db, err := Open(context.Background(), bigTargets[engine], Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// Shapes of the big trail: 200 staff, 50,000 users, a year of events.
const (
	bigActors  = 200
	bigUsers   = 50_000
	bigSpan    = 400 * 24 * time.Hour
	bigEnd     = "2026-11-01T00:00:00Z"
	bigDenials = 20 // one change in bigDenials is a refusal (a single event)
)

var bigNames = []Name{UserBlock, UserUnblock, UserFactorsReset, UserPasswordTicket, UserRolesAdd, UserRolesRemove,
	UserUpdate, UserVerificationEmail, UserFactorDelete, UserRecoveryCodeNew}

// bigEvents generates n chained events, in order, calling emit for each.
func bigEvents(n int, emit func(e *Event, details, groups []byte) error) error {
	end, _ := time.Parse(time.RFC3339, bigEnd)
	start := end.Add(-bigSpan)
	step := bigSpan / time.Duration(n)
	rng := rand.New(rand.NewPCG(1, 2))
	prev := GenesisHash
	buf := make([]byte, 0, 1024)
	var attempt *Event
	for seq := int64(1); seq <= int64(n); seq++ {
		t := start.Add(time.Duration(seq) * step)
		var e Event
		switch {
		case attempt != nil: // the outcome of the previous attempt
			e = *attempt
			e.ID, e.AttemptID, e.Phase, e.Time, e.Details = newID(), attempt.ID, PhaseOutcome, t, nil
			e.Outcome = OutcomeSuccess
			if rng.IntN(10) == 0 {
				e.Outcome = OutcomeFailure
				e.Details = Details{Int("auth0_status", 429), String("auth0_error", "too_many_requests")}
			}
			attempt = nil
		default:
			a := rng.IntN(bigActors)
			u := rng.IntN(bigUsers)
			e = Event{ID: newID(), Time: t, RequestID: fmt.Sprintf("req-%d", seq), Phase: PhaseAttempt, Outcome: OutcomeAttempt,
				Name:   bigNames[rng.IntN(len(bigNames))],
				Actor:  Actor{Subject: fmt.Sprintf("auth0|staff%03d", a), Email: fmt.Sprintf("staff%03d@example.com", a), Name: fmt.Sprintf("Staff %03d", a), Groups: []string{"helpdesk"}},
				Target: Target{UserID: fmt.Sprintf("auth0|user%05d", u), Label: fmt.Sprintf("user%05d@example.org", u)},
				IP:     "203.0.113.7", Route: "POST /users/:id/x", Details: Details{Strings("roles", []string{"rol_1", "rol_2"})},
			}
			if rng.IntN(bigDenials) == 0 || seq == int64(n) {
				e.Phase, e.Outcome, e.Name = PhaseOutcome, OutcomeDenied, Denied("deleteUsers")
				e.Details = Details{String("reason", "role does not allow deleteUsers")}
			} else {
				attempt = &e
			}
		}
		if err := normalize(&e); err != nil {
			return err
		}
		e.Seq, e.Prev = seq, prev
		details, groups := appendDetails(nil, e.Details), appendStrings(nil, e.Actor.Groups)
		buf = appendCanonical(buf[:0], &e, details, groups)
		e.Hash = HashOf(buf)
		if err := emit(&e, details, groups); err != nil {
			return err
		}
		if attempt != nil && attempt.ID == e.ID {
			attempt.Seq, attempt.Hash = e.Seq, e.Hash
		}
		prev = e.Hash
	}
	return nil
}

// bulkLoad writes n chained events straight into an empty store: SQLite through one prepared
// insert in large transactions, PostgreSQL with COPY. Then it moves the chain head, and lets
// PostgreSQL analyze the table as autovacuum would.
func bulkLoad(target string, n int) error {
	ctx := context.Background()
	db, err := Open(ctx, target, Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	var last *Event
	values := func(e *Event, details, groups []byte) []any {
		return []any{e.Seq, e.ID, e.AttemptID, e.Time.UnixMicro(), string(e.Phase), string(e.Name), string(e.Outcome), e.RequestID,
			e.Actor.Subject, e.Actor.Email, e.Actor.Name, string(groups), e.Target.UserID, e.Target.Label, e.IP, e.Route,
			string(details), e.Prev, e.Hash}
	}
	if db.Engine() == "sqlite" {
		var tx *sql.Tx
		var stmt *sql.Stmt
		err = bigEvents(n, func(e *Event, details, groups []byte) error {
			if tx == nil {
				if tx, err = db.w.BeginTx(ctx, nil); err != nil {
					return err
				}
				if stmt, err = tx.PrepareContext(ctx, qInsert); err != nil {
					return err
				}
			}
			if _, err := stmt.ExecContext(ctx, values(e, details, groups)...); err != nil {
				return err
			}
			last = e
			if e.Seq%50_000 == 0 {
				err := tx.Commit()
				tx = nil
				return err
			}
			return nil
		})
		if tx != nil && err == nil {
			err = tx.Commit()
		}
	} else {
		var rows [][]any
		err = bigEvents(n, func(e *Event, details, groups []byte) error {
			rows = append(rows, values(e, details, groups))
			last = e
			return nil
		})
		if err == nil {
			var conn *sql.Conn
			if conn, err = db.w.Conn(ctx); err == nil {
				err = conn.Raw(func(dc any) error {
					_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"audit_events"},
						[]string{"seq", "id", "attempt_id", "time_us", "phase", "name", "outcome", "request_id", "actor_sub", "actor_email",
							"actor_name", "actor_groups", "target_user_id", "target_label", "ip", "route", "details", "prev_hash", "hash"},
						pgx.CopyFromRows(rows))
					return err
				})
				conn.Close()
			}
		}
		if err == nil {
			_, err = db.w.ExecContext(ctx, `ANALYZE audit_events`)
		}
	}
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	_, err = db.w.ExecContext(ctx, `UPDATE audit_chain SET seq = $1, hash = $2, time_us = $3 WHERE id = 1`, last.Seq, last.Hash, last.Time.UnixMicro())
	return err
}

// BenchmarkMillionQueryPage is 20 loads of one page (50 records) of /audit over a million events, for the
// filters people use: none, a person, a user ("Changes by staff"), an event, a rare outcome, a
// month, and a page deep in the trail.
func BenchmarkMillionQueryPage(b *testing.B) {
	end, _ := time.Parse(time.RFC3339, bigEnd)
	cases := []struct {
		name string
		f    Filter
		deep bool
	}{
		{"newest", Filter{}, false},
		{"actor", Filter{Actor: "auth0|staff042"}, false},
		{"actor-email", Filter{ActorEmail: "staff042@example.com"}, false},
		{"target", Filter{Target: "auth0|user04242"}, false},
		{"event", Filter{Names: []Name{UserFactorsReset}}, false},
		{"denied-prefix", Filter{Names: []Name{"denied.*"}}, false},
		{"outcome-failure", Filter{Outcomes: []Outcome{OutcomeFailure}}, false},
		{"month-ago", Filter{Since: end.Add(-60 * 24 * time.Hour), Until: end.Add(-30 * 24 * time.Hour)}, false},
		{"actor-and-month", Filter{Actor: "auth0|staff042", Since: end.Add(-60 * 24 * time.Hour), Until: end.Add(-30 * 24 * time.Hour)}, false},
		{"page-5000", Filter{}, true},
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			db := bigStore(b, engine)
			ctx := context.Background()
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					cursor := ""
					if c.deep {
						cursor = makeCursor(million / 2)
					}
					// Each iteration is 20 page loads, so that -benchtime 1x (for the slow
					// exports beside) still gives percentiles.
					var ds []time.Duration
					for b.Loop() {
						for range 20 {
							start := time.Now()
							p, err := db.Query(ctx, c.f, cursor, 50)
							if err != nil {
								b.Fatal(err)
							}
							if len(p.Records) == 0 {
								b.Fatal("empty page")
							}
							ds = append(ds, time.Since(start))
						}
					}
					percentiles(b, ds)
				})
			}
		})
	}
}

// ttfbWriter discards what it is given and notes when the first flush happened.
type ttfbWriter struct {
	start, first time.Time
	n            int64
}

func (w *ttfbWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
func (w *ttfbWriter) Flush() {
	if w.first.IsZero() {
		w.first = time.Now()
	}
}

// BenchmarkMillionCSV is the CSV export over a million events (500,000 records), all of them
// and one person's: time to the first byte, total time, size.
func BenchmarkMillionCSV(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			db := bigStore(b, engine)
			for _, c := range []struct {
				name string
				f    Filter
			}{{"all", Filter{}}, {"actor", Filter{Actor: "auth0|staff042"}}} {
				b.Run(c.name, func(b *testing.B) {
					var ttfb, total time.Duration
					var rows, size int64
					cpu0 := cpuTime()
					for b.Loop() {
						w := &ttfbWriter{start: time.Now()}
						n, err := WriteCSV(w, db.Records(context.Background(), c.f), nil)
						if err != nil {
							b.Fatal(err)
						}
						ttfb += w.first.Sub(w.start)
						total += time.Since(w.start)
						rows, size = n, w.n
					}
					b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s")
					b.ReportMetric(float64(ttfb.Milliseconds())/float64(b.N), "ttfb-ms")
					b.ReportMetric(total.Seconds()/float64(b.N), "total-s")
					b.ReportMetric(float64(rows), "records")
					b.ReportMetric(float64(size)/1e6, "MB")
				})
			}
		})
	}
}

// BenchmarkMillionVerify walks the chain of a million events.
func BenchmarkMillionVerify(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			db := bigStore(b, engine)
			cpu0 := cpuTime()
			for b.Loop() {
				rep, err := db.Verify(context.Background(), VerifyOptions{})
				if err != nil || !rep.OK() || rep.Events != million {
					b.Fatalf("%+v %v", rep, err)
				}
			}
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s")
		})
	}
}
