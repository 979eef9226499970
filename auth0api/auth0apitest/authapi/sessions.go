package authapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

const (
	// sessionCookie is the provider session's cookie, on the issuer's path (Auth0's is "auth0").
	sessionCookie = "auth0"
	// sessionIdle ends a provider session after this long without a sign-in through it.
	sessionIdle = 3 * 24 * time.Hour
	// sessionLifetime ends a provider session this long after it began, whatever the activity.
	sessionLifetime = 7 * 24 * time.Hour
	// maxSessions bounds the provider sessions; past it the oldest is ended.
	maxSessions = 100_000
)

// session is a provider session: one browser signed in at the provider. Its id is the "sid" of
// the ID tokens issued through it; the browser holds a different random secret (the cookie), so
// knowing a sid, as every relying party does, never lets anyone use the session.
type session struct {
	id       string
	subject  string
	authTime time.Time // when the person last proved who they are
	amr      []string
	acr      string
	created  time.Time
	lastUsed time.Time
	clients  []string // the clients someone was signed in to through this session
}

// snapshot returns a copy safe to use without the lock.
func (s *session) snapshot() *session {
	c := *s
	c.amr = slices.Clone(s.amr)
	c.clients = slices.Clone(s.clients)
	return &c
}

// mfa reports whether the person passed the second step in this session.
func (s *session) mfa() bool { return slices.Contains(s.amr, "mfa") }

// sessionStore keeps the provider sessions, by cookie (hashed) and by sid.
type sessionStore struct {
	now      func() time.Time
	secure   bool   // the issuer is https: Secure cookie
	path     string // the issuer's path, the cookie's Path
	mu       sync.Mutex
	byCookie map[string]*session // sha256(cookie) → session
	byID     map[string]string   // sid → sha256(cookie)
}

func newSessionStore(issuer string, now func() time.Time) *sessionStore {
	st := &sessionStore{now: now, path: "/", byCookie: map[string]*session{}, byID: map[string]string{}}
	if u, err := url.Parse(issuer); err == nil {
		st.secure = u.Scheme == "https"
		if u.Path != "" {
			st.path = u.Path
		}
	}
	return st
}

func cookieKey(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// liveLocked reports whether a session has not timed out. st.mu must be held.
func (st *sessionStore) liveLocked(s *session, now time.Time) bool {
	return now.Sub(s.lastUsed) < sessionIdle && now.Sub(s.created) < sessionLifetime
}

// fromRequest returns a copy of the browser's live provider session, or nil.
func (st *sessionStore) fromRequest(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.byCookie[cookieKey(c.Value)]
	if !ok || !st.liveLocked(s, st.now()) {
		return nil
	}
	return s.snapshot()
}

// signIn records a completed sign-in of in.subject for clientID in the browser's session. When
// reauth is true the person proved who they are just now (in.authTime, in.amr and in.acr
// replace the session's); otherwise the session was reused as it is. A session of someone else
// in this browser is ended, and returned in ended (for its back-channel logout). It sets the
// cookie and returns the session the sign-in belongs to.
func (st *sessionStore) signIn(w http.ResponseWriter, r *http.Request, in signedIn, reauth bool, clientID string) (cur, ended *session) {
	now := st.now()
	var cookie string
	if c, err := r.Cookie(sessionCookie); err == nil {
		cookie = c.Value
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.byCookie[cookieKey(cookie)]
	if ok && (!st.liveLocked(s, now) || s.subject != in.subject) {
		ended = s.snapshot()
		st.deleteLocked(s.id)
		ok = false
	}
	if !ok {
		if len(st.byCookie) >= maxSessions {
			st.sweepLocked(now)
		}
		cookie = rand.Text() + rand.Text()
		s = &session{id: rand.Text(), subject: in.subject, created: now, authTime: in.authTime, amr: slices.Clone(in.amr), acr: in.acr}
		st.byCookie[cookieKey(cookie)] = s
		st.byID[s.id] = cookieKey(cookie)
	}
	if reauth {
		s.authTime, s.amr, s.acr = in.authTime, slices.Clone(in.amr), in.acr
	}
	s.lastUsed = now
	if !slices.Contains(s.clients, clientID) {
		s.clients = append(s.clients, clientID)
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: cookie, Path: st.path,
		MaxAge:   int(sessionLifetime / time.Second),
		HttpOnly: true, Secure: st.secure, SameSite: http.SameSiteLaxMode,
	})
	return s.snapshot(), ended
}

// endFromRequest ends the browser's provider session, if any, expires its cookie, and returns
// the session ended (nil when there was none).
func (st *sessionStore) endFromRequest(w http.ResponseWriter, r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: st.path, MaxAge: -1,
		HttpOnly: true, Secure: st.secure, SameSite: http.SameSiteLaxMode})
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.byCookie[cookieKey(c.Value)]
	if !ok {
		return nil
	}
	st.deleteLocked(s.id)
	return s.snapshot()
}

// end ends the sessions match accepts and returns them.
func (st *sessionStore) end(match func(*session) bool) []*session {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []*session
	for _, s := range st.byCookie {
		if match(s) {
			out = append(out, s.snapshot())
			st.deleteLocked(s.id)
		}
	}
	return out
}

// list returns copies of the live sessions match accepts.
func (st *sessionStore) list(match func(*session) bool) []*session {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	var out []*session
	for _, s := range st.byCookie {
		if st.liveLocked(s, now) && match(s) {
			out = append(out, s.snapshot())
		}
	}
	return out
}

// deleteLocked removes the session with id. st.mu must be held.
func (st *sessionStore) deleteLocked(id string) {
	if k, ok := st.byID[id]; ok {
		delete(st.byCookie, k)
		delete(st.byID, id)
	}
}

// sweepLocked drops timed-out sessions and, when still full, the least recently used one.
// Sessions dropped here end quietly (no back-channel logout), as expiry does. st.mu must be held.
func (st *sessionStore) sweepLocked(now time.Time) {
	var oldest *session
	for _, s := range st.byCookie {
		if !st.liveLocked(s, now) {
			st.deleteLocked(s.id)
			continue
		}
		if oldest == nil || s.lastUsed.Before(oldest.lastUsed) {
			oldest = s
		}
	}
	if len(st.byCookie) >= maxSessions && oldest != nil {
		st.deleteLocked(oldest.id)
	}
}
