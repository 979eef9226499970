package handlers

// Export jobs (issue 16): beyond Auth0's 1,000-result cap, the users come from Auth0's
// users-export job (POST /jobs/users-exports), which has no search: it exports one connection,
// or every connection, whole. How a search and a reach map onto it:
//
//   - Connections. Auth0 is asked for the connections that can hold the users the person may
//     export and is looking for: the search's connection filter when it has one (it must be
//     within the reach's connections), else the connections of the reach
//     (Staff.ReachConnections; one job per connection), else — when the reach names none — one
//     job for the whole tenant. The job sorts users by their first identity's connection, so a
//     user linked to an account of another connection is in the job of their first identity.
//   - Fields. Auth0 is asked, in JSON (no 30-field limit, whole metadata allowed), for the
//     top-level fields the chosen columns, the search and the reach read: every row is then a
//     user object the in-memory matcher (auth0api/lucene, the emulated tenant's) can decide on.
//   - Rows. The download streams through the dashboard: Auth0's gzip'd file is decompressed,
//     every user is matched against the person's search AND their export reach
//     (Staff.Reaches), and only those are written, with only the chosen columns, in the chosen
//     format, flushed as it goes. Nothing else reaches the browser.
//
// The job is the person's: its reference in the dashboard's URLs (the job query parameter) is
// sealed (AES-256 and HMAC-SHA256 with keys derived from the session secrets, like sign-in
// transactions) and names its owner, so only they can watch or download it — on any replica,
// after a restart — and nobody can change what it exports. Watching polls GET /jobs/{id}
// (htmx, every two seconds); "stop watching" stops the polling (Auth0 cannot cancel an export
// job). The download reads the job again just before it, because the file's link expires 60
// seconds after a read. Auth0 keeps jobs 24 hours, and so does the reference.

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/auth0api/lucene"
	"userdesk/handlers/userexport"
	"userdesk/policy"
	"userdesk/views"
)

const (
	// exportJobTTL is how long an export job can be watched and downloaded: Auth0 deletes
	// export jobs and their files after 24 hours.
	exportJobTTL = 24 * time.Hour
	// maxExportJobs bounds the Auth0 jobs one export starts (one per connection of the reach).
	maxExportJobs = 10
	// exportRefName names the sealed reference (securecookie binds the value to it).
	exportRefName = "userdesk-export-job"
	// exportFlushEvery is how many users a job download writes between flushes.
	exportFlushEvery = 200
)

// exportRef is an export job as its sealed reference carries it.
type exportRef struct {
	Issuer  string         `json:"i"`
	Subject string         `json:"s"`
	Jobs    []exportRefJob `json:"j"`
	Query   string         `json:"q"` // the person's search, compiled (their reach is added when the file is read)
	Search  string         `json:"u"` // the users page's query string, to go back to the search
	Format  string         `json:"f"`
	Columns []string       `json:"c"`
	Total   int            `json:"n"` // the search's total when it started
	Created time.Time      `json:"t"`
}

// exportRefJob is one Auth0 job of an export.
type exportRefJob struct {
	ID         string `json:"id"`
	Connection string `json:"c,omitempty"` // "" for every connection
}

// newExportSealer derives the reference's keys from each session secret (HKDF-SHA256; the first
// seals, all open).
func newExportSealer(secrets [][]byte) ([]securecookie.Codec, error) {
	var pairs [][]byte
	for _, secret := range secrets {
		mac, err := hkdf.Key(sha256.New, secret, nil, "userdesk export job: mac", 32)
		if err != nil {
			return nil, fmt.Errorf("handlers: derive export keys: %w", err)
		}
		enc, err := hkdf.Key(sha256.New, secret, nil, "userdesk export job: encryption", 32)
		if err != nil {
			return nil, fmt.Errorf("handlers: derive export keys: %w", err)
		}
		pairs = append(pairs, mac, enc)
	}
	codecs := securecookie.CodecsFromPairs(pairs...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(exportJobTTL / time.Second))
			sc.MaxLength(16 << 10)
			sc.SetSerializer(securecookie.JSONEncoder{})
		}
	}
	return codecs, nil
}

// errNoExportJob answers a reference that is not the person's, tampered with, or too old: as if
// there were no such job.
var errNoExportJob = httpError(http.StatusNotFound, "There is no export job at this address that you started, or it is more than 24 hours old. Start a new export from the search.", nil).
	withTitle("No such export job")

// openExportRef reads the request's reference and checks that it is the signed-in person's.
func (s *server) openExportRef(c echo.Context) (exportRef, error) {
	var ref exportRef
	if err := securecookie.DecodeMulti(exportRefName, c.QueryParam("job"), &ref, s.exportCodecs...); err != nil {
		return ref, errNoExportJob
	}
	me, _ := currentIdentity(c)
	if ref.Subject == "" || ref.Subject != me.Subject || ref.Issuer != me.Issuer || len(ref.Jobs) == 0 {
		return ref, errNoExportJob
	}
	return ref, nil
}

// exportJobScope says which connections Auth0 is asked to export for the person's search:
// every one (all), or names. It refuses a search whose connection filter is outside the reach.
func exportJobScope(st policy.Staff, searchConnection string) (all bool, names []string, err error) {
	reachAll, reachConns, ok := st.ReachConnections(policy.ActionExport)
	if !ok {
		return false, nil, errForbidden
	}
	conn := strings.TrimSpace(searchConnection)
	switch {
	case conn != "" && (reachAll || slices.Contains(reachConns, conn)):
		return false, []string{conn}, nil
	case conn != "":
		return false, nil, httpError(http.StatusUnprocessableEntity, "The search's connection, "+conn+", is not one you may export users of ("+joinWords(reachConns)+").", nil).
			withTitle("Connection out of reach").asDenied()
	case reachAll:
		return true, nil, nil
	case len(reachConns) > maxExportJobs:
		return false, nil, httpError(http.StatusUnprocessableEntity, fmt.Sprintf("Your reach spans %d connections; an export starts at most %d jobs. Choose a connection in the search's filters.", len(reachConns), maxExportJobs), nil).
			withTitle("Too many connections")
	}
	return false, reachConns, nil
}

// exportJobWords says what Auth0 exports for a scope.
func exportJobWords(all bool, names []string) string {
	switch {
	case all:
		return "every connection (one job for the whole tenant)"
	case len(names) == 1:
		return "connection " + names[0]
	}
	return "connections " + joinWords(names) + " (one job each)"
}

// exportJobOffer is the export form's explanation of a job for a search past the cap (nil when
// the search is within it, or when no job could serve it).
func exportJobOffer(st policy.Staff, d *views.UsersTableData) *views.ExportJobOffer {
	if !d.Totals || d.Total <= views.SearchCap {
		return nil
	}
	all, names, err := exportJobScope(st, d.Search.Connection)
	if err != nil {
		return nil
	}
	return &views.ExportJobOffer{Connections: exportJobWords(all, names)}
}

// exportJobFields are the top-level fields a job asks Auth0 for: the columns', the search's and
// the reach's.
func exportJobFields(st policy.Staff, cols []userexport.Column, query *lucene.Query) []auth0api.ExportField {
	names := exportFields(st, cols, query.DocumentFields()...)
	out := make([]auth0api.ExportField, len(names))
	for i, n := range names {
		out[i] = auth0api.ExportField{Name: n}
	}
	return out
}

// connectionIDs finds the ids of connections by name (Auth0's jobs take ids). A name the tenant
// does not have is left out.
func (s *server) connectionIDs(ctx context.Context, names []string) (map[string]string, error) {
	ids := make(map[string]string, len(names))
	for _, name := range names {
		page, err := s.users.ListConnections(ctx, auth0api.ListConnectionsParams{Name: name, PerPage: 5, Fields: []string{"id", "name"}})
		if err != nil {
			return nil, fmt.Errorf("find connection %s: %w", name, err)
		}
		for _, conn := range page.Connections {
			if conn.Name == name {
				ids[name] = conn.ID
			}
		}
	}
	return ids, nil
}

// startExportJob starts an export beyond the cap: Auth0's users-export jobs for the connections
// the search and the reach allow, audited (users.export.job), then the job's page.
func (s *server) startExportJob(c echo.Context) error {
	req, err := s.parseExportRequest(c)
	if err != nil {
		return err
	}
	st := s.currentStaff(c)
	if _, err := exportQuery(st, req.Plan); err != nil { // the same checks as the search's
		return err
	}
	query, err := lucene.Parse(req.Plan.Q)
	if err != nil {
		return httpError(http.StatusUnprocessableEntity, "Auth0 cannot run this search: "+err.Error(), nil).withTitle("Search to fix")
	}
	all, names, err := exportJobScope(st, req.Search.Connection)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	jobs := []exportRefJob{{}}
	if !all {
		ids, err := s.connectionIDs(ctx, names)
		if err != nil {
			return err
		}
		jobs = jobs[:0]
		for _, name := range names {
			if id := ids[name]; id != "" {
				jobs = append(jobs, exportRefJob{ID: id, Connection: name})
			}
		}
		if len(jobs) == 0 {
			return httpError(http.StatusUnprocessableEntity, "The tenant has no connection named "+joinWords(names)+": there is nobody to export.", nil).withTitle("No such connection")
		}
	}
	fields := exportJobFields(st, req.Columns, query)
	details := exportDetails(req, req.Plan.Q, audit.Strings("connections", connectionNames(jobs)))
	at, err := s.beginAudited(c, audit.UserExportJob, details...)
	if err != nil {
		return err
	}
	var started []string
	for i := range jobs {
		j, err := s.users.CreateUsersExportJob(ctx, auth0api.UsersExport{ConnectionID: jobs[i].ID, Format: auth0api.ExportJSON, Fields: fields})
		if err != nil {
			// Jobs already started run on and are deleted by Auth0 after 24 hours; nobody can
			// download them without a reference.
			s.endAudited(c, at, err, audit.Strings("jobs", started))
			return err
		}
		jobs[i].ID = j.ID
		started = append(started, j.ID)
	}
	s.endAudited(c, at, nil, audit.Strings("jobs", started))

	me, _ := currentIdentity(c)
	ref, err := securecookie.EncodeMulti(exportRefName, exportRef{
		Issuer: me.Issuer, Subject: me.Subject, Jobs: jobs, Query: req.Plan.Q, Search: exportSearchValues(req.Search).Encode(),
		Format: string(req.Format), Columns: userexport.Keys(req.Columns), Total: exportTotal(c), Created: s.now(),
	}, s.exportCodecs...)
	if err != nil {
		return fmt.Errorf("seal the export job: %w", err)
	}
	return c.Redirect(http.StatusSeeOther, "/users/export/job?job="+url.QueryEscape(ref))
}

// exportTotal is the search's total the form carried (for the job page's words only).
func exportTotal(c echo.Context) int {
	n, _ := strconv.Atoi(c.FormValue("total"))
	return max(0, n)
}

// connectionNames are the connections of jobs, for the audit trail (none: every connection).
func connectionNames(jobs []exportRefJob) []string {
	var out []string
	for _, j := range jobs {
		if j.Connection != "" {
			out = append(out, j.Connection)
		}
	}
	return out
}

// showExportJob is the job's page, or, for htmx (the polling), its status block alone.
func (s *server) showExportJob(c echo.Context) error {
	ref, err := s.openExportRef(c)
	if err != nil {
		return err
	}
	d, err := s.exportJobData(c, ref)
	if err != nil {
		return err
	}
	d.Stopped = c.QueryParam("watch") == "stop"
	if isPartial(c) {
		return render(c, http.StatusOK, views.ExportJobStatus(d))
	}
	return render(c, http.StatusOK, views.ExportJobPage(s.page(c, "Export job"), d))
}

// exportJobData reads every Auth0 job of the export and says where it is.
func (s *server) exportJobData(c echo.Context, ref exportRef) (views.ExportJobData, error) {
	st := s.currentStaff(c)
	d := views.ExportJobData{
		Ref: c.QueryParam("job"), Query: ref.Query, SearchURL: "/users", Total: ref.Total, Started: ref.Created,
		Connections: exportJobWords(len(ref.Jobs) == 1 && ref.Jobs[0].Connection == "", connectionNames(ref.Jobs)),
		State:       views.ExportReady,
	}
	if ref.Search != "" {
		d.SearchURL = "/users?" + ref.Search
	}
	if f, ok := userexport.ParseFormat(ref.Format); ok {
		d.Format = f.Label()
	}
	if cols, err := userexport.Select(ref.Columns); err == nil {
		for _, col := range cols {
			d.Columns = append(d.Columns, col.Label)
		}
	}
	if !st.WholeTenant(policy.ActionExport) {
		d.Reach = st.ReachWords(policy.ActionExport)
	}
	ctx := c.Request().Context()
	maxLeft := 0
	for _, rj := range ref.Jobs {
		part := views.ExportJobPart{ID: rj.ID, Connection: rj.Connection}
		if part.Connection == "" {
			part.Connection = "every connection"
		}
		j, err := s.users.GetJob(ctx, rj.ID)
		switch {
		case errors.Is(err, auth0api.ErrNotFound):
			part.Status, part.Problem = "gone", "Auth0 no longer has this job."
			d.State = views.ExportGone
			d.Problem = "Auth0 no longer has this export job: it deletes export jobs and their files 24 hours after they start. Start a new export from the search."
		case err != nil:
			return d, err
		case j.Status == auth0api.JobCompleted:
			part.Status, part.Percent = "done", 100
		case j.Status == auth0api.JobFailed:
			part.Status, part.Problem = "failed", s.exportJobProblem(ctx, j)
			if d.State != views.ExportGone {
				d.State = views.ExportFailed
				d.Problem = "Auth0 could not finish the export"
				if part.Connection != "every connection" {
					d.Problem += " of connection " + part.Connection
				}
				d.Problem += ": " + part.Problem + " Nothing can be downloaded; start a new export from the search."
			}
		default: // pending, processing, or a status Auth0 has not documented: still running
			part.Status, part.Percent = "running", min(max(j.PercentageDone, 0), 99)
			if j.Status == auth0api.JobPending {
				part.Status = "waiting to start"
			}
			part.TimeLeft = durationWords(j.TimeLeftSeconds)
			maxLeft = max(maxLeft, j.TimeLeftSeconds)
			if d.State == views.ExportReady {
				d.State = views.ExportRunning
			}
		}
		d.Percent += part.Percent
		d.Parts = append(d.Parts, part)
	}
	d.Percent /= len(d.Parts)
	d.TimeLeft = durationWords(maxLeft)
	return d, nil
}

// exportJobProblem says why a job failed, from Auth0's job errors (or the job's own details).
func (s *server) exportJobProblem(ctx context.Context, j *auth0api.Job) string {
	details := j.StatusDetails
	if je, err := s.users.GetJobErrors(ctx, j.ID); err == nil && je.Job != nil && je.Job.StatusDetails != "" {
		details = je.Job.StatusDetails
	}
	details = strings.TrimSpace(details)
	if details == "" {
		return "Auth0 gave no reason."
	}
	if len(details) > 300 {
		details = details[:300] + "…"
	}
	if !strings.HasSuffix(details, ".") {
		details += "."
	}
	return "Auth0 says: " + details
}

// durationWords says a number of seconds for people: "40 seconds", "3 minutes", "2 hours";
// "" for none.
func durationWords(seconds int) string {
	switch {
	case seconds <= 0:
		return ""
	case seconds < 90:
		return plural(seconds, "second")
	case seconds < 90*60:
		return plural(int(math.Round(float64(seconds)/60)), "minute")
	}
	return plural(int(math.Round(float64(seconds)/3600)), "hour")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// downloadExportJob streams the export's file: for each Auth0 job, a fresh read (the link
// expires 60 seconds after one), then its gzip'd JSON decompressed as it arrives, each user
// matched against the search and the person's reach, and the kept ones written in the chosen
// format with the chosen columns, flushed every few hundred. Every job is checked before the
// answer starts, so that one not finished is a page in plain words. Audited like the search's
// export (users.export, with the jobs).
func (s *server) downloadExportJob(c echo.Context) error {
	ref, err := s.openExportRef(c)
	if err != nil {
		return err
	}
	format, ok := userexport.ParseFormat(ref.Format)
	cols, err := userexport.Select(ref.Columns)
	if !ok || err != nil {
		return errNoExportJob
	}
	query, err := lucene.Parse(ref.Query)
	if err != nil {
		return errNoExportJob
	}
	st := s.currentStaff(c)
	ctx := c.Request().Context()
	first, err := s.completedJob(ctx, ref.Jobs[0].ID)
	if err != nil {
		return err
	}
	for _, rj := range ref.Jobs[1:] {
		if _, err := s.completedJob(ctx, rj.ID); err != nil {
			return err
		}
	}
	req := exportRequest{Format: format, Columns: cols}
	ids := make([]string, len(ref.Jobs))
	for i, rj := range ref.Jobs {
		ids[i] = rj.ID
	}
	at, err := s.beginAudited(c, audit.UserExport, exportDetails(req, ref.Query, audit.Strings("jobs", ids), audit.Strings("connections", connectionNames(ref.Jobs)))...)
	if err != nil {
		return err
	}

	s.startDownload(c, format, "users-all") // not the search export's name: two files of one second do not overwrite each other
	w := userexport.NewWriter(c.Response(), format, cols)
	var read, dropped int64
	err = w.WriteHeader()
	for i, rj := range ref.Jobs {
		if err != nil {
			break
		}
		job := first
		if i > 0 {
			if job, err = s.completedJob(ctx, rj.ID); err != nil {
				break
			}
		}
		err = s.readExportFile(ctx, rj.ID, job, func(user map[string]any) error {
			read++
			withoutIdentityTokens(user)
			if !query.Match(user) {
				return nil
			}
			if !st.Reaches(policy.ActionExport, user) {
				dropped++
				return nil
			}
			if err := w.Write(user); err != nil {
				return err
			}
			if w.Rows()%exportFlushEvery == 0 {
				s.extendWrite(c)
				return w.Flush()
			}
			return nil
		})
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	s.logger(c).Info("export job downloaded", "jobs", ids, "read", read, "written", w.Rows(), "out_of_reach", dropped)
	s.endAudited(c, at, err, audit.Int("count", w.Rows()))
	if err != nil {
		// The answer has started: the file stops where the error came; the log says why.
		s.logger(c).Error("export job download stopped", "err", err, "rows", w.Rows())
	}
	return nil
}

// completedJob reads an export job, which must have completed: its Location is fresh. A job
// that has not is an error in plain words.
func (s *server) completedJob(ctx context.Context, id string) (*auth0api.Job, error) {
	j, err := s.users.GetJob(ctx, id)
	switch {
	case errors.Is(err, auth0api.ErrNotFound):
		return nil, httpError(http.StatusGone, "Auth0 no longer has this export job: it deletes export jobs and their files 24 hours after they start. Start a new export from the search.", err).withTitle("Export gone")
	case err != nil:
		return nil, err
	case j.Status == auth0api.JobFailed:
		return nil, httpError(http.StatusConflict, "Auth0 could not finish this export: "+s.exportJobProblem(ctx, j)+" Start a new export from the search.", nil).withTitle("Export failed")
	case j.Status != auth0api.JobCompleted || j.Location == "":
		return nil, httpError(http.StatusConflict, "Auth0 has not finished this export yet. Its page shows the progress; download it once it is done.", nil).withTitle("Export not ready")
	}
	return j, nil
}

// readExportFile reads a completed job's file user by user. A link refused (it expired: more
// than 60 seconds since the read) is read again once, with a fresh job.
func (s *server) readExportFile(ctx context.Context, id string, job *auth0api.Job, fn func(map[string]any) error) error {
	body, err := s.users.DownloadUsersExport(ctx, job.Location)
	if errors.Is(err, auth0api.ErrForbidden) {
		if job, err = s.completedJob(ctx, id); err != nil {
			return err
		}
		body, err = s.users.DownloadUsersExport(ctx, job.Location)
	}
	if err != nil {
		return fmt.Errorf("download export job %s: %w", id, err)
	}
	defer body.Close()
	if err := userexport.Read(body, fn); err != nil {
		return fmt.Errorf("read export job %s: %w", id, err)
	}
	return nil
}

// withoutIdentityTokens drops identity-provider tokens from a user read from an export file:
// they are never written, and, as everywhere in the dashboard, never held (idptokens.go).
func withoutIdentityTokens(user map[string]any) {
	ids, _ := user["identities"].([]any)
	for _, id := range ids {
		if m, ok := id.(map[string]any); ok {
			delete(m, "access_token")
			delete(m, "access_token_secret")
			delete(m, "refresh_token")
		}
	}
}

// beginAudited records the attempt of something that leaves a trace in Auth0 or lets users out
// of the dashboard, before it starts: when the audit trail cannot take it, it does not happen
// (503).
func (s *server) beginAudited(c echo.Context, name audit.Name, details ...audit.Attr) (*audit.Attempt, error) {
	a := s.actor(c)
	at, err := s.rec.Attempt(c.Request().Context(), audit.Event{Name: name, Actor: a.Actor,
		RequestID: a.RequestID, IP: a.IP, Route: a.Route, Details: details})
	if err != nil {
		return nil, httpError(http.StatusServiceUnavailable, "Nothing was exported: userdesk cannot write its audit trail right now, and no users leave it unrecorded. Try again shortly; if it keeps happening, tell an operator.", err).
			withTitle("Audit trail unavailable")
	}
	return at, nil
}

// endAudited records how it ended.
func (s *server) endAudited(c echo.Context, at *audit.Attempt, err error, details ...audit.Attr) {
	outcome, more := outcomeOf(err)
	if werr := s.rec.Outcome(c.Request().Context(), at, outcome, append(details, more...)...); werr != nil {
		s.logger(c).Error("audit outcome not recorded", "err", werr, "event", string(at.Event.Name))
	}
}
