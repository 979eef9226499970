package views

import (
	"fmt"
	"net/url"

	"userdesk/auth0api"
	"userdesk/bulk"
)

// BulkMaxUsers is how many users one bulk job changes at most: Auth0's search cap, so that
// "select all N matching" never needs more than the search can list.
const BulkMaxUsers = SearchCap

// BulkAction is one bulk action the search results offer: its path segment (/bulk/<Op>) and
// the words of its button.
type BulkAction struct {
	Op    string
	Label string
	// Danger styles the button (delete).
	Danger bool
}

// BulkChoices are what the users table needs to offer bulk actions: the actions the person's
// groups allow (none hides the selection entirely) and the CSRF token of the form.
type BulkChoices struct {
	Actions   []BulkAction
	CSRFToken string
}

// BulkConfirm is the page that confirms a bulk action before it starts: who it will change,
// the role it needs, and for a deletion the count typed back.
type BulkConfirm struct {
	Action BulkAction
	// Title says the job in words ("Block 12 users").
	Title string
	// UserIDs are the users chosen (at most BulkMaxUsers); Labels name them when known.
	UserIDs []string
	Labels  map[string]string
	// Search is the search's query string when the users came from "select all N matching"
	// (the ids are then the search's, re-run on the server); Matching is how many matched.
	Search   string
	Matching int
	// Capped: more users matched than a job takes; the first BulkMaxUsers are chosen.
	Capped bool
	// NeedsRole: the action assigns or removes a role, chosen from Roles; Role is the one
	// chosen.
	NeedsRole bool
	Roles     []auth0api.Role
	Role      string
	// ConfirmCount: the person must type the number of users (delete).
	ConfirmCount bool
	// Error says what to fix before the job can start.
	Error string
	// StepUp: starting will first ask the person to sign in again.
	StepUp bool
}

// Count is how many users the job will change.
func (d BulkConfirm) Count() int { return len(d.UserIDs) }

// BulkJobData is a job's page: its state, counts and per-user results.
type BulkJobData struct {
	Job    bulk.Job
	Counts bulk.Counts
	// CSRFToken is for the cancel form.
	CSRFToken string
}

// Percent is how much of the job is over, 0 to 100.
func (d BulkJobData) Percent() int {
	if d.Counts.Total == 0 {
		return 100
	}
	return (d.Counts.Total - d.Counts.Pending) * 100 / d.Counts.Total
}

// JobURL is the page of a job.
func JobURL(id string) string { return "/bulk/" + url.PathEscape(id) }

// jobCancelURL is where a job's cancel form posts.
func jobCancelURL(id string) string { return JobURL(id) + "/cancel" }

// bulkActionURL is where a bulk action's form posts.
func bulkActionURL(op string) string { return "/bulk/" + url.PathEscape(op) }

// stateWords says a job's state in words.
func stateWords(j bulk.Job) string {
	switch j.State {
	case bulk.Running:
		return "Running"
	case bulk.Cancelled:
		if j.Stopped != "" {
			return "Stopped"
		}
		return "Cancelled"
	case bulk.Finished:
		return "Finished"
	case bulk.Draft:
		return "Not started"
	}
	return string(j.State)
}

// outcomeWords says what happened to one user.
func outcomeWords(o bulk.Outcome) string {
	switch o {
	case bulk.Done:
		return "done"
	case bulk.Failed:
		return "failed"
	case bulk.Skipped:
		return "skipped"
	case bulk.Started:
		return "in progress"
	}
	return "waiting"
}

// countsWords is a job's counts in words.
func countsWords(c bulk.Counts) string {
	return fmt.Sprintf("%d of %d handled: %d done, %d failed, %d skipped", c.Total-c.Pending, c.Total, c.Done, c.Failed, c.Skipped)
}

// itemName names a job's user: its label, else its id.
func itemName(it bulk.Item) string {
	if it.Label != "" {
		return it.Label
	}
	return it.UserID
}
