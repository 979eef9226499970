package handlers

// Brute-force lockouts (issue 12): Auth0 blocks an identifier (e-mail, username, phone) from an
// address after too many failed sign-ins. The user page's Lockouts section shows them and the
// helpdesk's Unlock; the search page looks a lockout up by what the person typed, for the one
// user the search found (through the gate, like the section) or, when no user has the
// identifier, by the identifier alone.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/policy"
	"userdesk/views"
)

// maxIdentifier bounds an identifier looked up or unlocked (Auth0's e-mail addresses are at
// most 254 bytes; usernames and phone numbers are shorter).
const maxIdentifier = 254

// loadLockouts reads the user's lockouts (one call) and what the section shows with them.
func (s *server) loadLockouts(ctx context.Context, c echo.Context, t *target) (views.LockoutsData, error) {
	blocks, err := s.users.ListUserBlocks(ctx, t.ID, nil)
	if err != nil {
		return views.LockoutsData{}, err
	}
	return s.lockoutsData(c, t, blocks), nil
}

// lockoutsData is the lockouts section for the blocks read.
func (s *server) lockoutsData(c echo.Context, t *target, blocks []auth0api.UserBlock) views.LockoutsData {
	d := views.LockoutsData{SecurityTarget: s.securityTarget(c, t), Blocks: blocks}
	if len(blocks) > 0 && s.mayReadLogs(c, t) {
		q := url.Values{}
		for _, b := range blocks {
			q.Add("ip", b.IP)
			q.Add("identifier", b.Identifier)
		}
		d.SinceURL = views.SectionURL(t.ID, sectionNamed("lockouts")) + "/since?" + q.Encode()
	}
	return d
}

// showLockouts renders the lockouts section.
func (s *server) showLockouts(c echo.Context) error {
	t := targetOf(c)
	return s.sectionPage(c, "lockouts", func(ctx context.Context, _ string, _ int) (templ.Component, error) {
		d, err := s.loadLockouts(ctx, c, t)
		if err != nil {
			return nil, err
		}
		return views.LockoutsSection(d), nil
	})
}

// lockoutsSince fills in when each lockout began: the newest "limit_wc" (Blocked Account)
// event for its address and identifier among the user's newest events. One read; when it
// fails, the dates stay out.
func (s *server) lockoutsSince(c echo.Context) error {
	ips, ids, events, err := s.pairedLogs(c, "ip", "identifier", "lockouts")
	if err != nil || events == nil {
		return err
	}
	var since []views.LockoutSince
	for i := range ips {
		since = append(since, views.LockoutSince{Index: i, At: lockoutStart(events, ips[i], ids[i])})
	}
	return render(c, http.StatusOK, views.LockoutsSince(since))
}

// pairedLogs serves the requests that complete a section from the user's newest events (the
// lockouts' dates, the sessions' places): it returns the two parallel lists asked about (query
// parameters first and second, as long as each other and at most a page) and those events. When
// the events cannot be read it logs why, answers 204 itself (the section keeps what it has) and
// returns nil events; the caller then returns err as it is.
func (s *server) pairedLogs(c echo.Context, first, second, what string) (a, b []string, events []auth0api.LogEvent, err error) {
	q := c.QueryParams()
	a, b = q[first], q[second]
	if len(a) != len(b) || len(a) > sectionPerPage {
		return nil, nil, nil, httpError(http.StatusBadRequest, "That is not a list of "+what+".", nil)
	}
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	logs, err := s.users.ListUserLogs(ctx, targetOf(c).ID, auth0api.LogParams{PerPage: placesLogs, Sort: "date:-1"})
	if err != nil {
		s.logger(c).Warn("completing the "+what+": the logs could not be read", "err", err)
		return nil, nil, nil, c.NoContent(http.StatusNoContent)
	}
	if logs.Logs == nil {
		logs.Logs = []auth0api.LogEvent{}
	}
	return a, b, logs.Logs, nil
}

// lockoutStart is the time of the newest "limit_wc" event from ip for identifier (the events
// are newest first); zero when there is none.
func lockoutStart(events []auth0api.LogEvent, ip, identifier string) time.Time {
	for _, ev := range events {
		if ev.Type == "limit_wc" && (ip == "" || ev.IP == ip) && (ev.UserName == "" || strings.EqualFold(ev.UserName, identifier)) {
			return ev.Date
		}
	}
	return time.Time{}
}

// unlock removes every brute-force lockout of the user; the answer is the section re-read, or,
// from the search page, its lockout strip.
func (s *server) unlock(c echo.Context) error {
	t := targetOf(c)
	blocks, err := s.users.ListUserBlocks(c.Request().Context(), t.ID, nil)
	if err != nil {
		s.audit(c, audit.UserLockoutUnlock, t.ID, err)
		return s.userActionError(t.ID, err)
	}
	var ips []string
	for _, b := range blocks {
		if !slices.Contains(ips, b.IP) {
			ips = append(ips, b.IP)
		}
	}
	if err := s.ops.Unlock(c.Request().Context(), s.actor(c), t.op(), ips); err != nil {
		return s.changeFailed(t, err)
	}
	msg := "Unlocked: Auth0 lets them try to sign in again. Their password is unchanged."
	if len(blocks) == 0 {
		msg = "Nothing was locked; userdesk asked Auth0 to clear the lockouts anyway."
	}
	if c.FormValue("from") == "search" {
		d := views.LockoutsData{SecurityTarget: s.securityTarget(c, t)}
		d.User = t.label()
		return s.respondChanged(c, views.LockoutCheck(d), views.Flash{Kind: views.FlashSuccess, Message: msg}, "/users")
	}
	return s.sectionChanged(c, t.ID, sectionNamed("lockouts"), func(ctx context.Context) (templ.Component, error) {
		d, err := s.loadLockouts(ctx, c, t)
		if err != nil {
			return nil, err
		}
		return views.LockoutsSection(d), nil
	}, func() string { return msg })
}

// lockoutCheck is the search page's lockout strip for the one user a search found: the
// user's lockouts, with Unlock where the person may.
func (s *server) lockoutCheck(c echo.Context) error {
	t := targetOf(c)
	blocks, err := s.users.ListUserBlocks(c.Request().Context(), t.ID, nil)
	if err != nil {
		return s.userActionError(t.ID, err)
	}
	d := views.LockoutsData{SecurityTarget: s.securityTarget(c, t), Blocks: blocks}
	d.User = t.label()
	return render(c, http.StatusOK, views.LockoutCheck(d))
}

// lookupIdentifier reads and checks the identifier of the search page's look-up.
func lookupIdentifier(v string) (string, error) {
	id := strings.TrimSpace(v)
	if !sectionText(id, maxIdentifier) {
		return "", httpError(http.StatusBadRequest, "Type the e-mail address, username or phone number the person signs in with.", nil)
	}
	return id, nil
}

// errWholeTenantOnly refuses the look-up and unlock by identifier to a person who does not
// reach the whole tenant: an identifier no user has belongs to nobody in anyone's reach.
func errWholeTenantOnly() *publicError {
	return httpError(http.StatusForbidden, "Only staff who reach every user of the tenant can look up and clear lockouts by identifier; open the user instead.", nil).asDenied()
}

// orphanLockouts looks up the lockouts of an identifier that no user has (the search page
// found nobody with it): one call.
func (s *server) orphanLockouts(c echo.Context) error {
	st := s.currentStaff(c)
	if !st.WholeTenant(policy.ActionView) {
		return errWholeTenantOnly()
	}
	id, err := lookupIdentifier(c.QueryParam("identifier"))
	if err != nil {
		return err
	}
	blocks, err := s.users.ListUserBlocksByIdentifier(c.Request().Context(), id, nil)
	if err != nil {
		return err
	}
	me, _ := currentIdentity(c)
	return render(c, http.StatusOK, views.OrphanLockouts(id, blocks, st.May(policy.ActionUnlock) && st.WholeTenant(policy.ActionUnlock), maskCSRF(me.CSRFToken)))
}

// unlockIdentifier clears the lockouts of an identifier no user has. An identifier that is a
// user's is unlocked on that user's page, where the gate applies the rules about the user
// (reach, staff, protected): here it is refused with a link there.
func (s *server) unlockIdentifier(c echo.Context) error {
	refuse := func(label string, err error) error {
		a := s.actor(c)
		e := audit.Event{Name: audit.UserLockoutUnlock, Actor: a.Actor, Target: audit.Target{Label: label}, RequestID: a.RequestID, IP: a.IP, Route: a.Route}
		e.Outcome, e.Details = outcomeOf(err)
		if err := s.rec.Record(context.WithoutCancel(c.Request().Context()), e); err != nil {
			s.logger(c).Error("audit event not recorded", "err", err, "event", string(e.Name))
		}
		return err
	}
	if !s.currentStaff(c).WholeTenant(policy.ActionUnlock) {
		return refuse("", errWholeTenantOnly())
	}
	id, err := lookupIdentifier(c.FormValue("identifier"))
	if err != nil {
		return refuse("", err)
	}
	owner, err := s.identifierOwner(c.Request().Context(), id)
	if err != nil {
		return refuse(id, err)
	}
	if owner != "" {
		return refuse(id, httpError(http.StatusConflict, "“"+id+"” is the identifier of a user: unlock it on their page, "+userPath(owner)+".", nil).withTitle("A user has it"))
	}
	blocks, err := s.users.ListUserBlocksByIdentifier(c.Request().Context(), id, nil)
	if err != nil {
		return refuse(id, err)
	}
	var ips []string
	for _, b := range blocks {
		ips = append(ips, b.IP)
	}
	if err := s.ops.UnlockIdentifier(c.Request().Context(), s.actor(c), id, ips); err != nil {
		return s.changeFailed(&target{ID: id}, err)
	}
	me, _ := currentIdentity(c)
	return s.respondChanged(c, views.OrphanLockouts(id, nil, false, maskCSRF(me.CSRFToken)),
		views.Flash{Kind: views.FlashSuccess, Message: "Unlocked “" + id + "”: Auth0 lets it try to sign in again."}, "/users")
}

// identifierOwner returns the id of a user who signs in with identifier (as e-mail address,
// username or phone number), or "" when none does.
func (s *server) identifierOwner(ctx context.Context, identifier string) (string, error) {
	if strings.Contains(identifier, "@") {
		users, err := s.users.ListUsersByEmail(ctx, strings.ToLower(identifier), &auth0api.GetUserParams{Fields: []string{"user_id"}})
		if err != nil {
			return "", err
		}
		if len(users) > 0 {
			return users[0].UserID, nil
		}
	}
	quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(identifier) + `"`
	page, err := s.users.ListUsers(ctx, auth0api.ListUsersParams{Q: "username:" + quoted + " OR phone_number:" + quoted + " OR email:" + quoted,
		PerPage: 1, Fields: []string{"user_id"}})
	if err != nil {
		if errors.Is(err, auth0api.ErrBadRequest) {
			return "", httpError(http.StatusBadRequest, "Auth0 could not search for that identifier.", err)
		}
		return "", err
	}
	if len(page.Users) > 0 {
		return page.Users[0].UserID, nil
	}
	return "", nil
}

// lockoutLookup is the search page's lockout look-up for a search: for the one user it found
// whose e-mail address, username, phone number or id is what was typed, that user's lockout
// strip, loaded with the results (one call, through the gate, like the section); when it found
// nobody, a link that looks the identifier up (for people who reach the whole tenant). Only a
// search box holding one identifier-like word is looked up.
func (s *server) lockoutLookup(c echo.Context, text string, users []auth0api.User) views.LockoutLookupData {
	text = strings.TrimSpace(text)
	if !identifierLike(text) || !sectionText(text, maxIdentifier) {
		return views.LockoutLookupData{}
	}
	var owners []string
	for _, u := range users {
		if strings.EqualFold(u.Email, text) || strings.EqualFold(u.Username, text) || u.PhoneNumber == text || u.UserID == text {
			owners = append(owners, u.UserID)
		}
	}
	switch {
	case len(owners) == 1:
		return views.LockoutLookupData{URL: userPath(owners[0], "/lockouts/check"), Auto: true, Identifier: text}
	case len(users) == 0 && s.currentStaff(c).WholeTenant(policy.ActionView):
		return views.LockoutLookupData{URL: "/lockouts?" + url.Values{"identifier": {text}}.Encode(), Identifier: text}
	}
	return views.LockoutLookupData{}
}

// identifierLike reports whether text can be what someone signs in with: an e-mail address,
// a phone number, a username or a user id (letters, digits and ._-+@|).
func identifierLike(text string) bool {
	return text != "" && strings.IndexFunc(text, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-+@|", r))
	}) < 0
}
