package auth0apitest_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
)

// connectionID returns the id of the tenant's connection called name.
func connectionID(t *testing.T, e *env, name string) string {
	t.Helper()
	list := e.call(t, "GET", "/connections?name="+url.QueryEscape(name), nil).array(t)
	if len(list) != 1 {
		t.Fatalf("connection %s: %v", name, list)
	}
	return list[0].(map[string]any)["id"].(string)
}

// download fetches an export's location without a token and returns the
// status and the gunzipped content.
func download(t *testing.T, location string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", location, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/gzip" {
		t.Errorf("Content-Type %q", ct)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// exportNow creates an export and reads it until it completes, returning
// the completed job.
func exportNow(t *testing.T, e *env, body map[string]any) map[string]any {
	t.Helper()
	r := e.call(t, "POST", "/jobs/users-exports", body)
	if r.status != http.StatusOK {
		t.Fatalf("POST /jobs/users-exports: %d %s", r.status, r.raw)
	}
	id := r.object(t)["id"].(string)
	for range 100 {
		job := e.call(t, "GET", "/jobs/"+id, nil).object(t)
		if job["status"] == "completed" {
			return job
		}
	}
	t.Fatal("the export never completed")
	return nil
}

// TestExportFileFormat checks the exact bytes of CSV and JSON exports of
// awkward values: Auth0's OWASP escaping (leading single quote, doubled
// double quotes, every string quoted), bare numbers, booleans and generated
// dates, JSON text for arrays, empty cells for missing values, a quoted
// header only where needed, and NDJSON with flat keys and no HTML escaping.
func TestExportFileFormat(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	e.tenant.PutUser(map[string]any{
		"user_id": "samlp|acme-saml|q@acme.example", "email": "q@acme.example", "email_verified": false,
		"name": `=HYPERLINK("http://x","click"), Esq.`, "logins_count": 3, "created_at": "2026-01-02T03:04:05.678Z",
		"identities":    []any{map[string]any{"connection": "acme-saml", "provider": "samlp", "user_id": "acme-saml|q@acme.example", "isSocial": false}},
		"multifactor":   []any{"guardian"},
		"user_metadata": map[string]any{"note": "line1\nline2 <b>&"},
		"app_metadata":  map[string]any{"tags": []any{"a", "b"}},
	})
	e.tenant.PutUser(map[string]any{
		"user_id":    "samlp|acme-saml|nobody",
		"identities": []any{map[string]any{"connection": "acme-saml", "provider": "samlp", "user_id": "acme-saml|nobody", "isSocial": false}},
	})
	alan, _ := e.tenant.User(auth0apitest.FixtureEnterpriseUserID)
	fields := []any{
		map[string]any{"name": "user_id"}, map[string]any{"name": "name", "export_as": "Name, full"}, map[string]any{"name": "email"},
		map[string]any{"name": "email_verified"}, map[string]any{"name": "logins_count"}, map[string]any{"name": "created_at"},
		map[string]any{"name": "multifactor"}, map[string]any{"name": "user_metadata.note"}, map[string]any{"name": "app_metadata.tags"},
		map[string]any{"name": "identities[0].provider"}, map[string]any{"name": "last_login"},
	}
	conn := connectionID(t, e, auth0apitest.EnterpriseConnection)

	job := exportNow(t, e, map[string]any{"connection_id": conn, "format": "csv", "fields": fields})
	if job["connection"] != auth0apitest.EnterpriseConnection || job["connection_id"] != conn || job["percentage_done"] != float64(100) {
		t.Errorf("job %v", job)
	}
	if !strings.HasPrefix(job["location"].(string), e.url+"/user-exports/"+job["id"].(string)+"/tenant.csv.gz?Expires=") {
		t.Errorf("location %v", job["location"])
	}
	status, got := download(t, job["location"].(string), nil)
	want := `user_id,"Name, full",email,email_verified,logins_count,created_at,multifactor,user_metadata.note,app_metadata.tags,identities[0].provider,last_login` + "\n" +
		`"'samlp|acme-saml|alan.turing@acme.example","'Alan Turing","'alan.turing@acme.example",true,3,` + alan["created_at"].(string) + `,,,,"'samlp",` + alan["last_login"].(string) + "\n" +
		`"'samlp|acme-saml|q@acme.example","'=HYPERLINK(""http://x"",""click""), Esq.","'q@acme.example",false,3,2026-01-02T03:04:05.678Z,"'[""guardian""]","'line1` + "\n" + `line2 <b>&","'[""a"",""b""]","'samlp",` + "\n" +
		`"'samlp|acme-saml|nobody",,,,,,,,,"'samlp",` + "\n"
	if status != http.StatusOK || got != want {
		t.Errorf("CSV (%d):\n%s\nwant:\n%s", status, got, want)
	}

	job = exportNow(t, e, map[string]any{"connection_id": conn, "format": "json", "fields": fields, "limit": 3})
	status, got = download(t, job["location"].(string), nil)
	want = `{"user_id":"samlp|acme-saml|alan.turing@acme.example","Name, full":"Alan Turing","email":"alan.turing@acme.example","email_verified":true,"logins_count":3,"created_at":"` + alan["created_at"].(string) + `","identities[0].provider":"samlp","last_login":"` + alan["last_login"].(string) + `"}` + "\n" +
		`{"user_id":"samlp|acme-saml|q@acme.example","Name, full":"=HYPERLINK(\"http://x\",\"click\"), Esq.","email":"q@acme.example","email_verified":false,"logins_count":3,"created_at":"2026-01-02T03:04:05.678Z","multifactor":["guardian"],"user_metadata.note":"line1\nline2 <b>&","app_metadata.tags":["a","b"],"identities[0].provider":"samlp"}` + "\n" +
		`{"user_id":"samlp|acme-saml|nobody","identities[0].provider":"samlp"}` + "\n"
	if status != http.StatusOK || got != want {
		t.Errorf("JSON (%d):\n%s\nwant:\n%s", status, got, want)
	}

	// limit, and the default fields (app_metadata and user_metadata whole in JSON).
	job = exportNow(t, e, map[string]any{"connection_id": conn, "format": "json", "limit": 2})
	_, got = download(t, job["location"].(string), nil)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"user_id":"samlp|acme-saml|alan.turing@acme.example","email":"alan.turing@acme.example","email_verified":true,"name":"Alan Turing"`) ||
		!strings.Contains(lines[0], `"identities[0].connection":"acme-saml","identities":[{`) || !strings.HasSuffix(lines[1], `"app_metadata":{"tags":["a","b"]},"user_metadata":{"note":"line1\nline2 <b>&"}}`) {
		t.Errorf("default JSON fields:\n%s", got)
	}
	job = exportNow(t, e, map[string]any{"connection_id": conn})
	_, got = download(t, job["location"].(string), nil)
	if !strings.HasPrefix(got, "user_id,email,email_verified,username,phone_number,phone_verified,name,given_name,family_name,nickname,picture,created_at,updated_at,last_login,last_ip,logins_count,blocked,identities[0].connection\n") ||
		strings.Count(got, "\n") != 4 || job["format"] != "csv" {
		t.Errorf("default CSV fields (format %v):\n%s", job["format"], got)
	}
}

// TestExportProgress: with SetExportPace, a job's progress follows the
// tenant's clock and the reads of the job, exactly; an unfinished job fails
// after 8 hours; job data is gone after 24.
func TestExportProgress(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, auth0apitest.Options{Users: 241, Seed: 5, Now: clk.Now}) // 250 users with the fixtures
	e.token = e.tenant.TokenFor(auth0apitest.TestClientID, auth0apitest.AllScopes, 72*time.Hour)
	e.tenant.SetExportPace(10, 100)
	r := e.call(t, "POST", "/jobs/users-exports", map[string]any{"format": "json"})
	created := r.object(t)
	if r.status != 200 || created["status"] != "pending" || created["type"] != "users_export" || created["format"] != "json" {
		t.Fatalf("created %d %v", r.status, created)
	}
	if _, ok := created["connection"]; ok {
		t.Errorf("a tenant-wide export names a connection: %v", created)
	}
	id := created["id"].(string)
	read := func() map[string]any { return e.call(t, "GET", "/jobs/"+id, nil).object(t) }
	for _, step := range []struct {
		advance  time.Duration
		status   string
		percent  float64
		timeLeft float64
	}{
		{0, "processing", 4, 3},                       // one read: 10 users of 250, 240 left at 100/s
		{time.Second, "processing", 48, 2},            // two reads and one second: 120
		{500 * time.Millisecond, "processing", 72, 1}, // 30 + 150 = 180
		{time.Second, "completed", 100, 0},
	} {
		clk.Add(step.advance)
		job := read()
		if job["status"] != step.status || job["percentage_done"] != step.percent || job["time_left_seconds"] != step.timeLeft {
			t.Errorf("after %v: %v, want %s %v%% %vs left", step.advance, job, step.status, step.percent, step.timeLeft)
		}
		if _, has := job["location"]; has != (step.status == "completed") {
			t.Errorf("%s job with location %v", step.status, job["location"])
		}
	}
	if r := e.call(t, "GET", "/jobs/"+id+"/errors", nil); r.status != http.StatusNoContent || len(r.raw) != 0 {
		t.Errorf("errors of a completed job: %d %s", r.status, r.raw)
	}

	// Without progress, a job fails after 8 hours.
	e.tenant.SetExportPace(0, 0)
	stuck := e.call(t, "POST", "/jobs/users-exports", map[string]any{}).object(t)["id"].(string)
	if job := e.call(t, "GET", "/jobs/"+stuck, nil).object(t); job["status"] != "pending" || job["percentage_done"] != float64(0) {
		t.Errorf("a job that has not started: %v", job)
	}
	clk.Add(8 * time.Hour)
	job := e.call(t, "GET", "/jobs/"+stuck, nil).object(t)
	if job["status"] != "failed" || job["status_details"] != "The job timed out after 8 hours." {
		t.Errorf("after 8 hours: %v", job)
	}
	errs := e.call(t, "GET", "/jobs/"+stuck+"/errors", nil)
	if errs.status != http.StatusOK || errs.object(t)["status_details"] != "The job timed out after 8 hours." || errs.object(t)["id"] != stuck {
		t.Errorf("errors of a failed job: %d %s", errs.status, errs.raw)
	}
	clk.Add(16 * time.Hour)
	wantError(t, e.call(t, "GET", "/jobs/"+id, nil), http.StatusNotFound, "", "Job not found.")
	wantError(t, e.call(t, "GET", "/jobs/"+id+"/errors", nil), http.StatusNotFound, "", "The job does not exist")
	wantError(t, e.call(t, "GET", "/jobs/job_nope", nil), http.StatusNotFound, "", "Job not found.")
}

// TestExportLinks: the location needs no token but a valid signature, and
// expires 60 seconds (of the tenant's clock) after the read that gave it.
func TestExportLinks(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, auth0apitest.Options{Now: clk.Now})
	job := exportNow(t, e, map[string]any{"limit": 1})
	loc := job["location"].(string)
	u, _ := url.Parse(loc)
	q := u.Query()

	if status, _ := download(t, loc, http.Header{"Authorization": {"Bearer " + e.token}}); status != http.StatusOK {
		t.Errorf("with a token: %d", status)
	}
	tampered := *u
	q2 := url.Values{"Expires": {q.Get("Expires")}, "Signature": {q.Get("Signature") + "x"}}
	tampered.RawQuery = q2.Encode()
	if status, body := download(t, tampered.String(), nil); status != http.StatusForbidden || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("a tampered signature: %d %s", status, body)
	}
	later := *u
	q3 := url.Values{"Expires": {"99999999999"}, "Signature": {q.Get("Signature")}}
	later.RawQuery = q3.Encode()
	if status, _ := download(t, later.String(), nil); status != http.StatusForbidden {
		t.Errorf("a later Expires with the same signature: %d", status)
	}
	other := *u
	other.Path = strings.Replace(u.Path, job["id"].(string), "job_AAAAAAAAAAAAAAAA", 1)
	if status, _ := download(t, other.String(), nil); status != http.StatusForbidden {
		t.Errorf("the signature of another job: %d", status)
	}
	clk.Add(60 * time.Second)
	if status, _ := download(t, loc, nil); status != http.StatusOK {
		t.Errorf("at 60 s: %d", status)
	}
	clk.Add(time.Second)
	if status, body := download(t, loc, nil); status != http.StatusForbidden || !strings.Contains(body, "Request has expired") {
		t.Errorf("at 61 s: %d %s", status, body)
	}
	got := e.tenant.ExportDownloads()
	if len(got) != 6 || !got[0].Authorization || got[1].Authorization || got[4].Status != 200 || got[5].Status != 403 {
		t.Errorf("downloads %+v", got)
	}
	e.tenant.Fail(auth0apitest.ExportFilesRoute, auth0apitest.Fault{Status: 503, Times: 1})
	fresh := e.call(t, "GET", "/jobs/"+job["id"].(string), nil).object(t)["location"].(string)
	if status, _ := download(t, fresh, nil); status != http.StatusServiceUnavailable {
		t.Errorf("an injected fault: %d", status)
	}
	if status, _ := download(t, fresh, nil); status != http.StatusOK {
		t.Errorf("after the fault: %d", status)
	}
}

// TestExportRefusals: Auth0's limits and payload errors.
func TestExportRefusals(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	post := func(body any) response { return e.call(t, "POST", "/jobs/users-exports", body) }
	fields := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"name": "user_metadata.f" + string(rune('a'+i%26)) + string(rune('a'+i/26))}
		}
		return out
	}
	wantError(t, post(map[string]any{"limit": 0}), 400, "invalid_body", "Payload validation error: 'Value 0 is less than minimum 1' on property limit (Limit the number of records).")
	wantError(t, post(map[string]any{"limit": 1.5}), 400, "invalid_body", "Payload validation error: 'Expected type integer but found type number' on property limit (Limit the number of records).")
	wantError(t, post(map[string]any{"format": "xml"}), 400, "invalid_body", "Payload validation error: 'No enum match for: xml' on property format (Format of the file. Must be `json` or `csv`).")
	wantError(t, post(map[string]any{"q": "email:*@example.com"}), 400, "invalid_body", "Payload validation error: 'Additional properties not allowed: q'.")
	wantError(t, post(map[string]any{"connection_id": "con_0000000000000001"}), 400, "inexistent_connection", "The connection does not exist.")
	wantError(t, post(map[string]any{"connection_id": "Username-Password-Authentication"}), 400, "invalid_body", "")
	wantError(t, post(map[string]any{"fields": []any{map[string]any{"export_as": "x"}}}), 400, "invalid_body", "Payload validation error: 'Missing required property: name'.")
	wantError(t, post(map[string]any{"fields": []any{map[string]any{"name": strings.Repeat("n", 101)}}}), 400, "invalid_body",
		"Payload validation error: 'String is too long (101 chars), maximum 100' on property fields/0/name (Name of the field in the profile).")
	wantError(t, post(map[string]any{"fields": []any{map[string]any{"name": "email", "colour": "red"}}}), 400, "invalid_body", "Payload validation error: 'Additional properties not allowed: colour'.")
	wantError(t, post(map[string]any{"fields": []any{"email"}}), 400, "invalid_body", "Payload validation error: 'Expected type object but found type string' on property fields/0.")
	wantError(t, post(map[string]any{"format": "csv", "fields": fields(31)}), 400, "invalid_body", "A CSV export can hold at most 30 fields (31 were given); use the JSON format for more.")
	wantError(t, post(map[string]any{"fields": []any{map[string]any{"name": "user_metadata"}}}), 400, "invalid_body", "")
	for _, ok := range []map[string]any{
		{"format": "csv", "fields": fields(30)},
		{"format": "json", "fields": append(fields(40), map[string]any{"name": "app_metadata"})},
		{"format": "csv", "fields": []any{map[string]any{"name": "app_metadata.plan"}}},
	} {
		if r := post(ok); r.status != 200 {
			t.Errorf("%v: %d %s", ok, r.status, r.raw)
		}
	}
	wantError(t, e.callWith(t, e.tenant.Token("create:users"), "POST", "/jobs/users-exports", map[string]any{}), 403, "insufficient_scope", "Insufficient scope, expected any of: read:users")
}

// TestVerificationJobRead: GET /jobs/{id} also reads verification-email
// jobs (completed: the tenant "sends" the e-mail at once), which have no
// errors.
func TestVerificationJobRead(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	id := e.call(t, "POST", "/jobs/verification-email", map[string]any{"user_id": auth0apitest.FixtureBlockedUserID}).object(t)["id"].(string)
	job := e.call(t, "GET", "/jobs/"+id, nil).object(t)
	if job["status"] != "completed" || job["type"] != "verification_email" || job["id"] != id || job["created_at"] == nil {
		t.Errorf("job %v", job)
	}
	if r := e.call(t, "GET", "/jobs/"+id+"/errors", nil); r.status != http.StatusNoContent {
		t.Errorf("errors: %d %s", r.status, r.raw)
	}
}

// TestExportLinkUnderAPrefix: mounted under a path prefix, as demo mode
// mounts it under /tenant, the tenant signs and serves links under that
// prefix.
func TestExportLinkUnderAPrefix(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	tn := auth0apitest.New(auth0apitest.Options{BaseURL: "http://" + srv.Listener.Addr().String() + "/tenant"})
	mux := http.NewServeMux()
	mux.Handle("/tenant/", http.StripPrefix("/tenant", tn))
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	e := &env{tenant: tn, url: srv.URL + "/tenant", token: tn.Token(auth0apitest.AllScopes...)}
	job := exportNow(t, e, map[string]any{"limit": 2, "format": "json"})
	loc := job["location"].(string)
	if !strings.HasPrefix(loc, srv.URL+"/tenant/user-exports/") {
		t.Fatalf("location %s", loc)
	}
	if status, body := download(t, loc, nil); status != http.StatusOK || strings.Count(body, "\n") != 2 {
		t.Errorf("download: %d %q", status, body)
	}
}
