package handlers

import (
	"context"
	"errors"
	"iter"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/userops"
)

// The audit trail (package audit): every change is recorded by the operations (userops) as an
// attempt before its Management API call and an outcome after it; everything that happens at
// once — a refusal, input refused before anything was asked of Auth0, a sign-in — is one
// event, written here. Events go to the store and the JSON log; a failure to record an attempt
// refuses the change (fail closed), a failure to record anything else is logged.

// audit records one event that happened at once: a change refused before it was attempted
// (err says why: an httpError marked asDenied is recorded as "denied", any other error as a
// failure), or one that needs no attempt (a sign-in: err nil). details say what; never put a
// secret in them (tokens, passwords, recovery codes, ticket URLs) — the audit package keeps only
// the keys of its vocabulary.
//
//	s.audit(c, audit.UserDelete, id, httpError(422, "Type the e-mail address to confirm.", nil))
func (s *server) audit(c echo.Context, name audit.Name, target string, err error, details ...audit.Attr) {
	outcome, more := outcomeOf(err)
	s.auditEvent(c, name, outcome, target, append(details, more...)...)
}

// outcomeOf is the outcome an error stands for, and what the audit trail says of it: Auth0's
// status and code, or userdesk's reason in plain words (never internals).
func outcomeOf(err error) (audit.Outcome, []audit.Attr) {
	if err == nil {
		return audit.OutcomeSuccess, nil
	}
	var (
		a0  *auth0api.Error
		pub *publicError
	)
	switch {
	case errors.As(err, &a0):
		return audit.OutcomeFailure, []audit.Attr{audit.Int("auth0_status", int64(a0.StatusCode)), audit.String("auth0_error", a0.Code)}
	case errors.As(err, &pub):
		outcome := audit.OutcomeFailure
		if pub.denied {
			outcome = audit.OutcomeDenied // refused by a rule (a protected user), not a failed attempt
		}
		return outcome, []audit.Attr{audit.String("reason", pub.msg)} // refused by userdesk, e.g. invalid input
	}
	return audit.OutcomeFailure, []audit.Attr{audit.String("reason", "userdesk error")} // no internals in the audit trail
}

// auditDenied records a request the person's groups do not allow.
func (s *server) auditDenied(c echo.Context, rt route, reason string) {
	s.auditEvent(c, audit.Denied(string(rt.Action)), audit.OutcomeDenied, c.Param("id"), audit.String("reason", reason))
}

// auditEvent writes one event with the actor, the route, the request id and the client IP.
// The request may be cancelled already; the record is still written.
func (s *server) auditEvent(c echo.Context, name audit.Name, outcome audit.Outcome, target string, details ...audit.Attr) {
	a := s.actor(c)
	e := audit.Event{Name: name, Outcome: outcome, Actor: a.Actor, Target: audit.Target{UserID: target},
		RequestID: a.RequestID, IP: a.IP, Route: a.Route, Details: details}
	if err := s.rec.Record(context.WithoutCancel(c.Request().Context()), e); err != nil {
		s.logger(c).Error("audit event not recorded", "err", err, "event", string(name))
	}
}

// actor is the signed-in person (if any) as the audit trail and the operations record them.
func (s *server) actor(c echo.Context) userops.Actor {
	a := userops.Actor{
		RequestID: requestID(c),
		IP:        c.RealIP(),
		Route:     c.Request().Method + " " + c.Path(),
	}
	if me, ok := currentIdentity(c); ok {
		a.Actor = audit.Actor{Subject: me.Subject, Email: me.Email, Name: me.Name, Groups: s.staffOf(me).Groups()}
	}
	return a
}

// AuditTrail is the part of the audit store the dashboard's pages read. *audit.DB implements it.
type AuditTrail interface {
	Query(ctx context.Context, f audit.Filter, cursor string, limit int) (audit.Page, error)
	Records(ctx context.Context, f audit.Filter) iter.Seq2[audit.Record, error]
}
