package handlers

import "net/http"

// userRoutes are the routes for finding and managing users: search, the user page, and the
// changes made from it (issue 5). Part of the route table (routes.go).
//
// Every change is a POST of a plain form (so it also works without JavaScript); htmx sends the
// same forms and gets the changed part of the page back.
func (s *server) userRoutes() []route {
	return []route{
		// Search (users_search.go): the page, or its table for htmx.
		{http.MethodGet, "/users", actView, noStepUp, s.listUsers},

		// Create (users_create.go).
		{http.MethodGet, "/users/new", actCreateUsers, noStepUp, s.newUserForm},
		{http.MethodPost, "/users", actCreateUsers, noStepUp, s.createUser},

		// The user page (users_page.go): the page, or its profile for htmx.
		{http.MethodGet, "/users/:id", actView, noStepUp, s.showUser},

		// Edit (users_edit.go).
		{http.MethodGet, "/users/:id/edit", actEditUsers, noStepUp, s.editUserForm},
		{http.MethodPost, "/users/:id/edit", actEditUsers, noStepUp, s.updateUser},

		// Actions (users_actions.go).
		{http.MethodPost, "/users/:id/block", actBlockUsers, noStepUp, s.blockUser},
		{http.MethodPost, "/users/:id/unblock", actBlockUsers, noStepUp, s.unblockUser},
		{http.MethodPost, "/users/:id/password-reset", actSendEmails, stepUp, s.passwordResetLink},
		{http.MethodPost, "/users/:id/password-reset-email", actSendEmails, noStepUp, s.sendPasswordResetEmail},
		{http.MethodPost, "/users/:id/verification-email", actSendEmails, noStepUp, s.sendVerificationEmail},
		{http.MethodPost, "/users/:id/delete", actDeleteUsers, stepUp, s.deleteUser},
	}
}
