package views

import "net/url"

// Section is one part of the user page that loads, fails and re-renders on its own. The user
// page renders a placeholder for each (an element with the section's ID that fetches Path on
// load, swapping itself with outerHTML); the section's partial answers with an element carrying
// the same ID, so later swaps (after an action, a retry, a page change) are idempotent.
type Section struct {
	// ID is the DOM id of the section's root element.
	ID string
	// Title is the section's heading.
	Title string
	// Path is the route, under /users/{id}, that renders the section partial.
	Path string
}

// UserSections returns the user page's sections, in page order.
func UserSections() []Section {
	return []Section{
		{ID: "section-factors", Title: "Factors", Path: "factors"},
		{ID: "section-roles", Title: "Roles", Path: "roles"},
		{ID: "section-permissions", Title: "Permissions", Path: "permissions"},
		{ID: "section-organizations", Title: "Organizations", Path: "organizations"},
		{ID: "section-logs", Title: "Logs", Path: "logs"},
		{ID: "section-changes", Title: "Changes by staff", Path: "changes"},
	}
}

// SectionURL is the URL of a section's partial for one user: "/users/<escaped id>/<path>".
func SectionURL(userID string, s Section) string {
	return "/users/" + url.PathEscape(userID) + "/" + s.Path
}
