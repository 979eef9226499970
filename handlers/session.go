package handlers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

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

// Keys of session values.
const (
	keyIdentity = "identity"
	keyFlash    = "flash"
)

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

// session returns the request's session (the same one for the whole request).
func (s *server) session(c echo.Context) *sessions.Session {
	sess, _ := s.store.Get(c.Request(), s.cookieName) // memstore never fails: no session = a new one
	return sess
}

// saveSession stores the session; the cookie and the server-side record expire at the idle
// timeout or the absolute one, whichever comes first, plus a minute's grace so that the
// server's own check (loadIdentity) is what ends the session, and logs it.
func (s *server) saveSession(c echo.Context, sess *sessions.Session, id identity) error {
	left := min(s.idle, s.absolute-s.now().Sub(id.Created))
	sess.Options.MaxAge = max(1, int((left+expiryGrace)/time.Second))
	return sess.Save(c.Request(), c.Response())
}

// loadIdentity returns the signed-in person, enforcing the idle and absolute timeouts with the
// server's clock. An expired session is deleted.
func (s *server) loadIdentity(c echo.Context) (identity, bool) {
	sess := s.session(c)
	id, ok := sess.Values[keyIdentity].(identity)
	if !ok {
		return identity{}, false
	}
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
		s.endSession(c, sess)
		return identity{}, false
	}
	if now.Sub(id.LastSeen) >= touchEvery {
		id.LastSeen = now
		sess.Values[keyIdentity] = id
		if err := s.saveSession(c, sess, id); err != nil {
			s.logger(c).Error("save session", "err", err)
		}
	}
	ctx := withIdentity(c.Request().Context(), id)
	c.SetRequest(c.Request().WithContext(context.WithValue(ctx, ctxStepUpDue, s.stepUpNeeded(id))))
	return id, true
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
	sess := s.session(c)
	if sess.ID != "" {
		s.store.Delete(sess.ID)
	}
	sess.ID = ""
	sess.IsNew = true
	sess.Values = map[any]any{keyIdentity: id}
	return s.saveSession(c, sess, id)
}

// renewSession gives the browser's session a new id (the old record is deleted, so the old
// cookie no longer works) holding id, and keeps the session's other values (a flash message).
// A step-up uses it: a re-authentication must not keep the session id (checklist 21).
func (s *server) renewSession(c echo.Context, id identity) error {
	sess := s.session(c)
	if sess.ID != "" {
		s.store.Delete(sess.ID)
	}
	sess.ID = ""
	sess.IsNew = true
	sess.Values[keyIdentity] = id
	return s.saveSession(c, sess, id)
}

// endSessionsOf deletes, on this replica's store, every signed-in session whose identity match
// accepts, and returns how many ended. (A shared store needs its per-person index instead.)
func (s *server) endSessionsOf(match func(identity) bool) int {
	return s.store.DeleteMatching(func(values map[any]any) bool {
		id, ok := values[keyIdentity].(identity)
		return ok && match(id)
	})
}

// endSession deletes the session and expires its cookie.
func (s *server) endSession(c echo.Context, sess *sessions.Session) {
	sess.Options.MaxAge = -1
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		s.logger(c).Error("delete session", "err", err)
	}
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
	sess := s.session(c)
	sess.Values[keyFlash] = f
	return s.saveSession(c, sess, id)
}

// popFlash returns and forgets the flash message, if any.
func (s *server) popFlash(c echo.Context) views.Flash {
	id, ok := currentIdentity(c)
	if !ok {
		return views.Flash{}
	}
	sess := s.session(c)
	f, ok := sess.Values[keyFlash].(views.Flash)
	if !ok {
		return views.Flash{}
	}
	delete(sess.Values, keyFlash)
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
