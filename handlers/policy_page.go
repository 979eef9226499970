package handlers

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/handlers/sessionstore"
	"userdesk/policy"
	"userdesk/views"
)

// showPolicy is the effective policy page: each group, who is in it (and who of them is signed
// in now), what it may do and to which users, in words.
func (s *server) showPolicy(c echo.Context) error {
	signedIn, err := s.signedInStaff(c.Request().Context())
	if err != nil {
		return storeFailed(err)
	}
	d := views.PolicyData{Source: s.policy.Source(), Warnings: s.policy.Warnings()}
	for _, g := range s.policy.Groups() {
		pg := views.PolicyGroup{
			Name: g.Name, Line: g.Line, Members: g.Members, Reach: s.policy.ReachWords(g.Name),
			Assignable: g.AssignableRoles, Protected: g.ProtectedRoles,
		}
		for _, a := range g.Actions {
			pg.Actions = append(pg.Actions, views.PolicyAction{Name: string(a), Description: a.Description()})
		}
		if slices.Contains(g.Actions, policy.ActionCreate) {
			pg.Create = createWords(g)
		}
		for _, in := range signedIn {
			if slices.Contains(in.Groups, g.Name) {
				pg.SignedIn = append(pg.SignedIn, personWords(in.Meta))
			}
		}
		d.Groups = append(d.Groups, pg)
	}
	return render(c, http.StatusOK, views.PolicyPage(s.page(c, "Policy"), d))
}

// createWords says where a group creates users and what it stamps on them.
func createWords(g policy.Group) string {
	where := "in any connection users can be created in"
	if len(g.Create.Connections) > 0 {
		where = "in " + joinWords(g.Create.Connections)
	}
	if len(g.Create.AppMetadata) == 0 {
		return "Users " + where + "."
	}
	var stamps []string
	for _, k := range slices.Sorted(maps.Keys(g.Create.AppMetadata)) {
		stamps = append(stamps, "app_metadata."+k+" = "+fmtValue(g.Create.AppMetadata[k]))
	}
	return "Users " + where + ", always with " + joinWords(stamps) + "."
}

// signedInStaff are the live signed-in sessions in the session store (every replica's, when
// they share one), one per person (the latest sign-in), read from the store's index with the
// groups each session saved: no Management API call.
func (s *server) signedInStaff(ctx context.Context) ([]sessionstore.Info, error) {
	all, err := s.sessions.All(ctx, maxListedSessions)
	if err != nil {
		return nil, err
	}
	now := s.now()
	seen := map[string]sessionstore.Info{}
	for _, in := range all {
		if !s.sessionLive(in.Meta, now) {
			continue
		}
		if cur, dup := seen[in.Subject]; !dup || in.Created.After(cur.Created) {
			seen[in.Subject] = in
		}
	}
	out := slices.Collect(maps.Values(seen))
	slices.SortFunc(out, func(a, b sessionstore.Info) int { return compareStrings(personWords(a.Meta), personWords(b.Meta)) })
	return out, nil
}

// maxListedSessions bounds the sessions a page reads from the store (staff, not customers: a
// few hundred at most).
const maxListedSessions = 5000

// sessionLive reports whether a stored session's idle and absolute timeouts have not passed by
// the server's clock (the store keeps it a minute's grace longer).
func (s *server) sessionLive(m sessionstore.Meta, now time.Time) bool {
	return now.Sub(m.Created) < s.absolute && now.Sub(m.LastSeen) < s.idle
}

// personWords names a staff member: their name and e-mail address.
func personWords(m sessionstore.Meta) string { return views.PersonLabel(m.Name, m.Email, m.Subject) }
