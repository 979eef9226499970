package handlers

import (
	"slices"
	"testing"

	"userdesk/policy"
)

// TestClaimValues: the role claim is a string or a list of strings; anything else holds no value.
func TestClaimValues(t *testing.T) {
	tests := []struct {
		claim any
		want  []string
	}{
		{nil, nil},
		{"support", []string{"support"}},
		{[]any{"audit", "support"}, []string{"audit", "support"}},
		{[]any{"customer", 42, map[string]any{"x": "root"}}, []string{"customer"}},
		{[]string{"ops"}, []string{"ops"}},
		{42.0, nil},
	}
	for _, tt := range tests {
		if got := claimValues(tt.claim); !slices.Equal(got, tt.want) {
			t.Errorf("claimValues(%#v) = %q, want %q", tt.claim, got, tt.want)
		}
	}
}

// TestBuiltinGroupsAreTheRolesTable: without a policy file, the three built-in groups give the
// abilities DESIGN.md's roles table gives the three dashboard roles (the policy package checks
// the table itself, action by action).
func TestBuiltinGroupsAreTheRolesTable(t *testing.T) {
	p := policy.Builtin(policy.RoleMapping{Admin: []string{"a"}, Helpdesk: []string{"h"}, Viewer: []string{"v"}}, nil, nil)
	helpdesk := abilities(p.Staff([]string{"h"}))
	if !helpdesk.BlockUsers || !helpdesk.ResetMFA || !helpdesk.SendEmails || !helpdesk.ViewRaw || !helpdesk.ViewLogs ||
		helpdesk.EditUsers || helpdesk.DeleteUsers || helpdesk.AssignRoles || helpdesk.WriteAuthMethods || helpdesk.Policy {
		t.Errorf("helpdesk abilities = %+v", helpdesk)
	}
	if v := abilities(p.Staff([]string{"v"})); v.BlockUsers || v.ResetMFA || v.SendEmails || !v.ViewRaw || !v.ViewLogs {
		t.Errorf("viewer abilities = %+v", v)
	}
	a := abilities(p.Staff([]string{"a"}))
	if !a.BlockUsers || !a.SendEmails || !a.ResetMFA || !a.WriteAuthMethods || !a.CreateUsers || !a.EditUsers ||
		!a.DeleteUsers || !a.AssignRoles || !a.AssignPermissions || !a.Policy {
		t.Errorf("admin abilities = %+v, want all", a)
	}
	if none := abilities(p.Staff([]string{"customer"})); none != (abilities(policy.Staff{})) || none.ViewRaw {
		t.Errorf("no group's abilities = %+v", none)
	}
}
