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
	// Group is the tab of the user page the section belongs to (a UserTabs ID).
	Group string
	// Chips are the DOM ids of the summary header's facts (and toolbar slots) the section's
	// partial fills out of band when it loads, so the header is complete once the sections
	// are in. While a chip's value is unknown the header shows it pending.
	Chips []string
	// WhenShown: the section loads when it is first shown (its tab opened), not with the page:
	// the user page's first answer then needs no call of its.
	WhenShown bool
}

// UserSections returns the user page's sections, in page order.
func UserSections() []Section {
	return []Section{
		{ID: "section-lockouts", Title: "Lockouts", Path: "lockouts", Group: TabSecurity, Chips: []string{ChipLockoutID}},
		{ID: "section-factors", Title: "Factors", Path: "factors", Group: TabSecurity, Chips: []string{ChipMFAID, ToolbarMFAID}},
		{ID: "section-sessions", Title: "Sessions", Path: "sessions", Group: TabSecurity, Chips: []string{ChipSessionsID}},
		{ID: "section-refresh-tokens", Title: "Refresh tokens", Path: "refresh-tokens", Group: TabSecurity, WhenShown: true},
		{ID: "section-applications", Title: "Authorized applications", Path: "applications", Group: TabSecurity, WhenShown: true},
		{ID: "section-roles", Title: "Roles", Path: "roles", Group: TabAccess, Chips: []string{ChipRolesID}},
		{ID: "section-permissions", Title: "Permissions", Path: "permissions", Group: TabAccess},
		{ID: "section-organizations", Title: "Organizations", Path: "organizations", Group: TabAccess},
		{ID: "section-logs", Title: "Logs", Path: "logs", Group: TabActivity, WhenShown: true},
		{ID: "section-changes", Title: "Changes by staff", Path: "changes", Group: TabActivity, WhenShown: true},
	}
}

// The tabs of the user page, in order. Profile holds the user record (details, identities,
// metadata, raw JSON); the others hold the sections whose Group they are.
const (
	TabProfile  = "profile"
	TabSecurity = "security"
	TabAccess   = "access"
	TabActivity = "activity"
)

// UserTab is one tab of the user page.
type UserTab struct {
	// ID names the tab in the address bar ("#security") and in Section.Group.
	ID string
	// Title is the tab's label.
	Title string
}

// UserTabs returns the user page's tabs, in order; the first is shown when the address names
// none.
func UserTabs() []UserTab {
	return []UserTab{
		{ID: TabProfile, Title: "Profile"},
		{ID: TabSecurity, Title: "Security"},
		{ID: TabAccess, Title: "Access"},
		{ID: TabActivity, Title: "Activity"},
	}
}

// tabSections returns the sections of one tab, in page order.
func tabSections(tab string) []Section {
	var out []Section
	for _, s := range UserSections() {
		if s.Group == tab {
			out = append(out, s)
		}
	}
	return out
}

// chipSection returns the section of the page that fills the chip out of band, if any.
func chipSection(id string) (Section, bool) {
	for _, s := range UserSections() {
		for _, c := range s.Chips {
			if c == id {
				return s, true
			}
		}
	}
	return Section{}, false
}

// SectionURL is the URL of a section's partial for one user: "/users/<escaped id>/<path>".
func SectionURL(userID string, s Section) string {
	return "/users/" + url.PathEscape(userID) + "/" + s.Path
}

// trigger is the htmx trigger of the section's placeholder: on load, or when it first shows.
func (s Section) trigger() string {
	if s.WhenShown {
		return "intersect once, userdesk:shown once, userdesk:retry"
	}
	return "load, userdesk:retry"
}
