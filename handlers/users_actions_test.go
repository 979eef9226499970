package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// TestBlockAndUnblock: helpdesk and admin block and unblock with one PATCH carrying only
// "blocked"; the answer is the re-rendered profile and a message (htmx) or a redirect whose page
// shows the message (plain form); one audit event each.
func TestBlockAndUnblock(t *testing.T) {
	for _, persona := range []string{"helpdesk", "admin"} {
		for _, htmx := range []bool{true, false} {
			name := persona + map[bool]string{true: " htmx", false: " form"}[htmx]
			t.Run(name, func(t *testing.T) {
				a := newTestApp(t)
				b := a.signIn(t, persona)
				id := auth0apitest.FixtureBareUserID
				for _, tt := range []struct {
					action, event string
					blocked       bool
					badge, msg    string
				}{
					{"block", "user.block", true, `id="unblock-user"`, "Blocked edsger.dijkstra@example.com"},
					{"unblock", "user.unblock", false, `id="block-user"`, "Unblocked edsger.dijkstra@example.com"},
				} {
					resp, body := post(t, b, userPath(id, "/"+tt.action), nil, htmx)
					expectCalls(t, a, gateCalls(persona, escapedUser(id), "PATCH "+escapedUser(id))...)
					if got := string(lastCall(t, a, http.MethodPatch, "/users/").Body); got != `{"blocked":`+map[bool]string{true: "true", false: "false"}[tt.blocked]+`}` {
						t.Errorf("%s: PATCH body = %s", tt.action, got)
					}
					ev := expectAudit(t, a, tt.event, "success", id)
					if actor, _ := ev["actor"].(map[string]any); !slices.Equal(anyStrings(actor["groups"]), []string{persona}) {
						t.Errorf("audit actor = %v", actor)
					}
					if u, _ := a.Tenant.User(id); (u["blocked"] == true) != tt.blocked {
						t.Errorf("%s: blocked in the tenant = %v", tt.action, u["blocked"])
					}
					if htmx {
						if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, `<div id="user-profile"`) ||
							!strings.Contains(body, tt.badge) || !strings.Contains(body, `hx-swap-oob="innerHTML"`) || !strings.Contains(body, tt.msg) {
							t.Errorf("%s: htmx answer %d:\n%.800s", tt.action, resp.StatusCode, body)
						}
						if strings.Contains(body, `class="fact-value">Blocked<`) != tt.blocked || !strings.Contains(body, `id="chip-status" hx-swap-oob="true"`) {
							t.Errorf("%s: the profile's blocked badge is stale", tt.action)
						}
					} else {
						if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != userPath(id) {
							t.Fatalf("%s: form answer %d to %q", tt.action, resp.StatusCode, resp.Header.Get("Location"))
						}
						_, page := b.get(t, userPath(id))
						if !strings.Contains(page, tt.msg) || !strings.Contains(page, tt.badge) {
							t.Errorf("%s: the next page lacks the message or the new state", tt.action)
						}
					}
				}
			})
		}
	}
}

// TestNoActionsOnYourself: staff cannot block or delete their own account; the refusal is
// audited and nothing is asked of Auth0 (checklist item 43).
func TestNoActionsOnYourself(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	me := staffID("admin")
	for _, tt := range []struct {
		path, event string
		form        url.Values
	}{
		{userPath(me, "/block"), "user.block", nil},
		{userPath(me, "/delete"), "user.delete", url.Values{"confirm": {testAccounts["admin"]}}},
	} {
		resp, body := post(t, b, tt.path, tt.form, true)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "your own account") {
			t.Errorf("POST %s = %d:\n%.400s", tt.path, resp.StatusCode, body)
		}
		expectCalls(t, a)
		expectAudit(t, a, tt.event, "denied", me)
	}
	if _, ok := a.Tenant.User(me); !ok {
		t.Fatal("the admin deleted themselves")
	}
}

// TestPasswordResetLink: a password-change ticket is created for the user with a one-day
// lifetime and shown once; its URL never reaches the logs, the audit trail or the session.
func TestPasswordResetLink(t *testing.T) {
	for _, tc := range []struct {
		persona string
		htmx    bool
	}{{"helpdesk", true}, {"helpdesk", false}, {"admin", true}} {
		htmx := tc.htmx
		a := newTestApp(t)
		b := a.signIn(t, tc.persona)
		id := auth0apitest.FixtureUserID
		resp, body := post(t, b, userPath(id, "/password-reset"), nil, htmx)
		tickets := a.Tenant.Tickets()
		if len(tickets) != 1 {
			t.Fatalf("tickets = %d", len(tickets))
		}
		link := tickets[0].URL
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `value="`+htmlEscape(link)+`"`) || !strings.Contains(body, `id="password-ticket"`) {
			t.Errorf("htmx=%v: answer %d does not show the link:\n%.800s", htmx, resp.StatusCode, body)
		}
		if htmx {
			expectCalls(t, a, gateCalls(tc.persona, escapedUser(id), "POST /tickets/password-change")...)
			if !strings.HasPrefix(body, `<div id="user-notice"`) {
				t.Errorf("htmx answer is not the notice area:\n%.300s", body)
			}
		} else {
			expectCalls(t, a, gateCalls(tc.persona, escapedUser(id), "POST /tickets/password-change", "GET "+escapedUser(id))...)
		}
		var sent map[string]any
		must(t, json.Unmarshal(lastCall(t, a, http.MethodPost, "/tickets").Body, &sent))
		if sent["user_id"] != id || sent["ttl_sec"] != float64(86400) || len(sent) != 2 {
			t.Errorf("ticket request = %v", sent)
		}
		expectAudit(t, a, "user.password_ticket", "success", id)
		token := link[strings.Index(link, "ticket=")+len("ticket="):]
		for what, text := range map[string]string{"audit": a.Audit.String(), "logs": a.Logs.String()} {
			if strings.Contains(text, token) {
				t.Errorf("htmx=%v: the ticket is in the %s", htmx, what)
			}
		}
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Location") != "" {
			t.Errorf("the link's answer may be stored or redirected: %v", resp.Header)
		}
		// Shown once: the next page does not have it.
		_, page := b.get(t, userPath(id))
		if strings.Contains(page, token) {
			t.Error("the link is shown again")
		}
	}
}

// TestVerificationEmail: a verification-email job is asked for, audited, and said.
func TestVerificationEmail(t *testing.T) {
	a := newTestApp(t)
	for _, persona := range []string{"helpdesk", "admin"} {
		b := a.signIn(t, persona)
		id := auth0apitest.FixtureBlockedUserID
		resp, body := post(t, b, userPath(id, "/verification-email"), nil, true)
		expectCalls(t, a, gateCalls(persona, escapedUser(id), "POST /jobs/verification-email")...)
		if got := string(lastCall(t, a, http.MethodPost, "/jobs").Body); got != `{"user_id":"`+id+`"}` {
			t.Errorf("job request = %s", got)
		}
		ev := expectAudit(t, a, "user.verification_email", "success", id)
		details, _ := ev["details"].(map[string]any)
		if job, _ := details["job"].(string); !strings.HasPrefix(job, "job_") {
			t.Errorf("audit details = %v", details)
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Auth0 is sending the verification e-mail") {
			t.Errorf("%s: %d:\n%.500s", persona, resp.StatusCode, body)
		}
	}
	if n := len(a.Tenant.VerificationJobs()); n != 2 {
		t.Errorf("jobs = %d", n)
	}
}

// TestDeleteUser: deleting needs the user's e-mail typed (checked on the server: nothing is
// deleted otherwise), then goes back to the search with a message; each attempt is audited
// once.
func TestDeleteUser(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	id := auth0apitest.FixtureBareUserID
	email := "edsger.dijkstra@example.com"

	// Nothing typed: refused before asking Auth0 for anything but the user (the gate reads it,
	// to compare).
	resp, _ := post(t, b, userPath(id, "/delete"), nil, true)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("empty confirmation = %d", resp.StatusCode)
	}
	expectCalls(t, a, "GET "+escapedUser(id))
	expectAudit(t, a, "user.delete", "failure", id)

	// The wrong text: the user is read to compare, nothing deleted; the form says why.
	for _, htmx := range []bool{true, false} {
		resp, body := post(t, b, userPath(id, "/delete"), url.Values{"confirm": {"edsger@example.com"}}, htmx)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="error-confirm"`) ||
			!strings.Contains(body, `<details class="danger-zone" id="delete-zone" open>`) || inputValue(t, body, "confirm") != "edsger@example.com" {
			t.Errorf("htmx=%v: wrong confirmation = %d:\n%.600s", htmx, resp.StatusCode, body)
		}
		expectCalls(t, a, "GET "+escapedUser(id))
		expectAudit(t, a, "user.delete", "failure", id)
	}

	// The right text (surrounding spaces do not matter).
	resp, _ = post(t, b, userPath(id, "/delete"), url.Values{"confirm": {"  " + email + " "}}, true)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("HX-Redirect") != "/users" {
		t.Errorf("delete = %d, HX-Redirect %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
	}
	expectCalls(t, a, "GET "+escapedUser(id), "DELETE "+escapedUser(id))
	expectAudit(t, a, "user.delete", "success", id)
	if _, ok := a.Tenant.User(id); ok {
		t.Error("the user still exists")
	}
	_, page := b.get(t, "/users")
	if !strings.Contains(page, "Deleted "+email+".") {
		t.Error("the search page does not say the user was deleted")
	}

	// Already gone: a 404 page, nothing deleted.
	resp, body := post(t, b, userPath(id, "/delete"), url.Values{"confirm": {email}}, false)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "No such user") {
		t.Errorf("deleting a deleted user = %d", resp.StatusCode)
	}
	expectCalls(t, a, "GET "+escapedUser(id))

	// A user without an e-mail address is confirmed by id; a plain form goes back with a 303.
	noEmail := "sms|+15550001111"
	a.Tenant.PutUser(map[string]any{"user_id": noEmail, "phone_number": "+15550001111"})
	resp, _ = post(t, b, userPath(noEmail, "/delete"), url.Values{"confirm": {noEmail}}, false)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/users" {
		t.Errorf("delete by id = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, ok := a.Tenant.User(noEmail); ok {
		t.Error("the user without e-mail still exists")
	}
}

// TestActionsOnAMissingUser: an action on a user Auth0 does not know says so in words.
func TestActionsOnAMissingUser(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	resp, body := post(t, b, "/users/auth0%7Cgone/block", nil, true)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "There is no user with the id auth0|gone") || resp.Header.Get("HX-Retarget") != "#flash" {
		t.Errorf("block a missing user = %d (%s):\n%.400s", resp.StatusCode, resp.Header.Get("HX-Retarget"), body)
	}
	expectAudit(t, a, "user.block", "failure", "auth0|gone")
	// A bad id is refused before any call (the gate's CSRF check passed).
	resp, _ = post(t, b, "/users/..%2Fclients/block", nil, true)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("block a bad id = %d", resp.StatusCode)
	}
	expectCalls(t, a)
	expectAudit(t, a, "user.block", "failure", "..%2Fclients")
}
