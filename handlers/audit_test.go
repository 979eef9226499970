package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
)

// TestAuditEventShape: a refused attempt is one JSON event with the actor, the action, the
// outcome, the route, the request id, the client IP and the server's time (checklist 70, 73).
func TestAuditEventShape(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "none")
	a.Audit.Reset()
	resp, _ := b.get(t, "/users")
	events := a.auditEvents(t)
	if len(events) != 1 {
		t.Fatalf("audit events = %v, want 1", events)
	}
	ev := events[0]
	want := map[string]any{
		"msg":        "audit",
		"event":      "denied.view",
		"outcome":    "denied",
		"method":     "GET",
		"route":      "/users",
		"request_id": resp.Header.Get("X-Request-Id"),
		"ip":         "127.0.0.1",
		"reason":     "role does not allow view",
	}
	for k, v := range want {
		if ev[k] != v {
			t.Errorf("%s = %v, want %v", k, ev[k], v)
		}
	}
	actor, _ := ev["actor"].(map[string]any)
	if actor["email"] != testAccounts["none"] || actor["role"] != "" || !strings.HasPrefix(actor["sub"].(string), "auth0|") {
		t.Errorf("actor = %v", actor)
	}
	at, err := time.Parse(time.RFC3339Nano, ev["time"].(string))
	if err != nil || !at.Equal(a.Clock.Now()) {
		t.Errorf("time = %v, want the injected clock's %v", ev["time"], a.Clock.Now())
	}
}

// TestRoleComesOnlyFromTheClaim: the dashboard role comes from the configured claim only; an
// admin's e-mail, a non-namespaced "roles" claim or metadata grant nothing (checklist 9, 38).
func TestRoleComesOnlyFromTheClaim(t *testing.T) {
	a := newTestApp(t)
	tamper(func(c map[string]any) {
		c["email"] = testAccounts["admin"]
		c["roles"] = []any{"userdesk-admin"}
		c["app_metadata"] = map[string]any{"roles": []any{"userdesk-admin"}}
		c["user_metadata"] = map[string]any{"role": "userdesk-admin"}
	})(t, a)
	b := a.signIn(t, "viewer")
	if id := a.sessionIdentity(t, b); id.Role != roleViewer {
		t.Errorf("role = %q, want viewer", id.Role)
	}
}

// TestNoSecretsInLogs: after signing in, working and signing out, neither the log nor the audit
// trail holds a secret, a token, a JWT or a cookie value (checklist 64).
func TestNoSecretsInLogs(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	cookie := b.cookie("__Host-userdesk").Value
	token := b.csrfToken(t)
	b.get(t, "/users", "HX-Request", "true")
	b.send(t, http.MethodPost, "/logout", url.Values{"_csrf": {token}}, b.sameOriginHeaders()...)

	out := a.Logs.String() + a.Audit.String()
	for name, secret := range map[string]string{
		"client secret":  testSecret,
		"session secret": "test-session-secret",
		"password":       testPassword,
		"session cookie": cookie,
		"CSRF token":     token,
		"bearer":         "Bearer ",
	} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs hold the %s", name)
		}
	}
	if m := regexp.MustCompile(`eyJ[\w-]+\.[\w-]+\.`).FindString(out); m != "" {
		t.Errorf("the logs hold a JWT: %s…", m[:20])
	}
}

// TestClientIPFromTrustedProxiesOnly (checklist 59, 90): X-Forwarded-For is believed only from
// a configured proxy; otherwise the audit IP is the connection's.
func TestClientIPFromTrustedProxiesOnly(t *testing.T) {
	for _, tt := range []struct {
		name    string
		trusted []string
		want    string
	}{
		{"no trusted proxy", nil, "127.0.0.1"},
		{"loopback proxy trusted", []string{"127.0.0.0/8"}, "203.0.113.7"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t, func(o *appOptions) {
				o.config = func(c *Config) {
					for _, p := range tt.trusted {
						c.TrustedProxies = append(c.TrustedProxies, netip.MustParsePrefix(p))
					}
				}
			})
			b := a.signIn(t, "none")
			a.Audit.Reset()
			b.get(t, "/users", "X-Forwarded-For", "203.0.113.7", "X-Real-IP", "198.51.100.1")
			ev := a.auditEvents(t)
			if len(ev) != 1 || ev[0]["ip"] != tt.want {
				t.Errorf("audit = %v, want ip %s", ev, tt.want)
			}
		})
	}
}

// TestAuditOutcomes: success, an Auth0 refusal (status and code, no message) and a refusal of
// the input by userdesk (its plain-words reason).
func TestAuditOutcomes(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	var errs = map[string]error{
		"ok":      nil,
		"auth0":   &auth0api.Error{StatusCode: 409, Code: "conflict", Message: "secret-ish upstream text"},
		"invalid": httpError(http.StatusBadRequest, "The e-mail address is not valid.", nil),
		"bug":     errors.New("nil map at x.go:3"),
	}
	rt := route{http.MethodPost, "/test-audit/:case", actEditUsers, noStepUp, func(c echo.Context) error {
		a.srv.audit(c, "user.update", "auth0|1", errs[c.Param("case")], slog.String("field", "email"))
		return c.NoContent(http.StatusNoContent)
	}}
	a.srv.e.Add(rt.Method, rt.Path, rt.Handler, a.srv.authorize(rt))
	token := b.csrfToken(t)
	for name, want := range map[string]map[string]any{
		"ok":      {"outcome": "success"},
		"auth0":   {"outcome": "failure"},
		"invalid": {"outcome": "failure", "reason": "The e-mail address is not valid."},
		"bug":     {"outcome": "failure", "reason": "userdesk error"},
	} {
		a.Audit.Reset()
		b.send(t, http.MethodPost, "/test-audit/"+name, nil, append(b.sameOriginHeaders(), "X-CSRF-Token", token)...)
		ev := a.auditEvents(t)
		if len(ev) != 1 {
			t.Fatalf("%s: %d events", name, len(ev))
		}
		for k, v := range want {
			if ev[0][k] != v {
				t.Errorf("%s: %s = %v, want %v", name, k, ev[0][k], v)
			}
		}
		if d, _ := ev[0]["details"].(map[string]any); d["field"] != "email" {
			t.Errorf("%s: details = %v", name, ev[0]["details"])
		}
		if name == "auth0" {
			if a0, _ := ev[0]["auth0"].(map[string]any); a0["status"] != 409.0 || a0["code"] != "conflict" {
				t.Errorf("auth0 = %v", ev[0]["auth0"])
			}
		}
		if strings.Contains(a.Audit.String(), "secret-ish") || strings.Contains(a.Audit.String(), "x.go") {
			t.Errorf("%s: the audit trail holds upstream or internal text", name)
		}
	}
}
