package handlers

import (
	"errors"
	"math"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/handlers/logouttoken"
)

// backchannelLogout is the OpenID Connect Back-Channel Logout 1.0 endpoint: the provider POSTs
// a logout_token when a person's session there ends, and the dashboard ends the matching
// sessions through the session store's indexes, on every replica at once when they share a
// store: those of that provider session (sid), or, when the token names only the person, all
// of theirs. The token is verified fully (package logouttoken); the answer is 200, or 400
// with a JSON error, never cached. Rate-limited per client address.
func (s *server) backchannelLogout(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if ok, wait := s.logoutLimit.allow(c.RealIP()); !ok {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		return c.JSON(http.StatusTooManyRequests, oauthError{"temporarily_unavailable", "too many requests from this address"})
	}
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return s.logoutRefused(c, "not a form post", nil)
	}
	p, err := s.signIn.current()
	if err != nil {
		s.logger(c).Warn("back-channel logout while the provider is not discovered", "err", err)
		return c.JSON(http.StatusServiceUnavailable, oauthError{"temporarily_unavailable", "the identity provider's keys are not known yet"})
	}
	v, err := logouttoken.New(logouttoken.Config{
		Issuer: s.signIn.issuer, ClientID: s.signIn.clientID,
		Keys: p.keys, Replay: s.replay, Now: s.now,
	})
	if err != nil {
		return err
	}
	// The sessions are in the store: it must answer before the token's jti is used up, so that
	// the provider's retry of this 503 is not refused as a replay.
	if err := s.sessions.Ping(c.Request().Context()); err != nil {
		s.logger(c).Error("back-channel logout while the session store is unavailable", "err", err)
		return c.JSON(http.StatusServiceUnavailable, oauthError{"temporarily_unavailable", "the session store is unavailable"})
	}
	form, err := c.FormParams()
	if err != nil || len(form["logout_token"]) != 1 {
		return s.logoutRefused(c, "exactly one logout_token is required", err)
	}
	claims, err := v.Verify(c.Request().Context(), form.Get("logout_token"))
	if err != nil {
		if !errors.Is(err, logouttoken.ErrInvalid) {
			return err // the replay cache failed: a 500, and the provider may try again
		}
		return s.logoutRefused(c, "invalid logout token", err)
	}
	ended, err := s.endSessionsNamed(c.Request().Context(), claims.Subject, claims.SessionID)
	if err != nil {
		s.logger(c).Error("back-channel logout: ending the sessions failed", "err", err, "sub", claims.Subject, "ended", ended)
		return c.JSON(http.StatusServiceUnavailable, oauthError{"temporarily_unavailable", "the session store is unavailable"})
	}
	s.logger(c).Info("back-channel logout", "sub", claims.Subject, "by_session", claims.SessionID != "", "ended", ended)
	s.auditEvent(c, audit.SessionBackChannel, audit.OutcomeSuccess, claims.Subject, audit.Int("sessions", int64(ended)))
	return c.NoContent(http.StatusOK)
}

// oauthError is the JSON error body of the back-channel logout endpoint (OAuth's shape).
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// logoutRefused answers a back-channel logout that cannot be carried out: 400 with a JSON
// error (the provider records it and does not try again), logged with the reason and audited
// as denied (rate-limited per address).
func (s *server) logoutRefused(c echo.Context, reason string, err error) error {
	s.logger(c).Warn("back-channel logout refused", "reason", reason, "err", err)
	detail := reason
	if err != nil {
		detail += ": " + err.Error()
	}
	s.auditRefusal(c, "session.backchannel_logout", detail)
	return c.JSON(http.StatusBadRequest, oauthError{"invalid_request", reason})
}
