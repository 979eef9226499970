package auth0api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"userdesk/auth0api"
)

func TestTelemetryHeaders(t *testing.T) {
	srv := newServer(t, reply(204, ""))
	c := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.Version = "1.4.0" })
	if err := c.DeleteUser(t.Context(), caseUserID); err != nil {
		t.Fatal(err)
	}
	h := srv.requests()[0].Header
	if got := h.Get("User-Agent"); got != "userdesk/1.4.0" {
		t.Errorf("User-Agent %q, want userdesk/1.4.0", got)
	}
	raw, err := base64.StdEncoding.DecodeString(h.Get("Auth0-Client"))
	if err != nil {
		t.Fatalf("Auth0-Client %q is not standard base64: %v", h.Get("Auth0-Client"), err)
	}
	want := `{"name":"userdesk","version":"1.4.0","env":{"go":"` + runtime.Version() + `"}}`
	if !sameJSON(t, raw, []byte(want)) {
		t.Errorf("Auth0-Client %s, want %s", raw, want)
	}

	off := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.NoTelemetry = true })
	if err := off.DeleteUser(t.Context(), caseUserID); err != nil {
		t.Fatal(err)
	}
	h = srv.requests()[1].Header
	if _, ok := h["User-Agent"]; ok {
		t.Errorf("NoTelemetry sent User-Agent %q", h.Get("User-Agent"))
	}
	if _, ok := h["Auth0-Client"]; ok {
		t.Errorf("NoTelemetry sent Auth0-Client %q", h.Get("Auth0-Client"))
	}
	if h.Get("Authorization") != "Bearer test-token" {
		t.Errorf("NoTelemetry dropped Authorization")
	}
}

func TestConnectRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := newClient(t, "http://"+addr, func(cfg *auth0api.Config) { cfg.ConnectTimeout = 200 * time.Millisecond })
	err = c.DeleteUser(t.Context(), caseUserID)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %v, want connection refused", err)
	}
	if !strings.Contains(err.Error(), "DELETE /users/{id}") {
		t.Errorf("error %q does not name the endpoint", err)
	}
}

// hang blocks the handler until the client goes away or the test ends.
func hang(t *testing.T) func(w http.ResponseWriter, r *http.Request, _ int) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}
}

func TestReadTimeoutWaitingForHeaders(t *testing.T) {
	srv := newServer(t, hang(t))
	c := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.ReadTimeout = 100 * time.Millisecond })
	err := c.DeleteUser(t.Context(), caseUserID)
	var ne net.Error
	if err == nil || !(errors.As(err, &ne) && ne.Timeout()) && !errors.Is(err, auth0api.ErrReadTimeout) {
		t.Errorf("error %v, want a timeout", err)
	}
}

func TestReadTimeoutStalledBody(t *testing.T) {
	stall := func(t *testing.T) func(w http.ResponseWriter, r *http.Request, _ int) {
		wait := hang(t)
		return func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			w.Write([]byte(`{"user_id":"auth0|`))
			http.NewResponseController(w).Flush()
			wait(w, r, n)
		}
	}
	for name, transport := range map[string]http.RoundTripper{
		"own transport":    nil,
		"Config.Transport": http.DefaultTransport.(*http.Transport).Clone(),
	} {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, stall(t))
			c := newClient(t, srv.URL, func(cfg *auth0api.Config) {
				cfg.ReadTimeout = 100 * time.Millisecond
				cfg.Transport = transport
			})
			_, err := c.GetUser(t.Context(), caseUserID, nil)
			if !errors.Is(err, auth0api.ErrReadTimeout) {
				t.Errorf("error %v, want the read timeout", err)
			}
		})
	}
}

func TestContextEndsHangingCall(t *testing.T) {
	srv := newServer(t, hang(t))
	c := newClient(t, srv.URL)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := c.DeleteUser(ctx, caseUserID)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if errors.Is(err, auth0api.ErrReadTimeout) {
		t.Errorf("a cancelled call reported a read timeout: %v", err)
	}
}

func TestResponseSizeCap(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Write([]byte(`{"user_id":"`))
		chunk := []byte(strings.Repeat("x", 1<<20))
		for range 11 {
			w.Write(chunk)
		}
		w.Write([]byte(`"}`))
	})
	c := newClient(t, srv.URL)
	_, err := c.GetUser(t.Context(), caseUserID, nil)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("error %v, want the size cap", err)
	}
}

func TestMalformedAnswer(t *testing.T) {
	srv := newServer(t, reply(200, `{"user_id":`))
	c := newClient(t, srv.URL)
	_, err := c.GetUser(t.Context(), caseUserID, nil)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("error %v, want a JSON syntax error", err)
	}
	srv2 := newServer(t, reply(200, `["not","an","object"]`))
	if _, err := newClient(t, srv2.URL).GetUser(t.Context(), caseUserID, nil); err == nil {
		t.Errorf("an array decoded as a user")
	}
}
