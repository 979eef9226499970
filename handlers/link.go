package handlers

// Linked accounts (issue 12). An admin finds a second user by search (link/candidates), sees
// both side by side with what merges and what is lost (link/confirm), and links it into the
// user (POST identities); a linked identity is unlinked from the Profile tab (DELETE
// identities/:provider/:identity), which makes it a user of its own again. The gate decides
// the link action on both users (targetRule.second); linking and unlinking need a fresh
// sign-in.

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/policy"
	"userdesk/views"
)

// linkCandidateFields are the fields the candidates list shows.
var linkCandidateFields = []string{"user_id", "name", "nickname", "email", "email_verified", "identities", "app_metadata"}

// linkCandidates finds the users the person may link into this one: by exact e-mail address or
// user id, else by search, within the reach of the link action; never the user itself.
func (s *server) linkCandidates(c echo.Context) error {
	t := targetOf(c)
	q := strings.TrimSpace(c.QueryParam("q"))
	d := views.LinkCandidatesData{UserID: t.ID, Query: q}
	if q == "" {
		return render(c, http.StatusOK, views.LinkCandidates(d))
	}
	if !sectionText(q, 200) {
		return httpError(http.StatusBadRequest, "Type an e-mail address, a name or a user id.", nil)
	}
	st := s.currentStaff(c)
	ctx := c.Request().Context()
	fields := slices.Concat(linkCandidateFields, st.TargetFields(policy.ActionLink))
	params := &auth0api.GetUserParams{Fields: fields}
	var found []auth0api.User
	switch {
	case validUserID(q) && strings.Contains(q, "|"):
		u, err := s.users.GetUser(ctx, q, params)
		if err != nil && !errors.Is(err, auth0api.ErrNotFound) {
			return err
		}
		if u != nil {
			found = []auth0api.User{*u}
		}
	case strings.Contains(q, "@") && !strings.ContainsAny(q, " :*"):
		users, err := s.usersByEmail(c, q, fields)
		if err != nil {
			return err
		}
		found = users
	default:
		quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(q) + `"`
		query, err := st.SearchQuery(policy.ActionLink, "name:"+quoted+" OR email:"+quoted+" OR nickname:"+quoted)
		if err != nil {
			return httpError(http.StatusBadRequest, "That search cannot be made; type an e-mail address or a user id.", err)
		}
		page, err := s.users.ListUsers(ctx, auth0api.ListUsersParams{Q: query, PerPage: views.LinkCandidateCap + 1, Fields: fields})
		if err != nil {
			return err
		}
		found = page.Users
	}
	for _, u := range found {
		if u.UserID == t.ID || !st.Reaches(policy.ActionLink, userDoc(&u)) {
			continue
		}
		if len(d.Users) == views.LinkCandidateCap {
			d.More = true
			break
		}
		d.Users = append(d.Users, u)
	}
	return render(c, http.StatusOK, views.LinkCandidates(d))
}

// linkConfirm shows both accounts and what linking does. The gate read both whole users and
// decided the link action on each.
func (s *server) linkConfirm(c echo.Context) error {
	t, t2 := targetOf(c), secondTargetOf(c)
	me, _ := currentIdentity(c)
	can, _ := targetAbilities(s.currentStaff(c), t)
	can.ConfirmIdentity = stepUpDue(c)
	return render(c, http.StatusOK, views.LinkConfirm(views.LinkConfirmData{Primary: *t.User, Secondary: *t2.User, Can: can, CSRFToken: maskCSRF(me.CSRFToken)}))
}

// linkIdentity links the second user into the first, after the checks the confirmation showed:
// a single account, and both e-mail addresses, where they have one, verified.
func (s *server) linkIdentity(c echo.Context) error {
	t, t2 := targetOf(c), secondTargetOf(c)
	if why := views.LinkRefusal(*t.User, *t2.User); why != "" {
		err := httpError(http.StatusConflict, why, nil).withTitle("Not linked").asDenied()
		s.audit(c, audit.UserIdentityLink, t.ID, err, audit.String("secondary_user_id", t2.ID))
		return err
	}
	provider := t2.User.Identities[0].Provider
	ids, err := s.ops.LinkIdentity(c.Request().Context(), s.actor(c), t.op(), t2.op(), provider)
	if err != nil {
		return s.changeFailed(t, err)
	}
	u := *t.User
	u.Identities = ids
	return s.respondChanged(c, views.UserProfile(s.userPageData(c, u)), views.Flash{Kind: views.FlashSuccess,
		Message: "Linked " + t2.label() + " into " + t.label() + ": signing in with " + connectionOf(*t2.User) + " now signs in as this user."}, userPath(t.ID))
}

// unlinkIdentity removes a linked identity from the user; Auth0 makes it a user of its own.
func (s *server) unlinkIdentity(c echo.Context) error {
	t := targetOf(c)
	provider, err1 := sectionPathParam(c, "provider")
	identity, err2 := sectionPathParam(c, "identity")
	i := slices.IndexFunc(t.User.Identities, func(id auth0api.Identity) bool { return id.Provider == provider && id.UserID == identity })
	var err error
	switch {
	case err1 != nil || err2 != nil || i < 0:
		err = httpError(http.StatusNotFound, "This user has no such linked identity: it may have been unlinked already. Reload the page.", nil).withTitle("No such identity")
	case i == 0:
		err = httpError(http.StatusConflict, "That is the user's own identity, which cannot be unlinked.", nil).withTitle("Main identity")
	}
	if err != nil {
		s.audit(c, audit.UserIdentityUnlink, t.ID, err)
		return err
	}
	ids, err := s.ops.UnlinkIdentity(c.Request().Context(), s.actor(c), t.op(), provider, identity)
	if err != nil {
		return s.changeFailed(t, err)
	}
	u := *t.User
	u.Identities = ids
	standalone := provider + "|" + identity
	return s.respondChanged(c, views.UserProfile(s.userPageData(c, u)), views.Flash{Kind: views.FlashSuccess,
		Message: "Unlinked the " + t.User.Identities[i].Connection + " identity: it is a user of its own again, " + standalone +
			" (" + userPath(standalone) + "), without metadata."}, userPath(t.ID))
}

// enrollmentInvitation invites the user to enroll an MFA factor: Auth0 e-mails the invitation
// (delivery=email), or the link is shown once (delivery=link; its own route, which needs a fresh
// sign-in). The link is a secret: never logged, audited or cached.
func (s *server) enrollmentInvitation(c echo.Context) error {
	return s.inviteToEnroll(c, true)
}

// enrollmentLink creates an MFA enrollment link and shows it once.
func (s *server) enrollmentLink(c echo.Context) error {
	return s.inviteToEnroll(c, false)
}

// inviteToEnroll makes the invitation and answers with the factors section (and the link, once).
func (s *server) inviteToEnroll(c echo.Context, email bool) error {
	t := targetOf(c)
	if email && (t.User == nil || t.User.Email == "") {
		err := httpError(http.StatusConflict, "This user has no e-mail address to send the invitation to. Create a link instead.", nil).withTitle("No e-mail address")
		s.audit(c, audit.UserEnrollmentInvite, t.ID, err, audit.String("delivery", "email"))
		return err
	}
	link, err := s.ops.EnrollmentInvitation(c.Request().Context(), s.actor(c), t.op(), email)
	if err != nil {
		return s.changeFailed(t, err)
	}
	if email {
		return s.factorsChanged(c, t.ID, func(user string) string {
			return "Auth0 is e-mailing " + t.User.Email + " an invitation to enroll MFA (valid for 5 days, once)."
		})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Pragma", "no-cache")
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	d, err := s.loadFactors(ctx, c, t.ID)
	if err != nil {
		// The link exists only in this answer: show it even though the section did not reload.
		s.logger(c).Warn("section reload after a change failed", "section", "factors", "err", err)
		d = views.FactorsData{UserID: t.ID, User: t.ID, Can: s.can(c)}
	}
	d.EnrollmentLink = link
	f := views.Flash{Kind: views.FlashSuccess, Message: "Created an MFA enrollment link. Copy it now: it is shown once."}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.FactorsSection(d), views.FlashOOB(f))
	}
	p := s.page(c, "Factors")
	p.Flash = f
	return render(c, http.StatusOK, views.SectionPage(p, t.ID, views.FactorsSection(d)))
}
