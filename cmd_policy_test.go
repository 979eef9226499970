package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"userdesk/policy"
)

// runExit runs the program with args and returns its output and exit code (0 for a nil error).
func runExit(t *testing.T, env map[string]string, args ...string) (string, int, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(t.Context(), args, func(k string) string { return env[k] }, &out)
	if err == nil {
		return out.String(), 0, nil
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		t.Fatalf("run %q: %v, want an exitError", args, err)
	}
	return out.String(), ee.code, ee.err
}

// writeFile writes a file in a temporary directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPolicyCheck(t *testing.T) {
	demo := writeFile(t, "demo.yaml", string(policy.DemoFile()))
	out, code, err := runExit(t, nil, "policy", "check", demo)
	if code != 0 || err != nil || !strings.HasSuffix(out, demo+": valid: 6 groups (admin, helpdesk, viewer, emea-helpdesk, acme-partner-admins, auditor)\n") {
		t.Errorf("check demo: %d %v\n%s", code, err, out)
	}

	bad := writeFile(t, "bad.yaml", "groups:\n  - name: a\n    members: [r]\n    actions: [veiw]\n    protected_roles: [x]\n  - name: a\n    members: [s]\n    actions: [view]\n    reach:\n      users: 'x:(y'\n")
	out, code, err = runExit(t, nil, "policy", "check", bad)
	want := []string{
		bad + `:4: group "a": unknown action "veiw" (did you mean "view"?)`,
		bad + `:5: warning: group "a": protected_roles has no effect`,
		bad + `:6: duplicate group name "a" (first at line 2)`,
		bad + `:10: group "a": reach.users is not a valid Auth0 search query`,
		bad + `: not valid: 3 problems`,
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 1 || err != nil || len(lines) != len(want) {
		t.Fatalf("check bad: %d %v\n%s", code, err, out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want it to start with %q", i+1, lines[i], w)
		}
	}

	for _, args := range [][]string{{"policy", "check"}, {"policy", "check", "a", "b"}, {"policy", "check", filepath.Join(t.TempDir(), "missing.yaml")}, {"policy"}, {"policy", "lint"}} {
		if _, code, _ := runExit(t, nil, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if out, code, _ := runExit(t, nil, "policy", "-h"); code != 0 || !strings.Contains(out, "userdesk policy explain --roles") {
		t.Errorf("policy -h: %d\n%s", code, out)
	}
}

func TestPolicyExplain(t *testing.T) {
	demo := writeFile(t, "demo.yaml", string(policy.DemoFile()))
	emea := writeFile(t, "emea.json", `{"user_id":"auth0|1","email":"a@example.com","identities":[{"connection":"Username-Password-Authentication","provider":"auth0","user_id":"1"}],"app_metadata":{"region":"emea"}}`)
	amer := writeFile(t, "amer.json", `{"user_id":"auth0|2","identities":[{"connection":"Username-Password-Authentication"}],"app_metadata":{"region":"amer"}}`)
	env := map[string]string{"USERDESK_POLICY_FILE": demo}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"allowed", []string{"--roles", "userdesk-helpdesk-emea", "--user", emea, "--user-roles", "customer", "reset_mfa"}, 0, []string{
			"policy: " + demo,
			"allowed by group emea-helpdesk: group emea-helpdesk allows it on users where app_metadata.region is emea",
			"the person's groups: emea-helpdesk",
			"  group emea-helpdesk: member; allows reset_mfa; reaches the user (users where app_metadata.region is emea), who holds none of its protected roles and no dashboard access: allowed",
		}},
		{"out of reach", []string{"--roles", "userdesk-helpdesk-emea", "--user", amer, "--user-roles", "", "reset_mfa"}, 1, []string{
			"refused (reach) by group emea-helpdesk: the user is outside the reach of every group that allows reset_mfa: users where app_metadata.region is emea",
		}},
		{"staff", []string{"reset_mfa", "--roles", "userdesk-helpdesk,userdesk-helpdesk-emea", "--user", emea, "--user-roles", "userdesk-viewer"}, 1, []string{
			"refused (staff) by group helpdesk: the user holds dashboard access (role userdesk-viewer) and group helpdesk lacks manage_staff",
		}},
		{"roles unread", []string{"--roles", "userdesk-helpdesk-emea", "--user", emea, "block"}, 1, []string{
			"note: without --user-roles the user's roles count as unread, and this decision needs them",
			"refused (rolesUnread) by group emea-helpdesk: the user's roles were not read, and group emea-helpdesk's protected roles and staff protection need them",
		}},
		{"self", []string{"--roles", "userdesk-admin", "--user", emea, "--self", "delete"}, 1, []string{"refused (self): staff cannot delete their own account here"}},
		{"no group", []string{"--roles", "someone", "--user", emea, "view"}, 1, []string{"refused (action): the person is in no group", "the person is in no group"}},
		{"--policy wins", []string{"--policy", writeFile(t, "p.yaml", "groups:\n  - name: all\n    members: [x]\n    actions: [delete]\n"), "--roles", "x", "--user", amer, "--user-roles", "a,b", "delete"}, 0, []string{"allowed by group all: group all allows it on every user"}},
	}
	for _, tt := range tests {
		out, code, err := runExit(t, env, append([]string{"policy", "explain"}, tt.args...)...)
		if code != tt.code || err != nil {
			t.Errorf("%s: exit %d %v, want %d\n%s", tt.name, code, err, tt.code, out)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w+"\n") {
				t.Errorf("%s: output lacks %q:\n%s", tt.name, w, out)
			}
		}
	}
	// Without a policy file the built-in policy, from the role settings.
	out, code, _ := runExit(t, map[string]string{"USERDESK_HELPDESK_ROLES": "support"}, "policy", "explain", "--roles", "support", "--user", amer, "--user-roles", "", "block")
	if code != 0 || !strings.Contains(out, "policy: built-in\nallowed by group helpdesk") {
		t.Errorf("built-in: %d\n%s", code, out)
	}

	bad := writeFile(t, "bad.json", `[1, 2]`)
	for _, args := range [][]string{
		{"--roles", "x", "--user", emea},                      // no action
		{"--roles", "x", "--user", emea, "launch"},            // unknown action
		{"--roles", "x", "--user", emea, "view", "block"},     // two actions
		{"--user", emea, "view"},                              // no --roles
		{"--roles", "x", "view"},                              // no --user
		{"--roles", "x", "--user", bad, "view"},               // not an object
		{"--roles", "x", "--user", emea + ".missing", "view"}, // unreadable
		{"--roles", "x", "--user", emea, "--policy", writeFile(t, "bad.yaml", "groups: []\n"), "view"}, // invalid policy
		{"--bogus", "view"},
	} {
		if out, code, _ := runExit(t, env, append([]string{"policy", "explain"}, args...)...); code != 2 {
			t.Errorf("%q: exit %d, want 2\n%s", args, code, out)
		}
	}
	// An invalid configured policy is a usage error too, with its problems.
	_, code, err := runExit(t, map[string]string{"USERDESK_POLICY": "groups: []\n"}, "policy", "explain", "--roles", "x", "--user", emea, "view")
	if code != 2 || err == nil || !strings.Contains(err.Error(), "USERDESK_POLICY:1: groups is empty") {
		t.Errorf("invalid configured policy: %d %v", code, err)
	}
}
