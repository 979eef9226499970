package handlers

// The account-security sections of the user page (issue 12): sessions, refresh tokens and
// authorized applications (grants), with ending and revoking them. Lockouts are in lockouts.go,
// "secure this account" in secure.go. Each section reads one list (one Management API call);
// where a session's place comes from the user's logs, a second request fills it in for people
// who may read logs. The gate (gate.go) resolved and checked the user; a session, token or
// grant named in the path is read first to check that it is this user's.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/policy"
	"userdesk/userops"
	"userdesk/views"
)

// itemIDPattern is what the id of a session, refresh token or grant looks like (Auth0 makes
// them of letters and digits); it is checked before any call.
var itemIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,128}$`)

// securityTarget is what every account-security section knows of the user and of the person
// looking at it. Confirmations name the user with "{user}", which the page fills in (app.js):
// the sections read no more of the user than their list.
func (s *server) securityTarget(c echo.Context, t *target) views.SecurityTarget {
	can, shown := targetAbilities(s.currentStaff(c), t)
	can.ConfirmIdentity = stepUpDue(c)
	me, _ := currentIdentity(c)
	return views.SecurityTarget{UserID: t.ID, User: "{user}", Can: can, Self: t.self, Protection: shown, CSRFToken: maskCSRF(me.CSRFToken)}
}

// checkpointParam reads a checkpoint-paged section's ?from= and ?start= (the position shown);
// anything odd is the first page.
func checkpointParam(c echo.Context) (from string, start int) {
	from = c.QueryParam("from")
	if !itemIDPattern.MatchString(from) {
		return "", 0
	}
	start, err := strconv.Atoi(c.QueryParam("start"))
	if err != nil || start < 0 {
		start = 0
	}
	return from, min(start, 100_000)
}

// mayReadLogs reports whether the person may read the user's logs (places, lockout dates).
func (s *server) mayReadLogs(c echo.Context, t *target) bool {
	return s.currentStaff(c).Decide(policy.ActionViewLogs, t.policyTarget()).Allowed
}

// showSessions renders the sessions section.
func (s *server) showSessions(c echo.Context) error {
	t := targetOf(c)
	sec := sectionNamed("sessions")
	from, start := checkpointParam(c)
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	d, err := s.loadSessions(ctx, c, t, from, start)
	if err != nil {
		return s.sectionFailed(c, t.ID, sec, c.Request().URL.RequestURI(), err)
	}
	return s.showSection(c, http.StatusOK, t.ID, sec, views.SessionsSection(d))
}

// sessionsFirstPage asks for the first page of a user's sessions, with their count.
var sessionsFirstPage = auth0api.CheckpointParams{Take: sectionPerPage, IncludeTotals: true}

// loadSessions reads one page of the user's sessions.
func (s *server) loadSessions(ctx context.Context, c echo.Context, t *target, from string, start int) (views.SessionsData, error) {
	p := sessionsFirstPage
	p.From = from
	page, err := s.users.ListUserSessions(ctx, t.ID, p)
	return s.sessionsData(c, t, page, err, start)
}

// sessionsData is the sessions section for a page read (or its error). A tenant whose plan
// has no session API is not an error: the section says so, once.
func (s *server) sessionsData(c echo.Context, t *target, page *auth0api.SessionsPage, err error, start int) (views.SessionsData, error) {
	d := views.SessionsData{SecurityTarget: s.securityTarget(c, t)}
	if errors.Is(err, auth0api.ErrFeatureUnavailable) {
		s.logger(c).Info("the tenant's plan has no session API", "section", "sessions")
		d.Unavailable = true
		return d, nil
	}
	if err != nil {
		return d, err
	}
	d.Sessions = page.Sessions
	sec := sectionNamed("sessions")
	d.Pager = views.CheckpointPager(t.ID, sec, "sessions", start, len(page.Sessions), page.Total, page.Next, len(page.Sessions) == sectionPerPage)
	d.Count = views.Count{N: start + len(page.Sessions), More: d.Pager.NextURL != ""}
	if page.Totals {
		d.Count = views.Count{N: page.Total}
	}
	if len(d.Sessions) > 0 && s.mayReadLogs(c, t) {
		q := url.Values{}
		for _, ss := range d.Sessions {
			q.Add("ip", ss.Device.InitialIP)
			q.Add("at", ss.CreatedAt.UTC().Format(time.RFC3339))
		}
		d.PlacesURL = views.SectionURL(t.ID, sec) + "/places?" + q.Encode()
	}
	return d, nil
}

// placesLogs is how many of the user's newest log events the places and lockout dates are
// looked for in: one call, Auth0's largest page.
const placesLogs = 100

// sessionPlaces fills in where each session of the section began: the place of the
// successful login from the session's first address at the session's start (within two
// minutes), or else of any event from that address. One read of the user's newest events;
// when it fails, the places stay empty (the section has everything else).
func (s *server) sessionPlaces(c echo.Context) error {
	ips, ats, events, err := s.pairedLogs(c, "ip", "at", "sessions")
	if err != nil || events == nil {
		return err
	}
	var places []views.SessionPlace
	for i, ip := range ips {
		at, _ := time.Parse(time.RFC3339, ats[i])
		places = append(places, views.SessionPlace{Index: i, Place: placeOf(events, ip, at)})
	}
	return render(c, http.StatusOK, views.SessionPlaces(places))
}

// placeOf is where the login from ip at at happened, from the events.
func placeOf(events []auth0api.LogEvent, ip string, at time.Time) string {
	if ip == "" {
		return ""
	}
	fallback := ""
	for _, ev := range events {
		if ev.IP != ip {
			continue
		}
		place := views.PlaceOf(ev.LocationInfo)
		if place == "" {
			continue
		}
		if ev.Type == "s" && !at.IsZero() && ev.Date.Sub(at).Abs() <= 2*time.Minute {
			return place
		}
		if fallback == "" {
			fallback = place
		}
	}
	return fallback
}

// sessionsChanged answers a change to the sessions: the section re-read and a message.
func (s *server) sessionsChanged(c echo.Context, t *target, msg string) error {
	return s.sectionChanged(c, t.ID, sectionNamed("sessions"), func(ctx context.Context) (templ.Component, error) {
		d, err := s.loadSessions(ctx, c, t, "", 0)
		if err != nil {
			return nil, err
		}
		return views.SessionsSection(d), nil
	}, func() string { return msg })
}

// itemParam reads and checks the id of a session, refresh token or grant in the path.
func itemParam(c echo.Context, name, what string) (string, error) {
	id, err := sectionPathParam(c, name)
	if err != nil || !itemIDPattern.MatchString(id) {
		return "", httpError(http.StatusBadRequest, "That is not "+what+" id.", err)
	}
	return id, nil
}

// errNotTheUsers refuses an item (a session, token, grant) that is not the user's, or no
// longer exists: both look the same, so that nobody learns of another user's items.
func errNotTheUsers(what string) *publicError {
	return httpError(http.StatusNotFound, "This user has no such "+what+": it may have ended already. Reload the section.", nil).withTitle("No such " + what)
}

// endUserSession ends one of the user's sessions and revokes the refresh tokens issued in it.
func (s *server) endUserSession(c echo.Context) error {
	t := targetOf(c)
	refuse := func(err error) error { s.audit(c, audit.UserSessionEnd, t.ID, err); return err }
	sid, err := itemParam(c, "session", "a session")
	if err != nil {
		return refuse(err)
	}
	ss, err := s.users.GetSession(c.Request().Context(), sid)
	switch {
	case errors.Is(err, auth0api.ErrNotFound) || err == nil && ss.UserID != t.ID:
		return refuse(errNotTheUsers("session"))
	case err != nil:
		return refuse(err)
	}
	device := views.DeviceOf(ss.Device)
	via, err := s.ops.EndSession(c.Request().Context(), s.actor(c), t.op(), userops.Session{ID: sid, Device: device})
	if err != nil {
		return s.changeFailed(t, err)
	}
	msg := "Ended the session on " + device + " and revoked the refresh tokens issued in it."
	if via == userops.ViaSeparate {
		msg = "Ended the session on " + device + ". Auth0 refused to revoke its refresh tokens with it; revoke them in Refresh tokens."
	}
	return s.sessionsChanged(c, t, msg)
}

// endUserSessions ends every session of the user; the refresh tokens stay.
func (s *server) endUserSessions(c echo.Context) error {
	t := targetOf(c)
	if err := s.ops.EndSessions(c.Request().Context(), s.actor(c), t.op()); err != nil {
		return s.changeFailed(t, err)
	}
	return s.sessionsChanged(c, t, "Ended every session. Auth0 ends them in the background: one may still show for a moment. Refresh tokens stay valid.")
}

// revokeAccess signs the user out everywhere: every session ends and every refresh token is
// revoked, in one call where Auth0 offers it.
func (s *server) revokeAccess(c echo.Context) error {
	t := targetOf(c)
	via, err := s.ops.RevokeAccess(c.Request().Context(), s.actor(c), t.op())
	if err != nil {
		return s.changeFailed(t, err)
	}
	msg := "Signed the user out everywhere: every session ended and every refresh token was revoked."
	if via == userops.ViaSeparate {
		msg += " (Auth0 refused the one call that does both, so userdesk made the two separate calls.)"
	}
	return s.sessionsChanged(c, t, msg)
}

// showRefreshTokens renders the refresh-tokens section.
func (s *server) showRefreshTokens(c echo.Context) error {
	t := targetOf(c)
	sec := sectionNamed("refresh-tokens")
	from, start := checkpointParam(c)
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	d, err := s.loadRefreshTokens(ctx, c, t, from, start)
	if err != nil {
		return s.sectionFailed(c, t.ID, sec, c.Request().URL.RequestURI(), err)
	}
	return s.showSection(c, http.StatusOK, t.ID, sec, views.RefreshTokensSection(d))
}

// loadRefreshTokens reads one page of the user's refresh tokens.
func (s *server) loadRefreshTokens(ctx context.Context, c echo.Context, t *target, from string, start int) (views.RefreshTokensData, error) {
	d := views.RefreshTokensData{SecurityTarget: s.securityTarget(c, t)}
	page, err := s.users.ListUserRefreshTokens(ctx, t.ID, auth0api.CheckpointParams{From: from, Take: sectionPerPage, IncludeTotals: true})
	if errors.Is(err, auth0api.ErrFeatureUnavailable) {
		s.logger(c).Info("the tenant's plan has no refresh-token API", "section", "refresh-tokens")
		d.Unavailable = true
		return d, nil
	}
	if err != nil {
		return d, err
	}
	d.Tokens = page.Tokens
	d.Pager = views.CheckpointPager(t.ID, sectionNamed("refresh-tokens"), "refresh tokens", start, len(page.Tokens), page.Total, page.Next, len(page.Tokens) == sectionPerPage)
	return d, nil
}

// tokensChanged answers a change to the refresh tokens.
func (s *server) tokensChanged(c echo.Context, t *target, msg string) error {
	return s.sectionChanged(c, t.ID, sectionNamed("refresh-tokens"), func(ctx context.Context) (templ.Component, error) {
		d, err := s.loadRefreshTokens(ctx, c, t, "", 0)
		if err != nil {
			return nil, err
		}
		return views.RefreshTokensSection(d), nil
	}, func() string { return msg })
}

// revokeRefreshToken revokes one of the user's refresh tokens.
func (s *server) revokeRefreshToken(c echo.Context) error {
	t := targetOf(c)
	refuse := func(err error) error { s.audit(c, audit.UserRefreshTokenRevoke, t.ID, err); return err }
	id, err := itemParam(c, "token", "a refresh token")
	if err != nil {
		return refuse(err)
	}
	tok, err := s.users.GetRefreshToken(c.Request().Context(), id)
	switch {
	case errors.Is(err, auth0api.ErrNotFound) || err == nil && tok.UserID != t.ID:
		return refuse(errNotTheUsers("refresh token"))
	case err != nil:
		return refuse(err)
	}
	ref := userops.RefreshToken{ID: id, ClientID: tok.ClientID, Device: views.DeviceOf(tok.Device)}
	if err := s.ops.RevokeRefreshToken(c.Request().Context(), s.actor(c), t.op(), ref); err != nil {
		return s.changeFailed(t, err)
	}
	return s.tokensChanged(c, t, "Revoked the refresh token of "+tok.ClientID+".")
}

// revokeRefreshTokens revokes every refresh token of the user.
func (s *server) revokeRefreshTokens(c echo.Context) error {
	t := targetOf(c)
	if err := s.ops.RevokeRefreshTokens(c.Request().Context(), s.actor(c), t.op()); err != nil {
		return s.changeFailed(t, err)
	}
	return s.tokensChanged(c, t, "Revoked every refresh token. Sessions stay; Auth0 revokes in the background.")
}

// showApplications renders the authorized-applications section (the user's grants).
func (s *server) showApplications(c echo.Context) error {
	t := targetOf(c)
	return s.sectionPage(c, "applications", func(ctx context.Context, _ string, page int) (templ.Component, error) {
		d, err := s.loadApplications(ctx, c, t, page)
		if err != nil {
			return nil, err
		}
		return views.ApplicationsSection(d), nil
	})
}

// loadApplications reads one page of the user's grants.
func (s *server) loadApplications(ctx context.Context, c echo.Context, t *target, page int) (views.ApplicationsData, error) {
	d := views.ApplicationsData{SecurityTarget: s.securityTarget(c, t)}
	grants, err := s.users.ListUserGrants(ctx, t.ID, auth0api.ListGrantsParams{Page: page, PerPage: sectionPerPage})
	if err != nil {
		return d, err
	}
	d.Grants = grants.Grants
	d.Pager = sectionPagerFor(t.ID, sectionNamed("applications"), "applications", page, grants.Page, len(grants.Grants))
	return d, nil
}

// grantPages bounds the search for a grant among the user's (100 a page).
const grantPages = 10

// revokeGrant revokes one of the user's grants, found among theirs first.
func (s *server) revokeGrant(c echo.Context) error {
	t := targetOf(c)
	refuse := func(err error) error { s.audit(c, audit.UserGrantsRevoke, t.ID, err); return err }
	id, err := itemParam(c, "grant", "a grant")
	if err != nil {
		return refuse(err)
	}
	var grant *auth0api.Grant
	for page := 0; page < grantPages && grant == nil; page++ {
		p, err := s.users.ListUserGrants(c.Request().Context(), t.ID, auth0api.ListGrantsParams{Page: page, PerPage: 100})
		if err != nil {
			return refuse(err)
		}
		for i := range p.Grants {
			if p.Grants[i].ID == id && p.Grants[i].UserID == t.ID {
				grant = &p.Grants[i]
			}
		}
		if len(p.Grants) < 100 {
			break
		}
	}
	if grant == nil {
		return refuse(errNotTheUsers("grant"))
	}
	if err := s.ops.RevokeGrant(c.Request().Context(), s.actor(c), t.op(), *grant); err != nil {
		return s.changeFailed(t, err)
	}
	return s.sectionChanged(c, t.ID, sectionNamed("applications"), func(ctx context.Context) (templ.Component, error) {
		d, err := s.loadApplications(ctx, c, t, 0)
		if err != nil {
			return nil, err
		}
		return views.ApplicationsSection(d), nil
	}, func() string { return "Revoked the consent given to " + grant.ClientID + "." })
}
