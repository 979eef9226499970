package lucene

import "strings"

// Unambiguous renders q so that it means the same to this package as to Lucene's classic query
// parser, which Elasticsearch's query_string query (behind Auth0's user search) is built on. This
// package gives NOT, AND and OR the precedence Auth0 documents; the classic parser has none: it reads
// "a AND b OR c" as "+a b c" (a required, b and c optional, so: a), takes NOT, + and - as modifiers of
// the one clause that follows ("a OR NOT b" is "a AND NOT b" there), and a group holding only
// negated clauses matches nothing. Elasticsearch's documentation says as much: "parentheses should be
// used whenever multiple operators are used together". So Unambiguous writes:
//   - every operand that is itself a group of operands in parentheses, so that no precedence rule is
//     needed;
//   - no negated and no required (+) operand of OR: "NOT x" there becomes "(*:* AND NOT x)", and a
//     clause list with required clauses is written as the AND it is;
//   - no purely negative group: "*:*" is put in front ("*:* AND NOT x");
//   - no double negation.
//
// Parsing the result gives a query that matches exactly the documents q matches. The string can be
// longer and more deeply nested than q's own; UnambiguousDepth reports the nesting, for callers
// that must stay within MaxDepth.
func (q *Query) Unambiguous() string {
	s, _ := q.UnambiguousDepth()
	return s
}

// UnambiguousDepth returns Unambiguous and how deeply it nests parentheses and NOT prefixes, counted
// as Parse counts them against MaxDepth.
func (q *Query) UnambiguousDepth() (string, int) {
	w := &strictWriter{}
	w.query(q.root, 0)
	return w.b.String(), w.max
}

// strictWriter writes the unambiguous form and tracks its nesting; with words set it writes the
// same structure in words instead (see Words).
type strictWriter struct {
	b     strings.Builder
	max   int
	words bool
}

// atomOut writes a term, existence test, range or match-all.
func (w *strictWriter) atomOut(n node) {
	if w.words {
		atomWords(&w.b, n)
		return
	}
	n.render(&w.b, lvTop)
}

func (w *strictWriter) at(depth int) {
	if depth > w.max {
		w.max = depth
	}
}

// andItem is one operand of an AND list: a node, or a disjunction of nodes (shoulds), maybe negated.
type andItem struct {
	n       node
	shoulds []node
	neg     bool
}

// atom reports whether n is written without operators: a term, an existence test, a range or *:*.
func atom(n node) bool {
	switch n.(type) {
	case *andNode, *orNode, *notNode:
		return false
	}
	return true
}

// query writes n as a whole query (at the top, or inside parentheses).
func (w *strictWriter) query(n node, depth int) {
	switch n := n.(type) {
	case *andNode:
		items := make([]andItem, 0, len(n.kids))
		for _, k := range n.kids {
			items = append(items, andItem{n: k})
		}
		w.andList(items, depth)
	case *notNode:
		w.andList([]andItem{{n: n}}, depth)
	case *orNode:
		w.orNode(n, depth)
	default:
		w.atomOut(n)
	}
}

// orNode writes a clause list by its meaning: with required clauses, the AND of those and of the
// prohibited ones' negations (the optional ones then change nothing); otherwise the OR of the optional
// clauses, ANDed with the negations of the prohibited ones.
func (w *strictWriter) orNode(n *orNode, depth int) {
	if len(n.musts) > 0 || len(n.shoulds) == 0 {
		items := make([]andItem, 0, len(n.musts)+len(n.nots))
		for _, k := range n.musts {
			items = append(items, andItem{n: k})
		}
		for _, k := range n.nots {
			items = append(items, andItem{n: k, neg: true})
		}
		w.andList(items, depth)
		return
	}
	if len(n.nots) == 0 {
		w.orList(n.shoulds, depth)
		return
	}
	items := make([]andItem, 0, 1+len(n.nots))
	items = append(items, andItem{shoulds: n.shoulds})
	for _, k := range n.nots {
		items = append(items, andItem{n: k, neg: true})
	}
	w.andList(items, depth)
}

// flatten resolves negations and nested conjunctions in items: NOT NOT x is x, and the kids of a
// (non-negated) AND join the list.
func flatten(items []andItem) []andItem {
	out := make([]andItem, 0, len(items))
	var add func(it andItem)
	add = func(it andItem) {
		for {
			nn, ok := it.n.(*notNode)
			if !ok {
				break
			}
			it = andItem{n: nn.kid, neg: !it.neg}
		}
		if a, ok := it.n.(*andNode); ok && !it.neg {
			for _, k := range a.kids {
				add(andItem{n: k})
			}
			return
		}
		out = append(out, it)
	}
	for _, it := range items {
		if it.shoulds != nil {
			out = append(out, it)
			continue
		}
		add(it)
	}
	return out
}

// andList writes operands joined by AND, *:* first when all of them are negated.
func (w *strictWriter) andList(items []andItem, depth int) {
	items = flatten(items)
	positive := 0
	for _, it := range items {
		if !it.neg {
			positive++
		}
	}
	if positive == 1 && len(items) == 1 {
		if items[0].shoulds != nil {
			w.orList(items[0].shoulds, depth)
			return
		}
		w.query(items[0].n, depth)
		return
	}
	and, not := " AND ", "NOT "
	if w.words {
		and, not = " and ", "not "
	}
	first := true
	if positive == 0 && !w.words {
		w.b.WriteString("*:*")
		first = false
	}
	for _, it := range items {
		if !first {
			w.b.WriteString(and)
		}
		first = false
		d := depth
		if it.neg {
			w.b.WriteString(not)
			d++
			w.at(d)
		}
		if it.shoulds != nil {
			w.group(func(d int) { w.orList(it.shoulds, d) }, d)
			continue
		}
		w.operand(it.n, d)
	}
}

// orList writes operands joined by OR; none of them is negated.
func (w *strictWriter) orList(kids []node, depth int) {
	if len(kids) == 1 {
		w.query(kids[0], depth)
		return
	}
	or := " OR "
	if w.words {
		or = " or "
	}
	for i, k := range kids {
		if i > 0 {
			w.b.WriteString(or)
		}
		w.operand(k, depth)
	}
}

// operand writes n as one operand of an operator: bare when it is an atom, else in parentheses.
func (w *strictWriter) operand(n node, depth int) {
	if atom(n) {
		w.atomOut(n)
		return
	}
	w.group(func(d int) { w.query(n, d) }, depth)
}

// group writes "(" body ")" one level deeper.
func (w *strictWriter) group(body func(depth int), depth int) {
	depth++
	w.at(depth)
	w.b.WriteByte('(')
	body(depth)
	w.b.WriteByte(')')
}
