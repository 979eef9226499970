package handlers

import (
	"net/http"

	"userdesk/audit"
	"userdesk/policy"
)

// profileControls are the actions whose controls the user page's profile shows.
var profileControls = []policy.Action{policy.ActionViewRaw, policy.ActionBlock, policy.ActionSendEmails,
	policy.ActionEdit, policy.ActionDelete, policy.ActionResetMFA, policy.ActionEndSessions, policy.ActionLink}

// searchRoutes are the routes that search the tenant's users: each request counts against the
// person's search limit (Limits.Searches, limits_gate.go).
var searchRoutes = []string{http.MethodGet + " /users"}

// userRoutes are the routes for finding and managing users: search, the user page, and the
// changes made from it (issue 5). Part of the route table (routes.go).
//
// Every change is a POST of a plain form (so it also works without JavaScript); htmx sends the
// same forms and gets the changed part of the page back. The last column is what a route does
// to the user in its :id (gate.go): the gate resolves and checks that user before the handler.
func (s *server) userRoutes() []route {
	const ownIdentities = "link or unlink your own accounts"
	return []route{
		// Search (users_search.go): the page, or its table for htmx.
		{http.MethodGet, "/users", actView, s.listUsers, nil},
		// A lockout of an identifier no user has (lockouts.go): the search page's look-up, and
		// its unlock. An identifier that is a user's is looked up and unlocked on that user.
		{http.MethodGet, "/lockouts", actView, s.orphanLockouts, nil},
		{http.MethodPost, "/lockouts/unlock", actUnlock, s.unlockIdentifier, nil},

		// Export (export.go, export_job.go): the search as a file, up to Auth0's 1,000-result
		// cap; past it, an Auth0 export job filtered as it streams through.
		{http.MethodPost, "/users/export", actExport, s.exportUsers, nil},
		{http.MethodPost, "/users/export/jobs", actExport, s.startExportJob, nil},
		{http.MethodGet, "/users/export/job", actExport, s.showExportJob, nil},
		{http.MethodGet, "/users/export/job/download", actExport, s.downloadExportJob, nil},

		// Create (users_create.go).
		{http.MethodGet, "/users/new", actCreateUsers, s.newUserForm, nil},
		{http.MethodPost, "/users", actCreateUsers, s.createUser, nil},

		// The user page (users.go): the page, or its profile for htmx.
		{http.MethodGet, "/users/:id", actView, s.showUser, reads().needsWholeUser().showsControls(profileControls...).withSections()},

		// Edit (users_edit.go).
		{http.MethodGet, "/users/:id/edit", actEditUsers, s.editUserForm, reads().needsWholeUser()},
		{http.MethodPost, "/users/:id/edit", actEditUsers, s.updateUser, changes(audit.UserUpdate).needsWholeUser().withStepUpWhen(editChangesSignIn)},

		// Actions (users_actions.go).
		{http.MethodPost, "/users/:id/block", actBlockUsers, s.blockUser, changes(audit.UserBlock).notOnSelf("block your own account").withStepUp()},
		{http.MethodPost, "/users/:id/unblock", actBlockUsers, s.unblockUser, changes(audit.UserUnblock).notOnSelf("unblock your own account").withStepUp()},
		{http.MethodPost, "/users/:id/password-reset", actSendEmails, s.passwordResetLink, changes(audit.UserPasswordTicket).withStepUp()},
		{http.MethodPost, "/users/:id/password-reset-email", actSendEmails, s.sendPasswordResetEmail, changes(audit.UserPasswordResetEmail).needs(resetEmailFields...).sendsEmail()},
		{http.MethodPost, "/users/:id/verification-email", actSendEmails, s.sendVerificationEmail, changes(audit.UserVerificationEmail).sendsEmail()},
		{http.MethodPost, "/users/:id/delete", actDeleteUsers, s.deleteUser, changes(audit.UserDelete).notOnSelf("delete your own account").needsWholeUser().withStepUp()},

		// Linked accounts (link.go, issue 12): the admin finds the other account, compares the
		// two, and links it into this user; the gate decides the link action on both users
		// (alsoOn). Unlinking makes the identity a user of its own again.
		{http.MethodGet, "/users/:id/link/candidates", actLink, s.linkCandidates, reads()},
		{http.MethodGet, "/users/:id/link/confirm", actLink, s.linkConfirm, reads().needsWholeUser().alsoOn("secondary")},
		{http.MethodPost, "/users/:id/identities", actLink, s.linkIdentity, changes(audit.UserIdentityLink).notOnSelf(ownIdentities).
			needsWholeUser().alsoOn("secondary").withStepUp()},
		{http.MethodDelete, "/users/:id/identities/:provider/:identity", actLink, s.unlinkIdentity, changes(audit.UserIdentityUnlink).
			notOnSelf(ownIdentities).needsWholeUser().withStepUp()},
	}
}
