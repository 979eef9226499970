package handlers

// Live reach (issue 11, checklist 27). A session's dashboard role was decided at sign-in from
// the ID token; an admin may since have removed the person's roles in the tenant, blocked or
// deleted them. So the gate re-reads the signed-in person's own Auth0 record — blocked flag and
// tenant roles, two calls at once, with the dashboard's Management API token — at most every
// RevalidateEvery, and before any change when the last successful check is older than that:
//
//   - blocked, deleted, or no longer in any group of the policy: the session ends at this
//     request, with a page saying why;
//   - no longer holding some of the roles the ID token listed: the person keeps only the groups
//     the remaining ones give, at once (a role gained waits for the next sign-in: the dashboard
//     never widens a session's access on its own);
//   - the check fails (Auth0 unreachable): a change is refused (503) since access could not be
//     confirmed; a page is served with the last confirmed role, and the check is tried again
//     after revalidateRetry.
//
// Staff sign in through the tenant, so their subject is their tenant user id and the role claim
// carries their tenant roles' names (README, Auth0 setup). A deployment whose staff sign in
// elsewhere sets RevalidateEvery to a negative duration to turn the check off.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
)

// DefaultRevalidateEvery is how often a signed-in person's access is checked again unless
// Config.RevalidateEvery says otherwise.
const DefaultRevalidateEvery = 2 * time.Minute

// revalidateRetry is how long after a failed check a page request tries again.
const revalidateRetry = 15 * time.Second

// accessEnded says why a session was ended by the check: a key of endedReasons.
type accessEnded string

// The reasons a check ends a session.
const (
	endedBlocked accessEnded = "blocked"
	endedDeleted accessEnded = "deleted"
	endedNoRole  accessEnded = "no-role"
)

// endedReasons say, in words, why a session ended (the signed-out page shows them; the query
// string carries only the key, never free text).
var endedReasons = map[accessEnded]string{
	endedBlocked: "Your account has been blocked in the tenant, so your userdesk session was ended.",
	endedDeleted: "Your account no longer exists in the tenant, so your userdesk session was ended.",
	endedNoRole:  "You no longer hold a role that gives access to userdesk, so your session was ended. If you think this is wrong, ask an administrator.",
}

// errAccessUnconfirmed refuses a change when the person's access could not be checked.
var errAccessUnconfirmed = httpError(http.StatusServiceUnavailable,
	"Nothing was changed: userdesk could not confirm with Auth0 that you still have access. Try again in a moment.", nil).
	withTitle("Access not confirmed")

// revalidate checks the person's access when it is due (see the top of this file) and returns
// the identity to use for this request: possibly with a lower role. ended is set when the
// session must end.
func (s *server) revalidate(c echo.Context, me identity, change bool) (identity, accessEnded, error) {
	if s.revalidateEvery < 0 {
		return me, "", nil
	}
	now := s.now()
	if now.Sub(me.CheckedAt) < s.revalidateEvery {
		return me, "", nil
	}
	if !change && now.Sub(me.CheckTriedAt) < revalidateRetry {
		return me, "", nil // a page, shortly after a failed check: the last confirmed role
	}
	me.CheckTriedAt = now
	kept, ended, err := s.checkAccess(c.Request().Context(), me)
	switch {
	case err != nil:
		s.logger(c).Warn("could not check the signed-in person's access", "err", err, "actor_sub", me.Subject)
		s.saveIdentity(c, me)
		if change {
			return me, "", errAccessUnconfirmed
		}
		return me, "", nil
	case ended != "":
		s.stopJobsOf(c.Request().Context(), me.Subject, jobStoppedReasons[ended])
		return me, ended, nil
	}
	me.CheckedAt = now
	if len(kept) < len(me.Claims) {
		from, to := groupsWords(s.staffOf(me)), groupsWords(s.policy.Staff(kept))
		s.logger(c).Info("dashboard access narrowed", "actor_sub", me.Subject, "from", from, "to", to)
		s.auditEvent(c, audit.SessionAccessNarrowed, audit.OutcomeSuccess, me.Subject, audit.String("from", from), audit.String("to", to))
		me.Claims = kept
	}
	s.saveIdentity(c, me)
	return me, "", nil
}

// checkAccess reads the person's tenant record (readAccess) and says what it means for their
// access: the role claims they keep (those of me.Claims they still hold), or why their access
// ended; err when it could not be read.
func (s *server) checkAccess(ctx context.Context, me identity) (kept []string, ended accessEnded, err error) {
	found, err := s.readAccess(ctx, me.Subject)
	switch {
	case errors.Is(err, auth0api.ErrNotFound):
		return nil, endedDeleted, nil
	case err != nil:
		return nil, "", err
	case found.blocked:
		return nil, endedBlocked, nil
	}
	kept = slices.DeleteFunc(slices.Clone(me.Claims), func(v string) bool { return !slices.Contains(found.roles, v) })
	if !s.policy.Staff(kept).Any() {
		return nil, endedNoRole, nil
	}
	return kept, "", nil
}

// access is what the check found.
type access struct {
	blocked bool
	roles   []string // the names of the tenant roles held
}

// readAccess reads the person's blocked flag and tenant roles, at once, and maps the roles as
// the role claim is mapped at sign-in.
func (s *server) readAccess(ctx context.Context, subject string) (access, error) {
	var a access
	err := sectionParallel(ctx,
		func(ctx context.Context) error {
			u, err := s.users.GetUser(ctx, subject, &auth0api.GetUserParams{Fields: []string{"user_id", "blocked"}})
			if err != nil {
				return err
			}
			a.blocked = u.Blocked
			return nil
		},
		func(ctx context.Context) error {
			page, err := s.users.ListUserRoles(ctx, subject, auth0api.PageParams{PerPage: protectionRolesPerPage})
			if err != nil {
				return err
			}
			for _, r := range page.Roles {
				a.roles = append(a.roles, r.Name)
			}
			return nil
		},
	)
	if err != nil {
		return access{}, fmt.Errorf("check access: %w", err)
	}
	return a, nil
}

// saveIdentity stores the identity in the request's session. A failure is logged: the request
// goes on with what it checked (a session ended meanwhile stays ended).
func (s *server) saveIdentity(c echo.Context, id identity) {
	sess, err := s.session(c)
	if err == nil {
		err = s.saveSession(c, sess, id)
	}
	if err != nil {
		s.logger(c).Error("save session", "err", err)
	}
}

// accessEndedAnswer ends the session and sends the person to the signed-out page, which says
// why: a redirect for a page, HX-Redirect for htmx, a 401 page for a form.
func (s *server) accessEndedAnswer(c echo.Context, me identity, why accessEnded) error {
	s.logger(c).Info("session ended: access revoked in the tenant", "reason", string(why), "actor_sub", me.Subject)
	s.auditEvent(c, audit.SessionRevalidateEnd, audit.OutcomeSuccess, me.Subject, audit.String("reason", string(why)))
	if err := s.endRequestSession(c); err != nil {
		s.logger(c).Error("end session", "err", err)
	}
	to := "/signed-out?why=" + url.QueryEscape(string(why))
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", to)
		return httpError(http.StatusUnauthorized, endedReasons[why], nil).withSignIn()
	}
	if c.Request().Method == http.MethodGet {
		return c.Redirect(http.StatusSeeOther, to)
	}
	return httpError(http.StatusUnauthorized, endedReasons[why]+" Nothing was changed.", nil).withTitle("Session ended").withSignIn()
}
