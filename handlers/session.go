package handlers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"userdesk/handlers/sessionstore"
	"userdesk/views"
)

// identity is what a session knows about the signed-in person. It holds no token: the dashboard
// calls the Management API with its own machine credentials.
type identity struct {
	Issuer  string
	Subject string
	Email   string
	Name    string
	// Claims are the values of the role claim at sign-in (the tenant roles that put the person
	// in the policy's groups), narrowed by the access checks since.
	Claims []string
	// AuthTime is when the provider last authenticated the person (the ID token's auth_time):
	// at sign-in, or at the last step-up. Zero when the provider did not say. Dangerous actions
	// need it recent (stepUpNeeded).
	AuthTime time.Time
	// AMR and ACR are how they authenticated then (the ID token's amr and acr), e.g.
	// ["pwd","mfa"] and Auth0's multi-factor value.
	AMR []string
	ACR string
	// SessionID is the provider's session (the ID token's sid): a back-channel logout for it
	// ends this session. Empty when the provider sent none.
	SessionID string
	Created   time.Time // sign-in: the absolute timeout counts from here
	LastSeen  time.Time // last request: the idle timeout counts from here
	// CheckedAt is when the person's access (blocked flag, tenant roles) was last confirmed,
	// at sign-in or by revalidate; CheckTriedAt when it was last tried, successfully or not.
	CheckedAt    time.Time
	CheckTriedAt time.Time
	// CSRFToken is the session's CSRF token (256 random bits), compared in constant time.
	CSRFToken string
}

// multiFactor reports whether the person passed a second factor when they last authenticated.
func (id identity) multiFactor() bool { return slices.Contains(id.AMR, "mfa") }

// touchEvery is how stale LastSeen may get before a request saves the session again; it keeps
// the store (and Set-Cookie) quiet on busy pages at the cost of this much idle-timeout slack.
const touchEvery = time.Minute

// expiryGrace keeps a record a little past its timeout so that expiry is noticed (and logged)
// by the server's check rather than by the store dropping it.
const expiryGrace = time.Minute

type ctxKey int

const (
	ctxIdentity ctxKey = iota
	ctxLogger
	ctxStepUpDue // bool: the person's dangerous actions will ask them to sign in again first
)

// errStoreUnavailable answers a request that needs the session store while it cannot be
// reached (Redis down or too slow): a plain 503; /readyz reports not ready meanwhile, and the
// next request after the store is back works again.
func errStoreUnavailable(err error) error {
	return httpError(http.StatusServiceUnavailable, "The session store is unavailable, so userdesk cannot tell who you are "+
		"right now. Nothing was changed. Try again in a moment.", err).withTitle("Session store unavailable")
}

// storeFailed maps a session-store error for the person: unavailable → the 503 above; anything
// else as it is (logged as a 500).
func storeFailed(err error) error {
	if errors.Is(err, sessionstore.ErrUnavailable) {
		return errStoreUnavailable(err)
	}
	return err
}

// session returns the request's session (the same one for the whole request): the record named
// by its signed cookie, or a new empty session. The error is the store's (storeFailed).
func (s *server) session(c echo.Context) (*sessions.Session, error) {
	sess, err := s.cookies.Get(c.Request(), s.cookieName)
	if err != nil {
		return sess, storeFailed(err)
	}
	return sess, nil
}

// record is what the session stores for id: the identity, the person's policy groups (for the
// staff-sessions page), the client's address and browser, and the flash message kept in prev.
func (s *server) record(c echo.Context, id identity, prev sessionstore.Record) sessionstore.Record {
	ua := c.Request().UserAgent()
	if len(ua) > maxUserAgent {
		ua = strings.ToValidUTF8(ua[:maxUserAgent], "")
	}
	return sessionstore.Record{
		Issuer: id.Issuer, Subject: id.Subject, Email: id.Email, Name: id.Name,
		Groups: s.staffOf(id).Groups(), Claims: id.Claims,
		ProviderSID: id.SessionID, AMR: id.AMR, ACR: id.ACR, AuthTime: id.AuthTime,
		Created: id.Created, LastSeen: id.LastSeen, Validated: id.CheckedAt, ValidationTried: id.CheckTriedAt,
		CSRFToken: id.CSRFToken, IP: c.RealIP(), UserAgent: ua,
		FlashKind: prev.FlashKind, FlashMessage: prev.FlashMessage,
	}
}

// maxUserAgent is as much of the browser's User-Agent as a session keeps (to name the browser).
const maxUserAgent = 256

// identityOf is the identity a stored record holds.
func identityOf(r sessionstore.Record) identity {
	return identity{
		Issuer: r.Issuer, Subject: r.Subject, Email: r.Email, Name: r.Name, Claims: r.Claims,
		AuthTime: r.AuthTime, AMR: r.AMR, ACR: r.ACR, SessionID: r.ProviderSID,
		Created: r.Created, LastSeen: r.LastSeen, CheckedAt: r.Validated, CheckTriedAt: r.ValidationTried,
		CSRFToken: r.CSRFToken,
	}
}

// recordOf returns the session's stored record (false when it holds none).
func recordOf(sess *sessions.Session) (sessionstore.Record, bool) {
	r, ok := sess.Values[sessionstore.RecordKey].(sessionstore.Record)
	return r, ok && r.Subject != ""
}

// saveSession stores the session holding id; the cookie and the server-side record expire at
// the idle timeout or the absolute one, whichever comes first, plus a minute's grace so that
// the server's own check (loadIdentity) is what ends the session, and logs it. A session loaded
// by this request and ended meanwhile (on any replica) is not stored again: the error then
// wraps sessionstore.ErrNotFound.
func (s *server) saveSession(c echo.Context, sess *sessions.Session, id identity) error {
	prev, _ := recordOf(sess)
	sess.Values[sessionstore.RecordKey] = s.record(c, id, prev)
	left := min(s.idle, s.absolute-s.now().Sub(id.Created))
	sess.Options.MaxAge = max(1, int((left+expiryGrace)/time.Second))
	return sess.Save(c.Request(), c.Response())
}

// loadIdentity returns the signed-in person, enforcing the idle and absolute timeouts with the
// server's clock. An expired session is deleted. The error is the store's (a 503 when it is
// unavailable).
func (s *server) loadIdentity(c echo.Context) (identity, bool, error) {
	sess, err := s.session(c)
	if err != nil {
		return identity{}, false, err
	}
	rec, ok := recordOf(sess)
	if !ok {
		return identity{}, false, nil
	}
	id := identityOf(rec)
	now := s.now()
	reason := ""
	switch {
	case now.Sub(id.Created) >= s.absolute:
		reason = "absolute timeout"
	case now.Sub(id.LastSeen) >= s.idle:
		reason = "idle timeout"
	}
	if reason != "" {
		s.logger(c).Info("session expired", "reason", reason, "actor_sub", id.Subject)
		if err := s.endSession(c, sess); err != nil {
			s.logger(c).Error("delete expired session", "err", err)
		}
		return identity{}, false, nil
	}
	if now.Sub(id.LastSeen) >= touchEvery {
		id.LastSeen = now
		if err := s.saveSession(c, sess, id); errors.Is(err, sessionstore.ErrNotFound) {
			return identity{}, false, nil // ended a moment ago, elsewhere
		} else if err != nil {
			s.logger(c).Error("save session", "err", err)
		}
	}
	ctx := withIdentity(c.Request().Context(), id)
	c.SetRequest(c.Request().WithContext(context.WithValue(ctx, ctxStepUpDue, s.stepUpNeeded(id))))
	return id, true, nil
}

// withIdentity returns ctx carrying the signed-in person.
func withIdentity(ctx context.Context, id identity) context.Context {
	return context.WithValue(ctx, ctxIdentity, id)
}

// currentIdentity returns the person the gate let through (false on public routes).
func currentIdentity(c echo.Context) (identity, bool) {
	id, ok := c.Request().Context().Value(ctxIdentity).(identity)
	return id, ok
}

// startSession signs a person in: whatever session the browser had is deleted and a new one,
// with a new id, holds only the identity (no fixation, no pre-sign-in data carried over).
func (s *server) startSession(c echo.Context, id identity) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	if err := s.cookies.Renew(c.Request(), sess); err != nil {
		return storeFailed(err)
	}
	sess.Values = map[any]any{}
	return storeFailed(s.saveSession(c, sess, id))
}

// renewSession gives the browser's session a new id (the old record is deleted, so the old
// cookie no longer works) holding id, and keeps the session's flash message. A step-up uses it:
// a re-authentication must not keep the session id (checklist 21).
func (s *server) renewSession(c echo.Context, id identity) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	if err := s.cookies.Renew(c.Request(), sess); err != nil {
		return storeFailed(err)
	}
	return storeFailed(s.saveSession(c, sess, id))
}

// endSessionsNamed ends the sessions a back-channel logout names, found through the store's
// indexes (never a scan): those of the provider session sid (and of sub, when the token names
// both), or every session of sub when it names no sid. It returns how many ended. Every session
// was signed in through the one provider whose signature the logout token carries, so the
// issuer needs no check here.
func (s *server) endSessionsNamed(ctx context.Context, sub, sid string) (int, error) {
	if sid == "" {
		return s.sessions.RevokeAll(ctx, sub)
	}
	infos, err := s.sessions.ProviderSessions(ctx, sid)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, in := range infos {
		if sub != "" && in.Subject != sub {
			continue
		}
		if err := s.sessions.Delete(ctx, in.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// endSession deletes the session and expires its cookie.
func (s *server) endSession(c echo.Context, sess *sessions.Session) error {
	sess.Options.MaxAge = -1
	return storeFailed(sess.Save(c.Request(), c.Response()))
}

// endRequestSession ends the request's own session (sign-out, access revoked).
func (s *server) endRequestSession(c echo.Context) error {
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	return s.endSession(c, sess)
}

// validCSRF reports whether the request carries the session's CSRF token: in the X-CSRF-Token
// header (htmx) or the _csrf field of a form body; never from the query string. Pages carry
// the token masked (maskCSRF); the token as it is, which only the server knows, is accepted too.
func (s *server) validCSRF(c echo.Context, id identity) bool {
	got := c.Request().Header.Get("X-CSRF-Token")
	if got == "" {
		got = c.Request().PostFormValue("_csrf")
	}
	want, err := base64.RawURLEncoding.DecodeString(id.CSRFToken)
	if got == "" || err != nil || len(want) == 0 {
		return false
	}
	sent, err := base64.RawURLEncoding.DecodeString(got)
	if err != nil {
		return false
	}
	if len(sent) == 2*len(want) {
		sent = unmask(sent)
	}
	return subtle.ConstantTimeCompare(sent, want) == 1
}

// maskCSRF returns the CSRF token as an answer carries it: a fresh random pad followed by the
// token XOR the pad, base64url. The same token never shows the same bytes twice, so a
// compressed answer's size says nothing about it however the rest of the page is chosen
// (BREACH; compress.go). An empty token stays empty.
func maskCSRF(token string) string {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if token == "" || err != nil {
		return token
	}
	out := make([]byte, 2*len(raw))
	_, _ = rand.Read(out[:len(raw)]) // never fails
	for i, b := range raw {
		out[len(raw)+i] = b ^ out[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// unmask undoes maskCSRF's XOR: pad || token^pad gives token.
func unmask(masked []byte) []byte {
	n := len(masked) / 2
	out := make([]byte, n)
	for i := range n {
		out[i] = masked[i] ^ masked[n+i]
	}
	return out
}

// setFlash keeps a message for the next full page this person sees (after a redirect).
func (s *server) setFlash(c echo.Context, f views.Flash) error {
	id, ok := currentIdentity(c)
	if !ok {
		return nil
	}
	sess, err := s.session(c)
	if err != nil {
		return err
	}
	rec, _ := recordOf(sess)
	rec.FlashKind, rec.FlashMessage = string(f.Kind), f.Message
	sess.Values[sessionstore.RecordKey] = rec
	return s.saveSession(c, sess, id)
}

// popFlash returns and forgets the flash message, if any.
func (s *server) popFlash(c echo.Context) views.Flash {
	id, ok := currentIdentity(c)
	if !ok {
		return views.Flash{}
	}
	sess, err := s.session(c)
	if err != nil {
		return views.Flash{}
	}
	rec, ok := recordOf(sess)
	if !ok || rec.FlashMessage == "" {
		return views.Flash{}
	}
	f := views.Flash{Kind: views.FlashKind(rec.FlashKind), Message: rec.FlashMessage}
	rec.FlashKind, rec.FlashMessage = "", ""
	sess.Values[sessionstore.RecordKey] = rec
	if err := s.saveSession(c, sess, id); err != nil {
		s.logger(c).Error("save session", "err", err)
	}
	return f
}

// signInRequired answers a request that needs a session and has none: a redirect to sign-in
// for a page, 401 with HX-Redirect for htmx (so the login page never lands inside a fragment),
// and a 401 page for other methods (a form posted after the session ended).
func (s *server) signInRequired(c echo.Context) error {
	r := c.Request()
	if isHTMX(c) {
		back := "/"
		if u, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil && s.sameOrigin(u) {
			back = u.RequestURI()
		}
		c.Response().Header().Set("HX-Redirect", signInURL(back))
		return httpError(http.StatusUnauthorized, "Your session has ended. Sign in again.", nil).withSignIn()
	}
	if r.Method == http.MethodGet {
		return c.Redirect(http.StatusFound, signInURL(r.URL.RequestURI()))
	}
	return httpError(http.StatusUnauthorized, "Your session has ended, so this was not done. Sign in again, then retry.", nil).withSignIn()
}

// sameOrigin reports whether u is on the dashboard's own origin.
func (s *server) sameOrigin(u *url.URL) bool {
	return u.Scheme+"://"+u.Host == s.baseURL
}

// signInURL is /login with a return path (checked again when it is used).
func signInURL(returnTo string) string {
	returnTo = localPath(returnTo)
	if returnTo == "/" {
		return "/login"
	}
	return "/login?return_to=" + url.QueryEscape(returnTo)
}

// randomToken returns 256 random bits, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return base64.RawURLEncoding.EncodeToString(b)
}
