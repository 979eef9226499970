package lucene

// Building queries from other queries, for callers that confine a search (package policy ANDs a
// person's reach into every query they type): the result is a tree, never a string glued together,
// so no operand can reach into another one's parentheses.

// MatchAll returns the query that matches every user (*:*).
func MatchAll() *Query { return &Query{root: matchAll{}} }

// IsMatchAll reports whether q is the match-all query itself (*, *:* or an empty query); it does not
// try to prove that a more complex query matches everything.
func (q *Query) IsMatchAll() bool {
	_, ok := q.root.(matchAll)
	return ok
}

// And returns the query that matches what every one of qs matches. Nil and match-all operands are
// left out; with none left it is MatchAll. Nested conjunctions are flattened. The operands are shared,
// not copied (queries are immutable).
func And(qs ...*Query) *Query {
	var kids []node
	for _, q := range qs {
		if q == nil {
			continue
		}
		switch n := q.root.(type) {
		case matchAll:
		case *andNode:
			kids = append(kids, n.kids...)
		default:
			kids = append(kids, n)
		}
	}
	switch len(kids) {
	case 0:
		return MatchAll()
	case 1:
		return &Query{root: kids[0]}
	}
	return &Query{root: &andNode{kids: kids}}
}

// Or returns the query that matches what any one of qs matches. Nil operands are left out; with none
// left it returns nil (an empty disjunction, matching nothing, has no query syntax). A match-all
// operand makes the whole disjunction MatchAll. Plain disjunctions among the operands are flattened.
func Or(qs ...*Query) *Query {
	var cs []clause
	for _, q := range qs {
		if q == nil {
			continue
		}
		switch n := q.root.(type) {
		case matchAll:
			return MatchAll()
		case *orNode:
			if len(n.musts) == 0 && len(n.nots) == 0 {
				cs = append(cs, n.clauses...)
				continue
			}
			cs = append(cs, clause{occ: should, n: n})
		default:
			cs = append(cs, clause{occ: should, n: n})
		}
	}
	switch len(cs) {
	case 0:
		return nil
	case 1:
		return &Query{root: cs[0].n}
	}
	return &Query{root: newOr(cs)}
}

// Not returns the query that matches what q does not.
func Not(q *Query) *Query {
	if n, ok := q.root.(*notNode); ok {
		return &Query{root: n.kid}
	}
	return &Query{root: &notNode{kid: q.root}}
}

// Term returns the query field:"value": a whole-value, exact match of value (no wildcards: a '*' in
// value is a literal star) in field, with the field's own rules (case, type). It fails as Parse would
// for a bad field name or a value the field's type cannot hold (a number field and "abc").
func Term(field, value string) (*Query, error) {
	if field == existsField {
		return nil, &SyntaxError{Pos: 0, Msg: "use _exists_ through Parse"}
	}
	f, err := resolveField(field, 0)
	if err != nil {
		return nil, err
	}
	p := &parser{lim: defaultLimits(), defaults: defaultFieldRefs()}
	n, err := p.term(f, token{kind: tPhrase, text: value})
	if err != nil {
		return nil, err
	}
	return &Query{root: n}, nil
}
