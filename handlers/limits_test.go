package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
	"userdesk/handlers/limits"
)

// rateLimitEvents returns the denied.rate_limit audit events written so far.
func rateLimitEvents(t *testing.T, a *testApp) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, ev := range a.auditEvents(t) {
		if ev["event"] == "denied.rate_limit" {
			out = append(out, ev)
		}
	}
	return out
}

// TestChangeLimit (issue 11): a person over the change limit is refused with 429, Retry-After
// and a plain message, in a page and in an htmx alert, before any Management API call; the
// refusals of one window write one audit event; when the wait is over, changes work again. The
// limit is the person's: someone else is not held back.
func TestChangeLimit(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) {
		l := DefaultLimits()
		l.Changes = limits.Rule{Rate: 3, Per: time.Minute}
		o.limits = &l
	})
	hd := a.signIn(t, "helpdesk")
	id := auth0apitest.FixtureBareUserID
	for i, action := range []string{"/block", "/unblock", "/block"} {
		if resp, body := post(t, hd, userPath(id, action), nil, true); resp.StatusCode != http.StatusOK {
			t.Fatalf("change %d = %d:\n%.300s", i+1, resp.StatusCode, body)
		}
	}
	token := hd.csrfToken(t)
	reset(a)
	resp, body := hd.send(t, http.MethodPost, userPath(id, "/unblock"), nil,
		append(hd.sameOriginHeaders(), "HX-Request", "true", "X-CSRF-Token", token)...)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "20" ||
		resp.Header.Get("HX-Retarget") != "#flash" || !strings.Contains(body, "reached userdesk&#39;s limit of 3 changes a minute") ||
		!strings.Contains(body, "Nothing was changed. Wait 20 seconds") {
		t.Fatalf("fourth change = %d (Retry-After %q, HX-Retarget %q):\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("HX-Retarget"), body)
	}
	expectCalls(t, a)
	events := rateLimitEvents(t, a)
	if len(events) != 1 || events[0]["outcome"] != "denied" || auditDetails(events[0])["limit"] != "changes" ||
		auditDetails(events[0])["retry_after"] != "20s" {
		t.Fatalf("audit = %v, want one denied.rate_limit", a.auditEvents(t))
	}

	// A plain form over the limit: the error page; the same window writes no second event.
	a.Clock.Advance(5 * time.Second)
	resp, body = post(t, hd, userPath(id, "/unblock"), nil, false)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "15" || !strings.Contains(body, "<h1") ||
		!strings.Contains(body, "Too many requests") {
		t.Errorf("over the limit, plain form = %d (Retry-After %q):\n%.500s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	expectCalls(t, a)
	if n := len(rateLimitEvents(t, a)); n != 0 {
		t.Errorf("%d more audit events in the same refusal window, want none", n)
	}

	// Someone else changes freely meanwhile.
	admin := a.signIn(t, "admin")
	if resp, _ := post(t, admin, userPath(auth0apitest.FixtureUserID, "/block"), nil, true); resp.StatusCode != http.StatusOK {
		t.Errorf("another person's change = %d", resp.StatusCode)
	}

	a.Clock.Advance(15 * time.Second)
	if resp, body := post(t, hd, userPath(id, "/unblock"), nil, true); resp.StatusCode != http.StatusOK {
		t.Errorf("after Retry-After = %d:\n%.300s", resp.StatusCode, body)
	}
}

// TestEmailLimitPerTarget: the e-mails userdesk sends to one user are limited whoever asks (3
// per 10 minutes): the fourth is refused with 429 before Auth0 is asked to send anything,
// audited on the user; another user still gets theirs.
func TestEmailLimitPerTarget(t *testing.T) {
	a := newTestApp(t)
	hd, admin := a.signIn(t, "helpdesk"), a.signIn(t, "admin")
	id := auth0apitest.FixtureBlockedUserID
	for i := range 3 {
		if resp, body := post(t, hd, userPath(id, "/verification-email"), nil, true); resp.StatusCode != http.StatusOK {
			t.Fatalf("e-mail %d = %d:\n%.300s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := post(t, admin, userPath(id, "/verification-email"), nil, true)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "200" ||
		!strings.Contains(body, "already been sent as many e-mails as userdesk sends to one person (3 e-mails per 10 minutes)") {
		t.Fatalf("fourth e-mail = %d (Retry-After %q):\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	expectCalls(t, a) // the admin's gate reads nothing for this; nothing was sent
	if n := len(a.Tenant.VerificationJobs()); n != 3 {
		t.Errorf("%d verification jobs, want 3", n)
	}
	events := rateLimitEvents(t, a)
	if len(events) != 1 || events[0]["target"] != id || auditDetails(events[0])["limit"] != "emails" {
		t.Errorf("audit = %v, want one denied.rate_limit on the user", a.auditEvents(t))
	}
	if resp, _ := post(t, admin, userPath(auth0apitest.FixtureUserID, "/verification-email"), nil, true); resp.StatusCode != http.StatusOK {
		t.Errorf("an e-mail to another user = %d", resp.StatusCode)
	}
	if resp, _ := post(t, admin, userPath(id, "/password-reset-email"), nil, true); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a password-reset e-mail to the same user = %d, want 429: every e-mail counts", resp.StatusCode)
	}
}

// TestSearchLimit: searches are limited per person (10 a second, bursts of 20): the 21st at once
// is refused with 429 and Retry-After: 1, without a Management API call.
func TestSearchLimit(t *testing.T) {
	a := newTestApp(t)
	v := a.signIn(t, "viewer")
	for i := range 20 {
		if resp, _ := htmxGet(t, v, "/users?q=ada"); resp.StatusCode != http.StatusOK {
			t.Fatalf("search %d = %d", i+1, resp.StatusCode)
		}
	}
	reset(a)
	resp, body := htmxGet(t, v, "/users?q=ada")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" ||
		!strings.Contains(body, "searching faster than userdesk allows (10 searches a second, bursts of 20)") {
		t.Fatalf("21st search = %d (Retry-After %q):\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	expectCalls(t, a)
	if events := rateLimitEvents(t, a); len(events) != 1 || auditDetails(events[0])["limit"] != "searches" {
		t.Errorf("audit = %v", a.auditEvents(t))
	}
	a.Clock.Advance(100 * time.Millisecond)
	if resp, _ := htmxGet(t, v, "/users?q=ada"); resp.StatusCode != http.StatusOK {
		t.Errorf("a search after a tenth of a second = %d", resp.StatusCode)
	}
	// Another person searches freely.
	if resp, _ := htmxGet(t, a.signIn(t, "helpdesk"), "/users?q=ada"); resp.StatusCode != http.StatusOK {
		t.Errorf("another person's search = %d", resp.StatusCode)
	}
}

// TestLimitsOff: a limit with rate 0 is off; a bad rule is refused at start.
func TestLimitsOff(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) { o.limits = &Limits{} })
	v := a.signIn(t, "viewer")
	for range 50 {
		if resp, _ := htmxGet(t, v, "/users?q=ada"); resp.StatusCode != http.StatusOK {
			t.Fatalf("search with the limits off = %d", resp.StatusCode)
		}
	}
	bad := Limits{Changes: limits.Rule{Rate: 3}}
	if _, err := bad.resolve(); err == nil {
		t.Error("a rule without a period was accepted")
	}
}
