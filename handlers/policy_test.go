package handlers

import (
	"slices"
	"testing"
)

// TestRolesTable is DESIGN.md's roles table, row by row.
func TestRolesTable(t *testing.T) {
	tests := []struct {
		action                  action
		viewer, helpdesk, admin bool
	}{
		{actView, true, true, true},
		{actBlockUsers, false, true, true},
		{actSendEmails, false, true, true},
		{actResetMFA, false, true, true},
		{actWriteAuthMethods, false, false, true},
		{actCreateUsers, false, false, true},
		{actEditUsers, false, false, true},
		{actDeleteUsers, false, false, true},
		{actAssignRoles, false, false, true},
		{actAssignPermissions, false, false, true},
	}
	for _, tt := range tests {
		for r, want := range map[role]bool{roleNone: false, roleViewer: tt.viewer, roleHelpdesk: tt.helpdesk, roleAdmin: tt.admin} {
			if got := r.may(tt.action); got != want {
				t.Errorf("%q may %s = %v, want %v", r, tt.action, got, want)
			}
		}
	}
	// Every action a role holds is in the table above (no action slips in untested).
	for _, r := range []role{roleViewer, roleHelpdesk, roleAdmin} {
		for _, a := range roleActions(r) {
			if !slices.ContainsFunc(tests, func(tt struct {
				action                  action
				viewer, helpdesk, admin bool
			}) bool {
				return tt.action == a
			}) {
				t.Errorf("%s holds %s, which this test does not cover", r, a)
			}
		}
	}
	// The pseudo-actions are never granted by a role: they are handled by the gate itself.
	for _, r := range []role{roleNone, roleViewer, roleHelpdesk, roleAdmin} {
		if r.may(actPublic) || r.may(actSignedIn) {
			t.Errorf("%q holds a pseudo-action", r)
		}
	}
}

func TestAbilitiesFollowTheTable(t *testing.T) {
	if got := roleHelpdesk.abilities(); !got.BlockUsers || !got.ResetMFA || !got.SendEmails || got.EditUsers || got.DeleteUsers || got.AssignRoles {
		t.Errorf("helpdesk abilities = %+v", got)
	}
	if got := roleViewer.abilities(); got.BlockUsers || got.ResetMFA {
		t.Errorf("viewer abilities = %+v", got)
	}
	a := roleAdmin.abilities()
	if !a.BlockUsers || !a.SendEmails || !a.ResetMFA || !a.WriteAuthMethods || !a.CreateUsers || !a.EditUsers || !a.DeleteUsers || !a.AssignRoles || !a.AssignPermissions {
		t.Errorf("admin abilities = %+v, want all", a)
	}
}

func TestRoleFromClaim(t *testing.T) {
	m := RoleMapping{Claim: "https://x/roles", Admin: []string{"ops", "root"}, Helpdesk: []string{"support"}, Viewer: []string{"audit"}}
	tests := []struct {
		claim any
		want  role
	}{
		{nil, roleNone},
		{"support", roleHelpdesk},
		{[]any{"audit"}, roleViewer},
		{[]any{"audit", "support"}, roleHelpdesk},
		{[]any{"support", "root", "audit"}, roleAdmin},
		{[]any{"customer", 42, map[string]any{"x": "root"}}, roleNone},
		{"Root", roleNone}, // exact match only
		{"ops ", roleNone},
		{[]string{"ops"}, roleAdmin},
		{42.0, roleNone},
	}
	for _, tt := range tests {
		if got := m.roleFromClaim(tt.claim); got != tt.want {
			t.Errorf("roleFromClaim(%#v) = %q, want %q", tt.claim, got, tt.want)
		}
	}
}
