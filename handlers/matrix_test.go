package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
)

// pathSamples are the values the matrix puts in path parameters. A route with a parameter not
// listed here fails TestRoleRouteMatrix: add a sample when you add the route.
var pathSamples = map[string]string{
	"id": url.PathEscape(auth0apitest.FixtureUserID),
	"*":  "app.css",
	// The user page's sections (issue 6).
	"method":   url.PathEscape("totp|dev_matrixsample0001"),
	"provider": "duo",
	"role":     "rol_matrixsample0001",
}

// samplePath fills a route's parameters (":id", "*") with samples.
func samplePath(t *testing.T, path string) string {
	t.Helper()
	param := regexp.MustCompile(`:([A-Za-z_]+)|\*`)
	return param.ReplaceAllStringFunc(path, func(m string) string {
		name := strings.TrimPrefix(m, ":")
		v, ok := pathSamples[name]
		if !ok {
			t.Fatalf("route %s: add a sample for parameter %q to pathSamples", path, m)
		}
		return v
	})
}

// personas are who the matrix signs in as; "" is anonymous.
var personas = []string{"", "none", "viewer", "helpdesk", "admin"}

// personaRole is the dashboard role of a persona.
func personaRole(p string) role {
	switch p {
	case "viewer":
		return roleViewer
	case "helpdesk":
		return roleHelpdesk
	case "admin":
		return roleAdmin
	}
	return roleNone
}

// TestRoleRouteMatrix sends every route of the table (pages and partials, every method), as a
// page request and as an htmx request, for every persona, and checks that exactly the roles
// table's answer comes back (checklist 30, 36, 37, 39): anonymous is sent to sign in, a refused
// person gets a 403 (page or alert) with zero Management API calls and one audit event, an
// allowed one gets past the gate, and a GET never changes anything.
//
// A protected role is configured that the sample user does not hold, so every helpdesk change
// also goes through the protected-users check (checklist 40) and must still pass.
func TestRoleRouteMatrix(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) {
			c.ProtectedRoles = []string{"break-glass"}
			// It signs in afresh after every change, hundreds of times from one address.
			c.SignInLimit = IPRate{Burst: 10_000, Every: time.Millisecond}
		}
	})
	browsers := map[string]*browser{}
	session := func(persona string) *browser {
		if b, ok := browsers[persona]; ok {
			return b
		}
		b := a.newBrowser(t)
		if persona != "" {
			b = a.signIn(t, persona)
		}
		browsers[persona] = b
		return b
	}

	for _, rt := range a.srv.routes() {
		if rt.Action == actPublic {
			continue // TestPublicRoutes
		}
		path := samplePath(t, rt.Path)
		for _, persona := range personas {
			for _, htmx := range []bool{false, true} {
				name := rt.Method + " " + rt.Path + " as " + orAnonymous(persona)
				if htmx {
					name += " (htmx)"
				}
				t.Run(name, func(t *testing.T) {
					b := session(persona)
					headers := []string{}
					if htmx {
						headers = append(headers, "HX-Request", "true", "HX-Current-URL", a.URL+"/users")
					}
					if !isSafeMethod(rt.Method) {
						headers = append(headers, b.sameOriginHeaders()...)
						if persona != "" {
							headers = append(headers, "X-CSRF-Token", b.csrfToken(t))
						}
						delete(browsers, persona) // a change may end or alter the session: sign in afresh next time
					}
					a.Tenant.ResetCalls()
					a.Audit.Reset()
					resp, body := b.send(t, rt.Method, path, nil, headers...)
					calls, events := a.Tenant.Calls(), a.auditEvents(t)

					switch allowed := rt.Action == actSignedIn || personaRole(persona).may(rt.Action); {
					case persona == "":
						wantSignInRequired(t, resp, rt.Method, htmx)
						if len(calls) != 0 || len(events) != 0 {
							t.Errorf("anonymous request made %d calls and %d audit events", len(calls), len(events))
						}
					case !allowed:
						wantRefused(t, resp, body, htmx)
						if len(calls) != 0 {
							t.Errorf("refused request made Management API calls: %v", calls)
						}
						if len(events) != 1 || events[0]["outcome"] != "denied" || events[0]["event"] != "denied."+string(rt.Action) {
							t.Errorf("audit = %v, want one denied.%s event", events, rt.Action)
						} else if actor, _ := events[0]["actor"].(map[string]any); actor["role"] != personaRole(persona).String() {
							t.Errorf("audit actor = %v", actor)
						}
					default:
						if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
							t.Errorf("allowed request answered %d:\n%.400s", resp.StatusCode, body)
						}
						if !isSafeMethod(rt.Method) && (len(events) != 1 || (events[0]["outcome"] != "success" && events[0]["outcome"] != "failure")) {
							t.Errorf("a change wrote %d audit events, want exactly one (success or failure): %v", len(events), events)
						}
						if isSafeMethod(rt.Method) {
							for _, c := range calls {
								if c.Method != http.MethodGet {
									t.Errorf("GET route made a %s call: %s", c.Method, c.Path)
								}
							}
							if len(events) != 0 {
								t.Errorf("GET route wrote audit events: %v", events)
							}
						}
					}
				})
			}
		}
	}
}

// TestPublicRoutes: the public routes answer without a session, and only GET is public.
func TestPublicRoutes(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	for _, rt := range a.srv.routes() {
		if rt.Action != actPublic {
			continue
		}
		resp, _ := b.send(t, rt.Method, samplePath(t, rt.Path), nil)
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			t.Errorf("%s %s = %d without a session", rt.Method, rt.Path, resp.StatusCode)
		}
	}
}

// TestProbeHeadersDoNotBypassSignIn: health-check look-alikes and path tricks never reach a
// protected page without a session (checklist 82, advisories 11, 12, 16).
func TestProbeHeadersDoNotBypassSignIn(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	tests := []struct {
		path    string
		headers []string
	}{
		{"/users", []string{"User-Agent", "kube-probe/1.31"}},
		{"/users", []string{"X-Forwarded-Uri", "/healthz", "X-Original-URL", "/healthz", "X-Rewrite-URL", "/healthz"}},
		{"/users", []string{"X-Forwarded-User", "admin@userdesk.test", "X-Auth-Request-Email", "admin@userdesk.test"}},
		{"/users?x=/healthz", nil},
		{"/users%23/healthz", nil},
		{"/healthz/../users", nil},
		{"/healthz%2F..%2Fusers", nil},
		{"/static/..%2Fusers", nil},
		{"/USERS", nil},
		{"/users;/healthz", nil},
		{"/users/", nil},
	}
	for _, tt := range tests {
		resp, body := b.get(t, tt.path, tt.headers...)
		if resp.StatusCode == http.StatusOK && strings.Contains(body, "user-row") {
			t.Errorf("GET %s %v returned user data without a session", tt.path, tt.headers)
		}
		if resp.StatusCode == http.StatusOK && tt.path != "/healthz/../users" {
			t.Errorf("GET %s = 200 without a session", tt.path)
		}
	}
}

func wantSignInRequired(t *testing.T, resp *http.Response, method string, htmx bool) {
	t.Helper()
	switch {
	case htmx:
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("HX-Redirect"), "/login") {
			t.Errorf("anonymous htmx = %d, HX-Redirect %q; want 401 to /login", resp.StatusCode, resp.Header.Get("HX-Redirect"))
		}
	case method == http.MethodGet:
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("anonymous GET = %d to %q; want 302 to /login", resp.StatusCode, resp.Header.Get("Location"))
		}
	default:
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous %s = %d, want 401", method, resp.StatusCode)
		}
	}
}

func wantRefused(t *testing.T, resp *http.Response, body string, htmx bool) {
	t.Helper()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403:\n%.400s", resp.StatusCode, body)
		return
	}
	if htmx {
		if strings.Contains(body, "<html") || resp.Header.Get("HX-Retarget") != "#flash" || !strings.Contains(body, `role="alert"`) {
			t.Errorf("htmx refusal is not an alert for the flash area (HX-Retarget %q):\n%.400s", resp.Header.Get("HX-Retarget"), body)
		}
	} else if !strings.Contains(body, `id="forbidden"`) {
		t.Errorf("refusal is not the 403 page:\n%.400s", body)
	}
}

func orAnonymous(p string) string {
	if p == "" {
		return "anonymous"
	}
	return p
}
