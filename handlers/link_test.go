package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
	"userdesk/policy"
)

// Tests of linked accounts and MFA enrollment invitations (issue 12), and of marking an e-mail
// address verified.

// sendChange sends a change the way htmx does (CSRF header, same origin), with form as its body.
func sendChange(t *testing.T, b *browser, method, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	token := b.csrfToken(t)
	reset(b.app)
	headers := append([]string{"HX-Request", "true", "X-CSRF-Token", token}, b.sameOriginHeaders()...)
	return b.send(t, method, path, form, headers...)
}

// wantNoChanges fails if anything but reads was asked of the tenant.
func wantNoChanges(t *testing.T, a *testApp) {
	t.Helper()
	if changes := managementChanges(a); len(changes) != 0 {
		t.Errorf("changes asked of Auth0: %q", changes)
	}
}

// TestLinkAccounts: the admin finds Hedy's Google account from her database account, sees both
// profiles with what merges and what is lost, and links it: one POST /users/{id}/identities
// naming the secondary, audited with it; the secondary is then no user of its own.
func TestLinkAccounts(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	primary, secondary := auth0apitest.FixtureDuplicateUserID, auth0apitest.FixtureDuplicateSocialUserID

	// The Profile tab offers it.
	_, page := b.get(t, userPath(primary))
	if !strings.Contains(page, `id="link-zone"`) || !strings.Contains(page, "Link another account") {
		t.Fatal("the admin's user page does not offer linking")
	}

	// The search finds the other account by its address, never the user itself.
	resp, body := htmxGet(t, b, userPath(primary, "/link/candidates")+"?"+url.Values{"q": {"hedy.lamarr@example.com"}}.Encode())
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-user-id="`+secondary+`"`) || strings.Contains(body, `data-user-id="`+primary+`"`) {
		t.Fatalf("candidates = %d:\n%.800s", resp.StatusCode, body)
	}

	// The confirmation shows both profiles and what is kept, merged and lost.
	reset(a)
	resp, body = htmxGet(t, b, userPath(primary, "/link/confirm")+"?"+url.Values{"secondary": {secondary}}.Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirmation = %d:\n%.800s", resp.StatusCode, body)
	}
	for _, want := range []string{`id="link-primary"`, `id="link-secondary"`, "Kept:", "Merged:", "Lost:", secondary, primary,
		"no longer a user of its own", `id="link-submit"`, `name="secondary" value="` + htmlEscape(secondary) + `"`} {
		if !strings.Contains(body, htmlEscape(want)) && !strings.Contains(body, want) {
			t.Errorf("the confirmation lacks %q", want)
		}
	}
	wantNoChanges(t, a)
	if len(a.auditEvents(t)) != 0 {
		t.Error("the confirmation wrote audit events")
	}

	// Linking.
	resp, body = sendChange(t, b, http.MethodPost, userPath(primary, "/identities"), url.Values{"secondary": {secondary}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Linked") {
		t.Fatalf("link = %d:\n%.800s", resp.StatusCode, body)
	}
	expectCalls(t, a, "GET "+escapedUser(primary), "GET "+escapedUser(secondary), "POST "+escapedUser(primary)+"/identities")
	var sent map[string]any
	must(t, json.Unmarshal(lastCall(t, a, http.MethodPost, "/users/").Body, &sent))
	if sent["provider"] != "google-oauth2" || sent["user_id"] != secondary || len(sent) != 2 {
		t.Errorf("link request = %v", sent)
	}
	ev := expectAudit(t, a, "user.identity.link", "success", primary)
	if d := auditDetails(ev); d["secondary_user_id"] != secondary || d["provider"] != "google-oauth2" {
		t.Errorf("audit details = %v", d)
	}
	if _, ok := a.Tenant.User(secondary); ok {
		t.Error("the secondary is still a user of its own")
	}
	u, _ := a.Tenant.User(primary)
	if ids, _ := u["identities"].([]any); len(ids) != 2 {
		t.Errorf("primary identities = %v", u["identities"])
	}
	if !strings.Contains(body, "identity-unlink") {
		t.Error("the answer's profile does not offer to unlink the new identity")
	}
}

// TestLinkRefusals: the accounts Auth0 or userdesk will not link are refused before any change:
// the user itself, an account with linked accounts of its own, one whose address is not verified
// (or into one whose address is not), a malformed id.
func TestLinkRefusals(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	primary := auth0apitest.FixtureDuplicateUserID
	unverified := auth0apitest.FixtureBlockedUserID // Charles: his address is not verified
	for _, tc := range []struct {
		name, secondary string
		status          int
		says            string
	}{
		{"itself", primary, http.StatusConflict, "same user"},
		{"linked accounts of its own", auth0apitest.FixtureLinkedUserID, http.StatusConflict, "linked accounts of its own"},
		{"address not verified", unverified, http.StatusConflict, "not verified"},
		{"not a user id", "nobody", http.StatusBadRequest, "not a user id"},
		{"none", "", http.StatusBadRequest, "not a user id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := sendChange(t, b, http.MethodPost, userPath(primary, "/identities"), url.Values{"secondary": {tc.secondary}})
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.says) {
				t.Errorf("link = %d, want %d saying %q:\n%.600s", resp.StatusCode, tc.status, tc.says, body)
			}
			wantNoChanges(t, a)
			ev := wantOneChange(t, a.auditEvents(t), "user.identity.link", auditOutcome(tc.status))
			if auditDetails(ev)["secondary_user_id"] != tc.secondary {
				t.Errorf("audit details = %v", ev["details"])
			}
		})
	}
	// Into an account whose own address is not verified.
	resp, body := sendChange(t, b, http.MethodPost, userPath(unverified, "/identities"), url.Values{"secondary": {auth0apitest.FixtureDuplicateSocialUserID}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "account it would join is not verified") {
		t.Errorf("link into an unverified account = %d:\n%.600s", resp.StatusCode, body)
	}
	wantNoChanges(t, a)
	wantOneChange(t, a.auditEvents(t), "user.identity.link", "denied")

	// The confirmation says why instead of offering the button.
	_, body = htmxGet(t, b, userPath(primary, "/link/confirm")+"?"+url.Values{"secondary": {unverified}}.Encode())
	if !strings.Contains(body, `id="link-refused"`) || strings.Contains(body, `id="link-submit"`) {
		t.Errorf("the confirmation of an unverified account offers to link it:\n%.600s", body)
	}
}

// auditOutcome is the outcome a refusal with this status is audited with: a rule's refusal is
// denied; invalid input a failure.
func auditOutcome(status int) string {
	if status == http.StatusBadRequest {
		return "failure"
	}
	return "denied"
}

// linkPolicy gives the regional helpdesk the link action within its reach (EMEA users), with
// tenant-admin protected and no manage_staff (the viewer group makes userdesk-viewer a staff role).
const linkPolicy = `
groups:
  - name: admin
    members: [userdesk-admin]
    actions: [view, view_raw, view_logs, block, unlock, send_emails, reset_mfa, end_sessions,
              write_auth_methods, create, edit, delete, link, assign_roles, assign_permissions,
              export, manage_staff, staff_sessions, audit, policy]
  - name: viewer
    members: [userdesk-viewer]
    actions: [view]
  - name: emea
    members: [userdesk-helpdesk-emea]
    actions: [view, view_logs, link]
    reach:
      users: 'app_metadata.region:"emea"'
    protected_roles: [tenant-admin]
`

// TestLinkSecondTarget: the gate applies the link action's rules to the account merged in as
// to the user it is merged into: outside the person's reach it does not exist (404), a protected
// user or a staff account is refused (403), oneself is refused (409), each with no change asked
// of Auth0 and one denied event under the first user naming the second. An account within the
// rules links.
func TestLinkSecondTarget(t *testing.T) {
	p, err := policy.Load([]byte(linkPolicy), "link")
	must(t, err)
	a := newTestApp(t, func(o *appOptions) { o.config = func(c *Config) { c.Policy = p } })
	b := a.signIn(t, "emea")
	primary := matrixUser(t, a, "emea", "in reach")
	for _, tc := range []struct {
		kind   string
		status int
		rule   string
	}{
		{"out of reach", http.StatusNotFound, "reach"},
		{"protected", http.StatusForbidden, "protected"},
		{"staff", http.StatusForbidden, "staff"},
		{"self", http.StatusConflict, ""},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			second := matrixUser(t, a, "emea", tc.kind)
			for _, confirm := range []bool{false, true} {
				var resp *http.Response
				var body string
				event := "user.identity.link"
				if confirm {
					reset(a)
					resp, body = htmxGet(t, b, userPath(primary, "/link/confirm")+"?"+url.Values{"secondary": {second}}.Encode())
					event = "denied.link"
				} else {
					resp, body = sendChange(t, b, http.MethodPost, userPath(primary, "/identities"), url.Values{"secondary": {second}})
				}
				if resp.StatusCode != tc.status {
					t.Fatalf("confirm=%v: status = %d, want %d:\n%.600s", confirm, resp.StatusCode, tc.status, body)
				}
				if tc.status == http.StatusNotFound && !strings.Contains(body, "No such user") {
					t.Errorf("out of reach does not say there is no such user:\n%.400s", body)
				}
				if strings.Contains(body, "link-submit") {
					t.Error("the refusal offers to link")
				}
				wantNoChanges(t, a)
				ev := wantOneChange(t, a.auditEvents(t), event, "denied")
				d := auditDetails(ev)
				if ev["target"] != primary || d["secondary_user_id"] != second || (tc.rule != "" && d["rule"] != tc.rule) {
					t.Errorf("confirm=%v: audit = %v", confirm, ev)
				}
			}
			if _, ok := a.Tenant.User(second); !ok && tc.kind != "self" {
				t.Error("the refused account was linked")
			}
		})
	}
	t.Run("within the rules", func(t *testing.T) {
		second := matrixUser(t, a, "emea", "in reach")
		resp, body := sendChange(t, b, http.MethodPost, userPath(primary, "/identities"), url.Values{"secondary": {second}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("link = %d:\n%.600s", resp.StatusCode, body)
		}
		if changes := managementChanges(a); !slices.Equal(changes, []string{"POST " + escapedUser(primary) + "/identities"}) {
			t.Errorf("changes = %q", changes)
		}
		expectAudit(t, a, "user.identity.link", "success", primary)
	})
	t.Run("first user out of reach", func(t *testing.T) {
		first, second := matrixUser(t, a, "emea", "out of reach"), matrixUser(t, a, "emea", "in reach")
		resp, _ := sendChange(t, b, http.MethodPost, userPath(first, "/identities"), url.Values{"secondary": {second}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("status = %d, want 404", resp.StatusCode)
		}
		wantNoChanges(t, a)
		for _, c := range mgmtCalls(a) {
			if strings.Contains(c, url.PathEscape(second)) {
				t.Errorf("the second user was read although the first was refused: %s", c)
			}
		}
	})
}

// TestLinkNeedsStepUp: with a sign-in older than the step-up age, linking and unlinking are not
// done: the person is sent to sign in again.
func TestLinkNeedsStepUp(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	a.staleAuth()
	for _, tc := range []struct {
		method, path string
		form         url.Values
	}{
		{http.MethodPost, userPath(auth0apitest.FixtureDuplicateUserID, "/identities"), url.Values{"secondary": {auth0apitest.FixtureDuplicateSocialUserID}}},
		{http.MethodDelete, userPath(auth0apitest.FixtureLinkedUserID, "/identities/github/5012345"), nil},
	} {
		resp, _ := sendChange(t, b, tc.method, tc.path, tc.form)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s = %d, want 401", tc.method, tc.path, resp.StatusCode)
		}
		wantStepUpRedirect(t, a, resp.Header.Get("HX-Redirect"))
		wantNoChanges(t, a)
	}
}

// TestUnlinkIdentity: the admin unlinks Katherine's Google identity from her Profile tab, whose
// confirmation says it becomes a user of its own again: one DELETE of that identity, audited; the
// identity is then a user of its own. Her own identity and one she does not have are refused.
func TestUnlinkIdentity(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	id := auth0apitest.FixtureLinkedUserID
	_, page := b.get(t, userPath(id))
	if n := strings.Count(page, `class="secondary outline small identity-unlink"`); n != 2 {
		t.Errorf("Unlink buttons = %d, want 2 (Google and GitHub, not her own)", n)
	}
	if !strings.Contains(page, htmlEscape("It becomes a user of its own again (google-oauth2|109876543210987654321)")) {
		t.Error("the unlink confirmation does not say the identity becomes a user of its own")
	}

	resp, body := sendChange(t, b, http.MethodDelete, userPath(id, "/identities/google-oauth2/109876543210987654321"), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "user of its own again") {
		t.Fatalf("unlink = %d:\n%.800s", resp.StatusCode, body)
	}
	expectCalls(t, a, "GET "+escapedUser(id), "DELETE "+escapedUser(id)+"/identities/google-oauth2/109876543210987654321")
	ev := expectAudit(t, a, "user.identity.unlink", "success", id)
	if d := auditDetails(ev); d["provider"] != "google-oauth2" || d["secondary_user_id"] != "google-oauth2|109876543210987654321" {
		t.Errorf("audit details = %v", d)
	}
	if _, ok := a.Tenant.User("google-oauth2|109876543210987654321"); !ok {
		t.Error("the unlinked identity is not a user of its own")
	}
	if strings.Contains(body, "109876543210987654321</") && strings.Count(body, "identity-unlink") != 1 {
		t.Errorf("the answer's profile still shows the unlinked identity")
	}

	for _, tc := range []struct {
		name, path string
		status     int
	}{
		{"her own identity", "/identities/auth0/64a1b2c3d4e5f60718293a4e", http.StatusConflict},
		{"unlinked already", "/identities/google-oauth2/109876543210987654321", http.StatusNotFound},
	} {
		resp, body := sendChange(t, b, http.MethodDelete, userPath(id, tc.path), nil)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status = %d, want %d:\n%.400s", tc.name, resp.StatusCode, tc.status, body)
		}
		wantNoChanges(t, a)
		wantOneChange(t, a.auditEvents(t), "user.identity.unlink", "failure")
	}
}

// TestEnrollmentInvitation: the helpdesk invites Ada to enroll MFA by Auth0's e-mail (the ticket
// asked with send_mail, nothing secret in the answer), or with a link shown once: in that answer
// only (not cached), never in the logs, the audit trail or a later page.
func TestEnrollmentInvitation(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	id := auth0apitest.FixtureUserID
	_, section := htmxGet(t, b, userPath(id, "/factors"))
	if !strings.Contains(section, `id="enrollment-email"`) || !strings.Contains(section, `id="enrollment-link"`) {
		t.Fatalf("the factors section does not offer the invitation:\n%.600s", section)
	}

	// By e-mail.
	resp, body := sendChange(t, b, http.MethodPost, userPath(id, "/enrollment-invitation"), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "e-mailing ada.lovelace@example.com") {
		t.Fatalf("e-mail invitation = %d:\n%.600s", resp.StatusCode, body)
	}
	if changes := managementChanges(a); !slices.Equal(changes, []string{"POST /guardian/enrollments/ticket"}) {
		t.Errorf("changes = %q", changes)
	}
	if got := string(lastCall(t, a, http.MethodPost, "/guardian").Body); got != `{"user_id":"`+id+`","send_mail":true}` {
		t.Errorf("ticket request = %s", got)
	}
	tickets := a.Tenant.EnrollmentTickets()
	if len(tickets) != 1 || !tickets[0].Sent || tickets[0].Email != "ada.lovelace@example.com" {
		t.Fatalf("tickets = %+v", tickets)
	}
	if strings.Contains(body, tickets[0].ID) {
		t.Error("the e-mailed invitation's link is in the answer")
	}
	ev := expectAudit(t, a, "user.enrollment.invite", "success", id)
	if auditDetails(ev)["delivery"] != "email" {
		t.Errorf("audit details = %v", ev["details"])
	}

	// A link, shown once, as htmx and as a plain form.
	for _, htmx := range []bool{true, false} {
		a.Logs.Reset()
		resp, body := post(t, b, userPath(id, "/enrollment-link"), nil, htmx)
		tickets := a.Tenant.EnrollmentTickets()
		ticket := tickets[len(tickets)-1]
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `value="`+htmlEscape(ticket.URL)+`"`) || !strings.Contains(body, `id="enrollment-link-url"`) {
			t.Fatalf("htmx=%v: link = %d does not show the link:\n%.800s", htmx, resp.StatusCode, body)
		}
		if ticket.Sent {
			t.Error("the link was also e-mailed")
		}
		if got := string(lastCall(t, a, http.MethodPost, "/guardian").Body); got != `{"user_id":"`+id+`","send_mail":false}` {
			t.Errorf("ticket request = %s", got)
		}
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Location") != "" {
			t.Errorf("the link's answer may be stored or redirected: %v", resp.Header)
		}
		ev := expectAudit(t, a, "user.enrollment.invite", "success", id)
		if auditDetails(ev)["delivery"] != "link" {
			t.Errorf("audit details = %v", ev["details"])
		}
		for what, text := range map[string]string{"audit": a.Audit.String(), "logs": a.Logs.String()} {
			if strings.Contains(text, ticket.ID) {
				t.Errorf("htmx=%v: the enrollment ticket is in the %s", htmx, what)
			}
		}
		if a.Logs.String() == "" {
			t.Error("no logs captured: the check above proves nothing")
		}
		for _, path := range []string{userPath(id), userPath(id, "/factors")} {
			if _, page := b.get(t, path); strings.Contains(page, ticket.ID) {
				t.Errorf("the link is shown again on %s", path)
			}
		}
	}
}

// TestEnrollmentInvitationRefusals: no e-mail invitation for a user without an address (no
// ticket asked); the helpdesk may not invite itself nor a user holding a protected role (not
// offered either); the viewer may not invite at all.
func TestEnrollmentInvitationRefusals(t *testing.T) {
	a := matrixApp(t)
	const id = "auth0|noaddress000001"
	a.Tenant.PutUser(map[string]any{
		"user_id": id, "name": "No Address", "created_at": "2024-01-02T03:04:05.000Z", "updated_at": "2024-01-02T03:04:05.000Z",
		"identities": []any{map[string]any{"connection": auth0apitest.DatabaseConnection, "provider": "auth0", "user_id": "noaddress000001", "isSocial": false}},
	})
	b := a.signIn(t, "helpdesk")
	_, section := htmxGet(t, b, userPath(id, "/factors"))
	if strings.Contains(section, `id="enrollment-email"`) || !strings.Contains(section, `id="enrollment-link"`) {
		t.Errorf("a user without an address is offered an e-mail:\n%.600s", section)
	}
	resp, _ := sendChange(t, b, http.MethodPost, userPath(id, "/enrollment-invitation"), nil)
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("status = %d, want 409", resp.StatusCode)
	}
	wantNoChanges(t, a)
	wantOneChange(t, a.auditEvents(t), "user.enrollment.invite", "failure")

	resp, _ = sendChange(t, b, http.MethodPost, userPath(staffID("helpdesk"), "/enrollment-link"), nil)
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("on oneself: status = %d, want 409", resp.StatusCode)
	}
	wantNoChanges(t, a)

	protected := matrixUser(t, a, "helpdesk", "protected")
	_, section = htmxGet(t, b, userPath(protected, "/factors"))
	if strings.Contains(section, "enrollment-invite") {
		t.Error("the helpdesk is offered the invitation for a protected user")
	}
	resp, _ = sendChange(t, b, http.MethodPost, userPath(protected, "/enrollment-invitation"), nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("protected user: status = %d, want 403", resp.StatusCode)
	}
	wantNoChanges(t, a)

	v := a.signIn(t, "viewer")
	_, section = htmxGet(t, v, userPath(auth0apitest.FixtureUserID, "/factors"))
	if strings.Contains(section, "enrollment-invite") {
		t.Error("the viewer is offered the invitation")
	}
	resp, _ = sendChange(t, v, http.MethodPost, userPath(auth0apitest.FixtureUserID, "/enrollment-link"), nil)
	if resp.StatusCode != http.StatusForbidden || len(a.Tenant.EnrollmentTickets()) != 0 {
		t.Errorf("viewer: status = %d, tickets = %d", resp.StatusCode, len(a.Tenant.EnrollmentTickets()))
	}
}

// TestMarkEmailVerified: the admin marks Charles's address verified from the edit form (the
// box the form already offers): one PATCH of email_verified alone, audited; the helpdesk has no
// edit form.
func TestMarkEmailVerified(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	id := auth0apitest.FixtureBlockedUserID
	f := editForm(t, a, b, id)
	if f.Get("email_verified") != "" {
		t.Fatal("Charles's address is verified already")
	}
	f.Set("email_verified", "true")
	resp, body := post(t, b, userPath(id, "/edit"), f, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("save = %d:\n%.600s", resp.StatusCode, body)
	}
	if changes := managementChanges(a); !slices.Equal(changes, []string{"PATCH " + escapedUser(id)}) {
		t.Errorf("changes = %q", changes)
	}
	if got := string(lastCall(t, a, http.MethodPatch, "/users/").Body); got != `{"email_verified":true}` {
		t.Errorf("PATCH = %s", got)
	}
	expectAudit(t, a, "user.update", "success", id)
	if u, _ := a.Tenant.User(id); u["email_verified"] != true {
		t.Errorf("email_verified = %v", u["email_verified"])
	}

	h := a.signIn(t, "helpdesk")
	resp, _ = h.get(t, userPath(id, "/edit"))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("helpdesk edit form = %d, want 403", resp.StatusCode)
	}
	reset(a)
	g := url.Values{"email_verified": {"true"}}
	resp, _ = post(t, h, userPath(auth0apitest.FixtureUserID, "/edit"), g, true)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("helpdesk save = %d, want 403", resp.StatusCode)
	}
	wantNoChanges(t, a)
}
