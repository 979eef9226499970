// Package sessionstore is where the dashboard keeps its server-side sessions: the Store interface
// that the memory store (Memory, the embedded default) and the Redis store (userdesk/redisstore,
// for several replicas) implement, the explicit encoding of what a session holds (Record and
// SignIn), and CookieStore, the gorilla/sessions adapter whose cookie carries only a signed
// random id.
//
// A Store keeps two separate pools:
//
//   - sessions of signed-in people, each indexed under its person (Meta.Subject) and under the
//     identity provider's session (Meta.ProviderSID), so that an admin can list a person's
//     sessions and end one or all of them, a back-channel logout finds the sessions it names
//     without a scan, and they are counted without reading them;
//   - sign-in transactions (state, nonce and PKCE verifier between /login and /callback), kept
//     apart and bounded on their own, so that a flood of /login can never evict a signed-in
//     session.
//
// Values are opaque bytes to a Store. Every Store method may fail with ErrUnavailable (the store
// cannot be reached: the dashboard answers 503 and /readyz reports not ready); a missing or
// expired record is ErrNotFound.
package sessionstore

import (
	"context"
	"errors"
	"time"
)

// Errors every Store returns (wrapped), so that callers branch with errors.Is.
var (
	// ErrNotFound: no such session or sign-in transaction, or it expired or was revoked.
	ErrNotFound = errors.New("sessionstore: not found")
	// ErrUnavailable: the store cannot be reached or did not answer in time. The dashboard
	// answers such a request with a plain 503 ("the session store is unavailable").
	ErrUnavailable = errors.New("the session store is unavailable")
)

// Meta is what a Store knows about a signed-in session besides its value: the per-person index
// and the staff-sessions page read it. It holds no secret.
type Meta struct {
	// Subject is the person's sub; a session is indexed under it. Required by Save.
	Subject string
	// Email and Name are shown on the staff-sessions page.
	Email, Name string
	// Groups are the person's dashboard role or policy groups at the last save.
	Groups []string
	// ProviderSID is the identity provider's session id (the ID token's sid), which a
	// back-channel logout token names.
	ProviderSID string
	// Created is the sign-in; LastSeen the last request that saved the session.
	Created, LastSeen time.Time
	// IP and UserAgent are the client's at the last save.
	IP, UserAgent string
}

// Info is one live session of a person, as a list shows it.
type Info struct {
	ID string
	Meta
	// Expires is when the store drops the session unless it is saved again.
	Expires time.Time
}

// Store keeps sessions and sign-in transactions on the server. Implementations are safe for
// concurrent use and bound every call in time. Ids are chosen by the caller (CookieStore: 256
// random bits) and are secrets: a Store never logs them.
type Store interface {
	// Get returns the value of a live session.
	Get(ctx context.Context, id string) ([]byte, error)
	// Save stores (or replaces) a session until expires, indexed under meta.Subject (and
	// meta.ProviderSID when not empty). It is for a new session (a sign-in, a renewed id).
	Save(ctx context.Context, id string, value []byte, meta Meta, expires time.Time) error
	// Update replaces a live session as Save does, and only a live one: a session deleted,
	// revoked or expired meanwhile is ErrNotFound and stays gone. Saving a session loaded
	// earlier in a request uses it, so that a request in flight on any replica cannot bring back
	// a session that an admin, a back-channel logout or "sign out everywhere" just ended.
	Update(ctx context.Context, id string, value []byte, meta Meta, expires time.Time) error
	// Delete ends one session (signing out, revoking it); deleting an unknown id is no error.
	Delete(ctx context.Context, id string) error
	// Sessions lists subject's live sessions, the most recently created first.
	Sessions(ctx context.Context, subject string) ([]Info, error)
	// ProviderSessions lists the live sessions signed in through the identity provider's
	// session sid (Meta.ProviderSID), the most recently created first; none for "".
	ProviderSessions(ctx context.Context, sid string) ([]Info, error)
	// All lists up to limit live sessions of everyone (limit <= 0: all), for the staff-sessions
	// page; the most recently created first.
	All(ctx context.Context, limit int) ([]Info, error)
	// RevokeAll ends every session of subject and returns how many there were.
	RevokeAll(ctx context.Context, subject string) (int, error)
	// Count returns the number of live sessions, without reading them all.
	Count(ctx context.Context) (int, error)

	// SaveSignIn stores a sign-in transaction until expires, apart from the sessions.
	SaveSignIn(ctx context.Context, id string, value []byte, expires time.Time) error
	// GetSignIn returns a live sign-in transaction and leaves it in place (a callback whose
	// state does not match must not end the pending sign-in).
	GetSignIn(ctx context.Context, id string) ([]byte, error)
	// TakeSignIn returns a live sign-in transaction and deletes it, atomically: a transaction
	// is used once, and of two callbacks racing with it only one gets it.
	TakeSignIn(ctx context.Context, id string) ([]byte, error)
	// DeleteSignIn drops a sign-in transaction (no error when it is unknown).
	DeleteSignIn(ctx context.Context, id string) error

	// Ping reports whether the store can be used now (for /readyz).
	Ping(ctx context.Context) error
}

// errNoSubject refuses a session that no person owns.
var errNoSubject = errors.New("sessionstore: a session needs Meta.Subject")
