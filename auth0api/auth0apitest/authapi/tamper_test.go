package authapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// TestTamperIDTokens edits issued ID tokens: they stay validly signed by the tenant, and the
// relying party's checks see the edit.
func TestTamperIDTokens(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(map[string]any)
		wantErr string // from go-oidc's Verify; "" means it verifies
		check   func(*testing.T, *oidc.IDToken)
	}{
		{"wrong issuer", func(c map[string]any) { c["iss"] = "https://attacker.eu.auth0.com/" }, "different provider", nil},
		{"wrong audience", func(c map[string]any) { c["aud"] = "other-client" }, "audience", nil},
		{"expired", func(c map[string]any) { c["exp"] = float64(time.Now().Add(-time.Minute).Unix()) }, "expired", nil},
		{"wrong nonce", func(c map[string]any) { c["nonce"] = "other" }, "", func(t *testing.T, idt *oidc.IDToken) {
			if idt.Nonce != "other" {
				t.Errorf("nonce: got %q, want other", idt.Nonce)
			}
		}},
		{"extra audience, wrong azp", func(c map[string]any) { c["aud"] = []string{testClientID, "x"}; c["azp"] = "x" }, "",
			func(t *testing.T, idt *oidc.IDToken) {
				var c struct {
					AZP string `json:"azp"`
				}
				idt.Claims(&c)
				if c.AZP != "x" || len(idt.Audience) != 2 {
					t.Errorf("azp %q aud %v", c.AZP, idt.Audience)
				}
			}},
	}
	h := newHarness(t, "", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.p.TamperIDTokens(tt.edit)
			defer h.p.TamperIDTokens(nil)
			tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
			tok, err := h.oauth.Exchange(t.Context(), code, oauth2VerifierOption(tx))
			if err != nil {
				t.Fatal(err)
			}
			raw := tok.Extra("id_token").(string)
			keySet := oidc.NewRemoteKeySet(context.Background(), h.issuer+".well-known/jwks.json")
			if _, err := keySet.VerifySignature(t.Context(), raw); err != nil {
				t.Fatalf("tampered token is not signed by the tenant: %v", err)
			}
			idt, err := h.verifier.Verify(t.Context(), raw)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				tt.check(t, idt)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Verify: got %v, want an error about %s", err, tt.wantErr)
			}
		})
	}
	t.Run("off again", func(t *testing.T) {
		tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
		h.exchange(t, tx, code)
	})
}

// TestOwnClockStampsIDTokens checks that with Config.Now the ID token's iat, exp and auth_time
// come from that clock, so a relying party on the same clock accepts it.
func TestOwnClockStampsIDTokens(t *testing.T) {
	start := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	clock := &fakeClock{now: start}
	h := newHarness(t, "", func(c *Config) { c.Now = clock.Now })
	tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
	_, idt := h.exchange(t, tx, code) // h.verifier uses the same clock
	var c struct {
		AuthTime int64 `json:"auth_time"`
	}
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if !idt.IssuedAt.Equal(start) || !idt.Expiry.Equal(start.Add(idTokenLifetime)) || c.AuthTime != start.Unix() {
		t.Errorf("iat %v exp %v auth_time %d, want %v, %v, %d", idt.IssuedAt, idt.Expiry, c.AuthTime, start, start.Add(idTokenLifetime), start.Unix())
	}
}

// TestReplaceIDTokens hands the client a crafted ID token, which the relying party refuses.
func TestReplaceIDTokens(t *testing.T) {
	h := newHarness(t, "", nil)
	h.p.TamperIDTokens(func(c map[string]any) { c["nonce"] = "edited" })
	seenCh := make(chan string, 1)
	h.p.ReplaceIDTokens(func(raw string) string {
		seenCh <- raw
		parts := strings.Split(raw, ".")
		return `eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.` + parts[1] + `.`
	})
	tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
	tok, err := h.oauth.Exchange(t.Context(), code, oauth2VerifierOption(tx))
	if err != nil {
		t.Fatal(err)
	}
	raw := tok.Extra("id_token").(string)
	if !strings.HasPrefix(raw, "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.") || !strings.HasSuffix(raw, ".") {
		t.Errorf("client got %q, want the alg none token", raw)
	}
	if _, err := h.verifier.Verify(t.Context(), raw); err == nil {
		t.Errorf("go-oidc accepted an alg none token")
	}
	// The replacement saw the tampered, validly signed token.
	idt, err := h.verifier.Verify(t.Context(), <-seenCh)
	if err != nil || idt.Nonce != "edited" {
		t.Errorf("token handed to ReplaceIDTokens: nonce %v, err %v; want the tampered token", idt, err)
	}
}
