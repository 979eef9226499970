package handlers

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/policy"
)

// startJob posts the export form to start an export job and returns the job page's URL.
func startJob(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	resp := postExport(t, b, "/users/export/jobs", form)
	if resp.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("start = %d:\n%.800s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "/users/export/job?job=") {
		t.Fatalf("start went to %q", loc)
	}
	return loc
}

var jobState = regexp.MustCompile(`id="export-job-status"[^>]*data-state="([a-z]+)"`)

// waitForJob polls the job's status as the page does (htmx) until it is no longer running, and
// returns the last status block.
func waitForJob(t *testing.T, b *browser, page string) string {
	t.Helper()
	for range 50 {
		resp, body := htmxGet(t, b, page)
		m := jobState.FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("status = %d:\n%.800s", resp.StatusCode, body)
		}
		polls := strings.Contains(body, `hx-trigger="every 2s"`)
		if (m[1] == "running") != polls {
			t.Errorf("state %s, polling %v", m[1], polls)
		}
		if m[1] != "running" {
			return body
		}
	}
	t.Fatal("the export job never finished")
	return ""
}

// downloadJob downloads the job's file.
func downloadJob(t *testing.T, b *browser, page string) (*http.Response, []byte) {
	t.Helper()
	reset(b.app)
	resp, body := b.get(t, strings.Replace(page, "/users/export/job?", "/users/export/job/download?", 1))
	return resp, []byte(body)
}

// expectedCSV is the test's own writing of users as the export's CSV: the header of keys, one
// row per user with cellOf each column.
func expectedCSV(t *testing.T, users []map[string]any, keys []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	must(t, w.Write(keys))
	for _, u := range users {
		row := make([]string, len(keys))
		for i, k := range keys {
			row[i] = cellOf(valueOf(u, k))
		}
		must(t, w.Write(row))
	}
	w.Flush()
	return buf.Bytes()
}

// TestExportJob5000 (issue 16): past the cap, an admin exports all 5,000+ users of a tenant
// through Auth0's export job, from the search page: the form offers the job, the job page polls
// Auth0 until it is done, and the download — streamed through the dashboard from Auth0's gzip'd
// file — is byte for byte the tenant's users with the fields requested, in CSV. Auth0 was asked
// for one tenant-wide job in JSON with only the fields the columns need; both steps are audited.
func TestExportJob5000(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) {
		o.tenant = func(opts *auth0apitest.Options) { opts.Users = 5000 }
	})
	b := a.signIn(t, "admin")
	_, page := b.get(t, "/users")
	if !strings.Contains(page, `id="export-job-start"`) || !strings.Contains(page, "every connection (one job for the whole tenant)") {
		t.Fatalf("the search page does not offer an export job:\n%s", page)
	}
	keys := []string{"user_id", "email", "email_verified", "name", "username", "phone_number", "connection",
		"created_at", "last_login", "logins_count", "blocked", "app_metadata", "user_metadata"}
	form := url.Values{"format": {"csv"}, "columns": keys, "total": {"5035"}}
	jobPage := startJob(t, b, form)

	var create *auth0apitest.Call
	for _, c := range a.Tenant.Calls() {
		if c.Method == http.MethodPost && c.Path == "/jobs/users-exports" {
			create = &c
		}
	}
	if create == nil {
		t.Fatal("no export job was created")
	}
	var body map[string]any
	must(t, json.Unmarshal(create.Body, &body))
	fields, _ := json.Marshal(body["fields"])
	if body["format"] != "json" || body["connection_id"] != nil ||
		string(fields) != `[{"name":"app_metadata"},{"name":"blocked"},{"name":"created_at"},{"name":"email"},{"name":"email_verified"},{"name":"identities"},{"name":"last_login"},{"name":"logins_count"},{"name":"name"},{"name":"phone_number"},{"name":"user_id"},{"name":"user_metadata"},{"name":"username"}]` {
		t.Errorf("export job asked for %s", create.Body)
	}
	ev := wantOneChange(t, a.auditEvents(t), "users.export.job", "success")
	if d, _ := ev["details"].(map[string]any); len(anyStrings(d["jobs"])) != 1 || d["format"] != "csv" {
		t.Errorf("job audit details = %v", d)
	}

	_, full := b.get(t, jobPage)
	for _, want := range []string{"Export job", "every connection (one job for the whole tenant)", "export job cannot search", `id="export-job-status"`} {
		if !strings.Contains(full, want) {
			t.Errorf("the job page lacks %q", want)
		}
	}
	status := waitForJob(t, b, jobPage)
	if !strings.Contains(status, `data-state="ready"`) || !strings.Contains(status, `id="export-job-download"`) {
		t.Fatalf("the job did not finish ready:\n%s", status)
	}

	resp, got := downloadJob(t, b, jobPage)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="users-`) {
		t.Fatalf("download = %d %v:\n%.400s", resp.StatusCode, resp.Header, got)
	}
	users := a.Tenant.Users()
	if len(users) < 5000 {
		t.Fatalf("the tenant holds %d users", len(users))
	}
	want := expectedCSV(t, users, keys)
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("line %d differs (%d lines, want %d):\n got %q\nwant %q", i+1, len(gl), len(wl), gl[i], wl[i])
			}
		}
		t.Fatalf("the file has %d lines, want %d", len(gl), len(wl))
	}
	for _, d := range a.Tenant.ExportDownloads() {
		if d.Authorization {
			t.Error("the dashboard sent its Management API token to the export file's host")
		}
	}
	ev = wantOneChange(t, a.auditEvents(t), "users.export", "success")
	if d, _ := ev["details"].(map[string]any); d["count"] != float64(len(users)) || len(anyStrings(d["jobs"])) != 1 {
		t.Errorf("download audit details = %v", d)
	}
}

// exportJobPolicy adds, to the matrix's policy, a partner's admins who reach users of two
// connections.
const exportJobPolicy = matrixPolicy + `
  - name: partner
    members: [userdesk-partner]
    actions: [view, export]
    reach:
      connections: [acme-saml, email]
`

// TestExportJobReach: the job's rows are filtered with the search and the person's reach. The
// regional helpdesk (a reach by metadata, any connection) gets one tenant-wide job and only
// EMEA users that match the search; a partner (a reach by connections) gets one job per
// connection and only users of those; a search's connection filter narrows the job to it.
func TestExportJobReach(t *testing.T) {
	p, err := policy.Load([]byte(exportJobPolicy), "export-test")
	if err != nil {
		t.Fatal(err)
	}
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) { c.Policy = p }
		o.tenant = func(opts *auth0apitest.Options) {
			opts.Users = 400
			opts.Staff = append(opts.Staff, auth0apitest.StaffAccount{Email: "partner@userdesk.test", Password: testPassword, Name: "Pat Partner", Roles: []string{"userdesk-partner"}})
		}
	})
	conns := map[string]string{}
	for _, name := range []string{"acme-saml", "email", "google-oauth2", "Username-Password-Authentication"} {
		page, err := a.srv.users.ListConnections(t.Context(), auth0api.ListConnectionsParams{Name: name})
		must(t, err)
		conns[page.Connections[0].ID] = name
	}
	signIn := func(persona string) *browser {
		if persona != "partner" {
			return a.signIn(t, persona)
		}
		b := a.newBrowser(t)
		b.finishSignIn(t, b.authorize(t, b.startSignIn(t, ""), "partner@userdesk.test"))
		return b
	}

	tests := []struct {
		persona, raw, connection string
		wantConns                []string // connections of the jobs ("" = tenant-wide)
		keep                     func(u map[string]any) bool
	}{
		{"emea", "logins_count:[1 TO 200]", "", []string{""}, func(u map[string]any) bool {
			return region(u) == "emea" && u["logins_count"].(float64) >= 1 && u["logins_count"].(float64) <= 200
		}},
		{"partner", "", "", []string{"acme-saml", "email"}, func(u map[string]any) bool {
			return conn(u) == "acme-saml" || conn(u) == "email"
		}},
		{"admin", "", "google-oauth2", []string{"google-oauth2"}, func(u map[string]any) bool { return conn(u) == "google-oauth2" }},
		{"emea", "", "google-oauth2", []string{"google-oauth2"}, func(u map[string]any) bool {
			return conn(u) == "google-oauth2" && region(u) == "emea"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.persona+" "+tt.raw+" "+tt.connection, func(t *testing.T) {
			b := signIn(tt.persona)
			form := url.Values{"format": {"jsonl"}, "columns": {"user_id", "connection", "logins_count"}, "raw": {tt.raw}, "connection": {tt.connection}}
			jobPage := startJob(t, b, form)
			var gotConns []string
			for _, c := range a.Tenant.Calls() {
				if c.Method == http.MethodPost && c.Path == "/jobs/users-exports" {
					var body map[string]any
					must(t, json.Unmarshal(c.Body, &body))
					id, _ := body["connection_id"].(string)
					gotConns = append(gotConns, conns[id])
				}
			}
			if !slices.Equal(gotConns, tt.wantConns) {
				t.Errorf("jobs for connections %q, want %q", gotConns, tt.wantConns)
			}
			waitForJob(t, b, jobPage)
			resp, file := downloadJob(t, b, jobPage)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("download = %d:\n%.400s", resp.StatusCode, file)
			}
			var got, want []string
			sc := bufio.NewScanner(bytes.NewReader(file))
			for sc.Scan() {
				var row struct {
					UserID string `json:"user_id"`
				}
				must(t, json.Unmarshal(sc.Bytes(), &row))
				got = append(got, row.UserID)
				if !strings.HasPrefix(sc.Text(), `{"user_id":`) || strings.Contains(sc.Text(), "app_metadata") {
					t.Errorf("row has other columns than chosen: %s", sc.Text())
				}
			}
			for _, u := range a.Tenant.Users() {
				if tt.keep(u) {
					want = append(want, u["user_id"].(string))
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("exported %d users, want %d (%q…)", len(got), len(want), want[:min(3, len(want))])
			}
		})
	}
}

func region(u map[string]any) string {
	m, _ := u["app_metadata"].(map[string]any)
	r, _ := m["region"].(string)
	return r
}

func conn(u map[string]any) string {
	v, _ := valueOf(u, "connection")
	s, _ := v.(string)
	return s
}

// TestExportJobIsTheOwners: only the person who started a job sees it: another person (even an
// admin), a tampered or foreign reference and a person without export are refused without a
// Management API call.
func TestExportJobIsTheOwners(t *testing.T) {
	a := matrixApp(t)
	emea := a.signIn(t, "emea")
	jobPage := startJob(t, emea, url.Values{"format": {"csv"}})
	ref := strings.TrimPrefix(jobPage, "/users/export/job?job=")
	admin := a.signIn(t, "admin")
	viewer := a.signIn(t, "viewer")
	tampered, _ := url.QueryUnescape(ref)
	tampered = tampered[:len(tampered)-3] + "AAA"
	for _, tt := range []struct {
		who  *browser
		path string
		want int
	}{
		{admin, jobPage, http.StatusNotFound},
		{admin, strings.Replace(jobPage, "/job?", "/job/download?", 1), http.StatusNotFound},
		{emea, "/users/export/job?job=" + url.QueryEscape(tampered), http.StatusNotFound},
		{emea, "/users/export/job", http.StatusNotFound},
		{emea, "/users/export/job?job=" + url.QueryEscape(`{"s":"x"}`), http.StatusNotFound},
		{viewer, jobPage, http.StatusForbidden},
	} {
		reset(a)
		resp, body := tt.who.get(t, tt.path)
		if resp.StatusCode != tt.want {
			t.Errorf("GET %.60s… = %d, want %d:\n%.300s", tt.path, resp.StatusCode, tt.want, body)
		}
		if calls := a.Tenant.Calls(); len(calls) != 0 {
			t.Errorf("a refused job read called the Management API: %v", calls)
		}
	}
	if resp, _ := emea.get(t, jobPage); resp.StatusCode != http.StatusOK {
		t.Errorf("the owner's job page = %d", resp.StatusCode)
	}
}

// TestExportJobProgressAndStop: the page shows Auth0's percentage and time left while the job
// runs and polls; "stop watching" answers the block without polling and says that Auth0 cannot
// cancel the job; a download before the end is refused in words.
func TestExportJobProgressAndStop(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) {
		o.tenant = func(opts *auth0apitest.Options) { opts.Users = 1000 }
	})
	a.Tenant.SetExportPace(250, 100)
	b := a.signIn(t, "admin")
	jobPage := startJob(t, b, url.Values{"format": {"csv"}})
	_, body := htmxGet(t, b, jobPage)
	if !strings.Contains(body, `data-state="running"`) || !strings.Contains(body, "% exported by Auth0") ||
		!strings.Contains(body, `hx-trigger="every 2s"`) || !strings.Contains(body, "seconds left") {
		t.Errorf("running status:\n%s", body)
	}
	_, body = htmxGet(t, b, jobPage+"&watch=stop")
	if strings.Contains(body, "hx-trigger") || !strings.Contains(body, "Auth0 has no way to cancel an export job") {
		t.Errorf("stopped status:\n%s", body)
	}
	resp, file := downloadJob(t, b, jobPage)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(file), "has not finished this export yet") {
		t.Errorf("early download = %d:\n%.400s", resp.StatusCode, file)
	}
	for _, e := range a.auditEvents(t) {
		if e["event"] == "users.export" {
			t.Errorf("a refused download was audited as an export: %v", e)
		}
	}
}

// TestExportJobFailedAndGone: a job Auth0 failed is explained with Auth0's reason and cannot be
// downloaded; a job Auth0 deleted (after 24 hours) says so.
func TestExportJobFailedAndGone(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	jobPage := startJob(t, b, url.Values{"format": {"csv"}})
	ev := wantOneChange(t, a.auditEvents(t), "users.export.job", "success")
	jobID := anyStrings(ev["details"].(map[string]any)["jobs"])[0]
	if !a.Tenant.FailJob(jobID, "The export ran out of time") {
		t.Fatal("FailJob found no job")
	}
	status := waitForJob(t, b, jobPage)
	if !strings.Contains(status, `data-state="failed"`) || !strings.Contains(status, "Auth0 says: The export ran out of time.") {
		t.Errorf("failed status:\n%s", status)
	}
	resp, file := downloadJob(t, b, jobPage)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(file), "ran out of time") {
		t.Errorf("download of a failed job = %d:\n%.400s", resp.StatusCode, file)
	}

	// A job Auth0 no longer has (it deletes them after 24 hours; the tenant's token would expire
	// before, so the reference names a job it never had).
	me := a.sessionIdentity(t, b)
	ref, err := securecookie.EncodeMulti(exportRefName, exportRef{Issuer: me.Issuer, Subject: me.Subject,
		Jobs: []exportRefJob{{ID: "job_00000000deleted0"}}, Format: "csv", Created: a.Clock.Now()}, a.srv.exportCodecs...)
	must(t, err)
	_, body := b.get(t, "/users/export/job?job="+url.QueryEscape(ref))
	if !strings.Contains(body, `data-state="gone"`) || !strings.Contains(body, "24 hours") {
		t.Errorf("a deleted job's page:\n%s", body)
	}
}

// TestExportJobMatchesInMemory: the rows kept are those the in-memory matcher admits for the
// search, as Auth0's search would find them: the same users as a search of the same query.
func TestExportJobMatchesInMemory(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) {
		o.tenant = func(opts *auth0apitest.Options) { opts.Users = 300 }
	})
	b := a.signIn(t, "admin")
	raw := `app_metadata.plan:pro AND NOT blocked:true AND email:*gmail.com`
	jobPage := startJob(t, b, url.Values{"format": {"csv"}, "columns": {"user_id"}, "raw": {raw}})
	waitForJob(t, b, jobPage)
	_, file := downloadJob(t, b, jobPage)
	rows, err := csv.NewReader(bytes.NewReader(file)).ReadAll()
	must(t, err)
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0])
	}
	page, err := a.srv.users.ListUsers(t.Context(), auth0api.ListUsersParams{Q: raw, PerPage: 100})
	must(t, err)
	var want []string
	for _, u := range page.Users {
		want = append(want, u.UserID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) == 0 || len(want) == 100 || !slices.Equal(got, want) {
		t.Errorf("the job kept %d users, the search finds %d", len(got), len(want))
	}
}
