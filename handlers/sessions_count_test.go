package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// sessionsObserver keeps the session counter the dashboard hands to its Observer.
type sessionsObserver struct{ count func() int }

func (o *sessionsObserver) HTTPRequest(string, string, int, time.Duration) {}
func (o *sessionsObserver) Sessions(count func() int)                      { o.count = count }

// TestSessionsGaugeCountsLiveSignedInSessions: the count given to the metrics is the session
// store's count of its index. It counts signed-in sessions only (not sign-ins in progress),
// stops counting a session when the store drops it (its idle timeout plus the grace minute in
// which the server still notices and logs the expiry), and one that signed out at once.
func TestSessionsGaugeCountsLiveSignedInSessions(t *testing.T) {
	obs := &sessionsObserver{}
	a := newTestApp(t, func(o *appOptions) { o.config = func(c *Config) { c.Observer = obs } })
	if obs.count == nil {
		t.Fatal("the Observer was not given a session counter")
	}
	if n := obs.count(); n != 0 {
		t.Errorf("sessions = %d before anyone signed in, want 0", n)
	}
	viewer := a.signIn(t, "viewer")
	a.Clock.Advance(20 * time.Minute)
	helpdesk := a.signIn(t, "helpdesk")
	a.newBrowser(t).startSignIn(t, "") // a sign-in in progress: sealed in its cookie, not a session
	if n := obs.count(); n != 2 {
		t.Errorf("sessions = %d with two people signed in and one signing in, want 2", n)
	}

	a.Clock.Advance(10*time.Minute + 30*time.Second) // the viewer's 30-minute idle timeout has just passed
	if resp, _ := viewer.get(t, "/users"); resp.StatusCode != http.StatusFound {
		t.Errorf("the viewer's expired session answered %d, want a redirect to sign in", resp.StatusCode)
	}
	if n := obs.count(); n != 1 {
		t.Errorf("sessions = %d after the viewer's session expired, want 1", n)
	}
	if !strings.Contains(a.Logs.String(), `"msg":"session expired"`) || !strings.Contains(a.Logs.String(), `"reason":"idle timeout"`) {
		t.Error("the expiry was not noticed and logged by the server's check")
	}

	resp, _ := helpdesk.send(t, http.MethodPost, "/logout", nil, append(helpdesk.sameOriginHeaders(), "X-CSRF-Token", helpdesk.csrfToken(t))...)
	if resp.StatusCode >= 400 {
		t.Fatalf("sign-out = %d", resp.StatusCode)
	}
	if n := obs.count(); n != 0 {
		t.Errorf("sessions = %d after the last person signed out, want 0", n)
	}
}
