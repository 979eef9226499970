package views

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// SectionByPath returns the user page's section whose Path is path ("roles"), and false when
// there is none.
func SectionByPath(path string) (Section, bool) {
	for _, s := range UserSections() {
		if s.Path == path {
			return s, true
		}
	}
	return Section{}, false
}

// SectionPageURL is the URL of one page (zero-based) of a section's list for a user.
func SectionPageURL(userID string, s Section, page int) string {
	u := SectionURL(userID, s)
	if page > 0 {
		u += "?page=" + strconv.Itoa(page)
	}
	return u
}

// Pager is the paging state of a list inside a section. Previous and next re-render the section
// alone (hx-target is the section's root element).
type Pager struct {
	// Section is the section the list belongs to.
	Section Section
	// Noun names the items, plural: "roles".
	Noun string
	// Start is the index of the first item shown; Count how many are shown.
	Start, Count int
	// Total is how many items there are; 0 when Auth0 did not say.
	Total int
	// PrevURL and NextURL are the section URLs of the neighbouring pages, "" when there is none.
	PrevURL, NextURL string
	// EndNote is said after the last page that can be reached, e.g. Auth0's 1,000-event cap.
	EndNote string
}

// Summary is "Roles 1–25 of 40", or "No roles." for an empty list.
func (p Pager) Summary() string {
	noun := p.Noun
	if noun != "" {
		noun = strings.ToUpper(noun[:1]) + noun[1:]
	}
	if p.Count == 0 {
		if p.Start > 0 {
			return "No more " + p.Noun + "."
		}
		return "No " + p.Noun + "."
	}
	first, last := p.Start+1, p.Start+p.Count
	if p.Total > 0 {
		return fmt.Sprintf("%s %d–%d of %d", noun, first, last, p.Total)
	}
	return fmt.Sprintf("%s %d–%d", noun, first, last)
}

// secUserURL is the user page of a user.
func secUserURL(userID string) string {
	return "/users/" + url.PathEscape(userID)
}

// secUserPath is a path under the user's page: secUserPath(id, "factors", methodID) is
// "/users/<id>/factors/<methodID>", every segment escaped.
func secUserPath(userID string, segments ...string) string {
	u := secUserURL(userID)
	for _, s := range segments {
		u += "/" + url.PathEscape(s)
	}
	return u
}

// secTarget is "#id", for hx-target.
func secTarget(id string) string { return "#" + id }
