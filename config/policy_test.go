package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const testPolicy = `groups:
  - name: emea-helpdesk
    members: [support-emea]
    actions: [view, block]
    reach:
      users: 'app_metadata.region:"emea"'
`

func TestLoadPolicyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(testPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]env{
		"file":   good.with("USERDESK_POLICY_FILE", path),
		"inline": good.with("USERDESK_POLICY", testPolicy),
	} {
		c, err := Load(nil, e.get)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Policy == nil || len(c.Policy.Groups()) != 1 || c.Policy.Groups()[0].Name != "emea-helpdesk" {
			t.Fatalf("%s: policy %+v", name, c.Policy)
		}
		want := path
		if name == "inline" {
			want = "USERDESK_POLICY"
		}
		if c.Policy.Source() != want {
			t.Errorf("%s: source %q, want %q", name, c.Policy.Source(), want)
		}
		if c.AdminRoles != nil || c.HelpdeskRoles != nil || c.ViewerRoles != nil || c.ProtectedRoles != nil || c.AssignableRoles != nil {
			t.Errorf("%s: the role settings are filled beside a policy file: %+v", name, c)
		}
		if s := c.Policy.Staff([]string{DefaultAdminRole}); s.Any() {
			t.Errorf("%s: the default admin claim value is in %q although the file does not name it", name, s.Groups())
		}
	}
	// The CLI's loader reads the same settings and nothing else.
	p, err := LoadPolicy(env{"USERDESK_POLICY_FILE": path}.get)
	if err != nil || p.Groups()[0].Name != "emea-helpdesk" {
		t.Errorf("LoadPolicy = %v, %v", p, err)
	}
	p, err = LoadPolicy(env{"USERDESK_ADMIN_ROLES": "root"}.get)
	if err != nil || !slices.Equal(p.Groups()[2].Members, []string{"root"}) {
		t.Errorf("LoadPolicy without a file = %v, %v", p, err)
	}
}

// TestLoadPolicyProblems: an invalid policy stops Load with every problem of the file, each with
// its line, beside the other settings' problems; conflicting settings are problems too.
func TestLoadPolicyProblems(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("groups:\n  - name: a\n    members: [r]\n    actions: [veiw]\n    reach:\n      users: 'x:(y'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  env
		want []string
	}{
		{"every problem in the file, with the others", good.with("USERDESK_POLICY_FILE", bad, "USERDESK_IDLE_TIMEOUT", "soon"), []string{
			`USERDESK_IDLE_TIMEOUT="soon" is not a positive duration such as 30m or 8h`,
			bad + `:4: group "a": unknown action "veiw" (did you mean "view"?)`,
			bad + `:6: group "a": reach.users is not a valid Auth0 search query: unbalanced parentheses`,
		}},
		{"both set", good.with("USERDESK_POLICY_FILE", bad, "USERDESK_POLICY", testPolicy), []string{
			"USERDESK_POLICY_FILE and USERDESK_POLICY are both set: set one",
		}},
		{"role settings beside a policy", good.with("USERDESK_POLICY", testPolicy, "USERDESK_ADMIN_ROLES", "root", "USERDESK_PROTECTED_ROLES", "x"), []string{
			"USERDESK_ADMIN_ROLES is set, but a policy file is given",
			"USERDESK_PROTECTED_ROLES is set, but a policy file is given",
		}},
		{"unreadable file", good.with("USERDESK_POLICY_FILE", filepath.Join(dir, "missing.yaml")), []string{
			"USERDESK_POLICY_FILE: cannot read the policy file: no such file or directory",
		}},
		{"inline, invalid", good.with("USERDESK_POLICY", "groups: []\n"), []string{
			"USERDESK_POLICY:1: groups is empty",
		}},
	}
	for _, tt := range tests {
		_, err := Load(nil, tt.env.get)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%s: Load error %v, want *Error", tt.name, err)
			continue
		}
		if len(ce.Problems) != len(tt.want) {
			t.Errorf("%s: problems %q, want %d", tt.name, ce.Problems, len(tt.want))
			continue
		}
		for _, w := range tt.want {
			if !slices.ContainsFunc(ce.Problems, func(p string) bool { return strings.HasPrefix(p, w) }) {
				t.Errorf("%s: no problem starts with %q: %q", tt.name, w, ce.Problems)
			}
		}
	}
}

// TestPolicyWarningsDoNotStopStartUp: warnings are kept on the policy for the log.
func TestPolicyWarningsDoNotStopStartUp(t *testing.T) {
	c, err := Load(nil, good.with("USERDESK_POLICY", "groups:\n  - name: a\n    members: [r]\n    actions: [view]\n    protected_roles: [x]\n").get)
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Policy.Warnings(); len(w) != 1 || !strings.Contains(w[0], "protected_roles has no effect") {
		t.Errorf("warnings %q", w)
	}
}
