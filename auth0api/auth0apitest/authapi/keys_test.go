package authapi

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// jwks fetches the published key set.
func (h *harness) jwks(t *testing.T) jose.JSONWebKeySet {
	t.Helper()
	resp := h.get(t, h.issuer+".well-known/jwks.json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("jwks: status %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(resp.body), &set); err != nil {
		t.Fatal(err)
	}
	return set
}

func kidOf(t *testing.T, raw string) string {
	t.Helper()
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

// TestKeyRotation checks that a rotation publishes the new key next to the old one, that tokens
// signed before and after verify with the same (caching) verifier, and that a second rotation
// drops the oldest key.
func TestKeyRotation(t *testing.T) {
	h := newHarness(t, "", nil)
	set := h.jwks(t)
	if len(set.Keys) != 1 {
		t.Fatalf("keys before rotation: got %d, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if k.Algorithm != "RS256" || k.Use != "sig" || k.KeyID == "" {
		t.Errorf("key: alg %q use %q kid %q", k.Algorithm, k.Use, k.KeyID)
	}
	if pub, ok := k.Key.(interface{ Size() int }); !ok || pub.Size()*8 != 2048 {
		t.Errorf("key is not a 2048-bit RSA key: %T", k.Key)
	}

	tx1, code1 := h.signIn(t, "ada@userdesk.example", "demo-admin")
	tok1, _ := h.exchange(t, tx1, code1) // the verifier now caches the first key
	raw1 := tok1.Extra("id_token").(string)

	h.p.RotateKeys()
	set = h.jwks(t)
	if len(set.Keys) != 2 {
		t.Fatalf("keys after one rotation: got %d, want 2", len(set.Keys))
	}
	if set.Keys[1].KeyID != kidOf(t, raw1) {
		t.Errorf("the previous key %q is not published second: %v", kidOf(t, raw1), set.Keys)
	}

	tx2, code2 := h.signIn(t, "ada@userdesk.example", "demo-admin")
	tok2, _ := h.exchange(t, tx2, code2) // unknown kid: go-oidc refetches the JWKS
	raw2 := tok2.Extra("id_token").(string)
	if kidOf(t, raw2) != set.Keys[0].KeyID || kidOf(t, raw2) == kidOf(t, raw1) {
		t.Errorf("new token kid %q, want the new current key %q", kidOf(t, raw2), set.Keys[0].KeyID)
	}
	if _, err := h.verifier.Verify(t.Context(), raw1); err != nil {
		t.Errorf("token signed before the rotation: %v", err)
	}

	h.p.RotateKeys()
	if n := len(h.jwks(t).Keys); n != 2 {
		t.Errorf("keys after two rotations: got %d, want 2", n)
	}
	keySet := oidc.NewRemoteKeySet(context.Background(), h.issuer+".well-known/jwks.json")
	fresh := oidc.NewVerifier(h.issuer, keySet, &oidc.Config{ClientID: testClientID})
	if _, err := fresh.Verify(context.Background(), raw1); err == nil {
		t.Errorf("token signed two rotations ago still verifies with a fresh key set")
	}
	if _, err := fresh.Verify(context.Background(), raw2); err != nil {
		t.Errorf("token signed one rotation ago: %v", err)
	}
}
