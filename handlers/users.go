package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/views"
)

// showUser is the user page: the profile at once, the sections loading by themselves. An htmx
// request gets the profile alone (the edit form's Cancel, a refresh after a change). The gate
// read the user (and, for the helpdesk, their roles, to withhold the controls the rules refuse).
func (s *server) showUser(c echo.Context) error {
	t := targetOf(c)
	d := s.userPageData(c, *t.User)
	if isPartial(c) {
		return render(c, http.StatusOK, views.UserProfile(d))
	}
	s.placeSections(c, t, &d)
	return render(c, http.StatusOK, views.UserPage(s.page(c, views.UserTitle(*t.User)), d))
}

// fetchUser reads a user, turning Auth0's 404 into a page that says there is no such user.
func (s *server) fetchUser(c echo.Context, id string) (*auth0api.User, error) {
	u, err := s.users.GetUser(c.Request().Context(), id, nil)
	if errors.Is(err, auth0api.ErrNotFound) {
		return nil, errNoSuchUser(id, err)
	}
	return u, err
}

// errNoSuchUser answers a user id Auth0 does not know.
func errNoSuchUser(id string, cause error) error {
	return httpError(http.StatusNotFound, "There is no user with the id "+id+". The user may have been deleted, or the id mistyped.", cause).withTitle("No such user")
}

// userPageData is what the user page shows of u to the signed-in person.
func (s *server) userPageData(c echo.Context, u auth0api.User) views.UserPageData {
	me, _ := currentIdentity(c)
	st := s.staffOf(me)
	can := abilities(st)
	var shown views.Protection
	if t, ok := c.Get(ctxTarget).(*target); ok {
		can, shown = targetAbilities(st, t)
	}
	can.ConfirmIdentity = stepUpDue(c)
	return views.UserPageData{
		User:       u,
		Can:        can,
		Protection: shown,
		Self:       isSelf(c, u.UserID),
		CSRFToken:  maskCSRF(me.CSRFToken),
	}
}

// isSelf reports whether the user id is the signed-in person's own (their subject): staff may not
// block or delete themselves (checklist item 43).
func isSelf(c echo.Context, userID string) bool {
	me, ok := currentIdentity(c)
	return ok && me.Subject != "" && me.Subject == userID
}
