package views

import (
	"net/url"
	"time"
)

// AuditFilter is the /audit page's filter, as its form and URL carry it.
type AuditFilter struct {
	Actor   string // a person's e-mail address or subject
	Target  string // a user id
	Event   string // an event name, or a prefix ending in ".*"
	Outcome string // success, failure, denied, pending, unknown
	Since   string // YYYY-MM-DD, inclusive
	Until   string // YYYY-MM-DD, inclusive
}

// Values returns the filter as URL query values, leaving out what is empty.
func (f AuditFilter) Values() url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"actor": f.Actor, "target": f.Target, "event": f.Event,
		"outcome": f.Outcome, "since": f.Since, "until": f.Until} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

// AuditEvent is one change (an attempt and its outcome) or one event, in words.
type AuditEvent struct {
	ID   string
	Time time.Time
	// Words is the event as a sentence: "Hal Helpdesk reset all MFA factors of Ada Lovelace".
	Words string
	// Name and Outcome are the event's name and final outcome.
	Name    string
	Outcome string
	// OutcomeLabel says the outcome in words.
	OutcomeLabel string
	// ActorID is the acting person's tenant user id, for a link ("" for userdesk itself).
	ActorID, ActorLabel string
	// TargetID is the user acted on, for a link ("" for none).
	TargetID, TargetLabel string
	// Details are what changed, as key and value.
	Details [][2]string
	// RequestID ties the event to the logs.
	RequestID string
}

// AuditData is the /audit page.
type AuditData struct {
	Filter AuditFilter
	// Events are one page, newest first; NextURL the following page ("" on the last).
	Events  []AuditEvent
	NextURL string
	// CSVURL exports every event the filter matches.
	CSVURL string
	// Names are the event names offered in the filter.
	Names []AuditName
	// Problem says why the page could not be read.
	Problem *Problem
	// Errors are input problems by field.
	Errors map[string]string
}

// AuditName is an event name and its label for the filter.
type AuditName struct{ Name, Label string }

// StaffChangesData is the "Changes by staff" section of the user page.
type StaffChangesData struct {
	UserID string
	Events []AuditEvent
	// MoreURL is the /audit page of every event about the user.
	MoreURL string
}

// auditOutcomes are the outcome filter's choices.
func auditOutcomes() [][2]string {
	return [][2]string{{"success", "Done"}, {"failure", "Failed"}, {"denied", "Refused"}, {"pending", "In progress"}, {"unknown", "Outcome unknown"}}
}

// pathEscape escapes a user id as one path segment.
func pathEscape(id string) string { return url.PathEscape(id) }

// changesSection is the "Changes by staff" entry of UserSections.
func changesSection() Section {
	s, _ := SectionByPath("changes")
	return s
}
