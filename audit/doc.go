// Package audit is userdesk's audit trail: who did what to whom, and how it ended, kept so that
// people can read it and so that a removed or changed event shows.
//
// An Event is one thing done or tried: a change is an attempt (written before the Management
// API call) and an outcome (after it, pointing at the attempt); a refusal or a sign-in is one
// outcome. The Recorder writes each event to its sinks in order: the store (DB, on SQLite or
// PostgreSQL) and the JSON log (LogSink). If an attempt cannot be written the caller must refuse
// the change (fail closed); Recorder.Check tells a readiness endpoint whether events can be
// written, and recovers by itself.
//
// The store chains events: each holds the SHA-256 of its canonical form (see Canonical), which
// includes the hash of the event before it. DB.Verify walks the chain and reports the first
// event that was changed or removed; retention (DB.Prune) leaves a checkpoint so that what
// remains still verifies. Someone who can write the database and recompute every hash can
// rewrite the chain from end to end: the seq and hash that the JSON log line carries for every
// stored event are the anchor that catches that (VerifyOptions.Anchor).
//
// Events are read as Records (an attempt with its outcome) with Query (filters, keyset paging,
// newest first) or Records (an iterator for CSV export, WriteCSV), and said in words with
// Describe. Details hold only keys of a declared vocabulary, and values that look like bearer
// secrets are replaced: no password, token, recovery code or ticket URL is ever stored.
//
// The package imports no web framework: handlers, bulk jobs and the CLI use it alike.
package audit
