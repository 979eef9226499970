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
//  5. counts the request against the person's limits the route declares (changes, searches;
//     limits_gate.go);
//  6. for a route on a user: validates the id (one helper, no request leaves with an invalid
//     one), applies the self rule, resolves the target (one Management API read of what the
//     handler and the rules need, at once), applies the rules about the target (staff
//     accounts and protected users only by admins), the step-up, and the target's e-mail limit;
//
// and answers and audits every refusal itself: the handler never runs and no change is asked
// of Auth0. A handler finds the resolved target with targetOf.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/policy"
	"userdesk/userops"
)

// targetRule declares what a route does to the user in its :id path parameter.
type targetRule struct {
	// event is the audit event of a change route (audit.UserBlock): its refusals, attempt and
	// outcome are recorded under it. Empty for a route that only reads.
	event audit.Name
	// self, when not empty, refuses the route on the person's own account; it says what they
	// may not do, completing "You cannot …": "block your own account", "change your own factors".
	self string
	// fields are the user fields the handler needs, read by the gate (nil: none); whole asks
	// for the whole user instead.
	fields []string
	whole  bool
	// controls are the change actions whose controls the route's page shows: the gate also
	// reads what the policy needs to decide them on this user (the fields their reach matches,
	// the roles when a rule needs them), at once with the rest, so the page shows only the
	// controls that will work (targetAbilities). A failed roles read withholds them.
	controls []policy.Action
	// stepUp marks a dangerous change: the person must have authenticated within the step-up
	// maximum age, or is sent to sign in again first (stepup.go). Any change to a staff
	// account needs it too, whatever the route.
	stepUp bool
	// stepUpWhen marks a change that is dangerous only for some requests: the gate asks it,
	// with the user it read, whether this request's is (an edit that changes the e-mail
	// address or the phone number), and then treats it as stepUp.
	stepUpWhen func(c echo.Context, u *auth0api.User) bool
	// page: the route is the user page, whose sections the gate starts reading at once with
	// the target (pagePrefetch), so the page answers in one round trip.
	page bool
	// section names the user page's section a read route renders: a failure to resolve the
	// target then shows inside that section, with its retry button, like the section's own.
	section string
	// second, when set, names the query or form parameter holding a second user the route acts
	// on (linking: the account merged into the first). The gate resolves it like the first
	// (the same fields), applies the same rules to it and answers their refusals the same
	// way; the handler finds it with secondTargetOf.
	second string
	// emails marks a change that e-mails the user: it counts against the e-mails-per-target
	// limit (Limits.Emails), once the other rules allowed it.
	emails bool
}

// reads declares a route that reads the user's data without changing it.
func reads() *targetRule { return &targetRule{} }

// readsSection declares a route that renders one section of the user page.
func readsSection(name string) *targetRule { return &targetRule{section: name} }

// changes declares a route that changes the user, audited as event.
func changes(event audit.Name) *targetRule { return &targetRule{event: event} }

// notOnSelf refuses the route on one's own account ("block your own account").
func (r *targetRule) notOnSelf(what string) *targetRule { r.self = what; return r }

// needs asks the gate to read these fields of the user for the handler.
func (r *targetRule) needs(fields ...string) *targetRule { r.fields = fields; return r }

// showsControls names the change actions whose controls the page shows (targetRule.controls).
func (r *targetRule) showsControls(actions ...policy.Action) *targetRule {
	r.controls = actions
	return r
}

// withSections marks the user page (targetRule.page).
func (r *targetRule) withSections() *targetRule { r.page = true; return r }

// alsoOn declares the parameter holding a second user the route acts on (targetRule.second).
func (r *targetRule) alsoOn(param string) *targetRule { r.second = param; return r }

// withStepUp marks a dangerous change (targetRule.stepUp).
func (r *targetRule) withStepUp() *targetRule { r.stepUp = true; return r }

// withStepUpWhen marks a change that is dangerous when dangerous says so (targetRule.stepUpWhen).
func (r *targetRule) withStepUpWhen(dangerous func(c echo.Context, u *auth0api.User) bool) *targetRule {
	r.stepUpWhen = dangerous
	return r
}

// sendsEmail marks a change that e-mails the user (targetRule.emails).
func (r *targetRule) sendsEmail() *targetRule { r.emails = true; return r }

// needsWholeUser asks the gate to read the whole user for the handler.
func (r *targetRule) needsWholeUser() *targetRule { r.whole = true; return r }

// isChange reports whether the route changes the user.
func (r *targetRule) isChange() bool { return r.event != "" }

// target is a route's user, as the gate resolved it.
type target struct {
	// ID is the user id from the path, validated.
	ID string
	// User is what the gate read of the user: the fields the route and the reach asked for, or
	// the whole user (wholeUser); nil when it read nothing.
	User      *auth0api.User
	wholeUser bool
	// doc is User as a JSON object, for the policy's in-memory match (nil when not read).
	doc map[string]any
	// Roles are the user's tenant roles, read when the rules need them (or the page shows
	// controls that depend on them); rolesRead says all of them were read.
	Roles     []auth0api.Role
	rolesRead bool
	// self: the user is the signed-in person.
	self bool
	// protection is what the roles mean for the helpdesk's controls and messages.
	protection protection
}

// label names the user for people, from what was read.
func (t *target) label() string {
	if t.User == nil {
		return t.ID
	}
	return userLabel(t.User, t.ID)
}

// op is the target as the operations (userops) record them.
func (t *target) op() userops.Target { return userops.Target{UserID: t.ID, Label: t.label()} }

// policyTarget is the target as the policy decides about it. Roles are given only when every
// one was read: a partial list would let "holds none" pass unchecked.
func (t *target) policyTarget() policy.Target {
	pt := policy.Target{User: t.doc, Self: t.self}
	if t.rolesRead && !t.protection.unchecked {
		pt.Roles = make([]string, len(t.Roles))
		for i, r := range t.Roles {
			pt.Roles[i] = r.Name
		}
	}
	return pt
}

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

// ctxSecond is the echo.Context key of the resolved second target.
const ctxSecond = "userdesk.second"

// secondTargetOf returns the second user the gate resolved for this request (targetRule.second).
func secondTargetOf(c echo.Context) *target {
	t, ok := c.Get(ctxSecond).(*target)
	if !ok {
		panic("handlers: secondTargetOf on a route without a second target") // a programming error every test catches
	}
	return t
}

// authorize is the gate in front of every route (see the top of this file).
func (s *server) authorize(rt route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if rt.Action == actPublic {
			return next
		}
		personal := s.personalLimits(rt)
		return func(c echo.Context) error {
			me, ok, err := s.loadIdentity(c)
			if err != nil {
				return err
			}
			if !ok {
				return s.signInRequired(c)
			}
			if !isSafeMethod(c.Request().Method) && !s.validCSRF(c, me) {
				return s.refuseCSRF(c, rt, me)
			}
			me, ended, err := s.revalidate(c, me, !isSafeMethod(c.Request().Method))
			if err != nil {
				return err
			}
			if ended != "" {
				return s.accessEndedAnswer(c, me, ended)
			}
			c.SetRequest(c.Request().WithContext(withIdentity(c.Request().Context(), me)))
			staff := s.staffOf(me)
			if rt.Action != actSignedIn && !staff.May(rt.Action) {
				s.auditDenied(c, rt, "no group of this person allows "+string(rt.Action))
				return errForbidden
			}
			for _, rule := range personal {
				if err := s.checkLimit(c, rule, me.Subject, ""); err != nil {
					return err
				}
			}
			if rt.Target != nil {
				t, err := s.gateTarget(c, me, staff, rt)
				if err != nil {
					return err
				}
				c.Set(ctxTarget, t)
			}
			return next(c)
		}
	}
}

// gateTarget validates the route's user id, applies the self rule, resolves the target and asks
// the policy about it. A refusal is audited here: under the route's event for a change, as
// denied.<action> for a read.
func (s *server) gateTarget(c echo.Context, me identity, staff policy.Staff, rt route) (*target, error) {
	r := rt.Target
	event := r.event
	if event == "" {
		event = audit.Denied(string(rt.Action))
	}
	refuse := func(id string, err error, details ...audit.Attr) (*target, error) {
		s.audit(c, event, id, err, details...)
		return nil, err
	}
	id, err := userIDParam(c)
	if err != nil {
		if !r.isChange() {
			return nil, err // a malformed address: nothing was attempted
		}
		return refuse(c.Param("id"), err)
	}
	self := ownAccount(me, id)
	if err := selfRefusal(r, self); err != nil {
		return refuse(id, err)
	}
	t, err := s.resolveTarget(c, me, staff, rt, id)
	if err != nil {
		if r.section != "" && !r.isChange() {
			// A section shows its failure in place, with its retry button.
			return nil, s.sectionFailed(c, id, sectionNamed(r.section), c.Request().URL.RequestURI(), err)
		}
		if !r.isChange() {
			return nil, s.userActionError(id, err)
		}
		return refuse(id, s.userActionError(id, err))
	}
	t.self = self
	v := s.decide(staff, rt.Action, r, t, s.stepUpNeeded(me))
	if v.refusal != nil {
		return refuse(id, v.refusal, v.details()...)
	}
	stepUp := v.stepUp || (r.stepUpWhen != nil && t.User != nil && s.stepUpNeeded(me) && r.stepUpWhen(c, t.User))
	if r.second != "" {
		t2, err := s.gateSecond(c, me, staff, rt, t, refuse)
		if err != nil {
			return nil, err
		}
		c.Set(ctxSecond, t2)
		// A change to a second account that is staff needs a step-up too.
		stepUp = stepUp || (r.isChange() && t2.protection.staff && s.stepUpNeeded(me))
	}
	if stepUp {
		return nil, s.requireStepUp(c)
	}
	if r.emails && s.limits.Emails.Rate > 0 {
		if err := s.checkLimit(c, s.limits.Emails, id, id); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// gateSecond resolves the route's second user (targetRule.second) and applies to it the rules
// the first passed: a valid id that is not the first's, the self rule, and the policy's
// decision for the route's action. Refusals are audited under the first user, naming the
// second.
func (s *server) gateSecond(c echo.Context, me identity, staff policy.Staff, rt route, first *target,
	refuse func(string, error, ...audit.Attr) (*target, error)) (*target, error) {
	r := rt.Target
	id := strings.TrimSpace(c.QueryParam(r.second))
	if id == "" {
		id = strings.TrimSpace(c.FormValue(r.second))
	}
	about := audit.String("secondary_user_id", id)
	switch {
	case id == "" || !validUserID(id):
		return refuse(first.ID, httpError(http.StatusBadRequest, "Choose the other account: that is not a user id.", nil), about)
	case id == first.ID:
		return refuse(first.ID, httpError(http.StatusConflict, "That is the same user: choose another account.", nil).withTitle("The same user").asDenied(), about)
	}
	self := me.Subject != "" && me.Subject == id
	if r.self != "" && self {
		return refuse(first.ID, errOwnAccount(r.self), about)
	}
	t, err := s.resolveTarget(c, me, staff, route{Method: rt.Method, Path: rt.Path, Action: rt.Action, Target: &targetRule{
		event: r.event, fields: r.fields, whole: r.whole, stepUp: r.stepUp}}, id)
	if err != nil {
		return refuse(first.ID, s.userActionError(id, err), about)
	}
	t.self = self
	d := staff.Decide(rt.Action, t.policyTarget())
	if !d.Allowed {
		return refuse(first.ID, s.refusal(d, t), about, audit.String("rule", string(d.Reason)), audit.String("group", d.Group), audit.String("why", d.Detail))
	}
	return t, nil
}

// ownAccount reports whether the user id is the signed-in person's own account.
func ownAccount(me identity, id string) bool { return me.Subject != "" && me.Subject == id }

// selfRefusal applies a route's self rule: the refusal of a change to one's own account when
// the route forbids it (before anything is read of the user), or nil.
func selfRefusal(r *targetRule, self bool) error {
	if r.self != "" && self {
		return errOwnAccount(r.self)
	}
	return nil
}

// verdict is the gate's word on one resolved user.
type verdict struct {
	// refusal, when not nil, is why the person may not: the answer the gate gives (a
	// publicError, its message in plain words).
	refusal  error
	decision policy.Decision
	// stepUp: allowed, once the person has proved who they are again (a dangerous change, or
	// any change to a staff account).
	stepUp bool
}

// details are the audit details of a refusal: the rule, the group and the decision in words.
func (v verdict) details() []audit.Attr {
	d := v.decision
	return []audit.Attr{audit.String("rule", string(d.Reason)), audit.String("group", d.Group), audit.String("why", d.Detail)}
}

// decide applies the gate's rules about the target to a resolved one: the policy's decision
// (reach, staff and protected accounts, oneself) and whether a step-up is due. It does no I/O
// and knows no HTTP: the gate decides every request on a user with it, and a bulk job each of
// its users (bulk.go), so both refuse the same users for the same reasons.
// stepUpDue says whether the person's sign-in is too old for a dangerous change (stepUpNeeded).
func (s *server) decide(staff policy.Staff, a policy.Action, r *targetRule, t *target, stepUpDue bool) verdict {
	d := staff.Decide(a, t.policyTarget())
	if !d.Allowed {
		return verdict{refusal: s.refusal(d, t), decision: d}
	}
	// Step-up comes last, so nobody re-authenticates for something refused anyway: a dangerous
	// change, or any change to a staff account (whose roles the gate read when a step-up would
	// be due).
	return verdict{decision: d, stepUp: r.isChange() && (r.stepUp || t.protection.staff) && stepUpDue}
}

// refusal is the answer to a decision that refused: out of reach is "no such user" (404, so as
// not to confirm that the user exists), the others say why in plain words (403, 409 on oneself).
func (s *server) refusal(d policy.Decision, t *target) error {
	switch d.Reason {
	case policy.ReasonReach:
		return httpError(http.StatusNotFound, "There is no user with the id "+t.ID+" that you can see. The user may have been deleted, or the id mistyped.", nil).
			withTitle("No such user").asDenied()
	case policy.ReasonSelf:
		return errOwnAccount("change your own account")
	case policy.ReasonStaff:
		return errStaffTarget()
	case policy.ReasonProtected:
		return errProtected(t.protection)
	case policy.ReasonRolesUnread:
		return errProtected(protection{unchecked: true})
	}
	return errForbidden
}

// resolveTarget reads what the route's handler and the rules need of the user, in one round
// trip: the user (the route's fields and those the person's reach matches on, or the whole
// user) and, when the rules need them, the user's roles. A route that needs neither — a read by
// someone who reaches the whole tenant — costs no call.
func (s *server) resolveTarget(c echo.Context, me identity, staff policy.Staff, rt route, id string) (*target, error) {
	r := rt.Target
	rd := targetReadsFor(staff, rt.Action, r, s.stepUpNeeded(me))
	if r.page && !isPartial(c) {
		// The user page reads the roles for everyone: its roles section and summary show
		// them, from this same read (pagePrefetch).
		rd.rolesWanted = true
	}
	t := &target{ID: id}
	calls := s.targetCalls(t, rd, s.logger(c))
	if r.page && isSafeMethod(c.Request().Method) && !isPartial(c) {
		// The page's sections are read at once with the target: reads only, dropped unread
		// when the gate refuses.
		c.Set(ctxPrefetch, s.prefetchPage(c, id))
	}
	if len(calls) == 0 {
		return t, nil
	}
	if err := sectionParallel(c.Request().Context(), calls...); err != nil {
		return nil, err
	}
	return t, nil
}

// targetReads is what the gate reads of a user for an action and its rule.
type targetReads struct {
	// fields are the user's fields to read (nil and !whole: the user is not read).
	fields []string
	whole  bool
	// roles: the rules need the user's roles (a failed read refuses); rolesWanted: the page's
	// controls would use them (a failed read shows none).
	roles, rolesWanted bool
}

// targetReadsFor says what the rules (and the route's handler) need of the user: the fields
// the reach of the action and of the page's controls match on (none when they reach the whole
// tenant), and the roles when a rule does. A route that needs neither — a read by someone who
// reaches the whole tenant — costs no call. stepUpDue: the person's sign-in is too old for a
// dangerous change (then a staff account's change needs a step-up, which the roles tell).
func targetReadsFor(staff policy.Staff, a policy.Action, r *targetRule, stepUpDue bool) targetReads {
	var fields []string
	rd := targetReads{whole: r.whole, roles: staff.NeedsRoles(a)}
	for i, ca := range append([]policy.Action{a}, r.controls...) {
		if !staff.May(ca) {
			continue
		}
		if !staff.WholeTenant(ca) {
			fields = append(fields, staff.TargetFields(ca)...)
		}
		if i > 0 && staff.NeedsRoles(ca) {
			rd.rolesWanted = true
		}
	}
	if !r.whole && (len(r.fields) > 0 || len(fields) > 0) {
		fields = slices.Concat(fields, r.fields, []string{"user_id"})
		slices.Sort(fields)
		rd.fields = slices.Compact(fields)
	}
	// A change that needs no step-up of its own still needs one on a staff account: when the
	// person's sign-in is old enough for that to matter, the roles tell.
	if r.isChange() && !r.stepUp && stepUpDue {
		rd.roles = true
	}
	return rd
}

// targetCalls are the Management API reads that fill t as rd says, to be made at once.
func (s *server) targetCalls(t *target, rd targetReads, log *slog.Logger) []func(ctx context.Context) error {
	var calls []func(ctx context.Context) error
	id := t.ID
	if rd.whole || len(rd.fields) > 0 {
		var p *auth0api.GetUserParams
		if !rd.whole {
			p = &auth0api.GetUserParams{Fields: rd.fields}
		}
		calls = append(calls, func(ctx context.Context) error {
			u, err := s.users.GetUser(ctx, id, p)
			if err != nil {
				return err
			}
			t.User, t.doc, t.wholeUser = u, userDoc(u), rd.whole
			return nil
		})
	}
	readRoles := func(failOpen bool) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			page, err := s.users.ListUserRoles(ctx, id, auth0api.PageParams{PerPage: protectionRolesPerPage, IncludeTotals: auth0api.Set(true)})
			if err != nil {
				if failOpen {
					log.Warn("could not read the user's roles to check the rules; showing no controls", "err", err)
					t.protection = protection{unchecked: true}
					return nil // the page shows the user anyway
				}
				return fmt.Errorf("check the user's roles: %w", err)
			}
			t.Roles, t.rolesRead = page.Roles, true
			t.protection = s.protectionOf(page)
			return nil
		}
	}
	switch {
	case rd.roles:
		calls = append(calls, readRoles(false))
	case rd.rolesWanted:
		calls = append(calls, readRoles(true))
	}
	return calls
}

// userDoc is the user as a JSON object, as the policy matches it.
func userDoc(u *auth0api.User) map[string]any { return jsonObject(u) }

// jsonObject is v as a JSON object (decoded into map[string]any), or nil when it is not one.
func jsonObject(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var doc map[string]any
	if json.Unmarshal(b, &doc) != nil {
		return nil
	}
	return doc
}

// errStaffTarget refuses a change to a staff account by someone whose group may not manage staff.
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

// changeFailed words the failure of an operation: the audit trail could not be written (503,
// nothing was changed), Auth0's 404 for the user, or Auth0's refusal as it is.
func (s *server) changeFailed(t *target, err error) error {
	if errors.Is(err, userops.ErrAuditUnavailable) {
		return httpError(http.StatusServiceUnavailable, "Nothing was changed: userdesk cannot write its audit trail right now, and it makes no change it cannot record. Try again shortly; if it keeps happening, tell an operator.", err).
			withTitle("Audit trail unavailable")
	}
	return s.userActionError(t.ID, err)
}
