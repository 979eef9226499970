package userops

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"userdesk/audit"
	"userdesk/auth0api"
)

// "Secure this account" (issue 12): for a compromised account, several changes confirmed once
// and made in a sensible order, independent ones at once. Each step is audited as a change of
// its own (audit.UserSecureAccountStep, with the step's name), and the whole as one more
// (audit.UserSecureAccount: the steps asked for in the attempt, the failed ones in the outcome).
// A step that fails does not stop the others. Every step can be made again harmlessly, so the
// whole can be re-run after a failure.
//
// The order:
//
//  1. block the user, when asked, first: nobody can sign in again while the rest runs;
//  2. then at once: end the sessions and revoke the refresh tokens (one call where Auth0
//     offers it, RevokeAccess), make remembered browsers ask for MFA again, reset MFA;
//  3. last, the password-reset e-mail: the new password the user chooses, and the session
//     they then open, must not be ended by step 2.

// SecureStep names a step of SecureAccount (the "step" detail of its audit events).
type SecureStep string

// The steps, in the order they are shown.
const (
	StepBlock SecureStep = "block"
	// StepSessionsAndTokens ends every session and revokes every refresh token (asked for
	// together: one call where Auth0 offers it).
	StepSessionsAndTokens SecureStep = "sessions_and_tokens"
	// StepSessions ends every session (asked for without the refresh tokens).
	StepSessions SecureStep = "sessions"
	// StepRefreshTokens revokes every refresh token (asked for without the sessions).
	StepRefreshTokens SecureStep = "revoke_tokens"
	StepBrowsers      SecureStep = "remembered_browsers"
	StepResetMFA      SecureStep = "reset_mfa"
	StepPasswordEmail SecureStep = "password_reset_email"
)

// defaultStepTimeout bounds a step's calls unless the plan says otherwise.
const defaultStepTimeout = 15 * time.Second

// SecurePlan is what "secure this account" does; the zero value does nothing.
type SecurePlan struct {
	EndSessions         bool // end every session
	RevokeRefreshTokens bool // revoke every refresh token
	InvalidateBrowsers  bool // remembered browsers ask for MFA again
	ResetMFA            bool // remove every factor (all but the passkeys when Auth0 refuses that)
	Block               bool // block the user (an administrator's block)
	// PasswordResetEmail sends the password-reset e-mail to Email for the database Connection.
	PasswordResetEmail bool
	Email, Connection  string
	// StepTimeout bounds each step's calls; 0 means 15 s.
	StepTimeout time.Duration
}

// Steps returns the plan's steps in the order they are shown.
func (p SecurePlan) Steps() []SecureStep {
	var out []SecureStep
	if p.Block {
		out = append(out, StepBlock)
	}
	switch {
	case p.EndSessions && p.RevokeRefreshTokens:
		out = append(out, StepSessionsAndTokens)
	case p.EndSessions:
		out = append(out, StepSessions)
	case p.RevokeRefreshTokens:
		out = append(out, StepRefreshTokens)
	}
	if p.InvalidateBrowsers {
		out = append(out, StepBrowsers)
	}
	if p.ResetMFA {
		out = append(out, StepResetMFA)
	}
	if p.PasswordResetEmail {
		out = append(out, StepPasswordEmail)
	}
	return out
}

// phases groups the steps: each phase runs at once, after the one before it.
func phases(steps []SecureStep) [][]SecureStep {
	var first, middle, last []SecureStep
	for _, s := range steps {
		switch s {
		case StepBlock:
			first = append(first, s)
		case StepPasswordEmail:
			last = append(last, s)
		default:
			middle = append(middle, s)
		}
	}
	return slices.DeleteFunc([][]SecureStep{first, middle, last}, func(p []SecureStep) bool { return len(p) == 0 })
}

// StepResult is how one step ended.
type StepResult struct {
	Step SecureStep
	// Err is why it failed; nil when it was done.
	Err error
	// Note says more about a step that was done, in words ("by the separate calls: Auth0
	// refused the one that does both", "the passkeys were kept").
	Note string
	// Took is how long the step's calls took.
	Took time.Duration
}

// SecureReport is how every step ended, in the order they ended.
type SecureReport struct {
	Results []StepResult
}

// Failed returns the steps that failed.
func (r SecureReport) Failed() []SecureStep {
	var out []SecureStep
	for _, s := range r.Results {
		if s.Err != nil {
			out = append(out, s.Step)
		}
	}
	return out
}

// SecureRun is a "secure this account" under way: its step results arrive on Results as the
// steps end, and Wait returns them all.
type SecureRun struct {
	results chan StepResult
	done    chan struct{}
	report  SecureReport
}

// Results delivers each step's result as it ends; it is closed after the last, once the whole
// is recorded. Reading it is optional.
func (r *SecureRun) Results() <-chan StepResult { return r.results }

// Wait waits for every step and returns the report.
func (r *SecureRun) Wait() SecureReport {
	<-r.done
	return r.report
}

// SecureAccount runs the plan on the user and waits for every step (for callers without a
// page to update: bulk jobs). See StartSecureAccount.
func (o *Ops) SecureAccount(ctx context.Context, a Actor, t Target, p SecurePlan) (SecureReport, error) {
	run, err := o.StartSecureAccount(ctx, a, t, p)
	if err != nil {
		return SecureReport{}, err
	}
	return run.Wait(), nil
}

// StartSecureAccount records the attempt of the whole (an error, ErrAuditUnavailable, means
// nothing was done) and starts the steps. They run on ctx without its cancellation (a person
// who closes the page does not stop a security action half-way), each bounded by the plan's
// step timeout.
func (o *Ops) StartSecureAccount(ctx context.Context, a Actor, t Target, p SecurePlan) (*SecureRun, error) {
	steps := p.Steps()
	if len(steps) == 0 {
		return nil, errors.New("userops: secure account: no step chosen")
	}
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = string(s)
	}
	at, err := o.Audit.Attempt(ctx, event(audit.UserSecureAccount, a, t, audit.Strings("steps", names)))
	if err != nil {
		return nil, errAudit(err)
	}
	ctx = context.WithoutCancel(ctx)
	run := &SecureRun{results: make(chan StepResult, len(steps)), done: make(chan struct{})}
	go func() {
		defer close(run.done)
		defer close(run.results)
		var mu sync.Mutex
		for _, phase := range phases(steps) {
			var wg sync.WaitGroup
			for _, step := range phase {
				wg.Go(func() {
					res := o.secureStep(ctx, a, t, p, step)
					mu.Lock()
					run.report.Results = append(run.report.Results, res)
					mu.Unlock()
					run.results <- res
				})
			}
			wg.Wait()
		}
		failed := run.report.Failed()
		var outcomeErr error
		if len(failed) > 0 {
			outcomeErr = fmt.Errorf("%d of %d steps failed", len(failed), len(steps))
		}
		fnames := make([]string, len(failed))
		for i, s := range failed {
			fnames[i] = string(s)
		}
		details := []audit.Attr{}
		if len(fnames) > 0 {
			details = append(details, audit.Strings("failed_steps", fnames))
		}
		o.outcome(ctx, at, outcomeErr, details...)
	}()
	return run, nil
}

// secureStep makes one step, audited as a change of its own.
func (o *Ops) secureStep(ctx context.Context, a Actor, t Target, p SecurePlan, step SecureStep) StepResult {
	timeout := p.StepTimeout
	if timeout <= 0 {
		timeout = defaultStepTimeout
	}
	start := time.Now()
	res := StepResult{Step: step}
	e := event(audit.UserSecureAccountStep, a, t, audit.String("step", string(step)))
	res.Err = o.doReporting(ctx, e, func(ctx context.Context) ([]audit.Attr, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var more []audit.Attr
		var err error
		switch step {
		case StepBlock:
			_, err = o.Users.UpdateUser(ctx, t.UserID, auth0api.UserUpdate{Blocked: auth0api.Set(true)})
		case StepSessionsAndTokens:
			var via string
			via, err = o.revokeAccess(ctx, t.UserID)
			more = append(more, audit.String("via", via))
			if via == ViaSeparate && err == nil {
				res.Note = "by the two separate calls: Auth0 refused the one that does both"
			}
		case StepSessions:
			err = o.Users.DeleteUserSessions(ctx, t.UserID)
		case StepRefreshTokens:
			err = o.Users.DeleteUserRefreshTokens(ctx, t.UserID)
		case StepBrowsers:
			err = o.Users.InvalidateRememberedBrowsers(ctx, t.UserID)
		case StepResetMFA:
			err = o.Users.DeleteAuthenticationMethods(ctx, t.UserID)
			if IsPasskeyRefusal(err) {
				// Auth0 removes every factor at once only while the user has no passkey: remove
				// the others, keep the passkeys, and say so.
				err = o.Users.DeleteAuthenticators(ctx, t.UserID)
				more = append(more, audit.String("via", "authenticators, passkeys kept"))
				if err == nil {
					res.Note = "every factor but the passkeys: Auth0 does not remove passkeys with the others; remove them one by one in Security"
				}
			}
		case StepPasswordEmail:
			more = append(more, audit.String("connection", p.Connection), audit.String("client_id", o.PasswordResetClientID))
			err = o.Users.SendPasswordResetEmail(ctx, auth0api.PasswordResetEmail{ClientID: o.PasswordResetClientID, Email: p.Email, Connection: p.Connection})
		default:
			err = fmt.Errorf("userops: unknown step %q", step)
		}
		if ctx.Err() != nil && err != nil {
			err = fmt.Errorf("no answer within %s: %w", timeout, err)
		}
		return more, err
	})
	res.Took = time.Since(start)
	return res
}

// IsPasskeyRefusal reports whether Auth0 refused to remove or replace every authentication
// method because the user has a passkey (403 "Operation not permitted when the user has
// registered at least 1 passkey").
func IsPasskeyRefusal(err error) bool {
	var a0 *auth0api.Error
	return errors.As(err, &a0) && a0.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(a0.Message), "passkey")
}
