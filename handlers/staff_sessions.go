package handlers

// Sessions are visible and revocable (issue 11). Every signed-in session is in the session
// store's per-person index (every replica's, when they share Redis), with the person's groups,
// when they signed in, when they were last seen, their address and browser. Admins (the
// staff_sessions action) see everyone's on the staff-sessions page and end one session or all of
// a person's; everyone sees their own on "Your sessions" and can sign out everywhere. Ending a
// session deletes it from the store: the browser is signed out at its next request on any
// replica, and a request in flight cannot bring it back (sessionstore.Store.Update). Pages name
// sessions by a handle, a hash of the id: the id itself is a secret that never leaves the server.

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/handlers/sessionstore"
	"userdesk/views"
)

// sessionHandle names a session on a page: a hash of its id (132 bits), from which the id cannot
// be found.
func sessionHandle(id string) string {
	sum := sha256.Sum256([]byte("userdesk session handle\x00" + id))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:22]
}

// maxSubject bounds the subject a form may name (Auth0's user ids are far shorter).
const maxSubject = 512

// currentSessionID is the id of the request's own session ("" when none).
func (s *server) currentSessionID(c echo.Context) string {
	sess, err := s.session(c)
	if err != nil {
		return ""
	}
	return sess.ID
}

// sessionView is a stored session as the pages show it.
func sessionView(in sessionstore.Info, current string) views.StaffSession {
	return views.StaffSession{
		Handle: sessionHandle(in.ID), Created: in.Created, LastSeen: in.LastSeen,
		IP: in.IP, UserAgent: in.UserAgent, Current: in.ID == current,
	}
}

// staffSessionsData reads every live session from the store's index and groups them by person.
func (s *server) staffSessionsData(c echo.Context) (views.StaffSessionsData, error) {
	all, err := s.sessions.All(c.Request().Context(), maxListedSessions+1)
	if err != nil {
		return views.StaffSessionsData{}, storeFailed(err)
	}
	me, _ := currentIdentity(c)
	d := views.StaffSessionsData{Now: s.now(), CSRFToken: maskCSRF(me.CSRFToken), Truncated: len(all) > maxListedSessions}
	all = all[:min(len(all), maxListedSessions)]
	current := s.currentSessionID(c)
	byPerson := map[string]int{}
	for _, in := range all { // the most recently created first: a person's groups are their latest session's
		if !s.sessionLive(in.Meta, d.Now) {
			continue
		}
		i, ok := byPerson[in.Subject]
		if !ok {
			i = len(d.People)
			byPerson[in.Subject] = i
			d.People = append(d.People, views.StaffPerson{Subject: in.Subject, Name: in.Name, Email: in.Email, Groups: in.Groups})
		}
		d.People[i].Sessions = append(d.People[i].Sessions, sessionView(in, current))
	}
	slices.SortFunc(d.People, func(a, b views.StaffPerson) int {
		return cmp.Or(compareStrings(a.Name+a.Email, b.Name+b.Email), compareStrings(a.Subject, b.Subject))
	})
	return d, nil
}

// showStaffSessions is the staff-sessions page (the table alone for htmx).
func (s *server) showStaffSessions(c echo.Context) error {
	d, err := s.staffSessionsData(c)
	if err != nil {
		return err
	}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.StaffSessionsTable(d))
	}
	return render(c, http.StatusOK, views.StaffSessionsPage(s.page(c, "Staff sessions"), d))
}

// staffForm reads the person (and the session handle) an admin's form names.
func staffForm(c echo.Context) (sub, handle string, err error) {
	sub, handle = c.FormValue("sub"), c.FormValue("session")
	if sub == "" || len(sub) > maxSubject || len(handle) > 64 {
		return "", "", httpError(http.StatusBadRequest, "The form did not name a signed-in person. Reload the page and try again.", nil)
	}
	return sub, handle, nil
}

// endStaffSession ends one session of a person (an admin's action, audited).
func (s *server) endStaffSession(c echo.Context) error {
	sub, handle, err := staffForm(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	list, err := s.sessions.Sessions(ctx, sub)
	if err != nil {
		return storeFailed(err)
	}
	i := slices.IndexFunc(list, func(in sessionstore.Info) bool { return sessionHandle(in.ID) == handle })
	if i < 0 {
		s.audit(c, audit.StaffSessionEnd, sub, httpError(http.StatusNotFound, "the session had already ended", nil))
		return s.staffSessionsChanged(c, views.Flash{Kind: views.FlashInfo, Message: "That session had already ended."}, false)
	}
	in := list[i]
	err = s.sessions.Delete(ctx, in.ID)
	s.audit(c, audit.StaffSessionEnd, sub, err, audit.String("client_ip", in.IP), audit.String("browser", views.BrowserWords(in.UserAgent)))
	if err != nil {
		return storeFailed(err)
	}
	s.logger(c).Info("staff session ended", "sub", sub)
	return s.staffSessionsChanged(c, views.Flash{Kind: views.FlashSuccess,
		Message: "Ended a session of " + personWords(in.Meta) + ": that browser is signed out."}, in.ID == s.currentSessionID(c))
}

// endStaffSessions ends every session of a person (an admin's action, audited).
func (s *server) endStaffSessions(c echo.Context) error {
	sub, _, err := staffForm(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	list, err := s.sessions.Sessions(ctx, sub)
	if err != nil {
		return storeFailed(err)
	}
	who := sub
	if len(list) > 0 {
		who = personWords(list[0].Meta)
	}
	n, err := s.sessions.RevokeAll(ctx, sub)
	s.audit(c, audit.StaffSessionsEnd, sub, err, audit.Int("sessions", int64(n)))
	if err != nil {
		return storeFailed(err)
	}
	s.logger(c).Info("staff sessions ended", "sub", sub, "sessions", n)
	s.stopJobsOf(ctx, sub, stoppedByAdmin)
	me, _ := currentIdentity(c)
	return s.staffSessionsChanged(c, views.Flash{Kind: views.FlashSuccess,
		Message: "Signed " + who + " out everywhere (" + sessionWords(n) + " ended)."}, sub == me.Subject)
}

// sessionWords says "1 session", "3 sessions".
func sessionWords(n int) string {
	if n == 1 {
		return "1 session"
	}
	return strconv.Itoa(n) + " sessions"
}

// staffSessionsChanged answers a change on the staff-sessions page: the table again with the
// message, or, when the admin ended their own session, the signed-out page.
func (s *server) staffSessionsChanged(c echo.Context, f views.Flash, endedOwn bool) error {
	if endedOwn {
		return s.signedOutHere(c, "/signed-out")
	}
	d, err := s.staffSessionsData(c)
	if err != nil {
		return err
	}
	return s.respondChanged(c, views.StaffSessionsTable(d), f, "/staff/sessions")
}

// signedOutHere answers a request whose own session was just ended: the cookie is expired and
// the browser sent to to (HX-Redirect for htmx).
func (s *server) signedOutHere(c echo.Context, to string) error {
	if err := s.endRequestSession(c); err != nil {
		s.logger(c).Error("end session", "err", err)
	}
	c.Response().Header().Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// showOwnSessions is "Your sessions": the person's live sessions and "Sign out everywhere".
func (s *server) showOwnSessions(c echo.Context) error {
	me, _ := currentIdentity(c)
	list, err := s.sessions.Sessions(c.Request().Context(), me.Subject)
	if err != nil {
		return storeFailed(err)
	}
	d := views.OwnSessionsData{Now: s.now(), CSRFToken: maskCSRF(me.CSRFToken)}
	current := s.currentSessionID(c)
	for _, in := range list {
		if s.sessionLive(in.Meta, d.Now) {
			d.Sessions = append(d.Sessions, sessionView(in, current))
		}
	}
	return render(c, http.StatusOK, views.OwnSessionsPage(s.page(c, "Your sessions"), d))
}

// signOutEverywhere ends every session of the signed-in person, on every replica, this one
// included, and signs them out at the provider too, as sign-out does (audited).
func (s *server) signOutEverywhere(c echo.Context) error {
	me, _ := currentIdentity(c)
	n, err := s.sessions.RevokeAll(c.Request().Context(), me.Subject)
	s.audit(c, audit.SessionSignOutAll, me.Subject, err, audit.Int("sessions", int64(n)))
	if err != nil {
		return storeFailed(err) // not signed out: do not say so
	}
	s.logger(c).Info("signed out everywhere", "actor_sub", me.Subject, "sessions", n)
	s.stopJobsOf(c.Request().Context(), me.Subject, stoppedByOwner)
	return s.signedOutHere(c, s.signOutTarget())
}

// signOutTarget is where sign-out sends the browser: the provider's end-session endpoint when
// it advertises one (it comes back to /signed-out), else /signed-out.
func (s *server) signOutTarget() string {
	target := s.baseURL + "/signed-out"
	if p, err := s.signIn.current(); err == nil && p.endSession != "" {
		u, err := url.Parse(p.endSession)
		if err == nil {
			q := u.Query()
			q.Set("client_id", s.signIn.clientID)
			q.Set("post_logout_redirect_uri", target)
			u.RawQuery = q.Encode()
			target = u.String()
		}
	}
	return target
}
