package userops_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/userops"
)

// securePlan is every step, for Ada (a database user with sessions, refresh tokens and a
// passkey among her factors).
func securePlan() userops.SecurePlan {
	return userops.SecurePlan{EndSessions: true, RevokeRefreshTokens: true, InvalidateBrowsers: true, ResetMFA: true,
		Block: true, PasswordResetEmail: true, Email: "ada.lovelace@example.com", Connection: auth0apitest.DatabaseConnection,
		StepTimeout: 2 * time.Second}
}

// stepEffect checks, in the tenant, that a step's change was made to Ada (or, with done false,
// that it was not).
func stepEffect(t *testing.T, ops *userops.Ops, tenant *auth0apitest.Tenant, step userops.SecureStep, emailsBefore int, done bool) {
	t.Helper()
	id := auth0apitest.FixtureUserID
	var made bool
	switch step {
	case userops.StepBlock:
		u, _ := tenant.User(id)
		made = u["blocked"] == true
	case userops.StepSessionsAndTokens:
		made = len(tenant.Sessions(id)) == 0 && len(tenant.RefreshTokens(id)) == 0
	case userops.StepBrowsers:
		// The tenant keeps no state for remembered browsers: the call was made.
		made = slices.ContainsFunc(tenant.Calls(), func(c auth0apitest.Call) bool {
			return strings.HasSuffix(c.Path, "/invalidate-remember-browser")
		})
	case userops.StepResetMFA:
		page, err := ops.Users.(*auth0api.Client).ListAuthenticationMethods(t.Context(), id, nil)
		if err != nil {
			t.Fatal(err)
		}
		made = len(page.AuthenticationMethods) > 0 && !slices.ContainsFunc(page.AuthenticationMethods, func(m auth0api.AuthenticationMethod) bool {
			return m.Type != "passkey" && m.Type != "password"
		})
	case userops.StepPasswordEmail:
		made = len(tenant.PasswordResetEmails()) == emailsBefore+1
	}
	if made != done {
		t.Errorf("step %s: made in the tenant = %v, want %v", step, made, done)
	}
}

// TestSecureAccountAllSteps: every step is made, in its phase, each audited as a change of its
// own, and the whole as one more with the steps asked for; the passkey Auth0 will not remove
// with the others is kept and the step says so.
func TestSecureAccountAllSteps(t *testing.T) {
	ops, tr, tenant := newOps(t)
	emails := len(tenant.PasswordResetEmails())
	tenant.ResetCalls()
	target := userops.Target{UserID: auth0apitest.FixtureUserID, Label: "Ada Lovelace"}
	report, err := ops.SecureAccount(t.Context(), actor, target, securePlan())
	if err != nil {
		t.Fatal(err)
	}
	if failed := report.Failed(); len(failed) != 0 {
		t.Fatalf("failed steps: %v (%+v)", failed, report.Results)
	}
	if len(report.Results) != 5 {
		t.Errorf("results = %+v, want 5 steps", report.Results)
	}
	for _, s := range []userops.SecureStep{userops.StepBlock, userops.StepSessionsAndTokens, userops.StepBrowsers, userops.StepResetMFA, userops.StepPasswordEmail} {
		stepEffect(t, ops, tenant, s, emails, true)
	}
	// Block first, the e-mail last.
	var order []string
	for _, c := range tenant.Calls() {
		order = append(order, c.Method+" "+c.Path)
	}
	if !strings.HasPrefix(order[0], "PATCH /users/") {
		t.Errorf("first call = %s, want the block", order[0])
	}
	for _, r := range report.Results {
		if r.Step == userops.StepResetMFA && !strings.Contains(r.Note, "passkeys") {
			t.Errorf("the MFA reset does not say the passkeys were kept: %+v", r)
		}
	}
	if last := report.Results[len(report.Results)-1].Step; last != userops.StepPasswordEmail {
		t.Errorf("last step = %s, want the e-mail", last)
	}
	events := tr.records(t)
	var steps []string
	var whole []audit.Event
	for _, e := range events {
		switch e.Name {
		case audit.UserSecureAccountStep:
			if e.Phase == audit.PhaseOutcome {
				if e.Outcome != audit.OutcomeSuccess {
					t.Errorf("step event %+v", e)
				}
			} else {
				steps = append(steps, e.Details.Get("step").(string))
			}
		case audit.UserSecureAccount:
			whole = append(whole, e)
		default:
			t.Errorf("unexpected event %s", e.Name)
		}
	}
	slices.Sort(steps)
	if want := []string{"block", "password_reset_email", "remembered_browsers", "reset_mfa", "sessions_and_tokens"}; !slices.Equal(steps, want) {
		t.Errorf("step events = %v, want %v", steps, want)
	}
	if len(whole) != 2 || whole[0].Phase != audit.PhaseAttempt || whole[1].Outcome != audit.OutcomeSuccess ||
		len(whole[0].Details.Get("steps").([]string)) != 5 {
		t.Errorf("whole = %+v", whole)
	}
}

// scopeRefusal is Auth0's 403 for a token without the scopes an endpoint needs.
const scopeRefusal = `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected all of: delete:sessions,delete:refresh_tokens","errorCode":"insufficient_scope"}`

// TestSecureAccountEachStepFailing (issue 12): each step failing in turn — Auth0 refusing (403),
// rate limiting (429), failing (500) or never answering — leaves every other step done, and the
// report and the audit trail say exactly which failed and why. A 403 on the one call that ends
// sessions and revokes refresh tokens is not a failure: the separate calls are made instead.
func TestSecureAccountEachStepFailing(t *testing.T) {
	routes := map[userops.SecureStep]string{
		userops.StepBlock:             "PATCH /users/{id}",
		userops.StepSessionsAndTokens: "POST /users/{id}/revoke-access",
		userops.StepBrowsers:          "POST /users/{id}/multifactor/actions/invalidate-remember-browser",
		userops.StepResetMFA:          "DELETE /users/{id}/authentication-methods",
		userops.StepPasswordEmail:     "POST /dbconnections/change_password",
	}
	faults := map[string]auth0apitest.Fault{
		"403":  {Status: http.StatusForbidden, Body: scopeRefusal},
		"429":  {Status: http.StatusTooManyRequests},
		"500":  {Status: http.StatusInternalServerError},
		"hang": {Hang: true},
	}
	for step, route := range routes {
		for fname, fault := range faults {
			t.Run(string(step)+" "+fname, func(t *testing.T) {
				t.Parallel()
				ops, tr, tenant := newOps(t)
				emails := len(tenant.PasswordResetEmails())
				tenant.Fail(route, fault)
				plan := securePlan()
				plan.StepTimeout = 300 * time.Millisecond
				report, err := ops.SecureAccount(t.Context(), actor, userops.Target{UserID: auth0apitest.FixtureUserID}, plan)
				if err != nil {
					t.Fatal(err)
				}
				wantFail := !(step == userops.StepSessionsAndTokens && fname == "403") // falls back
				for _, r := range report.Results {
					if r.Step == step {
						if (r.Err != nil) != wantFail {
							t.Errorf("step %s: err = %v, want failure %v", step, r.Err, wantFail)
						}
						if !wantFail && !strings.Contains(r.Note, "separate") {
							t.Errorf("the fallback is not said: %+v", r)
						}
					} else if r.Err != nil {
						t.Errorf("step %s failed too: %v", r.Step, r.Err)
					}
				}
				tenant.ClearFaults()
				for other := range routes {
					if other != step {
						stepEffect(t, ops, tenant, other, emails, true)
					} else if other != userops.StepBrowsers {
						stepEffect(t, ops, tenant, other, emails, !wantFail)
					}
				}
				// The trail: the failed step's outcome is a failure, the whole names it.
				var whole audit.Event
				for _, e := range tr.records(t) {
					if e.Name == audit.UserSecureAccountStep && e.Phase == audit.PhaseOutcome && e.Details.Get("step") == string(step) {
						if (e.Outcome == audit.OutcomeFailure) != wantFail {
							t.Errorf("step outcome = %s", e.Outcome)
						}
					}
					if e.Name == audit.UserSecureAccount && e.Phase == audit.PhaseOutcome {
						whole = e
					}
				}
				failed, _ := whole.Details.Get("failed_steps").([]string)
				if wantFail && (whole.Outcome != audit.OutcomeFailure || !slices.Equal(failed, []string{string(step)})) {
					t.Errorf("whole = %s, failed %v", whole.Outcome, failed)
				}
				if !wantFail && whole.Outcome != audit.OutcomeSuccess {
					t.Errorf("whole = %s", whole.Outcome)
				}
				if fname == "hang" && wantFail {
					for _, r := range report.Results {
						if r.Step == step && !strings.Contains(r.Err.Error(), "no answer within") {
							t.Errorf("a hang is not said: %v", r.Err)
						}
					}
				}
			})
		}
	}
}

// TestSecureAccountRerun: running it again after everything was done is harmless — every step
// succeeds again and the account stays secured.
func TestSecureAccountRerun(t *testing.T) {
	ops, _, tenant := newOps(t)
	target := userops.Target{UserID: auth0apitest.FixtureUserID}
	for run := range 2 {
		tenant.Fail("POST /users/{id}/multifactor/actions/invalidate-remember-browser", auth0apitest.Fault{Status: http.StatusInternalServerError, Times: 1})
		report, err := ops.SecureAccount(t.Context(), actor, target, securePlan())
		if err != nil {
			t.Fatal(err)
		}
		failed := report.Failed()
		// The first run fails one step; the second, with nothing injected, fails none.
		if run == 0 && !slices.Equal(failed, []userops.SecureStep{userops.StepBrowsers}) {
			t.Errorf("run 1 failed %v", failed)
		}
		if run == 1 && len(failed) != 1 {
			t.Errorf("run 2 failed %v", failed)
		}
	}
	tenant.ClearFaults()
	report, err := ops.SecureAccount(t.Context(), actor, target, securePlan())
	if err != nil || len(report.Failed()) != 0 {
		t.Fatalf("third run: %v %+v", err, report)
	}
	u, _ := tenant.User(target.UserID)
	if u["blocked"] != true || len(tenant.Sessions(target.UserID)) != 0 || len(tenant.RefreshTokens(target.UserID)) != 0 {
		t.Errorf("the account is not secured after re-runs: blocked %v, %d sessions, %d tokens", u["blocked"], len(tenant.Sessions(target.UserID)), len(tenant.RefreshTokens(target.UserID)))
	}
}

// TestSecureAccountFailsClosed: when the whole's attempt cannot be recorded, nothing is asked of
// Auth0.
func TestSecureAccountFailsClosed(t *testing.T) {
	ops, _, tenant := newOps(t, brokenSink{})
	tenant.ResetCalls()
	_, err := ops.SecureAccount(t.Context(), actor, userops.Target{UserID: auth0apitest.FixtureUserID}, securePlan())
	if !errors.Is(err, userops.ErrAuditUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if calls := tenant.Calls(); len(calls) != 0 {
		t.Errorf("calls = %v", calls)
	}
}

// TestSecureAccountOutlivesTheRequest: cancelling the caller's context (the browser went away)
// does not stop the steps.
func TestSecureAccountOutlivesTheRequest(t *testing.T) {
	ops, _, tenant := newOps(t)
	tenant.SetLatency(30 * time.Millisecond)
	ctx, cancel := context.WithCancel(t.Context())
	run, err := ops.StartSecureAccount(ctx, actor, userops.Target{UserID: auth0apitest.FixtureUserID}, securePlan())
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	n := 0
	for r := range run.Results() {
		n++
		if r.Err != nil {
			t.Errorf("step %s: %v", r.Step, r.Err)
		}
	}
	if n != 5 || len(run.Wait().Results) != 5 {
		t.Errorf("%d results", n)
	}
}

// TestRevokeAccessFallback: Auth0 refusing revoke-access (a token without
// delete:refresh_tokens would) makes the two separate calls, and says which failed.
func TestRevokeAccessFallback(t *testing.T) {
	ops, tr, tenant := newOps(t)
	id := auth0apitest.FixtureUserID
	tenant.Fail("POST /users/{id}/revoke-access", auth0apitest.Fault{Status: http.StatusForbidden, Body: scopeRefusal, Times: 1})
	tenant.Fail("DELETE /users/{id}/refresh-tokens", auth0apitest.Fault{Status: http.StatusInternalServerError, Times: 1})
	via, err := ops.RevokeAccess(t.Context(), actor, userops.Target{UserID: id})
	if via != userops.ViaSeparate || err == nil || !strings.Contains(err.Error(), "revoke the refresh tokens (the sessions ended)") {
		t.Errorf("via %q, err %v", via, err)
	}
	if len(tenant.Sessions(id)) != 0 || len(tenant.RefreshTokens(id)) == 0 {
		t.Errorf("sessions %d, tokens %d", len(tenant.Sessions(id)), len(tenant.RefreshTokens(id)))
	}
	events := tr.records(t)
	if len(events) != 2 || events[1].Outcome != audit.OutcomeFailure || events[1].Details.Get("via") != userops.ViaSeparate {
		t.Errorf("audit = %+v", events)
	}
	// A plan refusal is not retried another way: the separate calls are Enterprise-only too.
	tenant.SetPlan(auth0apitest.PlanProfessional)
	tenant.ResetCalls()
	via, err = ops.RevokeAccess(t.Context(), actor, userops.Target{UserID: id})
	if via != userops.ViaRevoke || !errors.Is(err, auth0api.ErrFeatureUnavailable) || len(tenant.Calls()) != 1 {
		t.Errorf("on another plan: via %q, err %v, calls %v", via, err, tenant.Calls())
	}
}
