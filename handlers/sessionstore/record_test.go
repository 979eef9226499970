package sessionstore_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"userdesk/handlers/sessionstore"
)

func TestRecordRoundTrip(t *testing.T) {
	now := time.Unix(1_760_000_000, 123456789)
	rec := sessionstore.Record{
		Issuer: "https://acme.eu.auth0.com/", Subject: "auth0|63d17c4a9d503d76c056c160", Email: "ann@example.com",
		Name: "Ann Ödegaard", Groups: []string{"helpdesk", "emea"}, Claims: []string{"userdesk-helpdesk", "emea-support"},
		ProviderSID: "sid-1", AMR: []string{"pwd", "mfa"}, ACR: "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
		ValidationTried: now.Add(3 * time.Second),
		AuthTime:        now.Add(-time.Minute), Created: now, LastSeen: now.Add(time.Second), Validated: now.Add(2 * time.Second),
		CSRFToken: "dG9rZW4", IP: "2001:db8::1", UserAgent: "Mozilla/5.0", FlashKind: "success", FlashMessage: "Blocked.",
	}
	b, err := rec.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != sessionstore.RecordVersion || len(b) > 400 {
		t.Errorf("encoding: version %d, %d bytes", b[0], len(b))
	}
	var got sessionstore.Record
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rec) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, rec)
	}
	var empty sessionstore.Record
	b, _ = empty.MarshalBinary()
	if len(b) != 1 {
		t.Errorf("empty record is %d bytes, want the version byte only", len(b))
	}
}

// TestRecordForwardCompatible: a field tag this version does not know (a newer replica's) is
// skipped; another version, a SignIn, or a truncated field is refused.
func TestRecordForwardCompatible(t *testing.T) {
	rec := sessionstore.Record{Subject: "auth0|1", Email: "a@example.com"}
	b, _ := rec.MarshalBinary()
	withNew := append(append([]byte{}, b...), 200, 3, 'x', 'y', 'z')
	var got sessionstore.Record
	if err := got.UnmarshalBinary(withNew); err != nil || got.Subject != "auth0|1" || got.Email != "a@example.com" {
		t.Errorf("unknown tag: %+v, %v", got, err)
	}
	for name, bad := range map[string][]byte{
		"empty":       nil,
		"version 2":   append([]byte{2}, b[1:]...),
		"truncated":   b[:len(b)-2],
		"long length": {sessionstore.RecordVersion, 2, 0xff, 0xff, 0x03, 'a'},
		"sign-in":     mustSignIn(t),
	} {
		if err := got.UnmarshalBinary(bad); !errors.Is(err, sessionstore.ErrBadEncoding) {
			t.Errorf("%s: %v, want ErrBadEncoding", name, err)
		}
	}
}

func mustSignIn(t *testing.T) []byte {
	s := sessionstore.SignIn{State: "s", Nonce: "n", Verifier: "v", ReturnTo: "/", Created: time.Unix(1, 0)}
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back sessionstore.SignIn
	if err := back.UnmarshalBinary(b); err != nil || !reflect.DeepEqual(back, s) {
		t.Fatalf("SignIn round trip: %+v, %v", back, err)
	}
	return b
}
