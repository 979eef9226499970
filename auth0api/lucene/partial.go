package lucene

import "slices"

// MatchKnown evaluates q over a document of which only some fields are known: known(name) reports
// whether the field name, as a query writes it ("app_metadata.region", "identities.connection",
// "email.domain"), has in doc the value it will have. It returns whether doc matches and whether
// that is certain: a term on an unknown field could go either way, and the operators combine
// certainty as three-valued logic does (false AND unknown is false, true OR unknown is true). A bare
// term is known when every default field is. Package policy uses it to decide, when a policy is
// loaded, whether the users a group creates (whose connection and stamped app_metadata are known,
// the rest typed at creation) fall inside the group's reach.
func (q *Query) MatchKnown(doc map[string]any, known func(field string) bool) (match, certain bool) {
	return matchKnown(q.root, doc, known)
}

func matchKnown(n node, doc map[string]any, known func(string) bool) (bool, bool) {
	switch n := n.(type) {
	case matchAll:
		return true, true
	case *notNode:
		v, c := matchKnown(n.kid, doc, known)
		return !v, c
	case *andNode:
		return kleeneAnd(len(n.kids), func(i int) (bool, bool) { return matchKnown(n.kids[i], doc, known) })
	case *orNode:
		v, c := kleeneAnd(len(n.musts), func(i int) (bool, bool) { return matchKnown(n.musts[i], doc, known) })
		nv, nc := kleeneAnd(len(n.nots), func(i int) (bool, bool) {
			v, c := matchKnown(n.nots[i], doc, known)
			return !v, c
		})
		sv, sc := true, true
		if len(n.musts) == 0 && len(n.shoulds) > 0 {
			sv, sc = kleeneOr(len(n.shoulds), func(i int) (bool, bool) { return matchKnown(n.shoulds[i], doc, known) })
		}
		return kleeneAnd(3, func(i int) (bool, bool) {
			return [3]bool{v, nv, sv}[i], [3]bool{c, nc, sc}[i]
		})
	case *termNode:
		if n.field != nil {
			if !known(n.field.name) {
				return false, false
			}
			return n.match(doc), true
		}
		all := true
		for i := range n.search {
			f := n.search[i].f
			if !known(f.name) {
				all = false
				continue
			}
			if visitField(doc, f, &n.search[i]) {
				return true, true
			}
		}
		return false, all
	case *existsNode:
		if !known(n.f.name) {
			return false, false
		}
		return n.match(doc), true
	case *rangeNode:
		if !known(n.f.name) {
			return false, false
		}
		return n.match(doc), true
	}
	return false, false
}

// kleeneAnd is three-valued AND over n operands: certainly false as soon as one is certainly false,
// certainly true when all are certainly true, otherwise unknown.
func kleeneAnd(n int, at func(int) (bool, bool)) (bool, bool) {
	certain := true
	for i := range n {
		v, c := at(i)
		if c && !v {
			return false, true
		}
		if !c {
			certain = false
		}
	}
	return certain, certain
}

// kleeneOr is three-valued OR over n operands.
func kleeneOr(n int, at func(int) (bool, bool)) (bool, bool) {
	certain := true
	for i := range n {
		v, c := at(i)
		if c && v {
			return true, true
		}
		if !c {
			certain = false
		}
	}
	return false, certain
}

// DocumentFields lists the top-level fields of a user document that matching q reads, sorted and
// without duplicates: "app_metadata" for app_metadata.region, "identities" for identities.connection,
// "email" for email.domain, and every default field for a bare term. A caller that reads a user with
// Auth0's fields parameter must ask for at least these, or the match would see the user without them.
func (q *Query) DocumentFields() []string {
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	var walk func(n node)
	walk = func(n node) {
		switch n := n.(type) {
		case *notNode:
			walk(n.kid)
		case *andNode:
			for _, k := range n.kids {
				walk(k)
			}
		case *orNode:
			for _, c := range n.clauses {
				walk(c.n)
			}
		case *termNode:
			for i := range n.search {
				add(n.search[i].f.segs[0])
			}
		case *existsNode:
			add(n.f.segs[0])
		case *rangeNode:
			add(n.f.segs[0])
		}
	}
	walk(q.root)
	slices.Sort(out)
	return out
}
