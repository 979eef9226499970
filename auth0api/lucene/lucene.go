package lucene

import (
	"fmt"
	"slices"
	"strings"
)

// MaxLength is the longest query, in bytes, that Parse accepts. (Auth0 answers 414 Request-URI Too
// Large for overlong queries; the emulator answers this package's 400 instead.)
const MaxLength = 4096

// MaxDepth is the deepest nesting of parentheses and prefix operators (NOT, !, +, -) that Parse accepts.
const MaxDepth = 32

// ErrorCode is the errorCode the emulated tenant puts in the 400 body it answers for a query Parse rejects.
const ErrorCode = "invalid_query_string"

// SyntaxError reports a query that Auth0 would refuse. Pos is the byte offset in the query where the
// problem was found and Msg says what it is.
type SyntaxError struct {
	Pos int
	Msg string
}

// Error renders the error in the wording Auth0 uses for invalid query parameters, e.g.
// "Query validation error: 'unterminated quoted phrase (at position 5)' on property q (Query in Lucene
// query string syntax)."
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("Query validation error: '%s (at position %d)' on property q (Query in Lucene query string syntax).", e.Msg, e.Pos)
}

// Query is a parsed and compiled search query. It is immutable and safe for concurrent use.
type Query struct {
	root node
}

// Parse parses q. Errors are *SyntaxError (position + message), never a panic, on any input. An empty
// (or blank) query matches every user.
func Parse(q string) (*Query, error) {
	return parse(q, defaultLimits())
}

// Match reports whether the user document (a decoded Auth0 user JSON object: map[string]any with
// strings, float64/json.Number, bools, []any, map[string]any) satisfies the query. It does not modify
// doc and does not allocate.
func (q *Query) Match(doc map[string]any) bool {
	return q.root.match(doc)
}

// Fields lists the field names the query references, sorted and without duplicates. Bare terms and
// match-all reference no field; _exists_:f references f.
func (q *Query) Fields() []string {
	seen := map[string]bool{}
	var out []string
	q.root.fields(func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	})
	slices.Sort(out)
	return out
}

// String returns a canonical rendering of the query: explicit OR between operands, field groups
// distributed over their terms, values quoted only when needed. Parsing it gives a query with the same
// String.
func (q *Query) String() string {
	var b strings.Builder
	q.root.render(&b, lvTop)
	return b.String()
}
