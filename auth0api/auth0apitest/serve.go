package auth0apitest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Serve answers on ln until ctx is done, then shuts the server down
// gracefully (waiting up to 5 seconds for requests in flight). It is the
// entry point for running the tenant on its own, e.g. from a command:
//
//	ln, _ := net.Listen("tcp", "localhost:4000")
//	t := auth0apitest.New(auth0apitest.Options{BaseURL: "http://" + ln.Addr().String(), Users: 5000})
//	err := t.Serve(ctx, ln)
//
// Options.BaseURL must be the URL clients use to reach ln.
func (t *Tenant) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           t,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("auth0apitest: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("auth0apitest: shutdown: %w", err)
	}
	return nil
}
