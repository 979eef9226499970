package auth0api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
)

// testClock is a tenant clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// exportTenant starts a tenant of users seeded users on a stopped clock and
// a client on it, with a token valid for three days of that clock.
// (TestMethodsOnEmulatedTenant checks the client's requests against the
// OpenAPI file.)
func exportTenant(t *testing.T, users int) (*auth0apitest.Tenant, *auth0api.Client, *testClock) {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{Users: users, Seed: 16, Now: clock.Now})
	cfg := auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: tn.TokenFor(auth0apitest.TestClientID, auth0apitest.AllScopes, 72*time.Hour)}
	c, err := auth0api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tn, c, clock
}

// The fields the export test asks for: root strings, generated dates, a
// number, a boolean, metadata paths, identities by index (a linked identity
// for some users), a renamed column, and fields most users lack.
var exportTestFields = []auth0api.ExportField{
	{Name: "user_id"}, {Name: "email"}, {Name: "name", ExportAs: "Full name"}, {Name: "email_verified"},
	{Name: "logins_count"}, {Name: "created_at"}, {Name: "last_login"}, {Name: "phone_number"},
	{Name: "app_metadata.plan", ExportAs: "plan"}, {Name: "user_metadata.locale"},
	{Name: "identities[0].connection", ExportAs: "connection"}, {Name: "identities[1].provider", ExportAs: "linked, provider"},
	{Name: "multifactor"}, {Name: "blocked"},
}

// exportValue follows a field name ("identities[1].provider") into a user.
func exportValue(u map[string]any, name string) (any, bool) {
	var cur any = u
	for _, part := range strings.Split(name, ".") {
		key, index, indexed := strings.Cut(strings.TrimSuffix(part, "]"), "[")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[key]; !ok {
			return nil, false
		}
		if indexed {
			i, _ := strconv.Atoi(index)
			list, ok := cur.([]any)
			if !ok || i >= len(list) {
				return nil, false
			}
			cur = list[i]
		}
	}
	return cur, cur != nil
}

// wantExport writes, independently of the tenant, the file Auth0's format
// gives for users and fields.
func wantExport(t *testing.T, users []map[string]any, fields []auth0api.ExportField, format string) []byte {
	t.Helper()
	var b bytes.Buffer
	title := func(f auth0api.ExportField) string {
		if f.ExportAs != "" {
			return f.ExportAs
		}
		return f.Name
	}
	jsonText := func(v any) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(buf.String(), "\n")
	}
	if format == auth0api.ExportCSV {
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(',')
			}
			if s := title(f); strings.ContainsAny(s, ",\"\n") {
				b.WriteString(`"` + strings.ReplaceAll(s, `"`, `""`) + `"`)
			} else {
				b.WriteString(s)
			}
		}
		b.WriteByte('\n')
	}
	for _, u := range users {
		if format == auth0api.ExportJSON {
			b.WriteByte('{')
			n := 0
			for _, f := range fields {
				if v, ok := exportValue(u, f.Name); ok {
					if n > 0 {
						b.WriteByte(',')
					}
					n++
					b.WriteString(jsonText(title(f)) + ":" + jsonText(v))
				}
			}
			b.WriteString("}\n")
			continue
		}
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(',')
			}
			v, ok := exportValue(u, f.Name)
			if !ok {
				continue
			}
			switch x := v.(type) {
			case string:
				if f.Name == "created_at" || f.Name == "last_login" {
					b.WriteString(x) // Auth0-generated dates are not escaped
				} else {
					b.WriteString(`"'` + strings.ReplaceAll(x, `"`, `""`) + `"`)
				}
			case float64:
				b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
			case bool:
				b.WriteString(strconv.FormatBool(x))
			default:
				b.WriteString(`"'` + strings.ReplaceAll(jsonText(x), `"`, `""`) + `"`)
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// TestExportOf5000Users runs a users export of the whole tenant (5,000
// seeded users and the fixtures) through the export job, polls it to
// completion, downloads it with the client and compares the file byte for
// byte with the fields asked for, in CSV and in JSON.
func TestExportOf5000Users(t *testing.T) {
	tn, c, clock := exportTenant(t, 5000)
	users := tn.Users()
	if len(users) < 5000 {
		t.Fatalf("%d users", len(users))
	}
	linked := 0
	for _, u := range users {
		if len(u["identities"].([]any)) > 1 {
			linked++
		}
	}
	if linked < 100 {
		t.Errorf("only %d users with a linked identity", linked)
	}
	for _, format := range []string{auth0api.ExportCSV, auth0api.ExportJSON} {
		t.Run(format, func(t *testing.T) {
			ctx := t.Context()
			job, err := c.CreateUsersExportJob(ctx, auth0api.UsersExport{Format: format, Fields: exportTestFields})
			if err != nil {
				t.Fatal(err)
			}
			if job.Status != auth0api.JobPending || job.Type != "users_export" || job.Format != format || len(job.Fields) != len(exportTestFields) ||
				job.ConnectionID != "" || job.Location != "" {
				t.Fatalf("created job %+v", job)
			}
			// The clock stands still: each read processes 1,000 users.
			var progress []int
			for {
				job, err = c.GetJob(ctx, job.ID)
				if err != nil {
					t.Fatal(err)
				}
				if job.Status != auth0api.JobProcessing {
					break
				}
				if job.Location != "" || job.TimeLeftSeconds <= 0 {
					t.Errorf("processing job %+v has a location or no time left", job)
				}
				progress = append(progress, job.PercentageDone)
			}
			wantProgress := []int{}
			for done := 1000; done < len(users); done += 1000 {
				wantProgress = append(wantProgress, done*100/len(users))
			}
			if job.Status != auth0api.JobCompleted || job.PercentageDone != 100 || job.Location == "" || fmtInts(progress) != fmtInts(wantProgress) {
				t.Fatalf("job %v after progress %v, want completed after %v", job, progress, wantProgress)
			}
			if strings.Contains(job.String(), "Signature") || strings.Contains(slogText(job), "Signature") {
				t.Errorf("the job's String or LogValue shows its link: %s / %s", job.String(), slogText(job))
			}

			rc, err := c.DownloadUsersExport(ctx, job.Location)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := wantExport(t, users, exportTestFields, format)
			if !bytes.Equal(got, want) {
				gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("line %d differs (%d and %d lines):\n got %s\nwant %s", i, len(gl), len(wl), gl[i], wl[i])
					}
				}
				t.Fatalf("%d lines, want %d", len(gl), len(wl))
			}
			t.Logf("%s export: %d users, %d bytes, read %d times", format, len(users), len(got), len(progress)+1)
			downloads := tn.ExportDownloads()
			if d := downloads[len(downloads)-1]; d.Authorization || d.JobID != job.ID || d.Status != 200 {
				t.Errorf("download %+v: want no Authorization header and a 200", d)
			}

			// The link expires after 60 s; a new read of the job gives a new one.
			clock.Add(61 * time.Second)
			if _, err := downloadAll(ctx, c, job.Location); !errors.Is(err, auth0api.ErrForbidden) {
				t.Errorf("a 61-second-old link: %v, want ErrForbidden", err)
			}
			again, err := c.GetJob(ctx, job.ID)
			if err != nil || again.Location == job.Location {
				t.Fatalf("a new read: %v, same link %v", err, again.Location == job.Location)
			}
			if got2, err := downloadAll(ctx, c, again.Location); err != nil || !bytes.Equal(got2, want) {
				t.Errorf("the fresh link: %d bytes, %v", len(got2), err)
			}
		})
	}
	// Job data is deleted after 24 hours.
	job, err := c.CreateUsersExportJob(t.Context(), auth0api.UsersExport{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if done, err := c.WaitForJob(t.Context(), job.ID, time.Millisecond); err != nil || done.Limit != 3 {
		t.Fatalf("WaitForJob: %v %v", done, err)
	}
	clock.Add(24 * time.Hour)
	if _, err := c.GetJob(t.Context(), job.ID); !errors.Is(err, auth0api.ErrNotFound) {
		t.Errorf("a day-old job: %v, want ErrNotFound", err)
	}
}

func fmtInts(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// slogText logs v with a JSON handler and returns the line.
func slogText(v any) string {
	var b bytes.Buffer
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "v", v)
	return b.String()
}

// TestExportJobFailure: a failed job makes WaitForJob fail with
// ErrJobFailed, and its errors name why.
func TestExportJobFailure(t *testing.T) {
	tn, c, _ := exportTenant(t, 0)
	tn.SetExportPace(0, 0)
	job, err := c.CreateUsersExportJob(t.Context(), auth0api.UsersExport{Format: auth0api.ExportJSON})
	if err != nil {
		t.Fatal(err)
	}
	if e, err := c.GetJobErrors(t.Context(), job.ID); err != nil || e.Job != nil || len(e.Users) != 0 {
		t.Errorf("errors of a running job: %+v %v, want none", e, err)
	}
	if !tn.FailJob(job.ID, "The export was cancelled.") {
		t.Fatal("FailJob: no such job")
	}
	failed, err := c.WaitForJob(t.Context(), job.ID, time.Millisecond)
	if !errors.Is(err, auth0api.ErrJobFailed) || failed == nil || failed.StatusDetails != "The export was cancelled." {
		t.Fatalf("WaitForJob: %v, %v", failed, err)
	}
	e, err := c.GetJobErrors(t.Context(), job.ID)
	if err != nil || e.Job == nil || e.Job.StatusDetails != "The export was cancelled." {
		t.Errorf("GetJobErrors: %+v, %v", e, err)
	}
}

// TestExportRefusals: Auth0's limits, through the client.
func TestExportRefusals(t *testing.T) {
	_, c, _ := exportTenant(t, 0)
	many := make([]auth0api.ExportField, 31)
	for i := range many {
		many[i] = auth0api.ExportField{Name: "user_metadata.f" + strconv.Itoa(i)}
	}
	for name, e := range map[string]auth0api.UsersExport{
		"31 CSV fields":          {Format: auth0api.ExportCSV, Fields: many},
		"app_metadata in CSV":    {Fields: []auth0api.ExportField{{Name: "app_metadata"}}},
		"an unknown format":      {Format: "xml"},
		"an unknown connection":  {ConnectionID: "con_0000000000000001"},
		"a malformed connection": {ConnectionID: "Username-Password-Authentication"},
		"a long field name":      {Fields: []auth0api.ExportField{{Name: strings.Repeat("x", 101)}}},
	} {
		if _, err := c.CreateUsersExportJob(t.Context(), e); !errors.Is(err, auth0api.ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", name, err)
		}
	}
	if _, err := c.CreateUsersExportJob(t.Context(), auth0api.UsersExport{Format: auth0api.ExportJSON, Fields: append(many, auth0api.ExportField{Name: "app_metadata"})}); err != nil {
		t.Errorf("31 fields and app_metadata in JSON: %v", err)
	}
}

// BenchmarkUsersExport runs a whole export of a 5,000-user tenant through the
// client: create the job, wait for it, stream the CSV file. B/op is the
// client's and the tenant's memory for the whole export (both run here).
func BenchmarkUsersExport(b *testing.B) {
	clock := &testClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	tn, srv := auth0apitest.NewServer(b, auth0apitest.Options{Users: 5000, Seed: 16, Now: clock.Now})
	tn.SetExportPace(1_000_000, 0)
	c, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: tn.Token(auth0apitest.AllScopes...)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var size int64
	for b.Loop() {
		job, err := c.CreateUsersExportJob(b.Context(), auth0api.UsersExport{Format: auth0api.ExportCSV, Fields: exportTestFields})
		if err != nil {
			b.Fatal(err)
		}
		if job, err = c.WaitForJob(b.Context(), job.ID, time.Millisecond); err != nil {
			b.Fatal(err)
		}
		rc, err := c.DownloadUsersExport(b.Context(), job.Location)
		if err != nil {
			b.Fatal(err)
		}
		if size, err = io.Copy(io.Discard, rc); err != nil {
			b.Fatal(err)
		}
		rc.Close()
	}
	b.ReportMetric(float64(size)/(1<<20), "file-MB")
}
