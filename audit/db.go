package audit

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"
)

// DB is the audit store on SQLite (OpenSQLite) or PostgreSQL (OpenPostgres): one schema and one
// set of queries, with the few differences in dialect. It implements Store.
type DB struct {
	w    *sql.DB // appends, prune, probe (SQLite: one connection, BEGIN IMMEDIATE)
	r    *sql.DB // queries and verify (the same pool on PostgreSQL)
	d    dialect
	opts Options
}

// DB is a Store and a sink that can be probed and pinged.
var (
	_ Store  = (*DB)(nil)
	_ Prober = (*DB)(nil)
	_ Pinger = (*DB)(nil)
	_ Sink   = (*LogSink)(nil)
	_ Prober = (*LogSink)(nil)
)

// Options tune a DB. The zero value is the defaults.
type Options struct {
	// Timeout bounds each append, probe and ping (default 5s): a store that hangs must not
	// hold a change.
	Timeout time.Duration
	// PendingFor is how long an attempt without an outcome counts as pending, not unknown
	// (default 2m: longer than the server's write timeout).
	PendingFor time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.PendingFor <= 0 {
		o.PendingFor = 2 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// ErrNotFound is returned by Get for an unknown id.
var ErrNotFound = errors.New("audit: no such event")

// Engine is "sqlite" or "postgres".
func (db *DB) Engine() string { return db.d.name }

// Close closes the store's connections.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Ping checks that the store answers a read of the chain head.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, db.opts.Timeout)
	defer cancel()
	var seq int64
	if err := db.r.QueryRowContext(ctx, `SELECT seq FROM audit_chain WHERE id = 1`).Scan(&seq); err != nil {
		return fmt.Errorf("audit %s: ping: %w", db.d.name, err)
	}
	return nil
}

// Probe writes the probe row (outside the chain): the write path works.
func (db *DB) Probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, db.opts.Timeout)
	defer cancel()
	if _, err := db.w.ExecContext(ctx, `UPDATE audit_probe SET at_us = $1 WHERE id = 1`, db.opts.Now().UnixMicro()); err != nil {
		return fmt.Errorf("audit %s: probe: %w", db.d.name, err)
	}
	return nil
}

const (
	eventColumns = `seq, id, attempt_id, time_us, phase, name, outcome, request_id, actor_sub, actor_email,
actor_name, actor_groups, target_user_id, target_label, ip, route, details, prev_hash, hash`
	qChainNext = `UPDATE audit_chain SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, time_us`
	qChainLock = `UPDATE audit_chain SET seq = seq WHERE id = 1 RETURNING seq, hash`
	qChainSet  = `UPDATE audit_chain SET hash = $1, time_us = $2 WHERE id = 1`
	qInsert    = `INSERT INTO audit_events (` + eventColumns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`
)

// Append stores e at the end of the chain and sets its ID (when empty), Seq, Prev and Hash. e is
// normalized first (see Event). The chain is serialized across goroutines and processes: the
// transaction locks the chain head row before it reads the previous hash. An e.Time before the
// previous event's (clock skew between replicas) is moved up to it, so that time order is chain
// order.
func (db *DB) Append(ctx context.Context, e *Event) error {
	if e.Time.IsZero() {
		e.Time = db.opts.Now()
	}
	if err := normalize(e); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), db.opts.Timeout)
	defer cancel()
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.appendTx(ctx, tx, e) })
	if err != nil {
		e.Seq, e.Prev, e.Hash = 0, "", ""
		return fmt.Errorf("audit %s: append %s: %w", db.d.name, e.Name, err)
	}
	return nil
}

// appendTx chains and inserts a normalized e inside tx.
func (db *DB) appendTx(ctx context.Context, tx *sql.Tx, e *Event) error {
	var last int64
	if err := tx.QueryRowContext(ctx, qChainNext).Scan(&e.Seq, &e.Prev, &last); err != nil {
		return fmt.Errorf("lock the chain: %w", err)
	}
	if e.Time.UnixMicro() < last {
		e.Time = time.UnixMicro(last).UTC()
	}
	details := appendDetails(nil, e.Details)
	groups := appendStrings(nil, e.Actor.Groups)
	e.Hash = HashOf(appendCanonical(make([]byte, 0, 512), e, details, groups))
	if _, err := tx.ExecContext(ctx, qInsert, e.Seq, e.ID, e.AttemptID, e.Time.UnixMicro(), string(e.Phase),
		string(e.Name), string(e.Outcome), e.RequestID, e.Actor.Subject, e.Actor.Email, e.Actor.Name,
		string(groups), e.Target.UserID, e.Target.Label, e.IP, e.Route, string(details), e.Prev, e.Hash); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, qChainSet, e.Hash, e.Time.UnixMicro()); err != nil {
		return fmt.Errorf("move the chain head: %w", err)
	}
	return nil
}

// inTx runs f in a write transaction and commits it.
func (db *DB) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// row is what scanRow reads: an event's columns, nullable when it is the outer side of a join.
type row struct {
	seq                                          sql.NullInt64
	id, attempt                                  sql.NullString
	timeUS                                       sql.NullInt64
	phase, name, outcome, requestID              sql.NullString
	sub, email, actorName, groups, target, label sql.NullString
	ip, route, details, prev, hash               sql.NullString
}

func (r *row) dest() []any {
	return []any{&r.seq, &r.id, &r.attempt, &r.timeUS, &r.phase, &r.name, &r.outcome, &r.requestID,
		&r.sub, &r.email, &r.actorName, &r.groups, &r.target, &r.label, &r.ip, &r.route, &r.details,
		&r.prev, &r.hash}
}

// event turns a row into an Event; details and groups stay as stored in the raw fields for
// verification.
func (r *row) event() (Event, error) {
	e := Event{
		Seq:       r.seq.Int64,
		ID:        r.id.String,
		AttemptID: r.attempt.String,
		Time:      time.UnixMicro(r.timeUS.Int64).UTC(),
		Phase:     Phase(r.phase.String),
		Name:      Name(r.name.String),
		Outcome:   Outcome(r.outcome.String),
		RequestID: r.requestID.String,
		Actor:     Actor{Subject: r.sub.String, Email: r.email.String, Name: r.actorName.String},
		Target:    Target{UserID: r.target.String, Label: r.label.String},
		IP:        r.ip.String,
		Route:     r.route.String,
		Prev:      r.prev.String,
		Hash:      r.hash.String,
	}
	var err error
	if e.Actor.Groups, err = parseGroups(r.groups.String); err != nil {
		return e, err
	}
	e.Details, err = parseDetails(r.details.String)
	return e, err
}

// Query returns one page of records matching f, newest first.
func (db *DB) Query(ctx context.Context, f Filter, cursor string, limit int) (Page, error) {
	limit = min(max(limit, 1), MaxPage)
	after, err := parseCursor(cursor)
	if err != nil {
		return Page{}, err
	}
	recs, err := db.query(ctx, f, after, limit+1)
	if err != nil {
		return Page{}, err
	}
	p := Page{Records: recs}
	if len(recs) > limit {
		p.Records = recs[:limit]
		p.Next = makeCursor(recs[limit-1].Event.Seq)
	}
	return p, nil
}

// Get returns the record of one event id.
func (db *DB) Get(ctx context.Context, id string) (Record, error) {
	if !idRE.MatchString(id) {
		return Record{}, ErrNotFound
	}
	recs, err := db.queryWhere(ctx, []string{`e.id = (SELECT ` + headID + ` FROM audit_events x WHERE x.id = $2)`},
		[]any{db.pendingSince(), id}, 1)
	if err != nil {
		return Record{}, err
	}
	if len(recs) == 0 {
		return Record{}, ErrNotFound
	}
	return recs[0], nil
}

// exportBatch is how many records Records reads per query.
const exportBatch = 1000

// Records iterates over every record matching f, newest first, one batch of exportBatch per
// query (no query holds the database for the whole export).
func (db *DB) Records(ctx context.Context, f Filter) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		var after int64
		for {
			recs, err := db.query(ctx, f, after, exportBatch)
			if err != nil {
				yield(Record{}, err)
				return
			}
			for _, r := range recs {
				if !yield(r, nil) {
					return
				}
			}
			if len(recs) < exportBatch {
				return
			}
			after = recs[len(recs)-1].Event.Seq
		}
	}
}

// headID is the SQL of the id of the record an event x belongs to: its attempt's, or its own.
const headID = `CASE WHEN x.attempt_id = '' THEN x.id ELSE x.attempt_id END`

// finalOutcome is the SQL of a record's final outcome; $1 is the time (µs) after which an
// attempt without an outcome is still pending (younger than PendingFor).
const finalOutcome = `CASE WHEN o.seq IS NOT NULL THEN o.outcome
 WHEN e.phase = 'outcome' THEN e.outcome
 WHEN e.time_us > $1 THEN 'pending'
 ELSE 'unknown' END`

func (db *DB) pendingSince() int64 { return db.opts.Now().Add(-db.opts.PendingFor).UnixMicro() }

// query reads the records matching f below seq after (0: from the newest).
func (db *DB) query(ctx context.Context, f Filter, after int64, limit int) ([]Record, error) {
	where, args := db.filterSQL(f, after)
	return db.queryWhere(ctx, where, args, limit)
}

// filterSQL builds the filter into SQL conditions and their arguments (args[0] is the pending
// time of finalOutcome).
func (db *DB) filterSQL(f Filter, after int64) ([]string, []any) {
	args := []any{db.pendingSince()}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var where []string
	if after > 0 {
		where = append(where, "e.seq < "+arg(after))
	}
	if f.Actor != "" {
		where = append(where, "e.actor_sub = "+arg(f.Actor))
	}
	if f.ActorEmail != "" {
		where = append(where, "e.actor_email = "+arg(f.ActorEmail))
	}
	if f.Target != "" {
		where = append(where, "e.id IN (SELECT "+headID+" FROM audit_events x WHERE x.target_user_id = "+arg(f.Target)+")")
	}
	if len(f.Names) > 0 {
		var or, exact []string
		for _, n := range f.Names {
			if prefix, ok := strings.CutSuffix(string(n), "*"); ok {
				or = append(or, "substr(e.name, 1, "+arg(int64(len(prefix)))+") = "+arg(prefix))
			} else {
				exact = append(exact, arg(string(n)))
			}
		}
		if len(exact) > 0 {
			or = append(or, "e.name IN ("+strings.Join(exact, ", ")+")")
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if len(f.Outcomes) > 0 {
		var in []string
		for _, o := range f.Outcomes {
			in = append(in, arg(string(o)))
		}
		where = append(where, "("+finalOutcome+") IN ("+strings.Join(in, ", ")+")")
	}
	// Time order is chain order (see Append): a time bound is also the seq of the first event at
	// or after it, found by one index seek, so a range reads only its own part of the chain.
	if !f.Since.IsZero() {
		p := arg(f.Since.UnixMicro())
		where = append(where, "e.time_us >= "+p, "e.seq >= "+firstSeqAt(p))
	}
	if !f.Until.IsZero() {
		p := arg(f.Until.UnixMicro())
		where = append(where, "e.time_us < "+p, "e.seq < "+firstSeqAt(p))
	}
	return where, args
}

// firstSeqAt is the SQL of the seq of the first event at or after the time (µs) in parameter p,
// or a seq past every event.
func firstSeqAt(p string) string {
	return "COALESCE((SELECT t.seq FROM audit_events t WHERE t.time_us >= " + p +
		" ORDER BY t.time_us, t.seq LIMIT 1), 9223372036854775807)"
}

// recordsSQL is the records query with extra conditions; args[0] is pendingSince.
func recordsSQL(where []string, args []any, limit int) (string, []any) {
	var q strings.Builder
	q.WriteString("SELECT ")
	q.WriteString(prefixed("e", eventColumns))
	q.WriteString(", ")
	q.WriteString(prefixed("o", eventColumns))
	q.WriteString(", " + finalOutcome + "\nFROM audit_events e LEFT JOIN audit_events o ON o.attempt_id = e.id AND o.attempt_id <> ''\nWHERE e.attempt_id = ''")
	for _, w := range where {
		q.WriteString("\n AND ")
		q.WriteString(w)
	}
	args = append(args, int64(limit))
	q.WriteString("\nORDER BY e.seq DESC LIMIT $" + strconv.Itoa(len(args)))
	return q.String(), args
}

// queryWhere runs the records query with extra conditions; args[0] is pendingSince.
func (db *DB) queryWhere(ctx context.Context, where []string, args []any, limit int) ([]Record, error) {
	q, args := recordsSQL(where, args, limit)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit %s: query: %w", db.d.name, err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var head, res row
		var final string
		if err := rows.Scan(append(append(head.dest(), res.dest()...), &final)...); err != nil {
			return nil, fmt.Errorf("audit %s: query: %w", db.d.name, err)
		}
		rec := Record{Outcome: Outcome(final)}
		if rec.Event, err = head.event(); err != nil {
			return nil, err
		}
		if res.seq.Valid {
			r, err := res.event()
			if err != nil {
				return nil, err
			}
			rec.Result = &r
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit %s: query: %w", db.d.name, err)
	}
	return out, nil
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// Cursors are opaque to callers: "c" and the seq to continue below, base64url.
func makeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c" + strconv.FormatInt(seq, 10)))
}

// ErrCursor is returned for a cursor that Query did not make.
var ErrCursor = errors.New("audit: invalid page cursor")

func parseCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 2 || b[0] != 'c' {
		return 0, ErrCursor
	}
	seq, err := strconv.ParseInt(string(b[1:]), 10, 64)
	if err != nil || seq < 1 {
		return 0, ErrCursor
	}
	return seq, nil
}

// parseGroups reads the canonical JSON array of groups.
func parseGroups(s string) ([]string, error) {
	if s == "" || s == "[]" {
		return []string{}, nil
	}
	v, ok := convert(KindStrings, jsonArray(s))
	if !ok {
		return nil, fmt.Errorf("audit: actor groups %q are not a list of strings", s)
	}
	return v.([]string), nil
}

func jsonArray(s string) any {
	var v []any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil
	}
	return v
}
