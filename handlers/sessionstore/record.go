package sessionstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Record is what a signed-in session holds: who the person is and the little state the
// dashboard keeps between requests. It holds no token. Its encoding (MarshalBinary) is explicit
// and versioned, so that replicas of different versions can read each other's sessions.
type Record struct {
	Issuer  string
	Subject string
	Email   string
	Name    string
	// Groups are the person's policy groups (e.g. "admin"), as the staff-sessions page shows
	// them; Claims are the role-claim values that put the person in them (the tenant roles the
	// ID token listed, narrowed by the access checks since): the gate decides from Claims.
	Groups []string
	Claims []string
	// ProviderSID is the identity provider's session id (ID token sid), for back-channel logout.
	ProviderSID string
	// AMR are the ID token's authentication methods (e.g. "pwd", "mfa"); ACR its
	// authentication context class (Auth0's multi-factor value).
	AMR []string
	ACR string
	// AuthTime is when the provider authenticated the person (auth_time).
	AuthTime time.Time
	// Created is the sign-in (the absolute timeout counts from here); LastSeen the last request
	// (the idle timeout); Validated the last time the person's access (blocked flag, roles) was
	// confirmed, ValidationTried the last time it was tried, successfully or not.
	Created, LastSeen, Validated, ValidationTried time.Time
	// CSRFToken is the session's CSRF token (base64url, 256 random bits).
	CSRFToken string
	// IP and UserAgent are the client's, for the staff-sessions page.
	IP, UserAgent string
	// FlashKind and FlashMessage are a message for the next page ("" when none).
	FlashKind, FlashMessage string
}

// Meta returns what a Store indexes about the session.
func (r *Record) Meta() Meta {
	return Meta{
		Subject: r.Subject, Email: r.Email, Name: r.Name, Groups: r.Groups,
		ProviderSID: r.ProviderSID, Created: r.Created, LastSeen: r.LastSeen,
		IP: r.IP, UserAgent: r.UserAgent,
	}
}

// SignIn is a sign-in in progress, between /login and /callback.
type SignIn struct {
	State    string // compared in constant time with the callback's
	Nonce    string // checked against the ID token's nonce
	Verifier string // the PKCE code verifier
	ReturnTo string // a local path
	Created  time.Time
}

// The encoding: one version byte, then fields, each a tag byte, a uvarint length and that many
// bytes (strings as UTF-8, times as a varint of Unix nanoseconds, zero time = absent). Repeated
// tags make lists. A decoder skips tags it does not know (a newer replica's additions) and refuses
// another version, a truncated field, or more than maxEncoded bytes.
const (
	// RecordVersion is the version byte of Record's encoding.
	RecordVersion byte = 1
	// SignInVersion is the version byte of SignIn's encoding (distinct from RecordVersion, so
	// that one is never read as the other).
	SignInVersion byte = 0x81
	maxEncoded         = 16 << 10
)

// Field tags of Record. Never reuse a tag: add new ones.
const (
	tagIssuer byte = iota + 1
	tagSubject
	tagEmail
	tagName
	tagGroup
	tagProviderSID
	tagAMR
	tagAuthTime
	tagCreated
	tagLastSeen
	tagValidated
	tagCSRF
	tagIP
	tagUserAgent
	tagFlashKind
	tagFlashMessage
	tagClaim
	tagACR
	tagValidationTried
)

// Field tags of SignIn.
const (
	tagState byte = iota + 1
	tagNonce
	tagVerifier
	tagReturnTo
	tagSignInCreated
)

// ErrBadEncoding is returned for bytes that are not a record of a known version.
var ErrBadEncoding = errors.New("sessionstore: not a session record of a known version")

// MarshalBinary encodes the record (version RecordVersion).
func (r *Record) MarshalBinary() ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 256)}
	e.buf = append(e.buf, RecordVersion)
	e.str(tagIssuer, r.Issuer)
	e.str(tagSubject, r.Subject)
	e.str(tagEmail, r.Email)
	e.str(tagName, r.Name)
	for _, g := range r.Groups {
		e.field(tagGroup, []byte(g))
	}
	e.str(tagProviderSID, r.ProviderSID)
	for _, a := range r.AMR {
		e.field(tagAMR, []byte(a))
	}
	e.time(tagAuthTime, r.AuthTime)
	e.time(tagCreated, r.Created)
	e.time(tagLastSeen, r.LastSeen)
	e.time(tagValidated, r.Validated)
	e.str(tagCSRF, r.CSRFToken)
	e.str(tagIP, r.IP)
	e.str(tagUserAgent, r.UserAgent)
	e.str(tagFlashKind, r.FlashKind)
	e.str(tagFlashMessage, r.FlashMessage)
	for _, c := range r.Claims {
		e.field(tagClaim, []byte(c))
	}
	e.str(tagACR, r.ACR)
	e.time(tagValidationTried, r.ValidationTried)
	return e.done()
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (r *Record) UnmarshalBinary(b []byte) error {
	*r = Record{}
	return decode(b, RecordVersion, func(tag byte, v []byte) error {
		var err error
		switch tag {
		case tagIssuer:
			r.Issuer = string(v)
		case tagSubject:
			r.Subject = string(v)
		case tagEmail:
			r.Email = string(v)
		case tagName:
			r.Name = string(v)
		case tagGroup:
			r.Groups = append(r.Groups, string(v))
		case tagProviderSID:
			r.ProviderSID = string(v)
		case tagAMR:
			r.AMR = append(r.AMR, string(v))
		case tagAuthTime:
			r.AuthTime, err = decodeTime(v)
		case tagCreated:
			r.Created, err = decodeTime(v)
		case tagLastSeen:
			r.LastSeen, err = decodeTime(v)
		case tagValidated:
			r.Validated, err = decodeTime(v)
		case tagCSRF:
			r.CSRFToken = string(v)
		case tagIP:
			r.IP = string(v)
		case tagUserAgent:
			r.UserAgent = string(v)
		case tagFlashKind:
			r.FlashKind = string(v)
		case tagFlashMessage:
			r.FlashMessage = string(v)
		case tagClaim:
			r.Claims = append(r.Claims, string(v))
		case tagACR:
			r.ACR = string(v)
		case tagValidationTried:
			r.ValidationTried, err = decodeTime(v)
		}
		return err
	})
}

// MarshalBinary encodes the sign-in transaction (version SignInVersion).
func (s *SignIn) MarshalBinary() ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 192)}
	e.buf = append(e.buf, SignInVersion)
	e.str(tagState, s.State)
	e.str(tagNonce, s.Nonce)
	e.str(tagVerifier, s.Verifier)
	e.str(tagReturnTo, s.ReturnTo)
	e.time(tagSignInCreated, s.Created)
	return e.done()
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (s *SignIn) UnmarshalBinary(b []byte) error {
	*s = SignIn{}
	return decode(b, SignInVersion, func(tag byte, v []byte) error {
		var err error
		switch tag {
		case tagState:
			s.State = string(v)
		case tagNonce:
			s.Nonce = string(v)
		case tagVerifier:
			s.Verifier = string(v)
		case tagReturnTo:
			s.ReturnTo = string(v)
		case tagSignInCreated:
			s.Created, err = decodeTime(v)
		}
		return err
	})
}

type encoder struct{ buf []byte }

func (e *encoder) field(tag byte, v []byte) {
	e.buf = append(e.buf, tag)
	e.buf = binary.AppendUvarint(e.buf, uint64(len(v)))
	e.buf = append(e.buf, v...)
}

func (e *encoder) str(tag byte, s string) {
	if s != "" {
		e.buf = append(e.buf, tag)
		e.buf = binary.AppendUvarint(e.buf, uint64(len(s)))
		e.buf = append(e.buf, s...)
	}
}

func (e *encoder) time(tag byte, t time.Time) {
	if !t.IsZero() {
		var tmp [binary.MaxVarintLen64]byte
		e.field(tag, binary.AppendVarint(tmp[:0], t.UnixNano()))
	}
}

func (e *encoder) done() ([]byte, error) {
	if len(e.buf) > maxEncoded {
		return nil, fmt.Errorf("sessionstore: record of %d bytes is larger than %d", len(e.buf), maxEncoded)
	}
	return e.buf, nil
}

// decode checks the version byte and hands each field to f.
func decode(b []byte, version byte, f func(tag byte, v []byte) error) error {
	if len(b) == 0 || b[0] != version || len(b) > maxEncoded {
		return ErrBadEncoding
	}
	b = b[1:]
	for len(b) > 0 {
		tag := b[0]
		n, k := binary.Uvarint(b[1:])
		if k <= 0 || n > uint64(len(b)-1-k) {
			return fmt.Errorf("%w: truncated field %d", ErrBadEncoding, tag)
		}
		v := b[1+k : 1+k+int(n)]
		if err := f(tag, v); err != nil {
			return fmt.Errorf("%w: field %d: %v", ErrBadEncoding, tag, err)
		}
		b = b[1+k+int(n):]
	}
	return nil
}

func decodeTime(v []byte) (time.Time, error) {
	n, k := binary.Varint(v)
	if k <= 0 || k != len(v) {
		return time.Time{}, errors.New("bad time")
	}
	return time.Unix(0, n), nil
}
