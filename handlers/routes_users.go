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
		{http.MethodGet, "/users", actView, s.listUsers},

		// Create (users_create.go).
		{http.MethodGet, "/users/new", actCreateUsers, s.newUserForm},
		{http.MethodPost, "/users", actCreateUsers, s.createUser},

		// The user page (users_page.go): the page, or its profile for htmx.
		{http.MethodGet, "/users/:id", actView, s.showUser},

		// Edit (users_edit.go).
		{http.MethodGet, "/users/:id/edit", actEditUsers, s.editUserForm},
		{http.MethodPost, "/users/:id/edit", actEditUsers, s.updateUser},

		// Actions (users_actions.go).
		{http.MethodPost, "/users/:id/block", actBlockUsers, s.blockUser},
		{http.MethodPost, "/users/:id/unblock", actBlockUsers, s.unblockUser},
		{http.MethodPost, "/users/:id/password-reset", actSendEmails, s.passwordResetLink},
		{http.MethodPost, "/users/:id/password-reset-email", actSendEmails, s.sendPasswordResetEmail},
		{http.MethodPost, "/users/:id/verification-email", actSendEmails, s.sendVerificationEmail},
		{http.MethodPost, "/users/:id/delete", actDeleteUsers, s.deleteUser},
	}
}
