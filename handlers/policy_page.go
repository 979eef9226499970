package handlers

import (
	"maps"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"userdesk/policy"
	"userdesk/views"
)

// showPolicy is the effective policy page: each group, who is in it (and who of them is signed
// in now), what it may do and to which users, in words.
func (s *server) showPolicy(c echo.Context) error {
	signedIn := s.signedInStaff()
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
		for _, id := range signedIn {
			if slices.Contains(s.staffOf(id).Groups(), g.Name) {
				pg.SignedIn = append(pg.SignedIn, personWords(id))
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

// signedInStaff are the identities of the live signed-in sessions of this replica, one per
// person (the latest sign-in).
func (s *server) signedInStaff() []identity {
	now := s.now()
	seen := map[string]identity{}
	s.store.Live(func(values map[any]any) bool {
		id, ok := values[keyIdentity].(identity)
		if ok && now.Sub(id.Created) < s.absolute && now.Sub(id.LastSeen) < s.idle {
			if cur, dup := seen[id.Subject]; !dup || id.Created.After(cur.Created) {
				seen[id.Subject] = id
			}
		}
		return ok
	})
	out := make([]identity, 0, len(seen))
	for _, id := range seen {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b identity) int { return compareStrings(personWords(a), personWords(b)) })
	return out
}

// personWords names a staff member: their name and e-mail address.
func personWords(id identity) string {
	switch {
	case id.Name != "" && id.Email != "" && id.Name != id.Email:
		return id.Name + " (" + id.Email + ")"
	case id.Email != "":
		return id.Email
	case id.Name != "":
		return id.Name
	}
	return id.Subject
}
