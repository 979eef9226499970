package sessionstore

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// Keys of sessions.Session.Values that CookieStore reads and writes. A session cookie's session
// holds a Record under RecordKey; a sign-in cookie's holds a SignIn under SignInKey. Other keys
// are not stored.
const (
	RecordKey = "record"
	SignInKey = "signin"
)

// DefaultTTL is how long a session is kept when its cookie options give no MaxAge.
const DefaultTTL = 24 * time.Hour

// CookieOptions configures a CookieStore.
type CookieOptions struct {
	// Codecs sign (and verify) the session id in the cookie; the first one signs. Required.
	// Build them with securecookie.CodecsFromPairs (hash keys only: the id is not secret from
	// its own browser, it only must not be forged).
	Codecs []securecookie.Codec
	// Cookie is the cookie configuration of new sessions. MaxAge is also how long the server
	// keeps the record after a Save (0: DefaultTTL with a browser-session cookie).
	Cookie sessions.Options
	// SignIn makes this the sign-in transactions' cookie: Values[SignInKey] is kept with
	// SaveSignIn, apart from the sessions.
	SignIn bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// CookieStore is a gorilla/sessions Store over a Store: the cookie carries only a random 256-bit
// id, signed with securecookie; the record stays on the server. A cookie whose signature fails,
// or whose record is missing or expired, gives a new empty session (IsNew, empty ID): an id is
// never taken from a browser, every new session gets a fresh one (no fixation). When the store
// is unavailable, Get and New return the empty session and an error wrapping ErrUnavailable.
type CookieStore struct {
	store  Store
	codecs []securecookie.Codec
	cookie sessions.Options
	signIn bool
	now    func() time.Time
}

var _ sessions.Store = (*CookieStore)(nil)

// NewCookieStore returns a gorilla/sessions Store keeping its records in store.
func NewCookieStore(store Store, opts CookieOptions) (*CookieStore, error) {
	if store == nil || len(opts.Codecs) == 0 {
		return nil, errors.New("sessionstore: a Store and at least one codec are required")
	}
	c := &CookieStore{store: store, codecs: opts.Codecs, cookie: opts.Cookie, signIn: opts.SignIn, now: opts.Now}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Store returns the underlying store (to list, revoke or count sessions).
func (c *CookieStore) Store() Store { return c.store }

// Get returns the session called name for this request, loading it once per request.
func (c *CookieStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(c, name)
}

// New loads the session named by the request's cookie (see CookieStore).
func (c *CookieStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(c, name)
	opts := c.cookie
	sess.Options = &opts
	sess.IsNew = true
	ck, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if securecookie.DecodeMulti(name, ck.Value, &id, c.codecs...) != nil || id == "" {
		return sess, nil
	}
	if c.signIn {
		b, err := c.store.GetSignIn(r.Context(), id)
		if err != nil {
			return sess, ignoreNotFound(err)
		}
		var s SignIn
		if s.UnmarshalBinary(b) != nil {
			return sess, nil
		}
		sess.Values[SignInKey] = s
	} else {
		b, err := c.store.Get(r.Context(), id)
		if err != nil {
			return sess, ignoreNotFound(err)
		}
		var rec Record
		if rec.UnmarshalBinary(b) != nil {
			return sess, nil // written by an unknown version: no session
		}
		sess.Values[RecordKey] = rec
	}
	sess.ID = id
	sess.IsNew = false
	return sess, nil
}

// Save stores the session's record and sets its cookie; a session without an ID gets a new
// random one. A session that New loaded is only updated: when it was ended meanwhile (deleted,
// revoked, expired) Save returns an error wrapping ErrNotFound, stores nothing and sets no
// cookie. Options.MaxAge < 0, or a session holding no record, deletes the record and expires
// the cookie.
func (c *CookieStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	opts := sess.Options
	if opts == nil {
		o := c.cookie
		opts = &o
	}
	var (
		value []byte
		err   error
		meta  Meta
	)
	key := RecordKey
	if c.signIn {
		key = SignInKey
	}
	switch v := sess.Values[key].(type) {
	case Record:
		value, err = v.MarshalBinary()
		meta = v.Meta()
	case SignIn:
		value, err = v.MarshalBinary()
	}
	if err != nil {
		return err
	}
	if opts.MaxAge < 0 || value == nil {
		if sess.ID != "" {
			if err := c.delete(r, sess.ID); err != nil {
				return err
			}
		}
		o := *opts
		o.MaxAge = -1
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", &o))
		return nil
	}
	if sess.ID == "" {
		if sess.ID, err = newID(); err != nil {
			return err
		}
		sess.IsNew = true
	}
	encoded, err := securecookie.EncodeMulti(sess.Name(), sess.ID, c.codecs...)
	if err != nil {
		return fmt.Errorf("sessionstore: encode cookie: %w", err)
	}
	ttl := DefaultTTL
	if opts.MaxAge > 0 {
		ttl = time.Duration(opts.MaxAge) * time.Second
	}
	expires := c.now().Add(ttl)
	switch {
	case c.signIn:
		err = c.store.SaveSignIn(r.Context(), sess.ID, value, expires)
	case sess.IsNew:
		err = c.store.Save(r.Context(), sess.ID, value, meta, expires)
	default:
		// A session loaded by this request: it may have been ended meanwhile (on any
		// replica), and must then stay ended.
		err = c.store.Update(r.Context(), sess.ID, value, meta, expires)
	}
	if err != nil {
		return err
	}
	sess.IsNew = false // stored: a later Save in this request updates it
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, opts))
	return nil
}

// Renew drops the session's stored record and clears its id, so that the next Save stores it
// under a new random id: call it when the person signs in (or their privileges change), so that
// an id known before can never carry the new session (fixation).
func (c *CookieStore) Renew(r *http.Request, sess *sessions.Session) error {
	if sess.ID != "" {
		if err := c.delete(r, sess.ID); err != nil {
			return err
		}
	}
	sess.ID = ""
	sess.IsNew = true
	return nil
}

func (c *CookieStore) delete(r *http.Request, id string) error {
	if c.signIn {
		return c.store.DeleteSignIn(r.Context(), id)
	}
	return c.store.Delete(r.Context(), id)
}

func ignoreNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// newID returns 256 random bits, base64url-encoded.
func newID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("sessionstore: session id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
