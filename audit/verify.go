package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// verifyBatch is how many events Verify reads per query.
const verifyBatch = 5000

// Verify walks the chain from the newest checkpoint (or the first event) to the head, in one
// read snapshot, recomputing every event's hash from the stored columns. It reports the first
// break: an event whose content no longer matches its hash (edited), an event that does not
// chain from the one before it (its predecessor's hash was rewritten), a missing event (deleted),
// a head that does not match the last event (the newest events deleted), or an anchor that does
// not match. The error is for failures to read, not for breaks.
func (db *DB) Verify(ctx context.Context, opts VerifyOptions) (Report, error) {
	var rep Report
	tx, err := db.r.BeginTx(ctx, db.d.snapshot)
	if err != nil {
		return rep, fmt.Errorf("audit %s: verify: %w", db.d.name, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only

	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_chain WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return rep, fmt.Errorf("audit %s: verify: chain head: %w", db.d.name, err)
	}
	next, prev := int64(1), GenesisHash
	cp, err := latestCheckpoint(ctx, tx)
	if err != nil {
		return rep, fmt.Errorf("audit %s: verify: %w", db.d.name, err)
	}
	if cp != nil {
		rep.Checkpoint = cp
		next, prev = cp.Seq, cp.Prev
	}
	rep.First = next
	fail := func(seq int64, id, reason string, args ...any) (Report, error) {
		rep.Break = &Break{Seq: seq, EventID: id, Reason: fmt.Sprintf(reason, args...)}
		return rep, nil
	}
	buf := make([]byte, 0, 1024)
	batch := make([]row, 0, verifyBatch)
	for {
		var err error
		if batch, err = readBatch(ctx, tx, batch[:0], next, headSeq); err != nil {
			return rep, fmt.Errorf("audit %s: verify: %w", db.d.name, err)
		}
		for i := range batch {
			r := &batch[i]
			e := Event{
				Seq: r.seq.Int64, ID: r.id.String, AttemptID: r.attempt.String,
				Time: time.UnixMicro(r.timeUS.Int64), Phase: Phase(r.phase.String), Name: Name(r.name.String),
				Outcome: Outcome(r.outcome.String), RequestID: r.requestID.String,
				Actor:  Actor{Subject: r.sub.String, Email: r.email.String, Name: r.actorName.String},
				Target: Target{UserID: r.target.String, Label: r.label.String},
				IP:     r.ip.String, Route: r.route.String, Prev: prev,
			}
			switch {
			case e.Seq != next && next == rep.First && cp != nil:
				return fail(next, "", "missing: the retention checkpoint says the trail starts here, the first event kept is #%d (id %s)", e.Seq, e.ID)
			case e.Seq != next:
				return fail(next, "", "missing (deleted): the next event is #%d (id %s)", e.Seq, e.ID)
			case r.prev.String != prev:
				return fail(e.Seq, e.ID, "does not chain from the event before it: it names %.12s… as its predecessor, which hashes to %.12s… (the event before it was changed)", r.prev.String, prev)
			}
			buf = appendCanonical(buf[:0], &e, []byte(r.details.String), []byte(r.groups.String))
			if h := HashOf(buf); h != r.hash.String {
				return fail(e.Seq, e.ID, "its content does not match its hash (the event was changed)")
			}
			if a := opts.Anchor; a != nil && a.Seq == e.Seq {
				rep.AnchorChecked = true
				if a.Hash != r.hash.String {
					return fail(e.Seq, e.ID, "does not match the anchor: the chain was rewritten up to here (anchor hash %.12s…, stored %.12s…)", a.Hash, r.hash.String)
				}
			}
			rep.Events++
			rep.Last = e.Seq
			next, prev = e.Seq+1, r.hash.String
		}
		if len(batch) < verifyBatch {
			break
		}
	}
	rep.Head = prev
	if next <= headSeq {
		return fail(next, "", "missing (deleted): the chain head says the trail goes on to #%d", headSeq)
	}
	if prev != headHash {
		return fail(headSeq, "", "the chain head's hash %.12s… is not the last event's %.12s…", headHash, prev)
	}
	return rep, nil
}

// readBatch reads up to verifyBatch events from seq from through to, in order.
func readBatch(ctx context.Context, tx *sql.Tx, into []row, from, to int64) ([]row, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+eventColumns+` FROM audit_events
WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`, from, to, int64(verifyBatch))
	if err != nil {
		return into, err
	}
	defer rows.Close()
	for rows.Next() {
		into = append(into, row{})
		if err := rows.Scan(into[len(into)-1].dest()...); err != nil {
			return into, err
		}
	}
	return into, rows.Err()
}

// latestCheckpoint returns the newest retention checkpoint, or nil.
func latestCheckpoint(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (*Checkpoint, error) {
	var cp Checkpoint
	var cutoff, created int64
	err := q.QueryRowContext(ctx, `SELECT seq, prev_hash, cutoff_us, deleted, created_us FROM audit_checkpoints
ORDER BY seq DESC LIMIT 1`).Scan(&cp.Seq, &cp.Prev, &cutoff, &cp.Deleted, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	cp.Cutoff, cp.Created = time.UnixMicro(cutoff).UTC(), time.UnixMicro(created).UTC()
	return &cp, nil
}

// pruneLookahead bounds the search for outcomes kept whose attempt would be removed: an outcome
// is written moments after its attempt, so within this many events of the cut.
const pruneLookahead = 1000

// Prune removes the events older than before. It cuts the chain at the first event at or after
// before (moved back so that no kept outcome loses its attempt), records a checkpoint holding the
// hash the first kept event chains from, deletes what lies before it, and appends an audit.prune
// event — all in one transaction under the chain lock.
func (db *DB) Prune(ctx context.Context, before time.Time) (PruneResult, error) {
	var res PruneResult
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var headSeq int64
		var headHash string
		if err := tx.QueryRowContext(ctx, qChainLock).Scan(&headSeq, &headHash); err != nil {
			return fmt.Errorf("lock the chain: %w", err)
		}
		var first sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(seq) FROM audit_events WHERE time_us >= $1`,
			before.UnixMicro()).Scan(&first); err != nil {
			return fmt.Errorf("find the cut: %w", err)
		}
		cut := headSeq + 1
		if first.Valid {
			cut = first.Int64
		}
		var orphan sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(a.seq) FROM audit_events o JOIN audit_events a ON a.id = o.attempt_id
WHERE o.seq >= $1 AND o.seq < $2 AND a.seq < $1`, cut, cut+pruneLookahead).Scan(&orphan); err != nil {
			return fmt.Errorf("find the cut: %w", err)
		}
		if orphan.Valid {
			cut = orphan.Int64
		}
		start := int64(1)
		cp, err := latestCheckpoint(ctx, tx)
		if err != nil {
			return err
		}
		if cp != nil {
			start = cp.Seq
		}
		if cut <= start {
			return nil // nothing old enough
		}
		prev := headHash
		if cut <= headSeq {
			if err := tx.QueryRowContext(ctx, `SELECT prev_hash FROM audit_events WHERE seq = $1`, cut).Scan(&prev); err != nil {
				return fmt.Errorf("read the first event kept: %w", err)
			}
		}
		now := db.opts.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, prev_hash, cutoff_us, deleted, created_us)
VALUES ($1, $2, $3, 0, $4)`, cut, prev, before.UnixMicro(), now.UnixMicro()); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		del, err := tx.ExecContext(ctx, `DELETE FROM audit_events WHERE seq < $1`, cut)
		if err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		n, err := del.RowsAffected()
		if err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit_checkpoints SET deleted = $1 WHERE seq = $2`, n, cut); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		res = PruneResult{Deleted: n, Checkpoint: &Checkpoint{Seq: cut, Prev: prev, Cutoff: before.UTC().Truncate(time.Microsecond),
			Deleted: n, Created: now.UTC().Truncate(time.Microsecond)}}
		e := &Event{Time: now, Phase: PhaseOutcome, Name: AuditPrune, Outcome: OutcomeSuccess, Details: Details{
			Int("deleted", n), Int("checkpoint_seq", cut), String("cutoff", before.UTC().Format(time.RFC3339)),
		}}
		if err := normalize(e); err != nil {
			return err
		}
		return db.appendTx(ctx, tx, e)
	})
	if err != nil {
		return PruneResult{}, fmt.Errorf("audit %s: prune: %w", db.d.name, err)
	}
	return res, nil
}
