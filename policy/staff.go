package policy

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"userdesk/auth0api/lucene"
)

// ErrNoReach is SearchQuery's error when none of the person's groups allows the action: they may
// search nobody.
var ErrNoReach = errors.New("policy: no group of this person allows the action, so it reaches no user")

// ErrQueryTooComplex is SearchQuery's error when the person's query, once confined to their reach,
// would be longer or more deeply nested than a search query may be (lucene.MaxLength, MaxDepth).
var ErrQueryTooComplex = errors.New("policy: the query is too long or too deeply nested once confined to the person's reach")

// Staff is a signed-in person as the policy sees them: the groups their role claim puts them in.
// The zero value is in no group: it may do nothing.
type Staff struct {
	p      *Policy
	groups []*group
}

// Staff returns the person whose role claim holds claimValues: every group with a member value among
// them (compared exactly, as the claim is). None means no dashboard access.
func (p *Policy) Staff(claimValues []string) Staff {
	s := Staff{p: p}
	for _, g := range p.groups {
		for _, m := range g.Members {
			if slices.Contains(claimValues, m) {
				s.groups = append(s.groups, g)
				break
			}
		}
	}
	return s
}

// Groups returns the names of the person's groups, in the policy's order.
func (s Staff) Groups() []string {
	out := make([]string, len(s.groups))
	for i, g := range s.groups {
		out[i] = g.Name
	}
	return out
}

// Any reports whether the person is in some group: whether they have dashboard access at all.
func (s Staff) Any() bool { return len(s.groups) > 0 }

// May reports whether some group of the person allows a, whoever the target: for showing or hiding
// controls and for the route gate. Decide has the last word on a target.
func (s Staff) May(a Action) bool {
	for _, g := range s.groups {
		if g.actions.has(a) {
			return true
		}
	}
	return false
}

// Target is the user an action is about, as the gate read it.
type Target struct {
	// User is the user's JSON object as Auth0 returns it (decoded into map[string]any), with at least
	// the fields TargetFields names. nil means not read: no restricted reach reaches it.
	User map[string]any
	// Roles are the user's tenant roles, by name (ids are accepted too). nil means not read: when
	// NeedsRoles says a rule needs them, Decide refuses (ReasonRolesUnread). A gate that could not
	// read every role (more than a page) must pass nil, not a partial list.
	Roles []string
	// Self is set when the target is the signed-in person's own account.
	Self bool
}

// Reason says why Decide refused (or ReasonNone when it allowed).
type Reason string

// The reasons, from the least to the most specific: when several groups refuse for different
// reasons, Decision carries the most specific one (the group that came closest to allowing).
const (
	// ReasonNone: allowed.
	ReasonNone Reason = ""
	// ReasonAction: none of the person's groups allows the action.
	ReasonAction Reason = "action"
	// ReasonSelf: a change action on the person's own account.
	ReasonSelf Reason = "self"
	// ReasonReach: no group that allows the action reaches the user. The gate answers 404, not 403,
	// so as not to confirm that the user exists.
	ReasonReach Reason = "reach"
	// ReasonRolesUnread: a rule needs the user's roles (protected roles, staff protection) and they
	// were not read.
	ReasonRolesUnread Reason = "rolesUnread"
	// ReasonProtected: the user holds a protected role of every group that would allow it.
	ReasonProtected Reason = "protected"
	// ReasonStaff: the user holds dashboard access and the group that would allow it lacks
	// manage_staff.
	ReasonStaff Reason = "staff"
)

// rank orders reasons by how far a group got before refusing.
func (r Reason) rank() int {
	switch r {
	case ReasonReach:
		return 1
	case ReasonRolesUnread, ReasonProtected, ReasonStaff:
		return 2
	}
	return 0
}

// Decision is Decide's answer.
type Decision struct {
	// Allowed reports whether the action may go ahead.
	Allowed bool
	// Group names the group that allowed it, or the one whose rule refused it last.
	Group string
	// Reason says why it was refused (ReasonNone when allowed).
	Reason Reason
	// Detail says it in words, for the audit trail and explanations (never shown to the target).
	Detail string
}

// Decide decides whether the person may do a to t: allowed when some group of theirs allows a,
// reaches t.User (its users query matched in memory, and any identity from one of its connections),
// and, for an action that changes the user (Action.Changes), t.Roles holds none of the group's
// protected roles and — when t.Roles holds dashboard access (a member value of any group) — the group
// also allows manage_staff. A change to one's own account is refused (ReasonSelf). When a rule needs
// the roles (NeedsRoles) and t.Roles is nil, that group refuses (ReasonRolesUnread): unread is never
// taken as "holds none".
func (s Staff) Decide(a Action, t Target) Decision {
	if !s.May(a) {
		if !a.Valid() {
			return Decision{Reason: ReasonAction, Detail: fmt.Sprintf("%q is not an action", string(a))}
		}
		return Decision{Reason: ReasonAction, Detail: s.noGroupDetail(a)}
	}
	change := a.Changes()
	if change && t.Self {
		return Decision{Reason: ReasonSelf, Detail: "staff cannot " + string(a) + " their own account here"}
	}
	var best Decision
	var bestGroup *group
	for _, g := range s.groups {
		if !g.actions.has(a) {
			continue
		}
		r := g.refuse(s.p, change, t)
		if r == ReasonNone {
			return Decision{Allowed: true, Group: g.Name, Detail: g.allowed}
		}
		if bestGroup == nil || r.rank() > best.Reason.rank() {
			best, bestGroup = Decision{Group: g.Name, Reason: r}, g
		}
	}
	best.Detail = s.refusalDetail(a, best.Reason, bestGroup, t)
	return best
}

// refuse applies g's rules to t, a being an action g allows; ReasonNone means g allows it.
func (g *group) refuse(p *Policy, change bool, t Target) Reason {
	if !g.reaches(t.User) {
		return ReasonReach
	}
	if !change {
		return ReasonNone
	}
	if g.needsRoles(p) && t.Roles == nil {
		return ReasonRolesUnread
	}
	if holdsAny(t.Roles, g.ProtectedRoles) != "" {
		return ReasonProtected
	}
	if !g.actions.has(ActionManageStaff) && holdsAny(t.Roles, p.staff) != "" {
		return ReasonStaff
	}
	return ReasonNone
}

// reaches matches a user document against g's reach.
func (g *group) reaches(user map[string]any) bool {
	if g.reach == nil {
		return true
	}
	if user == nil {
		return false
	}
	if _, ok := user["user_id"]; !ok {
		// Not a user as Auth0 returns one (or read without user_id): a read that missed fields could
		// make a negative condition pass, so it reaches nothing.
		return false
	}
	return g.reach.Match(user)
}

// needsRoles reports whether g's change rules read the target's roles.
func (g *group) needsRoles(p *Policy) bool {
	return len(g.ProtectedRoles) > 0 || (!g.actions.has(ActionManageStaff) && len(p.staff) > 0)
}

// holdsAny returns the first of roles that is in set (case-insensitively: a near miss protects
// rather than exposes), or "".
func holdsAny(roles, set []string) string {
	for _, r := range roles {
		for _, x := range set {
			if strings.EqualFold(r, x) {
				return r
			}
		}
	}
	return ""
}

// noGroupDetail explains ReasonAction.
func (s Staff) noGroupDetail(a Action) string {
	if len(s.groups) == 0 {
		return "the person is in no group"
	}
	return "none of the person's groups (" + strings.Join(s.Groups(), ", ") + ") allows " + string(a)
}

// refusalDetail explains a refusal by g.
func (s Staff) refusalDetail(a Action, r Reason, g *group, t Target) string {
	switch r {
	case ReasonReach:
		return "the user is outside the reach of every group that allows " + string(a) + ": " + s.ReachWords(a)
	case ReasonRolesUnread:
		return "the user's roles were not read, and group " + g.Name + "'s protected roles and staff protection need them"
	case ReasonProtected:
		return "the user holds protected role " + holdsAny(t.Roles, g.ProtectedRoles) + " of group " + g.Name
	case ReasonStaff:
		return "the user holds dashboard access (role " + holdsAny(t.Roles, s.p.staff) + ") and group " + g.Name + " lacks manage_staff"
	}
	return string(r)
}

// NeedsRoles reports whether Decide needs Target.Roles for a: some group of the person that allows a
// has protected roles, or lacks manage_staff (staff protection), and a changes users. A gate reads
// the roles only then: admins (manage_staff, no protected roles) cost no extra call.
func (s Staff) NeedsRoles(a Action) bool {
	if !a.Changes() {
		return false
	}
	for _, g := range s.groups {
		if g.actions.has(a) && g.needsRoles(s.p) {
			return true
		}
	}
	return false
}

// TargetFields lists the top-level user fields the reach match for a reads, user_id always
// included: a gate reading the target with GET /users/{id}?fields=…&include_fields=true asks for at
// least these (and whatever its page shows).
func (s Staff) TargetFields(a Action) []string {
	out := []string{"user_id"}
	for _, g := range s.groups {
		if g.actions.has(a) {
			out = append(out, g.fields...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// reachFor returns the OR of the reaches of the person's groups that allow a: nil with whole set
// when one of them reaches the whole tenant; ok is false when none allows a.
func (s Staff) reachFor(a Action) (reach *lucene.Query, whole, ok bool) {
	var qs []*lucene.Query
	for _, g := range s.groups {
		if !g.actions.has(a) {
			continue
		}
		ok = true
		if g.reach == nil {
			return nil, true, true
		}
		qs = append(qs, g.reach)
	}
	if !ok {
		return nil, false, false
	}
	return lucene.Or(qs...), false, true
}

// WholeTenant reports whether some group of the person that allows a reaches every user: a gate
// then needs no read of the user to decide the reach of a.
func (s Staff) WholeTenant(a Action) bool {
	_, whole, _ := s.reachFor(a)
	return whole
}

// ReachConnections says which connections hold every user the person reaches for a: all when some
// group of theirs that allows a names no connections in its reach (its users may be anywhere),
// else the union of those groups' reach connections, sorted. A user is reached through any of
// their identities, a linked one too, so the list bounds the users reached but a user whose
// primary identity is elsewhere can still be one of them. ok is false when no group allows a.
// An export job (which Auth0 runs per connection or for the whole tenant) uses it to ask for no
// more than the reach can hold; the rows are still matched with Reaches.
func (s Staff) ReachConnections(a Action) (all bool, names []string, ok bool) {
	for _, g := range s.groups {
		if !g.actions.has(a) {
			continue
		}
		ok = true
		if len(g.Reach.Connections) == 0 {
			return true, nil, true
		}
		names = append(names, g.Reach.Connections...)
	}
	slices.Sort(names)
	return false, slices.Compact(names), ok
}

// Reaches reports whether some group of the person that allows a reaches user: Decide's reach rule
// alone, for filtering search results (see SearchQuery).
func (s Staff) Reaches(a Action, user map[string]any) bool {
	for _, g := range s.groups {
		if g.actions.has(a) && g.reaches(user) {
			return true
		}
	}
	return false
}

// ReachUnchanged reports whether each of the person's groups reaches after (a user as an edit would
// leave it) exactly when it reaches before (the user as read): an edit that fails this would move the
// user into or out of one of their reaches — into another of their groups' reach is an escalation.
func (s Staff) ReachUnchanged(before, after map[string]any) bool {
	for _, g := range s.groups {
		if g.reaches(before) != g.reaches(after) {
			return false
		}
	}
	return true
}

// SearchQuery confines the person's search to their reach for a (normally view). userQuery (Lucene,
// Auth0's search syntax; "" for every user) is parsed, and the query returned is the AND of it and of
// the OR of the reaches of the person's groups that allow a, written by lucene's Unambiguous, so no
// input can reach out of its parentheses and Auth0 reads it as the in-memory matcher does. A syntax
// error in userQuery is returned as is (a *lucene.SyntaxError). A whole-tenant reach adds nothing (the
// query is userQuery rewritten; "" stays ""). No group allowing a gives ErrNoReach; a result too long
// or deep for a search gives ErrQueryTooComplex.
//
// The search handler should still drop, with Reaches, any result the matcher does not put within
// reach (asking Auth0 for the fields TargetFields names): where Auth0's matching differs from the
// matcher's (see the package documentation), the person then sees only users both agree on.
func (s Staff) SearchQuery(a Action, userQuery string) (string, error) {
	reach, whole, ok := s.reachFor(a)
	if !ok {
		return "", ErrNoReach
	}
	var uq *lucene.Query
	if strings.TrimSpace(userQuery) != "" {
		q, err := lucene.Parse(userQuery)
		if err != nil {
			return "", err
		}
		uq = q
	}
	if whole {
		if uq == nil {
			return "", nil
		}
		reach = nil
	}
	out, depth := lucene.And(uq, reach).UnambiguousDepth()
	if len(out) > lucene.MaxLength || depth > lucene.MaxDepth {
		return "", ErrQueryTooComplex
	}
	if out == "*:*" && whole {
		return "", nil
	}
	return out, nil
}

// ReachWords says in words which users the person reaches for a: "users of connection acme-saml
// where app_metadata.partner is acme, or users where app_metadata.region is emea", "every user", or
// "no user" when no group allows a.
func (s Staff) ReachWords(a Action) string {
	var parts []string
	for _, g := range s.groups {
		if !g.actions.has(a) {
			continue
		}
		if g.reach == nil {
			return "every user"
		}
		if !slices.Contains(parts, g.words) {
			parts = append(parts, g.words)
		}
	}
	if len(parts) == 0 {
		return "no user"
	}
	return strings.Join(parts, ", or ")
}

// createGroup returns the first of the person's groups that may create users in connection.
func (s Staff) createGroup(connection string) *group {
	for _, g := range s.groups {
		if g.actions.has(ActionCreate) && (g.createConns == nil || slices.Contains(g.createConns, connection)) {
			return g
		}
	}
	return nil
}

// CreateRule reports whether the person may create users in connection and, if so, the app_metadata
// to stamp on them (a copy; nil for none), whatever the form sends. When several of their groups may
// create there, the first in the policy's order decides. The handler must also pass the user it is
// about to create to DecideCreate, which checks it against the reach.
func (s Staff) CreateRule(connection string) (stamp map[string]any, ok bool) {
	g := s.createGroup(connection)
	if g == nil {
		return nil, false
	}
	return deepCopy(g.Create.AppMetadata), true
}

// CreateConnections returns the connections the person may create users in: all when one of their
// groups may create anywhere (the handler then offers every database and passwordless connection),
// else names, sorted.
func (s Staff) CreateConnections() (all bool, names []string) {
	for _, g := range s.groups {
		if !g.actions.has(ActionCreate) {
			continue
		}
		if g.createConns == nil {
			return true, nil
		}
		names = append(names, g.createConns...)
	}
	slices.Sort(names)
	return false, slices.Compact(names)
}

// DecideCreate decides whether the person may create user (the body about to be sent to POST
// /users, stamp included) in connection: the group CreateRule chose must have its stamp in
// user["app_metadata"], and the user, with an identity from connection, must be within its reach.
// It refuses with ReasonAction when no group may create in connection, ReasonReach otherwise.
func (s Staff) DecideCreate(connection string, user map[string]any) Decision {
	g := s.createGroup(connection)
	if g == nil {
		if !s.May(ActionCreate) {
			return Decision{Reason: ReasonAction, Detail: s.noGroupDetail(ActionCreate)}
		}
		return Decision{Reason: ReasonAction, Detail: "no group of the person may create users in connection " + connection}
	}
	am, _ := user["app_metadata"].(map[string]any)
	for k, v := range g.Create.AppMetadata {
		got, ok := am[k]
		if !ok || !jsonEqual(got, v) {
			return Decision{Group: g.Name, Reason: ReasonReach, Detail: "the new user lacks app_metadata." + k + " as group " + g.Name + " stamps it"}
		}
	}
	doc := make(map[string]any, len(user)+2)
	for k, v := range user {
		doc[k] = v
	}
	doc["identities"] = []any{map[string]any{"connection": connection}}
	if _, ok := doc["user_id"]; !ok {
		doc["user_id"] = "" // not assigned yet; the reach never depends on it
	}
	if !g.reaches(doc) {
		return Decision{Group: g.Name, Reason: ReasonReach, Detail: "the new user would be outside the reach of group " + g.Name + ": " + g.words}
	}
	return Decision{Allowed: true, Group: g.Name, Detail: "group " + g.Name + " may create users in " + connection + " within its reach"}
}

// jsonEqual compares two JSON-like values, numbers by value whatever their Go type.
func jsonEqual(a, b any) bool {
	ja, errA := jsonValue(a)
	jb, errB := jsonValue(b)
	return errA == nil && errB == nil && reflect.DeepEqual(ja, jb)
}

// AssignableRoles returns the tenant roles the person may assign to t: the union over their groups
// that allow assign_roles and would be allowed it on t by Decide. all means every role, except that
// roles granting dashboard access (StaffRoles) also need a group with manage_staff: check each role
// with MayAssignRole.
func (s Staff) AssignableRoles(t Target) (all bool, names []string) {
	if t.Self {
		return false, nil
	}
	for _, g := range s.groups {
		if !g.actions.has(ActionAssignRoles) || g.refuse(s.p, true, t) != ReasonNone {
			continue
		}
		if g.AssignableRoles == nil {
			all = true
			continue
		}
		names = append(names, g.AssignableRoles...)
	}
	if all {
		return true, nil
	}
	slices.Sort(names)
	return false, slices.Compact(names)
}

// AssignableAnywhere returns the tenant roles the person may assign to some user of their reach,
// before the users are known (a bulk job's role picker; each user is then checked with
// MayAssignRole): the union over their groups that allow assign_roles. all means every role,
// except that roles granting dashboard access also need manage_staff: check each role with
// MayAssignRoleSomewhere.
func (s Staff) AssignableAnywhere() (all bool, names []string) {
	for _, g := range s.groups {
		if !g.actions.has(ActionAssignRoles) {
			continue
		}
		if g.AssignableRoles == nil {
			return true, nil
		}
		names = append(names, g.AssignableRoles...)
	}
	slices.Sort(names)
	return false, slices.Compact(names)
}

// MayAssignRoleSomewhere reports whether some group of the person may assign the tenant role
// named role to some user of its reach: a group that allows assign_roles and lists role among its
// assignable roles (or lists none), and, when role grants dashboard access, allows manage_staff.
func (s Staff) MayAssignRoleSomewhere(role string) bool {
	staffRole := holdsAny([]string{role}, s.p.staff) != ""
	for _, g := range s.groups {
		if !g.actions.has(ActionAssignRoles) || (staffRole && !g.actions.has(ActionManageStaff)) {
			continue
		}
		if g.AssignableRoles == nil || slices.Contains(g.AssignableRoles, role) {
			return true
		}
	}
	return false
}

// MayAssignRole reports whether the person may assign the tenant role named role to t: some group
// that allows assign_roles and is allowed it on t lists role among its assignable roles (or has
// none listed), and, when role grants dashboard access, also allows manage_staff.
func (s Staff) MayAssignRole(t Target, role string) bool {
	if t.Self {
		return false
	}
	staffRole := holdsAny([]string{role}, s.p.staff) != ""
	for _, g := range s.groups {
		if !g.actions.has(ActionAssignRoles) || g.refuse(s.p, true, t) != ReasonNone {
			continue
		}
		if staffRole && !g.actions.has(ActionManageStaff) {
			continue
		}
		if g.AssignableRoles == nil || slices.Contains(g.AssignableRoles, role) {
			return true
		}
	}
	return false
}
