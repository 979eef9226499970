package sessionstore_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"userdesk/handlers/sessionstore"
)

func newCookieStore(t *testing.T, store sessionstore.Store, signIn bool) *sessionstore.CookieStore {
	t.Helper()
	cs, err := sessionstore.NewCookieStore(store, sessionstore.CookieOptions{
		Codecs: securecookie.CodecsFromPairs([]byte("0123456789abcdef0123456789abcdef"), nil),
		Cookie: sessions.Options{Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 3600},
		SignIn: signIn,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// roundTrip saves sess in a response and returns the cookie it set.
func save(t *testing.T, cs *sessionstore.CookieStore, sess *sessions.Session) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	if err := cs.Save(httptest.NewRequest(http.MethodGet, "/", nil), w, sess); err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("%d cookies set", len(cookies))
	}
	return cookies[0]
}

func load(t *testing.T, cs *sessionstore.CookieStore, c *http.Cookie) *sessions.Session {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if c != nil {
		r.AddCookie(c)
	}
	sess, err := cs.New(r, "sid")
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

// TestCookieStore: the cookie carries only a signed random id; the record comes back; a forged
// or unknown id gives a new empty session; Renew moves the session to a new id and the old
// cookie no longer works (no fixation); MaxAge -1 deletes the record.
func TestCookieStore(t *testing.T) {
	mem := sessionstore.NewMemory(sessionstore.MemoryOptions{})
	cs := newCookieStore(t, mem, false)
	rec := sessionstore.Record{Subject: "auth0|alice", Email: "alice@example.com", Groups: []string{"admin"},
		Created: time.Now().Truncate(time.Millisecond), CSRFToken: "secret-csrf-token"}

	sess := load(t, cs, nil)
	if !sess.IsNew || sess.ID != "" {
		t.Fatalf("no cookie: %+v", sess)
	}
	sess.Values[sessionstore.RecordKey] = rec
	c := save(t, cs, sess)
	if strings.Contains(c.Value, "alice") || strings.Contains(c.Value, "csrf") || len(c.Value) > 200 || !c.HttpOnly {
		t.Errorf("cookie %q carries more than a signed id", c.Value)
	}
	got := load(t, cs, c)
	if got.IsNew || got.ID != sess.ID {
		t.Fatalf("loaded %+v, want session %s", got, sess.ID)
	}
	if r := got.Values[sessionstore.RecordKey].(sessionstore.Record); r.Subject != rec.Subject || !slices.Equal(r.Groups, rec.Groups) {
		t.Errorf("record = %+v", r)
	}
	if list, _ := mem.Sessions(t.Context(), "auth0|alice"); len(list) != 1 || list[0].Email != rec.Email {
		t.Errorf("index = %+v", list)
	}

	// A forged cookie (an id without the signature) is no session.
	forged := &http.Cookie{Name: "sid", Value: sess.ID}
	if s := load(t, cs, forged); !s.IsNew || s.ID != "" {
		t.Errorf("forged cookie loaded session %q", s.ID)
	}

	// Renew (at sign-in): new id, old record gone.
	old := sess.ID
	if err := cs.Renew(httptest.NewRequest(http.MethodGet, "/", nil), got); err != nil {
		t.Fatal(err)
	}
	c2 := save(t, cs, got)
	if got.ID == old || got.ID == "" {
		t.Fatalf("Renew kept the id")
	}
	if s := load(t, cs, c); !s.IsNew {
		t.Error("the cookie from before Renew still works")
	}
	if s := load(t, cs, c2); s.IsNew {
		t.Error("the renewed cookie does not work")
	}

	// Sign out: MaxAge -1 deletes the record and expires the cookie.
	s := load(t, cs, c2)
	s.Options.MaxAge = -1
	if expired := save(t, cs, s); expired.MaxAge >= 0 {
		t.Errorf("cookie not expired: %+v", expired)
	}
	if n, _ := mem.Count(t.Context()); n != 0 {
		t.Errorf("%d sessions after sign-out", n)
	}
}

// TestCookieStoreSignIn: the sign-in cookie keeps a SignIn in the sign-in pool, not as a session.
func TestCookieStoreSignIn(t *testing.T) {
	mem := sessionstore.NewMemory(sessionstore.MemoryOptions{})
	cs := newCookieStore(t, mem, true)
	sess := load(t, cs, nil)
	sess.Values[sessionstore.SignInKey] = sessionstore.SignIn{State: "st", Nonce: "n", Verifier: "v", ReturnTo: "/users", Created: time.Now()}
	c := save(t, cs, sess)
	if n, _ := mem.Count(t.Context()); n != 0 {
		t.Errorf("a sign-in counted as a session")
	}
	got := load(t, cs, c).Values[sessionstore.SignInKey].(sessionstore.SignIn)
	if got.State != "st" || got.ReturnTo != "/users" {
		t.Errorf("sign-in = %+v", got)
	}
	if _, err := mem.TakeSignIn(t.Context(), sess.ID); err != nil {
		t.Errorf("TakeSignIn: %v", err)
	}
	if s := load(t, cs, c); !s.IsNew {
		t.Error("a taken sign-in loaded again")
	}
}

// TestCookieStoreNoResurrection: a session loaded by a request and ended meanwhile (revoked by
// an admin or a back-channel logout, possibly on another replica) is not stored again when the
// request saves it: Save reports ErrNotFound and sets no cookie.
func TestCookieStoreNoResurrection(t *testing.T) {
	mem := sessionstore.NewMemory(sessionstore.MemoryOptions{})
	cs := newCookieStore(t, mem, false)
	sess := load(t, cs, nil)
	sess.Values[sessionstore.RecordKey] = sessionstore.Record{Subject: "auth0|alice", Created: time.Now()}
	c := save(t, cs, sess)

	inFlight := load(t, cs, c) // a request loads the session …
	if n, err := mem.RevokeAll(t.Context(), "auth0|alice"); err != nil || n != 1 {
		t.Fatalf("RevokeAll = %d, %v", n, err)
	}
	// … and saves it after the revocation (its LastSeen, a flash).
	w := httptest.NewRecorder()
	err := cs.Save(httptest.NewRequest(http.MethodGet, "/", nil), w, inFlight)
	if !errors.Is(err, sessionstore.ErrNotFound) {
		t.Fatalf("Save of a revoked session = %v, want ErrNotFound", err)
	}
	if len(w.Result().Cookies()) != 0 {
		t.Error("a cookie was set for a revoked session")
	}
	if n, _ := mem.Count(t.Context()); n != 0 {
		t.Errorf("the revoked session came back: %d sessions", n)
	}
	if s := load(t, cs, c); !s.IsNew {
		t.Error("the revoked session's cookie works again")
	}
}
