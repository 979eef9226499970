package userops_test

import (
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
	"userdesk/userops"
)

// benchLatency is what every Management API (and Authentication API) call takes in the
// benchmarks below: issue 12's figure.
const benchLatency = 50 * time.Millisecond

// benchPlan is every step for Edsger Dijkstra (a database user without a passkey, so that each
// step is one call): block, end the sessions and revoke the refresh tokens (one call), forget
// remembered browsers, reset MFA, send the password-reset e-mail.
func benchPlan() userops.SecurePlan {
	return userops.SecurePlan{EndSessions: true, RevokeRefreshTokens: true, InvalidateBrowsers: true, ResetMFA: true,
		Block: true, PasswordResetEmail: true, Email: "edsger.dijkstra@example.com", Connection: auth0apitest.DatabaseConnection}
}

// BenchmarkSecureAccount is "secure this account" with every call at 50 ms: the time until the
// last step's outcome is recorded (the block, then three steps at once, then the e-mail).
//
//	go test ./userops -run '^$' -bench SecureAccount -benchtime 20x
func BenchmarkSecureAccount(b *testing.B) {
	ops, _, tenant := newOps(b)
	tenant.SetLatency(benchLatency)
	target := userops.Target{UserID: auth0apitest.FixtureBareUserID}
	for b.Loop() {
		report, err := ops.SecureAccount(b.Context(), actor, target, benchPlan())
		if err != nil || len(report.Failed()) > 0 {
			b.Fatalf("%v %+v", err, report)
		}
	}
}

// BenchmarkSecureAccountSequential makes the same five calls, each audited the same way, one
// after another: what the dashboard would take without the phases.
func BenchmarkSecureAccountSequential(b *testing.B) {
	ops, _, tenant := newOps(b)
	tenant.SetLatency(benchLatency)
	target := userops.Target{UserID: auth0apitest.FixtureBareUserID}
	p := benchPlan()
	ctx := b.Context()
	for b.Loop() {
		if _, err := ops.SetBlocked(ctx, actor, target, true); err != nil {
			b.Fatal(err)
		}
		if _, err := ops.RevokeAccess(ctx, actor, target); err != nil {
			b.Fatal(err)
		}
		if err := ops.InvalidateBrowsers(ctx, actor, target); err != nil {
			b.Fatal(err)
		}
		if err := ops.ResetFactors(ctx, actor, target); err != nil {
			b.Fatal(err)
		}
		if err := ops.SendPasswordResetEmail(ctx, actor, target, p.Email, p.Connection); err != nil {
			b.Fatal(err)
		}
	}
}
