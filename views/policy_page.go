package views

// PolicyData is the effective policy as the /policy page shows it.
type PolicyData struct {
	// Source says where the policy comes from: "built-in", a file path, USERDESK_POLICY.
	Source string
	// Warnings are what the policy check noticed without refusing the policy.
	Warnings []string
	Groups   []PolicyGroup
}

// PolicyGroup is one staff group in words.
type PolicyGroup struct {
	Name string
	// Line is where the group starts in the policy file (0: built in).
	Line int
	// Members are the role-claim values (tenant roles) that put people in the group.
	Members []string
	// Actions are what the group may do, each with what it allows.
	Actions []PolicyAction
	// Reach says which users, in words ("every user").
	Reach string
	// Create says which connections it creates users in and what it stamps on them ("" when
	// the group does not create users).
	Create string
	// Assignable and Protected list its assignable and protected roles (Assignable empty:
	// every role, when the group assigns roles at all).
	Assignable []string
	Protected  []string
	// SignedIn are the staff signed in now who are in the group (name or e-mail).
	SignedIn []string
}

// PolicyAction is one action of a group.
type PolicyAction struct {
	Name, Description string
}

// policySourceWords says where the policy comes from.
func policySourceWords(source string) string {
	switch source {
	case "built-in", "":
		return "built-in policy (the admin, helpdesk and viewer groups of USERDESK_*_ROLES)"
	case "USERDESK_POLICY":
		return "policy in USERDESK_POLICY"
	}
	return "policy file " + source
}

// wordsList joins names in words: "a", "a or b", "a, b or c".
func wordsList(names []string, conj string) string {
	switch len(names) {
	case 0:
		return "—"
	case 1:
		return names[0]
	}
	out := ""
	for i, n := range names[:len(names)-1] {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out + " " + conj + " " + names[len(names)-1]
}
