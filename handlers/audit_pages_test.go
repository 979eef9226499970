package handlers

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// TestAuditPages (issue 15): a helpdesk change shows on /audit in words, filtered by the staff
// member, the user, the event and the outcome, links to the user, shows under the user's
// "Changes by staff", and exports as CSV (the export itself recorded).
func TestAuditPages(t *testing.T) {
	a := newTestApp(t)
	helpdesk := a.signIn(t, "helpdesk")
	id := auth0apitest.FixtureBareUserID
	if resp, _ := post(t, helpdesk, userPath(id, "/block"), nil, true); resp.StatusCode != http.StatusOK {
		t.Fatalf("block = %d", resp.StatusCode)
	}
	admin := a.signIn(t, "admin")
	for _, q := range []string{
		"actor=" + url.QueryEscape(testAccounts["helpdesk"]),
		"target=" + url.QueryEscape(id),
		"event=user.block&outcome=success",
		"actor=" + url.QueryEscape(staffID("helpdesk")),
	} {
		resp, body := admin.get(t, "/audit?"+q)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /audit?%s = %d:\n%.400s", q, resp.StatusCode, body)
		}
		if !strings.Contains(body, "Hal Helpdesk blocked") || !strings.Contains(body, `href="`+userPath(id)+`"`) {
			t.Errorf("/audit?%s does not show the block in words with a link to the user:\n%.3000s", q, body)
		}
	}
	if _, body := admin.get(t, "/audit?event=user.delete"); strings.Contains(body, "Hal Helpdesk blocked") || !strings.Contains(body, `id="audit-none"`) {
		t.Errorf("another event's filter shows the block")
	}
	if resp, body := admin.get(t, "/audit?since=yesterday"); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Use a date like") {
		t.Errorf("a bad date = %d", resp.StatusCode)
	}

	// The user page's section.
	resp, body := admin.get(t, userPath(id, "/changes"), "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="section-changes"`) || !strings.Contains(body, "Hal Helpdesk blocked") {
		t.Errorf("changes section = %d:\n%.1500s", resp.StatusCode, body)
	}

	// The CSV export: every event the filter matches, the export recorded.
	a.Audit.Reset()
	resp, body = admin.get(t, "/audit.csv?target="+url.QueryEscape(id))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV = %d %v", resp.StatusCode, resp.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("CSV rows = %d, err %v:\n%s", len(rows), err, body)
	}
	if !strings.Contains(strings.Join(rows[1], " "), "user.block") {
		t.Errorf("CSV row = %v", rows[1])
	}
	if ev := a.auditEvents(t); len(ev) != 1 || ev[0]["event"] != "audit.export" {
		t.Errorf("the export was not recorded: %v", ev)
	}
}
