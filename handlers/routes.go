package handlers

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/policy"
)

// route is one entry of the route table.
type route struct {
	Method  string
	Path    string
	Action  policy.Action // who may call it: see policy.go
	Handler echo.HandlerFunc
	// Target declares what the route does to the user in its :id (gate.go); nil for a route
	// that acts on no user.
	Target *targetRule
}

// Values of route.StepUp, for the table's readability.
const (
	stepUp   = true  // a dangerous action: a recent authentication first
	noStepUp = false // any signed-in session the role allows
)

// routes is the route table: every route the dashboard answers, with the action it needs.
// Pages and htmx partials alike: a partial is a route like any other. It is one table kept in
// four files: the front door below, finding and managing users (userRoutes, routes_users.go),
// the sections of the user page (sectionRoutes, routes_sections.go) and bulk actions
// (bulkRoutes, bulk.go). Add routes there and
// nowhere else; TestEveryRouteIsInTheTable and the role × route matrix pick them up.
func (s *server) routes() []route {
	return slices.Concat(s.frontDoorRoutes(), s.userRoutes(), s.sectionRoutes(), s.bulkRoutes())
}

// frontDoorRoutes are sign-in, health, static files and the landing redirect.
func (s *server) frontDoorRoutes() []route {
	return []route{
		// Public: no session.
		{http.MethodGet, "/healthz", actPublic, s.healthz, nil},
		{http.MethodGet, "/readyz", actPublic, s.readyz, nil},
		{http.MethodGet, "/static/*", actPublic, s.serveStatic, nil},
		{http.MethodGet, "/login", actPublic, s.login, nil},
		{http.MethodGet, "/callback", actPublic, s.callback, nil},
		{http.MethodGet, "/signed-out", actPublic, s.signedOut, nil},
		// The provider's server-to-server call: no session, no CSRF token, exempt from the
		// cross-origin check; the signed logout token is its authentication (backchannel.go).
		{http.MethodPost, "/backchannel-logout", actPublic, s.backchannelLogout, nil},

		// Any signed-in person, even without a dashboard role (staff_sessions.go).
		{http.MethodPost, "/logout", actSignedIn, s.logout, nil},
		{http.MethodGet, "/sessions", actSignedIn, s.showOwnSessions, nil},
		{http.MethodPost, "/logout/everywhere", actSignedIn, s.signOutEverywhere, nil},

		// Who is signed in, and ending their sessions (staff_sessions.go).
		{http.MethodGet, "/staff/sessions", actStaffSessions, s.showStaffSessions, nil},
		{http.MethodPost, "/staff/sessions/end", actStaffSessions, s.endStaffSession, nil},
		{http.MethodPost, "/staff/sessions/end-all", actStaffSessions, s.endStaffSessions, nil},

		// The dashboard.
		{http.MethodGet, "/", actView, s.home, nil},
		{http.MethodGet, "/policy", actPolicy, s.showPolicy, nil},
		{http.MethodGet, "/audit", actAudit, s.showAudit, nil},
		{http.MethodGet, "/audit.csv", actAudit, s.exportAudit, nil},
	}
}

// refuseCSRF answers a state-changing request without the session's CSRF token: 403, logged,
// and audited as denied (rate-limited per client address, auditRefusal).
func (s *server) refuseCSRF(c echo.Context, rt route, id identity) error {
	s.logger(c).Warn("csrf token missing or wrong", "route", rt.Method+" "+rt.Path, "actor_sub", id.Subject)
	s.auditRefusal(c, audit.DeniedCSRF, "CSRF token missing or wrong")
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
