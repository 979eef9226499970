package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/audit"
	"userdesk/auth0api/auth0apitest"
)

// switchWriter is the audit log's file: it refuses writes while broken is set, as a full disk
// does (USERDESK_AUDIT_LOG=/dev/full).
type switchWriter struct {
	broken atomic.Bool
	buf    *syncBuffer
}

func (w *switchWriter) Write(p []byte) (int, error) {
	if w.broken.Load() {
		return 0, errors.New("no space left on device")
	}
	return w.buf.Write(p)
}

// TestAuditFailsClosed (issue 11, finding 3; checklist 72): while the audit log cannot be
// written, a change is refused with a plain 503 and nothing is asked of Auth0, and /readyz says
// not ready; when the log can be written again, /readyz recovers by itself and changes go
// through.
func TestAuditFailsClosed(t *testing.T) {
	w := &switchWriter{}
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) {
			w.buf = &syncBuffer{}
			c.Audit = audit.NewRecorder(audit.RecorderOptions{Now: c.Now,
				Sinks: []audit.Sink{c.AuditTrail.(*audit.DB), audit.NewLogSink(slog.New(slog.NewJSONHandler(w, nil)))}})
		}
	})
	b := a.signIn(t, "helpdesk")
	id := auth0apitest.FixtureBareUserID

	w.broken.Store(true)
	resp, body := post(t, b, userPath(id, "/block"), nil, true)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Nothing was changed") {
		t.Errorf("block while the audit log fails = %d:\n%.400s", resp.StatusCode, body)
	}
	for _, c := range mgmtCalls(a) {
		if !strings.HasPrefix(c, "GET ") {
			t.Errorf("a change was asked of Auth0: %s", c)
		}
	}
	if u, _ := a.Tenant.User(id); u["blocked"] == true {
		t.Error("the user was blocked without an audit record")
	}
	if resp, _ := b.get(t, "/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz while the audit log fails = %d", resp.StatusCode)
	}

	w.broken.Store(false)
	a.Clock.Advance(2 * time.Second) // the readiness check probes at most once a second
	if resp, body := b.get(t, "/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz after the log recovered = %d: %s", resp.StatusCode, body)
	}
	if resp, _ := post(t, b, userPath(id, "/block"), nil, true); resp.StatusCode != http.StatusOK {
		t.Errorf("block after the log recovered = %d", resp.StatusCode)
	}
	if u, _ := a.Tenant.User(id); u["blocked"] != true {
		t.Error("the user was not blocked once the audit log recovered")
	}
}
