package handlers

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"userdesk/audit"
	"userdesk/auth0api/auth0apitest"
	"userdesk/handlers/userexport"
)

// exportBatch is the app_metadata.batch the export tests' users carry, so that a search finds
// exactly them.
const exportBatch = "export-test"

// putExportUsers adds n users of the batch, every third in AMER and the others in EMEA, with
// profile values a spreadsheet must not run, metadata, and (for some) missing fields. It returns
// them in the tenant's order of creation.
func putExportUsers(a *testApp, n int) []map[string]any {
	var out []map[string]any
	for i := range n {
		region := "emea"
		if i%3 == 2 {
			region = "amer"
		}
		u := map[string]any{
			"user_id": fmt.Sprintf("auth0|export%05d", i), "email": fmt.Sprintf("export%05d@example.com", i),
			"email_verified": i%2 == 0, "name": fmt.Sprintf("=Export User %d", i), "given_name": "@given",
			"family_name": "-family, \"quoted\"", "nickname": fmt.Sprintf("export%d", i),
			"created_at": "2024-01-02T03:04:05.000Z", "updated_at": "2024-02-03T04:05:06.000Z",
			"identities":    []any{map[string]any{"connection": auth0apitest.DatabaseConnection, "provider": "auth0", "user_id": fmt.Sprintf("export%05d", i), "isSocial": false}},
			"app_metadata":  map[string]any{"batch": exportBatch, "region": region, "plan": "+pro"},
			"user_metadata": map[string]any{"note": "line one\nline two", "n": float64(i)},
			"logins_count":  float64(i % 7),
			"blocked":       i%10 == 0,
		}
		if i%4 == 0 {
			u["last_login"] = "2025-03-04T05:06:07.000Z"
		}
		a.Tenant.PutUser(u)
		out = append(out, u)
	}
	return out
}

// exportForm is the export form for the batch's search.
func exportForm(format string, columns ...string) url.Values {
	f := url.Values{"raw": {`app_metadata.batch:"` + exportBatch + `"`}, "format": {format}}
	for _, c := range columns {
		f.Add("columns", c)
	}
	return f
}

// postExport sends the export form as the page does (a plain form, with _csrf), and returns the
// answer with its body unread.
func postExport(t *testing.T, b *browser, path string, form url.Values) *http.Response {
	t.Helper()
	form.Set("_csrf", b.csrfToken(t))
	reset(b.app)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, b.abs(path), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	setHeaders(req, b.sameOriginHeaders())
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// cellOf is the CSV cell the test expects for a value of the tenant's user (the test's own
// statement of the rules: strings defused, numbers and booleans bare, objects as JSON).
func cellOf(v any, ok bool) string {
	if !ok || v == nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			return "'" + v
		}
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// valueOf reads a column's value from a user as the tenant holds it.
func valueOf(u map[string]any, key string) (any, bool) {
	if key == "connection" {
		ids, _ := u["identities"].([]any)
		if len(ids) == 0 {
			return nil, false
		}
		v, ok := ids[0].(map[string]any)["connection"]
		return v, ok
	}
	v, ok := u[key]
	return v, ok
}

// TestExportSearchCSV: the search's users, every chosen column in order, values as the tenant
// holds them (formulas defused, metadata as JSON text), as an attachment that is not cached; read
// from Auth0 100 at a time with the fields the columns need; audited once with the query, the
// format, the columns and the count.
func TestExportSearchCSV(t *testing.T) {
	a := newTestApp(t)
	users := putExportUsers(a, 250)
	b := a.signIn(t, "admin")
	columns := []string{"user_id", "email", "name", "given_name", "family_name", "connection", "created_at",
		"last_login", "logins_count", "blocked", "email_verified", "app_metadata", "user_metadata"}
	resp := postExport(t, b, "/users/export", exportForm("csv", columns...))
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d:\n%.800s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="users-`) || !strings.HasSuffix(cd, `.csv"`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("caching and sniffing headers: %v", resp.Header)
	}
	records, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantCols, _ := userexport.Select(columns)
	if !slices.Equal(records[0], userexport.Keys(wantCols)) {
		t.Fatalf("header = %q", records[0])
	}
	if len(records)-1 != len(users) {
		t.Fatalf("%d rows, want %d", len(records)-1, len(users))
	}
	byID := map[string]map[string]any{}
	for _, u := range users {
		byID[u["user_id"].(string)] = u
	}
	for _, row := range records[1:] {
		u := byID[row[0]]
		if u == nil {
			t.Fatalf("row for an unknown user %q", row[0])
		}
		delete(byID, row[0])
		for i, key := range records[0] {
			v, ok := valueOf(u, key)
			if want := cellOf(v, ok); row[i] != want {
				t.Errorf("%s %s = %q, want %q", row[0], key, row[i], want)
			}
		}
	}

	// Auth0 was asked for three pages of 100, with the batch's query and the columns' fields.
	var pages []string
	for _, c := range a.Tenant.Calls() {
		if c.Method == http.MethodGet && c.Path == "/users" {
			pages = append(pages, c.Query.Get("page"))
			if c.Query.Get("per_page") != "100" || c.Query.Get("q") != `app_metadata.batch:export-test` ||
				c.Query.Get("fields") != "app_metadata,blocked,created_at,email,email_verified,family_name,given_name,identities,last_login,logins_count,name,user_id,user_metadata" {
				t.Errorf("search call %v", c.Query)
			}
		}
	}
	if !slices.Equal(pages, []string{"0", "1", "2"}) {
		t.Errorf("pages asked = %q, want 0, 1, 2", pages)
	}
	ev := wantOneChange(t, a.auditEvents(t), "users.export", "success")
	d, _ := ev["details"].(map[string]any)
	if d["count"] != float64(250) || d["total"] != float64(250) || d["format"] != "csv" ||
		d["query"] != `app_metadata.batch:export-test` || len(anyStrings(d["columns"])) != len(columns) {
		t.Errorf("audit details = %v", d)
	}
}

// TestExportSearchJSONLines: one object per user, every chosen column a key (null when the user
// has none), metadata as objects, values as the tenant holds them.
func TestExportSearchJSONLines(t *testing.T) {
	a := newTestApp(t)
	users := putExportUsers(a, 120)
	b := a.signIn(t, "admin")
	resp := postExport(t, b, "/users/export", exportForm("jsonl", "user_id", "last_login", "app_metadata", "connection"))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson; charset=utf-8" {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	byID := map[string]map[string]any{}
	for _, u := range users {
		byID[u["user_id"].(string)] = u
	}
	sc := bufio.NewScanner(resp.Body)
	n := 0
	for sc.Scan() {
		n++
		if !strings.HasPrefix(sc.Text(), `{"user_id":`) {
			t.Errorf("line does not start with the first column: %s", sc.Text())
		}
		var got map[string]any
		if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		u := byID[got["user_id"].(string)]
		if len(got) != 4 || u == nil {
			t.Fatalf("line %d = %v", n, got)
		}
		conn, _ := valueOf(u, "connection")
		if fmt.Sprint(got["app_metadata"]) != fmt.Sprint(u["app_metadata"]) || got["connection"] != conn || got["last_login"] != u["last_login"] {
			t.Errorf("line %d = %v, want the tenant's %v", n, got, u)
		}
	}
	if n != len(users) {
		t.Errorf("%d lines, want %d", n, len(users))
	}
}

// TestExportStopsAtTheCap: a search of 1,100 users exports the first 1,000 — ten pages of 100,
// none past Auth0's cap — and the audit says how many matched.
func TestExportStopsAtTheCap(t *testing.T) {
	a := newTestApp(t)
	putExportUsers(a, 1100)
	b := a.signIn(t, "admin")
	_, page := b.get(t, "/users?"+url.Values{"raw": {`app_metadata.batch:"` + exportBatch + `"`}}.Encode())
	if !strings.Contains(page, "Export the first 1,000 of 1,100 users") || !strings.Contains(page, "Download the first 1,000") {
		t.Errorf("the export form does not say what it will export:\n%s", page)
	}
	resp := postExport(t, b, "/users/export", exportForm("csv", "user_id"))
	records, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1001 {
		t.Errorf("%d rows, want 1,000", len(records)-1)
	}
	calls := 0
	for _, c := range a.Tenant.Calls() {
		if c.Path == "/users" {
			calls++
			if p, _ := strconv.Atoi(c.Query.Get("page")); (p+1)*100 > 1000 {
				t.Errorf("asked for a page past the cap: %v", c.Query)
			}
		}
	}
	if calls != 10 {
		t.Errorf("%d searches, want 10", calls)
	}
	ev := wantOneChange(t, a.auditEvents(t), "users.export", "success")
	if d, _ := ev["details"].(map[string]any); d["count"] != float64(1000) || d["total"] != float64(1100) {
		t.Errorf("audit details = %v", d)
	}
}

// TestExportReach: a regional helpdesk's export holds only their region: the query sent to
// Auth0 carries the reach, and every row is in EMEA; an admin's holds everyone.
func TestExportReach(t *testing.T) {
	a := matrixApp(t)
	users := putExportUsers(a, 90)
	var emea int
	for _, u := range users {
		if u["app_metadata"].(map[string]any)["region"] == "emea" {
			emea++
		}
	}
	for _, tt := range []struct {
		persona string
		want    int
	}{{"emea", emea}, {"admin", len(users)}} {
		b := a.signIn(t, tt.persona)
		resp := postExport(t, b, "/users/export", exportForm("jsonl", "user_id", "app_metadata"))
		sc := bufio.NewScanner(resp.Body)
		n := 0
		for sc.Scan() {
			var got struct {
				AppMetadata map[string]any `json:"app_metadata"`
			}
			must(t, json.Unmarshal(sc.Bytes(), &got))
			if tt.persona == "emea" && got.AppMetadata["region"] != "emea" {
				t.Errorf("emea exported a user of %v", got.AppMetadata["region"])
			}
			n++
		}
		if n != tt.want {
			t.Errorf("%s exported %d users, want %d", tt.persona, n, tt.want)
		}
		for _, c := range a.Tenant.Calls() {
			if c.Path == "/users" && tt.persona == "emea" && !strings.Contains(c.Query.Get("q"), `app_metadata.region:emea`) {
				t.Errorf("emea's export query does not carry the reach: %q", c.Query.Get("q"))
			}
		}
	}
}

// TestExportRefusedWithoutTheAction: people whose groups do not allow export see no export form
// and are refused (403, no Management API call, one denied.export event), as a plain form and
// through htmx.
func TestExportRefusedWithoutTheAction(t *testing.T) {
	a := newTestApp(t)
	putExportUsers(a, 5)
	for _, persona := range []string{"viewer", "helpdesk"} {
		b := a.signIn(t, persona)
		if _, page := b.get(t, "/users"); strings.Contains(page, `id="export-users"`) {
			t.Errorf("%s is offered the export form", persona)
		}
		for _, path := range []string{"/users/export", "/users/export/jobs"} {
			resp := postExport(t, b, path, exportForm("csv"))
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), "export0") {
				t.Errorf("%s POST %s = %d:\n%.300s", persona, path, resp.StatusCode, body)
			}
			if calls := a.Tenant.Calls(); len(calls) != 0 {
				t.Errorf("%s: a refused export called the Management API: %v", persona, calls)
			}
			wantOneChange(t, a.auditEvents(t), "denied.export", "denied")
		}
	}
	b := a.signIn(t, "admin")
	if _, page := b.get(t, "/users"); !strings.Contains(page, `id="export-users"`) || !strings.Contains(page, "Export these") {
		t.Errorf("the admin is not offered the export form")
	}
}

// TestExportRefusesBadInput: an unknown column or format, a broken expert query and a missing
// CSRF token are refused before Auth0 is asked anything.
func TestExportRefusesBadInput(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	for _, form := range []url.Values{
		exportForm("csv", "user_id", "identities"),
		exportForm("csv", "password"),
		exportForm("xlsx", "user_id"),
		{"raw": {`name:"unterminated`}, "format": {"csv"}},
		{"created_from": {"yesterday"}, "format": {"csv"}},
	} {
		resp := postExport(t, b, "/users/export", form)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%v = %d %q:\n%.400s", form, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		for _, c := range a.Tenant.Calls() {
			if c.Path == "/users" {
				t.Errorf("%v: Auth0 was asked %v", form, c.Query)
			}
		}
	}
	reset(a)
	resp, _ := b.send(t, http.MethodPost, "/users/export", exportForm("csv"), b.sameOriginHeaders()...)
	if resp.StatusCode != http.StatusForbidden || len(a.Tenant.Calls()) != 0 {
		t.Errorf("an export without the CSRF token = %d, calls %v", resp.StatusCode, a.Tenant.Calls())
	}
}

// TestExportFormCarriesTheSearch: the export form under the results holds the search's inputs
// as hidden fields, escaped, and the page's CSRF token.
func TestExportFormCarriesTheSearch(t *testing.T) {
	a := newTestApp(t)
	putExportUsers(a, 3)
	b := a.signIn(t, "admin")
	hostile := `app_metadata.batch:"export-test" AND NOT name:"\"><script>alert(1)</script>"`
	_, page := b.get(t, "/users?"+url.Values{"raw": {hostile}, "sort": {"email"}, "dir": {"desc"}, "page": {"1"}}.Encode())
	i := strings.Index(page, `id="export-form"`)
	if i < 0 {
		t.Fatalf("no export form:\n%s", page)
	}
	form := page[i:]
	form = form[:strings.Index(form, "</form>")]
	if strings.Contains(form, "<script>") {
		t.Errorf("the search is not escaped in the export form:\n%s", form)
	}
	for _, want := range []string{`name="raw" value="` + htmlEscape(hostile) + `"`, `name="sort" value="email"`, `name="dir" value="desc"`, `name="_csrf"`} {
		if !strings.Contains(form, want) {
			t.Errorf("the export form lacks %s:\n%s", want, form)
		}
	}
	if strings.Contains(form, `name="page"`) {
		t.Errorf("the export form carries the page")
	}
}

// TestExportFailsClosedWithoutAudit: while the audit trail cannot be written, no export starts —
// a plain 503 and no search is asked of Auth0 — since data leaving the dashboard is recorded
// first.
func TestExportFailsClosedWithoutAudit(t *testing.T) {
	w := &switchWriter{}
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) {
			w.buf = &syncBuffer{}
			c.Audit = audit.NewRecorder(audit.RecorderOptions{Now: c.Now,
				Sinks: []audit.Sink{c.AuditTrail.(*audit.DB), audit.NewLogSink(slog.New(slog.NewJSONHandler(w, nil)))}})
		}
	})
	putExportUsers(a, 5)
	b := a.signIn(t, "admin")
	b.csrfToken(t) // before the trail breaks: it loads /users
	w.broken.Store(true)
	resp := postExport(t, b, "/users/export", exportForm("csv"))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "Nothing was exported") || strings.Contains(string(body), "export0") {
		t.Errorf("export while the audit trail fails = %d:\n%.400s", resp.StatusCode, body)
	}
	for _, c := range a.Tenant.Calls() {
		if c.Path == "/users" {
			t.Errorf("Auth0 was searched: %v", c.Query)
		}
	}
}
