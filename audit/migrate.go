package audit

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// migrations holds each engine's schema changes, NNNN_name.sql, applied in order.
//
//go:embed migrations
var migrations embed.FS

// dialect is what differs between the engines.
type dialect struct {
	name string
	// migrationLock is run first in the migration transaction: PostgreSQL takes a
	// transaction-scoped advisory lock so replicas starting together migrate one at a time.
	// SQLite needs none: its write transactions begin IMMEDIATE, which locks the database.
	migrationLock string
	// snapshot begins Verify's read transaction.
	snapshot *sql.TxOptions
}

// migrateLockKey is the advisory lock id of the audit schema migrations ("udkaudit").
const migrateLockKey int64 = 0x75646b6175646974

var (
	sqliteDialect = dialect{
		name:     "sqlite",
		snapshot: &sql.TxOptions{ReadOnly: true},
	}
	postgresDialect = dialect{
		name:          "postgres",
		migrationLock: "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(migrateLockKey, 10) + ")",
		snapshot:      &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
	}
)

// migration is one schema change.
type migration struct {
	version int64
	name    string
	sql     string
}

// loadMigrations reads the engine's migrations, sorted by version.
func loadMigrations(engine string) ([]migration, error) {
	dir := path.Join("migrations", engine)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("audit: migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("audit: migration file %s is not NNNN_name.sql", e.Name())
		}
		body, err := fs.ReadFile(migrations, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("audit: migrations: %w", err)
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return int(a.version - b.version) })
	return out, nil
}

// SchemaVersion is the newest schema version this build knows.
func SchemaVersion() int64 {
	ms, err := loadMigrations("sqlite")
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate applies the pending migrations in one transaction, under the engine's lock, and
// records each in audit_schema_version. Running it again, or from several processes at once,
// applies nothing twice. A database newer than this build is refused.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	ms, err := loadMigrations(d.name)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("audit %s: migrate: begin: %w", d.name, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.migrationLock); err != nil {
			return fmt.Errorf("audit %s: migrate: lock: %w", d.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS audit_schema_version (
    version    BIGINT PRIMARY KEY,
    name       TEXT   NOT NULL,
    applied_us BIGINT NOT NULL
)`); err != nil {
		return fmt.Errorf("audit %s: migrate: version table: %w", d.name, err)
	}
	var current int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM audit_schema_version`).Scan(&current); err != nil {
		return fmt.Errorf("audit %s: migrate: read version: %w", d.name, err)
	}
	if newest := ms[len(ms)-1].version; current > newest {
		return fmt.Errorf("audit %s: the database's audit schema is version %d, newer than this userdesk knows (%d): upgrade userdesk", d.name, current, newest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("audit %s: migration %04d_%s: %w", d.name, m.version, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_schema_version (version, name, applied_us) VALUES ($1, $2, $3)`,
			m.version, m.name, nowMicro()); err != nil {
			return fmt.Errorf("audit %s: migration %04d_%s: %w", d.name, m.version, m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audit %s: migrate: commit: %w", d.name, err)
	}
	return nil
}
