package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"userdesk/internal/roundrobin"
)

// runProxy serves a round-robin reverse proxy (userdesk proxy -addr :8080 -backend
// a=http://userdesk-a:8080 -backend b=http://userdesk-b:8080 -route /tenant/=http://tenant:4000):
// compose.yaml's load balancer in front of two dashboard replicas and the emulated tenant, with
// no session affinity, to show replicas sharing Redis. Each answer names its replica in
// X-Backend. For demonstrations: in production an ingress or a cloud load balancer does this.
func runProxy(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("userdesk proxy", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "localhost:8080", "listen address")
	var opts roundrobin.Options
	opts.BackendHeader = "X-Backend"
	fs.Func("backend", "NAME=URL of a backend that takes requests in turn (repeat it)", func(v string) error {
		name, u, err := namedURL(v)
		if err != nil {
			return err
		}
		opts.Backends = append(opts.Backends, roundrobin.Backend{Name: name, URL: u})
		return nil
	})
	fs.Func("route", "PREFIX=URL: paths under PREFIX (e.g. /tenant/) go to URL, the prefix stripped (repeat it)", func(v string) error {
		prefix, u, err := namedURL(v)
		if err != nil {
			return err
		}
		opts.Routes = append(opts.Routes, roundrobin.Route{Prefix: prefix, Backend: roundrobin.Backend{Name: prefix, URL: u}})
		return nil
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	p, err := roundrobin.New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	var names []string
	for _, b := range opts.Backends {
		names = append(names, b.Name+"="+b.URL.String())
	}
	fmt.Fprintf(stdout, "proxy on %s: round robin over %s\n", ln.Addr(), strings.Join(names, ", "))
	srv := &http.Server{Handler: p, ReadHeaderTimeout: readHeaderTimeout, MaxHeaderBytes: maxHeaderBytes}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	return srv.Shutdown(sctx)
}

// namedURL splits NAME=URL.
func namedURL(v string) (string, *url.URL, error) {
	name, raw, ok := strings.Cut(v, "=")
	u, err := url.Parse(raw)
	if !ok || name == "" || err != nil || u.Host == "" {
		return "", nil, fmt.Errorf("%q is not NAME=URL", v)
	}
	return name, u, nil
}
