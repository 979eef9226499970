package views

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ExportOffer is the export form under a search the person may export (nil: none): the
// search's inputs as hidden fields, the formats and the columns to choose from.
type ExportOffer struct {
	// CSRFToken goes in the form's _csrf field (a plain form: the file is a download).
	CSRFToken string
	// Search is the search's inputs (the users page's URL query, without page and page size).
	Search  url.Values
	Formats []ExportFormat
	Columns []ExportColumn
	// Reach says, in words, which users the person may export, when not every user.
	Reach string
	// Job, when set, offers an Auth0 export job for a search past the 1,000-result cap.
	Job *ExportJobOffer
}

// ExportFormat is a file format of the form.
type ExportFormat struct {
	Value string // "csv", "jsonl"
	Label string // "CSV"
}

// ExportColumn is a column of the form.
type ExportColumn struct {
	Key     string // the form value, and the file's header
	Label   string
	Checked bool // chosen by default
}

// ExportJobOffer explains an export job before it starts: what Auth0 will export and how the
// dashboard narrows it.
type ExportJobOffer struct {
	// Connections says what Auth0 will export: "every connection", "connection X", ...
	Connections string
}

// hiddenSearch is the search's inputs in a stable order, for hidden fields.
func (o *ExportOffer) hiddenSearch() []searchValue {
	var out []searchValue
	for _, k := range slices.Sorted(maps.Keys(o.Search)) {
		for _, v := range o.Search[k] {
			out = append(out, searchValue{k, v})
		}
	}
	return out
}

type searchValue struct{ Name, Value string }

// exportSummary is the export's heading: how many users the file will hold.
func (d UsersTableData) exportSummary() string {
	switch {
	case !d.Totals:
		return "Export these users"
	case d.capped():
		return "Export the first " + searchCount(SearchCap) + " of " + searchCount(d.Total) + " users"
	case d.Total == 1:
		return "Export this user"
	}
	return "Export these " + searchCount(d.Total) + " users"
}

// ExportJobStatusID is the job page's status block, which htmx polls while the job runs.
const ExportJobStatusID = "export-job-status"

// ExportJobData is an export job's page: what it exports and how far Auth0 has got.
type ExportJobData struct {
	// Ref is the job's reference in the dashboard's URLs (the job query parameter).
	Ref string
	// Format and Columns are what the file will hold, in words.
	Format  string
	Columns []string
	// Query is the search, as the Lucene query it compiled to ("" for every user); SearchURL
	// goes back to it on the users page.
	Query     string
	SearchURL string
	// Reach says which users the person may export, when not every user.
	Reach string
	// Connections says what Auth0 exports: "every connection", "connection X", ...
	Connections string
	// Total is how many users the search matched when the job started (Auth0's count).
	Total int
	// Started is when the job started.
	Started time.Time
	// Parts are Auth0's jobs (one per connection, or one for the whole tenant).
	Parts []ExportJobPart
	// State is where the export is: ExportRunning, ExportReady, ExportFailed, ExportGone.
	State ExportJobState
	// Percent is how much of the whole is done, 0–100; TimeLeft Auth0's estimate in words
	// ("" when it gave none).
	Percent  int
	TimeLeft string
	// Problem says what went wrong, in words, when the job failed or is gone.
	Problem string
	// Stopped: the person stopped watching (the page no longer polls; Auth0 goes on).
	Stopped bool
}

// ExportJobPart is one Auth0 job of an export.
type ExportJobPart struct {
	ID         string
	Connection string // its connection, or "every connection"
	Status     string // in words: "waiting to start", "running", "done", "failed"
	Percent    int
	TimeLeft   string
	Problem    string
}

// ExportJobState is where an export job is.
type ExportJobState string

// Export job states.
const (
	ExportRunning ExportJobState = "running" // Auth0 is still exporting
	ExportReady   ExportJobState = "ready"   // every part completed: the file can be downloaded
	ExportFailed  ExportJobState = "failed"  // a part failed
	ExportGone    ExportJobState = "gone"    // Auth0 no longer has a part (deleted after 24 hours)
)

// statusURL is the status block's URL (the page's, which answers htmx with the block alone).
func (d ExportJobData) statusURL() string { return "/users/export/job?job=" + url.QueryEscape(d.Ref) }

// stopURL stops the polling.
func (d ExportJobData) stopURL() string { return d.statusURL() + "&watch=stop" }

// downloadURL downloads the file.
func (d ExportJobData) downloadURL() string {
	return "/users/export/job/download?job=" + url.QueryEscape(d.Ref)
}

// polling reports whether the status block polls: while the job runs and the person watches.
func (d ExportJobData) polling() bool { return d.State == ExportRunning && !d.Stopped }

// columnsWords lists the columns.
func (d ExportJobData) columnsWords() string { return strings.Join(d.Columns, ", ") }
