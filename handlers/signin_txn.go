package handlers

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"
)

// Sign-in transactions (state, nonce, PKCE verifier, where to return, whether it is a step-up)
// live in the browser, each in a short-lived cookie of its own, sealed: encrypted (AES-256-CTR)
// and authenticated (HMAC-SHA256) with keys derived from the session secrets. /login keeps
// nothing on the server, so sign-ins in progress can never crowd out signed-in sessions
// (finding 5 of issue 11), and each cookie is named after a hash of its state, so a callback
// with an unknown or forged state finds nothing and ends no other sign-in.

// signInTxn is one sign-in in progress. It is used once.
type signInTxn struct {
	State    string    `json:"s"` // 256 random bits, compared in constant time
	Nonce    string    `json:"n"` // 256 random bits, checked against the ID token's nonce
	Verifier string    `json:"v"` // PKCE code verifier (S256 challenge sent)
	ReturnTo string    `json:"r"` // a local path, checked by localPath
	Created  time.Time `json:"t"`
	// StepUp marks a re-authentication of the signed-in person Subject (prompt=login,
	// max_age=0): the callback must see the same subject in the same session, with a fresh
	// auth_time, and renews the session; it never starts one.
	StepUp  bool   `json:"u,omitempty"`
	Subject string `json:"b,omitempty"`
}

const (
	// signInTTL is how long a sign-in may take between /login and /callback.
	signInTTL = 10 * time.Minute
	// maxSignInCookies is how many sign-ins one browser may have in progress (tabs); a new one
	// beyond it drops the oldest.
	maxSignInCookies = 3
	// maxTxnReturnTo bounds the return path a transaction carries, so that its cookie stays far
	// below 4 KB; a longer one returns to "/".
	maxTxnReturnTo = 1024
)

// txnSealer seals sign-in transactions into cookies.
type txnSealer struct {
	prefix string // cookie names: prefix + a hash of the state
	secure bool
	codecs []securecookie.Codec
}

// newTxnSealer derives an encryption key and a MAC key from each session secret (HKDF-SHA256;
// the first seals, all open: rotation works as for sessions).
func newTxnSealer(secrets [][]byte, prefix string, secure bool) (*txnSealer, error) {
	var pairs [][]byte
	for _, secret := range secrets {
		mac, err := hkdf.Key(sha256.New, secret, nil, "userdesk sign-in transaction: mac", 32)
		if err != nil {
			return nil, fmt.Errorf("handlers: derive sign-in keys: %w", err)
		}
		enc, err := hkdf.Key(sha256.New, secret, nil, "userdesk sign-in transaction: encryption", 32)
		if err != nil {
			return nil, fmt.Errorf("handlers: derive sign-in keys: %w", err)
		}
		pairs = append(pairs, mac, enc)
	}
	codecs := securecookie.CodecsFromPairs(pairs...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(signInTTL / time.Second))
			sc.SetSerializer(securecookie.JSONEncoder{})
		}
	}
	return &txnSealer{prefix: prefix, secure: secure, codecs: codecs}, nil
}

// name is the cookie of the transaction with this state.
func (t *txnSealer) name(state string) string {
	sum := sha256.Sum256([]byte(state))
	return t.prefix + base64.RawURLEncoding.EncodeToString(sum[:12])
}

func (t *txnSealer) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: t.secure, SameSite: http.SameSiteLaxMode}
}

// open decodes a transaction cookie; false when it is not ours, tampered with or too old.
func (t *txnSealer) open(c *http.Cookie) (signInTxn, bool) {
	var txn signInTxn
	if securecookie.DecodeMulti(c.Name, c.Value, &txn, t.codecs...) != nil {
		return signInTxn{}, false
	}
	return txn, true
}

// save seals txn into its cookie. When the browser already has maxSignInCookies sign-ins in
// progress, the oldest (and any that no longer open) are expired first.
func (t *txnSealer) save(c echo.Context, txn signInTxn) error {
	value, err := encodeTxn(t, txn)
	if err != nil {
		return err
	}
	type held struct {
		name    string
		created time.Time
	}
	var live []held
	for _, ck := range c.Request().Cookies() {
		if !strings.HasPrefix(ck.Name, t.prefix) {
			continue
		}
		old, ok := t.open(ck)
		if !ok {
			c.SetCookie(t.cookie(ck.Name, "", -1))
			continue
		}
		live = append(live, held{ck.Name, old.Created})
	}
	slices.SortFunc(live, func(a, b held) int { return a.created.Compare(b.created) })
	for len(live) >= maxSignInCookies {
		c.SetCookie(t.cookie(live[0].name, "", -1))
		live = live[1:]
	}
	c.SetCookie(t.cookie(t.name(txn.State), value, int(signInTTL/time.Second)))
	return nil
}

// encodeTxn seals txn into the value of its cookie.
func encodeTxn(t *txnSealer, txn signInTxn) (string, error) {
	value, err := securecookie.EncodeMulti(t.name(txn.State), txn, t.codecs...)
	if err != nil {
		return "", fmt.Errorf("seal sign-in: %w", err)
	}
	return value, nil
}

// txnLookup says what a callback's state found.
type txnLookup int

const (
	txnFound txnLookup = iota // the transaction of this state
	txnNone                   // the browser has no sign-in in progress at all
	txnOther                  // it has some, none of them this state's
)

// take returns the transaction of state and expires its cookie (it is used once). Other
// sign-ins in progress are left alone.
func (t *txnSealer) take(c echo.Context, state string) (signInTxn, txnLookup) {
	pending := false
	for _, ck := range c.Request().Cookies() {
		if strings.HasPrefix(ck.Name, t.prefix) {
			pending = true
			break
		}
	}
	if state == "" {
		if pending {
			return signInTxn{}, txnOther
		}
		return signInTxn{}, txnNone
	}
	name := t.name(state)
	ck, err := c.Request().Cookie(name)
	if err != nil {
		if pending {
			return signInTxn{}, txnOther
		}
		return signInTxn{}, txnNone
	}
	c.SetCookie(t.cookie(name, "", -1))
	txn, ok := t.open(ck)
	if !ok || subtle.ConstantTimeCompare([]byte(txn.State), []byte(state)) != 1 {
		return signInTxn{}, txnOther
	}
	return txn, txnFound
}
