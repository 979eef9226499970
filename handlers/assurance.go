package handlers

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/handlers/replay"
)

// DefaultStepUpMaxAge is how recent an authentication dangerous actions need unless
// Config.StepUpMaxAge says otherwise.
const DefaultStepUpMaxAge = 10 * time.Minute

// IPRate is a limit per client address: Burst requests at once, then one per Every.
type IPRate struct {
	Burst int
	Every time.Duration
}

// DefaultSignInLimit is the per-address limit of /login and of /callback (each): generous for
// an office behind one address, tight for a flood.
var DefaultSignInLimit = IPRate{Burst: 60, Every: time.Second}

// Per-address limits of the other public routes and of refusal audit events.
const (
	logoutBurst      = 120 // /backchannel-logout: the provider may end many sessions at once
	logoutEvery      = 100 * time.Millisecond
	refusalBurst     = 10 // audit events of CSRF and cross-origin refusals per address
	refusalAuditEach = time.Minute
)

// ReplayCache remembers one-time values until they expire, so that a second use is refused: a
// logout token's jti, a used sign-in state. package replay's Memory serves one replica;
// userdesk/redisstore's Replay is shared by several.
type ReplayCache interface {
	// Use records key until expires and reports whether this is its first use.
	Use(ctx context.Context, key string, expires time.Time) (first bool, err error)
}

// staffAssurance is how staff prove who they are and how the sign-in is kept from abuse:
// multi-factor at sign-in, step-up for dangerous actions, sealed sign-in transactions, per
// address limits, the back-channel logout's replay cache, and the Host and Origin checks.
type staffAssurance struct {
	requireMFA   bool
	stepUpMaxAge time.Duration
	txns         *txnSealer
	replay       ReplayCache // logout tokens' jti, sign-in states

	loginLimit    *ipLimiter
	callbackLimit *ipLimiter
	logoutLimit   *ipLimiter
	refusalAudits *ipLimiter // rate of audit events for CSRF and cross-origin refusals

	baseScheme, baseHost, basePort string // the base URL, for the Host and Origin checks
}

func newStaffAssurance(cfg Config, base *url.URL, cookiePrefix string, now func() time.Time) (staffAssurance, error) {
	a := staffAssurance{
		requireMFA:   !cfg.AllowSingleFactor,
		stepUpMaxAge: cfg.StepUpMaxAge,
		replay:       cfg.Replay,

		logoutLimit:   newIPLimiter(logoutEvery, logoutBurst, now),
		refusalAudits: newIPLimiter(refusalAuditEach, refusalBurst, now),
	}
	if a.replay == nil {
		a.replay = replay.NewMemory(0, now)
	}
	if a.stepUpMaxAge <= 0 {
		a.stepUpMaxAge = DefaultStepUpMaxAge
	}
	lim := cfg.SignInLimit
	if lim.Burst <= 0 || lim.Every <= 0 {
		lim = DefaultSignInLimit
	}
	a.loginLimit = newIPLimiter(lim.Every, lim.Burst, now)
	a.callbackLimit = newIPLimiter(lim.Every, lim.Burst, now)
	a.baseScheme, a.baseHost, a.basePort = originParts(base)
	var err error
	a.txns, err = newTxnSealer(cfg.SessionSecrets, cookiePrefix, base.Scheme == "https")
	return a, err
}

// originParts returns a URL's scheme, lower-case host name and port (the scheme's default when
// none is written), so that origins compare exactly.
func originParts(u *url.URL) (scheme, host, port string) {
	scheme = strings.ToLower(u.Scheme)
	host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port = u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme, host, port
}

// hostIsBase reports whether a request's Host header names the base URL's host and port.
func (a *staffAssurance) hostIsBase(hostHeader string) bool {
	host, port, err := net.SplitHostPort(hostHeader)
	if err != nil {
		host, port = hostHeader, ""
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[a.baseScheme]
	}
	return host == strings.Trim(a.baseHost, "[]") && port == a.basePort
}

// isBaseOrigin reports whether an Origin header is exactly the base URL's origin: scheme, host
// and port.
func (a *staffAssurance) isBaseOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
		return false
	}
	scheme, host, port := originParts(u)
	return scheme == a.baseScheme && host == a.baseHost && port == a.basePort
}

// checkHost refuses, with 421 Misdirected Request, a request whose Host is not the base URL's
// host: the dashboard answers for its own name only (DNS rebinding, a stray virtual host, a
// proxy that rewrites Host). The health endpoints answer any Host: probes call the pod's
// address.
func (s *server) checkHost(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || s.hostIsBase(r.Host) {
			return next(c)
		}
		s.logger(c).Warn("request for another host refused", "host", r.Host)
		return httpError(http.StatusMisdirectedRequest, "This dashboard answers at "+s.baseURL+
			" only. Open it at that address.", nil).withTitle("Wrong address")
	}
}

// crossOriginExempt names the one state-changing route that browsers never call: the
// provider's back-channel logout, a server-to-server POST without Origin or a session,
// authenticated by its signed logout token instead.
const crossOriginExempt = "/backchannel-logout"

// sameOriginRequest checks a state-changing request's fetch metadata against the base URL.
// Sec-Fetch-Site, when the browser sends it, must say same-origin (or none: typed by the
// person); the browser decided that with scheme, host and port. Without it (older browsers),
// Origin, when sent, must be exactly the base URL's origin, scheme and port included (Go's
// CrossOriginProtection compares only host and port with Host). A request with neither comes
// from no browser; the CSRF token still guards it. Origin "null" is what browsers send for a
// form under our Referrer-Policy no-referrer, so it counts only beside Sec-Fetch-Site.
func (s *server) sameOriginRequest(r *http.Request) error {
	site, origin := r.Header.Get("Sec-Fetch-Site"), r.Header.Get("Origin")
	switch site {
	case "same-origin", "none":
		if origin != "" && origin != "null" && !s.isBaseOrigin(origin) {
			return fmt.Errorf("Origin %q is not %s", origin, s.baseURL)
		}
		return nil
	case "":
		if origin != "" && !s.isBaseOrigin(origin) {
			return fmt.Errorf("Origin %q is not %s", origin, s.baseURL)
		}
		return nil
	}
	return fmt.Errorf("Sec-Fetch-Site %q", site)
}

// auditRefusal records a refused request (a bad CSRF token, a cross-origin request) as a
// denied audit event, at most refusalBurst per client address and then one a minute: a flood
// cannot fill the disk. The next event written says how many were left out.
func (s *server) auditRefusal(c echo.Context, event audit.Name, reason string) {
	ok, _, suppressed := s.refusalAudits.take(c.RealIP())
	if !ok {
		return
	}
	if len(reason) > 200 { // it may quote a header the client chose
		reason = reason[:200] + "…"
	}
	attrs := []audit.Attr{audit.String("reason", reason)}
	if suppressed > 0 {
		attrs = append(attrs, audit.Int("count", int64(suppressed)))
	}
	s.auditEvent(c, event, audit.OutcomeDenied, c.Param("id"), attrs...)
}
