-- The audit trail (SQLite). Keep in step with ../postgres/0001_events.sql: the same tables,
-- columns and indexes; only the types' spelling and the guard triggers differ.

-- Every event, in chain order. seq is the position in the chain (1, 2, 3, …, assigned under the
-- chain lock); hash is the SHA-256 of the event's canonical form, which includes prev_hash.
CREATE TABLE audit_events (
    seq            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    attempt_id     TEXT    NOT NULL,        -- on an outcome: the attempt it ends; '' otherwise
    time_us        BIGINT  NOT NULL,        -- Unix microseconds, UTC
    phase          TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    outcome        TEXT    NOT NULL,
    request_id     TEXT    NOT NULL,
    actor_sub      TEXT    NOT NULL,
    actor_email    TEXT    NOT NULL,
    actor_name     TEXT    NOT NULL,
    actor_groups   TEXT    NOT NULL,        -- canonical JSON array of strings
    target_user_id TEXT    NOT NULL,
    target_label   TEXT    NOT NULL,
    ip             TEXT    NOT NULL,
    route          TEXT    NOT NULL,
    details        TEXT    NOT NULL,        -- canonical JSON object
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL
);
-- One outcome per attempt. Partial, so that no index covers attempt_id = '' (the records'
-- query): the planner then reads by seq or by the filter's index.
CREATE UNIQUE INDEX audit_events_attempt ON audit_events (attempt_id) WHERE attempt_id <> '';
CREATE INDEX audit_events_name   ON audit_events (name, seq);
CREATE INDEX audit_events_actor  ON audit_events (actor_sub, seq);
CREATE INDEX audit_events_email  ON audit_events (actor_email, seq);
CREATE INDEX audit_events_target ON audit_events (target_user_id, seq);
CREATE INDEX audit_events_time   ON audit_events (time_us, seq);

-- The chain head: the last event's seq and hash. Appends lock this row (SQLite: the write
-- transaction), so events from every process chain in one order.
-- time_us is the last event's time: an event is never stored with an earlier one (clock skew
-- between replicas), so time order is chain order and a time range is a seq range.
CREATE TABLE audit_chain (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    seq     BIGINT  NOT NULL,
    hash    TEXT    NOT NULL,
    time_us BIGINT  NOT NULL
);
INSERT INTO audit_chain (id, seq, hash, time_us)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0);

-- Retention checkpoints: events before seq were removed; the event at seq chains from
-- prev_hash. Verification starts from the newest.
CREATE TABLE audit_checkpoints (
    seq        BIGINT PRIMARY KEY,
    prev_hash  TEXT   NOT NULL,
    cutoff_us  BIGINT NOT NULL,
    deleted    BIGINT NOT NULL,
    created_us BIGINT NOT NULL
);

-- One row the health probe writes, outside the chain.
CREATE TABLE audit_probe (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    at_us BIGINT  NOT NULL
);
INSERT INTO audit_probe (id, at_us) VALUES (1, 0);

-- Events are never changed, and removed only by retention, behind a checkpoint. (Whoever can
-- drop these triggers can change the table: the hash chain is what shows it.)
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN OLD.seq >= COALESCE((SELECT MAX(seq) FROM audit_checkpoints), 1)
BEGIN
    SELECT RAISE(ABORT, 'audit events are removed only by retention, behind a checkpoint');
END;
