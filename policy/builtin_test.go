package policy

import (
	"slices"
	"testing"
)

// todaysRoleTable is the dashboard's roles table before policies (handlers/policy.go, roleActions,
// at commit 066f00e), in its own action names: what each fixed role may do. Anything not listed was
// refused.
func todaysRoleTable() map[string][]string {
	return map[string][]string{
		"viewer":   {"view"},
		"helpdesk": {"view", "blockUsers", "sendEmails", "resetMFA"},
		"admin": {"view", "blockUsers", "sendEmails", "resetMFA", "writeAuthMethods", "createUsers", "editUsers",
			"deleteUsers", "assignRoles", "assignPermissions"},
	}
}

// todaysActions maps each of today's actions to the policy actions that replace it.
func todaysActions() map[string][]Action {
	return map[string][]Action{
		"view":              {ActionView, ActionViewRaw, ActionViewLogs},
		"blockUsers":        {ActionBlock},
		"sendEmails":        {ActionSendEmails},
		"resetMFA":          {ActionResetMFA},
		"writeAuthMethods":  {ActionWriteAuthMethods},
		"createUsers":       {ActionCreate},
		"editUsers":         {ActionEdit},
		"deleteUsers":       {ActionDelete},
		"assignRoles":       {ActionAssignRoles},
		"assignPermissions": {ActionAssignPermissions},
	}
}

func testMapping() RoleMapping {
	return RoleMapping{Admin: []string{"userdesk-admin", "ops"}, Helpdesk: []string{"userdesk-helpdesk"}, Viewer: []string{"userdesk-viewer"}}
}

// TestBuiltinMatchesTodaysRoleTable: for every role and every one of today's actions, the built-in
// policy allows exactly what the table did, whatever the target (whole tenant, an ordinary user with
// its roles read).
func TestBuiltinMatchesTodaysRoleTable(t *testing.T) {
	m := testMapping()
	p := Builtin(m, nil, nil)
	claims := map[string][]string{"viewer": m.Viewer, "helpdesk": m.Helpdesk, "admin": m.Admin}
	table := todaysRoleTable()
	ordinary := Target{User: map[string]any{"user_id": "auth0|1"}, Roles: []string{"customer"}}
	for role, values := range claims {
		for _, v := range values {
			s := p.Staff([]string{v})
			if got := s.Groups(); !slices.Equal(got, []string{role}) {
				t.Errorf("claim %q: groups %q, want [%s]", v, got, role)
			}
			for old, news := range todaysActions() {
				want := slices.Contains(table[role], old)
				for _, a := range news {
					if got := s.May(a); got != want {
						t.Errorf("%s (claim %q): May(%s) = %v; today's %s was %v", role, v, a, got, old, want)
					}
					if got := s.Decide(a, ordinary).Allowed; got != want {
						t.Errorf("%s: Decide(%s, an ordinary user) = %v; today's %s was %v", role, a, got, old, want)
					}
				}
			}
		}
	}
	// Today the highest role a claim grants wins; the union of groups is the same because each role's
	// actions include the lower ones'.
	both := p.Staff([]string{"userdesk-viewer", "userdesk-helpdesk"})
	for old, news := range todaysActions() {
		for _, a := range news {
			if got, want := both.May(a), slices.Contains(table["helpdesk"], old); got != want {
				t.Errorf("viewer+helpdesk: May(%s) = %v, want %v", a, got, want)
			}
		}
	}
	// Claim values compare exactly, as roleFromClaim did.
	for _, v := range []string{"USERDESK-ADMIN", "userdesk-admin ", "", "admin"} {
		if s := p.Staff([]string{v}); s.Any() {
			t.Errorf("claim %q puts the person in %q", v, s.Groups())
		}
	}
	if got, want := p.StaffRoles(), []string{"ops", "userdesk-admin", "userdesk-helpdesk", "userdesk-viewer"}; !slices.Equal(got, want) {
		t.Errorf("StaffRoles() = %q, want %q", got, want)
	}
}

// TestBuiltinProtectedAndAssignable: today's USERDESK_PROTECTED_ROLES refused the helpdesk's changes
// (names case-insensitively, or ids) and never the admin's; USERDESK_ASSIGNABLE_ROLES limited what
// admins assign, empty meaning all.
func TestBuiltinProtectedAndAssignable(t *testing.T) {
	p := Builtin(testMapping(), []string{"tenant-admin", "rol_BreakGlass"}, []string{"support-agent", "billing-viewer"})
	helpdesk := p.Staff([]string{"userdesk-helpdesk"})
	admin := p.Staff([]string{"userdesk-admin"})
	user := map[string]any{"user_id": "auth0|1"}
	for _, roles := range [][]string{{"Tenant-Admin"}, {"x", "rol_breakglass"}} {
		for _, a := range []Action{ActionBlock, ActionSendEmails, ActionResetMFA, ActionUnlock, ActionEndSessions} {
			if d := helpdesk.Decide(a, Target{User: user, Roles: roles}); d.Allowed || d.Reason != ReasonProtected {
				t.Errorf("helpdesk %s on a holder of %q: %+v, want refused as protected", a, roles, d)
			}
			if d := admin.Decide(a, Target{User: user, Roles: roles}); !d.Allowed {
				t.Errorf("admin %s on a holder of %q: %+v", a, roles, d)
			}
		}
		if d := helpdesk.Decide(ActionView, Target{User: user, Roles: roles}); !d.Allowed {
			t.Errorf("helpdesk view of a protected user: %+v", d)
		}
	}
	// Admins cost no extra call: their rules need no roles; the helpdesk's do.
	if admin.NeedsRoles(ActionDelete) || !helpdesk.NeedsRoles(ActionBlock) || helpdesk.NeedsRoles(ActionView) {
		t.Error("NeedsRoles: want false for admins and views, true for the helpdesk's changes")
	}
	if d := admin.Decide(ActionDelete, Target{User: user}); !d.Allowed {
		t.Errorf("admin delete with roles unread: %+v", d)
	}
	if all, names := admin.AssignableRoles(Target{User: user, Roles: []string{}}); all || !slices.Equal(names, []string{"billing-viewer", "support-agent"}) {
		t.Errorf("admin AssignableRoles = %v, %q", all, names)
	}
	if all, _ := Builtin(testMapping(), nil, nil).Staff([]string{"ops"}).AssignableRoles(Target{User: user}); !all {
		t.Error("without assignable roles, admins may assign every role")
	}
	if all, names := helpdesk.AssignableRoles(Target{User: user, Roles: []string{}}); all || names != nil {
		t.Errorf("helpdesk AssignableRoles = %v, %q", all, names)
	}
}
