package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/views"
)

// showUser is the user page: the profile at once, the sections loading by themselves. An htmx
// request gets the profile alone (the edit form's Cancel, a refresh after a change).
func (s *server) showUser(c echo.Context) error {
	id, err := userIDParam(c)
	if err != nil {
		return err
	}
	u, p, err := s.fetchUserGuarded(c, id)
	if err != nil {
		return err
	}
	d := s.userPageData(c, *u)
	protectPage(&d.Can, &d.Protection, p)
	if isPartial(c) {
		return render(c, http.StatusOK, views.UserProfile(d))
	}
	return render(c, http.StatusOK, views.UserPage(s.page(c, views.UserTitle(*u)), d))
}

// fetchUser reads a user, turning Auth0's 404 into a page that says there is no such user.
func (s *server) fetchUser(c echo.Context, id string) (*auth0api.User, error) {
	u, err := s.users.GetUser(c.Request().Context(), id, nil)
	if errors.Is(err, auth0api.ErrNotFound) {
		return nil, errNoSuchUser(id, err)
	}
	return u, err
}

// fetchUserGuarded is fetchUser plus, for a person whose changes are checked against the
// protected roles, the user's protection, read at the same time. A failed roles read does not
// fail the page: the user is shown as unchecked (no controls), and it is logged.
func (s *server) fetchUserGuarded(c echo.Context, id string) (*auth0api.User, protection, error) {
	if !s.guardsTargets(c) {
		u, err := s.fetchUser(c, id)
		return u, protection{}, err
	}
	var (
		u    *auth0api.User
		p    protection
		perr error
	)
	err := sectionParallel(c.Request().Context(),
		func(ctx context.Context) (err error) {
			u, err = s.users.GetUser(ctx, id, nil)
			return err
		},
		func(ctx context.Context) error {
			p, perr = s.readProtection(ctx, id)
			return nil // the page shows the user anyway
		},
	)
	if errors.Is(err, auth0api.ErrNotFound) {
		return nil, protection{}, errNoSuchUser(id, err)
	}
	if err != nil {
		return nil, protection{}, err
	}
	if perr != nil {
		s.logger(c).Warn("could not read the user's roles to check for protected roles; showing no controls", "err", perr)
		p = protection{unchecked: true}
	}
	return u, p, nil
}

// errNoSuchUser answers a user id Auth0 does not know.
func errNoSuchUser(id string, cause error) error {
	return httpError(http.StatusNotFound, "There is no user with the id "+id+". The user may have been deleted, or the id mistyped.", cause).withTitle("No such user")
}

// userPageData is what the user page shows of u to the signed-in person.
func (s *server) userPageData(c echo.Context, u auth0api.User) views.UserPageData {
	me, _ := currentIdentity(c)
	return views.UserPageData{
		User:      u,
		Can:       can(c),
		Self:      isSelf(c, u.UserID),
		CSRFToken: maskCSRF(me.CSRFToken),
	}
}

// isSelf reports whether the user id is the signed-in person's own (their subject): staff may not
// block or delete themselves (checklist item 43).
func isSelf(c echo.Context, userID string) bool {
	me, ok := currentIdentity(c)
	return ok && me.Subject != "" && me.Subject == userID
}
