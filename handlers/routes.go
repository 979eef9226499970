package handlers

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
)

// route is one entry of the route table.
type route struct {
	Method string
	Path   string
	Action action // who may call it: see policy.go
	// StepUp marks a dangerous action: the person must have authenticated within the step-up
	// maximum age, or is sent to sign in again first (stepup.go).
	StepUp  bool
	Handler echo.HandlerFunc
}

// Values of route.StepUp, for the table's readability.
const (
	stepUp   = true  // a dangerous action: a recent authentication first
	noStepUp = false // any signed-in session the role allows
)

// routes is the route table: every route the dashboard answers, with the action it needs.
// Pages and htmx partials alike: a partial is a route like any other. It is one table kept in
// three files: the front door below, finding and managing users (userRoutes, routes_users.go),
// and the sections of the user page (sectionRoutes, routes_sections.go). Add routes there and
// nowhere else; TestEveryRouteIsInTheTable and the role × route matrix pick them up.
func (s *server) routes() []route {
	return slices.Concat(s.frontDoorRoutes(), s.userRoutes(), s.sectionRoutes())
}

// frontDoorRoutes are sign-in, health, static files and the landing redirect.
func (s *server) frontDoorRoutes() []route {
	return []route{
		// Public: no session.
		{http.MethodGet, "/healthz", actPublic, noStepUp, s.healthz},
		{http.MethodGet, "/readyz", actPublic, noStepUp, s.readyz},
		{http.MethodGet, "/static/*", actPublic, noStepUp, s.serveStatic},
		{http.MethodGet, "/login", actPublic, noStepUp, s.login},
		{http.MethodGet, "/callback", actPublic, noStepUp, s.callback},
		{http.MethodGet, "/signed-out", actPublic, noStepUp, s.signedOut},
		// The provider's server-to-server call: no session, no CSRF token, exempt from the
		// cross-origin check; the signed logout token is its authentication (backchannel.go).
		{http.MethodPost, "/backchannel-logout", actPublic, noStepUp, s.backchannelLogout},

		// Any signed-in person, even without a dashboard role.
		{http.MethodPost, "/logout", actSignedIn, noStepUp, s.logout},

		// The dashboard.
		{http.MethodGet, "/", actView, noStepUp, s.home},
	}
}

// authorize is the gate in front of every route: it loads the session, enforces its timeouts,
// checks the CSRF token on anything but GET and HEAD, applies the roles table, then asks for a
// step-up on dangerous routes whose person has not authenticated recently. A refusal is
// answered here (the handler never runs) and audited once.
func (s *server) authorize(rt route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if rt.Action == actPublic {
			return next
		}
		return func(c echo.Context) error {
			id, ok := s.loadIdentity(c)
			if !ok {
				return s.signInRequired(c)
			}
			if !isSafeMethod(c.Request().Method) && !s.validCSRF(c, id) {
				return s.refuseCSRF(c, rt, id)
			}
			if rt.Action != actSignedIn && !id.Role.may(rt.Action) {
				s.auditDenied(c, rt, "role does not allow "+string(rt.Action))
				return errForbidden
			}
			if rt.StepUp && s.stepUpNeeded(id) {
				return s.requireStepUp(c)
			}
			return next(c)
		}
	}
}

// refuseCSRF answers a state-changing request without the session's CSRF token: 403, logged,
// and audited as denied (rate-limited per client address, auditRefusal).
func (s *server) refuseCSRF(c echo.Context, rt route, id identity) error {
	s.logger(c).Warn("csrf token missing or wrong", "route", rt.Method+" "+rt.Path, "actor_sub", id.Subject)
	s.auditRefusal(c, "denied.csrf", "CSRF token missing or wrong")
	return httpError(http.StatusForbidden, "This request was refused because it did not carry a valid form token. Reload the page and try again.", nil)
}

// isSafeMethod reports whether the method never changes state (RFC 9110 §9.2.1).
func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// home sends the signed-in person to the users page.
func (s *server) home(c echo.Context) error {
	return c.Redirect(http.StatusFound, "/users")
}
