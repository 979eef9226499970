package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// healthz says the process is alive. It checks nothing else, on purpose: a liveness probe
// that failed on Auth0's outages would restart healthy pods.
func (s *server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// readyz says whether the dashboard can work: the session store answers (a ping: Redis, when
// replicas share one), sign-in (the provider was discovered and its signing keys load, which
// also means the tenant answers; cached for a few seconds) and the audit trail (changes are
// refused while it cannot be written; the check probes it). Every check is made again at each
// probe, so the answer recovers by itself when what failed is back.
func (s *server) readyz(c echo.Context) error {
	if err := s.sessions.Ping(c.Request().Context()); err != nil {
		s.logger(c).Warn("not ready", "err", err)
		return c.String(http.StatusServiceUnavailable, "not ready: the session store is unavailable\n")
	}
	if err := s.signIn.ready(c.Request().Context()); err != nil {
		s.logger(c).Warn("not ready", "err", err)
		return c.String(http.StatusServiceUnavailable, "not ready: the identity provider or its signing keys cannot be reached\n")
	}
	if err := s.rec.Check(c.Request().Context()); err != nil {
		s.logger(c).Warn("not ready", "err", err)
		return c.String(http.StatusServiceUnavailable, "not ready: the audit trail cannot be written, so changes are refused\n")
	}
	return c.String(http.StatusOK, "ready\n")
}
