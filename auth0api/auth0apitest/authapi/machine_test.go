package authapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"
)

const (
	testM2MID     = "m2m"
	testM2MSecret = "m2m-secret"
	testAudience  = "https://tenant.example/api/v2/"
)

// testMachine is a Config.Machine with one client that has a grant for the Management API.
func testMachine(_ context.Context, id, secret, audience string) (MachineToken, error) {
	if id != testM2MID || secret != testM2MSecret {
		return MachineToken{}, ErrUnauthorized
	}
	switch audience {
	case testAudience:
		return MachineToken{AccessToken: "mgmt-token", Scopes: []string{"read:users", "update:users"}}, nil
	case "https://api.example/":
		return MachineToken{}, ErrNoClientGrant
	case "teapot":
		return MachineToken{}, &TokenError{Status: http.StatusTeapot, Code: "too_many_requests", Description: "slow down"}
	case "broken":
		return MachineToken{}, errors.New("directory on fire")
	}
	return MachineToken{}, ErrServiceNotEnabled
}

// TestClientCredentials checks Auth0's answers to the client-credentials grant.
func TestClientCredentials(t *testing.T) {
	h := newHarness(t, "/tenant", func(c *Config) { c.Machine = testMachine })
	tokenURL := h.issuer + "oauth/token"
	good := map[string]string{"grant_type": "client_credentials", "client_id": testM2MID, "client_secret": testM2MSecret, "audience": testAudience}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	const okBody = `{"access_token":"mgmt-token","expires_in":86400,"scope":"read:users update:users","token_type":"Bearer"}`
	tests := []struct {
		name       string
		body       map[string]string
		json       bool
		basic      bool
		wantStatus int
		wantBody   string
	}{
		{"form", good, false, false, 200, okBody},
		{"json", good, true, false, 200, okBody},
		{"basic", good, false, true, 200, okBody},
		{"json with basic", good, true, true, 200, okBody},
		{"wrong secret", with("client_secret", "nope"), true, false, 401, `{"error":"access_denied","error_description":"Unauthorized"}`},
		{"unknown client", with("client_id", "nobody"), false, false, 401, `{"error":"access_denied","error_description":"Unauthorized"}`},
		{"unknown audience", with("audience", "https://elsewhere.example/api/v2/"), true, false, 403,
			`{"error":"access_denied","error_description":"Service not enabled within domain: https://elsewhere.example/api/v2/"}`},
		{"no client grant", with("audience", "https://api.example/"), true, false, 403,
			`{"error":"access_denied","error_description":"Client is not authorized to access \"https://api.example/\". You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"}`},
		{"custom error", with("audience", "teapot"), true, false, 418, `{"error":"too_many_requests","error_description":"slow down"}`},
		{"machine failure", with("audience", "broken"), true, false, 500, `{"error":"server_error","error_description":"Internal error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			var user, pass string
			if tt.basic {
				body = with("client_id", "")
				delete(body, "client_id")
				delete(body, "client_secret")
				user, pass = tt.body["client_id"], tt.body["client_secret"]
			}
			var resp *response
			if tt.json {
				resp = h.postJSON(t, tokenURL, body, user, pass)
			} else {
				form := url.Values{}
				for k, v := range body {
					form.Set(k, v)
				}
				req := newFormRequest(t, tokenURL, form)
				if user != "" {
					req.SetBasicAuth(user, pass)
				}
				resp = h.do(t, req)
			}
			if resp.StatusCode != tt.wantStatus || resp.body != tt.wantBody {
				t.Errorf("got %d %s\nwant %d %s", resp.StatusCode, resp.body, tt.wantStatus, tt.wantBody)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", cc)
			}
		})
	}

	if logs := h.logs.String(); !strings.Contains(logs, "directory on fire") {
		t.Errorf("the Machine failure was not logged: %q", logs)
	}

	t.Run("x/oauth2 clientcredentials", func(t *testing.T) {
		cc := clientcredentials.Config{
			ClientID: testM2MID, ClientSecret: testM2MSecret, TokenURL: tokenURL,
			EndpointParams: url.Values{"audience": {testAudience}},
		}
		tok, err := cc.Token(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if tok.AccessToken != "mgmt-token" || tok.TokenType != "Bearer" || tok.Extra("scope") != "read:users update:users" {
			t.Errorf("token: %+v scope %v", tok, tok.Extra("scope"))
		}
	})
}

// TestClientCredentialsWithoutMachine checks the grant is refused when no Machine is set.
func TestClientCredentialsWithoutMachine(t *testing.T) {
	h := newHarness(t, "", nil)
	resp := h.postForm(t, h.issuer+"oauth/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testClientSecret},
	})
	if e := oauthErrorOf(t, resp); resp.StatusCode != http.StatusBadRequest || e.Error != "unsupported_grant_type" {
		t.Errorf("got %d %q, want 400 unsupported_grant_type", resp.StatusCode, e.Error)
	}
}
