package policy

import (
	"slices"
	"strings"
	"testing"
)

// decidePolicy is the policy the decision tests run against.
const decidePolicy = `groups:
  - name: admin
    members: [adm]
    actions: [view, view_raw, view_logs, block, unlock, send_emails, reset_mfa, end_sessions,
              write_auth_methods, create, edit, delete, link, assign_roles, assign_permissions,
              export, manage_staff, staff_sessions, audit, policy]
  - name: emea
    members: [emea]
    actions: [view, view_logs, block, reset_mfa]
    reach:
      users: 'app_metadata.region:"emea"'
    protected_roles: [vip]
  - name: partner
    members: [partner]
    actions: [view, block, create, edit, assign_roles]
    reach:
      users: 'app_metadata.partner:acme'
      connections: [acme-saml, db]
    create:
      connections: [db]
      app_metadata: {partner: acme}
    assignable_roles: [p-viewer, p-editor]
  - name: partner-staff
    members: [partner-lead]
    actions: [view, block, assign_roles, manage_staff]
    reach:
      connections: [acme-saml]
  - name: auditor
    members: [aud]
    actions: [view, view_raw, view_logs, audit]
`

// user builds a user document with identities from conns.
func user(id string, meta map[string]any, conns ...string) map[string]any {
	var ids []any
	for _, c := range conns {
		ids = append(ids, map[string]any{"connection": c, "provider": "x", "user_id": id})
	}
	return map[string]any{"user_id": id, "identities": ids, "app_metadata": meta}
}

func TestDecideMatrix(t *testing.T) {
	p := mustLoad(t, decidePolicy)
	users := map[string]map[string]any{
		"emea":       user("db|1", map[string]any{"region": "emea"}, "db"),
		"amer":       user("db|2", map[string]any{"region": "amer"}, "db"),
		"emea-case":  user("db|3", map[string]any{"region": "EMEA"}, "db"),
		"emea-list":  user("db|4", map[string]any{"region": []any{"amer", "emea"}}, "db"),
		"acme-saml":  user("samlp|1", map[string]any{"partner": "acme"}, "acme-saml"),
		"acme-link":  user("google|1", map[string]any{"partner": "acme"}, "google-oauth2", "acme-saml"),
		"acme-gmail": user("google|2", map[string]any{"partner": "acme"}, "google-oauth2"),
		"saml-bare":  user("samlp|2", nil, "acme-saml"),
		"no-id":      {"app_metadata": map[string]any{"region": "emea"}, "identities": []any{map[string]any{"connection": "db"}}},
	}
	plain := []string{"customer"}
	tests := []struct {
		person string
		action Action
		target string
		roles  []string // nil: not read
		self   bool
		want   Reason // ReasonNone: allowed
		group  string
	}{
		// In reach, out of reach, by the users query.
		{"emea", ActionBlock, "emea", plain, false, ReasonNone, "emea"},
		{"emea", ActionView, "emea", nil, false, ReasonNone, "emea"},
		{"emea", ActionBlock, "amer", plain, false, ReasonReach, "emea"},
		{"emea", ActionView, "amer", nil, false, ReasonReach, "emea"},
		{"emea", ActionView, "emea-case", nil, false, ReasonReach, "emea"}, // app_metadata is case-sensitive
		{"emea", ActionView, "emea-list", nil, false, ReasonNone, "emea"},  // any element of an array
		{"emea", ActionView, "no-id", nil, false, ReasonReach, "emea"},     // not a user as Auth0 returns one
		{"emea", ActionView, "", nil, false, ReasonReach, "emea"},          // not read
		{"emea", ActionDelete, "emea", plain, false, ReasonAction, ""},
		{"emea", ActionViewRaw, "emea", plain, false, ReasonAction, ""},
		// Connections: any identity; both parts of a reach must hold.
		{"partner", ActionBlock, "acme-saml", plain, false, ReasonNone, "partner"},
		{"partner", ActionBlock, "acme-link", plain, false, ReasonNone, "partner"},
		{"partner", ActionBlock, "acme-gmail", plain, false, ReasonReach, "partner"},
		{"partner", ActionBlock, "saml-bare", plain, false, ReasonReach, "partner"},
		{"partner-lead", ActionBlock, "saml-bare", plain, false, ReasonNone, "partner-staff"},
		// Protected roles (case-insensitively), per group.
		{"emea", ActionBlock, "emea", []string{"VIP"}, false, ReasonProtected, "emea"},
		{"emea", ActionView, "emea", []string{"vip"}, false, ReasonNone, "emea"},
		{"adm", ActionBlock, "emea", []string{"vip"}, false, ReasonNone, "admin"},
		// Staff are protected by default: dashboard access needs manage_staff.
		{"emea", ActionResetMFA, "emea", []string{"aud"}, false, ReasonStaff, "emea"},
		{"emea", ActionResetMFA, "emea", []string{"Partner"}, false, ReasonStaff, "emea"},
		{"partner", ActionBlock, "acme-saml", []string{"partner-lead"}, false, ReasonStaff, "partner"},
		{"partner-lead", ActionBlock, "acme-saml", []string{"partner"}, false, ReasonNone, "partner-staff"},
		{"adm", ActionDelete, "emea", []string{"emea"}, false, ReasonNone, "admin"},
		{"emea", ActionView, "emea", []string{"adm"}, false, ReasonNone, "emea"}, // viewing staff is no change
		// Roles unread where a rule needs them: refused; where none does: allowed.
		{"emea", ActionBlock, "emea", nil, false, ReasonRolesUnread, "emea"},
		{"adm", ActionBlock, "emea", nil, false, ReasonNone, "admin"},
		// Self: no change to one's own account, whatever the group.
		{"adm", ActionAssignRoles, "emea", plain, true, ReasonSelf, ""},
		{"emea", ActionBlock, "emea", plain, true, ReasonSelf, ""},
		{"adm", ActionView, "emea", nil, true, ReasonNone, "admin"},
		// Several groups: any one allowing is enough; a refusal names the group that got furthest.
		{"emea+partner", ActionBlock, "acme-saml", plain, false, ReasonNone, "partner"},
		{"emea+partner", ActionBlock, "emea", plain, false, ReasonNone, "emea"},
		{"emea+partner", ActionBlock, "amer", plain, false, ReasonReach, "emea"},
		{"emea+partner", ActionBlock, "acme-saml", []string{"aud"}, false, ReasonStaff, "partner"},
		{"emea+partner-lead", ActionBlock, "acme-saml", []string{"aud"}, false, ReasonNone, "partner-staff"},
		{"aud", ActionBlock, "emea", plain, false, ReasonAction, ""},
		{"aud", ActionAudit, "", nil, false, ReasonNone, "auditor"},
		{"nobody", ActionView, "emea", nil, false, ReasonAction, ""},
		{"emea", Action("launch"), "emea", plain, false, ReasonAction, ""},
	}
	for _, tt := range tests {
		s := p.Staff(strings.Split(tt.person, "+"))
		d := s.Decide(tt.action, Target{User: users[tt.target], Roles: tt.roles, Self: tt.self})
		if d.Allowed != (tt.want == ReasonNone) || d.Reason != tt.want || d.Group != tt.group {
			t.Errorf("%s %s %s (roles %q, self %v) = %+v; want reason %q by group %q", tt.person, tt.action, tt.target, tt.roles, tt.self, d, tt.want, tt.group)
		}
		if d.Detail == "" {
			t.Errorf("%s %s %s: no detail", tt.person, tt.action, tt.target)
		}
		if tt.want == ReasonNone && !s.Reaches(tt.action, users[tt.target]) && users[tt.target] != nil {
			t.Errorf("%s %s %s: allowed but Reaches says no", tt.person, tt.action, tt.target)
		}
	}
}

func TestDecideDetails(t *testing.T) {
	p := mustLoad(t, decidePolicy)
	emea := p.Staff([]string{"emea"})
	u := user("db|1", map[string]any{"region": "emea"}, "db")
	for _, tt := range []struct {
		d    Decision
		want string
	}{
		{emea.Decide(ActionBlock, Target{User: u, Roles: []string{}}), "group emea allows it on users where app_metadata.region is emea"},
		{emea.Decide(ActionBlock, Target{User: user("db|2", nil, "db"), Roles: []string{}}), "the user is outside the reach of every group that allows block: users where app_metadata.region is emea"},
		{emea.Decide(ActionBlock, Target{User: u, Roles: []string{"x", "VIP"}}), "the user holds protected role VIP of group emea"},
		{emea.Decide(ActionBlock, Target{User: u, Roles: []string{"adm"}}), "the user holds dashboard access (role adm) and group emea lacks manage_staff"},
		{emea.Decide(ActionBlock, Target{User: u}), "the user's roles were not read, and group emea's protected roles and staff protection need them"},
		{emea.Decide(ActionDelete, Target{User: u}), "none of the person's groups (emea) allows delete"},
		{p.Staff(nil).Decide(ActionView, Target{User: u}), "the person is in no group"},
		{Staff{}.Decide(ActionView, Target{User: u}), "the person is in no group"},
		{emea.Decide(ActionBlock, Target{User: u, Self: true}), "staff cannot block their own account here"},
	} {
		if tt.d.Detail != tt.want {
			t.Errorf("Detail = %q, want %q", tt.d.Detail, tt.want)
		}
	}
}

func TestNeedsRolesAndTargetFields(t *testing.T) {
	p := mustLoad(t, decidePolicy)
	for _, tt := range []struct {
		person string
		action Action
		needs  bool
		fields []string
	}{
		{"adm", ActionBlock, false, []string{"user_id"}},
		{"adm", ActionView, false, []string{"user_id"}},
		{"emea", ActionBlock, true, []string{"app_metadata", "user_id"}},
		{"emea", ActionView, false, []string{"app_metadata", "user_id"}},
		{"partner", ActionEdit, true, []string{"app_metadata", "identities", "user_id"}}, // staff protection
		{"partner-lead", ActionBlock, false, []string{"identities", "user_id"}},          // manage_staff, no protected roles
		{"emea+partner", ActionBlock, true, []string{"app_metadata", "identities", "user_id"}},
		{"emea+partner", ActionEdit, true, []string{"app_metadata", "identities", "user_id"}},
		{"aud", ActionBlock, false, []string{"user_id"}},
	} {
		s := p.Staff(strings.Split(tt.person, "+"))
		if got := s.NeedsRoles(tt.action); got != tt.needs {
			t.Errorf("%s NeedsRoles(%s) = %v", tt.person, tt.action, got)
		}
		if got := s.TargetFields(tt.action); !slices.Equal(got, tt.fields) {
			t.Errorf("%s TargetFields(%s) = %q, want %q", tt.person, tt.action, got, tt.fields)
		}
	}
}

func TestCreateRules(t *testing.T) {
	p := mustLoad(t, decidePolicy)
	partner := p.Staff([]string{"partner"})
	stamp, ok := partner.CreateRule("db")
	if !ok || len(stamp) != 1 || stamp["partner"] != "acme" {
		t.Fatalf("CreateRule(db) = %v, %v", stamp, ok)
	}
	stamp["partner"] = "globex" // a copy
	if again, _ := partner.CreateRule("db"); again["partner"] != "acme" {
		t.Error("CreateRule returns the policy's own map")
	}
	if _, ok := partner.CreateRule("acme-saml"); ok {
		t.Error("CreateRule(acme-saml): the create rule names only db")
	}
	if all, names := partner.CreateConnections(); all || !slices.Equal(names, []string{"db"}) {
		t.Errorf("CreateConnections = %v, %q", all, names)
	}
	if all, _ := p.Staff([]string{"adm", "partner"}).CreateConnections(); !all {
		t.Error("admin may create anywhere")
	}
	if all, names := p.Staff([]string{"emea"}).CreateConnections(); all || names != nil {
		t.Errorf("emea CreateConnections = %v, %q", all, names)
	}
	// DecideCreate: the stamp must be there and the user inside the reach.
	for _, tt := range []struct {
		conn string
		body map[string]any
		want Reason
	}{
		{"db", map[string]any{"email": "a@acme.example", "app_metadata": map[string]any{"partner": "acme", "plan": "x"}}, ReasonNone},
		{"db", map[string]any{"email": "a@acme.example"}, ReasonReach},
		{"db", map[string]any{"app_metadata": map[string]any{"partner": "globex"}}, ReasonReach},
		{"acme-saml", map[string]any{"app_metadata": map[string]any{"partner": "acme"}}, ReasonAction},
	} {
		if d := partner.DecideCreate(tt.conn, tt.body); d.Reason != tt.want || d.Allowed != (tt.want == ReasonNone) {
			t.Errorf("DecideCreate(%s, %v) = %+v, want %q", tt.conn, tt.body, d, tt.want)
		}
	}
	if d := p.Staff([]string{"aud"}).DecideCreate("db", map[string]any{}); d.Reason != ReasonAction {
		t.Errorf("auditor DecideCreate = %+v", d)
	}
	// A reach that depends on what is typed: DecideCreate decides it per user.
	q := mustLoad(t, "groups:\n  - name: m\n    members: [m]\n    actions: [view, create]\n    reach:\n      users: 'email.domain:acme.example'\n")
	m := q.Staff([]string{"m"})
	if d := m.DecideCreate("db", map[string]any{"email": "x@ACME.example"}); !d.Allowed {
		t.Errorf("a user typed inside the reach: %+v", d)
	}
	if d := m.DecideCreate("db", map[string]any{"email": "x@globex.example"}); d.Allowed {
		t.Errorf("a user typed outside the reach: %+v", d)
	}
}

// TestAssignableAnywhere: before the users are known (a bulk job's picker), the roles a person
// may assign to someone: their assign_roles groups' lists, whatever the reach; staff roles only
// with manage_staff.
func TestAssignableAnywhere(t *testing.T) {
	p := mustLoad(t, decidePolicy)
	partner, lead := p.Staff([]string{"partner"}), p.Staff([]string{"partner-lead"})
	if all, names := partner.AssignableAnywhere(); all || !slices.Equal(names, []string{"p-editor", "p-viewer"}) {
		t.Errorf("partner AssignableAnywhere = %v, %q", all, names)
	}
	if all, _ := lead.AssignableAnywhere(); !all {
		t.Error("partner-lead has no assignable_roles: every role")
	}
	if all, names := p.Staff([]string{"nobody-here"}).AssignableAnywhere(); all || names != nil {
		t.Errorf("no group: %v, %q", all, names)
	}
	for _, tt := range []struct {
		s    Staff
		role string
		want bool
	}{
		{partner, "p-viewer", true},
		{partner, "tenant-admin", false},
		{partner, "aud", false}, // a staff role, not listed
		{lead, "tenant-admin", true},
		{lead, "aud", true}, // lead has manage_staff
	} {
		if got := tt.s.MayAssignRoleSomewhere(tt.role); got != tt.want {
			t.Errorf("%q MayAssignRoleSomewhere(%s) = %v", tt.s.Groups(), tt.role, got)
		}
	}
}

func TestAssignableRoles(t *testing.T) {
	p := mustLoad(t, decidePolicy)
	partner := p.Staff([]string{"partner"})
	acme := user("samlp|1", map[string]any{"partner": "acme"}, "acme-saml")
	target := Target{User: acme, Roles: []string{}}
	if all, names := partner.AssignableRoles(target); all || !slices.Equal(names, []string{"p-editor", "p-viewer"}) {
		t.Errorf("partner AssignableRoles = %v, %q", all, names)
	}
	if all, names := partner.AssignableRoles(Target{User: user("x|1", nil, "db"), Roles: []string{}}); all || names != nil {
		t.Errorf("out of reach: %v, %q", all, names)
	}
	if all, names := partner.AssignableRoles(Target{User: acme, Roles: []string{"aud"}}); all || names != nil {
		t.Errorf("a staff target without manage_staff: %v, %q", all, names)
	}
	if all, _ := partner.AssignableRoles(Target{User: acme, Roles: []string{}, Self: true}); all {
		t.Error("self")
	}
	lead := p.Staff([]string{"partner-lead"})
	if all, _ := lead.AssignableRoles(target); !all {
		t.Error("partner-lead has no assignable_roles: every role")
	}
	for _, tt := range []struct {
		s    Staff
		role string
		want bool
	}{
		{partner, "p-viewer", true},
		{partner, "P-VIEWER", false}, // exact names, as in Auth0
		{partner, "tenant-admin", false},
		{lead, "tenant-admin", true},
		{lead, "aud", true},     // a staff role: lead has manage_staff
		{partner, "aud", false}, // not listed anyway
		{p.Staff([]string{"adm"}), "emea", true},
	} {
		if got := tt.s.MayAssignRole(target, tt.role); got != tt.want {
			t.Errorf("%q MayAssignRole(%s) = %v", tt.s.Groups(), tt.role, got)
		}
	}
	// A group with every role but without manage_staff cannot hand out dashboard access.
	q := mustLoad(t, "groups:\n  - name: roles\n    members: [r]\n    actions: [view, assign_roles]\n  - name: admin\n    members: [adm]\n    actions: [view]\n")
	s := q.Staff([]string{"r"})
	if all, _ := s.AssignableRoles(Target{User: acme, Roles: []string{}}); !all {
		t.Error("every role")
	}
	if s.MayAssignRole(Target{User: acme, Roles: []string{}}, "ADM") || !s.MayAssignRole(Target{User: acme, Roles: []string{}}, "billing") {
		t.Error("MayAssignRole: a staff role needs manage_staff")
	}
}

func TestExplain(t *testing.T) {
	p := mustLoad(t, decidePolicy)
	e := Explain(p, []string{"emea", "partner"}, ActionBlock, Target{User: user("db|1", map[string]any{"region": "emea"}, "db"), Roles: []string{"adm"}})
	want := `refused (staff) by group emea: the user holds dashboard access (role adm) and group emea lacks manage_staff
the person's groups: emea, partner
  group admin: not a member (members: adm)
  group emea: member; allows block; reaches the user, who holds dashboard access (role adm), and it lacks manage_staff
  group partner: member; allows block; the user is outside its reach (users of connections acme-saml or db where app_metadata.partner is acme)
  group partner-staff: not a member (members: partner-lead)
  group auditor: not a member (members: aud)
`
	if got := e.String(); got != want {
		t.Errorf("Explain:\n%s\nwant:\n%s", got, want)
	}
	e = Explain(p, []string{"adm"}, ActionDelete, Target{User: user("db|1", nil, "db")})
	if !e.Decision.Allowed || !strings.Contains(e.String(), "group admin: member; allows delete; reaches the user (every user), who holds none of its protected roles (it may change staff): allowed") {
		t.Errorf("Explain:\n%s", e)
	}
}

func TestActions(t *testing.T) {
	all := Actions()
	seen := actionSet(0)
	for i, a := range all {
		if a.bit() != 1<<i || seen&a.bit() != 0 {
			t.Errorf("action %s has bit %b", a, a.bit())
		}
		seen |= a.bit()
		if a.Description() == "" {
			t.Errorf("action %s has no description", a)
		}
	}
	want := []Action{ActionBlock, ActionUnlock, ActionSendEmails, ActionResetMFA, ActionEndSessions,
		ActionWriteAuthMethods, ActionCreate, ActionEdit, ActionDelete, ActionLink, ActionAssignRoles,
		ActionAssignPermissions, ActionManageStaff}
	if got := ChangeActions(); !slices.Equal(got, want) {
		t.Errorf("ChangeActions() = %q", got)
	}
	if Action("View").Valid() || Action("").Changes() {
		t.Error("unknown actions")
	}
}

func TestReachUnchanged(t *testing.T) {
	p := mustLoad(t, decidePolicy)
	before := user("db|1", map[string]any{"partner": "acme"}, "db")
	toEmea := user("db|1", map[string]any{"partner": "acme", "region": "emea"}, "db")
	untagged := user("db|1", map[string]any{}, "db")
	renamed := user("db|1", map[string]any{"partner": "acme", "plan": "gold"}, "db")
	partner, both := p.Staff([]string{"partner"}), p.Staff([]string{"partner", "emea"})
	for _, tt := range []struct {
		s     Staff
		after map[string]any
		want  bool
	}{
		{partner, renamed, true},
		{partner, toEmea, true}, // partner alone reaches it before and after
		{both, toEmea, false},   // into the reach of the person's emea group
		{partner, untagged, false},
		{p.Staff([]string{"adm"}), untagged, true},
	} {
		if got := tt.s.ReachUnchanged(before, tt.after); got != tt.want {
			t.Errorf("%q ReachUnchanged(→ %v) = %v", tt.s.Groups(), tt.after["app_metadata"], got)
		}
	}
}
