package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestLoadAudit reads the audit store's settings: the SQLite default, PostgreSQL instead, the
// demo's temporary file, retention in days or as a duration, and every mistake at once without
// showing the database password.
func TestLoadAudit(t *testing.T) {
	ok := []struct {
		name string
		env  env
		want Audit
	}{
		{"defaults", env{}, Audit{DB: DefaultAuditDB, Retention: 400 * 24 * time.Hour}},
		{"file", env{"USERDESK_AUDIT_DB": "./audit.db"}, Audit{DB: "./audit.db", Retention: DefaultAuditRetention}},
		{"postgres", env{"USERDESK_AUDIT_DATABASE_URL": "postgresql://u:p@db/audit"}, Audit{DatabaseURL: "postgresql://u:p@db/audit", Retention: DefaultAuditRetention}},
		{"days", env{"USERDESK_AUDIT_RETENTION": "90d"}, Audit{DB: DefaultAuditDB, Retention: 90 * 24 * time.Hour}},
		{"duration", env{"USERDESK_AUDIT_RETENTION": "720h"}, Audit{DB: DefaultAuditDB, Retention: 720 * time.Hour}},
		{"forever", env{"USERDESK_AUDIT_RETENTION": "0"}, Audit{DB: DefaultAuditDB}},
	}
	for _, c := range ok {
		got, err := LoadAudit(c.env.get)
		if err != nil || got != c.want {
			t.Errorf("%s: LoadAudit = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	if got, _ := LoadAudit(env{"USERDESK_AUDIT_DATABASE_URL": "postgres://x@h/d"}.get); got.Target() != "postgres://x@h/d" {
		t.Errorf("Target() = %q, want the URL", got.Target())
	}

	_, err := LoadAudit(env{
		"USERDESK_AUDIT_DB":           "/data/a?.db",
		"USERDESK_AUDIT_DATABASE_URL": "mysql://root:hunter2@db/x",
		"USERDESK_AUDIT_RETENTION":    "12h",
	}.get)
	var cerr *Error
	if !errors.As(err, &cerr) || len(cerr.Problems) != 2 || !strings.Contains(cerr.Problems[0], "not both") || !strings.Contains(cerr.Problems[1], "shorter than 1d") {
		t.Errorf("LoadAudit with mistakes: %v", err)
	}
	for _, bad := range []env{
		{"USERDESK_AUDIT_DATABASE_URL": "mysql://root:hunter2@db/x"},
		{"USERDESK_AUDIT_RETENTION": "forever"},
		{"USERDESK_AUDIT_RETENTION": "-3d"},
		{"USERDESK_AUDIT_DB": "/data/a#b.db"},
	} {
		_, err := LoadAudit(bad.get)
		if err == nil {
			t.Errorf("LoadAudit(%v) accepted it", bad)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the database password: %v", err)
		}
	}

	// Demo mode: no file unless one is set (the demo makes a temporary one).
	demo, err := Load([]string{"-demo"}, env{}.get)
	if err != nil || demo.Audit.DB != "" || demo.Audit.Retention != DefaultAuditRetention {
		t.Errorf("demo: %+v, %v", demo.Audit, err)
	}
	demo, err = Load([]string{"-demo"}, env{"USERDESK_AUDIT_DB": "/tmp/demo-audit.db"}.get)
	if err != nil || demo.Audit.DB != "/tmp/demo-audit.db" {
		t.Errorf("demo with a file: %+v, %v", demo.Audit, err)
	}
}
