package auth0api_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
)

// TestSendPasswordResetEmail: the request goes to the Authentication API beside the
// Management API (BaseURL's prefix, before /api/v2), with the JSON body, no bearer token and
// the client's usual headers; Auth0's plain-text 200 is success.
func TestSendPasswordResetEmail(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("We've just sent you an email to reset your password."))
	})
	c := newClient(t, srv.URL+"/tenant")
	err := c.SendPasswordResetEmail(t.Context(), auth0api.PasswordResetEmail{
		ClientID: "cid", Email: "ada@example.com", Connection: "Username-Password-Authentication",
	})
	if err != nil {
		t.Fatalf("SendPasswordResetEmail: %v", err)
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/tenant/dbconnections/change_password" {
		t.Errorf("request %s %s, want POST /tenant/dbconnections/change_password", r.Method, r.Path)
	}
	if !sameJSON(t, r.Body, []byte(`{"client_id":"cid","email":"ada@example.com","connection":"Username-Password-Authentication"}`)) {
		t.Errorf("body %s", r.Body)
	}
	if got := r.Header.Get("Authorization"); got != "" {
		t.Errorf("the Management API token went to the Authentication API: %q", got)
	}
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Auth0-Client") == "" {
		t.Errorf("headers %v", r.Header)
	}
}

// TestSendPasswordResetEmailBase: the Authentication API's base comes from the domain, from
// BaseURL, or from AuthenticationURL; a malformed one is refused by New.
func TestSendPasswordResetEmailBase(t *testing.T) {
	if _, err := auth0api.New(auth0api.Config{Domain: "acme.eu.auth0.com", Token: "t", AuthenticationURL: "ftp://x"}); err == nil {
		t.Error("New accepted an ftp AuthenticationURL")
	}
	srv := newServer(t, reply(http.StatusOK, ""))
	c, err := auth0api.New(auth0api.Config{BaseURL: "https://unused.example/api/v2", Token: "t", AuthenticationURL: srv.URL + "/auth/"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendPasswordResetEmail(t.Context(), auth0api.PasswordResetEmail{ClientID: "c", Email: "e@example.com", Connection: "db"}); err != nil {
		t.Fatal(err)
	}
	if reqs := srv.requests(); len(reqs) != 1 || reqs[0].Path != "/auth/dbconnections/change_password" {
		t.Errorf("requests %+v, want one to /auth/dbconnections/change_password", reqs)
	}
}

// TestSendPasswordResetEmailErrors: missing fields are refused without a request; Auth0's
// Authentication API errors ({"error","error_description"}) become *Error values.
func TestSendPasswordResetEmailErrors(t *testing.T) {
	srv := newServer(t, reply(http.StatusBadRequest, `{"error":"invalid_request","error_description":"connection not found"}`))
	c := newClient(t, srv.URL)
	for _, e := range []auth0api.PasswordResetEmail{
		{Email: "e@example.com", Connection: "db"},
		{ClientID: "c", Connection: "db"},
		{ClientID: "c", Email: "e@example.com"},
	} {
		if err := c.SendPasswordResetEmail(t.Context(), e); err == nil {
			t.Errorf("%+v was not refused", e)
		}
	}
	if n := len(srv.requests()); n != 0 {
		t.Fatalf("%d requests for refused calls", n)
	}
	err := c.SendPasswordResetEmail(t.Context(), auth0api.PasswordResetEmail{ClientID: "c", Email: "e@example.com", Connection: "nope"})
	var a0 *auth0api.Error
	if !errors.As(err, &a0) || a0.StatusCode != http.StatusBadRequest || a0.Message != "connection not found" || !errors.Is(err, auth0api.ErrBadRequest) {
		t.Errorf("error %v, want Auth0's 400 with its description", err)
	}
	if !strings.Contains(err.Error(), "POST /dbconnections/change_password") {
		t.Errorf("error %q does not name the endpoint", err)
	}
}

// TestSendPasswordResetEmailOnEmulatedTenant: the emulated tenant records what was asked for.
func TestSendPasswordResetEmailOnEmulatedTenant(t *testing.T) {
	tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{})
	c, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: tn.Token()})
	if err != nil {
		t.Fatal(err)
	}
	err = c.SendPasswordResetEmail(t.Context(), auth0api.PasswordResetEmail{
		ClientID: auth0apitest.TestClientID, Email: "ada.lovelace@example.com", Connection: auth0apitest.DatabaseConnection,
	})
	if err != nil {
		t.Fatalf("SendPasswordResetEmail: %v", err)
	}
	got := tn.PasswordResetEmails()
	if len(got) != 1 || got[0].UserID != auth0apitest.FixtureUserID || got[0].Email != "ada.lovelace@example.com" ||
		got[0].ClientID != auth0apitest.TestClientID || got[0].Connection != auth0apitest.DatabaseConnection {
		t.Errorf("the tenant recorded %+v", got)
	}
}
