package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"userdesk/audit"
)

// TestAuditVerifyCommand: `userdesk audit verify` exits 0 on an intact trail and 1 with the first
// break on a tampered one; -anchor checks a hash from the log; `audit prune` applies retention
// and the trail still verifies.
func TestAuditVerifyCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.db")
	getenv := func(k string) string {
		if k == "USERDESK_AUDIT_DB" {
			return path
		}
		return ""
	}
	ctx := context.Background()
	auditCmd := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"audit"}, args...), getenv, &out)
		return out.String(), err
	}
	if _, err := auditCmd("verify"); err == nil || !strings.Contains(err.Error(), "no audit trail") {
		t.Fatalf("verify without a trail: %v", err)
	}

	old := time.Now().Add(-500 * 24 * time.Hour)
	clock := func() time.Time { return old }
	store, err := audit.OpenSQLite(ctx, path, audit.Options{Now: func() time.Time { return clock() }})
	if err != nil {
		t.Fatal(err)
	}
	rec := audit.NewRecorder(audit.RecorderOptions{Sinks: []audit.Sink{store}, Now: func() time.Time { return clock() }})
	for i := range 4 {
		if i == 2 {
			clock = time.Now
		}
		a, err := rec.Attempt(ctx, audit.Event{Name: audit.UserBlock, Actor: audit.Actor{Subject: "auth0|hal"},
			Target: audit.Target{UserID: fmt.Sprintf("auth0|%d", i)}})
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Outcome(ctx, a, audit.OutcomeSuccess); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := store.Verify(ctx, audit.VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Fatal(rep, err)
	}
	store.Close()

	out, err := auditCmd("verify")
	if err != nil || !strings.Contains(out, "intact: 8 events, #1 to #8, head 8:"+rep.Head) {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	if out, err := auditCmd("verify", "-anchor", "3:"+strings.Repeat("0", 64)); !errors.Is(err, errChainBroken) || !strings.Contains(out, "#3") {
		t.Errorf("verify with a wrong anchor: %v\n%s", err, out)
	}
	if _, err := auditCmd("verify", "-anchor", "x"); err == nil {
		t.Error("a malformed anchor was accepted")
	}

	out, err = auditCmd("prune")
	if err != nil || !strings.Contains(out, "removed 4 events") {
		t.Fatalf("prune: %v\n%s", err, out)
	}
	out, err = auditCmd("verify")
	if err != nil || !strings.Contains(out, "events before #5 removed (4,") || !strings.Contains(out, "intact: 5 events, #5 to #9") {
		t.Fatalf("verify after prune: %v\n%s", err, out)
	}

	// Someone edits event #6 in the file: verify fails there and names it.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`DROP TRIGGER audit_events_no_update; UPDATE audit_events SET target_user_id = 'auth0|x' WHERE seq = 6`); err != nil {
		t.Fatal(err)
	}
	out, err = auditCmd("verify")
	if !errors.Is(err, errChainBroken) || !strings.Contains(out, "BROKEN at event #6 (id ") || !strings.Contains(err.Error(), "#6") {
		t.Errorf("verify of an edited trail: %v\n%s", err, out)
	}

	for _, args := range [][]string{{}, {"-h"}, {"verify", "-h"}} {
		if out, err := auditCmd(args...); err != nil || !strings.Contains(out, "userdesk audit verify") {
			t.Errorf("audit %v: %v %q", args, err, out)
		}
	}
	if _, err := auditCmd("drop"); err == nil {
		t.Error("unknown subcommand accepted")
	}
}
