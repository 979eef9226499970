package auth0apitest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Users exports: POST /jobs/users-exports, GET /jobs/{id}, GET
// /jobs/{id}/errors, and the download of the job's location, which the
// tenant serves itself under /user-exports/ as a pre-signed link (no bearer
// token; it expires).
//
// What Auth0 confirms (auth0-staff-and-account-security.md §8, the
// TestJobManager_ExportUsers recording, the OAS) and the tenant does:
//   - POST answers 200 with the pending job (type users_export, the request's
//     connection_id, format, limit and fields, the connection's name, id
//     "job_" + 16 characters); no q, sort or paging (additionalProperties is
//     false, so they are 400s); connection_id omitted exports every
//     connection; limit ≥ 1; fields' name and export_as ≤ 100 characters;
//     an unknown connection is 400 "The connection does not exist.";
//   - CSV allows at most 30 fields and not app_metadata or user_metadata as a
//     whole (refused here with a 400; Auth0's wording is not documented);
//   - the file is gzip'd; JSON is NDJSON (one object per line); in CSV every
//     string is wrapped in double quotes with a leading single quote and
//     embedded double quotes doubled (OWASP CSV-injection escaping), except
//     Auth0-generated ISO 8601 dates;
//   - the location is valid for 60 seconds, and every GET /jobs/{id} of a
//     completed job gives a fresh one; job data is deleted after 24 hours
//     (the job and its file are then 404); an unfinished job fails after 8
//     hours.
//
// Decided where Auth0 is silent (§10.7), so that tests can rely on it:
//   - the job moves pending → processing → completed (processing is not a
//     documented status; clients treat unknown statuses as running), at the
//     pace SetExportPace sets: each GET /jobs/{id} processes perRead users and
//     each second of the tenant's clock perSecond more (defaults 1000 and
//     2000), so with a fixed clock the sequence is exactly determined by the
//     reads; percentage_done and time_left_seconds follow;
//   - the users exported are those present when the job is created, in the
//     tenant's order, filtered by their primary identity's connection;
//     linked secondary identities are not users and appear only inside their
//     primary's identities;
//   - the CSV header row holds each field's export_as (or name), quoted only
//     when it must be (RFC 4180); a missing value is an empty cell in CSV
//     and an absent key in JSON, whose keys are export_as (or name), flat
//     ("identities[0].connection" is one key); numbers and booleans are
//     written bare; arrays and objects in CSV are their JSON text, escaped as
//     strings; lines end with "\n";
//   - format defaults to csv; without fields, the default set is the root
//     profile (defaultExportFields), plus identities, app_metadata and
//     user_metadata in JSON;
//   - the job answer has no connection_id and no connection when every
//     connection is exported (the OAS marks connection required, but there
//     is no connection to name);
//   - no limit on concurrent export jobs (Auth0 documents one only for
//     imports);
//   - GET /jobs/{id}/errors answers 204 for a job without errors and 200 with
//     the job (status_details) for a failed one.

// Export limits and lifetimes.
const (
	maxCSVExportFields   = 30
	maxExportFieldLength = 100
	exportLinkLifetime   = 60 * time.Second
	jobRetention         = 24 * time.Hour
	exportTimeout        = 8 * time.Hour

	defaultExportPerRead   = 1000
	defaultExportPerSecond = 2000
)

// exportFilesPrefix is where the tenant serves export files.
const exportFilesPrefix = "/user-exports/"

// ExportFilesRoute names the export download for Fail.
const ExportFilesRoute = "GET " + exportFilesPrefix + "{job_id}/{file}"

// defaultExportFields is the file's content when the request names no fields.
var defaultExportFields = []string{"user_id", "email", "email_verified", "username", "phone_number", "phone_verified",
	"name", "given_name", "family_name", "nickname", "picture", "created_at", "updated_at", "last_login", "last_ip",
	"logins_count", "blocked", "identities[0].connection"}

// generatedDates are the root attributes holding Auth0-generated ISO 8601
// dates, which CSV exports leave unescaped.
var generatedDates = []string{"created_at", "updated_at", "last_login", "last_password_reset", "multifactor_last_modified"}

// exportJob is one users export.
type exportJob struct {
	id      string
	created time.Time
	conn    *connection // nil: every connection
	format  string
	limit   int // 0: all
	fields  []exportField
	echo    []any // the request's fields as sent (nil when none)
	users   []map[string]any
	polls   int
	failed  string // status_details once the job failed
	// file names the download (tenant-job.csv.gz).
	file string
}

// exportField is one column of an export.
type exportField struct {
	title string
	path  []pathStep
	date  bool // an Auth0-generated date
	whole bool // app_metadata or user_metadata as a whole
}

// pathStep is one step of a field path: a key, then optional [n] indexes.
type pathStep struct {
	key     string
	indexes []int
}

// ExportDownload is one request for an export file.
type ExportDownload struct {
	JobID string
	// Authorization reports whether the request carried an Authorization
	// header (a client must never send its Management API token there).
	Authorization bool
	Status        int
}

// SetExportPace sets how fast users exports progress: each GET /jobs/{id}
// processes perRead users and each second of the tenant's clock since the
// job was created perSecond more. Negative values count as zero; with both
// zero, jobs never finish (and fail after 8 hours of the tenant's clock).
func (t *Tenant) SetExportPace(perRead int, perSecond float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dir.exportPerRead, t.dir.exportPerSecond = max(0, perRead), math.Max(0, perSecond)
}

// FailJob makes the users export job id fail, with details as its
// status_details, and reports whether there is such a job.
func (t *Tenant) FailJob(id, details string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.dir.exports[id]
	if j == nil {
		return false
	}
	j.failed = details
	return true
}

// ExportDownloads returns the requests made for export files, in order.
func (t *Tenant) ExportDownloads() []ExportDownload {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return append([]ExportDownload(nil), t.dir.downloads...)
}

// Users returns every user of the tenant, in its order (the order of exports
// and unsorted lists), as stored.
func (t *Tenant) Users() []map[string]any {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]map[string]any, len(t.dir.order))
	for i, rec := range t.dir.order {
		out[i] = normalize(rec.obj)
	}
	return out
}

// createUsersExport answers POST /jobs/users-exports.
func (t *Tenant) createUsersExport(q *request) (int, any, *apiError) {
	body, err := decodeObject(q)
	if err != nil {
		return 0, nil, err
	}
	if err := exportSchema.validate(body); err != nil {
		return 0, nil, err
	}
	format := "csv"
	if f, ok := body["format"].(string); ok {
		format = f
	}
	limit := 0
	if v, ok := body["limit"]; ok {
		n, _ := v.(float64)
		if n < 1 {
			return 0, nil, errValidation("Payload", "Value "+formatNumber(n)+" is less than minimum 1", "limit", "Limit the number of records.")
		}
		limit = int(n)
	}
	echo, _ := body["fields"].([]any)
	fields, aerr := exportFields(echo, format)
	if aerr != nil {
		return 0, nil, aerr
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	var conn *connection
	if id, ok := body["connection_id"].(string); ok {
		if conn = t.dir.connectionByID(id); conn == nil {
			return 0, nil, newError(http.StatusBadRequest, "inexistent_connection", "The connection does not exist.")
		}
	}
	j := &exportJob{id: "job_" + t.dir.randomString(alnum, 16), created: q.now, conn: conn, format: format,
		limit: limit, fields: fields, echo: echo}
	for _, rec := range t.dir.order {
		if limit > 0 && len(j.users) == limit {
			break
		}
		if ident, _ := firstIdentity(rec.obj); conn == nil || str(ident["connection"]) == conn.name {
			j.users = append(j.users, rec.obj)
		}
	}
	j.file = tenantFileName(t.baseURL) + "." + format + ".gz"
	t.dir.exports[j.id] = j
	t.dir.pruneJobs(q.now)
	out := j.answer()
	out["status"] = "pending"
	return http.StatusOK, out, nil
}

// exportSchema is CreateExportUsersRequestContent.
var exportSchema = bodySchema{
	props: map[string]prop{
		"connection_id": {kind: "string", pattern: connectionIDPattern, desc: "connection_id of the connection from which users will be exported."},
		"format":        {kind: "string", enum: []string{"json", "csv"}, desc: "Format of the file. Must be `json` or `csv`."},
		"limit":         {kind: "integer", desc: "Limit the number of records."},
		"fields":        {kind: "array", desc: "List of fields to be included in the CSV. Defaults to a predefined set of fields."},
	},
}

// exportFieldSchema is CreateExportUsersFields.
var exportFieldSchema = bodySchema{
	required: []string{"name"},
	props: map[string]prop{
		"name":      {kind: "string", max: maxExportFieldLength, desc: "Name of the field in the profile."},
		"export_as": {kind: "string", max: maxExportFieldLength, desc: "Title of the column in the exported CSV."},
	},
}

// exportFields validates the request's fields and compiles them (the default
// set when there are none).
func exportFields(raw []any, format string) ([]exportField, *apiError) {
	if len(raw) == 0 {
		names := defaultExportFields
		if format == "json" {
			names = append(names[:len(names):len(names)], "identities", "app_metadata", "user_metadata")
		}
		for _, n := range names {
			raw = append(raw, map[string]any{"name": n})
		}
	}
	fields := make([]exportField, 0, len(raw))
	for i, v := range raw {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, errValidation("Payload", "Expected type object but found type "+jsonType(v), "fields/"+strconv.Itoa(i), "")
		}
		if err := exportFieldSchema.validate(m); err != nil {
			err.Message = strings.Replace(err.Message, "' on property ", "' on property fields/"+strconv.Itoa(i)+"/", 1)
			return nil, err
		}
		name := str(m["name"])
		f := exportField{title: name, path: parseFieldPath(name)}
		if as, ok := m["export_as"].(string); ok && as != "" {
			f.title = as
		}
		f.date = len(f.path) == 1 && len(f.path[0].indexes) == 0 && containsString(generatedDates, f.path[0].key)
		f.whole = name == "app_metadata" || name == "user_metadata"
		if format == "csv" && f.whole {
			return nil, errBadBody(name + " cannot be exported as a whole in CSV format: name its fields (e.g. " + name +
				".plan), or use the JSON format.")
		}
		fields = append(fields, f)
	}
	if format == "csv" && len(fields) > maxCSVExportFields {
		return nil, errBadBody("A CSV export can hold at most " + strconv.Itoa(maxCSVExportFields) + " fields (" +
			strconv.Itoa(len(fields)) + " were given); use the JSON format for more.")
	}
	return fields, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseFieldPath splits "identities[0].profileData.email" into steps.
func parseFieldPath(name string) []pathStep {
	var steps []pathStep
	for part := range strings.SplitSeq(name, ".") {
		step := pathStep{key: part}
		if open := strings.IndexByte(part, '['); open > 0 && strings.HasSuffix(part, "]") {
			step.key = part[:open]
			ok := true
			var idx []int
			for seg := range strings.SplitSeq(strings.TrimSuffix(part[open+1:], "]"), "][") {
				n, err := strconv.Atoi(seg)
				if err != nil || n < 0 {
					ok = false
					break
				}
				idx = append(idx, n)
			}
			if ok {
				step.indexes = idx
			} else {
				step.key = part
			}
		}
		steps = append(steps, step)
	}
	return steps
}

// lookup follows a field path into a user.
func (f *exportField) lookup(u map[string]any) (any, bool) {
	var cur any = u
	for _, s := range f.path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[s.key]; !ok {
			return nil, false
		}
		for _, i := range s.indexes {
			list, ok := cur.([]any)
			if !ok || i >= len(list) {
				return nil, false
			}
			cur = list[i]
		}
	}
	return cur, cur != nil
}

// tenantFileName names export files after the tenant, as Auth0 does: the
// first label of the tenant's host ("acme" for acme.eu.auth0.com), or
// "tenant" for an address.
func tenantFileName(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "tenant"
	}
	host := u.Hostname()
	if host == "" || net.ParseIP(host) != nil {
		return "tenant"
	}
	label, _, _ := strings.Cut(host, ".")
	return label
}

// answer is the job object (without its status, set by the caller).
func (j *exportJob) answer() map[string]any {
	out := map[string]any{"type": "users_export", "created_at": stamp(j.created), "id": j.id, "format": j.format}
	if j.conn != nil {
		out["connection_id"], out["connection"] = j.conn.obj["id"], j.conn.name
	}
	if j.limit > 0 {
		out["limit"] = float64(j.limit)
	}
	if j.echo != nil {
		out["fields"] = j.echo
	}
	return out
}

// progress returns the job's status and how many users are done at now,
// after reads GET /jobs/{id} reads.
func (d *directory) progress(j *exportJob, now time.Time) (string, int) {
	total := len(j.users)
	if j.failed != "" {
		return "failed", 0
	}
	elapsed := max(0, now.Sub(j.created))
	done := float64(j.polls)*float64(d.exportPerRead) + elapsed.Seconds()*d.exportPerSecond
	switch {
	case done >= float64(total):
		return "completed", total
	case elapsed >= exportTimeout:
		j.failed = "The job timed out after 8 hours."
		return "failed", 0
	case done < 1:
		return "pending", 0
	}
	return "processing", int(done)
}

// job returns a job (an export or a verification e-mail) that is not past
// its retention, or nil.
func (d *directory) job(id string, now time.Time) (*exportJob, *Job) {
	if j := d.exports[id]; j != nil && now.Sub(j.created) < jobRetention {
		return j, nil
	}
	for i := range d.jobs {
		if d.jobs[i].ID == id && now.Sub(d.jobs[i].CreatedAt) < jobRetention {
			return nil, &d.jobs[i]
		}
	}
	return nil, nil
}

// pruneJobs forgets export jobs past their retention.
func (d *directory) pruneJobs(now time.Time) {
	for id, j := range d.exports {
		if now.Sub(j.created) >= jobRetention {
			delete(d.exports, id)
		}
	}
}

// getJob answers GET /jobs/{id}: an export's progress (one read more), its
// location once completed, or a verification-email job (completed: the
// tenant "sends" the e-mail at once).
func (t *Tenant) getJob(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	export, verification := t.dir.job(q.id(), q.now)
	switch {
	case verification != nil:
		return http.StatusOK, map[string]any{"type": "verification_email", "status": "completed",
			"created_at": stamp(verification.CreatedAt), "id": verification.ID}, nil
	case export == nil:
		return 0, nil, newError(http.StatusNotFound, "", "Job not found.")
	}
	export.polls++
	status, done := t.dir.progress(export, q.now)
	out := export.answer()
	out["status"] = status
	switch status {
	case "processing", "pending":
		total := max(1, len(export.users))
		out["percentage_done"] = float64(done * 100 / total)
		if t.dir.exportPerSecond > 0 {
			out["time_left_seconds"] = math.Ceil(float64(len(export.users)-done) / t.dir.exportPerSecond)
		}
	case "completed":
		out["percentage_done"] = float64(100)
		out["time_left_seconds"] = float64(0)
		out["location"] = t.exportLocation(export, q.now)
	case "failed":
		out["status_details"] = export.failed
	}
	return http.StatusOK, out, nil
}

// getJobErrors answers GET /jobs/{id}/errors.
func (t *Tenant) getJobErrors(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	export, verification := t.dir.job(q.id(), q.now)
	switch {
	case verification != nil:
		return http.StatusNoContent, nil, nil
	case export == nil:
		return 0, nil, newError(http.StatusNotFound, "", "The job does not exist")
	}
	if status, _ := t.dir.progress(export, q.now); status != "failed" {
		return http.StatusNoContent, nil, nil
	}
	out := map[string]any{"type": "users_export", "status": "failed", "created_at": stamp(export.created), "id": export.id,
		"status_details": export.failed}
	if export.conn != nil {
		out["connection_id"] = export.conn.obj["id"]
	}
	return http.StatusOK, out, nil
}

// exportLocation signs a link to the job's file, valid for 60 seconds of
// the tenant's clock from now.
func (t *Tenant) exportLocation(j *exportJob, now time.Time) string {
	path := exportFilesPrefix + j.id + "/" + j.file
	expires := strconv.FormatInt(now.Add(exportLinkLifetime).Unix(), 10)
	return t.baseURL + path + "?Expires=" + expires + "&Signature=" + t.signExport(path, expires)
}

// signExport is the signature of a link to path expiring at expires.
func (t *Tenant) signExport(path, expires string) string {
	mac := hmac.New(sha256.New, t.exportKey)
	mac.Write([]byte("GET\n" + path + "\n" + expires))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// serveExportFile answers the download of an export: no bearer token, but a
// valid, unexpired signature. Refusals are storage-style XML 403s and 404s.
// The file is generated and gzip'd as it is sent, never held whole.
func (t *Tenant) serveExportFile(w http.ResponseWriter, r *http.Request) {
	if err := sleep(r.Context(), time.Duration(t.latency.Load())); err != nil {
		return
	}
	now := t.now()
	if f, ok := t.takeFault(ExportFilesRoute); ok {
		t.serveFault(w, r, f, now)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, exportFilesPrefix)
	jobID, file, _ := strings.Cut(rest, "/")
	t.mu.Lock()
	j, _ := t.dir.job(jobID, now)
	status := http.StatusOK
	code, message := "", ""
	expires, sig := r.URL.Query().Get("Expires"), r.URL.Query().Get("Signature")
	exp, expErr := strconv.ParseInt(expires, 10, 64)
	switch {
	case r.Method != http.MethodGet:
		status, code, message = http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource."
	case !hmac.Equal([]byte(sig), []byte(t.signExport(r.URL.Path, expires))) || expErr != nil:
		status, code, message = http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
	case now.Unix() > exp:
		status, code, message = http.StatusForbidden, "AccessDenied", "Request has expired"
	case j == nil || file != j.file:
		status, code, message = http.StatusNotFound, "NoSuchKey", "The specified key does not exist."
	}
	t.dir.downloads = append(t.dir.downloads, ExportDownload{JobID: jobID, Authorization: r.Header.Get("Authorization") != "", Status: status})
	t.mu.Unlock()
	if status != http.StatusOK {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>"))
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+j.file+`"`)
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush() // the headers now, not once the first compressed block is ready
	}
	zw := gzip.NewWriter(w)
	bw := bufio.NewWriterSize(zw, 32<<10)
	_ = j.write(bw, r)
	_ = bw.Flush()
	_ = zw.Close()
}

// write writes the export's content (the users are immutable objects, so
// no lock is needed). It stops early when the request is cancelled.
func (j *exportJob) write(w *bufio.Writer, r *http.Request) error {
	var line []byte
	if j.format == "csv" {
		for i, f := range j.fields {
			if i > 0 {
				line = append(line, ',')
			}
			line = appendCSVHeader(line, f.title)
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	for n, u := range j.users {
		if n%256 == 0 && r.Context().Err() != nil {
			return r.Context().Err()
		}
		line = line[:0]
		if j.format == "csv" {
			line = j.appendCSVRow(line, u)
		} else {
			line = j.appendJSONRow(line, u)
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// appendCSVRow writes one user as a CSV line.
func (j *exportJob) appendCSVRow(b []byte, u map[string]any) []byte {
	for i := range j.fields {
		f := &j.fields[i]
		if i > 0 {
			b = append(b, ',')
		}
		v, ok := f.lookup(u)
		if !ok {
			continue
		}
		switch x := v.(type) {
		case string:
			if f.date {
				if _, err := time.Parse(timeFormat, x); err == nil {
					b = append(b, x...)
					continue
				}
			}
			b = appendCSVString(b, x)
		case float64:
			b = strconv.AppendFloat(b, x, 'f', -1, 64)
		case bool:
			b = strconv.AppendBool(b, x)
		default:
			b = appendCSVString(b, string(appendJSON(nil, x)))
		}
	}
	return append(b, '\n')
}

// appendJSON appends v's JSON text as Auth0's Node.js writes it: without
// encoding/json's escaping of <, > and &. v is a JSON-decoded value.
func appendJSON(b []byte, v any) []byte {
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	out := buf.Bytes()
	return out[:len(out)-1] // Encode's newline
}

// appendCSVString escapes a string as Auth0's exports do: wrapped in double
// quotes, a leading single quote, double quotes doubled.
func appendCSVString(b []byte, s string) []byte {
	b = append(b, '"', '\'')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}

// appendCSVHeader writes a column title, quoted only when it must be.
func appendCSVHeader(b []byte, title string) []byte {
	if !strings.ContainsAny(title, ",\"\r\n") {
		return append(b, title...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(title, `"`, `""`)...)
	return append(b, '"')
}

// appendJSONRow writes one user as an NDJSON line.
func (j *exportJob) appendJSONRow(b []byte, u map[string]any) []byte {
	b = append(b, '{')
	first := true
	for i := range j.fields {
		f := &j.fields[i]
		v, ok := f.lookup(u)
		if !ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(appendJSON(b, f.title), ':')
		b = appendJSON(b, v)
	}
	return append(b, '}', '\n')
}
