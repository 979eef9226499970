package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"unicode/utf8"
)

// CanonicalVersion is the version of the canonical form, part of every hashed event ("v").
const CanonicalVersion = 1

// GenesisHash is the Prev of the first event of a chain: 64 zeros.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeLayout is the canonical time: UTC, RFC 3339 with exactly six fractional digits.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Canonical returns the canonical form of a stored event, the bytes its Hash is the SHA-256 of.
// It is a JSON object without insignificant whitespace whose members are, in this order (byte
// order of the names):
//
//	{"actor":{"email":S,"groups":[S,…],"name":S,"sub":S},"attempt_id":S,"details":{…},
//	 "id":S,"ip":S,"name":S,"outcome":S,"phase":S,"prev":S,"request_id":S,"route":S,
//	 "seq":N,"target":{"label":S,"user_id":S},"time":S,"v":1}
//
// Every member is always present ("" and [] and {} for empty values). time is TimeLayout; seq
// and v are decimal integers; prev is the previous event's hash (GenesisHash for the first).
// details is an object with its members sorted by name (the keys are ASCII); its values are
// strings, true/false, decimal integers or arrays of strings. Strings are UTF-8 and escaped as
// RFC 8785 (JCS) does: \" and \\, \b \t \n \f \r, other characters below U+0020 as \u00xx
// (lowercase hex), everything else as is. The result is RFC 8785's canonical JSON of that
// object, so any language can recompute it.
func Canonical(e *Event) []byte {
	return appendCanonical(make([]byte, 0, 512), e, appendDetails(nil, e.Details), appendStrings(nil, e.Actor.Groups))
}

// appendCanonical appends e's canonical form with its details and groups already encoded (the
// store keeps them encoded, and verifies from what it keeps).
func appendCanonical(b []byte, e *Event, details, groups []byte) []byte {
	b = append(b, `{"actor":{"email":`...)
	b = appendString(b, e.Actor.Email)
	b = append(b, `,"groups":`...)
	b = append(b, groups...)
	b = append(b, `,"name":`...)
	b = appendString(b, e.Actor.Name)
	b = append(b, `,"sub":`...)
	b = appendString(b, e.Actor.Subject)
	b = append(b, `},"attempt_id":`...)
	b = appendString(b, e.AttemptID)
	b = append(b, `,"details":`...)
	b = append(b, details...)
	b = append(b, `,"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"ip":`...)
	b = appendString(b, e.IP)
	b = append(b, `,"name":`...)
	b = appendString(b, string(e.Name))
	b = append(b, `,"outcome":`...)
	b = appendString(b, string(e.Outcome))
	b = append(b, `,"phase":`...)
	b = appendString(b, string(e.Phase))
	b = append(b, `,"prev":`...)
	b = appendString(b, e.Prev)
	b = append(b, `,"request_id":`...)
	b = appendString(b, e.RequestID)
	b = append(b, `,"route":`...)
	b = appendString(b, e.Route)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, `,"target":{"label":`...)
	b = appendString(b, e.Target.Label)
	b = append(b, `,"user_id":`...)
	b = appendString(b, e.Target.UserID)
	b = append(b, `},"time":`...)
	b = appendString(b, e.Time.UTC().Format(TimeLayout))
	b = append(b, `,"v":`...)
	b = strconv.AppendInt(b, CanonicalVersion, 10)
	return append(b, '}')
}

// HashOf returns the lowercase hex SHA-256 of canonical bytes.
func HashOf(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// appendDetails appends normalized details as a canonical JSON object.
func appendDetails(b []byte, d Details) []byte {
	b = append(b, '{')
	for i, a := range d {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, a.Key)
		b = append(b, ':')
		switch v := a.Value.(type) {
		case string:
			b = appendString(b, v)
		case bool:
			b = strconv.AppendBool(b, v)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case []string:
			b = appendStrings(b, v)
		default: // normalize never leaves another type
			b = appendString(b, Redacted)
		}
	}
	return append(b, '}')
}

// appendStrings appends a JSON array of strings.
func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as an RFC 8785 JSON string. s is valid UTF-8 (normalize made it so);
// an invalid byte would be written as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\b':
			b = append(b, `\b`...)
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\f':
			b = append(b, `\f`...)
		case '\r':
			b = append(b, `\r`...)
		default:
			if c < 0x20 {
				b = append(b, `\u00`...)
				b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
			} else {
				b = append(b, c)
			}
		}
		i++
	}
	return append(b, '"')
}
