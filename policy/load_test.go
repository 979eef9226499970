package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// problemsOf loads src and returns its problems as strings, failing when Load succeeds.
func problemsOf(t *testing.T, src string) []string {
	t.Helper()
	p, err := Load([]byte(src), "p.yaml")
	if err == nil {
		t.Fatalf("Load accepted:\n%s\nwarnings: %q", src, p.Warnings())
	}
	var ps *Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Load error %T %v, want *Problems", err, err)
	}
	var out []string
	for _, pr := range ps.List {
		out = append(out, pr.String())
	}
	if got := err.Error(); got != strings.Join(out, "\n") {
		t.Errorf("Error() = %q, want the problems one per line", got)
	}
	return out
}

// mustLoad loads src, failing on any problem.
func mustLoad(t testing.TB, src string) *Policy {
	t.Helper()
	p, err := Load([]byte(src), "p.yaml")
	if err != nil {
		t.Fatalf("Load:\n%v", err)
	}
	return p
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // exact problem lines, in order
	}{
		{"unknown action", `groups:
  - name: a
    members: [r]
    actions: [view, reset-mfa]
`, []string{`p.yaml:4: group "a": unknown action "reset-mfa" (did you mean "reset_mfa"?) (actions: view, view_raw, view_logs, block, unlock, send_emails, reset_mfa, end_sessions, write_auth_methods, create, edit, delete, link, assign_roles, assign_permissions, export, manage_staff, staff_sessions, audit, policy)`}},

		{"unknown field", `groups:
  - name: a
    members: [r]
    acitons: [view]
`, []string{
			`p.yaml:2: group "a" has no actions`,
			`p.yaml:4: group 1: unknown key "acitons" (did you mean "actions"?) (known keys: name, members, actions, reach, create, assignable_roles, protected_roles)`,
		}},

		{"unknown top-level and reach keys", `groups:
  - name: a
    members: [r]
    actions: [view]
    reach:
      user: 'x:y'
version: 2
`, []string{
			`p.yaml:6: group "a": reach: unknown key "user" (did you mean "users"?) (known keys: users, connections)`,
			`p.yaml:7: the policy: unknown key "version" (known keys: groups)`,
		}},

		{"bad Lucene, with its column", `groups:
  - name: a
    members: [r]
    actions: [view]
    reach:
      users: app_metadata.region:(emea
`, []string{`p.yaml:6: group "a": reach.users is not a valid Auth0 search query: unbalanced parentheses: this '(' is never closed (at position 21 of the query, column 34)`}},

		{"bad Lucene, quoted", `groups:
  - name: a
    members: [r]
    actions: [view]
    reach:
      users: 'app_metadata.region:"emea" AND'
`, []string{`p.yaml:6: group "a": reach.users is not a valid Auth0 search query: AND at the end of the query needs a term on its right (at position 28 of the query, column 42)`}},

		{"bad Lucene, block scalar", `groups:
  - name: a
    members: [r]
    actions: [view]
    reach:
      users: |
        app_metadata.region:emea
        AND logins_count:many
`, []string{`p.yaml:8: group "a": reach.users is not a valid Auth0 search query: field 'logins_count' needs a number, not 'many' (at position 43 of the query)`}},

		{"duplicate group", `groups:
  - name: helpdesk
    members: [a]
    actions: [view]
  - name: Helpdesk
    members: [b]
    actions: [view]
`, []string{`p.yaml:5: duplicate group name "Helpdesk" (first at line 2)`}},

		{"repeated key and values", `groups:
  - name: a
    members: [r, r]
    actions: [view, view]
    name: b
`, []string{
			`p.yaml:3: group "a": members lists "r" twice (first at line 3)`,
			`p.yaml:4: group "a": actions lists "view" twice (first at line 4)`,
			`p.yaml:5: group 1: key "name" is repeated (first at line 2)`,
		}},

		{"empty and missing parts", `groups:
  - members: []
    actions: []
  - name: "  "
    members: [r]
    actions: [view]
`, []string{
			`p.yaml:2: group 1 has no name`,
			`p.yaml:2: group 1: members is empty: list the role-claim values (tenant role names) of the people in it`,
			`p.yaml:3: group 1: actions is empty`,
			`p.yaml:4: group 2: name is empty`,
		}},

		{"wrong shapes", `groups:
  - name: a
    members: r
    actions: {view: true}
    reach: [x]
  - just a string
`, []string{
			`p.yaml:3: group "a": members must be a list, not the value "r"`,
			`p.yaml:4: group "a": actions must be a list, not a mapping`,
			`p.yaml:5: group "a": reach must be a mapping of keys (users, connections), not a list`,
			`p.yaml:6: group 2 must be a mapping of keys (name, members, actions, reach, create, assignable_roles, protected_roles), not the value "just a string"`,
		}},

		{"create without the create action, outside the reach", `groups:
  - name: partners
    members: [p]
    actions: [view]
    reach:
      connections: [acme-saml]
    create:
      connections: [acme-db]
`, []string{
			`p.yaml:7: group "partners": create is set but the group's actions lack create`,
		}},

		{"create connections outside the reach", `groups:
  - name: partners
    members: [p]
    actions: [view, create]
    reach:
      connections: [acme-saml]
    create:
      connections: [acme-db]
`, []string{
			`p.yaml:8: group "partners": create.connections lists "acme-db", which is not in reach.connections: the users it creates would be outside its reach`,
		}},

		{"a stamp that leaves created users outside the reach", `groups:
  - name: partners
    members: [p]
    actions: [view, create]
    reach:
      users: 'app_metadata.partner:"acme" AND NOT app_metadata.tier:free'
    create:
      app_metadata: {partner: globex}
`, []string{
			`p.yaml:7: group "partners": the users it creates would be outside its reach (app_metadata.partner:"acme" AND NOT app_metadata.tier:free): stamp app_metadata values that satisfy reach.users`,
		}},

		{"no stamp and no create connections under a metadata and connection reach", `groups:
  - name: emea
    members: [p]
    actions: [view, create]
    reach:
      users: 'app_metadata.region:emea AND identities.connection:"email"'
      connections: [google-oauth2]
`, []string{
			`p.yaml:2: group "emea": the users it creates in google-oauth2 would be outside its reach (app_metadata.region:emea AND identities.connection:"email"): stamp app_metadata values that satisfy reach.users`,
		}},

		{"assignable roles without the action, and a staff role", `groups:
  - name: a
    members: [userdesk-admin]
    actions: [view, assign_roles]
    assignable_roles: [support, userdesk-admin]
  - name: b
    members: [r]
    actions: [view]
    assignable_roles: [support]
`, []string{
			`p.yaml:5: group "a": assignable_roles lists "userdesk-admin", which grants dashboard access: only a group with manage_staff may assign it`,
			`p.yaml:9: group "b": assignable_roles is set but the group's actions lack assign_roles`,
		}},

		{"bad stamps", `groups:
  - name: a
    members: [r]
    actions: [view, create]
    create:
      app_metadata:
        partner: ~
        "a.b": 1
`, []string{
			`p.yaml:6: group "a": create.app_metadata: key "a.b": metadata keys cannot be empty or hold '.' or '$'`,
			`p.yaml:6: group "a": create.app_metadata: app_metadata.partner is null: stamp a value`,
		}},

		{"not YAML", "groups:\n  - name: a\n    members: r: s\n", []string{`p.yaml:3: not valid YAML: mapping values are not allowed in this context`}},
		{"empty", "", []string{`p.yaml: the policy is empty: it needs a list of groups`}},
		{"no groups", "# nothing\nfoo: []\n", []string{`p.yaml:2: the policy: unknown key "foo" (known keys: groups)`, `p.yaml:2: the policy has no groups: add a list of groups`}},
		{"empty groups", "groups: []\n", []string{`p.yaml:1: groups is empty: a policy needs at least one group`}},
		{"a list at the top", "- a\n", []string{`p.yaml:1: the policy must be a mapping of keys (groups), not a list`}},
		{"two documents", "groups:\n  - name: a\n    members: [r]\n    actions: [view]\n---\ngroups: []\n", []string{`p.yaml:5: a second YAML document: a policy is one document`}},
		{"control characters and long names", "groups:\n  - name: \"a\\tb\"\n    members: [\"" + strings.Repeat("x", 256) + "\"]\n    actions: [view]\n",
			[]string{`p.yaml:2: group 1: name "a\tb" holds a control character`, `p.yaml:3: group 1: members entry is 256 bytes long; at most 255`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemsOf(t, tt.src)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// TestLoadReportsEveryProblemAtOnce: one file with a problem in each group gets them all, sorted by
// line, in one error.
func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	got := problemsOf(t, `groups:
  - name: one
    members: [a]
    actions: [veiw]
  - name: two
    members: [b]
    actions: [view]
    reach:
      users: 'name:(x'
  - name: one
    members: [c]
    actions: [view]
    colour: blue
`)
	if len(got) != 4 {
		t.Fatalf("%d problems, want 4:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, line := range []string{"p.yaml:4:", "p.yaml:9:", "p.yaml:10:", "p.yaml:13:"} {
		if !strings.HasPrefix(got[i], line) {
			t.Errorf("problem %d = %q, want it at %s", i, got[i], line)
		}
	}
}

func TestLoadWarnings(t *testing.T) {
	p := mustLoad(t, `groups:
  - name: self-service
    members: [r]
    actions: [block]
    reach:
      users: 'user_metadata.team:blue'
    protected_roles: [x]
  - name: readers
    members: [s]
    actions: [view]
    protected_roles: [x]
  - name: makers
    members: [m]
    actions: [view, create]
    reach:
      users: 'app_metadata.tier:gold AND email.domain:acme.example'
    create:
      app_metadata: {tier: gold}
`)
	want := []string{
		`p.yaml:4: warning: group "self-service": the group has block but not view: its members need view from another group to open users`,
		`p.yaml:6: warning: group "self-service": reach.users uses user_metadata.team, which users can change themselves: they can move into or out of this reach`,
		`p.yaml:11: warning: group "readers": protected_roles has no effect: the group changes nobody`,
		`p.yaml:17: warning: group "makers": whether the users it creates are inside its reach depends on what is typed at creation (app_metadata.tier:gold AND email.domain:acme.example): the dashboard checks each new user against the reach before creating it`,
	}
	if got := p.Warnings(); !slices.Equal(got, want) {
		t.Errorf("warnings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestEmptyReachIsTheWholeTenant: every way of writing no reach reaches every user, adds nothing to
// searches and reads no field beyond user_id.
func TestEmptyReachIsTheWholeTenant(t *testing.T) {
	for _, reach := range []string{"", "    reach:\n", "    reach: {}\n", "    reach:\n      users: ''\n", "    reach:\n      users:\n      connections: []\n", "    reach:\n      users: '*:*'\n"} {
		p := mustLoad(t, "groups:\n  - name: all\n    members: [r]\n    actions: [view, block]\n"+reach)
		g := p.Groups()[0]
		if !g.Reach.Whole() && strings.TrimSpace(g.Reach.Users) != "*:*" {
			t.Errorf("reach %q: Whole() is false: %+v", reach, g.Reach)
		}
		s := p.Staff([]string{"r"})
		if got := s.ReachWords(ActionView); got != "every user" {
			t.Errorf("reach %q: ReachWords = %q", reach, got)
		}
		if q, err := s.SearchQuery(ActionView, ""); q != "" || err != nil {
			t.Errorf("reach %q: SearchQuery(\"\") = %q, %v; want \"\"", reach, q, err)
		}
		if q, err := s.SearchQuery(ActionView, "name:(a b)"); q != "name:a OR name:b" || err != nil {
			t.Errorf("reach %q: SearchQuery = %q, %v; want the query alone, rewritten", reach, q, err)
		}
		if d := s.Decide(ActionBlock, Target{User: map[string]any{}, Roles: []string{}}); !d.Allowed {
			t.Errorf("reach %q: Decide on a user with no fields = %+v", reach, d)
		}
		if got := s.TargetFields(ActionBlock); !slices.Equal(got, []string{"user_id"}) {
			t.Errorf("reach %q: TargetFields = %q", reach, got)
		}
	}
}

func TestDemoPolicyLoads(t *testing.T) {
	p, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Warnings(); len(w) > 0 {
		t.Errorf("the demo policy has warnings: %q", w)
	}
	var names []string
	for _, g := range p.Groups() {
		names = append(names, g.Name)
	}
	if want := []string{"admin", "helpdesk", "viewer", "emea-helpdesk", "acme-partner-admins", "auditor"}; !slices.Equal(names, want) {
		t.Errorf("groups %q, want %q", names, want)
	}
	if p.Source() != DemoSource {
		t.Errorf("Source() = %q", p.Source())
	}
	want := []string{"userdesk-admin", "userdesk-auditor", "userdesk-helpdesk", "userdesk-helpdesk-emea", "userdesk-partner-acme", "userdesk-viewer"}
	if got := p.StaffRoles(); !slices.Equal(got, want) {
		t.Errorf("StaffRoles() = %q, want %q", got, want)
	}
	if got := p.ReachWords("acme-partner-admins"); got != "users of connections acme-saml or Username-Password-Authentication where app_metadata.partner is acme" {
		t.Errorf("partner reach in words: %q", got)
	}
	// Groups returns copies: changing one does not change the policy.
	gs := p.Groups()
	gs[4].Create.AppMetadata["partner"] = "globex"
	gs[4].Members[0] = "x"
	if stamp, _ := p.Staff([]string{"userdesk-partner-acme"}).CreateRule("Username-Password-Authentication"); stamp["partner"] != "acme" {
		t.Errorf("the stamp changed through Groups(): %v", stamp)
	}
}

func TestLoadLimits(t *testing.T) {
	got := problemsOf(t, "groups: []\n"+strings.Repeat("#", MaxFileSize))
	if len(got) != 1 || !strings.Contains(got[0], "at most 1048576") {
		t.Errorf("problems %q", got)
	}
	// An alias is followed (a shared member list), and a billion-laughs document is refused by the
	// YAML reader rather than expanded.
	p := mustLoad(t, "groups:\n  - name: a\n    members: &m [r, s]\n    actions: [view]\n  - name: b\n    members: *m\n    actions: [view]\n")
	if got := p.Groups()[1].Members; !slices.Equal(got, []string{"r", "s"}) {
		t.Errorf("alias members %q", got)
	}
	laughs := "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\ngroups: []\n"
	if _, err := Load([]byte(laughs), "p.yaml"); err == nil {
		t.Error("a billion laughs loaded")
	}
}
