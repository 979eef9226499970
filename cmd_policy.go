package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"userdesk/config"
	"userdesk/policy"
)

// Exit codes of `userdesk policy`.
const (
	exitOK      = 0 // valid; allowed
	exitRefused = 1 // problems found; refused
	exitUsage   = 2 // bad arguments, unreadable files, no valid policy to explain with
)

// exitError ends the program with code. With a nil err it prints nothing more: the command has
// already said what it had to on stdout.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError is an exitError with exitUsage.
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

const policyUsage = `Usage:
  userdesk policy check FILE
      Validate a policy file. Prints every problem with its line ("FILE:LINE: message") and the
      warnings. Exit 0 when valid, 1 when not, 2 on bad usage or an unreadable file.

  userdesk policy explain --roles R1,R2 --user USER.json [--user-roles A,B] [--self] [--policy FILE] ACTION
      May a person whose role claim holds R1, R2 do ACTION to the user in USER.json (the user's
      JSON as Auth0 returns it, e.g. from GET /api/v2/users/{id})? Prints the verdict, the group
      and rule that decided, and how each group of the policy saw it. --user-roles are the user's
      tenant roles (omit them to see what happens when they are not read); --self makes the user
      the person themselves. The policy is --policy FILE, or else the one the environment
      configures (USERDESK_POLICY_FILE, USERDESK_POLICY, or the built-in one from the role
      settings). Exit 0 when allowed, 1 when refused, 2 on bad usage.

Actions: `

// runPolicy runs `userdesk policy …`.
func runPolicy(args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, policyUsage+actionList()+"\n")
		return &exitError{code: exitUsage}
	}
	switch args[0] {
	case "check":
		return runPolicyCheck(args[1:], stdout)
	case "explain":
		return runPolicyExplain(args[1:], getenv, stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, policyUsage+actionList()+"\n")
		return nil
	}
	return usageError("policy: unknown command %q: use check or explain (userdesk policy -h)", args[0])
}

// actionList names every action.
func actionList() string {
	var names []string
	for _, a := range policy.Actions() {
		names = append(names, string(a))
	}
	return strings.Join(names, ", ")
}

// runPolicyCheck validates a policy file.
func runPolicyCheck(args []string, stdout io.Writer) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(stdout, policyUsage+actionList()+"\n")
		return nil
	}
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return usageError("policy check: give one policy file: userdesk policy check FILE")
	}
	file := args[0]
	data, err := readLimited(file, policy.MaxFileSize+1)
	if err != nil {
		return usageError("policy check: %w", err)
	}
	p, err := policy.Load(data, file)
	var ps *policy.Problems
	if errors.As(err, &ps) {
		for _, pr := range ps.List {
			fmt.Fprintln(stdout, pr.String())
		}
		n := len(ps.Errors())
		fmt.Fprintf(stdout, "%s: not valid: %d %s\n", file, n, plural(n, "problem", "problems"))
		return &exitError{code: exitRefused}
	}
	if err != nil {
		return usageError("policy check: %w", err)
	}
	for _, w := range p.Warnings() {
		fmt.Fprintln(stdout, w)
	}
	var names []string
	for _, g := range p.Groups() {
		names = append(names, g.Name)
	}
	fmt.Fprintf(stdout, "%s: valid: %d %s (%s)\n", file, len(names), plural(len(names), "group", "groups"), strings.Join(names, ", "))
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// readLimited reads a file of at most limit bytes.
func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(v string) []string {
	out := []string{}
	for part := range strings.SplitSeq(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// runPolicyExplain explains one decision.
func runPolicyExplain(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("userdesk policy explain", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	roles := fs.String("roles", "", "the person's role-claim values, comma-separated")
	userFile := fs.String("user", "", "the target user's JSON, as Auth0 returns it")
	userRoles := fs.String("user-roles", "", "the target user's tenant roles, comma-separated (omit: not read)")
	self := fs.Bool("self", false, "the target is the person themselves")
	policyFile := fs.String("policy", "", "a policy file (default: the configured policy)")
	// Flags and the one action may come in any order.
	var positional []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, policyUsage+actionList()+"\n")
				return nil
			}
			return usageError("policy explain: %w (userdesk policy -h)", err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case len(positional) != 1:
		return usageError("policy explain: give one action (one of %s)", actionList())
	case !set["roles"]:
		return usageError("policy explain: --roles is required: the person's role-claim values, comma-separated")
	case *userFile == "":
		return usageError("policy explain: --user is required: a file holding the user's JSON")
	}
	action := policy.Action(positional[0])
	if !action.Valid() {
		return usageError("policy explain: %q is not an action (actions: %s)", positional[0], actionList())
	}
	raw, err := readLimited(*userFile, 1<<20)
	if err != nil {
		return usageError("policy explain: --user: %w", err)
	}
	var user map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&user); err != nil || user == nil {
		return usageError("policy explain: --user %s is not a JSON object (a user as Auth0 returns it)", *userFile)
	}

	var p *policy.Policy
	if *policyFile != "" {
		data, err := readLimited(*policyFile, policy.MaxFileSize+1)
		if err != nil {
			return usageError("policy explain: --policy: %w", err)
		}
		if p, err = policy.Load(data, *policyFile); err != nil {
			return usageError("policy explain: the policy is not valid (userdesk policy check %s):\n%w", *policyFile, err)
		}
	} else if p, err = config.LoadPolicy(getenv); err != nil {
		return usageError("policy explain: %w", err)
	}

	t := policy.Target{User: user, Self: *self}
	if set["user-roles"] {
		t.Roles = splitList(*userRoles)
	}
	e := policy.Explain(p, splitList(*roles), action, t)
	fmt.Fprintf(stdout, "policy: %s\n", p.Source())
	if _, ok := user["user_id"]; !ok {
		fmt.Fprintln(stdout, "note: the user JSON has no user_id, so no restricted reach reaches it")
	}
	if !set["user-roles"] && p.Staff(splitList(*roles)).NeedsRoles(action) {
		fmt.Fprintln(stdout, "note: without --user-roles the user's roles count as unread, and this decision needs them")
	}
	fmt.Fprint(stdout, e.String())
	if !e.Decision.Allowed {
		return &exitError{code: exitRefused}
	}
	return nil
}
