package handlers

// The gate: who may do what to whom is decided here, once per request, before any handler
// runs. A route entry (routes.go) declares the action it needs and, when it acts on the user
// in its :id, a targetRule: the audit event of a change, whether it is refused on one's own
// account, what the handler needs of the user, and whether it needs a fresh sign-in. The gate
//
//  1. loads the session and enforces its timeouts;
//  2. checks the CSRF token of anything but GET and HEAD;
//  3. re-checks the person's access in the tenant when it is due (revalidate.go);
//  4. checks that the person's role allows the route's action;
//  5. for a route on a user: validates the id (one helper, no request leaves with an invalid
//     one), applies the self rule, resolves the target (one Management API read of what the
//     handler and the rules need, at once), and applies the rules about the target (staff
//     accounts and protected users only by admins);
//
// and answers and audits every refusal itself: the handler never runs and no change is asked
// of Auth0. A handler finds the resolved target with targetOf.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/userops"
)

// targetRule declares what a route does to the user in its :id path parameter.
type targetRule struct {
	// event is the audit event of a change route ("user.block"): its refusals, attempt and
	// outcome are recorded under it. Empty for a route that only reads.
	event string
	// self, when not empty, refuses the route on the person's own account; it says what they
	// may not do, completing "You cannot …": "block your own account", "change your own factors".
	self string
	// fields are the user fields the handler needs, read by the gate (nil: none); whole asks
	// for the whole user instead.
	fields []string
	whole  bool
	// controls: the route's page shows change controls. For a person whose changes the rules
	// check (guardsTargets), the gate reads the user's roles at once with the user, so the
	// page withholds the controls the rules would refuse; a failed read withholds them all.
	controls bool
	// section names the user page's section a read route renders: a failure to resolve the
	// target then shows inside that section, with its retry button, like the section's own.
	section string
}

// reads declares a route that reads the user's data without changing it.
func reads() *targetRule { return &targetRule{} }

// readsSection declares a route that renders one section of the user page.
func readsSection(name string) *targetRule { return &targetRule{section: name} }

// changes declares a route that changes the user, audited as event.
func changes(event string) *targetRule { return &targetRule{event: event} }

// notOnSelf refuses the route on one's own account ("block your own account").
func (r *targetRule) notOnSelf(what string) *targetRule { r.self = what; return r }

// needs asks the gate to read these fields of the user for the handler.
func (r *targetRule) needs(fields ...string) *targetRule { r.fields = fields; return r }

// showsControls marks a page that shows change controls (see targetRule.controls).
func (r *targetRule) showsControls() *targetRule { r.controls = true; return r }

// needsWholeUser asks the gate to read the whole user for the handler.
func (r *targetRule) needsWholeUser() *targetRule { r.whole = true; return r }

// isChange reports whether the route changes the user.
func (r *targetRule) isChange() bool { return r.event != "" }

// target is a route's user, as the gate resolved it.
type target struct {
	// ID is the user id from the path, validated.
	ID string
	// User is what the gate read of the user: the fields the route asked for, or the whole
	// user; nil when it read nothing.
	User *auth0api.User
	// Roles are the user's tenant roles, read for the rules about changes; rolesRead says they
	// were read (all of them, or protection.unchecked is set).
	Roles     []auth0api.Role
	rolesRead bool
	// protection is what the roles mean for the rules: a staff account, protected roles.
	protection protection
}

// label names the user for people, from what was read.
func (t *target) label() string {
	if t.User == nil {
		return t.ID
	}
	return userLabel(t.User, t.ID)
}

// op is the target as the operations (userops) record it.
func (t *target) op() userops.Target { return userops.Target{ID: t.ID, Label: t.label()} }

// targetOf returns the target the gate resolved for this request. Only handlers of routes
// with a targetRule call it.
func targetOf(c echo.Context) *target {
	t, ok := c.Get(ctxTarget).(*target)
	if !ok {
		panic("handlers: targetOf on a route without a target rule") // a programming error every test catches
	}
	return t
}

// ctxTarget is the echo.Context key of the resolved target.
const ctxTarget = "userdesk.target"

// authorize is the gate in front of every route (see the top of this file).
func (s *server) authorize(rt route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if rt.Action == actPublic {
			return next
		}
		return func(c echo.Context) error {
			me, ok := s.loadIdentity(c)
			if !ok {
				return s.signInRequired(c)
			}
			if !isSafeMethod(c.Request().Method) && !s.validCSRF(c, me) {
				s.logger(c).Warn("csrf token missing or wrong", "route", rt.Method+" "+rt.Path, "actor_sub", me.Subject)
				return httpError(http.StatusForbidden, "This request was refused because it did not carry a valid form token. Reload the page and try again.", nil)
			}
			me, ended, err := s.revalidate(c, me, !isSafeMethod(c.Request().Method))
			if err != nil {
				return err
			}
			if ended != "" {
				return s.accessEndedAnswer(c, me, ended)
			}
			c.SetRequest(c.Request().WithContext(withIdentity(c.Request().Context(), me)))
			if rt.Action != actSignedIn && !me.Role.may(rt.Action) {
				s.auditDenied(c, rt, "role does not allow "+string(rt.Action))
				return errForbidden
			}
			if rt.Target != nil {
				t, err := s.gateTarget(c, me, rt)
				if err != nil {
					return err
				}
				c.Set(ctxTarget, t)
			}
			return next(c)
		}
	}
}

// gateTarget validates the route's user id, applies the self rule, resolves the target and
// applies the rules about it. A refusal is audited here (under the route's event for a change).
func (s *server) gateTarget(c echo.Context, me identity, rt route) (*target, error) {
	r := rt.Target
	refuse := func(id string, err error) (*target, error) {
		if r.isChange() {
			s.audit(c, r.event, id, err)
		}
		return nil, err
	}
	id, err := userIDParam(c)
	if err != nil {
		return refuse(c.Param("id"), err)
	}
	if r.self != "" && me.Subject != "" && me.Subject == id {
		return refuse(id, errOwnAccount(r.self))
	}
	t, err := s.resolveTarget(c, me, rt, id)
	if err != nil {
		if r.section != "" && !r.isChange() {
			// A section shows its failure in place, with its retry button.
			sec := sectionNamed(r.section)
			return nil, s.sectionFailed(c, id, sec, c.Request().URL.RequestURI(), err)
		}
		return refuse(id, s.userActionError(id, err))
	}
	if r.isChange() {
		if err := s.refuseForTarget(me, t); err != nil {
			s.audit(c, r.event, id, err, t.protection.details()...)
			return nil, err
		}
	}
	return t, nil
}

// resolveTarget reads what the route's handler and the rules need of the user, in one round
// trip: the user (the route's fields, or whole) and, for a change the rules must check, the
// user's roles. A route that needs neither costs no call.
func (s *server) resolveTarget(c echo.Context, me identity, rt route, id string) (*target, error) {
	r := rt.Target
	t := &target{ID: id}
	var calls []func(ctx context.Context) error
	if r.whole || len(r.fields) > 0 {
		var p *auth0api.GetUserParams
		if !r.whole {
			p = &auth0api.GetUserParams{Fields: r.fields}
		}
		calls = append(calls, func(ctx context.Context) (err error) {
			t.User, err = s.users.GetUser(ctx, id, p)
			return err
		})
	}
	switch {
	case r.isChange() && s.rulesNeedRoles(me):
		calls = append(calls, func(ctx context.Context) error {
			page, err := s.users.ListUserRoles(ctx, id, auth0api.PageParams{PerPage: protectionRolesPerPage, IncludeTotals: auth0api.Set(true)})
			if err != nil {
				return fmt.Errorf("check the user's roles: %w", err)
			}
			t.Roles, t.rolesRead = page.Roles, true
			t.protection = s.protectionOf(page)
			return nil
		})
	case r.controls && s.guardsTargets(c):
		calls = append(calls, func(ctx context.Context) error {
			page, err := s.users.ListUserRoles(ctx, id, auth0api.PageParams{PerPage: protectionRolesPerPage, IncludeTotals: auth0api.Set(true)})
			if err != nil {
				s.logger(c).Warn("could not read the user's roles to check for protected roles; showing no controls", "err", err)
				t.protection = protection{unchecked: true}
				return nil // the page shows the user anyway
			}
			t.Roles, t.rolesRead = page.Roles, true
			t.protection = s.protectionOf(page)
			return nil
		})
	}
	if len(calls) == 0 {
		return t, nil
	}
	if err := sectionParallel(c.Request().Context(), calls...); err != nil {
		return nil, err
	}
	return t, nil
}

// rulesNeedRoles reports whether the rules about a change by this person need the target's
// roles: for everyone but admins, who may change staff and protected users alike.
func (s *server) rulesNeedRoles(me identity) bool { return me.Role != roleAdmin }

// refuseForTarget applies the rules about the target of a change: a staff account, or a
// user holding a protected role, only by an admin. The refusal is marked denied.
func (s *server) refuseForTarget(me identity, t *target) error {
	if me.Role == roleAdmin {
		return nil
	}
	if t.protection.staff {
		return errStaffTarget()
	}
	if t.protection.applies() {
		return errProtected(t.protection)
	}
	return nil
}

// holdsDashboardAccess reports whether any of the roles is one the role mapping turns into a
// dashboard role (by name, exactly, as the role claim carries them).
func (s *server) holdsDashboardAccess(roles []auth0api.Role) bool {
	return slices.ContainsFunc(roles, func(r auth0api.Role) bool {
		return s.roles.roleFromClaim(r.Name) != roleNone
	})
}

// errStaffTarget refuses a non-admin's change to a staff account.
func errStaffTarget() *publicError {
	return httpError(http.StatusForbidden, "This user has access to userdesk: only an admin can change a staff account.", nil).
		withTitle("Staff account").asDenied()
}

// errOwnAccount refuses a change to the signed-in person's own account (checklist 43): a
// colleague does it, so no one widens or weakens their own access. 409: the request is
// understood, and conflicts with who is asking.
func errOwnAccount(what string) *publicError {
	return httpError(http.StatusConflict, "You cannot "+what+" through userdesk; ask a colleague to do it.", nil).
		withTitle("Not on yourself").asDenied()
}

// actor is the signed-in person as the operations record them.
func (s *server) actor(c echo.Context) userops.Actor {
	me, _ := currentIdentity(c)
	return userops.Actor{
		Subject:   me.Subject,
		Email:     me.Email,
		Name:      me.Name,
		Groups:    []string{me.Role.String()},
		RequestID: requestID(c),
		IP:        c.RealIP(),
		Via:       c.Request().Method + " " + c.Path(),
	}
}

// changeFailed words the failure of an operation: the audit trail could not be written (503,
// nothing was changed), Auth0's 404 for the user, or Auth0's refusal as it is.
func (s *server) changeFailed(t *target, err error) error {
	if errors.Is(err, userops.ErrAuditUnavailable) {
		return httpError(http.StatusServiceUnavailable, "Nothing was changed: userdesk cannot write its audit trail right now, and it makes no change it cannot record. Try again shortly; if it keeps happening, tell an operator.", err).
			withTitle("Audit trail unavailable")
	}
	return s.userActionError(t.ID, err)
}

// auditOps implements userops.Auditor on the audit log: the attempt, then the outcome, as JSON
// lines with the actor, the target and the request id. An attempt that cannot be written is an
// error (the change is refused).
type auditOps struct{ s *server }

// Attempt records that a change is about to be asked of Auth0.
func (a auditOps) Attempt(ctx context.Context, e userops.Event) error {
	return a.s.writeOpEvent(ctx, e, "attempt", nil)
}

// Outcome records what Auth0 answered.
func (a auditOps) Outcome(ctx context.Context, e userops.Event, err error) {
	outcome, attrs := outcomeOf(err)
	if werr := a.s.writeOpEvent(ctx, e, outcome, attrs); werr != nil {
		a.s.log.Error("audit log write failed", "err", werr, "event", e.Name, "request_id", e.Actor.RequestID)
	}
}

// writeOpEvent writes one event of an operation.
func (s *server) writeOpEvent(ctx context.Context, e userops.Event, outcome string, attrs []slog.Attr) error {
	rec := slog.NewRecord(s.now(), slog.LevelInfo, "audit", 0)
	rec.AddAttrs(
		slog.String("event", e.Name),
		slog.String("outcome", outcome),
		slog.String("target", e.Target.ID),
		slog.Group("actor",
			slog.String("sub", e.Actor.Subject),
			slog.String("email", e.Actor.Email),
			slog.String("role", strings.Join(e.Actor.Groups, ",")),
		),
		slog.String("via", e.Actor.Via),
		slog.String("request_id", e.Actor.RequestID),
		slog.String("ip", e.Actor.IP),
	)
	rec.AddAttrs(attrs...)
	rec.AddAttrs(slog.Attr{Key: "details", Value: slog.GroupValue(e.Details...)})
	return s.audits.Handler().Handle(ctx, rec)
}
