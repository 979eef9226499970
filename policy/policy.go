package policy

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"userdesk/auth0api/lucene"
)

// connectionField is the field a reach's connections are matched on: any of the user's identities
// (the primary one or a linked one) from that connection. Auth0's search spells it the same way.
const connectionField = "identities.connection"

// Policy is a loaded, validated policy: groups of staff with their actions and reach. It is
// immutable and safe for concurrent use.
type Policy struct {
	source   string
	groups   []*group
	staff    []string // every member value, sorted, without duplicates
	warnings []Problem
}

// Group is one group of a policy, as written (see the package documentation for each field).
type Group struct {
	// Name names the group in the dashboard, the audit trail and explanations.
	Name string
	// Members are role-claim values (the values of the ID token's role claim, which are tenant role
	// names): a person whose claim holds any of them is in the group.
	Members []string
	// Actions are what the group may do.
	Actions []Action
	// Reach is which users it may do them to.
	Reach Reach
	// Create is what users it creates get.
	Create CreateRule
	// AssignableRoles are the tenant roles it may assign; nil means every role. Roles that grant
	// dashboard access (StaffRoles) also need manage_staff.
	AssignableRoles []string
	// ProtectedRoles are tenant roles (names or ids) whose holders its change actions refuse.
	ProtectedRoles []string
	// Line is where the group starts in the policy file; 0 for the built-in policy.
	Line int
}

// Reach is the users a group may act on. Both parts are optional; when both are given a user must
// satisfy both; when neither is, the group reaches the whole tenant.
type Reach struct {
	// Users is a query in Auth0's user search syntax (v3), e.g. app_metadata.region:"emea".
	Users string
	// Connections lists connections: a user is reached when any of their identities (a linked one
	// too) is from one of them.
	Connections []string
}

// Whole reports whether the reach is the whole tenant.
func (r Reach) Whole() bool { return strings.TrimSpace(r.Users) == "" && len(r.Connections) == 0 }

// CreateRule is what users a group creates get.
type CreateRule struct {
	// Connections are the connections it may create users in; nil means the reach's connections,
	// or any connection when the reach names none. (Auth0 creates users through the Management API
	// only in database and passwordless connections.)
	Connections []string
	// AppMetadata is stamped on every user it creates, whatever the form sends, so that they are
	// inside the group's reach.
	AppMetadata map[string]any
}

// group is a Group compiled for deciding.
type group struct {
	Group
	actions     actionSet
	reach       *lucene.Query // users AND connections; nil for the whole tenant
	words       string        // the reach in words
	fields      []string      // top-level user fields the reach match reads, user_id included
	createConns []string      // effective create connections; nil = any
	allowed     string        // Decision.Detail when this group allows
}

// Source names where the policy came from: the file name, "USERDESK_POLICY", or "built-in".
func (p *Policy) Source() string { return p.source }

// Groups returns the policy's groups, in order, as copies.
func (p *Policy) Groups() []Group {
	out := make([]Group, len(p.groups))
	for i, g := range p.groups {
		out[i] = g.copy()
	}
	return out
}

// copy returns the group's public part, deep-copied.
func (g *group) copy() Group {
	c := g.Group
	c.Members = slices.Clone(c.Members)
	c.Actions = slices.Clone(c.Actions)
	c.Reach.Connections = slices.Clone(c.Reach.Connections)
	c.Create.Connections = slices.Clone(c.Create.Connections)
	c.Create.AppMetadata = deepCopy(c.Create.AppMetadata)
	c.AssignableRoles = slices.Clone(c.AssignableRoles)
	c.ProtectedRoles = slices.Clone(c.ProtectedRoles)
	return c
}

// StaffRoles returns every member value of every group, sorted: the tenant roles that hold dashboard
// access. A user holding any of them (matched case-insensitively) is staff, protected by default.
func (p *Policy) StaffRoles() []string { return slices.Clone(p.staff) }

// Warnings returns the doubtful things Load noticed but accepted, as "source:line: warning: …".
func (p *Policy) Warnings() []string {
	out := make([]string, len(p.warnings))
	for i, w := range p.warnings {
		out[i] = w.String()
	}
	return out
}

// ReachWords says in words which users group g reaches ("every user" for the whole tenant).
func (p *Policy) ReachWords(groupName string) string {
	for _, g := range p.groups {
		if g.Name == groupName {
			return g.words
		}
	}
	return ""
}

// RoleMapping is today's role settings (USERDESK_ADMIN_ROLES, USERDESK_HELPDESK_ROLES,
// USERDESK_VIEWER_ROLES): the claim values of each built-in group.
type RoleMapping struct {
	Admin, Helpdesk, Viewer []string
}

// Builtin returns the policy used without a policy file. It reproduces the dashboard's three fixed
// roles: the group "viewer" may view (with raw JSON and logs), "helpdesk" may also block, unlock,
// send e-mails, reset MFA and end sessions, except on holders of protectedRoles, and "admin" may do
// everything, assigning only assignableRoles (every role when empty). All three reach the whole
// tenant. Members come from m. As in every policy, staff are protected by default: only admin has
// manage_staff, so the helpdesk cannot change another staff account.
func Builtin(m RoleMapping, protectedRoles, assignableRoles []string) *Policy {
	viewer := []Action{ActionView, ActionViewRaw, ActionViewLogs}
	helpdesk := append(slices.Clone(viewer), ActionBlock, ActionUnlock, ActionSendEmails, ActionResetMFA, ActionEndSessions)
	var assignable []string
	if len(assignableRoles) > 0 {
		assignable = slices.Clone(assignableRoles)
	}
	specs := []Group{
		{Name: "viewer", Members: slices.Clone(m.Viewer), Actions: viewer},
		{Name: "helpdesk", Members: slices.Clone(m.Helpdesk), Actions: helpdesk, ProtectedRoles: slices.Clone(protectedRoles)},
		{Name: "admin", Members: slices.Clone(m.Admin), Actions: Actions(), AssignableRoles: assignable},
	}
	p := &Policy{source: "built-in"}
	for _, s := range specs {
		g, _ := compileGroup(s) // the built-in groups reach the whole tenant: no query to get wrong
		p.groups = append(p.groups, g)
	}
	p.staff = staffRoles(p.groups)
	return p
}

// staffRoles collects every member value.
func staffRoles(groups []*group) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g.Members...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// compileGroup compiles a group's reach. When the users query does not parse, it returns the group
// compiled without it (for the remaining checks of Load) and the *lucene.SyntaxError.
func compileGroup(s Group) (*group, error) {
	g := &group{Group: s}
	for _, a := range s.Actions {
		g.actions |= a.bit()
	}
	var parts []*lucene.Query
	var words []string
	var firstErr error
	if len(s.Reach.Connections) > 0 {
		var conns []*lucene.Query
		for _, c := range s.Reach.Connections {
			// identities.connection is a text field: any string is a valid value.
			q, err := lucene.Term(connectionField, c)
			if err != nil {
				return nil, fmt.Errorf("connection %q: %w", c, err)
			}
			conns = append(conns, q)
		}
		parts = append(parts, lucene.Or(conns...))
		if len(s.Reach.Connections) == 1 {
			words = append(words, "of connection "+s.Reach.Connections[0])
		} else {
			words = append(words, "of connections "+joinWords(s.Reach.Connections, "or"))
		}
	}
	if strings.TrimSpace(s.Reach.Users) != "" {
		q, err := lucene.Parse(s.Reach.Users)
		switch {
		case err != nil:
			firstErr = err
		case !q.IsMatchAll():
			parts = append(parts, q)
			words = append(words, "where "+q.Words())
		}
	}
	g.fields = []string{"user_id"}
	if len(parts) == 0 {
		g.words = "every user"
	} else {
		g.reach = lucene.And(parts...)
		g.words = "users " + strings.Join(words, " ")
		g.fields = append(g.fields, g.reach.DocumentFields()...)
		slices.Sort(g.fields)
		g.fields = slices.Compact(g.fields)
	}
	g.createConns = s.Create.Connections
	if g.createConns == nil {
		g.createConns = s.Reach.Connections
	}
	g.allowed = "group " + s.Name + " allows it on " + g.words
	return g, firstErr
}

// joinWords joins names as "a, b or c".
func joinWords(names []string, conj string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

// deepCopy copies a JSON-like map (maps, slices and scalars).
func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopyValue(v)
	}
	return out
}

func deepCopyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopy(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopyValue(e)
		}
		return out
	}
	return v
}

// jsonValue converts a decoded YAML value to what encoding/json would decode from its JSON form
// (float64 numbers, map[string]any, []any), so that stamps compare and match as Auth0's answers do.
func jsonValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// sortedKeys returns m's keys, sorted.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
