package views

import (
	"fmt"
	"net/url"
	"strconv"

	"userdesk/auth0api"
)

// DOM ids of the users page (search).
const (
	// UserSearchFormID is the search form; the table's links and hidden inputs belong to it.
	UserSearchFormID = "user-search"
	// UserSearchBoxID is the search box.
	UserSearchBoxID = "user-search-q"
)

// Search limits the users page offers. Auth0 pages through at most the first SearchCap users
// of a search.
const (
	SearchCap      = 1000
	DefaultPerPage = 25
)

// PageSizes are the page sizes the users page offers.
func PageSizes() []int { return []int{10, 25, 50, 100} }

// SortColumn is a column the users table sorts by.
type SortColumn struct {
	// Key is its name in the URL ("name", "email", "created", "last_login", "logins").
	Key string
	// Field is the Auth0 field Auth0 sorts by.
	Field string
	// Label is the column heading.
	Label string
	// DescFirst: the first click sorts newest or most first (dates, counts).
	DescFirst bool
}

// SortColumns are the sortable columns, by key.
func SortColumns() []SortColumn {
	return []SortColumn{
		{Key: "name", Field: "name", Label: "Name"},
		{Key: "email", Field: "email", Label: "Email"},
		{Key: "created", Field: "created_at", Label: "Created", DescFirst: true},
		{Key: "last_login", Field: "last_login", Label: "Last login", DescFirst: true},
		{Key: "logins", Field: "logins_count", Label: "Logins", DescFirst: true},
	}
}

// SortColumnFor returns the column with key, if there is one.
func SortColumnFor(key string) (SortColumn, bool) {
	for _, c := range SortColumns() {
		if c.Key == key {
			return c, true
		}
	}
	return SortColumn{}, false
}

// UserSearch is a search on the users page: what was typed and chosen, the sort and the page.
// It is what the URL carries.
type UserSearch struct {
	Text       string // the search box (q)
	Email      string
	Name       string
	UserID     string
	Connection string
	Blocked    string // "", "yes", "no"
	Verified   string // "", "yes", "no"
	LoginFrom  string // YYYY-MM-DD
	LoginTo    string
	// Inactive is a dormancy preset: "30", "90", "180", "365" (days without a sign-in) or
	// "never".
	Inactive    string
	CreatedFrom string // YYYY-MM-DD
	CreatedTo   string
	LoginsMin   string
	LoginsMax   string
	Raw         string // the expert query
	Sort        string // a SortColumn key, or "" for Auth0's order
	Desc        bool
	PerPage     int // one of PageSizes
	Page        int // zero-based
}

// Values returns the search as URL query values, leaving out what is empty or the default, so
// that URLs stay short and one search has one URL.
func (s UserSearch) Values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", s.Text)
	set("email", s.Email)
	set("name", s.Name)
	set("user_id", s.UserID)
	set("connection", s.Connection)
	set("blocked", s.Blocked)
	set("verified", s.Verified)
	set("login_from", s.LoginFrom)
	set("login_to", s.LoginTo)
	set("inactive", s.Inactive)
	set("created_from", s.CreatedFrom)
	set("created_to", s.CreatedTo)
	set("logins_min", s.LoginsMin)
	set("logins_max", s.LoginsMax)
	set("raw", s.Raw)
	if s.Sort != "" {
		set("sort", s.Sort)
		if s.Desc {
			v.Set("dir", "desc")
		} else {
			v.Set("dir", "asc")
		}
	}
	if s.PerPage != 0 && s.PerPage != DefaultPerPage {
		v.Set("per_page", strconv.Itoa(s.PerPage))
	}
	if s.Page > 0 {
		v.Set("page", strconv.Itoa(s.Page+1)) // people count pages from 1
	}
	return v
}

// URL is the users page showing this search.
func (s UserSearch) URL() string {
	if q := s.Values().Encode(); q != "" {
		return "/users?" + q
	}
	return "/users"
}

// HasFilters reports whether any filter besides the search box is set.
func (s UserSearch) HasFilters() bool {
	return s.Email != "" || s.Name != "" || s.UserID != "" || s.Connection != "" || s.Blocked != "" ||
		s.Verified != "" || s.LoginFrom != "" || s.LoginTo != "" || s.Inactive != "" || s.CreatedFrom != "" ||
		s.CreatedTo != "" || s.LoginsMin != "" || s.LoginsMax != "" || s.Raw != ""
}

// Searching reports whether the search narrows the users at all.
func (s UserSearch) Searching() bool { return s.Text != "" || s.HasFilters() }

// perPage is the page size, defaulted.
func (s UserSearch) perPage() int {
	if s.PerPage <= 0 {
		return DefaultPerPage
	}
	return s.PerPage
}

// atPage returns the search at page n (zero-based).
func (s UserSearch) atPage(n int) UserSearch { s.Page = n; return s }

// sortedBy returns the search sorted by the column: the other direction when it already is,
// else the column's natural first direction; back to the first page.
func (s UserSearch) sortedBy(c SortColumn) UserSearch {
	if s.Sort == c.Key {
		s.Desc = !s.Desc
	} else {
		s.Sort, s.Desc = c.Key, c.DescFirst
	}
	s.Page = 0
	return s
}

// UsersTableData is one page of users, with the search that found them.
type UsersTableData struct {
	// Reach says, in words, which users the person can see, when not every user.
	Reach string
	Users []auth0api.User
	Start int // index of the first user
	Total int // how many users match (0 when unknown)
	// Totals: Total is known (false for direct look-ups, which find one or a few users).
	Totals bool
	// Search is what was searched for; its page is the one shown.
	Search UserSearch
	// Found says how the users were found when it was not a search: "id" (a user id typed in
	// the box) or "email" (an e-mail address, looked up exactly).
	Found string
	// Problem is shown instead of results: an Auth0 refusal, a rate limit, a page past the cap.
	Problem *Problem
	// Errors are problems with the inputs, by field name ("q", "email", "raw", ...).
	Errors map[string]string
	// Export is the export form, when the person may export this search (nil otherwise).
	Export *ExportOffer
	// Connections name the tenant's connections, suggested by the connection filter (full
	// page only; may be empty).
	Connections []string
	// Bulk are the bulk actions the person may start on the users found (none: no checkboxes).
	Bulk BulkChoices
	// Lockout is the look-up of a brute-force lockout for what was typed (issue 12).
	Lockout LockoutLookupData
}

// LockoutLookupData is the search page's lockout look-up: for the one user whose e-mail
// address, username or phone number is what was typed, their lockout strip loads with the
// results (Auto); when no user has it, a link looks the identifier up on request.
type LockoutLookupData struct {
	URL        string
	Auto       bool
	Identifier string
}

// lastPage is the last page (zero-based) that can be shown: within the matches and within
// Auth0's cap, so no link leads to a page Auth0 refuses.
func (d UsersTableData) lastPage() int {
	per := d.Search.perPage()
	reachable := min(d.Total, SearchCap)
	if reachable <= 0 {
		return 0
	}
	return (reachable - 1) / per
}

// pageNumbers are the pages the searchPagination offers around the current one; -1 marks a gap.
func (d UsersTableData) pageNumbers() []int {
	last, cur := d.lastPage(), d.Search.Page
	var out []int
	for p := 0; p <= last; p++ {
		if p == 0 || p == last || (p >= cur-2 && p <= cur+2) {
			out = append(out, p)
		} else if len(out) > 0 && out[len(out)-1] != -1 {
			out = append(out, -1)
		}
	}
	return out
}

// capped reports whether more users match than Auth0 lets anyone page through.
func (d UsersTableData) capped() bool { return d.Totals && d.Total > SearchCap }

// summary is "Users 26–50 of 340", or what a direct look-up found.
func (d UsersTableData) summary() string {
	switch d.Found {
	case "id":
		return "The user with this id."
	case "email":
		if len(d.Users) == 1 {
			return "The user with this e-mail address."
		}
		return fmt.Sprintf("%d users with this e-mail address.", len(d.Users))
	}
	return usersRange(d)
}

// emptyMessage is what an empty result says.
func (d UsersTableData) emptyMessage() string {
	if d.Search.Searching() {
		return "No users match this search."
	}
	return "No users."
}

// sortState is the aria-sort value of a column heading.
func (d UsersTableData) sortState(c SortColumn) string {
	switch {
	case d.Search.Sort != c.Key:
		return "none"
	case d.Search.Desc:
		return "descending"
	}
	return "ascending"
}

// sortLabel is the accessible name of a column's sort link.
func (d UsersTableData) sortLabel(c SortColumn) string {
	next := d.Search.sortedBy(c)
	dir := "ascending"
	if next.Desc {
		dir = "descending"
	}
	return "Sort by " + c.Label + ", " + dir
}

// sortArrow is the arrow after a sorted column's heading.
func (d UsersTableData) sortArrow(c SortColumn) string {
	switch d.sortState(c) {
	case "ascending":
		return "▲"
	case "descending":
		return "▼"
	}
	return ""
}

// searchCount is 1234 as "1,234".
func searchCount(n int) string {
	s := strconv.Itoa(n)
	if n < 1000 {
		return s
	}
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	return string(out)
}

// profileURL is the dashboard page of a user.
func profileURL(id string, suffix ...string) string {
	u := "/users/" + url.PathEscape(id)
	for _, s := range suffix {
		u += s
	}
	return u
}

// searchSortDir is the dir value of the URL.
func searchSortDir(desc bool) string {
	if desc {
		return "desc"
	}
	return "asc"
}

// inactivePresets are the dormancy filter's choices, in words.
func inactivePresets() []struct{ value, label string } {
	return []struct{ value, label string }{
		{"30", "More than 30 days ago"}, {"90", "More than 90 days ago"}, {"180", "More than 180 days ago"},
		{"365", "More than a year ago"}, {"never", "Never signed in"},
	}
}

// searchFieldLabels name the search's fields in messages, in form order.
func searchFieldLabels() []struct{ name, label string } {
	return []struct{ name, label string }{
		{"q", "Search"}, {"email", "E-mail starts with"}, {"name", "Name starts with"}, {"user_id", "User id"},
		{"connection", "Connection"}, {"blocked", "Blocked"}, {"verified", "E-mail verified"},
		{"login_from", "Last login on or after"}, {"login_to", "Last login on or before"}, {"inactive", "Last sign-in"},
		{"created_from", "Created on or after"}, {"created_to", "Created on or before"},
		{"logins_min", "Logins at least"}, {"logins_max", "Logins at most"}, {"raw", "Expert query"},
	}
}

// searchFieldProblem is one input problem, labelled.
type searchFieldProblem struct{ label, message string }

// searchErrorList lists the input problems in form order.
func searchErrorList(errs map[string]string) []searchFieldProblem {
	var out []searchFieldProblem
	for _, f := range searchFieldLabels() {
		if m := errs[f.name]; m != "" {
			out = append(out, searchFieldProblem{f.label, m})
		}
	}
	return out
}
