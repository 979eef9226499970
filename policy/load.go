package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"userdesk/auth0api/lucene"
)

// MaxFileSize is the largest policy accepted, in bytes.
const MaxFileSize = 1 << 20

// Limits on names in a policy file.
const (
	maxNameLen  = 64  // group names
	maxValueLen = 255 // member values, role names, connection names (Auth0's limits are lower)
)

// Problem is one thing wrong, or doubtful (Warning), in a policy file.
type Problem struct {
	Source  string
	Line    int // 1-based; 0 when the problem has no place
	Message string
	Warning bool
}

// String renders the problem as "source:line: message", or "source:line: warning: message".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Source)
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is the error Load returns: every problem found in the file, errors and warnings, in the
// order of their lines.
type Problems struct {
	List []Problem
}

// Error lists the problems one per line, "source:line: message".
func (e *Problems) Error() string {
	lines := make([]string, len(e.List))
	for i, p := range e.List {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Errors returns the problems that are not warnings.
func (e *Problems) Errors() []Problem {
	var out []Problem
	for _, p := range e.List {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Load reads a policy file (YAML) and validates it. source names it in problems (the file name).
// On any problem that is not a warning it returns a nil policy and a *Problems holding every problem
// found, each with its line; warnings alone do not fail (Policy.Warnings returns them).
func Load(data []byte, source string) (*Policy, error) {
	l := &loader{source: source}
	specs := l.parse(data)
	p := l.compile(specs)
	slices.SortStableFunc(l.problems, func(a, b Problem) int { return a.Line - b.Line })
	for _, pr := range l.problems {
		if !pr.Warning {
			return nil, &Problems{List: l.problems}
		}
	}
	p.source = source
	p.warnings = l.problems
	return p, nil
}

// loader accumulates problems while reading a file.
type loader struct {
	source   string
	problems []Problem
}

func (l *loader) errorf(line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{Source: l.source, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) warnf(line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{Source: l.source, Line: line, Message: fmt.Sprintf(format, args...), Warning: true})
}

// spec is a group as read, with the lines of its parts for later checks.
type spec struct {
	Group
	lines     map[string]int // "name", "members", "actions", "reach", "reach.users", "create", …
	usersNode *yaml.Node
	hasCreate bool
}

// yamlLine matches the line yaml.v3 puts in its syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads the YAML into specs, reporting every structural problem.
func (l *loader) parse(data []byte) []*spec {
	if len(data) > MaxFileSize {
		l.errorf(0, "the policy is %d bytes; at most %d", len(data), MaxFileSize)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			l.errorf(0, "the policy is empty: it needs a list of groups")
			return nil
		}
		l.yamlError(err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.errorf(extra.Line, "a second YAML document: a policy is one document")
	} else if !errors.Is(err, io.EOF) {
		l.yamlError(err)
	}
	root := deref(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = deref(root.Content[0])
	}
	keys, _ := l.mapping(root, "the policy", []string{"groups"})
	if keys == nil {
		return nil
	}
	gn, ok := keys["groups"]
	if !ok {
		l.errorf(root.Line, "the policy has no groups: add a list of groups")
		return nil
	}
	gn = deref(gn)
	if gn.Kind != yaml.SequenceNode {
		l.errorf(gn.Line, "groups must be a list of groups, not %s", kindWords(gn))
		return nil
	}
	if len(gn.Content) == 0 {
		l.errorf(gn.Line, "groups is empty: a policy needs at least one group")
	}
	var specs []*spec
	for i, n := range gn.Content {
		if s := l.group(deref(n), i+1); s != nil {
			specs = append(specs, s)
		}
	}
	return specs
}

// yamlError reports a YAML syntax or type error with its line.
func (l *loader) yamlError(err error) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, e := range te.Errors {
			l.yamlMessage(e)
		}
		return
	}
	l.yamlMessage(err.Error())
}

func (l *loader) yamlMessage(msg string) {
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		l.errorf(line, "not valid YAML: %s", m[2])
		return
	}
	l.errorf(0, "not valid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// deref follows aliases.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// kindWords names a node's kind for messages.
func kindWords(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "this"
}

// mapping checks that n is a mapping with only allowed keys, each once, and returns its values and
// the lines of its keys, by key. Unknown and repeated keys are reported (with a suggestion when a
// known key is close).
func (l *loader) mapping(n *yaml.Node, what string, allowed []string) (map[string]*yaml.Node, map[string]int) {
	if n.Kind != yaml.MappingNode {
		l.errorf(n.Line, "%s must be a mapping of keys (%s), not %s", what, strings.Join(allowed, ", "), kindWords(n))
		return nil, nil
	}
	out := map[string]*yaml.Node{}
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.errorf(k.Line, "%s: a key must be a name", what)
			continue
		}
		if k.Value == "<<" {
			l.errorf(k.Line, "%s: merge keys (<<) are not supported: write the keys out", what)
			continue
		}
		if !slices.Contains(allowed, k.Value) {
			l.errorf(k.Line, "%s: unknown key %q%s (known keys: %s)", what, k.Value, suggest(k.Value, allowed), strings.Join(allowed, ", "))
			continue
		}
		if prev, dup := lines[k.Value]; dup {
			l.errorf(k.Line, "%s: key %q is repeated (first at line %d)", what, k.Value, prev)
			continue
		}
		lines[k.Value] = k.Line
		out[k.Value] = v
	}
	return out, lines
}

// suggest returns ` (did you mean "x"?)` when one of known is within two edits of s.
func suggest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(s), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// scalar returns n's value when it is a non-empty scalar.
func (l *loader) scalar(n *yaml.Node, what string) (string, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errorf(n.Line, "%s must be a single value, not %s", what, kindWords(n))
		return "", false
	}
	return n.Value, true
}

// name checks a name-like value: not blank, not too long, no control characters.
func (l *loader) name(line int, what, v string, maxLen int) bool {
	switch {
	case strings.TrimSpace(v) == "":
		l.errorf(line, "%s is empty", what)
		return false
	case v != strings.TrimSpace(v):
		l.errorf(line, "%s %q has spaces around it", what, v)
		return false
	case len(v) > maxLen:
		l.errorf(line, "%s is %d bytes long; at most %d", what, len(v), maxLen)
		return false
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		l.errorf(line, "%s %q holds a control character", what, v)
		return false
	}
	return true
}

// names reads a list of names; duplicates are reported. It returns nil (and false) when n is not a
// list; an empty list gives a non-nil empty slice.
func (l *loader) names(n *yaml.Node, what string) ([]string, bool) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		l.errorf(n.Line, "%s must be a list, not %s", what, kindWords(n))
		return nil, false
	}
	out := []string{}
	seen := map[string]int{}
	ok := true
	for _, e := range n.Content {
		v, good := l.scalar(e, what+" entry")
		if !good {
			ok = false
			continue
		}
		if !l.name(e.Line, what+" entry", v, maxValueLen) {
			ok = false
			continue
		}
		if prev, dup := seen[v]; dup {
			l.errorf(e.Line, "%s lists %q twice (first at line %d)", what, v, prev)
			ok = false
			continue
		}
		seen[v] = e.Line
		out = append(out, v)
	}
	return out, ok
}

// groupKeys are the keys a group may have.
var groupKeys = []string{"name", "members", "actions", "reach", "create", "assignable_roles", "protected_roles"}

// group reads the i-th group (1-based).
func (l *loader) group(n *yaml.Node, i int) *spec {
	what := fmt.Sprintf("group %d", i)
	keys, lines := l.mapping(n, what, groupKeys)
	if keys == nil {
		return nil
	}
	s := &spec{lines: lines}
	s.Line = n.Line
	if v, ok := keys["name"]; ok {
		if name, ok := l.scalar(v, what+": name"); ok && l.name(v.Line, what+": name", name, maxNameLen) {
			s.Name = name
			what = "group " + strconv.Quote(name)
		}
	} else {
		l.errorf(n.Line, "%s has no name", what)
	}
	if v, ok := keys["members"]; ok {
		var good bool
		s.Members, good = l.names(v, what+": members")
		if good && len(s.Members) == 0 {
			l.errorf(v.Line, "%s: members is empty: list the role-claim values (tenant role names) of the people in it", what)
		}
	} else {
		l.errorf(n.Line, "%s has no members: list the role-claim values (tenant role names) of the people in it", what)
	}
	if v, ok := keys["actions"]; ok {
		s.Actions = l.actions(v, what)
	} else {
		l.errorf(n.Line, "%s has no actions", what)
	}
	if v, ok := keys["reach"]; ok {
		l.reach(deref(v), what, s)
	}
	if v, ok := keys["create"]; ok {
		s.hasCreate = true
		l.create(deref(v), what, s)
	}
	if v, ok := keys["assignable_roles"]; ok {
		s.AssignableRoles, _ = l.names(v, what+": assignable_roles")
	}
	if v, ok := keys["protected_roles"]; ok {
		s.ProtectedRoles, _ = l.names(v, what+": protected_roles")
	}
	return s
}

// actions reads a group's actions.
func (l *loader) actions(n *yaml.Node, what string) []Action {
	names, ok := l.names(n, what+": actions")
	if names == nil {
		return nil
	}
	if ok && len(names) == 0 {
		l.errorf(n.Line, "%s: actions is empty", what)
	}
	known := make([]string, 0, len(Actions()))
	for _, a := range Actions() {
		known = append(known, string(a))
	}
	var out []Action
	for i, v := range names {
		a := Action(v)
		if !a.Valid() {
			line := n.Line
			if i < len(n.Content) {
				line = n.Content[i].Line
			}
			l.errorf(line, "%s: unknown action %q%s (actions: %s)", what, v, suggest(v, known), strings.Join(known, ", "))
			continue
		}
		out = append(out, a)
	}
	return out
}

// reach reads a group's reach.
func (l *loader) reach(n *yaml.Node, what string, s *spec) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "reach:" with nothing: the whole tenant
	}
	keys, lines := l.mapping(n, what+": reach", []string{"users", "connections"})
	if keys == nil {
		return
	}
	if v, ok := keys["users"]; ok {
		v = deref(v)
		s.lines["reach.users"] = lines["users"]
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			// users: with nothing is no condition.
		} else if q, ok := l.scalar(v, what+": reach.users"); ok {
			s.Reach.Users = q
			s.usersNode = v
		}
	}
	if v, ok := keys["connections"]; ok {
		s.lines["reach.connections"] = lines["connections"]
		conns, _ := l.names(v, what+": reach.connections")
		if len(conns) > 0 {
			s.Reach.Connections = conns
		}
	}
}

// create reads a group's create rule.
func (l *loader) create(n *yaml.Node, what string, s *spec) {
	keys, lines := l.mapping(n, what+": create", []string{"connections", "app_metadata"})
	if keys == nil {
		return
	}
	if v, ok := keys["connections"]; ok {
		s.lines["create.connections"] = lines["connections"]
		conns, _ := l.names(v, what+": create.connections")
		if conns != nil && len(conns) == 0 {
			l.errorf(deref(v).Line, "%s: create.connections is empty: the group could create no user (leave it out to allow the reach's connections)", what)
		} else if conns != nil {
			s.Create.Connections = conns
		}
	}
	if v, ok := keys["app_metadata"]; ok {
		v = deref(v)
		s.lines["create.app_metadata"] = lines["app_metadata"]
		if v.Kind != yaml.MappingNode {
			l.errorf(v.Line, "%s: create.app_metadata must be a mapping of keys and values, not %s", what, kindWords(v))
			return
		}
		var raw map[string]any
		if err := v.Decode(&raw); err != nil {
			l.errorf(v.Line, "%s: create.app_metadata: %v", what, err)
			return
		}
		conv, err := jsonValue(raw)
		if err != nil {
			l.errorf(v.Line, "%s: create.app_metadata cannot be JSON: %v", what, err)
			return
		}
		m, _ := conv.(map[string]any)
		if l.stampValues(lines["app_metadata"], what+": create.app_metadata", m) {
			s.Create.AppMetadata = m
		}
	}
}

// stampValues checks a stamp: keys without dots or '$' (Auth0 refuses them in metadata), no nulls
// (a null removes a key rather than setting it).
func (l *loader) stampValues(line int, what string, m map[string]any) bool {
	ok := true
	var check func(path string, v any)
	check = func(path string, v any) {
		switch x := v.(type) {
		case nil:
			l.errorf(line, "%s: %s is null: stamp a value", what, path)
			ok = false
		case map[string]any:
			for _, k := range sortedKeys(x) {
				if k == "" || strings.ContainsAny(k, ".$") {
					l.errorf(line, "%s: key %q: metadata keys cannot be empty or hold '.' or '$'", what, k)
					ok = false
					continue
				}
				check(path+"."+k, x[k])
			}
		case []any:
			for _, e := range x {
				check(path+"[]", e)
			}
		}
	}
	if len(m) == 0 {
		l.errorf(line, "%s is empty: leave it out to stamp nothing", what)
		return false
	}
	check("app_metadata", m)
	return ok
}

// compile checks each group's meaning and the policy as a whole, and builds the policy (even when
// there are problems, so that every check runs).
func (l *loader) compile(specs []*spec) *Policy {
	p := &Policy{}
	names := map[string]int{}
	members := map[string]bool{}
	for _, s := range specs {
		for _, m := range s.Members {
			members[strings.ToLower(m)] = true
		}
	}
	for _, s := range specs {
		what := "group " + strconv.Quote(s.Name)
		if s.Name == "" {
			what = fmt.Sprintf("the group at line %d", s.Line)
		} else if prev, dup := names[strings.ToLower(s.Name)]; dup {
			l.errorf(s.lines["name"], "duplicate group name %q (first at line %d)", s.Name, prev)
		} else {
			names[strings.ToLower(s.Name)] = s.lines["name"]
		}
		g, err := compileGroup(s.Group)
		if g == nil {
			l.errorf(s.lines["reach.connections"], "%s: reach.connections: %v", what, err)
			continue
		}
		if err != nil {
			l.queryError(s, what, err)
		}
		l.checkGroup(s, g, what, members)
		p.groups = append(p.groups, g)
	}
	p.staff = staffRoles(p.groups)
	return p
}

// queryError reports a reach query that does not parse, at its line and column.
func (l *loader) queryError(s *spec, what string, err error) {
	var se *lucene.SyntaxError
	if !errors.As(err, &se) {
		l.errorf(s.lines["reach.users"], "%s: reach.users: %v", what, err)
		return
	}
	line, col := s.lines["reach.users"], 0
	if n := s.usersNode; n != nil {
		line, col = queryPosition(n, se.Pos)
	}
	where := fmt.Sprintf("at position %d of the query", se.Pos+1)
	if col > 0 {
		where += fmt.Sprintf(", column %d", col)
	}
	l.errorf(line, "%s: reach.users is not a valid Auth0 search query: %s (%s)", what, se.Msg, where)
}

// queryPosition maps a byte offset in a scalar's value to a line and column of the file, exactly for
// plain and single-quoted one-line scalars and block scalars, approximately otherwise (escapes in
// double quotes, folded lines); the column is 0 when unknown.
func queryPosition(n *yaml.Node, pos int) (line, col int) {
	v := n.Value
	pos = min(pos, len(v))
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		before := v[:pos]
		nl := strings.Count(before, "\n")
		if n.Style == yaml.FoldedStyle {
			return n.Line + 1, 0
		}
		return n.Line + 1 + nl, 0
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if strings.Contains(v, "\n") {
			return n.Line, 0
		}
		return n.Line, n.Column + 1 + pos
	}
	if strings.Contains(v, "\n") {
		return n.Line, 0
	}
	return n.Line, n.Column + pos
}

// checkGroup runs the checks that need the compiled reach.
func (l *loader) checkGroup(s *spec, g *group, what string, members map[string]bool) {
	line := func(key string) int {
		if n := s.lines[key]; n > 0 {
			return n
		}
		return s.Line
	}
	// Dead or contradictory rules are errors: they show a misunderstanding.
	if s.hasCreate && !g.actions.has(ActionCreate) {
		l.errorf(line("create"), "%s: create is set but the group's actions lack create", what)
	}
	if s.AssignableRoles != nil && !g.actions.has(ActionAssignRoles) {
		l.errorf(line("assignable_roles"), "%s: assignable_roles is set but the group's actions lack assign_roles", what)
	}
	if s.AssignableRoles != nil && !g.actions.has(ActionManageStaff) {
		for _, r := range s.AssignableRoles {
			if members[strings.ToLower(r)] {
				l.errorf(line("assignable_roles"), "%s: assignable_roles lists %q, which grants dashboard access: only a group with manage_staff may assign it", what, r)
			}
		}
	}
	if len(s.ProtectedRoles) > 0 && !slices.ContainsFunc(s.Actions, Action.Changes) {
		l.warnf(line("protected_roles"), "%s: protected_roles has no effect: the group changes nobody", what)
	}
	if !g.actions.has(ActionView) {
		for _, a := range s.Actions {
			if a.Changes() || a == ActionViewRaw || a == ActionViewLogs {
				l.warnf(line("actions"), "%s: the group has %s but not view: its members need view from another group to open users", what, a)
				break
			}
		}
	}
	if q := s.Reach.Users; q != "" {
		if pq, err := lucene.Parse(q); err == nil {
			for _, f := range pq.Fields() {
				if f == "user_metadata" || strings.HasPrefix(f, "user_metadata.") {
					l.warnf(line("reach.users"), "%s: reach.users uses %s, which users can change themselves: they can move into or out of this reach", what, f)
					break
				}
			}
		}
	}
	if g.actions.has(ActionCreate) {
		l.checkCreate(s, g, what, line)
	}
}

// checkCreate checks that the users a group creates are inside its reach: the create connections
// must be among the reach's, and the stamped app_metadata must satisfy the reach's users query where
// that can be decided from the stamp and the connection alone.
func (l *loader) checkCreate(s *spec, g *group, what string, line func(string) int) {
	if rc := s.Reach.Connections; len(rc) > 0 && s.Create.Connections != nil {
		for _, c := range s.Create.Connections {
			if !slices.Contains(rc, c) {
				l.errorf(line("create.connections"), "%s: create.connections lists %q, which is not in reach.connections: the users it creates would be outside its reach", what, c)
			}
		}
	}
	users := strings.TrimSpace(s.Reach.Users)
	if users == "" {
		return
	}
	q, err := lucene.Parse(users)
	if err != nil || q.IsMatchAll() {
		return
	}
	stamp := s.Create.AppMetadata
	known := func(f string) bool {
		if f == connectionField {
			return len(g.createConns) > 0
		}
		rest, ok := strings.CutPrefix(f, "app_metadata.")
		if !ok {
			return false
		}
		key, _, _ := strings.Cut(rest, ".")
		_, stamped := stamp[key]
		return stamped
	}
	conns := g.createConns
	if len(conns) == 0 {
		conns = []string{""} // any connection: the connection stays unknown
	}
	for _, c := range conns {
		doc := map[string]any{}
		if stamp != nil {
			doc["app_metadata"] = stamp
		}
		if c != "" {
			doc["identities"] = []any{map[string]any{"connection": c}}
		}
		in := "the users it creates"
		if c != "" {
			in += " in " + c
		}
		match, certain := q.MatchKnown(doc, known)
		switch {
		case certain && !match:
			l.errorf(line("create"), "%s: %s would be outside its reach (%s): stamp app_metadata values that satisfy reach.users", what, in, users)
		case !certain:
			l.warnf(line("create"), "%s: whether %s are inside its reach depends on what is typed at creation (%s): the dashboard checks each new user against the reach before creating it", what, in, users)
		}
	}
}
