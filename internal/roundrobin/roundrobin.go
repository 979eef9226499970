// Package roundrobin is a small HTTP reverse proxy that spreads requests over several backends in
// turn, as a load balancer without session affinity does, and sends the paths under a prefix to
// a backend of their own. A backend whose connection is refused (stopped, restarting) is
// skipped for that request: the request goes to the next one, so a replica can stop and come
// back without the clients noticing. `userdesk proxy` serves it in compose.yaml (two dashboard
// replicas and the emulated tenant on one origin), and the two-replica tests put it in front of
// two dashboards.
//
// It keeps the client's Host header (the dashboard answers for its base URL's host only), adds
// X-Forwarded-For, -Host and -Proto, and names the backend that answered in a response header
// when Options.BackendHeader is set. It is for demonstrations and tests: a production load
// balancer (an ingress, a cloud load balancer) does the same job.
package roundrobin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// MaxBody is the largest request body the proxy forwards (it keeps the body to send it again to
// the next backend when a connection is refused).
const MaxBody = 1 << 20

// Backend is where requests go.
type Backend struct {
	// Name identifies the backend in Options.BackendHeader ("a", "replica-1").
	Name string
	// URL is its origin, e.g. http://127.0.0.1:8081.
	URL *url.URL
}

// Route sends the paths under Prefix (e.g. "/tenant/") to Backend, with the prefix stripped
// (less its trailing slash).
type Route struct {
	Prefix  string
	Backend Backend
}

// Options configures a Proxy.
type Options struct {
	// Backends take every request no Route claims, in turn. At least one is required.
	Backends []Backend
	// Routes are tried first, the longest prefix first.
	Routes []Route
	// BackendHeader, when set, names the response header that carries the answering backend's
	// name (e.g. "X-Backend").
	BackendHeader string
	// Transport makes the requests; nil means a clone of http.DefaultTransport without
	// keep-alives.
	Transport http.RoundTripper
}

// Proxy is the reverse proxy. It is safe for concurrent use.
type Proxy struct {
	opts      Options
	transport http.RoundTripper
	next      atomic.Uint64

	mu       sync.Mutex
	backends []Backend
}

// New returns a proxy for opts.
func New(opts Options) (*Proxy, error) {
	if len(opts.Backends) == 0 {
		return nil, errors.New("roundrobin: at least one backend is required")
	}
	for _, b := range append(routeBackends(opts.Routes), opts.Backends...) {
		if b.URL == nil || (b.URL.Scheme != "http" && b.URL.Scheme != "https") || b.URL.Host == "" {
			return nil, fmt.Errorf("roundrobin: backend %q needs an http(s) URL", b.Name)
		}
	}
	for _, r := range opts.Routes {
		if !strings.HasPrefix(r.Prefix, "/") || !strings.HasSuffix(r.Prefix, "/") {
			return nil, fmt.Errorf("roundrobin: route prefix %q must start and end with /", r.Prefix)
		}
	}
	p := &Proxy{opts: opts, transport: opts.Transport, backends: append([]Backend(nil), opts.Backends...)}
	if p.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// A connection per request: a stopped backend then refuses the next connection (and
		// is skipped), rather than failing a request on a kept-alive connection it closed.
		t.DisableKeepAlives = true
		p.transport = t
	}
	return p, nil
}

func routeBackends(routes []Route) []Backend {
	out := make([]Backend, len(routes))
	for i, r := range routes {
		out[i] = r.Backend
	}
	return out
}

// SetBackend replaces the URL of the backend called name (a replica restarted elsewhere), or
// adds it.
func (p *Proxy) SetBackend(name string, u *url.URL) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, b := range p.backends {
		if b.Name == name {
			p.backends[i].URL = u
			return
		}
	}
	p.backends = append(p.backends, Backend{Name: name, URL: u})
}

// ServeHTTP forwards the request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var (
		candidates []Backend
		strip      string
	)
	for _, rt := range p.opts.Routes {
		if strings.HasPrefix(r.URL.Path, rt.Prefix) && len(rt.Prefix)-1 > len(strip) {
			candidates, strip = []Backend{rt.Backend}, strings.TrimSuffix(rt.Prefix, "/")
		}
	}
	if candidates == nil {
		p.mu.Lock()
		n := len(p.backends)
		start := int(p.next.Add(1)-1) % n
		for i := range n {
			candidates = append(candidates, p.backends[(start+i)%n])
		}
		p.mu.Unlock()
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		if err != nil {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		body = b
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, strip)
			pr.Out.URL.RawPath = ""
			if raw := pr.In.URL.RawPath; raw != "" {
				pr.Out.URL.RawPath = strings.TrimPrefix(raw, strip)
			}
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host
		},
		Transport: &failover{base: p.transport, backends: candidates, body: body, header: p.opts.BackendHeader},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "no backend answered", http.StatusBadGateway)
		},
	}
	rp.ServeHTTP(w, r)
}

// failover sends a request to the first backend that accepts the connection.
type failover struct {
	base     http.RoundTripper
	backends []Backend
	body     []byte
	header   string
}

func (f *failover) RoundTrip(r *http.Request) (*http.Response, error) {
	var lastErr error
	for _, b := range f.backends {
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host = b.URL.Scheme, b.URL.Host
		if f.body != nil {
			// GetBody lets the transport send it again on a fresh connection when a kept-alive
			// one turns out closed before anything was written.
			out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.body)), nil }
			out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(f.body)), int64(len(f.body))
		}
		resp, err := f.base.RoundTrip(out)
		if err == nil {
			if f.header != "" {
				resp.Header.Set(f.header, b.Name)
			}
			return resp, nil
		}
		lastErr = err
		if !refused(err) || r.Context().Err() != nil {
			break // the backend may have seen the request: never send it twice
		}
	}
	return nil, lastErr
}

// refused reports whether err means the connection was never made, so the request was not sent.
func refused(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial")
}
