package handlers

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// TestSendPasswordResetEmail: helpdesk and admin ask Auth0 to e-mail a database user a
// password-reset link. The user is read (one GET with the fields needed), Auth0's
// Authentication API is asked once with the configured application, the user's address and
// connection, and the answer says it is on its way; one audit event, with no link anywhere.
func TestSendPasswordResetEmail(t *testing.T) {
	for _, tc := range []struct {
		persona string
		htmx    bool
	}{{"helpdesk", true}, {"helpdesk", false}, {"admin", true}} {
		name := tc.persona + map[bool]string{true: " htmx", false: " form"}[tc.htmx]
		t.Run(name, func(t *testing.T) {
			a := newTestApp(t, func(o *appOptions) {
				o.config = func(c *Config) { c.PasswordResetClientID = auth0apitest.TestClientID }
			})
			b := a.signIn(t, tc.persona)
			id := auth0apitest.FixtureUserID
			resp, body := post(t, b, userPath(id, "/password-reset-email"), nil, tc.htmx)
			expectCalls(t, a, gateCalls(tc.persona, escapedUser(id), "GET "+escapedUser(id))...)
			if q := firstCall(t, a, http.MethodGet, "/users/").Query.Get("fields"); q != "email,identities,name,user_id" {
				t.Errorf("the user was read with fields=%q", q)
			}
			sent := a.Tenant.PasswordResetEmails()
			if len(sent) != 1 || sent[0].ClientID != auth0apitest.TestClientID || sent[0].Email != "ada.lovelace@example.com" ||
				sent[0].Connection != auth0apitest.DatabaseConnection || sent[0].UserID != id || len(sent[0].Body) != 3 {
				t.Fatalf("password-reset e-mails asked for: %+v", sent)
			}
			ev := expectAudit(t, a, "user.password_reset_email", "success", id)
			if d, _ := ev["details"].(map[string]any); d["connection"] != auth0apitest.DatabaseConnection || d["client_id"] != auth0apitest.TestClientID {
				t.Errorf("audit details = %v", ev["details"])
			}
			const msg = "Auth0 is e-mailing ada.lovelace@example.com a link to choose a new password."
			if tc.htmx {
				if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, `<div id="user-notice"`) || !strings.Contains(body, msg) {
					t.Errorf("htmx answer %d:\n%.600s", resp.StatusCode, body)
				}
			} else {
				if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != userPath(id) {
					t.Fatalf("form answer %d to %q", resp.StatusCode, resp.Header.Get("Location"))
				}
				if _, page := b.get(t, userPath(id)); !strings.Contains(page, msg) {
					t.Error("the next page does not say the e-mail is on its way")
				}
			}
		})
	}
}

// TestSendPasswordResetEmailDefaultsToTheDashboardsApplication: without a setting, the e-mail
// uses the dashboard's own OIDC application.
func TestSendPasswordResetEmailDefaultsToTheDashboardsApplication(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	post(t, b, userPath(auth0apitest.FixtureUserID, "/password-reset-email"), nil, true)
	if sent := a.Tenant.PasswordResetEmails(); len(sent) != 1 || sent[0].ClientID != testClientID {
		t.Errorf("sent %+v, want one with the dashboard's client %s", sent, testClientID)
	}
}

// TestSendPasswordResetEmailRefusals: a user without a password (social), or without an
// e-mail address, is refused in plain words after the read, before Auth0 is asked; an Auth0
// refusal is shown in plain words; a missing user is named. Each is audited once.
func TestSendPasswordResetEmailRefusals(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	const noEmail = "auth0|noemail0000000001"
	a.Tenant.PutUser(map[string]any{"user_id": noEmail, "name": "No Mail",
		"identities": []any{map[string]any{"connection": auth0apitest.DatabaseConnection, "provider": "auth0", "user_id": "noemail0000000001", "isSocial": false}}})
	for _, tc := range []struct {
		name, id string
		fault    *auth0apitest.Fault
		status   int
		want     string
	}{
		{"social user", auth0apitest.FixtureSocialUserID, nil, http.StatusConflict, "signs in through google-oauth2"},
		{"enterprise user", auth0apitest.FixtureEnterpriseUserID, nil, http.StatusConflict, "Only users of a database connection"},
		{"no e-mail address", noEmail, nil, http.StatusConflict, "has no e-mail address"},
		{"missing user", "auth0|nosuchuser000000001", nil, http.StatusNotFound, "There is no user with the id auth0|nosuchuser000000001"},
		{"Auth0 refuses", auth0apitest.FixtureUserID, &auth0apitest.Fault{Status: http.StatusBadRequest,
			Body: `{"error":"invalid_request","error_description":"The connection is not enabled for this client."}`}, http.StatusBadRequest,
			"The connection is not enabled for this client."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != nil {
				a.Tenant.Fail("POST /dbconnections/change_password", *tc.fault)
				defer a.Tenant.ClearFaults()
			}
			before := len(a.Tenant.PasswordResetEmails())
			resp, body := post(t, b, userPath(tc.id, "/password-reset-email"), nil, true)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) || resp.Header.Get("HX-Retarget") != "#flash" {
				t.Errorf("answer %d (%s):\n%.500s", resp.StatusCode, resp.Header.Get("HX-Retarget"), body)
			}
			if tc.status == http.StatusNotFound {
				// The gate's two reads go at once and the first 404 cancels the other: one or
				// both reach the tenant, nothing else.
				for _, c := range mgmtCalls(a) {
					if !slices.Contains(gateCalls("helpdesk", escapedUser(tc.id), "GET "+escapedUser(tc.id)), c) {
						t.Errorf("unexpected call %s", c)
					}
				}
			} else {
				expectCalls(t, a, gateCalls("helpdesk", escapedUser(tc.id), "GET "+escapedUser(tc.id))...)
			}
			if after := len(a.Tenant.PasswordResetEmails()); after != before {
				t.Errorf("an e-mail was sent")
			}
			expectAudit(t, a, "user.password_reset_email", "failure", tc.id)
		})
	}
}

// TestPasswordResetEmailButton: the user page offers the e-mail to helpdesk and admin for a
// database user with an address, beside the link; never to a viewer, nor for a social user.
func TestPasswordResetEmailButton(t *testing.T) {
	a := newTestApp(t)
	for _, tc := range []struct {
		persona, id string
		want        bool
	}{
		{"helpdesk", auth0apitest.FixtureUserID, true},
		{"admin", auth0apitest.FixtureUserID, true},
		{"viewer", auth0apitest.FixtureUserID, false},
		{"helpdesk", auth0apitest.FixtureSocialUserID, false},
	} {
		b := a.signIn(t, tc.persona)
		_, page := b.get(t, userPath(tc.id))
		if got := strings.Contains(page, `id="password-reset-email"`); got != tc.want {
			t.Errorf("%s on %s: button shown = %v, want %v", tc.persona, tc.id, got, tc.want)
		}
		if tc.want && !strings.Contains(page, `hx-post="`+userPath(tc.id, "/password-reset-email")+`"`) {
			t.Errorf("%s: the button does not post to the route", tc.persona)
		}
	}
}
