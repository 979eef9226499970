package memstore

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

var (
	keyOld = []byte("old-key-old-key-old-key-old-key-")
	keyNew = []byte("new-key-new-key-new-key-new-key-")
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newStore(t *testing.T, c *clock, maxEntries int, keys ...[]byte) *Store {
	t.Helper()
	var pairs [][]byte
	for _, k := range keys {
		pairs = append(pairs, k, nil)
	}
	s, err := New(Options{
		Codecs:     securecookie.CodecsFromPairs(pairs...),
		Cookie:     sessions.Options{Path: "/", MaxAge: 1800, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode},
		MaxEntries: maxEntries,
		Now:        c.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// save creates a session holding v and returns its cookie.
func save(t *testing.T, s *Store, v string) *http.Cookie {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	sess, err := s.Get(r, "sid")
	if err != nil {
		t.Fatal(err)
	}
	sess.Values["v"] = v
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("Save set %d cookies, want 1", len(cookies))
	}
	return cookies[0]
}

// load returns the session for a request carrying c.
func load(t *testing.T, s *Store, c *http.Cookie) *sessions.Session {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if c != nil {
		r.AddCookie(c)
	}
	sess, err := s.Get(r, "sid")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return sess
}

func TestRoundTripKeepsValuesOnTheServer(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newStore(t, c, 0, keyNew)
	cookie := save(t, s, "secret-value-kept-server-side")

	if strings.Contains(cookie.Value, "secret") {
		t.Errorf("cookie carries the session's values: %q", cookie.Value)
	}
	if !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.MaxAge != 1800 {
		t.Errorf("cookie attributes = %+v", cookie)
	}
	sess := load(t, s, cookie)
	if sess.IsNew || sess.Values["v"] != "secret-value-kept-server-side" {
		t.Errorf("loaded IsNew=%v values=%v", sess.IsNew, sess.Values)
	}
	raw, err := base64.RawURLEncoding.DecodeString(sess.ID)
	if err != nil || len(raw) != 32 {
		t.Errorf("session id %q is not 256 random bits", sess.ID)
	}
}

func TestLoadedValuesAreACopy(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newStore(t, c, 0, keyNew)
	cookie := save(t, s, "original")
	load(t, s, cookie).Values["v"] = "changed without Save"
	if got := load(t, s, cookie).Values["v"]; got != "original" {
		t.Errorf("value = %v, want the stored one", got)
	}
}

func TestRefusedCookies(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newStore(t, c, 0, keyNew)
	good := save(t, s, "x")
	other := newStore(t, c, 0, []byte("another-key-another-key-another-"))
	foreign := save(t, other, "x")

	tests := map[string]*http.Cookie{
		"no cookie":        nil,
		"tampered":         {Name: "sid", Value: good.Value[:len(good.Value)-2] + "AA"},
		"garbage":          {Name: "sid", Value: "not-a-cookie"},
		"signed elsewhere": foreign,
		"other name":       {Name: "other", Value: good.Value},
	}
	for name, cookie := range tests {
		if sess := load(t, s, cookie); !sess.IsNew || sess.ID != "" || len(sess.Values) != 0 {
			t.Errorf("%s: got a session (IsNew=%v ID=%q values=%v)", name, sess.IsNew, sess.ID, sess.Values)
		}
	}
}

func TestExpiry(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newStore(t, c, 0, keyNew)
	cookie := save(t, s, "x")
	c.add(1799 * time.Second)
	if load(t, s, cookie).IsNew {
		t.Fatal("session expired before its MaxAge")
	}
	c.add(time.Second)
	if !load(t, s, cookie).IsNew {
		t.Error("session still loads at its MaxAge")
	}
	if s.Len() != 0 {
		t.Errorf("Len() = %d after expiry, want 0", s.Len())
	}
}

// TestLiveCountsExactly: Len keeps counting sessions that expired until a sweep drops them;
// Live counts only those that have not expired, at once, and only those match accepts.
func TestLiveCountsExactly(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newStore(t, c, 0, keyNew)
	save(t, s, "early")
	c.add(10 * time.Minute)
	save(t, s, "late")
	save(t, s, "other")
	if got := s.Live(nil); got != 3 {
		t.Errorf("Live(nil) = %d, want 3", got)
	}
	c.add(20 * time.Minute) // "early" expires (MaxAge 30 min); no request sweeps it
	if got := s.Len(); got != 3 {
		t.Fatalf("Len() = %d, want 3: the expired entry is still held until a sweep (the test relies on it)", got)
	}
	if got := s.Live(nil); got != 2 {
		t.Errorf("Live(nil) = %d after one expired, want 2", got)
	}
	notOther := func(v map[any]any) bool { return v["v"] != "other" }
	if got := s.Live(notOther); got != 1 {
		t.Errorf("Live(match) = %d, want 1", got)
	}
	c.add(10 * time.Minute)
	if got := s.Live(nil); got != 0 {
		t.Errorf("Live(nil) = %d after every session expired, want 0", got)
	}
}

func TestSaveExtendsExpiry(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newStore(t, c, 0, keyNew)
	cookie := save(t, s, "x")
	for range 3 {
		c.add(20 * time.Minute)
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(cookie)
		sess, _ := s.Get(r, "sid")
		if sess.IsNew {
			t.Fatal("session expired although it was saved within MaxAge")
		}
		if err := sess.Save(r, httptest.NewRecorder()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDeleteWithNegativeMaxAge(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newStore(t, c, 0, keyNew)
	cookie := save(t, s, "x")
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(cookie)
	sess, _ := s.Get(r, "sid")
	sess.Options.MaxAge = -1
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatal(err)
	}
	if got := w.Result().Cookies(); len(got) != 1 || got[0].MaxAge >= 0 || got[0].Value != "" {
		t.Errorf("delete sent cookies %+v, want one expired empty cookie", got)
	}
	if !load(t, s, cookie).IsNew {
		t.Error("the old cookie still loads the deleted session")
	}
}

// TestKeyRotation checks that a cookie signed with an old key still loads after the key is
// rotated, and is re-signed with the new key on the next Save.
func TestKeyRotation(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	before := newStore(t, c, 0, keyOld)
	cookie := save(t, before, "x")

	after := newStore(t, c, 0, keyNew, keyOld)
	after.entries = before.entries // the same server-side state, new configuration
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(cookie)
	sess, _ := after.Get(r, "sid")
	if sess.IsNew {
		t.Fatal("a cookie signed with the previous key was refused after rotation")
	}
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatal(err)
	}
	reissued := w.Result().Cookies()[0]
	newOnly := newStore(t, c, 0, keyNew)
	newOnly.entries = after.entries
	if load(t, newOnly, reissued).IsNew {
		t.Error("the re-issued cookie is not signed with the new key")
	}
	if !load(t, newOnly, cookie).IsNew {
		t.Error("once the old key is dropped, its cookies must be refused")
	}
}

func TestBounded(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newStore(t, c, 3, keyNew)
	first := save(t, s, "first") // expires soonest
	for i := range 5 {
		c.add(time.Second)
		save(t, s, fmt.Sprint(i))
	}
	if s.Len() != 3 {
		t.Errorf("Len() = %d, want the bound 3", s.Len())
	}
	if !load(t, s, first).IsNew {
		t.Error("the session expiring soonest was not the one evicted")
	}
}

func TestSweepDropsExpired(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newStore(t, c, 0, keyNew)
	for range 10 {
		save(t, s, "x")
	}
	c.add(time.Hour)
	save(t, s, "fresh")
	if s.Len() != 1 {
		t.Errorf("Len() = %d after the sweep, want 1", s.Len())
	}
}

func TestConcurrentUse(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newStore(t, c, 50, keyNew)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				sess, _ := s.Get(r, "sid")
				sess.Values["v"] = fmt.Sprint(i, j)
				w := httptest.NewRecorder()
				if err := sess.Save(r, w); err != nil {
					t.Error(err) // not Fatal: this is not the test's goroutine
					return
				}
				r = httptest.NewRequest(http.MethodGet, "/", nil)
				r.AddCookie(w.Result().Cookies()[0])
				if _, err := s.Get(r, "sid"); err != nil {
					t.Error(err)
				}
				c.add(time.Millisecond)
			}
		})
	}
	wg.Wait()
	if s.Len() > 50 {
		t.Errorf("Len() = %d, want at most 50", s.Len())
	}
}

func TestNewNeedsCodecs(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without codecs succeeded")
	}
}

// TestDeleteMatching removes exactly the sessions matched; their cookies no longer load.
func TestDeleteMatching(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := newStore(t, c, 0, keyNew)
	a1, a2, b := save(t, s, "a"), save(t, s, "a"), save(t, s, "b")
	if n := s.DeleteMatching(func(v map[any]any) bool { return v["v"] == "a" }); n != 2 {
		t.Errorf("DeleteMatching = %d, want 2", n)
	}
	for name, cookie := range map[string]*http.Cookie{"a1": a1, "a2": a2, "b": b} {
		if gone := load(t, s, cookie).IsNew; gone != (name != "b") {
			t.Errorf("%s: gone = %v", name, gone)
		}
	}
}
