package lucene

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error is a *SyntaxError inside the query, and
// that the canonical rendering of a query parses back to a query with the same rendering and the same
// hits on the test users. (The rendering may be longer than the query, for instance when a field group
// is distributed over its terms, so it is then re-parsed without the length limit; the depth limit always applies.)
func FuzzParse(f *testing.F) {
	for _, c := range matchCases() {
		f.Add(c.q)
	}
	for _, c := range syntaxErrorCases() {
		if len(c.q) < 200 {
			f.Add(c.q)
		}
	}
	for _, s := range fuzzCrashers() {
		f.Add(s)
	}
	users := loadUsers(f)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T %v, want *SyntaxError", s, err, err)
			}
			if se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("Parse(%q) error position %d is outside the query (length %d)", s, se.Pos, len(s))
			}
			return
		}
		canon := q.String()
		lim := defaultLimits()
		if len(canon) > MaxLength {
			lim.maxLen = -1
		}
		q2, err := parse(canon, lim)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, canon, err)
		}
		if again := q2.String(); again != canon {
			t.Fatalf("Parse(%q).String() = %q, which renders as %q once parsed again", s, canon, again)
		}
		for i, u := range users {
			if a, b := q.Match(u), q2.Match(u); a != b {
				t.Fatalf("Parse(%q) matches user %s: %v, but its rendering %q: %v", s, userKeys[i], a, canon, b)
			}
		}
	})
}

// fuzzCrashers are inputs the fuzzer once found interesting; they stay as regular seeds.
func fuzzCrashers() []string {
	return []string{}
}
