// Package userops carries out the changes staff make to users, apart from HTTP: one method per
// change, each taking who acts, the user it acts on (already resolved and allowed by the
// dashboard's gate) and its input, calling the Management API and returning what changed.
//
// Every change is audited exactly once, by the same wrapper: an attempt is recorded before the
// Management API call and the outcome after it (the same request id ties them). If the attempt
// cannot be recorded the change is refused with ErrAuditUnavailable and nothing is asked of
// Auth0: the audit fails closed.
//
// The web handlers bind a request's input, call an operation and render its result; bulk jobs
// call the same operations for each user, with no HTTP request at all. The operations do not
// decide who may do what: that is the gate's (package handlers), applied before they run.
package userops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"userdesk/audit"
	"userdesk/auth0api"
)

// ErrAuditUnavailable is returned, wrapped, when the attempt of a change could not be
// recorded: the change was not made.
var ErrAuditUnavailable = errors.New("userops: the audit trail cannot be written")

// Actor is who makes a change, as the audit trail records it, and through what.
type Actor struct {
	audit.Actor
	// RequestID ties the attempt and the outcome of a change (and the request's logs); a bulk
	// job gives each user's change an id of its own.
	RequestID string
	// IP is the person's address as the dashboard saw it.
	IP string
	// Route says what made the change: the route ("POST /users/:id/block") or a job.
	Route string
}

// Target is the user a change acts on: its id and, when known, a label for people.
type Target = audit.Target

// Recorder records changes (*audit.Recorder implements it): the attempt before the Management
// API call — an error refuses the change — and its outcome after it.
type Recorder interface {
	Attempt(ctx context.Context, e audit.Event) (*audit.Attempt, error)
	Outcome(ctx context.Context, a *audit.Attempt, o audit.Outcome, details ...audit.Attr) error
}

// Users is the part of the Management API the operations call. *auth0api.Client implements it.
type Users interface {
	CreateUser(ctx context.Context, u auth0api.UserCreate) (*auth0api.User, error)
	UpdateUser(ctx context.Context, id string, u auth0api.UserUpdate) (*auth0api.User, error)
	DeleteUser(ctx context.Context, id string) error
	CreatePasswordChangeTicket(ctx context.Context, t auth0api.PasswordChangeTicket) (string, error)
	CreateVerificationEmailJob(ctx context.Context, j auth0api.VerificationEmailJob) (*auth0api.Job, error)
	SendPasswordResetEmail(ctx context.Context, e auth0api.PasswordResetEmail) error

	AddUserRoles(ctx context.Context, id string, roleIDs []string) error
	RemoveUserRoles(ctx context.Context, id string, roleIDs []string) error
	AddUserPermissions(ctx context.Context, id string, perms []auth0api.PermissionRef) error
	RemoveUserPermissions(ctx context.Context, id string, perms []auth0api.PermissionRef) error

	CreateAuthenticationMethod(ctx context.Context, id string, m auth0api.AuthenticationMethodCreate) (*auth0api.AuthenticationMethod, error)
	ReplaceAuthenticationMethods(ctx context.Context, id string, methods []auth0api.AuthenticationMethodReplace) ([]auth0api.AuthenticationMethod, error)
	UpdateAuthenticationMethod(ctx context.Context, id, methodID string, u auth0api.AuthenticationMethodUpdate) (*auth0api.AuthenticationMethod, error)
	DeleteAuthenticationMethods(ctx context.Context, id string) error
	DeleteAuthenticationMethod(ctx context.Context, id, methodID string) error
	DeleteMultifactorProvider(ctx context.Context, id, provider string) error
	DeleteAuthenticators(ctx context.Context, id string) error
	RegenerateRecoveryCode(ctx context.Context, id string) (string, error)
	InvalidateRememberedBrowsers(ctx context.Context, id string) error

	// Account security (issue 12).
	UnblockUser(ctx context.Context, id string) error
	UnblockByIdentifier(ctx context.Context, identifier string) error
	DeleteUserSessions(ctx context.Context, id string) error
	DeleteSession(ctx context.Context, id string) error
	RevokeSession(ctx context.Context, id string) error
	RevokeUserAccess(ctx context.Context, id string, r auth0api.RevokeAccess) error
	DeleteUserRefreshTokens(ctx context.Context, id string) error
	DeleteRefreshToken(ctx context.Context, id string) error
	DeleteGrant(ctx context.Context, id string) error
	LinkUserIdentity(ctx context.Context, primaryID string, l auth0api.LinkIdentity) ([]auth0api.Identity, error)
	UnlinkUserIdentity(ctx context.Context, primaryID, provider, secondaryUserID string) ([]auth0api.Identity, error)
	CreateGuardianEnrollmentTicket(ctx context.Context, t auth0api.GuardianEnrollmentTicket) (*auth0api.EnrollmentTicket, error)
}

// Ops makes the changes. Its fields are set once; it is safe for concurrent use.
type Ops struct {
	Users Users
	Audit Recorder
	// Log receives the failures to record an outcome (the change was made by then).
	Log *slog.Logger
	// PasswordResetClientID is the application whose login page and e-mail template the
	// password-reset e-mails use.
	PasswordResetClientID string
	// Now is the clock (ticket expiry); nil means time.Now.
	Now func() time.Time
}

// do records the attempt, makes the call and records its outcome: the one place a change is
// audited. The call does not run when the attempt cannot be recorded. Recording is not
// cancelled with ctx: a request whose browser went away still leaves its trace.
func (o *Ops) do(ctx context.Context, e audit.Event, call func(ctx context.Context) error) error {
	return o.doReporting(ctx, e, func(ctx context.Context) ([]audit.Attr, error) { return nil, call(ctx) })
}

// doReporting is do for a call whose answer adds to the outcome's details (a job id).
func (o *Ops) doReporting(ctx context.Context, e audit.Event, call func(ctx context.Context) ([]audit.Attr, error)) error {
	at, err := o.Audit.Attempt(ctx, e)
	if err != nil {
		return errAudit(err)
	}
	more, err := call(ctx)
	o.outcome(ctx, at, err, more...)
	return err
}

// outcome records how the change ended: success, or a failure with Auth0's status and code (or
// "userdesk error": no internals in the trail).
func (o *Ops) outcome(ctx context.Context, at *audit.Attempt, err error, details ...audit.Attr) {
	result := audit.OutcomeSuccess
	if err != nil {
		result = audit.OutcomeFailure
		var a0 *auth0api.Error
		if errors.As(err, &a0) {
			details = append(details, audit.Int("auth0_status", int64(a0.StatusCode)), audit.String("auth0_error", a0.Code))
		} else {
			details = append(details, audit.String("reason", "userdesk error"))
		}
	}
	if werr := o.Audit.Outcome(ctx, at, result, details...); werr != nil && o.Log != nil {
		o.Log.Error("audit outcome not recorded", "err", werr, "event", string(at.Event.Name), "request_id", at.Event.RequestID)
	}
}

// errAudit wraps the failure to record an attempt.
func errAudit(err error) error { return fmt.Errorf("%w: %w", ErrAuditUnavailable, err) }

func (o *Ops) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// event builds the audit event of a change.
func event(name audit.Name, a Actor, t Target, details ...audit.Attr) audit.Event {
	return audit.Event{Name: name, Actor: a.Actor, Target: t, RequestID: a.RequestID, IP: a.IP, Route: a.Route, Details: details}
}
