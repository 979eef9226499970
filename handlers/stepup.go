package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/handlers/sessionstore"
	"userdesk/views"
)

// Step-up (checklist 17): dangerous actions (a route marked StepUp) need the person to have
// proved who they are recently, by the ID token's auth_time and the server's clock. When they
// have not, the request is not carried out: the person is sent through the provider again
// (prompt=login, max_age=0, multi-factor) and comes back to the page they were on, where the
// action is offered again. The POST is never replayed.

// stepUpSkew is how much earlier than the step-up's start the provider's auth_time may be (the
// two clocks differ a little); Auth0 advises requiring auth_time after the request.
const stepUpSkew = time.Minute

// stepUpNeeded reports whether a dangerous action by id must first re-authenticate them: their
// auth_time is missing, older than the step-up maximum age, or implausibly far in the future;
// or multi-factor is required and their last authentication had none.
func (s *server) stepUpNeeded(id identity) bool {
	if id.AuthTime.IsZero() {
		return true
	}
	age := s.now().Sub(id.AuthTime)
	if age > s.stepUpMaxAge || age < -maxClockSkew {
		return true
	}
	return s.requireMFA && !id.multiFactor()
}

// requireStepUp answers a dangerous request whose person must re-authenticate first: it starts
// a step-up sign-in and sends the browser there (an htmx request gets 401 with HX-Redirect, a
// form 303), to come back to the page the request came from. Nothing of the request is kept;
// the refusal is audited as denied. The gate calls it when stepUpNeeded says so.
func (s *server) requireStepUp(c echo.Context) error {
	id, _ := currentIdentity(c)
	back := s.stepUpReturn(c)
	target, err := s.beginSignIn(c, back, id.Subject)
	if err != nil {
		return err
	}
	s.logger(c).Info("step-up required", "actor_sub", id.Subject, "route", c.Request().Method+" "+c.Path())
	s.auditEvent(c, audit.DeniedStepUp, audit.OutcomeDenied, c.Param("id"),
		audit.String("reason", "re-authentication required for a dangerous action"))
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", target)
		return httpError(http.StatusUnauthorized, "Confirm it is you: sign in again, then repeat the action.", nil)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// stepUpReturn is the page a step-up comes back to: the page htmx says the person is on
// (HX-Current-URL), else the Referer (browsers send none under our Referrer-Policy, but a
// proxy's may differ), else the user's page for a per-user route, else the users page. Only
// paths of this site are used (localPath).
func (s *server) stepUpReturn(c echo.Context) string {
	r := c.Request()
	for _, h := range []string{r.Header.Get("HX-Current-URL"), r.Referer()} {
		if h == "" {
			continue
		}
		if u, err := url.Parse(h); err == nil && s.sameOrigin(u) {
			if p := localPath(u.RequestURI()); p != "/" {
				return p
			}
		}
	}
	if uid := c.Param("id"); uid != "" {
		return "/users/" + url.PathEscape(uid)
	}
	return "/users"
}

// finishStepUp completes a step-up callback with the freshly verified identity fresh. The
// provider must have authenticated the person who asked for the step-up, still signed in here,
// after the step-up began: another person ends the session here (the browser is no longer the
// same person's); an ended session starts no new one; a stale or missing auth_time changes
// nothing. On success the session gets the new auth_time, amr and acr (and the provider's
// current sid and role), and a new id.
func (s *server) finishStepUp(c echo.Context, txn signInTxn, fresh identity) error {
	cur, signedIn, err := s.loadIdentity(c)
	if err != nil {
		return err
	}
	if fresh.Subject != txn.Subject || (signedIn && (cur.Issuer != fresh.Issuer || cur.Subject != fresh.Subject)) {
		if signedIn {
			if err := s.endRequestSession(c); err != nil {
				return err
			}
		}
		s.logger(c).Warn("step-up failed", "reason", "another person", "actor_sub", txn.Subject, "sub", fresh.Subject)
		s.auditEvent(c, audit.SessionStepUp, audit.OutcomeFailure, fresh.Subject, audit.String("reason", "signed in as another person; session ended"))
		return httpError(http.StatusForbidden, "You signed in again as a different person, so userdesk signed you out. "+
			"Nothing was done. Sign in again as yourself.", nil).withTitle("Signed out").withSignIn()
	}
	if !signedIn {
		s.logger(c).Info("step-up failed", "reason", "the session ended meanwhile", "sub", fresh.Subject)
		s.auditEvent(c, audit.SessionStepUp, audit.OutcomeFailure, fresh.Subject, audit.String("reason", "the session ended during the step-up"))
		return httpError(http.StatusUnauthorized, "Your session ended while you confirmed your identity, so nothing was done. "+
			"Sign in again, then repeat the action.", nil).withTitle("Session ended").withSignIn()
	}
	if fresh.AuthTime.IsZero() || fresh.AuthTime.Before(txn.Created.Add(-stepUpSkew)) {
		s.logger(c).Warn("step-up failed", "reason", "no fresh auth_time", "actor_sub", cur.Subject, "auth_time", fresh.AuthTime)
		s.auditEvent(c, audit.SessionStepUp, audit.OutcomeFailure, cur.Subject, audit.String("reason", "the provider did not authenticate the person again"))
		return httpError(http.StatusBadRequest, "The identity provider did not ask you to sign in again, so your identity "+
			"was not confirmed and nothing was done.", nil).withTitle("Identity not confirmed")
	}
	up := cur
	// A step-up is a full sign-in: its ID token's role values are this moment's word on them.
	up.Email, up.Name, up.Claims, up.CheckedAt = fresh.Email, fresh.Name, fresh.Claims, s.now()
	up.AuthTime, up.AMR, up.ACR = fresh.AuthTime, fresh.AMR, fresh.ACR
	if fresh.SessionID != "" {
		up.SessionID = fresh.SessionID
	}
	up.LastSeen = s.now()
	if err := s.renewSession(c, up); err != nil {
		if errors.Is(err, sessionstore.ErrUnavailable) {
			return err
		}
		return s.signInFailed(c, "save session", err, "")
	}
	c.SetRequest(c.Request().WithContext(withIdentity(c.Request().Context(), up)))
	s.logger(c).Info("stepped up", "actor_sub", up.Subject)
	s.audit(c, audit.SessionStepUp, up.Subject, nil)
	if err := s.setFlash(c, views.Flash{Kind: views.FlashInfo,
		Message: "You confirmed it is you. Nothing was done yet: repeat the action to carry it out."}); err != nil {
		s.logger(c).Error("save flash", "err", err)
	}
	return c.Redirect(http.StatusFound, txn.ReturnTo)
}
