package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite" // the "sqlite" database/sql driver (pure Go)
)

// Memory is the SQLite path of a store held in memory for the life of the DB (tests, and a demo
// that cannot write a file).
const Memory = ":memory:"

// sqliteBusyTimeout is how long a SQLite write waits for another process's write.
const sqliteBusyTimeout = 10 * time.Second

// Open opens the store named by target: a postgres:// or postgresql:// URL opens PostgreSQL,
// anything else is a SQLite file path (or Memory).
func Open(ctx context.Context, target string, opts Options) (*DB, error) {
	if IsPostgresURL(target) {
		return OpenPostgres(ctx, target, opts)
	}
	return OpenSQLite(ctx, target, opts)
}

// IsPostgresURL reports whether target is a PostgreSQL URL.
func IsPostgresURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// OpenSQLite opens (creating it when absent, mode 0600) the SQLite store at path and applies
// its migrations. The file is in WAL mode with synchronous=FULL (a stored event survives a power
// cut); writes go through one connection whose transactions begin IMMEDIATE, so appends from
// other goroutines and processes wait their turn (busy timeout 10s) instead of failing; reads
// use a pool of their own that cannot write.
func OpenSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	if path == "" {
		return nil, errors.New("audit sqlite: no path")
	}
	busy := fmt.Sprintf("_pragma=busy_timeout(%d)", sqliteBusyTimeout.Milliseconds())
	if path == Memory {
		// One connection holds the database: it lives as long as the DB.
		w, err := sql.Open("sqlite", "file:audit-"+newID()+"?mode=memory&_txlock=immediate&"+busy)
		if err != nil {
			return nil, fmt.Errorf("audit sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxIdleTime(0)
		w.SetConnMaxLifetime(0)
		return finishOpen(ctx, &DB{w: w, r: w, d: sqliteDialect, opts: opts})
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("audit sqlite: the path %q holds ? or #: choose another", path)
	}
	// Create the file ourselves so that it (and SQLite's -wal and -shm files, which copy its
	// mode) is readable by the owner only.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("audit sqlite: create %s: %w", path, err)
	}
	w, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&"+busy+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
	if err != nil {
		return nil, fmt.Errorf("audit sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+busy+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("audit sqlite: %w", err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	return finishOpen(ctx, &DB{w: w, r: r, d: sqliteDialect, opts: opts})
}

// OpenPostgres opens the PostgreSQL store at url (postgres://user:password@host/db?…) and
// applies its migrations, one replica at a time. Appends from every replica chain in one order:
// each locks the chain head row until it commits.
func OpenPostgres(ctx context.Context, url string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL: say only which setting.
		return nil, fmt.Errorf("audit postgres: %s is not a valid PostgreSQL URL", redactURL(url))
	}
	// The audit queries are short index scans with a LIMIT: parallel workers only add their
	// start-up (up to a few hundred ms on a busy host). The URL may still ask for them.
	for k, v := range map[string]string{"max_parallel_workers_per_gather": "0", "application_name": "userdesk-audit"} {
		if _, set := cfg.RuntimeParams[k]; !set {
			cfg.RuntimeParams[k] = v
		}
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	return finishOpen(ctx, &DB{w: db, r: db, d: postgresDialect, opts: opts})
}

// finishOpen migrates a new DB, closing it on failure. SQLite can answer "busy" without waiting
// for its busy timeout while another process creates the same file and switches it to WAL:
// that is retried, with a growing pause, for up to a minute.
func finishOpen(ctx context.Context, db *DB) (*DB, error) {
	mctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for pause := 10 * time.Millisecond; ; pause = min(2*pause, time.Second) {
		err := migrate(mctx, db.w, db.d)
		if err == nil {
			return db, nil
		}
		if !isBusy(err) || mctx.Err() != nil {
			db.Close()
			return nil, err
		}
		select {
		case <-mctx.Done():
		case <-time.After(pause):
		}
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == 5
}

// redactURL returns a database URL without its password, for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func nowMicro() int64 { return time.Now().UnixMicro() }

func nowTime() time.Time { return time.Now() }
