package handlers

// Bulk actions (issue 16): one change to many users, run as a job (package bulk) that survives a
// page reload and, with a shared store, a restart. A bulk action reuses its single-user route
// whole: the route's policy action (the person needs it somewhere to start the job), its
// rules (each user of the job is decided with the gate's own decision, decide, and refused
// users are recorded as skipped with the reason in words), and its operation (userops), which
// audits every user as the single route does. Starting a job needs a fresh sign-in (the gate's
// step-up); deleting needs the number of users typed back. The job's start and end are audited
// (bulk.start, bulk.end). Its Management API calls are background work (auth0api.Background):
// they leave part of the budget to the pages people are waiting for.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/bulk"
	"userdesk/handlers/userquery"
	"userdesk/policy"
	"userdesk/userops"
	"userdesk/views"
)

// bulkOp is one bulk action: the single-user route it repeats and how it changes one user.
type bulkOp struct {
	views.BulkAction
	// route is the single-user route ("POST /users/:id/block"): its action and target rule
	// are the job's.
	route string
	// needsRole: the action takes a role (params "role").
	needsRole bool
	// confirmCount: the person types the number of users to confirm (delete).
	confirmCount bool
	// title says the job in words, for n users.
	title func(n int, roleName string) string
	// allowed, when set, is a rule of the single route's handler about the user, on top of
	// the gate's: its refusal skips the user.
	allowed func(staff policy.Staff, t *target, params map[string]string) error
	// run changes one user with the single route's operation; it returns the user's label
	// when the answer names them.
	run func(s *server, ctx context.Context, a userops.Actor, t userops.Target, params map[string]string) (string, error)
}

// users says n users in words.
func users(n int) string {
	if n == 1 {
		return "1 user"
	}
	return strconv.Itoa(n) + " users"
}

// bulkOps are the bulk actions, in the order the search results offer them.
var bulkOps = []bulkOp{
	{
		BulkAction: views.BulkAction{Op: "block", Label: "Block"}, route: "POST /users/:id/block",
		title: func(n int, _ string) string { return "Block " + users(n) },
		run: func(s *server, ctx context.Context, a userops.Actor, t userops.Target, _ map[string]string) (string, error) {
			u, err := s.ops.SetBlocked(ctx, a, t, true)
			return labelOf(u, t.UserID), err
		},
	},
	{
		BulkAction: views.BulkAction{Op: "unblock", Label: "Unblock"}, route: "POST /users/:id/unblock",
		title: func(n int, _ string) string { return "Unblock " + users(n) },
		run: func(s *server, ctx context.Context, a userops.Actor, t userops.Target, _ map[string]string) (string, error) {
			u, err := s.ops.SetBlocked(ctx, a, t, false)
			return labelOf(u, t.UserID), err
		},
	},
	{
		BulkAction: views.BulkAction{Op: "roles-assign", Label: "Assign a role"}, route: "POST /users/:id/roles", needsRole: true,
		title:   func(n int, role string) string { return "Assign the role " + role + " to " + users(n) },
		allowed: mayAssignJobRole("assign"),
		run: func(s *server, ctx context.Context, a userops.Actor, t userops.Target, p map[string]string) (string, error) {
			return "", s.ops.AssignRoles(ctx, a, t, []string{p["role"]})
		},
	},
	{
		BulkAction: views.BulkAction{Op: "roles-remove", Label: "Remove a role"}, route: "DELETE /users/:id/roles/:role", needsRole: true,
		title:   func(n int, role string) string { return "Remove the role " + role + " from " + users(n) },
		allowed: mayAssignJobRole("remove"),
		run: func(s *server, ctx context.Context, a userops.Actor, t userops.Target, p map[string]string) (string, error) {
			return "", s.ops.RemoveRoles(ctx, a, t, []string{p["role"]})
		},
	},
	{
		BulkAction: views.BulkAction{Op: "reset-mfa", Label: "Reset MFA"}, route: "DELETE /users/:id/factors",
		title: func(n int, _ string) string { return "Reset the MFA of " + users(n) },
		run: func(s *server, ctx context.Context, a userops.Actor, t userops.Target, _ map[string]string) (string, error) {
			return "", s.ops.ResetFactors(ctx, a, t)
		},
	},
	{
		BulkAction: views.BulkAction{Op: "verification-email", Label: "Send verification e-mail"}, route: "POST /users/:id/verification-email",
		title: func(n int, _ string) string { return "Send the verification e-mail to " + users(n) },
		run: func(s *server, ctx context.Context, a userops.Actor, t userops.Target, _ map[string]string) (string, error) {
			_, err := s.ops.SendVerificationEmail(ctx, a, t)
			return "", err
		},
	},
	{
		BulkAction: views.BulkAction{Op: "end-sessions", Label: "Sign out everywhere"}, route: "POST /users/:id/revoke-access",
		title: func(n int, _ string) string { return "End the sessions and revoke the refresh tokens of " + users(n) },
		run: func(s *server, ctx context.Context, a userops.Actor, t userops.Target, _ map[string]string) (string, error) {
			_, err := s.ops.RevokeAccess(ctx, a, t)
			return "", err
		},
	},
	{
		BulkAction: views.BulkAction{Op: "delete", Label: "Delete", Danger: true}, route: "POST /users/:id/delete", confirmCount: true,
		title: func(n int, _ string) string { return "Delete " + users(n) },
		run: func(s *server, ctx context.Context, a userops.Actor, t userops.Target, _ map[string]string) (string, error) {
			return "", s.ops.Delete(ctx, a, t)
		},
	},
}

// labelOf names a user the operation returned, or "".
func labelOf(u *auth0api.User, id string) string {
	if u == nil {
		return ""
	}
	return userLabel(u, id)
}

// bulkOpNamed finds a bulk action by its path segment.
func bulkOpNamed(name string) (bulkOp, bool) {
	i := slices.IndexFunc(bulkOps, func(op bulkOp) bool { return op.Op == name })
	if i < 0 {
		return bulkOp{}, false
	}
	return bulkOps[i], true
}

// singleRoute returns the single-user route a bulk action repeats (a programming error when
// the table has none: every test catches it).
func (s *server) singleRoute(methodPath string) route {
	for _, rt := range slices.Concat(s.userRoutes(), s.sectionRoutes()) {
		if rt.Method+" "+rt.Path == methodPath && rt.Target != nil {
			return rt
		}
	}
	panic("handlers: bulk action on an unknown route " + methodPath)
}

// bulkRoutes are the bulk actions and their jobs' pages. Part of the route table (routes.go):
// each action needs the action of the single-user route it repeats.
func (s *server) bulkRoutes() []route {
	rs := []route{
		{http.MethodGet, "/bulk", actView, s.listBulkJobs, nil},
		{http.MethodGet, "/bulk/:job", actView, s.showBulkJob, nil},
		{http.MethodPost, "/bulk/:job/cancel", actView, s.cancelBulkJob, nil},
	}
	for _, op := range bulkOps {
		rs = append(rs, route{http.MethodPost, "/bulk/" + op.Op, s.singleRoute(op.route).Action, s.startBulk(op), nil})
	}
	return rs
}

// bulkChoices are the bulk actions the person may start, for the users table.
func (s *server) bulkChoices(c echo.Context) views.BulkChoices {
	me, ok := currentIdentity(c)
	if !ok {
		return views.BulkChoices{}
	}
	st := s.staffOf(me)
	var ch views.BulkChoices
	for _, op := range bulkOps {
		if st.May(s.singleRoute(op.route).Action) {
			ch.Actions = append(ch.Actions, op.BulkAction)
		}
	}
	if len(ch.Actions) > 0 {
		ch.CSRFToken = maskCSRF(me.CSRFToken)
	}
	return ch
}

// Job parameters (bulk.Job.Params): who started the job, as the runner that resumes it needs
// them, and the action's input.
const (
	paramOp       = "op"
	paramRole     = "role"
	paramSubject  = "sub"
	paramIssuer   = "iss"
	paramEmail    = "email"
	paramName     = "name"
	paramClaims   = "claims" // the role claim's values, JSON
	paramIP       = "ip"
	paramRoleName = "role_name"
)

// startBulk is POST /bulk/<op>: without confirm=1 it shows the confirmation page of the users
// chosen; with it, it checks the confirmation and starts the job, then sends the person to the
// job's page. Both need a fresh sign-in (the gate's step-up), asked before anything is read.
func (s *server) startBulk(op bulkOp) echo.HandlerFunc {
	return func(c echo.Context) error {
		me, _ := currentIdentity(c)
		if s.stepUpNeeded(me) {
			return s.requireStepUp(c)
		}
		d := views.BulkConfirm{Action: op.BulkAction, NeedsRole: op.needsRole, ConfirmCount: op.confirmCount}
		var err error
		if d.UserIDs, d.Labels, err = s.bulkSelection(c, &d); err != nil {
			return err
		}
		d.Role = strings.TrimSpace(c.FormValue("role"))
		roleName := ""
		if op.needsRole {
			if d.Roles, err = s.bulkRoleChoices(c); err != nil {
				return err
			}
			if d.Role != "" {
				if roleName, err = s.checkBulkRole(d.Role, d.Roles); err != nil {
					d.Error = publicMessage(err)
				}
			}
		}
		d.Title = op.title(d.Count(), cmpOr(roleName, "…"))
		if c.FormValue("confirm") != "1" || d.Error != "" {
			return s.renderBulkConfirm(c, d, http.StatusOK)
		}
		switch {
		case op.needsRole && d.Role == "":
			d.Error = "Choose the role."
		case op.confirmCount && strings.TrimSpace(c.FormValue("confirm_count")) != strconv.Itoa(d.Count()):
			d.Error = "Type the number of users, " + strconv.Itoa(d.Count()) + ", to confirm the deletion."
		}
		if d.Error != "" {
			return s.renderBulkConfirm(c, d, http.StatusUnprocessableEntity)
		}
		claims, err := json.Marshal(me.Claims)
		if err != nil {
			return fmt.Errorf("bulk: encode the claims: %w", err)
		}
		params := map[string]string{
			paramOp: op.Op, paramSubject: me.Subject, paramIssuer: me.Issuer, paramEmail: me.Email,
			paramName: me.Name, paramClaims: string(claims), paramIP: c.RealIP(),
		}
		if op.needsRole {
			params[paramRole], params[paramRoleName] = d.Role, roleName
		}
		j := bulk.NewJob(me.Subject, op.Op, d.Title, params, d.UserIDs, s.now())
		for i := range j.Items {
			j.Items[i].Label = d.Labels[j.Items[i].UserID]
		}
		details := []audit.Attr{audit.String("job", j.ID), audit.String("op", op.Op), audit.Int("count", int64(len(j.Items)))}
		if op.needsRole {
			details = append(details, audit.Strings("roles", []string{d.Role}))
		}
		s.auditEvent(c, audit.BulkStart, audit.OutcomeSuccess, "", details...)
		if err := s.runner.Start(s.jobs, j, s.bulkStep(j)); err != nil {
			err := httpError(http.StatusServiceUnavailable, "The job could not be stored, so it did not start. Try again shortly.", err).withTitle("Job not started")
			s.audit(c, audit.BulkEnd, "", err, audit.String("job", j.ID), audit.String("op", op.Op), audit.Int("count", 0))
			return err
		}
		s.logger(c).Info("bulk job started", "job", j.ID, "op", op.Op, "count", len(j.Items))
		if isHTMX(c) {
			c.Response().Header().Set("HX-Redirect", views.JobURL(j.ID))
			return c.NoContent(http.StatusOK)
		}
		return c.Redirect(http.StatusSeeOther, views.JobURL(j.ID))
	}
}

// cmpOr returns s, or def when s is empty.
func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// publicMessage is the words of a publicError, or a generic sentence.
func publicMessage(err error) string {
	var pub *publicError
	if errors.As(err, &pub) {
		return pub.msg
	}
	return "That cannot be done."
}

// renderBulkConfirm shows the confirmation page.
func (s *server) renderBulkConfirm(c echo.Context, d views.BulkConfirm, status int) error {
	me, _ := currentIdentity(c)
	d.StepUp = s.stepUpNeeded(me)
	return render(c, status, views.BulkConfirmPage(s.page(c, d.Title), d))
}

// bulkSelection reads the users chosen: the ids checked ("user", at most views.BulkMaxUsers,
// each a valid user id), or with all=1 the users of the search given ("search"), found again
// here, up to views.BulkMaxUsers. Ids from the browser are only ids: every user is decided by
// the job as the gate would.
func (s *server) bulkSelection(c echo.Context, d *views.BulkConfirm) ([]string, map[string]string, error) {
	form, err := c.FormParams()
	if err != nil {
		return nil, nil, httpError(http.StatusBadRequest, "The form could not be read.", err)
	}
	if form.Get("all") == "1" {
		return s.bulkSearch(c, form.Get("search"), d)
	}
	var ids []string
	for _, id := range form["user"] {
		id = strings.TrimSpace(id)
		if !validUserID(id) {
			return nil, nil, httpError(http.StatusBadRequest, "One of the users chosen has an id that is not valid. Choose the users again from the search.", nil)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return nil, nil, httpError(http.StatusUnprocessableEntity, "Choose at least one user: check them in the search results.", nil).withTitle("No user chosen")
	case len(ids) > views.BulkMaxUsers:
		return nil, nil, httpError(http.StatusUnprocessableEntity, fmt.Sprintf("A bulk job changes at most %d users; %d were chosen.", views.BulkMaxUsers, len(ids)), nil).withTitle("Too many users")
	}
	return ids, nil, nil
}

// bulkSearchPerPage is the page size of "select all N matching"'s search: Auth0's largest.
const bulkSearchPerPage = 100

// bulkSearch finds the users of a search (the users page's query string) again, confined to
// the person's reach like the page, up to views.BulkMaxUsers (Auth0's cap).
func (s *server) bulkSearch(c echo.Context, rawSearch string, d *views.BulkConfirm) ([]string, map[string]string, error) {
	u, err := url.Parse(rawSearch)
	if err != nil || (u.Path != "/users" && u.Path != "") {
		return nil, nil, httpError(http.StatusBadRequest, "The search to act on could not be read. Search again.", nil)
	}
	search := parseUserSearch(u.Query())
	plan, err := userquery.Compile(searchFilters(search, s.now()))
	if err != nil {
		return nil, nil, httpError(http.StatusUnprocessableEntity, "The search has problems to fix first. Search again.", nil)
	}
	st := s.currentStaff(c)
	q, err := st.SearchQuery(policy.ActionView, plan.Q)
	if err != nil {
		return nil, nil, httpError(http.StatusUnprocessableEntity, "This search cannot be run once limited to the users you can see.", err)
	}
	fields := s.searchFieldsFor(st)
	var ids []string
	labels := map[string]string{}
	for page := 0; len(ids) < views.BulkMaxUsers; page++ {
		p := auth0api.ListUsersParams{Q: q, Page: page, PerPage: bulkSearchPerPage, Fields: fields, IncludeTotals: auth0api.Set(true)}
		if col, ok := views.SortColumnFor(search.Sort); ok {
			p.Sort = col.Field + ":1"
		}
		res, err := s.users.ListUsers(c.Request().Context(), p)
		if err != nil {
			return nil, nil, err
		}
		d.Matching = max(d.Matching, res.Total)
		for _, u := range res.Users {
			if !st.Reaches(policy.ActionView, userDoc(&u)) || slices.Contains(ids, u.UserID) || len(ids) >= views.BulkMaxUsers {
				continue
			}
			ids = append(ids, u.UserID)
			labels[u.UserID] = userLabel(&u, u.UserID)
		}
		if len(res.Users) < bulkSearchPerPage || (page+1)*bulkSearchPerPage >= views.BulkMaxUsers {
			break
		}
	}
	if len(ids) == 0 {
		return nil, nil, httpError(http.StatusUnprocessableEntity, "The search finds nobody any more.", nil).withTitle("No user chosen")
	}
	d.Search = rawSearch
	d.Capped = d.Matching > len(ids) && d.Matching > views.BulkMaxUsers
	return ids, labels, nil
}

// bulkRoleChoices lists the roles a role action's picker offers: those the person may assign
// to some user of their reach (their groups' assignable roles; roles giving dashboard access
// only with manage_staff). Each user of the job is then checked like the single route.
func (s *server) bulkRoleChoices(c echo.Context) ([]auth0api.Role, error) {
	st := s.currentStaff(c)
	var roles []auth0api.Role
	if all, names := st.AssignableAnywhere(); all {
		page, err := s.users.ListRoles(c.Request().Context(), auth0api.ListRolesParams{PerPage: 100})
		if err != nil {
			return nil, err
		}
		roles = page.Roles
	} else {
		var err error
		if roles, err = s.resolveRoles(c.Request().Context(), c, names); err != nil {
			return nil, err
		}
	}
	return slices.DeleteFunc(roles, func(r auth0api.Role) bool { return !st.MayAssignRoleSomewhere(r.Name) }), nil
}

// checkBulkRole checks the role of a role action: an Auth0 role id (as the single route), of
// the tenant's catalog (its name is what the policy's assignable roles name). Whether the
// person may assign it is decided per user, as the single route decides it on its user.
func (s *server) checkBulkRole(role string, roles []auth0api.Role) (string, error) {
	if _, err := checkRoleIDs([]string{role}); err != nil {
		return "", err
	}
	for _, r := range roles {
		if r.ID == role {
			return r.Name, nil
		}
	}
	return "", httpError(http.StatusUnprocessableEntity, "Choose a role from the list.", nil)
}

// jobIdentity is who started a job, from its params.
func jobIdentity(j bulk.Job) identity {
	p := j.Params
	me := identity{Issuer: p[paramIssuer], Subject: p[paramSubject], Email: p[paramEmail], Name: p[paramName]}
	_ = json.Unmarshal([]byte(p[paramClaims]), &me.Claims) // none: in no group, every user skipped
	return me
}

// bulkStep builds a job's step from its action and params: nil for an action this version
// does not know (the job is left alone). Each user is decided as the gate decides the single
// route — the self rule, the reads the rules need, the policy's decision — and changed with the
// route's operation. The step-up was asked once, when the job started.
func (s *server) bulkStep(j bulk.Job) bulk.Step {
	op, ok := bulkOpNamed(j.Params[paramOp])
	if !ok || j.Owner == "" || j.Owner != j.Params[paramSubject] {
		return nil
	}
	rt := s.singleRoute(op.route)
	me := jobIdentity(j)
	owner := newJobOwner(j)
	log := s.log.With("job", j.ID, "op", op.Op)
	return func(ctx context.Context, userID string) (bulk.Outcome, string, string) {
		ctx = auth0api.Background(ctx)
		if !validUserID(userID) {
			return bulk.Skipped, "Not a valid user id.", ""
		}
		// The owner's access now (bulk_owner.go): narrowed, ended, or not confirmed.
		staff, ended, err := s.ownerNow(ctx, j, owner)
		switch {
		case ended != "":
			return bulk.Skipped, "Not changed: the job was stopped because " + jobStoppedReasons[ended] + ".", ""
		case err != nil:
			return bulk.Failed, publicMessage(errAccessUnconfirmed), ""
		}
		actor := userops.Actor{
			Actor: audit.Actor{Subject: me.Subject, Email: me.Email, Name: me.Name, Groups: staff.Groups()},
			IP:    j.Params[paramIP],
			Route: "bulk " + op.Op + " " + j.ID,
		}
		self := ownAccount(me, userID)
		if err := selfRefusal(rt.Target, self); err != nil {
			s.auditJobRefusal(ctx, j, actor, rt, userID, err)
			return bulk.Skipped, publicMessage(err), ""
		}
		t := &target{ID: userID, self: self}
		// The job's step-up was its start's: no user asks for another.
		if err := sectionParallel(ctx, s.targetCalls(t, targetReadsFor(staff, rt.Action, rt.Target, false), log)...); err != nil {
			if errors.Is(err, auth0api.ErrNotFound) {
				return bulk.Skipped, bulkNotFound, ""
			}
			return bulk.Failed, s.jobFailure(log, err), ""
		}
		if v := s.decide(staff, rt.Action, rt.Target, t, false); v.refusal != nil {
			reason := publicMessage(v.refusal)
			if v.decision.Reason == policy.ReasonReach {
				reason = bulkNotFound // as the single route: do not confirm the user exists
			}
			s.auditJobRefusal(ctx, j, actor, rt, userID, v.refusal, v.details()...)
			return bulk.Skipped, reason, labelIfRead(t)
		}
		if op.allowed != nil {
			if err := op.allowed(staff, t, j.Params); err != nil {
				s.auditJobRefusal(ctx, j, actor, rt, userID, err)
				return bulk.Skipped, publicMessage(err), labelIfRead(t)
			}
		}
		a := actor
		a.RequestID = j.ID + "/" + userID // each user once per job
		label, err := op.run(s, ctx, a, t.op(), j.Params)
		if label == "" {
			label = labelIfRead(t)
		}
		if err != nil {
			if errors.Is(err, auth0api.ErrNotFound) {
				return bulk.Failed, "Auth0 has no such user (deleted meanwhile?).", label
			}
			return bulk.Failed, s.jobFailure(log, err), label
		}
		return bulk.Done, "", label
	}
}

// mayAssignJobRole is the role actions' per-user rule, as the single routes'
// (refuseUnassignable): only a role the person may assign to this user (their groups'
// assignable roles there; roles giving dashboard access only with manage_staff), whether to
// assign or to remove it (verb).
func mayAssignJobRole(verb string) func(policy.Staff, *target, map[string]string) error {
	return func(staff policy.Staff, t *target, p map[string]string) error {
		if !staff.MayAssignRole(t.policyTarget(), p[paramRoleName]) {
			return httpError(http.StatusForbidden, "You may not "+verb+" the role "+p[paramRoleName]+" on this user.", nil).asDenied()
		}
		return nil
	}
}

// bulkNotFound is the reason of a user the person cannot reach, or who does not exist: the
// same words for both, as the single route's 404.
const bulkNotFound = "No such user that you can change: out of your reach, or deleted."

// labelIfRead names a target the job read, or "".
func labelIfRead(t *target) string {
	if t.User == nil {
		return ""
	}
	return t.label()
}

// jobFailure words a user's failure for the job's results, and logs what is not Auth0's.
func (s *server) jobFailure(log interface{ Error(string, ...any) }, err error) string {
	var a0 *auth0api.Error
	switch {
	case errors.Is(err, userops.ErrAuditUnavailable):
		return "Nothing was changed: the audit trail could not be written."
	case errors.As(err, &a0):
		msg := fmt.Sprintf("Auth0 answered %d", a0.StatusCode)
		if a0.Message != "" {
			msg += ": " + a0.Message
		}
		return msg
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "Stopped before Auth0 answered; check this user before trying again."
	}
	log.Error("bulk job: a user failed", "err", err)
	return "userdesk could not make the change (see its logs)."
}

// auditJobRefusal records a user of a job refused by the rules, as the gate records a refused
// single request: denied, under the route's event.
func (s *server) auditJobRefusal(ctx context.Context, j bulk.Job, a userops.Actor, rt route, userID string, refusal error, details ...audit.Attr) {
	outcome, more := outcomeOf(refusal)
	e := audit.Event{Name: rt.Target.event, Outcome: outcome, Actor: a.Actor, Target: audit.Target{UserID: userID},
		RequestID: j.ID, IP: a.IP, Route: a.Route, Details: append(append(details, more...), audit.String("job", j.ID))}
	if err := s.rec.Record(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("audit event not recorded", "err", err, "event", string(e.Name), "job", j.ID)
	}
}

// bulkEnded records a job's end (bulk.end) with its counts: the runner tells it once per job.
func (s *server) bulkEnded(ctx context.Context, j bulk.Job) {
	c := j.Counts()
	details := []audit.Attr{audit.String("op", j.Action), audit.String("state", string(j.State)),
		audit.Int("count", int64(c.Total)), audit.Int("succeeded", int64(c.Done)), audit.Int("failed", int64(c.Failed)),
		audit.Int("skipped", int64(c.Skipped))}
	if j.Stopped != "" {
		details = append(details, audit.String("stopped", j.Stopped))
	}
	s.recordJobEvent(ctx, j, jobIdentity(j), audit.BulkEnd, "", details...)
	s.log.Info("bulk job ended", "job", j.ID, "state", j.State, "done", c.Done, "failed", c.Failed, "skipped", c.Skipped)
}

// resumeBulkJobs takes over, now and every lease, the running jobs whose runner stopped (a
// restart, or another replica gone), until ctx ends.
func (s *server) resumeBulkJobs(ctx context.Context, every time.Duration) {
	for {
		n, err := s.runner.Resume(ctx, s.bulkStep)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("resume bulk jobs", "err", err)
		case n > 0:
			s.log.Info("resumed bulk jobs", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// ownJob reads the job of the :job parameter when the signed-in person owns it; anyone else gets
// the same 404 as for a job that does not exist.
func (s *server) ownJob(c echo.Context) (bulk.Job, error) {
	me, _ := currentIdentity(c)
	id := c.Param("job")
	notFound := httpError(http.StatusNotFound, "There is no bulk job of yours with this address. Jobs are kept for a day.", nil).withTitle("No such job")
	if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return !strings.ContainsRune("0123456789abcdef", r) }) {
		return bulk.Job{}, notFound
	}
	j, err := s.runner.Store.Get(c.Request().Context(), id)
	switch {
	case errors.Is(err, bulk.ErrNotFound):
		return bulk.Job{}, notFound
	case err != nil:
		return bulk.Job{}, fmt.Errorf("read bulk job: %w", err)
	case j.Owner != me.Subject || me.Subject == "":
		return bulk.Job{}, notFound
	}
	return j, nil
}

// jobData is a job as its page shows it.
func (s *server) jobData(c echo.Context, j bulk.Job) views.BulkJobData {
	me, _ := currentIdentity(c)
	return views.BulkJobData{Job: j, Counts: j.Counts(), CSRFToken: maskCSRF(me.CSRFToken)}
}

// showBulkJob is a job's page (owner only), or its progress for htmx's polling.
func (s *server) showBulkJob(c echo.Context) error {
	j, err := s.ownJob(c)
	if err != nil {
		return err
	}
	d := s.jobData(c, j)
	if isPartial(c) {
		return render(c, http.StatusOK, views.BulkJobProgress(d))
	}
	return render(c, http.StatusOK, views.BulkJobPage(s.page(c, j.Title), d))
}

// cancelBulkJob stops a job of the person's: no user is started after it.
func (s *server) cancelBulkJob(c echo.Context) error {
	if _, err := s.ownJob(c); err != nil {
		return err
	}
	j, err := s.runner.Cancel(c.Request().Context(), c.Param("job"))
	if err != nil {
		return fmt.Errorf("cancel bulk job: %w", err)
	}
	s.logger(c).Info("bulk job cancelled", "job", j.ID)
	if isPartial(c) {
		return render(c, http.StatusOK, views.BulkJobProgress(s.jobData(c, j)))
	}
	return c.Redirect(http.StatusSeeOther, views.JobURL(j.ID))
}

// recentJobs is how many jobs "Your bulk jobs" lists.
const recentJobs = 20

// listBulkJobs is "Your bulk jobs": the person's latest jobs.
func (s *server) listBulkJobs(c echo.Context) error {
	me, _ := currentIdentity(c)
	jobs, err := s.runner.Store.Recent(c.Request().Context(), me.Subject, recentJobs)
	if err != nil {
		return fmt.Errorf("list bulk jobs: %w", err)
	}
	ds := make([]views.BulkJobData, len(jobs))
	for i, j := range jobs {
		ds[i] = views.BulkJobData{Job: j, Counts: j.Counts()}
	}
	return render(c, http.StatusOK, views.BulkJobsPage(s.page(c, "Your bulk jobs"), ds))
}

// bulkResumeEvery is how often the jobs left by a stopped runner are looked for: a job is
// taken over at most this long after its lease (bulk.Runner.Lease, 30 s) ended.
const bulkResumeEvery = 15 * time.Second
