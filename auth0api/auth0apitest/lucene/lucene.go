package lucene

import "fmt"

// MaxLength is the longest query, in bytes, that Parse accepts.
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

// Error renders the error in the wording Auth0 uses for invalid query parameters.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("Query validation error: '%s (at position %d)' on property q (Query in Lucene query string syntax).", e.Msg, e.Pos)
}

// Query is a parsed and compiled search query. It is immutable and safe for concurrent use.
type Query struct {
	root node
}

// node is one element of a parsed query.
type node interface {
	match(doc map[string]any) bool
}

// matchAll matches every document.
type matchAll struct{}

func (matchAll) match(map[string]any) bool { return true }

// Parse parses q. Errors are *SyntaxError (position + message), never a panic, on any input.
func Parse(q string) (*Query, error) {
	if len(q) > MaxLength {
		return nil, &SyntaxError{Pos: MaxLength, Msg: fmt.Sprintf("query is longer than %d bytes", MaxLength)}
	}
	return &Query{root: matchAll{}}, nil
}

// Match reports whether the user document (a decoded Auth0 user JSON object: map[string]any with
// strings, float64/json.Number, bools, []any, map[string]any) satisfies the query.
func (q *Query) Match(doc map[string]any) bool {
	return q.root.match(doc)
}

// Fields lists the field names the query references, sorted and without duplicates. Bare terms and
// match-all reference no field; _exists_:f references f.
func (q *Query) Fields() []string {
	return nil
}

// String returns a canonical rendering of the query: Parse(q.String()) gives a query with the same
// String.
func (q *Query) String() string {
	return "*:*"
}
