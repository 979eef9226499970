package userops_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/userops"
)

// recorder is an Auditor that keeps what it is told, and can refuse attempts.
type recorder struct {
	mu      sync.Mutex
	refuse  error
	entries []entry
}

type entry struct {
	phase string // "attempt" or "outcome"
	event userops.Event
	err   error
}

func (r *recorder) Attempt(_ context.Context, e userops.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refuse != nil {
		return r.refuse
	}
	r.entries = append(r.entries, entry{phase: "attempt", event: e})
	return nil
}

func (r *recorder) Outcome(_ context.Context, e userops.Event, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, entry{phase: "outcome", event: e, err: err})
}

// newOps is the operations in front of an emulated tenant, with the real client.
func newOps(t *testing.T) (*userops.Ops, *recorder, *auth0apitest.Tenant) {
	t.Helper()
	tenant, srv := auth0apitest.NewServer(t, auth0apitest.Options{Users: 10, Seed: 3})
	client, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: tenant.Token(auth0apitest.AllScopes...), Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	return &userops.Ops{Users: client, Audit: rec, PasswordResetClientID: auth0apitest.TestClientID}, rec, tenant
}

var actor = userops.Actor{Subject: "auth0|staff", Email: "staff@example.com", Groups: []string{"helpdesk"}, RequestID: "req-1", Via: "test"}

// TestAttemptThenOutcome: a change records its attempt before the call and its outcome after it,
// with the same event and details; the change is made.
func TestAttemptThenOutcome(t *testing.T) {
	ops, rec, tenant := newOps(t)
	target := userops.Target{ID: auth0apitest.FixtureBareUserID}
	u, err := ops.SetBlocked(t.Context(), actor, target, true)
	if err != nil {
		t.Fatal(err)
	}
	if !u.Blocked {
		t.Error("the answer says the user is not blocked")
	}
	stored, _ := tenant.User(target.ID)
	if stored["blocked"] != true {
		t.Error("the user was not blocked in the tenant")
	}
	if len(rec.entries) != 2 || rec.entries[0].phase != "attempt" || rec.entries[1].phase != "outcome" {
		t.Fatalf("audit = %+v, want an attempt then an outcome", rec.entries)
	}
	for _, e := range rec.entries {
		if e.event.Name != userops.EventBlock || e.event.Target.ID != target.ID || e.event.Actor.RequestID != "req-1" {
			t.Errorf("event = %+v", e.event)
		}
	}
	if rec.entries[1].err != nil {
		t.Errorf("outcome error = %v", rec.entries[1].err)
	}
}

// TestFailsClosed: when the attempt cannot be recorded, no call is made and the error says so.
func TestFailsClosed(t *testing.T) {
	ops, rec, tenant := newOps(t)
	rec.refuse = errors.New("disk full")
	tenant.ResetCalls()
	target := userops.Target{ID: auth0apitest.FixtureUserID}
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
	ops, rec, tenant := newOps(t)
	tenant.Fail("POST /jobs/verification-email", auth0apitest.Fault{Status: http.StatusTooManyRequests})
	_, err := ops.SendVerificationEmail(t.Context(), actor, userops.Target{ID: auth0apitest.FixtureUserID})
	if !errors.Is(err, auth0api.ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	if len(rec.entries) != 2 || !errors.Is(rec.entries[1].err, auth0api.ErrRateLimited) {
		t.Errorf("audit = %+v", rec.entries)
	}
}

// TestSecretsNeverInEvents: the recovery code and the password-change link are returned, never
// recorded.
func TestSecretsNeverInEvents(t *testing.T) {
	ops, rec, _ := newOps(t)
	target := userops.Target{ID: auth0apitest.FixtureUserID}
	code, err := ops.RegenerateRecoveryCode(t.Context(), actor, target)
	if err != nil || code == "" {
		t.Fatalf("code %q, err %v", code, err)
	}
	link, _, err := ops.PasswordChangeTicket(t.Context(), actor, target, 3600e9)
	if err != nil || link == "" {
		t.Fatalf("link %q, err %v", link, err)
	}
	for _, e := range rec.entries {
		for _, d := range e.event.Details {
			if v := d.Value.String(); v == code || v == link {
				t.Errorf("a secret is in the event %s: %s", e.event.Name, d)
			}
		}
	}
}
