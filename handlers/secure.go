package handlers

// "Secure this account" (issue 12): one confirmed form runs several changes (userops'
// StartSecureAccount: block, end sessions and refresh tokens, forget remembered browsers,
// reset MFA, the password-reset e-mail), and the answer is a page that shows each step's
// outcome as it ends, flushed to the browser step by step. Nothing is kept between requests:
// the page works without JavaScript and behind any replica, and the steps finish (and are
// audited) even if the browser goes away.

import (
	"context"
	"errors"
	"iter"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/userops"
	"userdesk/views"
)

// secureFields are the user fields "secure this account" needs: who to name, the address and
// connection of the password-reset e-mail, whether the user is blocked already.
var secureFields = []string{"user_id", "name", "email", "identities", "blocked"}

// secureForm is the form for the user, for the signed-in person.
func (s *server) secureForm(c echo.Context, u auth0api.User, can views.Abilities, ticked map[string]bool) views.SecureForm {
	me, _ := currentIdentity(c)
	f := views.SecureForm{UserID: u.UserID, User: userLabel(&u, u.UserID), Can: can, Blocked: u.Blocked, Ticked: ticked, CSRFToken: maskCSRF(me.CSRFToken)}
	if _, ok := databaseConnection(u); ok {
		f.Email = u.Email
	}
	return f
}

// secureAccount runs the ticked steps on the user and streams their outcomes. A ticked step
// whose action the person may not take on this user (the policy decided it when the gate read
// the user) refuses the whole, before anything is done.
func (s *server) secureAccount(c echo.Context) error {
	t := targetOf(c)
	u := *t.User
	can, _ := targetAbilities(s.currentStaff(c), t)
	can.ConfirmIdentity = stepUpDue(c)
	refuse := func(err error) error { s.audit(c, audit.UserSecureAccount, t.ID, err); return err }

	ticked := map[string]bool{}
	for _, f := range []string{views.SecureFieldSessions, views.SecureFieldRefreshTokens, views.SecureFieldBrowsers,
		views.SecureFieldResetMFA, views.SecureFieldPasswordEmail, views.SecureFieldBlock} {
		ticked[f] = c.FormValue(f) == "on"
	}
	plan := userops.SecurePlan{
		EndSessions:         ticked[views.SecureFieldSessions],
		RevokeRefreshTokens: ticked[views.SecureFieldRefreshTokens],
		InvalidateBrowsers:  ticked[views.SecureFieldBrowsers],
		ResetMFA:            ticked[views.SecureFieldResetMFA],
		Block:               ticked[views.SecureFieldBlock],
		PasswordResetEmail:  ticked[views.SecureFieldPasswordEmail],
	}
	switch {
	case len(plan.Steps()) == 0:
		return refuse(httpError(http.StatusUnprocessableEntity, "Tick at least one thing to do.", nil))
	case (plan.InvalidateBrowsers || plan.ResetMFA) && !can.ResetMFA,
		plan.Block && !can.BlockUsers,
		plan.PasswordResetEmail && !can.SendEmails:
		return refuse(httpError(http.StatusForbidden, "You may not do every step you ticked to this user. Nothing was done.", nil).asDenied())
	case plan.PasswordResetEmail:
		conn, ok := databaseConnection(u)
		if !ok || u.Email == "" {
			return refuse(httpError(http.StatusConflict, "Only a database user with an e-mail address can be sent a password-reset e-mail. Nothing was done.", nil))
		}
		plan.Email, plan.Connection = u.Email, conn
	}

	run, err := s.ops.StartSecureAccount(c.Request().Context(), s.actor(c), t.op(), plan)
	if err != nil {
		return s.changeFailed(t, err)
	}
	steps := plan.Steps()
	d := views.SecureProgress{UserID: t.ID, User: t.label(), Summary: &views.SecureSummary{Steps: len(steps)},
		Again: s.secureForm(c, u, can, ticked)}
	for _, st := range steps {
		d.Steps = append(d.Steps, string(st))
	}
	results := func(yield func(views.SecureStepView) bool) {
		for r := range run.Results() {
			v := s.secureStepView(c, r)
			if !v.Done {
				d.Summary.Failed = append(d.Summary.Failed, v.Step)
			}
			if !yield(v) {
				return // the browser went away: the run goes on, and is audited
			}
		}
	}
	return s.stream(c, views.SecurePage(s.page(c, "Securing "+views.UserTitle(u)), d, iter.Seq[views.SecureStepView](results)))
}

// secureStepView words one step's outcome.
func (s *server) secureStepView(c echo.Context, r userops.StepResult) views.SecureStepView {
	v := views.SecureStepView{Step: string(r.Step), Done: r.Err == nil, Note: r.Note, Took: r.Took}
	if r.Err == nil {
		return v
	}
	switch {
	case errors.Is(r.Err, userops.ErrAuditUnavailable):
		v.Reason = "Not done: userdesk could not write this step to its audit trail, and makes no change it cannot record."
	case errors.Is(r.Err, auth0api.ErrFeatureUnavailable):
		v.Reason = "Auth0 offers this on Enterprise plans only: this tenant's plan does not include it."
	case errors.Is(r.Err, context.DeadlineExceeded):
		v.Reason = "Auth0 did not answer in time. " + r.Err.Error()
	default:
		_, p := s.describe(c, r.Err)
		v.Reason = p.Message
	}
	s.logger(c).Warn("secure account: a step failed", "step", string(r.Step), "err", r.Err)
	return v
}

// stream writes a page as it renders: what comes before each templ.Flush in the page goes to
// the browser at once. The answer is never cached; a failure half-way is logged (the status is
// sent by then).
func (s *server) stream(c echo.Context, page templ.Component) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a proxy must pass each part on as it comes
	c.Response().WriteHeader(http.StatusOK)
	ctx := c.Request().Context()
	if on, _ := c.Get(ctxRemotePictures).(bool); on {
		ctx = views.WithRemotePictures(ctx, true)
	}
	if err := page.Render(ctx, c.Response()); err != nil {
		s.logger(c).Warn("streamed page ended early", "err", err)
	}
	return nil
}
