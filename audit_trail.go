package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"userdesk/audit"
	"userdesk/config"
)

// auditTrail is the opened audit trail: its store (SQLite or PostgreSQL) and the recorder that
// writes the store and the JSON audit log.
type auditTrail struct {
	db  *audit.DB
	rec *audit.Recorder
}

// openAuditTrail opens the audit store of cfg (demo mode, without USERDESK_AUDIT_DB: a temporary
// file, removed at the end; in memory where no temporary directory exists, as in the scratch
// image), applies its migrations, starts retention in the background (until ctx ends) and
// returns the trail and the function that closes it. The JSON audit log (USERDESK_AUDIT_LOG)
// is the recorder's second sink.
func openAuditTrail(ctx context.Context, cfg config.Config, logger *slog.Logger, stdout io.Writer) (*auditTrail, func(), error) {
	log, closeLog, err := openAudit(cfg.AuditLog, stdout)
	if err != nil {
		return nil, nil, err
	}
	target, cleanup := cfg.Audit.Target(), func() {}
	if target == "" {
		target = audit.Memory
		if f, err := os.CreateTemp("", "userdesk-audit-*.db"); err == nil {
			_ = f.Close()
			target, cleanup = f.Name(), func() {
				for _, suffix := range []string{"", "-wal", "-shm"} {
					_ = os.Remove(f.Name() + suffix)
				}
			}
		}
	}
	db, err := audit.Open(ctx, target, audit.Options{})
	if err != nil {
		closeLog()
		cleanup()
		return nil, nil, fmt.Errorf("audit trail: %w", err)
	}
	logger.Info("audit trail", "store", db.Engine(), "retention", cfg.Audit.Retention.String())
	t := &auditTrail{db: db, rec: audit.NewRecorder(audit.RecorderOptions{Sinks: []audit.Sink{db, audit.NewLogSink(log)}})}
	retained := make(chan struct{})
	rctx, stopRetention := context.WithCancel(ctx)
	go func() {
		defer close(retained)
		audit.Retention{Store: db, Keep: cfg.Audit.Retention, Logger: logger}.Run(rctx)
	}()
	return t, func() {
		stopRetention()
		<-retained
		_ = db.Close()
		closeLog()
		cleanup()
	}, nil
}
