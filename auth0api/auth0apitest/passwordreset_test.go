package auth0apitest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// postChangePassword sends POST /dbconnections/change_password with a JSON body (or a form
// when form is set) and returns the status and body.
func postChangePassword(t *testing.T, base string, body map[string]string, form bool) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	ct := "application/json"
	if form {
		v := url.Values{}
		for k, x := range body {
			v.Set(k, x)
		}
		rd, ct = strings.NewReader(v.Encode()), "application/x-www-form-urlencoded"
	} else {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	resp, err := http.Post(base+"/dbconnections/change_password", ct, rd)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestChangePassword: the Authentication API's password-reset e-mail answers Auth0's plain
// 200 for a known client and database connection, whether or not the address has a user (no
// account enumeration), records what was asked for, and refuses what Auth0 refuses.
func TestChangePassword(t *testing.T) {
	tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{
		Clients: []auth0apitest.Client{{ID: "app", Secret: "s", RedirectURIs: []string{"http://localhost/cb"}}},
	})
	ok := map[string]string{"client_id": "app", "email": "ADA.lovelace@example.com", "connection": auth0apitest.DatabaseConnection}
	status, body, h := postChangePassword(t, srv.URL, ok, false)
	if status != http.StatusOK || body != "We've just sent you an email to reset your password." || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("known user: %d %q (%s)", status, body, h.Get("Content-Type"))
	}
	nobody := map[string]string{"client_id": auth0apitest.TestClientID, "email": "nobody@example.com", "connection": auth0apitest.DatabaseConnection}
	if status, body, _ := postChangePassword(t, srv.URL, nobody, true); status != http.StatusOK || !strings.Contains(body, "We've just sent you an email") {
		t.Errorf("unknown address (form): %d %q, want the same 200", status, body)
	}
	got := tn.PasswordResetEmails()
	if len(got) != 2 || got[0].UserID != auth0apitest.FixtureUserID || got[0].ClientID != "app" || got[0].Email != "ADA.lovelace@example.com" ||
		got[1].UserID != "" || got[1].Email != "nobody@example.com" {
		t.Errorf("recorded %+v", got)
	}
	if len(tn.Calls()) != 0 {
		t.Errorf("Management API calls recorded for the Authentication API: %v", tn.Calls())
	}

	for _, tc := range []struct {
		name   string
		edit   func(map[string]string)
		status int
		want   string
	}{
		{"no client", func(m map[string]string) { delete(m, "client_id") }, 400, "client_id"},
		{"unknown client", func(m map[string]string) { m["client_id"] = "nope" }, 401, "Unknown client"},
		{"no email", func(m map[string]string) { delete(m, "email") }, 400, "email"},
		{"no connection", func(m map[string]string) { delete(m, "connection") }, 400, "connection"},
		{"unknown connection", func(m map[string]string) { m["connection"] = "nope" }, 400, "connection not found"},
		{"social connection", func(m map[string]string) { m["connection"] = auth0apitest.SocialConnection }, 400, "not a database connection"},
	} {
		m := map[string]string{}
		for k, v := range ok {
			m[k] = v
		}
		tc.edit(m)
		status, body, _ := postChangePassword(t, srv.URL, m, false)
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if status != tc.status || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" || !strings.Contains(e.Description, tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", tc.name, status, body, tc.status, tc.want)
		}
	}
	if n := len(tn.PasswordResetEmails()); n != 2 {
		t.Errorf("refused requests were recorded: %d", n)
	}
	resp, err := http.Get(srv.URL + "/dbconnections/change_password")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET = %d, want 404", resp.StatusCode)
	}

	// Faults apply, under the endpoint's name.
	tn.Fail("POST /dbconnections/change_password", auth0apitest.Fault{Status: http.StatusTooManyRequests, Times: 1})
	if status, _, _ := postChangePassword(t, srv.URL, ok, false); status != http.StatusTooManyRequests {
		t.Errorf("with a 429 fault: %d", status)
	}
}
