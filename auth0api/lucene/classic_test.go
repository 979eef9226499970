package lucene

import "fmt"

// classic is a test oracle: the meaning Lucene's classic query parser (with its default operator,
// OR) gives a query string, which is what Elasticsearch's query_string query, behind Auth0's search,
// builds on. It has no precedence: each clause carries a modifier (+, -, NOT) and the conjunction
// before it; AND makes the clause before it and itself required (unless prohibited), NOT and - make a
// clause prohibited, + required. A Boolean query with only prohibited clauses matches nothing
// (strict Lucene) or everything else (Elasticsearch adds a match-all to such queries; fixNegative).
// Leaves (field:value, ranges, _exists_) are compiled with this package, so the oracle differs from
// Parse only in how operators combine, which is what Unambiguous is about.
type classic struct {
	src      string
	lx       lexer
	tok      token
	have     bool
	fixedNeg bool
}

// classicQuery is a parsed classic query.
type classicQuery interface {
	match(doc map[string]any) bool
}

type classicOccur int

const (
	cShould classicOccur = iota
	cMust
	cMustNot
)

type classicClause struct {
	occ classicOccur
	q   classicQuery
}

type classicBool struct {
	clauses  []classicClause
	fixedNeg bool
}

func (b *classicBool) match(doc map[string]any) bool {
	hasMust, hasShould, anyShould := false, false, false
	for _, c := range b.clauses {
		m := c.q.match(doc)
		switch c.occ {
		case cMust:
			hasMust = true
			if !m {
				return false
			}
		case cMustNot:
			if m {
				return false
			}
		default:
			hasShould = true
			anyShould = anyShould || m
		}
	}
	switch {
	case hasMust:
		return true
	case hasShould:
		return anyShould
	}
	return b.fixedNeg // purely negative
}

// classicLeaf is one field:value clause, matched by this package.
type classicLeaf struct{ q *Query }

func (l classicLeaf) match(doc map[string]any) bool { return l.q.Match(doc) }

// parseClassic parses s the classic way.
func parseClassic(s string, fixedNeg bool) (classicQuery, error) {
	c := &classic{src: s, lx: lexer{src: s}, fixedNeg: fixedNeg}
	q, err := c.query("")
	if err != nil {
		return nil, err
	}
	t, err := c.peek()
	if err != nil {
		return nil, err
	}
	if t.kind != tEOF {
		return nil, fmt.Errorf("classic: unexpected %s at %d", t.kind, t.pos)
	}
	return q, nil
}

func (c *classic) peek() (token, error) {
	if !c.have {
		t, err := c.lx.next()
		if err != nil {
			return token{}, err
		}
		c.tok, c.have = t, true
	}
	return c.tok, nil
}

func (c *classic) take() token { c.have = false; return c.tok }

// query parses clauses up to ')' or the end; field is the enclosing field:( ) group's field.
func (c *classic) query(field string) (classicQuery, error) {
	b := &classicBool{fixedNeg: c.fixedNeg}
	first := true
	for {
		t, err := c.peek()
		if err != nil {
			return nil, err
		}
		if t.kind == tEOF || t.kind == tRParen {
			break
		}
		conj := tEOF
		if !first && (t.kind == tAnd || t.kind == tOr) {
			conj = c.take().kind
			if t, err = c.peek(); err != nil {
				return nil, err
			}
		}
		mod := tEOF
		if t.kind == tNot || t.kind == tPlus || t.kind == tMinus {
			mod = c.take().kind
		}
		q, err := c.clause(field)
		if err != nil {
			return nil, err
		}
		// QueryParserBase.addClause with the default operator OR.
		if len(b.clauses) > 0 && conj == tAnd {
			last := &b.clauses[len(b.clauses)-1]
			if last.occ != cMustNot {
				last.occ = cMust
			}
		}
		occ := cShould
		switch {
		case mod == tNot || mod == tMinus:
			occ = cMustNot
		case mod == tPlus || conj == tAnd:
			occ = cMust
		}
		b.clauses = append(b.clauses, classicClause{occ: occ, q: q})
		first = false
	}
	if len(b.clauses) == 0 {
		return nil, fmt.Errorf("classic: empty query")
	}
	if len(b.clauses) == 1 && b.clauses[0].occ != cMustNot {
		return b.clauses[0].q, nil
	}
	return b, nil
}

// clause parses [field:] (term | phrase | range | "(" query ")").
func (c *classic) clause(field string) (classicQuery, error) {
	t, err := c.peek()
	if err != nil {
		return nil, err
	}
	if t.kind == tTerm {
		c.take()
		next, err := c.peek()
		if err != nil {
			return nil, err
		}
		if next.kind == tColon {
			c.take()
			return c.value(t.raw)
		}
		return c.leaf(field, t.raw)
	}
	return c.value(field)
}

// value parses what a field applies to.
func (c *classic) value(field string) (classicQuery, error) {
	t, err := c.peek()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tLParen:
		c.take()
		q, err := c.query(field)
		if err != nil {
			return nil, err
		}
		if t, err := c.peek(); err != nil || t.kind != tRParen {
			return nil, fmt.Errorf("classic: unclosed group")
		}
		c.take()
		return q, nil
	case tTerm, tPhrase:
		c.take()
		return c.leaf(field, t.raw)
	case tRangeOpen:
		open := c.take()
		lx := &c.lx
		lx.afterColon = false
		if _, _, _, err := lx.rangeBound(); err != nil {
			return nil, err
		}
		lx.rangeWord()
		if _, _, _, err := lx.rangeBound(); err != nil {
			return nil, err
		}
		if _, err := lx.rangeClose(); err != nil {
			return nil, err
		}
		return c.leaf(field, c.src[open.pos:lx.pos])
	}
	return nil, fmt.Errorf("classic: unexpected %s at %d", t.kind, t.pos)
}

// leaf compiles field:raw with this package.
func (c *classic) leaf(field, raw string) (classicQuery, error) {
	s := raw
	if field != "" {
		s = field + ":" + raw
	}
	q, err := parse(s, limits{maxLen: -1, maxDepth: MaxDepth})
	if err != nil {
		return nil, fmt.Errorf("classic leaf %q: %w", s, err)
	}
	if !atom(q.root) {
		return nil, fmt.Errorf("classic leaf %q is not a single clause: %s", s, q)
	}
	return classicLeaf{q: q}, nil
}
