package auth0apitest_test

import (
	"context"
	"net"
	"net/http"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	tn := auth0apitest.New(auth0apitest.Options{BaseURL: base, Users: 10})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- tn.Serve(ctx, ln) }()

	e := &env{tenant: tn, url: base, token: tn.Token(auth0apitest.AllScopes...)}
	if r := e.call(t, "GET", "/users?per_page=5&page=0", nil); r.status != http.StatusOK || len(r.array(t)) != 5 {
		t.Errorf("GET /users: %d %s", r.status, r.raw)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
