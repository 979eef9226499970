package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// userAgentTransport sends every request with a User-Agent of its own.
type userAgentTransport struct {
	next http.RoundTripper
	ua   string
}

func (t userAgentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", t.ua)
	return t.next.RoundTrip(r)
}

const (
	firefoxLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	chromeMac    = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)

// signInWith signs persona in from a browser that says it is ua.
func (a *testApp) signInWith(t *testing.T, persona, ua string) *browser {
	t.Helper()
	b := a.newBrowser(t)
	b.client.Transport = userAgentTransport{next: b.client.Transport, ua: ua}
	cb := b.authorize(t, b.startSignIn(t, ""), testAccounts[persona])
	if resp, body := b.finishSignIn(t, cb); resp.StatusCode != http.StatusFound {
		t.Fatalf("sign-in as %s = %d:\n%s", persona, resp.StatusCode, body)
	}
	return b
}

// sessionRow finds the row of a session on the staff-sessions page by its handle.
var sessionRowRE = regexp.MustCompile(`(?s)<tr data-session="([^"]+)">(.*?)</tr>`)

// TestStaffSessionsPage (issue 11): an admin sees who is signed in, from the session store's
// index — each person's groups, since when, last seen, address and browser — ends one session
// (that browser is signed out at its next request, the other lives on) and then all of a
// person's, each audited; the page names sessions by a handle, never by their id.
func TestStaffSessionsPage(t *testing.T) {
	a := newTestApp(t)
	admin := a.signIn(t, "admin")
	a.Clock.Advance(3 * time.Minute)
	hd1 := a.signInWith(t, "helpdesk", firefoxLinux)
	hd2 := a.signInWith(t, "helpdesk", chromeMac)
	hdSub := staffID("helpdesk")

	resp, body := admin.get(t, "/staff/sessions")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /staff/sessions = %d:\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"Hal Helpdesk (helpdesk@userdesk.test)", "Ada Admin (admin@userdesk.test)",
		"Firefox 128 on Linux", "Chrome 126 on macOS", "127.0.0.1", "(this browser)", `id="nav-staff-sessions"`, "2 sessions"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if !regexp.MustCompile(`Hal Helpdesk \(helpdesk@userdesk.test\)</strong>\s*<span class="role">helpdesk</span>`).MatchString(body) {
		t.Error("the helpdesk person's group is not shown")
	}
	for _, b := range []*browser{admin, hd1, hd2} {
		_, sess := a.sessionRecord(t, b)
		if strings.Contains(body, sess.ID) {
			t.Fatal("the page shows a session id")
		}
	}
	rows := sessionRowRE.FindAllStringSubmatch(body, -1)
	if len(rows) != 3 {
		t.Fatalf("%d session rows, want 3", len(rows))
	}
	var firefox string
	for _, r := range rows {
		if strings.Contains(r[2], "Firefox") {
			firefox = r[1]
		}
	}

	// End the Firefox session: that browser is signed out, the Chrome one is not.
	resp, body = post(t, admin, "/staff/sessions/end", url.Values{"sub": {hdSub}, "session": {firefox}}, true)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="staff-sessions"`) || !strings.Contains(body, "Ended a session of Hal Helpdesk") ||
		strings.Contains(body, "Firefox") {
		t.Fatalf("end one session = %d:\n%s", resp.StatusCode, body)
	}
	events := a.auditEvents(t)
	if len(events) != 1 || events[0]["event"] != "staff.session.delete" || events[0]["outcome"] != "success" || events[0]["target"] != hdSub ||
		auditDetails(events[0])["browser"] != "Firefox 128 on Linux" {
		t.Errorf("audit = %v, want one staff.session.delete of the helpdesk person", events)
	}
	if signedIn(t, hd1) || !signedIn(t, hd2) || !signedIn(t, admin) {
		t.Errorf("after ending the Firefox session: firefox %v, chrome %v, admin %v", signedIn(t, hd1), signedIn(t, hd2), signedIn(t, admin))
	}
	// Again: it is gone, and the page says so.
	if resp, body := post(t, admin, "/staff/sessions/end", url.Values{"sub": {hdSub}, "session": {firefox}}, false); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("ending it again = %d:\n%s", resp.StatusCode, body)
	} else if _, page := admin.follow(t, resp.Header.Get("Location")); !strings.Contains(page, "That session had already ended.") {
		t.Error("ending an ended session does not say so")
	}

	// End all of the person's sessions (a plain form: 303 back to the page, with the message).
	resp, _ = post(t, admin, "/staff/sessions/end-all", url.Values{"sub": {hdSub}}, false)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/staff/sessions" {
		t.Fatalf("end all = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	events = a.auditEvents(t)
	if len(events) != 1 || events[0]["event"] != "staff.sessions.delete" || events[0]["target"] != hdSub || auditDetails(events[0])["sessions"] != float64(1) {
		t.Errorf("audit = %v, want one staff.sessions.delete ending 1 session", events)
	}
	_, page := admin.follow(t, "/staff/sessions")
	if !strings.Contains(page, "Signed Hal Helpdesk (helpdesk@userdesk.test) out everywhere (1 session ended).") || strings.Contains(page, "Hal Helpdesk (helpdesk") && strings.Contains(page, `data-subject="`+hdSub) {
		t.Errorf("after ending all, the page:\n%.3000s", page)
	}
	if signedIn(t, hd2) || !signedIn(t, admin) {
		t.Error("end-all did not end exactly the helpdesk person's sessions")
	}

	// Without the form token: refused, nothing ended.
	hd3 := a.signIn(t, "helpdesk")
	resp, _ = admin.send(t, http.MethodPost, "/staff/sessions/end-all", url.Values{"sub": {hdSub}}, admin.sameOriginHeaders()...)
	if resp.StatusCode != http.StatusForbidden || !signedIn(t, hd3) {
		t.Errorf("end-all without a CSRF token = %d, helpdesk still signed in %v", resp.StatusCode, signedIn(t, hd3))
	}
	// A form naming nobody.
	if resp, _ := post(t, admin, "/staff/sessions/end", url.Values{"session": {"x"}}, false); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a form without sub = %d, want 400", resp.StatusCode)
	}
}

// TestStaffSessionsEndOwn: an admin who ends their own sessions from the page is signed out
// (htmx: HX-Redirect to the signed-out page).
func TestStaffSessionsEndOwn(t *testing.T) {
	a := newTestApp(t)
	admin := a.signIn(t, "admin")
	resp, _ := post(t, admin, "/staff/sessions/end-all", url.Values{"sub": {staffID("admin")}}, true)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("HX-Redirect") != "/signed-out" {
		t.Fatalf("ending one's own sessions = %d, HX-Redirect %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
	}
	if signedIn(t, admin) {
		t.Error("still signed in")
	}
}

// TestSignOutEverywhere: anyone — a viewer here — sees their own sessions and ends them all at
// once, on every browser; other people's sessions live on; the sign-out is audited with the
// number of sessions ended and goes through the provider's sign-out, as sign-out does.
func TestSignOutEverywhere(t *testing.T) {
	a := newTestApp(t)
	v1 := a.signInWith(t, "viewer", firefoxLinux)
	v2 := a.signInWith(t, "viewer", chromeMac)
	other := a.signIn(t, "helpdesk")

	resp, body := v1.get(t, "/sessions")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Firefox 128 on Linux") || !strings.Contains(body, "Chrome 126 on macOS") ||
		!strings.Contains(body, "Ends all 2 sessions") || strings.Contains(body, "Hal Helpdesk") || !strings.Contains(body, `href="/sessions"`) {
		t.Fatalf("GET /sessions = %d:\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, `id="nav-staff-sessions"`) {
		t.Error("a viewer is offered the staff-sessions page")
	}

	token := v1.csrfToken(t)
	a.Audit.Reset()
	resp, _ = v1.send(t, http.MethodPost, "/logout/everywhere", url.Values{"_csrf": {token}}, v1.sameOriginHeaders()...)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), a.Tenant.Issuer()) {
		t.Fatalf("sign out everywhere = %d to %q, want the provider's sign-out", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := v1.cookie(a.srv.cookieName); c != nil {
		t.Error("the session cookie was not expired")
	}
	if signedIn(t, v1) || signedIn(t, v2) || !signedIn(t, other) {
		t.Errorf("after signing out everywhere: this browser %v, the other %v, someone else %v", signedIn(t, v1), signedIn(t, v2), signedIn(t, other))
	}
	events := a.auditEvents(t)
	i := slices.IndexFunc(events, func(e map[string]any) bool { return e["event"] == "session.signout_everywhere" })
	if i < 0 || events[i]["outcome"] != "success" || auditDetails(events[i])["sessions"] != float64(2) || events[i]["target"] != staffID("viewer") {
		t.Errorf("audit = %v, want session.signout_everywhere ending 2 sessions", events)
	}
}

// TestPolicyPageSignedInFromTheIndex: the policy page's "Signed in now" comes from the session
// store's index, with the groups each session saved, and drops people whose session expired.
func TestPolicyPageSignedInFromTheIndex(t *testing.T) {
	a := newTestApp(t)
	admin := a.signIn(t, "admin")
	a.signIn(t, "helpdesk")
	_, body := admin.get(t, "/policy")
	if m := regexp.MustCompile(`(?s)id="group-helpdesk".*?class="policy-signed-in">\s*(.*?)\s*</dd>`).FindStringSubmatch(body); m == nil || !strings.Contains(m[1], "Hal Helpdesk") {
		t.Errorf("helpdesk's signed-in list = %q", m)
	}
	a.Clock.Advance(29 * time.Minute)
	signedIn(t, admin) // the admin stays active
	a.Clock.Advance(2 * time.Minute)
	_, body = admin.get(t, "/policy")
	if strings.Contains(body, "Hal Helpdesk (") {
		t.Error("an expired session is still listed as signed in")
	}
}
