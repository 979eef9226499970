package handlers

import (
	"context"
	"errors"
	"log/slog"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
)

// Audit outcomes.
const (
	outcomeSuccess = "success"
	outcomeFailure = "failure"
	outcomeDenied  = "denied"
)

// audit records one attempted change: call it exactly once per change request, after the
// Management API answered, or when the handler refuses the input before calling it (pass the
// httpError; its message becomes the reason). event names what was done ("user.block",
// "user.roles.add"), target is the user id (or "" when there is none), err the outcome (nil =
// success; an httpError marked asDenied is recorded as "denied"). details say what changed;
// never put a secret in them (tokens, passwords, recovery codes, ticket URLs).
//
//	err := s.users.UpdateUser(ctx, id, auth0api.UserUpdate{Blocked: auth0api.Set(true)})
//	s.audit(c, "user.block", id, err)
func (s *server) audit(c echo.Context, event, target string, err error, details ...slog.Attr) {
	outcome, attrs := outcomeOf(err)
	s.auditEvent(c, event, outcome, target, append(attrs, slog.Attr{Key: "details", Value: slog.GroupValue(details...)})...)
}

// outcomeOf is the outcome an error stands for, and what the audit trail says of it: Auth0's
// status and code, or userdesk's reason in plain words (never internals).
func outcomeOf(err error) (string, []slog.Attr) {
	if err == nil {
		return outcomeSuccess, nil
	}
	var (
		a0  *auth0api.Error
		pub *publicError
	)
	switch {
	case errors.As(err, &a0):
		return outcomeFailure, []slog.Attr{slog.Group("auth0", slog.Int("status", a0.StatusCode), slog.String("code", a0.Code))}
	case errors.As(err, &pub):
		outcome := outcomeFailure
		if pub.denied {
			outcome = outcomeDenied // refused by a rule (a protected user), not a failed attempt
		}
		return outcome, []slog.Attr{slog.String("reason", pub.msg)} // refused by userdesk, e.g. invalid input
	}
	return outcomeFailure, []slog.Attr{slog.String("reason", "userdesk error")} // no internals in the audit trail
}

// auditDenied records a request the roles table refused.
func (s *server) auditDenied(c echo.Context, rt route, reason string) {
	s.auditEvent(c, "denied."+string(rt.Action), outcomeDenied, c.Param("id"),
		slog.String("reason", reason))
}

// auditEvent writes the event with the actor, route, request id, client IP and the server's
// clock.
func (s *server) auditEvent(c echo.Context, event, outcome, target string, attrs ...slog.Attr) {
	r := c.Request()
	base := []slog.Attr{
		slog.String("event", event),
		slog.String("outcome", outcome),
		slog.String("target", target),
	}
	if id, ok := currentIdentity(c); ok {
		base = append(base, slog.Group("actor",
			slog.String("sub", id.Subject),
			slog.String("email", id.Email),
			slog.String("role", groupsWords(s.staffOf(id))),
		))
	}
	base = append(base,
		slog.String("method", r.Method),
		slog.String("route", c.Path()),
		slog.String("request_id", requestID(c)),
		slog.String("ip", c.RealIP()),
	)
	rec := slog.NewRecord(s.now(), slog.LevelInfo, "audit", 0)
	rec.AddAttrs(base...)
	rec.AddAttrs(attrs...)
	// The request may be cancelled already; the audit record must still be written.
	if err := s.audits.Handler().Handle(context.WithoutCancel(r.Context()), rec); err != nil {
		s.logger(c).Error("audit log write failed", "err", err, "event", event)
	}
}
