package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// maxBody is the largest request body accepted.
const maxBody = "64K"

// requestIDPattern is what an incoming X-Request-ID (set by a proxy) must look like to be kept.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,64}$`)

// requestIDConfig gives every request an id (a proxy's X-Request-ID when it is sane), returns
// it in X-Request-ID, and puts a logger carrying it in the request's context.
func (s *server) requestIDConfig() middleware.RequestIDConfig {
	return middleware.RequestIDConfig{
		Generator: newRequestID,
		RequestIDHandler: func(c echo.Context, id string) {
			if !requestIDPattern.MatchString(id) {
				id = newRequestID()
				c.Response().Header().Set(echo.HeaderXRequestID, id)
			}
			l := s.log.With("request_id", id)
			c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), ctxLogger, l)))
		},
	}
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// requestID returns the request's id.
func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// requestLog handles the handler's error (so the status is final), logs one line per request
// and reports it to the metrics observer. Every answer says in Server-Timing how long the
// dashboard took to start it ("app", in milliseconds): the browser's developer tools (and
// TestBrowserMeasureUserPage) then tell the dashboard's time from the network's.
// It logs the path without the query string, which can hold search terms (personal data).
func (s *server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		c.Response().Before(func() {
			c.Response().Header().Set("Server-Timing", serverTiming(time.Since(start)))
		})
		if err := next(c); err != nil {
			c.Error(err)
		}
		r := c.Request()
		took := time.Since(start)
		s.logger(c).LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", c.Path()),
			slog.Int("status", c.Response().Status),
			slog.Int64("bytes", c.Response().Size),
			slog.Duration("duration", took),
			slog.String("ip", c.RealIP()),
		)
		if s.observer != nil {
			// The route pattern, never the raw path: the metric's series stay bounded.
			s.observer.HTTPRequest(c.Path(), r.Method, c.Response().Status, took)
		}
		return nil
	}
}

// serverTiming is the Server-Timing value for an answer started after d.
func serverTiming(d time.Duration) string {
	return "app;dur=" + strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

// recoverPanic turns a panic into a 500 (the stack goes to the log only; the process lives on).
func (s *server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				stack := make([]byte, 8<<10)
				stack = stack[:runtime.Stack(stack, false)]
				err = &panicError{value: v, stack: stack}
			}
		}()
		return next(c)
	}
}

// checkCrossOrigin refuses cross-origin requests that could change state: Go's
// http.CrossOriginProtection (Sec-Fetch-Site, then Origin against Host and the base URL), then
// sameOriginRequest, which also compares the Origin's scheme and port with the base URL's. The
// back-channel logout is exempt (crossOriginExempt). Refusals are audited (rate-limited).
func (s *server) checkCrossOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if isSafeMethod(r.Method) || (r.Method == http.MethodPost && r.URL.Path == crossOriginExempt) {
			return next(c)
		}
		err := s.crossOrigin.Check(r)
		if err == nil {
			err = s.sameOriginRequest(r)
		}
		if err != nil {
			s.logger(c).Warn("cross-origin request refused", "err", err, "origin", r.Header.Get("Origin"),
				"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
			s.auditRefusal(c, "denied.cross_origin", "cross-origin request: "+err.Error())
			return httpError(http.StatusForbidden, "This request came from another site and was refused.", err)
		}
		return next(c)
	}
}
