package authapi

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// keyBits is the RSA modulus size of every signing key, as Auth0's.
const keyBits = 2048

// signingKey is one RS256 key pair. It implements op.SigningKey; publicKey wraps it as op.Key.
type signingKey struct {
	id   string
	priv *rsa.PrivateKey
}

func newSigningKey() (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("authapi: generate signing key: %w", err)
	}
	jwk := jose.JSONWebKey{Key: &priv.PublicKey}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("authapi: key thumbprint: %w", err)
	}
	return &signingKey{id: base64.RawURLEncoding.EncodeToString(thumb[:16]), priv: priv}, nil
}

// SignatureAlgorithm implements op.SigningKey.
func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }

// Key implements op.SigningKey: the private key.
func (k *signingKey) Key() any { return k.priv }

// ID implements op.SigningKey: the kid.
func (k *signingKey) ID() string { return k.id }

// signer returns a JOSE signer that stamps the kid and typ JWT, as op does.
func (k *signingKey) signer() (jose.Signer, error) {
	s, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.RS256,
		Key:       &jose.JSONWebKey{Key: k.priv, KeyID: k.id},
	}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("authapi: signer: %w", err)
	}
	return s, nil
}

// publicKey is the published half of a signingKey. It implements op.Key.
type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.priv.PublicKey }

// keyRing holds the current signing key and the one before it.
type keyRing struct {
	mu       sync.RWMutex
	current  *signingKey
	previous *signingKey
}

func newKeyRing() (*keyRing, error) {
	k, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	return &keyRing{current: k}, nil
}

// rotate makes k current and keeps the old current key published; the one before is dropped.
func (r *keyRing) rotate(k *signingKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.previous, r.current = r.current, k
}

// signing returns the current key.
func (r *keyRing) signing() *signingKey {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.current
}

// published returns the keys in the JWKS: the current one first, then the previous one.
func (r *keyRing) published() []op.Key {
	r.mu.RLock()
	defer r.mu.RUnlock()
	keys := []op.Key{publicKey{r.current}}
	if r.previous != nil {
		keys = append(keys, publicKey{r.previous})
	}
	return keys
}
