package policy

import (
	"strings"
)

// Explanation is how a decision came about, group by group: what `userdesk policy explain` prints.
type Explanation struct {
	// Decision is Decide's answer.
	Decision Decision
	// Groups are the person's groups.
	Groups []string
	// Steps says, for every group of the policy, whether the person is in it and how far it got.
	Steps []string
}

// Explain decides whether a person whose role claim holds claimValues may do a to t, and says how,
// group by group: membership, the action, the reach, and for changes the self, protected-role and
// staff rules.
func Explain(p *Policy, claimValues []string, a Action, t Target) Explanation {
	s := p.Staff(claimValues)
	e := Explanation{Decision: s.Decide(a, t), Groups: s.Groups()}
	change := a.Changes()
	for _, g := range p.groups {
		var b strings.Builder
		b.WriteString("group " + g.Name + ": ")
		if !in(s.groups, g) {
			b.WriteString("not a member (members: " + strings.Join(g.Members, ", ") + ")")
			e.Steps = append(e.Steps, b.String())
			continue
		}
		b.WriteString("member; ")
		if !g.actions.has(a) {
			b.WriteString("does not allow " + string(a))
			e.Steps = append(e.Steps, b.String())
			continue
		}
		b.WriteString("allows " + string(a) + "; ")
		if change && t.Self {
			b.WriteString("refused: the user is the person themselves (self)")
			e.Steps = append(e.Steps, b.String())
			continue
		}
		switch r := g.refuse(p, change, t); r {
		case ReasonReach:
			b.WriteString("the user is outside its reach (" + g.words + ")")
		case ReasonRolesUnread:
			b.WriteString("reaches the user, but the user's roles are needed and were not given (--user-roles)")
		case ReasonProtected:
			b.WriteString("reaches the user, who holds its protected role " + holdsAny(t.Roles, g.ProtectedRoles))
		case ReasonStaff:
			b.WriteString("reaches the user, who holds dashboard access (role " + holdsAny(t.Roles, p.staff) + "), and it lacks manage_staff")
		default:
			b.WriteString("reaches the user (" + g.words + ")")
			if change {
				b.WriteString(", who holds none of its protected roles")
				if g.actions.has(ActionManageStaff) {
					b.WriteString(" (it may change staff)")
				} else {
					b.WriteString(" and no dashboard access")
				}
			}
			b.WriteString(": allowed")
		}
		e.Steps = append(e.Steps, b.String())
	}
	return e
}

// in reports whether g is among gs.
func in(gs []*group, g *group) bool {
	for _, x := range gs {
		if x == g {
			return true
		}
	}
	return false
}

// String renders the explanation: the verdict first, then one line per group.
func (e Explanation) String() string {
	var b strings.Builder
	if e.Decision.Allowed {
		b.WriteString("allowed by group " + e.Decision.Group)
	} else {
		b.WriteString("refused (" + string(e.Decision.Reason) + ")")
		if e.Decision.Group != "" {
			b.WriteString(" by group " + e.Decision.Group)
		}
	}
	b.WriteString(": " + e.Decision.Detail + "\n")
	if len(e.Groups) == 0 {
		b.WriteString("the person is in no group\n")
	} else {
		b.WriteString("the person's groups: " + strings.Join(e.Groups, ", ") + "\n")
	}
	for _, s := range e.Steps {
		b.WriteString("  " + s + "\n")
	}
	return b.String()
}
