package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/views"
)

// publicError is an error whose message a person may read. Build it with httpError.
type publicError struct {
	status int
	title  string
	msg    string
	signIn bool // offer "Sign in again"
	denied bool // a refusal by the rules (audited as denied), not a failure
	err    error
}

// httpError returns an error that handleError answers with status and msg (plain words, shown
// as is). err is the cause, logged but never shown; it may be nil.
func httpError(status int, msg string, err error) *publicError {
	return &publicError{status: status, msg: msg, err: err}
}

func (e *publicError) withTitle(t string) *publicError { e.title = t; return e }
func (e *publicError) withSignIn() *publicError        { e.signIn = true; return e }

// asDenied marks a refusal by userdesk's rules (a protected user, a role it may not assign):
// audit records it with the outcome "denied".
func (e *publicError) asDenied() *publicError { e.denied = true; return e }

// Error returns the message and the cause.
func (e *publicError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

// Unwrap returns the cause.
func (e *publicError) Unwrap() error { return e.err }

// panicError is a recovered panic, with its stack for the log.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// handleError is Echo's error handler: it logs the error once (with the request id) and answers
// with a page, or, for htmx requests, an alert swapped into the flash area. People never see
// internal error text.
func (s *server) handleError(err error, c echo.Context) {
	log := s.logger(c)
	if c.Response().Committed {
		log.Error("error after the response started", "err", err)
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		log.Debug("request cancelled by the client", "err", err)
		return
	}
	status, problem := s.describe(c, err)
	var pe *panicError
	switch {
	case errors.As(err, &pe):
		log.Error("panic", "err", err, "stack", string(pe.stack))
	case status >= 500:
		log.Error("request failed", "status", status, "err", err)
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		log.Info("request refused", "status", status, "err", err)
	default:
		log.Warn("request refused", "status", status, "err", err)
	}

	var rerr error
	switch {
	case c.Request().Method == http.MethodHead:
		rerr = c.NoContent(status)
	case errors.Is(err, errForbidden) && !isHTMX(c):
		rerr = render(c, status, views.ForbiddenPage(s.page(c, "Not allowed"), problem.RequestID))
	case isHTMX(c):
		// Into the flash area, whatever the request targeted. A section that must show its
		// own error renders it itself (views.Alert) instead of returning the error.
		h := c.Response().Header()
		h.Set("HX-Retarget", "#"+views.FlashID)
		h.Set("HX-Reswap", "innerHTML")
		rerr = render(c, status, views.Alert(problem))
	default:
		rerr = render(c, status, views.ErrorPage(s.page(c, problem.Title), problem))
	}
	if rerr != nil {
		log.Error("render error page", "err", rerr)
	}
}

// describe maps an error to a status and a problem in plain words. Handlers that render errors
// in place (e.g. one section of a page) use it too.
func (s *server) describe(c echo.Context, err error) (int, views.Problem) {
	p := views.Problem{RequestID: requestID(c)}
	var (
		pub   *publicError
		he    *echo.HTTPError
		a0err *auth0api.Error
	)
	switch {
	case errors.As(err, &pub):
		p.Status, p.Title, p.Message, p.SignIn = pub.status, pub.title, pub.msg, pub.signIn
	case errors.Is(err, errForbidden):
		p.Status, p.Title, p.Message = http.StatusForbidden, "Not allowed", "Your dashboard role does not allow this."
	case errors.As(err, &a0err):
		p.Status, p.Message = s.auth0Problem(c, a0err)
		p.Title = "Auth0 refused"
		if p.Status >= 500 {
			p.Title = "Auth0 is not answering"
		}
	case errors.Is(err, auth0api.ErrInvalidID):
		p.Status, p.Message = http.StatusBadRequest, "That user id is not valid."
	case errors.Is(err, context.DeadlineExceeded):
		p.Status, p.Title, p.Message = http.StatusGatewayTimeout, "Too slow", "Auth0 took too long to answer. Try again."
	case errors.As(err, &he):
		p.Status = he.Code
		switch he.Code {
		case http.StatusNotFound:
			p.Message = "There is nothing at this address."
		case http.StatusMethodNotAllowed:
			p.Message = "This address does not accept that kind of request."
		case http.StatusRequestEntityTooLarge:
			p.Message = "The request is too large."
		default:
			p.Message = http.StatusText(he.Code) + "."
		}
	default:
		p.Status, p.Title = http.StatusInternalServerError, "Something went wrong"
		p.Message = "Something went wrong on userdesk's side. Try again; if it keeps happening, give an operator the request id below."
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	return p.Status, p
}

// insufficientScope finds the scopes Auth0 says were missing.
var insufficientScope = regexp.MustCompile(`(?i)expected (?:any|all) of:\s*([a-z0-9:_ ,]+)`)

// auth0Problem words a Management API error for a person. Auth0's own message is shown for
// refusals of the request (400, 409), escaped by the templates and shortened; internals of
// 5xx answers are not.
func (s *server) auth0Problem(c echo.Context, e *auth0api.Error) (int, string) {
	switch {
	case e.StatusCode == http.StatusTooManyRequests:
		wait := int(math.Ceil(e.RetryAfter(s.now()).Seconds()))
		if wait <= 0 {
			return http.StatusTooManyRequests, "Auth0's rate limit was reached. Try again in a few seconds."
		}
		c.Response().Header().Set("Retry-After", strconv.Itoa(wait))
		return http.StatusTooManyRequests, fmt.Sprintf("Auth0's rate limit was reached. Try again in %d s.", wait)
	case e.StatusCode == http.StatusForbidden:
		if m := insufficientScope.FindStringSubmatch(e.Message); m != nil {
			return http.StatusForbidden, "userdesk's Management API token lacks the scope " +
				strings.TrimSpace(m[1]) + ". An operator must grant it to userdesk's machine-to-machine application."
		}
		return http.StatusForbidden, "Auth0 refused: " + shorten(e.Message)
	case e.StatusCode == http.StatusUnauthorized:
		return http.StatusBadGateway, "userdesk could not authenticate to the Management API: its credentials or token are wrong or expired. An operator must fix its configuration."
	case e.StatusCode == http.StatusNotFound:
		return http.StatusNotFound, "Auth0 has no such record; it may have been deleted."
	case e.StatusCode == http.StatusConflict:
		return http.StatusConflict, "Auth0 refused because of a conflict: " + shorten(e.Message)
	case e.StatusCode >= 400 && e.StatusCode < 500:
		return e.StatusCode, "Auth0 refused the request: " + shorten(e.Message)
	}
	return http.StatusBadGateway, fmt.Sprintf("Auth0 answered with an error (%d). Try again shortly.", e.StatusCode)
}

// shorten keeps an upstream message to a readable length.
func shorten(s string) string {
	const limit = 300
	if s == "" {
		return "no reason given."
	}
	if len(s) <= limit {
		return s
	}
	cut := 0
	for i := range s { // cut on a rune boundary
		if i > limit {
			break
		}
		cut = i
	}
	return s[:cut] + "…"
}

// logger returns the request-scoped logger (with the request id).
func (s *server) logger(c echo.Context) *slog.Logger {
	if l, ok := c.Request().Context().Value(ctxLogger).(*slog.Logger); ok {
		return l
	}
	return s.log
}
