package handlers

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
)

// route is one entry of the route table.
type route struct {
	Method  string
	Path    string
	Action  action // who may call it: see policy.go
	Handler echo.HandlerFunc
}

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
		{http.MethodGet, "/healthz", actPublic, s.healthz},
		{http.MethodGet, "/readyz", actPublic, s.readyz},
		{http.MethodGet, "/static/*", actPublic, s.serveStatic},
		{http.MethodGet, "/login", actPublic, s.login},
		{http.MethodGet, "/callback", actPublic, s.callback},
		{http.MethodGet, "/signed-out", actPublic, s.signedOut},

		// Any signed-in person, even without a dashboard role.
		{http.MethodPost, "/logout", actSignedIn, s.logout},

		// The dashboard.
		{http.MethodGet, "/", actView, s.home},
	}
}

// authorize is the gate in front of every route: it loads the session, enforces its timeouts,
// checks the CSRF token on anything but GET and HEAD, and applies the roles table. A refusal is
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
				s.logger(c).Warn("csrf token missing or wrong", "route", rt.Method+" "+rt.Path, "actor_sub", id.Subject)
				return httpError(http.StatusForbidden, "This request was refused because it did not carry a valid form token. Reload the page and try again.", nil)
			}
			if rt.Action != actSignedIn && !id.Role.may(rt.Action) {
				s.auditDenied(c, rt, "role does not allow "+string(rt.Action))
				return errForbidden
			}
			return next(c)
		}
	}
}

// isSafeMethod reports whether the method never changes state (RFC 9110 §9.2.1).
func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// home sends the signed-in person to the users page.
func (s *server) home(c echo.Context) error {
	return c.Redirect(http.StatusFound, "/users")
}
