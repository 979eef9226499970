package handlers

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// TestSignInRefusesForgedIDTokens (checklist 4): tokens signed with the wrong algorithm or key,
// or pointing at a key elsewhere, are refused even when their claims are right.
func TestSignInRefusesForgedIDTokens(t *testing.T) {
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	tests := []struct {
		name  string
		forge func(t *testing.T, a *testApp, kid string, pub *rsa.PublicKey, payload []byte) string
	}{
		{"HS256 keyed with the tenant's public key", func(t *testing.T, a *testApp, kid string, pub *rsa.PublicKey, payload []byte) string {
			der, err := x509.MarshalPKIXPublicKey(pub)
			must(t, err)
			pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
			return sign(t, jose.SigningKey{Algorithm: jose.HS256, Key: pemKey}, kid, nil, payload)
		}},
		{"RS256 by an attacker's key under the tenant's kid", func(t *testing.T, a *testApp, kid string, pub *rsa.PublicKey, payload []byte) string {
			return sign(t, jose.SigningKey{Algorithm: jose.RS256, Key: attacker}, kid, nil, payload)
		}},
		{"jku pointing at the attacker", func(t *testing.T, a *testApp, kid string, pub *rsa.PublicKey, payload []byte) string {
			return sign(t, jose.SigningKey{Algorithm: jose.RS256, Key: attacker}, "attacker",
				map[jose.HeaderKey]any{"jku": "https://evil.example/jwks.json", "x5u": "https://evil.example/cert.pem"}, payload)
		}},
		{"embedded attacker jwk", func(t *testing.T, a *testApp, kid string, pub *rsa.PublicKey, payload []byte) string {
			opts := (&jose.SignerOptions{EmbedJWK: true}).WithType("JWT")
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: attacker}, opts)
			must(t, err)
			obj, err := signer.Sign(payload)
			must(t, err)
			s, err := obj.CompactSerialize()
			must(t, err)
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			kid, pub := tenantKey(t, a)
			a.provider(t).ReplaceIDTokens(func(idToken string) string {
				payload, err := base64.RawURLEncoding.DecodeString(strings.Split(idToken, ".")[1])
				if err != nil {
					t.Error(err)
					return idToken
				}
				return tt.forge(t, a, kid, pub, payload)
			})
			b := a.newBrowser(t)
			cb := b.authorize(t, b.startSignIn(t, ""), testAccounts["admin"])
			resp, body := b.finishSignIn(t, cb)
			wantSignInFailed(t, a, b, resp, body, "id token rejected")
		})
	}
}

// tenantKey returns the tenant's current signing key id and public key, from its JWKS.
func tenantKey(t *testing.T, a *testApp) (string, *rsa.PublicKey) {
	t.Helper()
	resp, err := http.Get(a.TenantURL + "/.well-known/jwks.json")
	must(t, err)
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	must(t, json.NewDecoder(resp.Body).Decode(&set))
	for _, k := range set.Keys {
		if pub, ok := k.Key.(*rsa.PublicKey); ok {
			return k.KeyID, pub
		}
	}
	t.Fatal("no RSA key in the tenant's JWKS")
	return "", nil
}

// sign makes a compact JWS of payload with key, the kid and extra header fields.
func sign(t *testing.T, key jose.SigningKey, kid string, extra map[jose.HeaderKey]any, payload []byte) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid)
	for k, v := range extra {
		opts = opts.WithHeader(k, v)
	}
	signer, err := jose.NewSigner(key, opts)
	must(t, err)
	obj, err := signer.Sign(payload)
	must(t, err)
	s, err := obj.CompactSerialize()
	must(t, err)
	return s
}
