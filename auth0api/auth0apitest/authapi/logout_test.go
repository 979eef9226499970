package authapi

import (
	"net/http"
	"net/url"
	"testing"
)

// TestLogout checks end-session redirects against the client's registered logout URLs.
func TestLogout(t *testing.T) {
	h := newHarness(t, "/tenant", nil)
	tx, code := h.signIn(t, "ada@userdesk.example", "demo-admin")
	tok, _ := h.exchange(t, tx, code)
	idToken := tok.Extra("id_token").(string)

	tests := []struct {
		name    string
		q       url.Values
		wantLoc string // "" means a 400 page and no redirect
	}{
		{"client_id and registered URL", url.Values{"client_id": {testClientID}, "post_logout_redirect_uri": {testLogoutURI}, "state": {"s1"}}, testLogoutURI + "?state=s1"},
		{"id_token_hint and registered URL", url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {testLogoutURI}}, testLogoutURI},
		{"client_id only", url.Values{"client_id": {testClientID}}, h.issuer + "login/signed-out"},
		{"nothing", url.Values{}, h.issuer + "login/signed-out"},
		{"unregistered URL", url.Values{"client_id": {testClientID}, "post_logout_redirect_uri": {"https://evil.example/"}}, ""},
		{"registered URL of the sign-in callback", url.Values{"client_id": {testClientID}, "post_logout_redirect_uri": {testRedirectURI}}, ""},
		{"unregistered URL with hint", url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"https://evil.example/"}}, ""},
		{"URL without client", url.Values{"post_logout_redirect_uri": {testLogoutURI}}, ""},
		{"unknown client", url.Values{"client_id": {"nobody"}, "post_logout_redirect_uri": {testLogoutURI}}, ""},
		{"hint for another client", url.Values{"client_id": {"other"}, "id_token_hint": {idToken}, "post_logout_redirect_uri": {testLogoutURI}}, ""},
		{"forged hint", url.Values{"id_token_hint": {idToken[:len(idToken)-4] + "AAAA"}, "post_logout_redirect_uri": {testLogoutURI}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h.get(t, h.issuer+"oidc/logout?"+tt.q.Encode())
			loc := resp.Header.Get("Location")
			if tt.wantLoc == "" {
				if resp.StatusCode != http.StatusBadRequest || loc != "" {
					t.Errorf("got %d Location %q, want 400 and no redirect", resp.StatusCode, loc)
				}
				return
			}
			if resp.StatusCode != http.StatusFound || loc != tt.wantLoc {
				t.Errorf("got %d Location %q, want 302 to %q; body %s", resp.StatusCode, loc, tt.wantLoc, resp.body)
			}
		})
	}
	if resp := h.get(t, h.issuer+"login/signed-out"); resp.StatusCode != http.StatusOK {
		t.Errorf("signed-out page: status %d", resp.StatusCode)
	}
}
