package policy

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/auth0api/lucene"
)

// asDoc turns a user as the client decoded it back into the JSON object Auth0 sent.
func asDoc(t testing.TB, u auth0api.User) map[string]any {
	t.Helper()
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// search runs q through the real client against the tenant, every page, and returns the users.
func search(t testing.TB, c *auth0api.Client, q string, fields []string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for page := 0; page < 10; page++ {
		p, err := c.ListUsers(t.Context(), auth0api.ListUsersParams{Q: q, PerPage: 100, Page: page, Fields: fields, Sort: "user_id:1"})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		for _, u := range p.Users {
			out = append(out, asDoc(t, u))
		}
		if len(p.Users) < 100 {
			break
		}
	}
	return out
}

// queryGen writes random queries over the seeded tenant's fields, valid or not.
type queryGen struct{ r *rand.Rand }

func (g queryGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g queryGen) term() string {
	switch g.r.IntN(12) {
	case 0:
		return "app_metadata.region:" + g.pick("emea", `"emea"`, "amer", "apac", "EMEA", "em*", "*")
	case 1:
		return "app_metadata.partner:" + g.pick("acme", `"acme"`, "globex", "*", "ac*")
	case 2:
		return "identities.connection:" + g.pick(`"acme-saml"`, `"google-oauth2"`, `"Username-Password-Authentication"`, "email", "acme*")
	case 3:
		return "app_metadata.plan:" + g.pick("free", "pro", "business", "enterprise")
	case 4:
		return "blocked:" + g.pick("true", "false")
	case 5:
		return "logins_count:" + g.pick("[0 TO 10]", "{100 TO *]", "[* TO 0]", "0", "1")
	case 6:
		return "email.domain:" + g.pick("acme.example", "gmail.com", "example.com", `"example.org"`)
	case 7:
		return "name:" + g.pick("J*", "*son", `"Ada Lovelace"`, "a*")
	case 8:
		return "_exists_:" + g.pick("phone_number", "app_metadata.partner", "last_login", "username")
	case 9:
		return g.pick("*:*", "*", "ada", "alan.turing@acme.example")
	case 10:
		return "email_verified:" + g.pick("true", "false")
	}
	return "created_at:" + g.pick("[2024 TO *]", "[* TO 2025-06]", "{2023-01-01 TO 2024-01-01}")
}

func (g queryGen) query(depth int) string {
	if depth > 3 || g.r.IntN(3) == 0 {
		t := g.term()
		switch g.r.IntN(5) {
		case 0:
			return "NOT " + t
		case 1:
			return "-" + t
		}
		return t
	}
	a, b := g.query(depth+1), g.query(depth+1)
	switch g.r.IntN(6) {
	case 0:
		return a + " AND " + b
	case 1:
		return a + " OR " + b
	case 2:
		return "(" + a + ") AND NOT (" + b + ")"
	case 3:
		return a + " " + b
	case 4:
		return "+" + "(" + a + ") " + b
	}
	return "(" + a + " OR " + b + ")"
}

// mangle fuzzes a query: characters inserted, deleted or swapped for syntax and look-alikes.
func (g queryGen) mangle(q string) string {
	specials := []string{"(", ")", `\`, `"`, ":", "*", " OR ", " AND ", "NOT ", "-", "+", "!", "[", "]", "{", "}", " TO ",
		"\uff1a", "\uff08", "\uff09", "\u00a0", "\u3000", "*:*", "_exists_:", "&&", "||", "\x00"}
	b := []byte(q)
	for range 1 + g.r.IntN(4) {
		i := 0
		if len(b) > 0 {
			i = g.r.IntN(len(b) + 1)
		}
		switch g.r.IntN(3) {
		case 0:
			s := specials[g.r.IntN(len(specials))]
			b = append(b[:i:i], append([]byte(s), b[i:]...)...)
		case 1:
			if i < len(b) {
				b = append(b[:i:i], b[i+1:]...)
			}
		default:
			if i < len(b) {
				b[i] = "()\\\":*"[g.r.IntN(6)]
			}
		}
	}
	return string(b)
}

// TestSearchStaysInReachOnTheTenant is the property test: random people of the demo policy search
// the emulated tenant (its seeded users carry regions, partners and connections) with random and
// fuzzed queries, through the real client over HTTP. Every user a search returns is within the
// person's reach by the matcher — also when the search asks only for TargetFields, as the search
// handler does — and the search returns exactly the users its query and the reach match in memory.
func TestSearchStaysInReachOnTheTenant(t *testing.T) {
	tenant, srv := auth0apitest.NewServer(t, auth0apitest.Options{Users: 300, Seed: 11})
	for _, d := range hostileDocs() {
		tenant.PutUser(d)
	}
	c, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: tenant.Token("read:users"), Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	all := search(t, c, "", nil)
	if len(all) < 300 {
		t.Fatalf("the tenant holds %d users", len(all))
	}
	p, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	// The seed gives every restricted group of the demo someone to reach and someone not to.
	for _, name := range []string{"emea-helpdesk", "acme-partner-admins"} {
		s := p.Staff(p.groupMembers(name))
		in := 0
		for _, d := range all {
			if s.Reaches(ActionView, d) {
				in++
			}
		}
		if in < 10 || in > len(all)-10 {
			t.Errorf("group %s reaches %d of %d seeded users; the seed should give it many of each", name, in, len(all))
		}
	}

	values := p.StaffRoles()
	g := queryGen{r: rand.New(rand.NewPCG(5, 8))}
	corpus := hostileQueries()
	pairs, searched := 0, 0
	for pairs < 400 {
		pairs++
		var claims []string
		for _, v := range values {
			if g.r.IntN(3) == 0 {
				claims = append(claims, v)
			}
		}
		s := p.Staff(claims)
		var q string
		switch g.r.IntN(4) {
		case 0:
			q = g.mangle(g.query(0))
		case 1:
			q = g.mangle(corpus[g.r.IntN(len(corpus))])
		default:
			q = g.query(0)
		}
		out, err := s.SearchQuery(ActionView, q)
		if err != nil {
			var se *lucene.SyntaxError
			if !errors.As(err, &se) && !errors.Is(err, ErrNoReach) && !errors.Is(err, ErrQueryTooComplex) {
				t.Fatalf("%q SearchQuery(%q): %v", claims, q, err)
			}
			if errors.Is(err, ErrNoReach) && s.May(ActionView) {
				t.Fatalf("%q may view but SearchQuery says no reach", claims)
			}
			continue
		}
		searched++
		var fields []string
		if pairs%2 == 0 {
			fields = s.TargetFields(ActionView)
		}
		got := search(t, c, out, fields)
		for _, d := range got {
			if !s.Reaches(ActionView, d) {
				t.Fatalf("%q searched %q as %q and found %v, outside the reach (%s)", claims, q, out, d["user_id"], s.ReachWords(ActionView))
			}
		}
		uq := lucene.MatchAll()
		if strings.TrimSpace(q) != "" {
			uq, _ = lucene.Parse(q)
		}
		var want, ids []string
		for _, d := range all {
			if uq.Match(d) && s.Reaches(ActionView, d) {
				want = append(want, d["user_id"].(string))
			}
		}
		for _, d := range got {
			ids = append(ids, d["user_id"].(string))
		}
		slices.Sort(want)
		slices.Sort(ids)
		if len(want) <= 1000 && !slices.Equal(ids, want) {
			t.Fatalf("%q searched %q as %q: %d users, the matcher says %d", claims, q, out, len(ids), len(want))
		}
	}
	if searched < 200 {
		t.Errorf("only %d of %d person/query pairs made a search", searched, pairs)
	}
	t.Logf("%d person/query pairs, %d searches", pairs, searched)
}

// groupMembers returns the member values of the group called name.
func (p *Policy) groupMembers(name string) []string {
	for _, g := range p.groups {
		if g.Name == name {
			return g.Members
		}
	}
	return nil
}
