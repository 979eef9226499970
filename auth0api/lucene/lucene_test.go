package lucene

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// userKeys names the users of testdata/users.json, in file order.
var userKeys = []string{"jane", "john", "bob", "jeanluc", "newbie", "mona", "carol", "sms", "zoe", "dan"}

// loadUsers decodes testdata/users.json the way the emulated tenant holds users: raw JSON objects.
func loadUsers(t testing.TB) []map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/users.json")
	if err != nil {
		t.Fatal(err)
	}
	var users []map[string]any
	if err := json.Unmarshal(b, &users); err != nil {
		t.Fatal(err)
	}
	if len(users) != len(userKeys) {
		t.Fatalf("testdata has %d users, userKeys names %d", len(users), len(userKeys))
	}
	return users
}

// hits runs q over users and returns the keys of the users it matches, in file order.
func hits(q *Query, users []map[string]any) []string {
	out := []string{}
	for i, u := range users {
		if q.Match(u) {
			out = append(out, userKeys[i])
		}
	}
	return out
}

func everyoneBut(except ...string) []string {
	var out []string
	for _, k := range userKeys {
		if !slices.Contains(except, k) {
			out = append(out, k)
		}
	}
	return out
}

// matchCase is a query and the users it must match.
type matchCase struct {
	q    string
	want []string
}

// matchCases is the search table over testdata/users.json.
func matchCases() []matchCase {
	none := []string{}
	return []matchCase{
		// Whole-value matching (v3 does not tokenize) and the case rules of the normalized fields.
		{`name:"jane smith"`, []string{"jane"}},
		{`name:jane`, none},
		{`name:"JANE SMITH"`, []string{"jane"}},
		{`email:"JOHN.DOE@GMAIL.COM"`, []string{"john"}},
		{`email:bob.jones@acme.example`, []string{"bob"}},
		{`name:"ZOË ÅNGSTRÖM"`, []string{"zoe"}},
		{`user_id:auth0`, none},
		{`user_id:"google-oauth2|104598712345678901234"`, []string{"john"}},
		{`user_id:samlp|acme-saml|bob.jones@acme.example`, []string{"bob"}},
		{`user_id:github|5005`, []string{"mona"}},
		{`last_ip:203.0.113.10`, []string{"jane"}},
		{`phone_number:+447700900123`, []string{"sms"}},
		{`connection:"google-oauth2"`, none}, // v3 knows only identities.connection
		{`picture:"https://example.com/jane.png"`, none},

		// Wildcards.
		{`name:jane*`, []string{"jane"}},
		{`name:*smith`, []string{"jane"}},
		{`name:*john*`, []string{"john"}},
		{`name:jane*smith`, []string{"jane"}},
		{`name:Zoë*`, []string{"zoe"}},
		{`name:*ångström`, []string{"zoe"}},
		{`user_id:auth0*`, []string{"jane", "jeanluc", "newbie", "zoe", "dan"}},
		{`user_id:AUTH0*`, none},
		{`phone_number:+1555*`, []string{"carol"}},
		{`app_metadata.ship.registry:NCC*`, []string{"jeanluc"}},
		{`app_metadata.department:S*`, []string{"bob", "carol"}},
		{`*example.com`, []string{"jane", "newbie", "zoe"}},

		// email.domain and identities.
		{`email.domain:"example.com"`, []string{"jane", "newbie", "zoe"}},
		{`email.domain:acme.example`, []string{"bob"}},
		{`identities.connection:"google-oauth2"`, []string{"john"}},
		{`identities.connection:"Username-Password-Authentication"`, []string{"jane", "jeanluc", "newbie", "mona", "zoe", "dan"}},
		{`identities.provider:github AND identities.isSocial:true`, []string{"mona"}},
		{`identities.user_id:5005`, []string{"mona"}},
		{`identities.profileData.email:"mona@example.com"`, []string{"mona"}},

		// Booleans, including email_verified sent as a string.
		{`blocked:true`, []string{"bob"}},
		{`NOT blocked:true`, everyoneBut("bob")},
		{`-blocked:true`, everyoneBut("bob")},
		{`NOT NOT blocked:true`, []string{"bob"}},
		{`blocked:false`, []string{"jane", "jeanluc", "zoe"}}, // a missing field is not false
		{`email_verified:false`, []string{"jeanluc", "newbie"}},
		{`email_verified:true`, []string{"jane", "john", "bob", "mona", "carol", "zoe", "dan"}},
		{`email_verified:false OR NOT _exists_:email_verified`, []string{"jeanluc", "newbie", "sms"}},
		{`email_verified:false AND email.domain:example.com`, []string{"newbie"}},

		// Numbers and number ranges.
		{`logins_count:5`, []string{"john"}},
		{`(NOT _exists_:logins_count OR logins_count:0)`, []string{"bob", "newbie"}},
		{`logins_count:[100 TO 200]`, []string{"jane", "jeanluc", "zoe"}},
		{`logins_count:{100 TO 200}`, []string{"jane"}},
		{`logins_count:[100 TO 200}`, []string{"jane", "zoe"}},
		{`logins_count:{100 TO *]`, []string{"jane", "jeanluc", "dan"}},
		{`logins_count:[* TO 5]`, []string{"john", "bob", "sms"}},

		// Dates: partial dates stand for their whole period.
		{`last_login:[* TO 2017-12-31]`, []string{"zoe"}},
		{`last_login:[2017-12 TO 2017-12]`, []string{"zoe"}},
		{`last_login:[2024-06-01 TO 2024-06-30]`, []string{"mona", "carol"}},
		{`last_login:["2024-06-01" TO "2024-06-30"]`, []string{"mona", "carol"}},
		{`last_login:{2024-12-30 TO *]`, []string{"john", "jeanluc", "sms"}},
		{`created_at:[2024-12-31T23:00:00Z TO 2025-01-01}`, []string{"sms"}},
		{`created_at:2023`, []string{"jane", "jeanluc"}},
		{`created_at:"2023-01-25T19:00:26.539Z"`, []string{"jane"}},
		{`updated_at:[2025-01-01 TO *]`, []string{"john", "jeanluc", "newbie", "sms"}},

		// app_metadata: nesting, arrays, numbers, case-sensitivity, string ranges.
		{`app_metadata.plan:gold`, []string{"jane", "jeanluc", "zoe"}},
		{`app_metadata.plan:Gold`, none},
		{`app_metadata.subscription.plan:"gold"`, []string{"jane"}},
		{`app_metadata.subscription.seats:5`, []string{"jane"}},
		{`app_metadata.roles:admin`, []string{"jane", "zoe"}},
		{`app_metadata.roles:*`, []string{"jane", "jeanluc", "carol", "zoe"}}, // john's [] is not indexed
		{`app_metadata.roles:support AND NOT app_metadata.plan:enterprise`, []string{"jane"}},
		{`app_metadata.plan:(gold OR pro)`, []string{"jane", "jeanluc", "mona", "zoe", "dan"}},
		{`app_metadata.plan:(gold pro)`, []string{"jane", "jeanluc", "mona", "zoe", "dan"}},
		{`app_metadata.seats:[5 TO 10]`, []string{"mona"}},
		{`app_metadata.beta:true`, []string{"mona"}},
		{`app_metadata.employee_id:1001`, []string{"jane"}},
		{`app_metadata.department:[S TO Sb]`, []string{"bob"}},

		// Escaping.
		{`app_metadata.tags:a\+b`, []string{"dan"}},
		{`app_metadata.tags:c\(d\)`, []string{"dan"}},
		{`app_metadata.tags:"c(d)"`, []string{"dan"}},
		{`app_metadata.tags:50%`, []string{"dan"}},
		{`app_metadata.note:needs\ review`, []string{"dan"}},
		{`name:Dan\ O\'Brien\ \(test\)`, []string{"dan"}},
		{`name:"Dan O'Brien (test)"`, []string{"dan"}},
		{`nickname:dan\:admin`, []string{"dan"}},
		{`name:"\"quoted\""`, none},

		// user_metadata: nesting and arrays; empty objects, arrays and null are not indexed.
		{`user_metadata.favorite_color:blue`, []string{"jane", "dan"}},
		{`user_metadata.preferences.fontSize:13`, []string{"jane", "zoe"}},
		{`user_metadata.addresses.city:"Paris"`, []string{"jane"}},
		{`user_metadata.full_name:"Jean-Luc Picard"`, []string{"jeanluc"}},
		{`user_metadata.approved:false`, []string{"jeanluc"}},
		{`user_metadata.nickname:jane`, []string{"dan"}},
		{`_exists_:user_metadata.favorite_color`, []string{"jane", "bob", "mona", "carol", "dan"}},
		{`_exists_:user_metadata.addresses`, []string{"jane"}},
		{`_exists_:user_metadata.tags`, none},
		{`_exists_:app_metadata.manager`, none},
		{`_exists_:last_login`, everyoneBut("bob", "newbie")},
		{`_exists_:email`, everyoneBut("sms")},
		{`email:*`, everyoneBut("sms")},
		{`picture:*`, none},

		// Bare terms search the default fields, never metadata.
		{`jane`, []string{"jane"}},
		{`JANE`, []string{"jane"}},
		{`smith`, []string{"jane"}},
		{`"Jane Smith"`, []string{"jane"}},
		{`(jane)`, []string{"jane"}},
		{`jane OR john`, []string{"jane", "john"}},
		{`jane john`, []string{"jane", "john"}},
		{`"+447700900123"`, []string{"sms"}},
		{`+447700900123`, none}, // + is the required-clause prefix, so this searches 447700900123

		// Operators, precedence, groups and prefixes.
		{`given_name:john OR family_name:smith`, []string{"jane", "john"}},
		{`given_name:j* AND NOT family_name:doe`, []string{"jane", "jeanluc"}},
		{`given_name:j* && !family_name:doe`, []string{"jane", "jeanluc"}},
		{`given_name:j* || nickname:octo`, []string{"jane", "john", "jeanluc", "mona"}},
		{`nickname:octo OR given_name:j* AND family_name:doe`, []string{"john", "mona"}},
		{`(nickname:octo OR given_name:j*) AND family_name:doe`, []string{"john"}},
		{`name:("jane smith" OR "john doe")`, []string{"jane", "john"}},
		{`+app_metadata.plan:gold -blocked:true`, []string{"jane", "jeanluc", "zoe"}},
		{`+app_metadata.plan:gold -logins_count:[150 TO *]`, []string{"jane", "zoe"}},
		{`+app_metadata.plan:gold nickname:zoe`, []string{"jane", "jeanluc", "zoe"}},
		{`app_metadata.plan:gold AND (logins_count:[* TO 100] OR last_login:[* TO 2018])`, []string{"zoe"}},
		{`_exists_:(email_verified phone_verified)`, userKeys},
		{`_exists_:(phone_verified)`, []string{"sms"}},

		// Match everything.
		{`*:*`, userKeys},
		{`*`, userKeys},
		{``, userKeys},
		{`name:*`, userKeys},
	}
}

func TestMatch(t *testing.T) {
	users := loadUsers(t)
	for _, tt := range matchCases() {
		q, err := Parse(tt.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.q, err)
			continue
		}
		if got := hits(q, users); !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q) [%s] matches %v, want %v", tt.q, q, got, tt.want)
		}
	}
}

// syntaxErrorCase is a query Parse must refuse, where, and with what words.
type syntaxErrorCase struct {
	q       string
	pos     int
	contain string
}

// syntaxErrorCases is the table of invalid queries.
func syntaxErrorCases() []syntaxErrorCase {
	return []syntaxErrorCase{
		{`(name:jane`, 0, "never closed"},
		{`name:jane)`, 9, "no matching '('"},
		{`((a) OR b`, 0, "never closed"},
		{`name:"jane`, 5, "unterminated quoted phrase"},
		{`"jane\"`, 0, "unterminated quoted phrase"},
		{`name:jane AND`, 10, "needs a term on its right"},
		{`AND name:jane`, 0, "needs a term on its left"},
		{`name:jane OR OR x`, 13, "two operators in a row"},
		{`a AND OR b`, 6, "two operators in a row"},
		{`NOT`, 0, "needs a term on its right"},
		{`a (NOT)`, 3, "needs a term on its right"},
		{`- a`, 0, "must be followed by a term"},
		{`a +`, 2, "must be followed by a term"},
		{`()`, 1, "empty parentheses"},
		{`name:()`, 6, "empty parentheses"},
		{`name:*ab`, 5, "at least 3 literal characters"},
		{`name:*ab*`, 5, "at least 3 literal characters"},
		{`*ab`, 0, "at least 3 literal characters"},
		{`name:jo?n`, 7, "'?' wildcard is not supported"},
		{`user_metadata.favorite_color:bl*`, 29, "not available on user_metadata"},
		{`user_metadata.favorite_color:*`, 29, "not available on user_metadata"},
		{`user_metadata.preferences.fontSize:[10 TO 20]`, 35, "range searches are not available on user_metadata"},
		{`:jane`, 0, "field name is missing"},
		{`jane AND :x`, 9, "field name is missing"},
		{`name:`, 5, "has no value"},
		{`name: AND x`, 6, "has no value"},
		{`a..b:x`, 0, "empty path segment"},
		{`app_metadata.:x`, 0, "empty path segment"},
		{`user_metadata.*env:x`, 0, "wildcards are not allowed in field names"},
		{`*:jane`, 0, "'*:' is not supported"},
		{`_exists_:user*`, 9, "without wildcards"},
		{`logins_count:abc`, 13, "needs a number"},
		{`logins_count:>=5`, 13, "comparison operators are not supported"},
		{`created_at:yesterday`, 11, "ISO 8601 date"},
		{`created_at:2024-01-01T10:00:00Z`, 11, "quote a date-time"},
		{`a:b:c`, 3, "field name is missing"},
		{`blocked:yes`, 8, "true or false"},
		{`blocked:[false TO true]`, 8, "true or false"},
		{`logins_count:l*`, 13, "not text"},
		{`logins_count:[1 TO abc]`, 19, "needs numbers"},
		{`created_at:[2024-01-01 TO]`, 25, "bound is missing"},
		{`logins_count:[1 10]`, 16, "expected 'TO'"},
		{`logins_count:[1 TO 10`, 21, "unterminated range"},
		{`logins_count:[1 TO 10 x]`, 22, "expected ']' or '}'"},
		{`[1 TO 10]`, 0, "a range needs a field"},
		{`name:jane]`, 9, "outside a range"},
		{`name:jane^2`, 9, "boosting"},
		{`name:jane~`, 9, "fuzzy"},
		{`/jan.*/`, 0, "regular expressions"},
		{`name:/jan.*/`, 5, "regular expressions"},
		{`name:jane\`, 9, "escapes nothing"},
		{strings.Repeat("a ", MaxLength/2+1), MaxLength, "longer than 4096 bytes"},
		{strings.Repeat("(", MaxDepth+1) + "a" + strings.Repeat(")", MaxDepth+1), MaxDepth, "nested more than 32 levels"},
		{strings.Repeat("NOT ", MaxDepth+1) + "a", 4 * MaxDepth, "nested more than 32 levels"},
		{strings.Repeat("-(", MaxDepth/2+1) + "a" + strings.Repeat(")", MaxDepth/2+1), 32, "nested more than 32 levels"},
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, tt := range syntaxErrorCases() {
		q, err := Parse(tt.q)
		if err == nil {
			t.Errorf("Parse(%.60q) = %s, want a syntax error", tt.q, q)
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%.60q) error %T %v, want *SyntaxError", tt.q, err, err)
			continue
		}
		if se.Pos != tt.pos || !strings.Contains(se.Msg, tt.contain) {
			t.Errorf("Parse(%.60q) = %d %q, want position %d and a message containing %q", tt.q, se.Pos, se.Msg, tt.pos, tt.contain)
		}
		if !strings.HasPrefix(err.Error(), "Query validation error: '") || !strings.HasSuffix(err.Error(), "on property q (Query in Lucene query string syntax).") {
			t.Errorf("Parse(%.60q) error reads %q, want Auth0's query validation wording", tt.q, err)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct{ q, want string }{
		{`name:"jane smith"`, `name:"jane smith"`},
		{`name:"jane"`, `name:jane`},
		{`a b c`, `a OR b OR c`},
		{`a AND b OR c`, `a AND b OR c`},
		{`a AND (b OR c)`, `a AND (b OR c)`},
		{`(a AND (b AND c))`, `a AND b AND c`},
		{`((a))`, `a`},
		{`a && !b || c`, `a AND NOT b OR c`},
		{`a AND -b`, `a AND NOT b`},
		{`-a`, `NOT a`},
		{`+a`, `a`},
		{`+a -b c`, `+a OR -b OR c`},
		{`+(a b) c`, `+(a OR b) OR c`},
		{`name:(a OR "b c")`, `name:a OR name:"b c"`},
		{`x AND name:(a b)`, `x AND (name:a OR name:b)`},
		{`name:John\ Doe`, `name:"John Doe"`},
		{`app_metadata.tags:a\+b*`, `app_metadata.tags:a\+b*`},
		{`logins_count:{100 TO *]`, `logins_count:{100 TO *]`},
		{`last_login:["2024-01-01T00:00:00Z" TO 2025]`, `last_login:["2024-01-01T00:00:00Z" TO 2025]`},
		{`*`, `*:*`},
		{``, `*:*`},
		{`name:*`, `_exists_:name`},
		{`_exists_:user_metadata.x`, `_exists_:user_metadata.x`},
		{`"AND"`, `"AND"`},
		{`\AND:x`, `\AND:x`},
		{`phone_number:+1555`, `phone_number:"+1555"`},
	}
	for _, tt := range tests {
		q, err := Parse(tt.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.q, err)
			continue
		}
		if got := q.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.q, got, tt.want)
		}
	}
}

func TestFields(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{`jane`, nil},
		{`*:*`, nil},
		{`name:jane AND (email.domain:x.com OR NOT name:john)`, []string{"email.domain", "name"}},
		{`_exists_:user_metadata.color OR logins_count:[1 TO 2] OR identities.connection:github`,
			[]string{"identities.connection", "logins_count", "user_metadata.color"}},
		{`app_metadata.plan:(gold OR pro)`, []string{"app_metadata.plan"}},
	}
	for _, tt := range tests {
		q, err := Parse(tt.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.q, err)
			continue
		}
		if got := q.Fields(); !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q).Fields() = %q, want %q", tt.q, got, tt.want)
		}
	}
}

func TestDefaultFieldsIsACopy(t *testing.T) {
	DefaultFields()[0] = "changed"
	if got := DefaultFields()[0]; got != "user_id" {
		t.Errorf("DefaultFields()[0] = %q after a caller changed its copy, want user_id", got)
	}
}

func TestMatchJSONNumbersAndOffsets(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(`{"logins_count": 150, "app_metadata": {"seats": 7},
		"last_login": "2024-06-01T14:00:00.000+02:00", "identities": [{"user_id": 5005}]}`))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		q    string
		want bool
	}{
		{`logins_count:[100 TO 200]`, true},
		{`logins_count:150`, true},
		{`app_metadata.seats:{7 TO *]`, false},
		{`identities.user_id:5005`, true},
		{`last_login:[2024-06-01T12:00:00Z TO 2024-06-01T12:00:00Z]`, true},
		{`last_login:{* TO 2024-06-01T12:00:00Z}`, false},
	} {
		q, err := Parse(tt.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.q, err)
		}
		if got := q.Match(doc); got != tt.want {
			t.Errorf("Parse(%q).Match(json.Number doc) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	users := loadUsers(t)
	for _, s := range []string{
		`jane`, `name:*smith`, `email.domain:example.com AND NOT blocked:true`, `logins_count:{100 TO *]`,
		`last_login:[2024-01-01 TO *]`, `user_metadata.addresses.city:Paris OR _exists_:app_metadata.roles`,
		`+app_metadata.plan:gold -identities.connection:github`,
	} {
		q, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		allocs := testing.AllocsPerRun(50, func() {
			for _, u := range users {
				q.Match(u)
			}
		})
		if allocs != 0 {
			t.Errorf("Parse(%q).Match allocates %v times per pass over the users, want 0", s, allocs)
		}
	}
}

func TestMatchConcurrently(t *testing.T) {
	users := loadUsers(t)
	q, err := Parse(`app_metadata.plan:gold OR name:*ohn* AND logins_count:[1 TO *]`)
	if err != nil {
		t.Fatal(err)
	}
	want := hits(q, users)
	done := make(chan []string)
	for range 4 {
		go func() { done <- hits(q, users) }()
	}
	for range 4 {
		if got := <-done; !slices.Equal(got, want) {
			t.Errorf("concurrent Match = %v, want %v", got, want)
		}
	}
}
