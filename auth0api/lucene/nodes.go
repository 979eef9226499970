package lucene

import (
	"strings"
	"time"
)

// node is one element of a parsed query.
type node interface {
	match(doc map[string]any) bool
	render(b *strings.Builder, lv level)
	fields(add func(string))
}

// level is the syntactic position a node is rendered at; it decides whether it needs parentheses.
type level int

const (
	lvTop     level = iota // the whole query
	lvOrItem               // an unprefixed operand of OR
	lvAndItem              // an operand of AND
	lvUnary                // after NOT
	lvPrimary              // after + or -
)

// matchAll matches every document: *, *:*.
type matchAll struct{}

func (matchAll) match(map[string]any) bool          { return true }
func (matchAll) render(b *strings.Builder, _ level) { b.WriteString("*:*") }
func (matchAll) fields(func(string))                {}

// notNode is logical negation.
type notNode struct{ kid node }

func (n *notNode) match(doc map[string]any) bool { return !n.kid.match(doc) }

func (n *notNode) render(b *strings.Builder, lv level) {
	if lv == lvPrimary {
		b.WriteByte('(')
	}
	b.WriteString("NOT ")
	n.kid.render(b, lvUnary)
	if lv == lvPrimary {
		b.WriteByte(')')
	}
}

func (n *notNode) fields(add func(string)) { n.kid.fields(add) }

// andNode matches when every kid matches.
type andNode struct{ kids []node }

func (n *andNode) match(doc map[string]any) bool {
	for _, k := range n.kids {
		if !k.match(doc) {
			return false
		}
	}
	return true
}

func (n *andNode) render(b *strings.Builder, lv level) {
	paren := lv >= lvAndItem
	if paren {
		b.WriteByte('(')
	}
	for i, k := range n.kids {
		if i > 0 {
			b.WriteString(" AND ")
		}
		k.render(b, lvAndItem)
	}
	if paren {
		b.WriteByte(')')
	}
}

func (n *andNode) fields(add func(string)) {
	for _, k := range n.kids {
		k.fields(add)
	}
}

// occur is how a clause of an OR list counts, as in a Lucene BooleanQuery.
type occur int

const (
	should  occur = iota // plain operand
	must                 // +operand
	mustNot              // -operand
)

// clause is one operand of an OR list.
type clause struct {
	occ occur
	n   node
}

// orNode is a list of clauses joined by OR (explicitly or implicitly). Required clauses must all match,
// prohibited ones must not; if there is no required clause, at least one plain clause must match, unless
// there is none (a purely negative list matches everything the prohibited clauses do not).
type orNode struct {
	clauses []clause
	musts   []node
	nots    []node
	shoulds []node
}

func newOr(cs []clause) *orNode {
	n := &orNode{clauses: cs}
	for _, c := range cs {
		switch c.occ {
		case must:
			n.musts = append(n.musts, c.n)
		case mustNot:
			n.nots = append(n.nots, c.n)
		default:
			n.shoulds = append(n.shoulds, c.n)
		}
	}
	return n
}

func (n *orNode) match(doc map[string]any) bool {
	for _, k := range n.musts {
		if !k.match(doc) {
			return false
		}
	}
	for _, k := range n.nots {
		if k.match(doc) {
			return false
		}
	}
	if len(n.musts) > 0 || len(n.shoulds) == 0 {
		return true
	}
	for _, k := range n.shoulds {
		if k.match(doc) {
			return true
		}
	}
	return false
}

func (n *orNode) render(b *strings.Builder, lv level) {
	paren := lv >= lvOrItem
	if paren {
		b.WriteByte('(')
	}
	for i, c := range n.clauses {
		if i > 0 {
			b.WriteString(" OR ")
		}
		switch c.occ {
		case must:
			b.WriteByte('+')
			c.n.render(b, lvPrimary)
		case mustNot:
			b.WriteByte('-')
			c.n.render(b, lvPrimary)
		default:
			c.n.render(b, lvOrItem)
		}
	}
	if paren {
		b.WriteByte(')')
	}
}

func (n *orNode) fields(add func(string)) {
	for _, c := range n.clauses {
		c.n.fields(add)
	}
}

// termNode is a field:value term (or a bare term over the default fields): an exact whole-value match,
// or a wildcard pattern.
type termNode struct {
	field  *field // nil for a bare term
	text   string // the value, escapes removed
	pat    []pelem
	search []termVisitor // one per field searched

	lower    string  // text lower-cased, for case-insensitive fields
	patLower []pelem // pat lower-cased
	num      float64 // text as a number, when numOK
	numOK    bool
	boolean  bool // text as a boolean, when boolOK
	boolOK   bool
	from, to time.Time // text as a date period, when dateOK
	dateOK   bool
}

// termVisitor matches a term against the values of one field.
type termVisitor struct {
	t *termNode
	f *field
}

func (t *termNode) match(doc map[string]any) bool {
	for i := range t.search {
		if visitField(doc, t.search[i].f, &t.search[i]) {
			return true
		}
	}
	return false
}

func (v *termVisitor) leafString(s string) bool {
	t := v.t
	switch v.f.kind {
	case kindFolded, kindEmailDomain:
		if t.pat != nil {
			return globMatch(t.patLower, s, true)
		}
		return equalLower(s, t.lower)
	case kindDate:
		tm, ok := docTime(s)
		return ok && t.dateOK && !tm.Before(t.from) && tm.Before(t.to)
	case kindBool:
		b, ok := parseBool(s) // email_verified sometimes arrives as "true"
		return ok && t.boolOK && b == t.boolean
	case kindNumber:
		return false
	}
	if t.pat != nil {
		return globMatch(t.pat, s, false)
	}
	return s == t.text
}

func (v *termVisitor) leaf(x any) bool {
	t := v.t
	if t.pat != nil {
		return false
	}
	switch y := x.(type) {
	case bool:
		return t.boolOK && y == t.boolean
	case time.Time:
		return t.dateOK && !y.Before(t.from) && y.Before(t.to)
	}
	if f, ok := number(x); ok {
		return t.numOK && f == t.num
	}
	return false
}

func (t *termNode) render(b *strings.Builder, _ level) {
	if t.field != nil {
		renderField(b, t.field.name)
		b.WriteByte(':')
	}
	if t.pat != nil {
		renderPattern(b, t.pat)
		return
	}
	renderValue(b, t.text)
}

func (t *termNode) fields(add func(string)) {
	if t.field != nil {
		add(t.field.name)
	}
}

// existsNode is _exists_:field (or field:*): the field has an indexed value.
type existsNode struct{ f *field }

func (n *existsNode) match(doc map[string]any) bool {
	return visitField(doc, n.f, existsVisitor{})
}

// existsVisitor accepts any indexed value.
type existsVisitor struct{}

func (existsVisitor) leafString(string) bool { return true }
func (existsVisitor) leaf(v any) bool        { return indexed(v) }

func (n *existsNode) render(b *strings.Builder, _ level) {
	b.WriteString(existsField)
	b.WriteByte(':')
	renderField(b, n.f.name)
}

func (n *existsNode) fields(add func(string)) { add(n.f.name) }

// bound is one end of a range.
type bound struct {
	text      string
	open      bool // *
	inclusive bool
	lower     string  // text lower-cased
	num       float64 // text as a number, when numOK
	numOK     bool
	at        time.Time // for dates: the lower bound is at <= t, the upper bound t < at
}

// rangeNode is field:[a TO b] and its exclusive and mixed forms.
type rangeNode struct {
	f      *field
	lo, hi bound
}

func (n *rangeNode) match(doc map[string]any) bool { return visitField(doc, n.f, n) }

func (n *rangeNode) leafString(s string) bool {
	switch n.f.kind {
	case kindDate:
		t, ok := docTime(s)
		return ok && n.inTime(t)
	case kindNumber, kindBool:
		return false
	case kindFolded, kindEmailDomain:
		return n.inString(s, compareLowerBound)
	}
	return n.inString(s, compareBound)
}

func compareBound(s string, b *bound) int      { return strings.Compare(s, b.text) }
func compareLowerBound(s string, b *bound) int { return compareLower(s, b.lower) }

func (n *rangeNode) inString(s string, cmp func(string, *bound) int) bool {
	if !n.lo.open {
		c := cmp(s, &n.lo)
		if c < 0 || (c == 0 && !n.lo.inclusive) {
			return false
		}
	}
	if !n.hi.open {
		c := cmp(s, &n.hi)
		if c > 0 || (c == 0 && !n.hi.inclusive) {
			return false
		}
	}
	return true
}

func (n *rangeNode) inTime(t time.Time) bool {
	return (n.lo.open || !t.Before(n.lo.at)) && (n.hi.open || t.Before(n.hi.at))
}

func (n *rangeNode) leaf(x any) bool {
	if t, ok := x.(time.Time); ok {
		return n.f.kind == kindDate && n.inTime(t)
	}
	f, ok := number(x)
	if !ok || n.f.kind == kindDate {
		return false
	}
	if !n.lo.open {
		if !n.lo.numOK || f < n.lo.num || (f == n.lo.num && !n.lo.inclusive) {
			return false
		}
	}
	if !n.hi.open {
		if !n.hi.numOK || f > n.hi.num || (f == n.hi.num && !n.hi.inclusive) {
			return false
		}
	}
	return true
}

func (n *rangeNode) render(b *strings.Builder, _ level) {
	renderField(b, n.f.name)
	b.WriteByte(':')
	if n.lo.inclusive {
		b.WriteByte('[')
	} else {
		b.WriteByte('{')
	}
	renderBound(b, n.lo)
	b.WriteString(" TO ")
	renderBound(b, n.hi)
	if n.hi.inclusive {
		b.WriteByte(']')
	} else {
		b.WriteByte('}')
	}
}

func (n *rangeNode) fields(add func(string)) { add(n.f.name) }
