// Package logouttoken verifies the logout tokens of OpenID Connect Back-Channel Logout 1.0
// (§2.6 "Logout Token Validation"), as an identity provider such as Auth0 POSTs them to a
// relying party when a person's session there ends.
//
// A token is accepted only when every check passes: compact JWS signed with an allowed
// algorithm (RS256 by default; never "none") by a key of the provider's key set; "typ", when
// present, "JWT" (Auth0's) or "logout+jwt"; iss the configured issuer; aud holding the client
// id; iat present, not in the future and not older than MaxAge; exp, when present, not passed;
// an "events" object with the back-channel logout member, itself an object; no "nonce"; a
// "jti"; "sub" or "sid" or both. The jti is then recorded in a replay cache, so a token works
// once. Every refusal wraps ErrInvalid (ErrReplayed for a second use), with a reason safe to
// log: it never holds the token.
package logouttoken

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Event is the member of the "events" claim that makes a JWT a logout token.
const Event = "http://schemas.openid.net/event/backchannel-logout"

// Defaults of Config.
const (
	DefaultMaxAge = 5 * time.Minute
	DefaultLeeway = time.Minute
	// MaxTokenSize bounds the token accepted (bytes): far above any real one, far below memory
	// trouble.
	MaxTokenSize = 16 << 10
)

// Errors. Every refusal is (wraps) ErrInvalid.
var (
	ErrInvalid  = errors.New("logouttoken: invalid logout token")
	ErrReplayed = fmt.Errorf("%w: jti already used", ErrInvalid)
)

// KeySet verifies a JWS with the provider's keys and returns its payload. go-oidc's
// *oidc.RemoteKeySet implements it (fetching the JWKS again when it meets an unknown kid).
type KeySet interface {
	VerifySignature(ctx context.Context, jwt string) (payload []byte, err error)
}

// Replay records one-time values. Use reports whether key is seen for the first time, and
// remembers it until expires. handlers/replay.Memory implements it.
type Replay interface {
	Use(ctx context.Context, key string, expires time.Time) (first bool, err error)
}

// Config configures a Verifier.
type Config struct {
	// Issuer is the provider's issuer, exactly as in its tokens (Auth0's ends with "/").
	Issuer string
	// ClientID is ours: the token's aud must hold it.
	ClientID string
	// Keys verifies signatures. Required.
	Keys KeySet
	// Replay refuses a jti seen before. Required.
	Replay Replay
	// Algorithms are the allowed "alg" values; default RS256 only.
	Algorithms []string
	// MaxAge is how old (by iat) a token may be; default DefaultMaxAge. Auth0's tokens live 2
	// minutes, and may wait in a queue.
	MaxAge time.Duration
	// Leeway is the clock skew allowed on iat, exp and nbf; default DefaultLeeway.
	Leeway time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier checks logout tokens. It is safe for concurrent use when its KeySet and Replay are.
type Verifier struct {
	cfg Config
}

// Claims is what a verified token says.
type Claims struct {
	Issuer string
	// Subject is the person whose sessions end ("" when only SessionID is given).
	Subject string
	// SessionID is the provider session that ended ("" when only Subject is given: then every
	// session of Subject ends).
	SessionID string
	// ID is the jti.
	ID       string
	IssuedAt time.Time
}

// New returns a Verifier, or an error when a required setting is missing.
func New(cfg Config) (*Verifier, error) {
	var missing []string
	if cfg.Issuer == "" {
		missing = append(missing, "Issuer")
	}
	if cfg.ClientID == "" {
		missing = append(missing, "ClientID")
	}
	if cfg.Keys == nil {
		missing = append(missing, "Keys")
	}
	if cfg.Replay == nil {
		missing = append(missing, "Replay")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("logouttoken: missing %s", strings.Join(missing, ", "))
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = []string{"RS256"}
	}
	if slices.ContainsFunc(cfg.Algorithms, func(a string) bool { return strings.EqualFold(a, "none") }) {
		return nil, errors.New(`logouttoken: alg "none" cannot be allowed`)
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Leeway <= 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg}, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// header is the JOSE header fields the verifier reads.
type header struct {
	Alg  string   `json:"alg"`
	Typ  string   `json:"typ"`
	Crit []string `json:"crit"`
	// Keys named by URL or embedded are never followed: only the configured key set counts.
	JKU string          `json:"jku"`
	X5U string          `json:"x5u"`
	JWK json.RawMessage `json:"jwk"`
}

// payload is the claims the verifier reads; presence matters, so most are raw.
type payload struct {
	Iss    *string                    `json:"iss"`
	Aud    json.RawMessage            `json:"aud"`
	Iat    *json.Number               `json:"iat"`
	Exp    *json.Number               `json:"exp"`
	Nbf    *json.Number               `json:"nbf"`
	Jti    *string                    `json:"jti"`
	Sub    *string                    `json:"sub"`
	Sid    *string                    `json:"sid"`
	Events map[string]json.RawMessage `json:"events"`
	Nonce  json.RawMessage            `json:"nonce"`
}

// Verify checks raw and, when every check passes, records its jti and returns its claims.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	if raw == "" {
		return nil, invalid("no token")
	}
	if len(raw) > MaxTokenSize {
		return nil, invalid("token of %d bytes", len(raw))
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, invalid("not a compact JWS (%d parts; an encrypted token is not accepted)", len(parts))
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, invalid("header is not base64url")
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, invalid("header is not JSON")
	}
	if !slices.Contains(v.cfg.Algorithms, h.Alg) {
		return nil, invalid("alg %q is not allowed", h.Alg)
	}
	if len(h.Crit) > 0 {
		return nil, invalid("critical header parameters %q are not understood", h.Crit)
	}
	if h.JKU != "" || h.X5U != "" || len(h.JWK) > 0 {
		return nil, invalid("the header names its own key (jku, x5u or jwk)")
	}
	switch strings.TrimPrefix(strings.ToLower(h.Typ), "application/") {
	case "", "jwt", "logout+jwt":
	default:
		return nil, invalid("typ %q is not a logout token's", h.Typ)
	}
	body, err := v.cfg.Keys.VerifySignature(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrInvalid, err)
	}

	var p payload
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, invalid("claims are not a JSON object")
	}
	if p.Iss == nil || *p.Iss != v.cfg.Issuer {
		return nil, invalid("iss is not the issuer")
	}
	if !audienceHolds(p.Aud, v.cfg.ClientID) {
		return nil, invalid("aud does not hold our client id")
	}
	now := v.cfg.Now()
	iat, ok := unixTime(p.Iat)
	switch {
	case !ok:
		return nil, invalid("iat missing or not a number")
	case iat.After(now.Add(v.cfg.Leeway)):
		return nil, invalid("iat is in the future")
	case iat.Before(now.Add(-v.cfg.MaxAge - v.cfg.Leeway)):
		return nil, invalid("iat is older than %s", v.cfg.MaxAge)
	}
	expires := iat.Add(v.cfg.MaxAge + v.cfg.Leeway)
	if p.Exp != nil {
		exp, ok := unixTime(p.Exp)
		if !ok || !now.Before(exp.Add(v.cfg.Leeway)) {
			return nil, invalid("exp passed or not a number")
		}
		if e := exp.Add(v.cfg.Leeway); e.After(expires) {
			expires = e
		}
	}
	if p.Nbf != nil {
		if nbf, ok := unixTime(p.Nbf); !ok || nbf.After(now.Add(v.cfg.Leeway)) {
			return nil, invalid("nbf is in the future or not a number")
		}
	}
	ev, ok := p.Events[Event]
	if !ok || !isObject(ev) {
		return nil, invalid("events lacks the back-channel logout member (an object)")
	}
	if p.Nonce != nil {
		return nil, invalid("a logout token must not have a nonce")
	}
	if p.Jti == nil || *p.Jti == "" {
		return nil, invalid("jti missing")
	}
	c := &Claims{Issuer: *p.Iss, ID: *p.Jti, IssuedAt: iat}
	if p.Sub != nil {
		c.Subject = *p.Sub
	}
	if p.Sid != nil {
		c.SessionID = *p.Sid
	}
	if c.Subject == "" && c.SessionID == "" {
		return nil, invalid("neither sub nor sid")
	}
	// Last, so that a token refused for another reason does not use up its jti.
	first, err := v.cfg.Replay.Use(ctx, "logout-token\x00"+c.Issuer+"\x00"+c.ID, expires)
	if err != nil {
		return nil, fmt.Errorf("logouttoken: replay cache: %w", err)
	}
	if !first {
		return nil, ErrReplayed
	}
	return c, nil
}

// audienceHolds reports whether aud (a string or a list of strings) holds id.
func audienceHolds(aud json.RawMessage, id string) bool {
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == id
	}
	var many []string
	if json.Unmarshal(aud, &many) == nil {
		return slices.Contains(many, id)
	}
	return false
}

// unixTime reads a NumericDate (seconds, possibly fractional).
func unixTime(n *json.Number) (time.Time, bool) {
	if n == nil {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1<<40 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && m != nil
}
