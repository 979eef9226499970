package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/views"
)

// listUsers shows the first page of the tenant's users.
func (s *server) listUsers(c echo.Context) error {
	page, err := s.users.ListUsers(c.Request().Context(), auth0api.ListUsersParams{
		PerPage: 25,
		// Only what the table shows: a smaller answer.
		Fields: []string{"user_id", "name", "email", "email_verified", "picture",
			"identities", "last_login", "logins_count", "blocked"},
	})
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	data := views.UsersTableData{Users: page.Users, Start: page.Start, Total: page.Total}
	if isPartial(c) {
		return render(c, http.StatusOK, views.UsersTable(data))
	}
	return render(c, http.StatusOK, views.UsersPage(s.page(c, "Users"), data))
}
