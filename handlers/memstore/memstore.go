// Package memstore is a server-side, in-memory session store for gorilla/sessions.
//
// The cookie carries only a random 256-bit session id, signed with securecookie (several codecs
// allow key rotation: the first signs, all verify). The session's values stay in the process, so
// a session can be revoked by deleting it, and the cookie stays small whatever the session holds.
// The store is bounded (the entries expiring soonest are evicted when it is full), sweeps expired
// entries as it goes, and is safe for concurrent use. Several replicas need a shared store (e.g.
// Redis) behind the same sessions.Store interface instead.
package memstore

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// Defaults for Options' zero values.
const (
	DefaultMaxEntries = 100_000
	DefaultTTL        = 24 * time.Hour
	sweepEvery        = time.Minute
)

// Options configures a Store.
type Options struct {
	// Codecs sign (and verify) the session id in the cookie; the first one signs new cookies.
	// Required. Build them with securecookie.CodecsFromPairs.
	Codecs []securecookie.Codec
	// Cookie is the default cookie configuration of new sessions. Cookie.MaxAge is also how long
	// the server keeps a session after its last Save (0 keeps it DefaultTTL, with a browser-session
	// cookie; negative deletes it).
	Cookie sessions.Options
	// MaxEntries bounds the number of sessions kept; 0 means DefaultMaxEntries.
	MaxEntries int
	// Now is the clock for expiry; nil means time.Now.
	Now func() time.Time
}

// Store keeps sessions in memory. It implements sessions.Store.
type Store struct {
	codecs     []securecookie.Codec
	cookie     sessions.Options
	maxEntries int
	now        func() time.Time

	mu        sync.Mutex
	entries   map[string]entry
	lastSweep time.Time
}

type entry struct {
	values  map[any]any
	expires time.Time
}

var _ sessions.Store = (*Store)(nil)

// New returns an empty store.
func New(opts Options) (*Store, error) {
	if len(opts.Codecs) == 0 {
		return nil, errors.New("memstore: at least one codec is required")
	}
	s := &Store{
		codecs:     opts.Codecs,
		cookie:     opts.Cookie,
		maxEntries: opts.MaxEntries,
		now:        opts.Now,
		entries:    map[string]entry{},
	}
	if s.maxEntries <= 0 {
		s.maxEntries = DefaultMaxEntries
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Get returns the session called name for this request, loading it once per request (through
// gorilla's request registry).
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie. When there is no cookie, or its
// signature is wrong, or the session expired or was deleted, it returns a new empty session
// (IsNew true, ID empty) and no error: to the caller all of those mean "no session".
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	opts := s.cookie
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, c.Value, &id, s.codecs...); err != nil {
		return sess, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok {
		return sess, nil
	}
	if !s.now().Before(e.expires) {
		delete(s.entries, id)
		return sess, nil
	}
	sess.ID = id
	sess.Values = maps.Clone(e.values)
	sess.IsNew = false
	return sess, nil
}

// Save stores the session and sets its cookie. A session without an ID gets a new random one.
// Options.MaxAge < 0 deletes the session and expires the cookie.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	opts := sess.Options
	if opts == nil {
		o := s.cookie
		opts = &o
	}
	if opts.MaxAge < 0 {
		if sess.ID != "" {
			s.Delete(sess.ID)
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", opts))
		return nil
	}
	if sess.ID == "" {
		id, err := newID()
		if err != nil {
			return err
		}
		sess.ID = id
	}
	encoded, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return fmt.Errorf("memstore: encode cookie: %w", err)
	}
	ttl := DefaultTTL
	if opts.MaxAge > 0 {
		ttl = time.Duration(opts.MaxAge) * time.Second
	}

	s.mu.Lock()
	now := s.now()
	s.sweepLocked(now, false)
	if _, exists := s.entries[sess.ID]; !exists && len(s.entries) >= s.maxEntries {
		s.sweepLocked(now, true)
		if len(s.entries) >= s.maxEntries {
			s.evictLocked()
		}
	}
	s.entries[sess.ID] = entry{values: maps.Clone(sess.Values), expires: now.Add(ttl)}
	s.mu.Unlock()

	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, opts))
	return nil
}

// Delete removes a session by id. It is a no-op for an unknown id.
func (s *Store) Delete(id string) {
	s.mu.Lock()
	delete(s.entries, id)
	s.mu.Unlock()
}

// DeleteMatching removes every session whose values match accepts and returns how many it
// removed (expired ones included, as they are gone either way). match runs with the store
// locked: it must be quick, and must neither keep nor change the values. It is a scan of the
// whole store: fine for the rare back-channel logout, not for every request.
func (s *Store) DeleteMatching(match func(values map[any]any) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, e := range s.entries {
		if match(e.values) {
			delete(s.entries, id)
			n++
		}
	}
	return n
}

// Len returns the number of entries held, expired ones that no sweep has dropped yet
// included: a bound on memory, not a count of sessions. Live counts sessions.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Live returns the exact number of sessions that have not expired by the store's clock,
// whether or not a sweep has dropped the expired ones yet. When match is not nil, only the
// sessions whose values it accepts are counted (e.g. those of signed-in people). match runs
// with the store locked: it must be quick, and must neither keep nor change the values.
func (s *Store) Live(match func(values map[any]any) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for _, e := range s.entries {
		if now.Before(e.expires) && (match == nil || match(e.values)) {
			n++
		}
	}
	return n
}

// sweepLocked drops expired entries, at most once a minute unless forced.
func (s *Store) sweepLocked(now time.Time, force bool) {
	if !force && now.Sub(s.lastSweep) < sweepEvery {
		return
	}
	s.lastSweep = now
	for id, e := range s.entries {
		if !now.Before(e.expires) {
			delete(s.entries, id)
		}
	}
}

// evictLocked drops the entry that expires soonest, to make room.
func (s *Store) evictLocked() {
	var victim string
	var soonest time.Time
	for id, e := range s.entries {
		if victim == "" || e.expires.Before(soonest) {
			victim, soonest = id, e.expires
		}
	}
	delete(s.entries, victim)
}

// newID returns 256 random bits, base64url-encoded.
func newID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("memstore: session id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
