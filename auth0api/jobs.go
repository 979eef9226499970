package auth0api

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Job statuses. Auth0 documents pending, completed and failed; the emulated
// tenant also answers processing while an export runs. Treat any status but
// completed and failed as still running.
const (
	JobPending    = "pending"
	JobProcessing = "processing"
	JobCompleted  = "completed"
	JobFailed     = "failed"
)

// Export file formats (JobFileFormatEnum).
const (
	ExportCSV  = "csv"  // a header row, then one row per user; strings OWASP-escaped
	ExportJSON = "json" // NDJSON: one JSON object per line
)

// MaxCSVExportFields is the most fields a CSV export may name (Auth0's
// bulk-user-exports page); JSON exports have no such limit.
const MaxCSVExportFields = 30

// Job is an Auth0 background job: a verification e-mail being sent or a
// users export (GetJobResponseContent). Location, once an export has
// completed, is a signed download link to the whole export, valid for 60
// seconds: pass it to DownloadUsersExport and never log it (String and
// LogValue leave it out).
type Job struct {
	ID        string    `json:"id"` // "job_…"
	Status    string    `json:"status"`
	Type      string    `json:"type"` // "verification_email", "users_export", "users_import"
	CreatedAt time.Time `json:"created_at"`

	// Users exports.
	ConnectionID    string        `json:"connection_id"`
	Connection      string        `json:"connection"` // the connection's name
	Format          string        `json:"format"`     // ExportCSV or ExportJSON
	Limit           int           `json:"limit"`
	Fields          []ExportField `json:"fields"`
	Location        string        `json:"location"`
	PercentageDone  int           `json:"percentage_done"`
	TimeLeftSeconds int           `json:"time_left_seconds"`
	StatusDetails   string        `json:"status_details"`
	Summary         *JobSummary   `json:"summary"` // imports

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// JobSummary counts what an import job did (GetJobSummary).
type JobSummary struct {
	Failed   int `json:"failed"`
	Updated  int `json:"updated"`
	Inserted int `json:"inserted"`
	Total    int `json:"total"`
}

// ExportField is one field of a users export: Name is the profile path
// ("email", "user_metadata.country", "identities[0].connection"), ExportAs
// the CSV column title (or JSON key); both at most 100 characters.
type ExportField struct {
	Name     string `json:"name"`
	ExportAs string `json:"export_as,omitempty"`
}

var jobCodec = newCodec[Job]()

// UnmarshalJSON decodes a job, keeping unknown keys in Extra.
func (j *Job) UnmarshalJSON(b []byte) error { return jobCodec.decode(b, j, &j.seen) }

// MarshalJSON encodes the job as it was received, with any changes made
// (the location included).
func (j Job) MarshalJSON() ([]byte, error) { return jobCodec.encode(&j, j.seen) }

// String describes the job without its download link.
func (j Job) String() string {
	return fmt.Sprintf("Job{%s %s %s %d%%}", j.ID, j.Type, j.Status, j.PercentageDone)
}

// LogValue logs the job without its download link.
func (j Job) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", j.ID), slog.String("type", j.Type), slog.String("status", j.Status),
		slog.Int("percentage_done", j.PercentageDone))
}

// UsersExport asks for a users export job (CreateExportUsersRequestContent).
// The zero value exports every user of every connection in Auth0's default
// format and fields. There is no search filter: Auth0 exports whole
// connections, so narrowing to a query (or a staff member's reach) is the
// caller's job, row by row, after the download.
type UsersExport struct {
	ConnectionID string        `json:"connection_id,omitempty"` // "con_…"; "" = every connection
	Format       string        `json:"format,omitempty"`        // ExportCSV or ExportJSON; "" = Auth0's default
	Limit        int           `json:"limit,omitempty"`         // 0 = every user
	Fields       []ExportField `json:"fields,omitempty"`        // nil = Auth0's default set
}

// CreateUsersExportJob starts a users export: POST /api/v2/jobs/users-exports
// (200, not 201, with the pending job). Poll it with GetJob or WaitForJob,
// then read the file with DownloadUsersExport. Auth0 refuses (400) an unknown
// connection, a format other than csv and json, more than
// MaxCSVExportFields fields in CSV, and app_metadata or user_metadata as a
// whole in CSV.
//
// Scope: read:users.
//
// https://auth0.com/docs/api/management/v2/jobs/post-users-exports
func (c *Client) CreateUsersExportJob(ctx context.Context, e UsersExport) (*Job, error) {
	var out Job
	if err := c.do(ctx, "POST /jobs/users-exports", nil, nil, e, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetJob reads a job: GET /api/v2/jobs/{id}. A completed export carries a
// fresh Location, valid for 60 seconds, on every read. Auth0 deletes jobs
// after 24 hours (ErrNotFound).
//
// Scopes: read:users or create:users.
//
// https://auth0.com/docs/api/management/v2/jobs/get-jobs-by-id
func (c *Client) GetJob(ctx context.Context, id string) (*Job, error) {
	var out Job
	if err := c.do(ctx, "GET /jobs/{id}", []string{id}, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// JobErrors is what went wrong in a job (GET /jobs/{id}/errors): for a job
// that failed as a whole (an export), Job with its StatusDetails; for an
// import, one entry per refused user. Both are empty when there was no error.
type JobErrors struct {
	Job   *Job
	Users []JobUserError
}

// JobUserError is an import's refusal of one user (GetJobErrorResponseContent).
type JobUserError struct {
	User   map[string]any `json:"user"`
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Path    string `json:"path,omitempty"`
	} `json:"errors"`
}

// jobErrorsBody decodes either shape of GET /jobs/{id}/errors, and accepts
// its 204 without a body.
type jobErrorsBody struct{ JobErrors }

func (*jobErrorsBody) acceptsNoContent() {}

// UnmarshalJSON decodes an array of user errors or a job object.
func (b *jobErrorsBody) UnmarshalJSON(data []byte) error {
	if i := skipSpace(data, 0); i < len(data) && data[i] == '[' {
		return json.Unmarshal(data, &b.Users)
	}
	var j Job
	if err := j.UnmarshalJSON(data); err != nil {
		return err
	}
	b.Job = &j
	return nil
}

// GetJobErrors reads what went wrong in a job: GET /api/v2/jobs/{id}/errors
// (200 with the errors, or 204 when there were none, which gives an empty
// JobErrors).
//
// Scopes: read:users or create:users.
//
// https://auth0.com/docs/api/management/v2/jobs/get-errors
func (c *Client) GetJobErrors(ctx context.Context, id string) (*JobErrors, error) {
	var out jobErrorsBody
	if err := c.do(ctx, "GET /jobs/{id}/errors", []string{id}, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out.JobErrors, nil
}

// WaitForJob reads the job every interval (default 1s) until it completes,
// and returns it then; a failed job is returned with an error matching
// ErrJobFailed (with Auth0's status details). It stops with ctx. Download a
// completed export at once: its Location expires 60 seconds after this
// read.
func (c *Client) WaitForJob(ctx context.Context, id string, interval time.Duration) (*Job, error) {
	if interval <= 0 {
		interval = time.Second
	}
	for {
		j, err := c.GetJob(ctx, id)
		if err != nil {
			return nil, err
		}
		switch j.Status {
		case JobCompleted:
			return j, nil
		case JobFailed:
			return j, fmt.Errorf("%w: %s %s: %s", ErrJobFailed, j.Type, j.ID, j.StatusDetails)
		}
		if err := c.sleep(ctx, interval); err != nil {
			return j, fmt.Errorf("auth0api: waiting for job %s: %w", j.ID, err)
		}
	}
}

// downloadOp names the export download in errors and Observer calls. It is
// not a Management API endpoint.
const downloadOp = "GET export location"

// DownloadUsersExport opens a completed export's file at location
// (Job.Location) and returns its content, decompressed, as it arrives:
// nothing is buffered beyond a read's worth, so an export of any size takes
// constant memory. The caller must Close it.
//
// The link is pre-signed: the request carries no Authorization header, so
// the Management API token never reaches the storage host, and redirects are
// not followed. The link is a secret and is never put in an error. The
// download stops with ctx, and fails when the answer or the body stalls for
// longer than Config.ReadTimeout. A gzip'd file (Auth0's .csv.gz/.json.gz)
// is decompressed; a truncated one fails with an error, not a short read.
// A refused link (expired after 60 s: read the job again for a new one) is
// an *Error with the status (ErrForbidden for 403). The download is not
// retried and does not wait for the client's rate limiter: the storage host
// is not the Management API.
func (c *Client) DownloadUsersExport(ctx context.Context, location string) (io.ReadCloser, error) {
	u, err := url.Parse(location)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, invalidParams(downloadOp, "the location is not an http(s) URL")
	}
	dctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(c.headerWait, func() { cancel(errReadTimeout) })
	fail := func(err error) (io.ReadCloser, error) {
		timer.Stop()
		cancel(nil)
		return nil, err
	}
	req, err := http.NewRequestWithContext(dctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(invalidParams(downloadOp, "the location is not a valid URL"))
	}
	// Asking for gzip ourselves keeps net/http from decompressing behind our
	// back; the body is sniffed below, so a Content-Encoding: gzip answer and
	// a gzip'd file both decompress once.
	req.Header.Set("Accept-Encoding", "gzip")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	} else {
		req.Header.Set("User-Agent", "")
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	if c.observer != nil {
		c.observer.Request(downloadOp, status, time.Since(start), err)
	}
	if err != nil {
		return fail(fmt.Errorf("auth0api: %s: %w", downloadOp, timeoutCause(dctx, ctx, withoutURL(err))))
	}
	if resp.StatusCode != http.StatusOK {
		// Storage hosts answer XML that may echo the request; only the status is kept.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		msg := "the export's download link was refused"
		if resp.StatusCode == http.StatusForbidden {
			msg += " (links expire 60 seconds after GET /jobs/{id}: read the job again for a new one)"
		}
		return fail(&Error{Op: downloadOp, StatusCode: resp.StatusCode, Code: UnknownErrorCode, Message: msg})
	}
	timer.Stop() // from now on armed only while a read waits (stallReader)
	d := &download{ctx: ctx, dctx: dctx, cancel: cancel, timer: timer, body: resp.Body}
	br := bufio.NewReaderSize(&stallReader{r: resp.Body, t: timer, d: c.readTimeout}, 32<<10)
	d.r = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("auth0api: %s: %w", downloadOp, d.cause(err))
		}
		d.gz, d.r = zr, zr
	} else if err != nil && !errors.Is(err, io.EOF) {
		d.Close()
		return nil, fmt.Errorf("auth0api: %s: %w", downloadOp, d.cause(err))
	}
	return d, nil
}

// download is the body of DownloadUsersExport.
type download struct {
	ctx, dctx context.Context
	cancel    context.CancelCauseFunc
	timer     *time.Timer
	body      io.ReadCloser
	gz        *gzip.Reader
	r         io.Reader
	closed    bool
}

// Read reads decompressed bytes.
func (d *download) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("auth0api: %s: %w", downloadOp, d.cause(err))
	}
	return n, err
}

// cause reports the read timeout or the caller's cancellation instead of
// the transport's error they caused.
func (d *download) cause(err error) error {
	if c := context.Cause(d.dctx); c != nil {
		if d.ctx.Err() == nil && errors.Is(c, errReadTimeout) {
			if errors.Is(err, errReadTimeout) {
				return errReadTimeout
			}
			return fmt.Errorf("%w (%v)", errReadTimeout, withoutURL(err))
		}
		if d.ctx.Err() != nil {
			return context.Cause(d.ctx)
		}
	}
	return withoutURL(err)
}

// Close ends the download and releases its connection.
func (d *download) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	d.timer.Stop()
	if d.gz != nil {
		d.gz.Close()
	}
	err := d.body.Close()
	d.cancel(nil)
	return err
}

// stallReader arms the timer for the length of each read only: a body that
// stalls for longer than d cancels the download, but a caller that takes its
// time between reads (streaming to a slow browser) does not.
type stallReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

// Read arms the timer, reads, and disarms it.
func (r *stallReader) Read(p []byte) (int, error) {
	r.t.Reset(r.d)
	n, err := r.r.Read(p)
	r.t.Stop()
	return n, err
}

// withoutURL drops the URL net/http puts in its errors: the export link is a
// secret and errors get logged.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
