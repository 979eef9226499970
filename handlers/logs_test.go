package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
)

// TestLogsSection: a page of events newest first, in words, with IP, place, application and
// connection; each row opens its raw event.
func TestLogsSection(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	_, body := secGet(t, b, adaPath+"/logs")
	for _, want := range []string{
		`<span class="log-type" data-tone="success">Successful login</span>`,
		"Failed login: wrong password", "MFA: second factor accepted", "Password changed", "Management API change",
		"Acme Portal", "Username-Password-Authentication",
		`data-expands="log-raw-0"`, `aria-controls="log-raw-0"`, `<tr class="log-raw" id="log-raw-0" hidden>`, "&#34;log_id&#34;:",
		"Events 1–12 of 12",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("logs lack %q", want)
		}
	}
	if strings.Contains(body, "pager-next") || strings.Contains(body, "1,000") {
		t.Error("a short log offers more pages or the cap")
	}
	// Newest first.
	first := strings.Index(body, `<time datetime="`)
	second := strings.Index(body[first+1:], `<time datetime="`) + first + 1
	if body[first:first+40] < body[second:second+40] {
		t.Errorf("not newest first: %s before %s", body[first:first+40], body[second:second+40])
	}
}

// TestLogsPageToTheCap: past Auth0's 1,000 events the section stops offering pages and says
// so; a page asked for beyond is the last one that can be reached.
func TestLogsPageToTheCap(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	id := auth0apitest.FixtureBareUserID
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var events []map[string]any
	for i := range 1100 {
		events = append(events, map[string]any{
			"_id": fmt.Sprintf("9%055d", i), "log_id": fmt.Sprintf("9%055d", i), "type": "s", "description": "Successful login",
			"date": start.Add(-time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z"), "user_id": id, "ip": "192.0.2.1",
		})
	}
	if !a.Tenant.AddLogEvents(id, events...) {
		t.Fatal("no such user")
	}
	path := "/users/" + url.PathEscape(id) + "/logs"
	api := func(page int) string {
		return "GET /users/" + url.PathEscape(id) + "/logs?include_totals=true&page=" + fmt.Sprint(page) + "&per_page=25&sort=date%3A-1"
	}

	a.Tenant.ResetCalls()
	_, body := secGet(t, b, path)
	wantCalls(t, a, nil, api(0))
	if n := strings.Count(body, `class="log-row"`); n != 25 || !strings.Contains(body, `hx-get="`+path+`?page=1"`) || strings.Contains(body, "pager-prev") {
		t.Errorf("first page: %d rows\n%.2000s", n, body)
	}
	if !strings.Contains(body, "2026-01-01 00:00 UTC") {
		t.Error("the newest event is not first")
	}

	a.Tenant.ResetCalls()
	_, body = secGet(t, b, path+"?page=39")
	wantCalls(t, a, nil, api(39))
	if strings.Contains(body, "pager-next") || !strings.Contains(body, "1,000 most recent events") || !strings.Contains(body, `hx-get="`+path+`?page=38"`) {
		t.Errorf("the last reachable page:\n%s", body)
	}
	if !strings.Contains(body, "Events 976–1000") {
		t.Error("the last page's summary")
	}

	a.Tenant.ResetCalls()
	resp, _ := secGet(t, b, path+"?page=60")
	wantCalls(t, a, nil, api(39))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a page past the cap = %d", resp.StatusCode)
	}
}

// TestOrganizationsSection: the user's organizations, with paging.
func TestOrganizationsSection(t *testing.T) {
	a := newTestApp(t, remotePictures)
	b := a.signIn(t, "viewer")
	_, body := secGet(t, b, adaPath+"/organizations")
	for _, want := range []string{"Acme Corporation", "<code>acme</code>", "Globex", `src="https://cdn.example.com/logos/acme.png"`, "Organizations 1–2 of 2"} {
		if !strings.Contains(body, want) {
			t.Errorf("organizations lack %q", want)
		}
	}
	for i := range 30 {
		a.Tenant.PutOrganization(map[string]any{"id": fmt.Sprintf("org_test%012d", i), "name": fmt.Sprintf("org-%02d", i), "display_name": fmt.Sprintf("Org %02d", i)},
			auth0apitest.FixtureBareUserID)
	}
	bare := "/users/" + url.PathEscape(auth0apitest.FixtureBareUserID) + "/organizations"
	_, body = secGet(t, b, bare)
	if n := strings.Count(body, `class="organization-row"`); n != 25 || !strings.Contains(body, "Organizations 1–25 of 30") || !strings.Contains(body, `hx-get="`+bare+`?page=1"`) {
		t.Errorf("first page: %d rows\n%s", n, body)
	}
	_, body = secGet(t, b, bare+"?page=1")
	if n := strings.Count(body, `class="organization-row"`); n != 5 || strings.Contains(body, "pager-next") {
		t.Errorf("second page: %d rows", n)
	}
	// None at all.
	_, body = secGet(t, b, "/users/"+url.PathEscape(auth0apitest.FixtureBlockedUserID)+"/organizations")
	if !strings.Contains(body, "No organizations.") {
		t.Errorf("no organizations:\n%s", body)
	}
}
