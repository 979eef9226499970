package views

import (
	"maps"
	"net/url"
	"slices"
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
