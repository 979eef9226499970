package userops_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/userops"
)

// brokenSink refuses every write, as a full disk would.
type brokenSink struct{}

func (brokenSink) Append(context.Context, *audit.Event) error { return errors.New("disk full") }

// trail is the audit trail of a test: an in-memory SQLite store behind the real recorder.
type trail struct {
	db  *audit.DB
	rec *audit.Recorder
}

// records returns the stored events, oldest first.
func (tr trail) records(t testing.TB) []audit.Event {
	t.Helper()
	var out []audit.Event
	for r, err := range tr.db.Records(t.Context(), audit.Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Event)
		if r.Result != nil {
			out = append(out, *r.Result)
		}
	}
	return out
}

// newOps is the operations in front of an emulated tenant, with the real client.
func newOps(t testing.TB, sinks ...audit.Sink) (*userops.Ops, trail, *auth0apitest.Tenant) {
	t.Helper()
	tenant, srv := auth0apitest.NewServer(t, auth0apitest.Options{Users: 10, Seed: 3})
	client, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: tenant.Token(auth0apitest.AllScopes...), Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	db, err := audit.OpenSQLite(t.Context(), audit.Memory, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	tr := trail{db: db, rec: audit.NewRecorder(audit.RecorderOptions{Sinks: append([]audit.Sink{db}, sinks...)})}
	return &userops.Ops{Users: client, Audit: tr.rec, PasswordResetClientID: auth0apitest.TestClientID}, tr, tenant
}

var actor = userops.Actor{Actor: audit.Actor{Subject: "auth0|staff", Email: "staff@example.com", Groups: []string{"helpdesk"}}, RequestID: "req-1", Route: "test"}

// TestAttemptThenOutcome: a change records its attempt before the call and its outcome after it,
// with the same event and details; the change is made.
func TestAttemptThenOutcome(t *testing.T) {
	ops, tr, tenant := newOps(t)
	target := userops.Target{UserID: auth0apitest.FixtureBareUserID}
	u, err := ops.SetBlocked(t.Context(), actor, target, true)
	if err != nil {
		t.Fatal(err)
	}
	if !u.Blocked {
		t.Error("the answer says the user is not blocked")
	}
	stored, _ := tenant.User(target.UserID)
	if stored["blocked"] != true {
		t.Error("the user was not blocked in the tenant")
	}
	events := tr.records(t)
	if len(events) != 2 || events[0].Phase != audit.PhaseAttempt || events[1].Phase != audit.PhaseOutcome || events[1].AttemptID != events[0].ID {
		t.Fatalf("audit = %+v, want an attempt then its outcome", events)
	}
	for _, e := range events {
		if e.Name != audit.UserBlock || e.Target.UserID != target.UserID || e.RequestID != "req-1" || e.Actor.Email != "staff@example.com" {
			t.Errorf("event = %+v", e)
		}
	}
	if events[1].Outcome != audit.OutcomeSuccess {
		t.Errorf("outcome = %s", events[1].Outcome)
	}
}

// TestFailsClosed: when the attempt cannot be recorded, no call is made and the error says so.
func TestFailsClosed(t *testing.T) {
	ops, _, tenant := newOps(t, brokenSink{}) // the store takes it, the log behind it cannot
	tenant.ResetCalls()
	target := userops.Target{UserID: auth0apitest.FixtureUserID}
	checks := map[string]func() error{
		"block":         func() error { _, err := ops.SetBlocked(t.Context(), actor, target, true); return err },
		"delete":        func() error { return ops.Delete(t.Context(), actor, target) },
		"reset factors": func() error { return ops.ResetFactors(t.Context(), actor, target) },
		"recovery code": func() error { _, err := ops.RegenerateRecoveryCode(t.Context(), actor, target); return err },
		"create": func() error {
			_, err := ops.Create(t.Context(), actor, auth0api.UserCreate{Connection: auth0apitest.DatabaseConnection, Email: "x@example.com", Password: "Aa1!aaaaaaaa"}, false)
			return err
		},
	}
	for name, do := range checks {
		if err := do(); !errors.Is(err, userops.ErrAuditUnavailable) {
			t.Errorf("%s: err = %v, want ErrAuditUnavailable", name, err)
		}
	}
	if calls := tenant.Calls(); len(calls) != 0 {
		t.Errorf("calls were made without an attempt recorded: %v", calls)
	}
	if _, ok := tenant.User(auth0apitest.FixtureUserID); !ok {
		t.Error("the user was deleted")
	}
}

// TestOutcomeOfAFailure: Auth0's refusal is the outcome, and the operation's error.
func TestOutcomeOfAFailure(t *testing.T) {
	ops, tr, tenant := newOps(t)
	tenant.Fail("POST /jobs/verification-email", auth0apitest.Fault{Status: http.StatusTooManyRequests})
	_, err := ops.SendVerificationEmail(t.Context(), actor, userops.Target{UserID: auth0apitest.FixtureUserID})
	if !errors.Is(err, auth0api.ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	events := tr.records(t)
	if len(events) != 2 || events[1].Outcome != audit.OutcomeFailure || events[1].Details.Get("auth0_status") != int64(429) {
		t.Errorf("audit = %+v", events)
	}
}

// TestSecretsNeverInEvents: the recovery code and the password-change link are returned, never
// recorded.
func TestSecretsNeverInEvents(t *testing.T) {
	ops, tr, _ := newOps(t)
	target := userops.Target{UserID: auth0apitest.FixtureUserID}
	code, err := ops.RegenerateRecoveryCode(t.Context(), actor, target)
	if err != nil || code == "" {
		t.Fatalf("code %q, err %v", code, err)
	}
	link, _, err := ops.PasswordChangeTicket(t.Context(), actor, target, 3600e9)
	if err != nil || link == "" {
		t.Fatalf("link %q, err %v", link, err)
	}
	for _, e := range tr.records(t) {
		for _, d := range e.Details {
			if v := fmt.Sprint(d.Value); strings.Contains(v, code) || strings.Contains(v, link) {
				t.Errorf("a secret is in the event %s: %v", e.Name, d)
			}
		}
	}
}
