package authapi

import (
	"testing"
)

// BenchmarkNew measures building a Provider (dominated by the RSA key generation).
func BenchmarkNew(b *testing.B) {
	dir := newTestDirectory()
	for b.Loop() {
		if _, err := New(Config{Issuer: "http://127.0.0.1:4000/", Directory: dir}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignIn measures one whole sign-in over loopback HTTP: authorize, login POST, code
// exchange and ID token verification.
func BenchmarkSignIn(b *testing.B) {
	h := newHarness(b, "", nil)
	for b.Loop() {
		tx, code := h.signIn(b, "ada@userdesk.example", "demo-admin")
		h.exchange(b, tx, code)
	}
}
