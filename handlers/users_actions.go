package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/views"
)

// passwordTicketTTL is how long a password-change link works: a day, not Auth0's default five.
const passwordTicketTTL = 24 * time.Hour

// blockUser blocks a user: they can no longer sign in.
func (s *server) blockUser(c echo.Context) error { return s.setBlocked(c, true) }

// unblockUser lets a blocked user sign in again.
func (s *server) unblockUser(c echo.Context) error { return s.setBlocked(c, false) }

// setBlocked blocks or unblocks: one PATCH, whose answer (the whole user) re-renders the
// profile.
func (s *server) setBlocked(c echo.Context, blocked bool) error {
	t := targetOf(c)
	u, err := s.ops.SetBlocked(c.Request().Context(), s.actor(c), t.op(), blocked)
	if err != nil {
		return s.changeFailed(t, err)
	}
	msg := "Blocked " + views.DeleteConfirmation(*u) + ": they can no longer sign in."
	if !blocked {
		msg = "Unblocked " + views.DeleteConfirmation(*u) + ": they can sign in again."
	}
	return s.respondChanged(c, views.UserProfile(s.userPageData(c, *u)),
		views.Flash{Kind: views.FlashSuccess, Message: msg}, userPath(t.ID))
}

// passwordResetLink creates a password-change link (an Auth0 ticket) and shows it once to the
// person who asked, to pass on to the user. The link is a secret: it is never logged, audited,
// stored in the session or put in a redirect.
func (s *server) passwordResetLink(c echo.Context) error {
	t := targetOf(c)
	link, expires, err := s.ops.PasswordChangeTicket(c.Request().Context(), s.actor(c), t.op(), passwordTicketTTL)
	if err != nil {
		return s.changeFailed(t, err)
	}
	notice := views.UserNotice{TicketURL: link, Expires: expires}
	flash := views.Flash{Kind: views.FlashSuccess, Message: "Created a password-change link. Copy it below; it is shown only once."}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.UserNoticeArea(notice), views.FlashOOB(flash))
	}
	// A plain form: the page itself shows the link (a redirect would have to carry it).
	u, err := s.fetchUser(c, t.ID)
	if err != nil {
		return err
	}
	d := s.userPageData(c, *u)
	d.Notice = notice
	p := s.page(c, views.UserTitle(*u))
	p.Flash = flash
	return render(c, http.StatusOK, views.UserPage(p, d))
}

// resetEmailFields are the user fields sendPasswordResetEmail needs (read by the gate).
var resetEmailFields = []string{"user_id", "email", "name", "identities"}

// sendPasswordResetEmail asks Auth0 to e-mail a database user a link to choose a new password
// (the Authentication API's change_password, with the configured application): unlike the
// password-change link, the person asking never sees the link. The gate read the address and
// the connection Auth0 needs.
func (s *server) sendPasswordResetEmail(c echo.Context) error {
	t := targetOf(c)
	u := t.User
	conn, ok := databaseConnection(*u)
	var err error
	switch {
	case !ok:
		err = httpError(http.StatusConflict, "Only users of a database connection have a password to reset; "+views.UserTitle(*u)+" signs in through "+connectionOf(*u)+".", nil).withTitle("No password")
	case u.Email == "":
		err = httpError(http.StatusConflict, views.UserTitle(*u)+" has no e-mail address to send the link to. Create a password-change link instead.", nil).withTitle("No e-mail address")
	}
	if err != nil {
		s.audit(c, audit.UserPasswordResetEmail, t.ID, err)
		return err
	}
	if err := s.ops.SendPasswordResetEmail(c.Request().Context(), s.actor(c), t.op(), u.Email, conn); err != nil {
		return s.changeFailed(t, err)
	}
	return s.respondChanged(c, views.UserNoticeArea(views.UserNotice{}), views.Flash{Kind: views.FlashSuccess,
		Message: "Auth0 is e-mailing " + u.Email + " a link to choose a new password."}, userPath(t.ID))
}

// databaseConnection returns the connection of the user's primary identity when it is a
// database connection (provider "auth0"), the only kind whose users have passwords.
func databaseConnection(u auth0api.User) (string, bool) {
	if len(u.Identities) == 0 || u.Identities[0].Provider != "auth0" || u.Identities[0].Connection == "" {
		return "", false
	}
	return u.Identities[0].Connection, true
}

// connectionOf names the connection of the user's primary identity, for messages.
func connectionOf(u auth0api.User) string {
	if len(u.Identities) == 0 || u.Identities[0].Connection == "" {
		return "another connection"
	}
	return u.Identities[0].Connection
}

// sendVerificationEmail asks Auth0 to send the user the e-mail-verification message again.
func (s *server) sendVerificationEmail(c echo.Context) error {
	t := targetOf(c)
	jobID, err := s.ops.SendVerificationEmail(c.Request().Context(), s.actor(c), t.op())
	if err != nil {
		return s.changeFailed(t, err)
	}
	return s.respondChanged(c, views.UserNoticeArea(views.UserNotice{}), views.Flash{Kind: views.FlashSuccess,
		Message: "Auth0 is sending the verification e-mail (job " + jobID + ")."}, userPath(t.ID))
}

// deleteUser deletes a user after the person typed the user's e-mail address (or id, when there
// is none), checked here against the user the gate read; then back to the search with a
// message. Deleting oneself is refused by the gate before anything is asked of Auth0.
func (s *server) deleteUser(c echo.Context) error {
	t := targetOf(c)
	typed := strings.TrimSpace(c.FormValue("confirm"))
	if typed == "" {
		err := httpError(http.StatusUnprocessableEntity, "Type the user's e-mail address (or id) to confirm the deletion.", nil)
		s.audit(c, audit.UserDelete, t.ID, err)
		return err
	}
	want := views.DeleteConfirmation(*t.User)
	if typed != want {
		err := httpError(http.StatusUnprocessableEntity, "That is not "+want+". Type it exactly to delete this user.", nil)
		s.audit(c, audit.UserDelete, t.ID, err)
		d := s.userPageData(c, *t.User)
		d.DeleteError, d.DeleteTyped = err.msg, typed
		if isHTMX(c) {
			return render(c, err.status, views.UserProfile(d))
		}
		return render(c, err.status, views.UserPage(s.page(c, views.UserTitle(*t.User)), d))
	}
	if err := s.ops.Delete(c.Request().Context(), s.actor(c), t.op()); err != nil {
		return s.changeFailed(t, err)
	}
	return s.redirectWithFlash(c, views.Flash{Kind: views.FlashSuccess, Message: "Deleted " + want + "."}, "/users")
}

// userActionError words an Auth0 refusal of an action on one user (a 404 names the user).
func (s *server) userActionError(id string, err error) error {
	if isUserNotFound(err) {
		return errNoSuchUser(id, err)
	}
	return err
}

// redirectWithFlash sends the browser to another page, which shows the message: a 303 for a
// plain form, HX-Redirect for htmx (a whole new page, not a swap).
func (s *server) redirectWithFlash(c echo.Context, f views.Flash, to string) error {
	if err := s.setFlash(c, f); err != nil {
		return err
	}
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, to)
}
