package lucene

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// mustParse parses q or fails the test.
func mustParse(t testing.TB, q string) *Query {
	t.Helper()
	p, err := Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	return p
}

// classicHits runs s through the classic oracle over users.
func classicHits(t testing.TB, s string, fixedNeg bool, users []map[string]any) []string {
	t.Helper()
	cq, err := parseClassic(s, fixedNeg)
	if err != nil {
		t.Fatalf("classic parse of %q: %v", s, err)
	}
	out := []string{}
	for i, u := range users {
		if cq.match(u) {
			out = append(out, userKeys[i])
		}
	}
	return out
}

// TestClassicOracleDisagrees shows why Unambiguous exists: String's canonical form, read the way
// Lucene's classic parser reads it, means something else for these queries.
func TestClassicOracleDisagrees(t *testing.T) {
	users := loadUsers(t)
	for _, q := range []string{
		`nickname:octo OR given_name:j* AND family_name:doe`,  // classic: +given_name:j* +family_name:doe
		`email_verified:false OR NOT _exists_:email_verified`, // classic: email_verified:false AND _exists_…
		`NOT blocked:true OR app_metadata.plan:gold`,
	} {
		p := mustParse(t, q)
		if ours, theirs := hits(p, users), classicHits(t, p.String(), true, users); slices.Equal(ours, theirs) {
			t.Errorf("%q: the classic reading of %q agrees with ours (%v); the oracle is not telling anything", q, p.String(), ours)
		}
	}
}

func TestUnambiguousText(t *testing.T) {
	tests := []struct{ q, want string }{
		{`a`, `a`},
		{``, `*:*`},
		{`a b c`, `a OR b OR c`},
		{`a AND b OR c`, `(a AND b) OR c`},
		{`a OR b AND c`, `a OR (b AND c)`},
		{`a AND (b OR c)`, `a AND (b OR c)`},
		{`NOT a`, `*:* AND NOT a`},
		{`-a`, `*:* AND NOT a`},
		{`NOT NOT a`, `a`},
		{`a OR NOT b`, `a OR (*:* AND NOT b)`},
		{`NOT a AND NOT b`, `*:* AND NOT a AND NOT b`},
		{`a AND NOT b`, `a AND NOT b`},
		{`NOT (a OR b)`, `*:* AND NOT (a OR b)`},
		{`NOT (a AND NOT b)`, `*:* AND NOT (a AND NOT b)`},
		{`+a -b c`, `a AND NOT b`},
		{`+a +b c`, `a AND b`},
		{`a -b c`, `(a OR c) AND NOT b`},
		{`-a -b`, `*:* AND NOT a AND NOT b`},
		{`x AND name:(a b)`, `x AND (name:a OR name:b)`},
		{`(a AND (b AND c))`, `a AND b AND c`},
		{`a AND NOT (NOT b)`, `a AND b`},
		{`name:"a b" OR app_metadata.x:\(y\)`, `name:"a b" OR app_metadata.x:"(y)"`},
	}
	for _, tt := range tests {
		if got := mustParse(t, tt.q).Unambiguous(); got != tt.want {
			t.Errorf("Parse(%q).Unambiguous() = %q, want %q", tt.q, got, tt.want)
		}
	}
}

// checkUnambiguous checks that q's unambiguous form parses, matches what q matches, and means the
// same under both classic readings.
func checkUnambiguous(t *testing.T, q *Query, users []map[string]any) {
	t.Helper()
	u, depth := q.UnambiguousDepth()
	q2, err := parse(u, limits{maxLen: -1, maxDepth: depth})
	if err != nil {
		t.Fatalf("%q: its unambiguous form %q does not parse (depth %d): %v", q, u, depth, err)
	}
	if depth > 0 {
		if _, err := parse(u, limits{maxLen: -1, maxDepth: depth - 1}); err == nil {
			t.Fatalf("%q: UnambiguousDepth says %d for %q, but it parses within %d", q, depth, u, depth-1)
		}
	}
	want := hits(q, users)
	if got := hits(q2, users); !slices.Equal(got, want) {
		t.Fatalf("%q matches %v, its unambiguous form %q matches %v", q, want, u, got)
	}
	for _, fixed := range []bool{false, true} {
		if got := classicHits(t, u, fixed, users); !slices.Equal(got, want) {
			t.Fatalf("%q matches %v, its unambiguous form %q read the classic way (fixed negatives %v) matches %v", q, want, u, fixed, got)
		}
	}
}

func TestUnambiguousMeansTheSame(t *testing.T) {
	users := loadUsers(t)
	for _, c := range matchCases() {
		checkUnambiguous(t, mustParse(t, c.q), users)
	}
}

// FuzzUnambiguous checks, for any query Parse accepts, that the unambiguous form means the same to
// this package and to both classic readings.
func FuzzUnambiguous(f *testing.F) {
	for _, c := range matchCases() {
		f.Add(c.q)
	}
	for _, s := range []string{`a OR NOT b`, `-a -b`, `+a b -c`, `NOT (NOT (a OR -b))`, `(a b) AND -(c d)`} {
		f.Add(s)
	}
	users := loadUsers(f)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			return
		}
		checkUnambiguous(t, q, users)
	})
}

// TestAndConfines: whatever a person types, And(their query, reach), written unambiguously, matches
// only users the reach matches, here and under both classic readings.
func TestAndConfines(t *testing.T) {
	users := loadUsers(t)
	reach := Or(mustParse(t, `app_metadata.plan:gold AND NOT blocked:true`), mustParse(t, `identities.connection:"google-oauth2"`))
	for _, s := range []string{
		`*:*`, `a OR *:*`, `NOT app_metadata.plan:gold`, `-app_metadata.plan:gold`, `*:* OR NOT *:*`,
		`jane OR NOT jane`, `(a OR b) AND NOT (NOT c)`, `+x -y z`, `_exists_:user_id`, `blocked:true`,
	} {
		u := mustParse(t, s)
		composed := And(u, reach).Unambiguous()
		checkUnambiguous(t, And(u, reach), users)
		for _, fixed := range []bool{false, true} {
			for _, k := range classicHits(t, composed, fixed, users) {
				if !reach.Match(users[slices.Index(userKeys, k)]) {
					t.Errorf("%q: %q (classic, fixed negatives %v) finds %s, outside the reach", s, composed, fixed, k)
				}
			}
		}
	}
}

func TestComposeShapes(t *testing.T) {
	a, b := mustParse(t, `a`), mustParse(t, `b OR c`)
	if got := And(nil, MatchAll(), a).String(); got != `a` {
		t.Errorf("And(nil, MatchAll(), a) = %q", got)
	}
	if !And().IsMatchAll() || !And(nil).IsMatchAll() {
		t.Error("And() is not MatchAll")
	}
	if Or() != nil || Or(nil) != nil {
		t.Error("Or() is not nil")
	}
	if !Or(a, MatchAll()).IsMatchAll() {
		t.Error("Or(a, MatchAll()) is not MatchAll")
	}
	if got := Or(a, b).String(); got != `a OR b OR c` {
		t.Errorf("Or(a, b OR c) = %q", got)
	}
	if got := And(a, b).Unambiguous(); got != `a AND (b OR c)` {
		t.Errorf("And(a, b OR c) = %q", got)
	}
	if got := Not(Not(a)).String(); got != `a` {
		t.Errorf("Not(Not(a)) = %q", got)
	}
	if got := And(Not(a), Not(b)).Unambiguous(); got != `*:* AND NOT a AND NOT (b OR c)` {
		t.Errorf("And(Not(a), Not(b)) = %q", got)
	}
	if mustParse(t, `a AND *`).IsMatchAll() || !mustParse(t, `*`).IsMatchAll() {
		t.Error("IsMatchAll")
	}
}

func TestTerm(t *testing.T) {
	users := loadUsers(t)
	for _, tt := range []struct {
		field, value string
		want         []string
	}{
		{"identities.connection", "google-oauth2", []string{"john"}},
		{"identities.connection", "Google-OAuth2", []string{}},
		{"name", "JANE SMITH", []string{"jane"}}, // the field's own case rule
		{"app_metadata.tags", "c(d)", []string{"dan"}},
		{"app_metadata.tags", "a+b", []string{"dan"}},
		{"app_metadata.plan", "gold*", []string{}}, // a star is literal
		{"logins_count", "5", []string{"john"}},
	} {
		q, err := Term(tt.field, tt.value)
		if err != nil {
			t.Errorf("Term(%q, %q): %v", tt.field, tt.value, err)
			continue
		}
		if got := hits(q, users); !slices.Equal(got, tt.want) {
			t.Errorf("Term(%q, %q) = %s matches %v, want %v", tt.field, tt.value, q, got, tt.want)
		}
		again := mustParse(t, q.String())
		if !slices.Equal(hits(again, users), tt.want) {
			t.Errorf("Term(%q, %q) renders as %s, which matches %v", tt.field, tt.value, q, hits(again, users))
		}
	}
	for _, tt := range []struct{ field, value string }{{"logins_count", "abc"}, {"a..b", "x"}, {"", "x"}, {"_exists_", "x"}, {"blocked", "yes"}} {
		var se *SyntaxError
		if _, err := Term(tt.field, tt.value); !errors.As(err, &se) {
			t.Errorf("Term(%q, %q) error = %v, want a *SyntaxError", tt.field, tt.value, err)
		}
	}
}

func TestWords(t *testing.T) {
	tests := []struct{ q, want string }{
		{`app_metadata.region:"emea"`, `app_metadata.region is emea`},
		{`*`, `every user`},
		{`name:"jane smith"`, `name is "jane smith"`},
		{`name:j*`, `name matches j*`},
		{`_exists_:app_metadata.partner`, `app_metadata.partner is set`},
		{`logins_count:[10 TO 20}`, `logins_count is at least 10 and below 20`},
		{`last_login:{2024 TO *]`, `last_login is above 2024`},
		{`logins_count:[* TO 5]`, `logins_count is at most 5`},
		{`logins_count:[* TO *]`, `logins_count has any value`},
		{`a AND b OR c`, `(user_id, email, name, given_name, family_name, nickname, username or phone_number is a and user_id, email, name, given_name, family_name, nickname, username or phone_number is b) or user_id, email, name, given_name, family_name, nickname, username or phone_number is c`},
		{`app_metadata.region:emea AND NOT (blocked:true OR logins_count:0)`, `app_metadata.region is emea and not (blocked is true or logins_count is 0)`},
		{`NOT blocked:true`, `not blocked is true`},
	}
	for _, tt := range tests {
		if got := mustParse(t, tt.q).Words(); got != tt.want {
			t.Errorf("Parse(%q).Words() = %q, want %q", tt.q, got, tt.want)
		}
	}
}

func TestMatchKnown(t *testing.T) {
	doc := map[string]any{
		"identities":   []any{map[string]any{"connection": "acme-db"}},
		"app_metadata": map[string]any{"partner": "acme"},
	}
	known := func(f string) bool {
		return f == "identities.connection" || f == "app_metadata.partner" || strings.HasPrefix(f, "app_metadata.partner.")
	}
	tests := []struct {
		q              string
		match, certain bool
	}{
		{`app_metadata.partner:acme`, true, true},
		{`app_metadata.partner:globex`, false, true},
		{`app_metadata.region:emea`, false, false},
		{`app_metadata.partner:acme AND app_metadata.region:emea`, false, false},
		{`app_metadata.partner:globex AND app_metadata.region:emea`, false, true},
		{`app_metadata.partner:acme OR app_metadata.region:emea`, true, true},
		{`NOT app_metadata.partner:acme`, false, true},
		{`identities.connection:"acme-db" AND app_metadata.partner:acme`, true, true},
		{`email.domain:acme.example`, false, false},
		{`acme`, false, false},
		{`*:*`, true, true},
		{`+app_metadata.partner:acme other:x`, true, true},
		{`-app_metadata.partner:acme other:x`, false, true},
		{`app_metadata.partner:globex other:x`, false, false},
		{`_exists_:app_metadata.partner`, true, true},
	}
	for _, tt := range tests {
		m, c := mustParse(t, tt.q).MatchKnown(doc, known)
		if m != tt.match || c != tt.certain {
			t.Errorf("MatchKnown(%q) = %v, %v; want %v, %v", tt.q, m, c, tt.match, tt.certain)
		}
	}
	// With every field known, MatchKnown is Match.
	users := loadUsers(t)
	all := func(string) bool { return true }
	for _, c := range matchCases() {
		q := mustParse(t, c.q)
		for i, u := range users {
			if m, certain := q.MatchKnown(u, all); !certain || m != q.Match(u) {
				t.Errorf("MatchKnown(%q) on %s with every field known = %v, %v; Match = %v", c.q, userKeys[i], m, certain, q.Match(u))
			}
		}
	}
}

func TestDocumentFields(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{`*:*`, nil},
		{`app_metadata.region:emea AND identities.connection:x`, []string{"app_metadata", "identities"}},
		{`email.domain:acme.example OR NOT _exists_:user_metadata.x`, []string{"email", "user_metadata"}},
		{`jane`, []string{"email", "family_name", "given_name", "name", "nickname", "phone_number", "user_id", "username"}},
		{`logins_count:[1 TO *]`, []string{"logins_count"}},
	}
	for _, tt := range tests {
		if got := mustParse(t, tt.q).DocumentFields(); !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q).DocumentFields() = %q, want %q", tt.q, got, tt.want)
		}
	}
}
