package lucene

import (
	"fmt"
	"strings"
	"unicode"
)

// limits bounds the work Parse does.
type limits struct {
	maxLen   int // bytes; < 0 means unlimited
	maxDepth int
}

// defaultLimits are the limits Parse applies.
func defaultLimits() limits { return limits{maxLen: MaxLength, maxDepth: MaxDepth} }

// parser is a recursive-descent parser over the lexer's tokens, with one token of look-ahead.
//
//	query   = [ or ] EOF
//	or      = and { [ OR ] and }                 (no operator means OR)
//	and     = unary { AND unary }
//	unary   = NOT unary | ( "+" | "-" ) primary | primary
//	primary = "(" or ")" | field ":" value | value
//	value   = "(" or ")" | range | term | phrase   (inside field:( ), terms take that field)
type parser struct {
	lx       lexer
	tok      token
	have     bool
	lim      limits
	defaults []*field
}

// parse parses q under lim.
func parse(q string, lim limits) (*Query, error) {
	if lim.maxLen >= 0 && len(q) > lim.maxLen {
		return nil, &SyntaxError{Pos: lim.maxLen, Msg: fmt.Sprintf("the query is longer than %d bytes", lim.maxLen)}
	}
	p := &parser{lx: lexer{src: q}, lim: lim, defaults: defaultFieldRefs()}
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	if t.kind == tEOF {
		return &Query{root: matchAll{}}, nil
	}
	n, err := p.parseOr(nil, 0)
	if err != nil {
		return nil, err
	}
	t, err = p.peek()
	if err != nil {
		return nil, err
	}
	if t.kind != tEOF {
		if t.kind == tRParen {
			return nil, &SyntaxError{Pos: t.pos, Msg: "unbalanced parentheses: this ')' has no matching '('"}
		}
		return nil, &SyntaxError{Pos: t.pos, Msg: "unexpected " + t.kind.String()}
	}
	return &Query{root: n}, nil
}

func (p *parser) peek() (token, error) {
	if !p.have {
		t, err := p.lx.next()
		if err != nil {
			return token{}, err
		}
		p.tok, p.have = t, true
	}
	return p.tok, nil
}

func (p *parser) take() token {
	p.have = false
	return p.tok
}

// deeper checks the nesting limit before descending at pos.
func (p *parser) deeper(depth, pos int) (int, error) {
	depth++
	if depth > p.lim.maxDepth {
		return 0, &SyntaxError{Pos: pos, Msg: fmt.Sprintf("the query is nested more than %d levels deep", p.lim.maxDepth)}
	}
	return depth, nil
}

// startsOperand reports whether a token of kind k can begin an operand of OR.
func startsOperand(k tokKind) bool {
	switch k {
	case tLParen, tNot, tPlus, tMinus, tTerm, tPhrase, tRangeOpen, tColon:
		return true
	}
	return false
}

// parseOr parses operands joined by OR or by nothing. dflt is the field of an enclosing field:( ) group.
func (p *parser) parseOr(dflt *token, depth int) (node, error) {
	var cs []clause
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if !startsOperand(t.kind) {
			return nil, p.missingOperand(t, cs)
		}
		occ, n, err := p.parseAnd(dflt, depth)
		if err != nil {
			return nil, err
		}
		if o, ok := n.(*orNode); ok && occ == should && len(o.musts) == 0 && len(o.nots) == 0 {
			cs = append(cs, o.clauses...)
		} else {
			cs = append(cs, clause{occ: occ, n: n})
		}
		t, err = p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind == tOr {
			p.take()
			continue
		}
		if !startsOperand(t.kind) {
			break
		}
	}
	if len(cs) == 1 {
		switch cs[0].occ {
		case mustNot:
			return &notNode{kid: cs[0].n}, nil
		default:
			return cs[0].n, nil
		}
	}
	return newOr(cs), nil
}

// missingOperand explains why t cannot start an operand.
func (p *parser) missingOperand(t token, before []clause) error {
	switch t.kind {
	case tAnd, tOr:
		if len(before) == 0 {
			return &SyntaxError{Pos: t.pos, Msg: t.kind.String() + " needs a term on its left"}
		}
		return &SyntaxError{Pos: t.pos, Msg: "two operators in a row: " + t.kind.String() + " needs a term on its left"}
	case tRParen:
		if len(before) == 0 {
			return &SyntaxError{Pos: t.pos, Msg: "empty parentheses"}
		}
		return &SyntaxError{Pos: t.pos, Msg: "a term is missing before ')'"}
	case tEOF:
		return &SyntaxError{Pos: t.pos, Msg: "the query ends where a term is expected"}
	}
	return &SyntaxError{Pos: t.pos, Msg: "unexpected " + t.kind.String()}
}

// parseAnd parses unary operands joined by AND. A lone operand keeps its + or - for the OR list.
func (p *parser) parseAnd(dflt *token, depth int) (occur, node, error) {
	occ, n, err := p.parseUnary(dflt, depth)
	if err != nil {
		return 0, nil, err
	}
	t, err := p.peek()
	if err != nil {
		return 0, nil, err
	}
	if t.kind != tAnd {
		return occ, n, nil
	}
	kids := appendAnd(nil, occ, n)
	for t.kind == tAnd {
		op := p.take()
		next, err := p.peek()
		if err != nil {
			return 0, nil, err
		}
		if !startsOperand(next.kind) {
			return 0, nil, p.missingRight(op, next)
		}
		occ, n, err := p.parseUnary(dflt, depth)
		if err != nil {
			return 0, nil, err
		}
		kids = appendAnd(kids, occ, n)
		if t, err = p.peek(); err != nil {
			return 0, nil, err
		}
	}
	return should, &andNode{kids: kids}, nil
}

// appendAnd adds an operand to an AND list: -x becomes NOT x and nested ANDs are flattened.
func appendAnd(kids []node, occ occur, n node) []node {
	if occ == mustNot {
		return append(kids, &notNode{kid: n})
	}
	if a, ok := n.(*andNode); ok {
		return append(kids, a.kids...)
	}
	return append(kids, n)
}

// missingRight explains a binary operator with nothing usable after it.
func (p *parser) missingRight(op, next token) error {
	switch next.kind {
	case tEOF:
		return &SyntaxError{Pos: op.pos, Msg: op.kind.String() + " at the end of the query needs a term on its right"}
	case tAnd, tOr:
		return &SyntaxError{Pos: next.pos, Msg: "two operators in a row: " + op.kind.String() + " " + next.kind.String()}
	case tRParen:
		return &SyntaxError{Pos: op.pos, Msg: op.kind.String() + " needs a term on its right"}
	}
	return &SyntaxError{Pos: next.pos, Msg: "unexpected " + next.kind.String()}
}

// parseUnary parses NOT, ! and the + and - prefixes.
func (p *parser) parseUnary(dflt *token, depth int) (occur, node, error) {
	t, err := p.peek()
	if err != nil {
		return 0, nil, err
	}
	switch t.kind {
	case tNot:
		op := p.take()
		d, err := p.deeper(depth, op.pos)
		if err != nil {
			return 0, nil, err
		}
		next, err := p.peek()
		if err != nil {
			return 0, nil, err
		}
		if !startsOperand(next.kind) {
			return 0, nil, p.missingRight(op, next)
		}
		occ, n, err := p.parseUnary(dflt, d)
		if err != nil {
			return 0, nil, err
		}
		if occ == mustNot {
			n = &notNode{kid: n}
		}
		return should, &notNode{kid: n}, nil
	case tPlus, tMinus:
		op := p.take()
		d, err := p.deeper(depth, op.pos)
		if err != nil {
			return 0, nil, err
		}
		next, err := p.peek()
		if err != nil {
			return 0, nil, err
		}
		switch next.kind {
		case tNot, tPlus, tMinus, tAnd, tOr, tRParen, tEOF:
			return 0, nil, &SyntaxError{Pos: op.pos, Msg: op.kind.String() + " must be followed directly by a term or '('"}
		}
		n, err := p.parsePrimary(dflt, d)
		if err != nil {
			return 0, nil, err
		}
		if op.kind == tMinus {
			return mustNot, n, nil
		}
		return must, n, nil
	}
	n, err := p.parsePrimary(dflt, depth)
	return should, n, err
}

// parsePrimary parses a group, a field:value clause, or a bare value.
func (p *parser) parsePrimary(dflt *token, depth int) (node, error) {
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tLParen:
		return p.parseGroup(dflt, depth)
	case tColon:
		return nil, &SyntaxError{Pos: t.pos, Msg: "a field name is missing before ':'"}
	case tRangeOpen:
		if dflt == nil {
			return nil, &SyntaxError{Pos: t.pos, Msg: "a range needs a field, as in logins_count:[1 TO 10]"}
		}
		return p.parseRange(*dflt)
	case tPhrase:
		p.take()
		return p.value(dflt, t)
	case tTerm:
		p.take()
		next, err := p.peek()
		if err != nil {
			return nil, err
		}
		if next.kind != tColon {
			return p.value(dflt, t)
		}
		p.take()
		return p.fieldValue(t, depth)
	}
	return nil, p.missingOperand(t, nil)
}

// parseGroup parses "(" or ")".
func (p *parser) parseGroup(dflt *token, depth int) (node, error) {
	open := p.take()
	d, err := p.deeper(depth, open.pos)
	if err != nil {
		return nil, err
	}
	n, err := p.parseOr(dflt, d)
	if err != nil {
		return nil, err
	}
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	if t.kind != tRParen {
		if t.kind == tEOF {
			return nil, &SyntaxError{Pos: open.pos, Msg: "unbalanced parentheses: this '(' is never closed"}
		}
		return nil, &SyntaxError{Pos: t.pos, Msg: "unexpected " + t.kind.String() + "; expected ')'"}
	}
	p.take()
	return n, nil
}

// fieldValue parses what follows "name:".
func (p *parser) fieldValue(name token, depth int) (node, error) {
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tLParen:
		return p.parseGroup(&name, depth)
	case tRangeOpen:
		return p.parseRange(name)
	case tTerm, tPhrase:
		p.take()
		return p.value(&name, t)
	}
	return nil, &SyntaxError{Pos: t.pos, Msg: "field " + quoteName(name.text) + " has no value (found " + t.kind.String() + ")"}
}

// fieldName returns the field name a term token spells, refusing wildcards in it.
func fieldName(name token) (string, error) {
	if name.pat != nil && name.text != "*" {
		return "", &SyntaxError{Pos: name.pos, Msg: "wildcards are not allowed in field names"}
	}
	return name.text, nil
}

// onlyStars reports whether an unquoted term is nothing but wildcards.
func onlyStars(t token) bool {
	if t.kind != tTerm || t.pat == nil {
		return false
	}
	for _, e := range t.pat {
		if !e.star {
			return false
		}
	}
	return true
}

// value builds the node for a term or phrase, in field name (nil for a bare term).
func (p *parser) value(name *token, v token) (node, error) {
	if name == nil {
		if onlyStars(v) {
			return matchAll{}, nil
		}
		return p.term(nil, v)
	}
	fname, err := fieldName(*name)
	if err != nil {
		return nil, err
	}
	switch {
	case name.pat != nil: // "*:"
		if onlyStars(v) {
			return matchAll{}, nil
		}
		return nil, &SyntaxError{Pos: name.pos, Msg: "searching every field with '*:' is not supported; name a field"}
	case fname == existsField:
		if v.pat != nil {
			return nil, &SyntaxError{Pos: v.pos, Msg: "_exists_ needs a field name without wildcards"}
		}
		f, err := resolveField(v.text, v.pos)
		if err != nil {
			return nil, err
		}
		return &existsNode{f: f}, nil
	}
	f, err := resolveField(fname, name.pos)
	if err != nil {
		return nil, err
	}
	if onlyStars(v) {
		if f.userMeta {
			return nil, &SyntaxError{Pos: v.pos, Msg: "wildcard searches are not available on user_metadata fields (" + quoteName(f.name) + ")"}
		}
		return &existsNode{f: f}, nil
	}
	return p.term(f, v)
}

// term compiles a termNode for value token v in field f (nil: the default fields).
func (p *parser) term(f *field, v token) (node, error) {
	t := &termNode{field: f, text: v.text, pat: v.pat}
	if t.pat != nil {
		if err := checkWildcard(f, v); err != nil {
			return nil, err
		}
		t.patLower = make([]pelem, len(t.pat))
		for i, e := range t.pat {
			t.patLower[i] = e
			if !e.star {
				t.patLower[i].r = unicode.ToLower(e.r)
			}
		}
	} else {
		t.lower = lowerString(t.text)
		t.num, t.numOK = parseNumber(t.text)
		t.boolean, t.boolOK = parseBool(t.text)
		t.from, t.to, t.dateOK = datePeriod(t.text)
		if f != nil {
			if err := checkTyped(f, t, v.pos); err != nil {
				return nil, err
			}
		}
	}
	fs := p.defaults
	if f != nil {
		fs = []*field{f}
	}
	t.search = make([]termVisitor, len(fs))
	for i, ff := range fs {
		t.search[i] = termVisitor{t: t, f: ff}
	}
	return t, nil
}

// checkWildcard applies Auth0's wildcard rules to the pattern in v.
func checkWildcard(f *field, v token) error {
	if f != nil {
		switch {
		case f.userMeta:
			return &SyntaxError{Pos: v.pos, Msg: "wildcard searches are not available on user_metadata fields (" + quoteName(f.name) + ")"}
		case f.kind == kindDate || f.kind == kindNumber || f.kind == kindBool:
			return &SyntaxError{Pos: v.pos, Msg: "wildcards cannot be used on field " + quoteName(f.name) + ", which is not text"}
		}
	}
	if !v.pat[0].star {
		return nil
	}
	literals := 0
	for _, e := range v.pat {
		if !e.star {
			literals++
		}
	}
	if literals < 3 {
		return &SyntaxError{Pos: v.pos, Msg: "a term that starts with a wildcard needs at least 3 literal characters (name:*usa is allowed, name:*sa is not)"}
	}
	return nil
}

// checkTyped checks a literal value against a typed field.
func checkTyped(f *field, t *termNode, pos int) error {
	switch f.kind {
	case kindNumber:
		if !t.numOK {
			if strings.HasPrefix(t.text, ">") || strings.HasPrefix(t.text, "<") {
				return &SyntaxError{Pos: pos, Msg: "comparison operators are not supported; use a range such as " + f.name + ":[10 TO *]"}
			}
			return &SyntaxError{Pos: pos, Msg: "field " + quoteName(f.name) + " needs a number, not " + quoteName(t.text)}
		}
	case kindDate:
		if !t.dateOK {
			if strings.HasPrefix(t.text, ">") || strings.HasPrefix(t.text, "<") {
				return &SyntaxError{Pos: pos, Msg: "comparison operators are not supported; use a range such as " + f.name + ":[2024-01-01 TO *]"}
			}
			msg := "field " + quoteName(f.name) + " needs an ISO 8601 date such as 2024-12-31 or \"2024-12-31T10:00:00Z\", not " + quoteName(t.text)
			if strings.Contains(t.text, "T") {
				msg += " (quote a date-time: an unquoted ':' separates a field from its value)"
			}
			return &SyntaxError{Pos: pos, Msg: msg}
		}
	case kindBool:
		if !t.boolOK {
			return &SyntaxError{Pos: pos, Msg: "field " + quoteName(f.name) + " needs true or false, not " + quoteName(t.text)}
		}
	}
	return nil
}

// parseRange parses [a TO b], {a TO b} or a mixed form for field name; the opening bracket is next.
func (p *parser) parseRange(name token) (node, error) {
	open := p.take()
	fname, err := fieldName(name)
	if err != nil {
		return nil, err
	}
	if name.pat != nil || fname == existsField {
		return nil, &SyntaxError{Pos: open.pos, Msg: "a range needs a field, as in logins_count:[1 TO 10]"}
	}
	f, err := resolveField(fname, name.pos)
	if err != nil {
		return nil, err
	}
	if f.userMeta {
		return nil, &SyntaxError{Pos: open.pos, Msg: "range searches are not available on user_metadata fields (" + quoteName(f.name) + ")"}
	}
	if f.kind == kindBool {
		return nil, &SyntaxError{Pos: open.pos, Msg: "a range cannot be used on field " + quoteName(f.name) + ", which is true or false"}
	}
	lx := &p.lx
	lx.afterColon = false
	lo, loOpen, loPos, err := lx.rangeBound()
	if err != nil {
		return nil, err
	}
	to, toPos := lx.rangeWord()
	if to != "TO" {
		if to == "" {
			return nil, &SyntaxError{Pos: toPos, Msg: "a range needs 'TO' between its bounds"}
		}
		return nil, &SyntaxError{Pos: toPos, Msg: "expected 'TO' in the range, found " + quoteName(to)}
	}
	hi, hiOpen, hiPos, err := lx.rangeBound()
	if err != nil {
		return nil, err
	}
	hiIncl, err := lx.rangeClose()
	if err != nil {
		return nil, err
	}
	n := &rangeNode{f: f,
		lo: bound{text: lo, open: loOpen, inclusive: open.inclusive},
		hi: bound{text: hi, open: hiOpen, inclusive: hiIncl},
	}
	if err := compileBound(f, &n.lo, loPos, false); err != nil {
		return nil, err
	}
	if err := compileBound(f, &n.hi, hiPos, true); err != nil {
		return nil, err
	}
	return n, nil
}

// compileBound pre-parses a range bound for field f.
func compileBound(f *field, b *bound, pos int, upper bool) error {
	if b.open {
		return nil
	}
	b.lower = lowerString(b.text)
	b.num, b.numOK = parseNumber(b.text)
	switch f.kind {
	case kindNumber:
		if !b.numOK {
			return &SyntaxError{Pos: pos, Msg: "field " + quoteName(f.name) + " needs numbers in a range, not " + quoteName(b.text)}
		}
	case kindDate:
		from, to, ok := datePeriod(b.text)
		if !ok {
			return &SyntaxError{Pos: pos, Msg: "field " + quoteName(f.name) + " needs ISO 8601 dates in a range, such as 2024-12-31, not " + quoteName(b.text)}
		}
		// [x includes x's whole period, {x starts after it; x] ends after it, x} before it.
		switch {
		case !upper && b.inclusive, upper && !b.inclusive:
			b.at = from
		default:
			b.at = to
		}
	}
	return nil
}
