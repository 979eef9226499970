package config

import (
	"errors"
	"flag"
	"io"
	"net"
	"strings"
	"time"
)

// DefaultProbeTimeout bounds `userdesk healthcheck`'s request.
const DefaultProbeTimeout = 3 * time.Second

// Probe is how `userdesk healthcheck` reaches the server running beside it (in the same
// container): the URL of its /healthz and how long to wait for it.
type Probe struct {
	// URL is the liveness endpoint, e.g. "http://127.0.0.1:8080/healthz".
	URL string
	// Timeout bounds the whole request.
	Timeout time.Duration
}

// LoadProbe reads the healthcheck's flags (-addr, -timeout) and, without -addr, the server's
// own listen address from USERDESK_ADDR (default :8080). A wildcard or localhost host becomes
// 127.0.0.1, so the probe needs no name resolution (the image has no resolver configuration to
// rely on). It reads nothing else: a probe must not fail on the server's other settings.
func LoadProbe(args []string, getenv func(string) string) (Probe, error) {
	fs := flag.NewFlagSet("userdesk healthcheck", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "", "the server's listen address (default "+envAddr+", or "+DefaultAddr+")")
	timeout := fs.Duration("timeout", DefaultProbeTimeout, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Probe{}, err
		}
		return Probe{}, &Error{Problems: []string{err.Error()}}
	}
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, "unexpected arguments: "+strings.Join(fs.Args(), " "))
	}
	a := firstNonEmpty(*addr, strings.TrimSpace(getenv(envAddr)), DefaultAddr)
	host, port, err := net.SplitHostPort(a)
	if err != nil || port == "" {
		problems = append(problems, "listen address "+a+" is not host:port (e.g. :8080)")
	}
	if *timeout <= 0 {
		problems = append(problems, "-timeout must be positive")
	}
	if len(problems) > 0 {
		return Probe{}, &Error{Problems: problems}
	}
	if isWildcard(host) || host == "localhost" {
		host = "127.0.0.1"
	}
	return Probe{URL: "http://" + net.JoinHostPort(host, port) + "/healthz", Timeout: *timeout}, nil
}
