package lucene

import (
	"strings"
)

// Words describes q in words for people, e.g. `app_metadata.region is emea and not (blocked is true
// or logins_count is at most 0)`. Groups are in parentheses as in Unambiguous, so the words cannot be
// read two ways. Values are written as String writes them (quoted when they hold spaces or syntax).
func (q *Query) Words() string {
	w := &strictWriter{words: true}
	w.query(q.root, 0)
	return w.b.String()
}

// atomWords describes a term, an existence test, a range or match-all.
func atomWords(b *strings.Builder, n node) {
	switch n := n.(type) {
	case matchAll:
		b.WriteString("every user")
	case *existsNode:
		renderField(b, n.f.name)
		b.WriteString(" is set")
	case *termNode:
		if n.field == nil {
			names := DefaultFields()
			b.WriteString(strings.Join(names[:len(names)-1], ", "))
			b.WriteString(" or ")
			b.WriteString(names[len(names)-1])
		} else {
			renderField(b, n.field.name)
		}
		if n.pat != nil {
			b.WriteString(" matches ")
			renderPattern(b, n.pat)
			return
		}
		b.WriteString(" is ")
		renderValue(b, n.text)
	case *rangeNode:
		renderField(b, n.f.name)
		if n.lo.open && n.hi.open {
			b.WriteString(" has any value")
			return
		}
		b.WriteString(" is ")
		if !n.lo.open {
			if n.lo.inclusive {
				b.WriteString("at least ")
			} else {
				b.WriteString("above ")
			}
			renderBound(b, n.lo)
			if !n.hi.open {
				b.WriteString(" and ")
			}
		}
		if !n.hi.open {
			if n.hi.inclusive {
				b.WriteString("at most ")
			} else {
				b.WriteString("below ")
			}
			renderBound(b, n.hi)
		}
	default:
		n.render(b, lvTop)
	}
}
