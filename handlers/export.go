package handlers

// Exports (issue 16): users leave the dashboard in a file, CSV or JSON Lines, with the columns
// the person chose from a fixed allowlist (package userexport).
//
//   - The current search, up to Auth0's 1,000-result cap (exportUsers): paged through 100 users
//     at a time and written as it is read, each page flushed to the browser before the next is
//     asked for; nothing holds the whole file.
//   - Beyond the cap, an Auth0 users-export job (export_job.go): Auth0 exports whole
//     connections, and the dashboard keeps, row by row, the users that match the search and the
//     person's reach.
//
// Both are confined exactly as the search is, with the reach of the groups that allow export
// (policy.ActionExport): the query sent to Auth0 is the person's search ANDed with that reach
// (Staff.SearchQuery), and every user read is matched again in memory (Staff.Reaches) before it
// is written. Each file is audited once, when it ends: who, the query, the format, the columns
// and how many users it held (audit.UserExport).

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/auth0api/lucene"
	"userdesk/handlers/userexport"
	"userdesk/handlers/userquery"
	"userdesk/policy"
	"userdesk/views"
)

// exportPageSize is how many users an export asks Auth0 for at a time: Auth0's largest page.
const exportPageSize = 100

// exportWriteWindow is how long a streamed export may take between two flushes before the
// server's write timeout ends it: each flush moves the deadline this far ahead, so a long export
// that keeps moving is never cut, and one that stalls still is.
const exportWriteWindow = 2 * time.Minute

// exportRequest is what an export form asks for: the search (the users page's inputs, as its
// URL carries them), the format and the columns.
type exportRequest struct {
	Search  views.UserSearch
	Format  userexport.Format
	Columns []userexport.Column
	Plan    userquery.Plan
}

// parseExportRequest reads and checks an export form. Problems are 422s in plain words.
func (s *server) parseExportRequest(c echo.Context) (exportRequest, error) {
	form, err := c.FormParams()
	if err != nil {
		return exportRequest{}, httpError(http.StatusBadRequest, "The export form could not be read.", err)
	}
	r := exportRequest{Search: parseUserSearch(form)}
	r.Search.Page, r.Search.PerPage = 0, views.DefaultPerPage
	format := form.Get("format")
	if format == "" {
		format = string(userexport.CSV)
	}
	var ok bool
	if r.Format, ok = userexport.ParseFormat(format); !ok {
		return r, httpError(http.StatusUnprocessableEntity, "Choose CSV or JSON Lines as the file format.", nil).withTitle("Unknown format")
	}
	if r.Columns, err = userexport.Select(form["columns"]); err != nil {
		return r, httpError(http.StatusUnprocessableEntity, "One of the columns asked for cannot be exported. Choose the columns from the list.", err).withTitle("Unknown column")
	}
	plan, err := userquery.Compile(searchFilters(r.Search, s.now()))
	if es, ok := userquery.AsErrors(err); ok {
		msgs := make([]string, len(es))
		for i, e := range es {
			msgs[i] = e.Message
		}
		return r, httpError(http.StatusUnprocessableEntity, "Fix the search before exporting it: "+strings.Join(msgs, " "), nil).withTitle("Search to fix")
	} else if err != nil {
		return r, fmt.Errorf("compile the search: %w", err)
	}
	r.Plan = plan
	return r, nil
}

// exportQuery confines the search to what the person may export, as the search confines it to
// what they may see; problems in plain words.
func exportQuery(st policy.Staff, plan userquery.Plan) (string, error) {
	q, err := st.SearchQuery(policy.ActionExport, plan.Q)
	var syntax *lucene.SyntaxError
	switch {
	case err == nil:
		return q, nil
	case errors.Is(err, policy.ErrQueryTooComplex):
		return "", httpError(http.StatusUnprocessableEntity, "Once limited to the users you may export, this search is too long or too deeply nested for Auth0. Simplify it.", err).withTitle("Search too complex")
	case errors.Is(err, policy.ErrNoReach):
		return "", errForbidden
	case errors.As(err, &syntax):
		return "", httpError(http.StatusUnprocessableEntity, "Auth0 cannot run this search: "+err.Error(), nil).withTitle("Search to fix")
	}
	return "", err
}

// exportFields are the user fields an export asks Auth0 for: the chosen columns' and those the
// person's reach matches on (read, matched, and not written unless chosen).
func exportFields(st policy.Staff, cols []userexport.Column, more ...string) []string {
	fields := slices.Concat(userexport.Fields(cols), st.TargetFields(policy.ActionExport), more)
	slices.Sort(fields)
	return slices.Compact(fields)
}

// startDownload sends the headers of a file download: its type, an attachment with a name,
// never cached or sniffed.
func (s *server) startDownload(c echo.Context, f userexport.Format, name string) {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, f.ContentType())
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+"-"+s.now().UTC().Format("20060102-150405")+"."+f.Extension()+`"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
}

// extendWrite moves the server's write deadline for this answer exportWriteWindow ahead (a
// server without one, as in tests, ignores it).
func (s *server) extendWrite(c echo.Context) {
	_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(exportWriteWindow))
}

// exportUsers streams the current search as a file: up to Auth0's 1,000-result cap, 100 users
// at a time, each page written and flushed before the next is read. The export's attempt is
// audited before anything is read (no audit trail, no export), and the first page is read before
// anything is answered, so that Auth0's refusal (a bad query, a rate limit) is a page in plain
// words; after that, a failure ends the file where it came, and is audited and logged.
func (s *server) exportUsers(c echo.Context) error {
	req, err := s.parseExportRequest(c)
	if err != nil {
		return err
	}
	st := s.currentStaff(c)
	q, err := exportQuery(st, req.Plan)
	if err != nil {
		return err
	}
	at, err := s.beginAudited(c, audit.UserExport, exportDetails(req, q)...)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	params := auth0api.ListUsersParams{Q: q, PerPage: exportPageSize, Fields: exportFields(st, req.Columns)}
	if col, ok := views.SortColumnFor(req.Search.Sort); ok {
		params.Sort = col.Field + ":1"
		if req.Search.Desc {
			params.Sort = col.Field + ":-1"
		}
	}
	page, err := s.users.ListUsers(ctx, params)
	if err != nil {
		s.endAudited(c, at, err, audit.Int("count", 0))
		return err
	}

	s.startDownload(c, req.Format, "users")
	w := userexport.NewWriter(c.Response(), req.Format, req.Columns)
	total := page.Total
	seen := make(map[string]bool, min(max(total, exportPageSize), views.SearchCap))
	var dropped int
	err = w.WriteHeader()
	for err == nil {
		for i := range page.Users {
			u := &page.Users[i]
			if seen[u.UserID] {
				continue // the search moved under the paging: a user already written
			}
			seen[u.UserID] = true
			doc, derr := exportDoc(u)
			if derr != nil {
				err = derr
				break
			}
			if !st.Reaches(policy.ActionExport, doc) {
				dropped++
				continue
			}
			if err = w.Write(doc); err != nil {
				break
			}
		}
		if err == nil {
			err = w.Flush()
			s.extendWrite(c)
		}
		next := params.Page + 1
		if err != nil || len(page.Users) < exportPageSize || next*exportPageSize >= views.SearchCap ||
			(page.Totals && next*exportPageSize >= total) {
			break
		}
		params.Page = next
		page, err = s.users.ListUsers(ctx, params)
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if dropped > 0 && !st.WholeTenant(policy.ActionExport) {
		s.logger(c).Warn("users found are outside the person's export reach; not exported", "count", dropped)
	}
	s.endAudited(c, at, err, audit.Int("count", w.Rows()), audit.Int("total", int64(total)))
	if err != nil {
		// The answer has started: the file stops where the error came; the log says why.
		s.logger(c).Error("users export stopped", "err", err, "rows", w.Rows())
	}
	return nil
}

// exportDetails are what an export's attempt records: the query, the format and the columns.
func exportDetails(req exportRequest, q string, more ...audit.Attr) []audit.Attr {
	return append([]audit.Attr{
		audit.String("query", q),
		audit.String("format", string(req.Format)),
		audit.Strings("columns", userexport.Keys(req.Columns)),
	}, more...)
}

// exportDoc is a user as Auth0 sent it, a JSON object with its numbers as written: what the
// policy matches and the export writes.
func exportDoc(u *auth0api.User) (map[string]any, error) {
	b, err := u.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("export: encode user: %w", err)
	}
	doc, err := userexport.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("export: decode user: %w", err)
	}
	return doc, nil
}

// exportOffer is the export form the users page shows under a search the person may export.
func (s *server) exportOffer(c echo.Context, st policy.Staff, d *views.UsersTableData) *views.ExportOffer {
	if !st.May(policy.ActionExport) || d.Problem != nil || len(d.Errors) > 0 || len(d.Users) == 0 || d.Found != "" {
		return nil
	}
	id, _ := currentIdentity(c)
	o := &views.ExportOffer{CSRFToken: maskCSRF(id.CSRFToken), Search: exportSearchValues(d.Search)}
	for _, col := range userexport.Columns() {
		o.Columns = append(o.Columns, views.ExportColumn{Key: col.Key, Label: col.Label,
			Checked: slices.Contains(userexport.DefaultColumns(), col.Key)})
	}
	for _, f := range userexport.Formats() {
		o.Formats = append(o.Formats, views.ExportFormat{Value: string(f), Label: f.Label()})
	}
	if !st.WholeTenant(policy.ActionExport) {
		o.Reach = st.ReachWords(policy.ActionExport)
	}
	o.Job = exportJobOffer(st, d)
	return o
}

// exportSearchValues are the search's inputs an export form carries (not its page or page size).
func exportSearchValues(s views.UserSearch) url.Values {
	v := s.Values()
	v.Del("page")
	v.Del("per_page")
	return v
}
