package userquery

import (
	"slices"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/lucene"
)

// box is the search box's clause for a single word w (already escaped), as Compile writes it.
func box(w string) string {
	return "(name:" + w + "* OR email:" + w + "* OR nickname:" + w + "* OR given_name:" + w +
		"* OR family_name:" + w + "* OR username:" + strings.ToLower(w) + "* OR user_id:" + w + "*)"
}

// TestCompile is the table of inputs and the queries they compile to, hostile values included:
// each is escaped into a single term of the field it was typed for.
func TestCompile(t *testing.T) {
	tests := []struct {
		name string
		in   Filters
		want string
	}{
		{"nothing", Filters{}, ""},
		{"blanks only", Filters{Text: "   ", Email: "\t"}, ""},
		{"one word", Filters{Text: "jane"}, box("jane")},
		{"trimmed", Filters{Text: "  jane  "}, box("jane")},
		{"username lower-cased", Filters{Text: "Jane"}, box("Jane")},
		{"two words", Filters{Text: "Jane Doe"}, strings.TrimSuffix(box(`Jane\ Doe`), ")") +
			" OR ((given_name:Jane* OR family_name:Jane*) AND (given_name:Doe* OR family_name:Doe*)))"},
		{"five words are not split", Filters{Text: "a b c d e"}, box(`a\ b\ c\ d\ e`)},
		{"star", Filters{Text: "*"}, box(`\*`)},
		{"backslash", Filters{Text: `\`}, box(`\\`)},
		{"colon", Filters{Text: "email:x"}, box(`email\:x`)},
		{"quote", Filters{Text: `"`}, box(`\"`)},
		{"question mark", Filters{Text: "?"}, box(`\?`)},
		{"slash regex", Filters{Text: "/.*/"}, box(`\/.\*\/`)},
		{"operators", Filters{Text: "&&||!+-=^~"}, box(`\&\&\|\|\!\+\-\=\^\~`)},
		{"brackets", Filters{Text: "[a TO z]{}()"}, strings.TrimSuffix(box(`\[a\ TO\ z\]\{\}\(\)`), ")") +
			` OR ((given_name:\[a* OR family_name:\[a*) AND (given_name:TO* OR family_name:TO*) AND (given_name:z\]\{\}\(\)* OR family_name:z\]\{\}\(\)*)))`},
		{"AND alone", Filters{Text: "AND"}, box("AND")},
		{"unicode", Filters{Text: "Zoë 山田"}, strings.TrimSuffix(box(`Zoë\ 山田`), ")") +
			" OR ((given_name:Zoë* OR family_name:Zoë*) AND (given_name:山田* OR family_name:山田*)))"},
		{"unicode space is escaped", Filters{Text: "a\u3000b"}, strings.TrimSuffix(box("a\\\u3000b"), ")") +
			" OR ((given_name:a* OR family_name:a*) AND (given_name:b* OR family_name:b*)))"},
		{"angle brackets match whole", Filters{Text: "<b>"}, `(name:"<b>" OR email:"<b>" OR nickname:"<b>" OR given_name:"<b>" OR family_name:"<b>" OR username:"<b>" OR user_id:"<b>")`},
		{"email prefix", Filters{Email: "jane@ex"}, "email:jane@ex*"},
		{"email domain", Filters{Email: "@example.com"}, `email.domain:"example.com"`},
		{"email domain hostile", Filters{Email: `@x" OR "y`}, `email.domain:"x\" OR \"y"`},
		{"lone @ is a prefix", Filters{Email: "@"}, "email:@*"},
		{"name prefix", Filters{Name: "Ada L"}, `name:Ada\ L*`},
		{"user id exact", Filters{UserID: `auth0|x" OR user_id:*`}, `user_id:"auth0|x\" OR user_id:*"`},
		{"connection exact", Filters{Connection: `x" OR identities.connection:"employees`}, `identities.connection:"x\" OR identities.connection:\"employees"`},
		{"blocked", Filters{Blocked: Yes}, "blocked:true"},
		{"not blocked", Filters{Blocked: No}, "NOT blocked:true"},
		{"verified", Filters{EmailVerified: Yes}, "email_verified:true"},
		{"unverified", Filters{EmailVerified: No}, "NOT email_verified:true"},
		{"last login from", Filters{LastLoginFrom: "2024-01-31"}, "last_login:[2024-01-31 TO *]"},
		{"last login to", Filters{LastLoginTo: "2024-02-01"}, "last_login:[* TO 2024-02-01]"},
		{"last login both", Filters{LastLoginFrom: "2024-01-01", LastLoginTo: "2024-01-01"}, "last_login:[2024-01-01 TO 2024-01-01]"},
		{"logins", Filters{LoginsMin: "3", LoginsMax: "10"}, "logins_count:[3 TO 10]"},
		{"logins leading zeros", Filters{LoginsMin: "007"}, "logins_count:[7 TO *]"},
		{"raw", Filters{Raw: `app_metadata.plan:"gold"`}, `(app_metadata.plan:gold)`},
		{"raw printed again", Filters{Raw: `name:"Ada Lovelace"   OR   email:ada*`}, `(name:"Ada Lovelace" OR email:ada*)`},
		{"inactive 90 days", Filters{Inactive: "90", Now: time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC)}, "last_login:{* TO 2026-09-06}"},
		{"inactive a year", Filters{Inactive: "365", Now: time.Date(2026, 3, 1, 0, 30, 0, 0, time.FixedZone("x", 3600))}, "last_login:{* TO 2025-02-28}"},
		{"never signed in", Filters{Inactive: "never"}, "NOT _exists_:last_login"},
		{"created between", Filters{CreatedFrom: "2024-01-01", CreatedTo: "2024-06-30"}, "created_at:[2024-01-01 TO 2024-06-30]"},
		{"created before", Filters{CreatedTo: "2020-01-01"}, "created_at:[* TO 2020-01-01]"},
		{"raw first, then filters", Filters{Raw: "a OR b", Name: "x", Blocked: Yes},
			"(a OR b) AND name:x* AND blocked:true"},
		{"everything", Filters{Text: "x", Email: "@e.com", Name: "n", UserID: "u|1", Connection: "c",
			Blocked: No, EmailVerified: Yes, LastLoginFrom: "2024-01-01", LastLoginTo: "2024-12-31",
			LoginsMin: "1", LoginsMax: "2"},
			box("x") + ` AND email.domain:"e.com" AND name:n* AND user_id:"u|1" AND identities.connection:"c"` +
				" AND NOT blocked:true AND email_verified:true AND last_login:[2024-01-01 TO 2024-12-31] AND logins_count:[1 TO 2]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := Compile(tt.in)
			if err != nil {
				t.Fatalf("Compile(%+v): %v", tt.in, err)
			}
			if plan.Q != tt.want {
				t.Errorf("Compile(%+v).Q\n got %s\nwant %s", tt.in, plan.Q, tt.want)
			}
			if _, err := lucene.Parse(plan.Q); err != nil {
				t.Errorf("the query does not parse: %v\n%s", err, plan.Q)
			}
		})
	}
}

// TestCompileErrors: inputs that cannot be searched are refused with a message for their field.
func TestCompileErrors(t *testing.T) {
	long := strings.Repeat("a", MaxValueLength+1)
	tests := []struct {
		name  string
		in    Filters
		field string
	}{
		{"box too long", Filters{Text: long}, FieldText},
		{"10000 a's", Filters{Text: strings.Repeat("a", 10000)}, FieldText},
		{"email too long", Filters{Email: long}, FieldEmail},
		{"control character", Filters{Name: "a\x00b"}, FieldName},
		{"escape sequence", Filters{Text: "a\x1b[2J"}, FieldText},
		{"invalid utf-8", Filters{UserID: "a\xffb"}, FieldUserID},
		{"blocked value", Filters{Blocked: "maybe"}, FieldBlocked},
		{"verified value", Filters{EmailVerified: "true OR x"}, FieldEmailVerified},
		{"date format", Filters{LastLoginFrom: "31/01/2024"}, FieldLastLoginFrom},
		{"date injection", Filters{LastLoginTo: "2024-01-01] OR user_id:*"}, FieldLastLoginTo},
		{"date order", Filters{LastLoginFrom: "2024-02-01", LastLoginTo: "2024-01-01"}, FieldLastLoginTo},
		{"logins not a number", Filters{LoginsMin: "3 TO *] OR x:["}, FieldLoginsMin},
		{"logins negative", Filters{LoginsMax: "-1"}, FieldLoginsMax},
		{"logins too big", Filters{LoginsMax: "99999999999"}, FieldLoginsMax},
		{"logins order", Filters{LoginsMin: "5", LoginsMax: "4"}, FieldLoginsMax},
		{"raw unbalanced paren", Filters{Raw: "a) OR (b"}, FieldRaw},
		{"raw open paren", Filters{Raw: "(a"}, FieldRaw},
		{"raw open quote", Filters{Raw: `name:"a`}, FieldRaw},
		{"raw open range", Filters{Raw: "logins_count:[1 TO 2"}, FieldRaw},
		{"raw too long", Filters{Raw: strings.Repeat("a", MaxRawLength+1)}, FieldRaw},
		{"raw trailing backslash", Filters{Raw: `name:x\`}, FieldRaw},
		{"raw missing term", Filters{Raw: "name: AND"}, FieldRaw},
		{"inactive not offered", Filters{Inactive: "7"}, FieldInactive},
		{"created swapped", Filters{CreatedFrom: "2024-02-01", CreatedTo: "2024-01-01"}, FieldCreatedTo},
		{"created not a date", Filters{CreatedFrom: "yesterday"}, FieldCreatedFrom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := Compile(tt.in)
			es, ok := AsErrors(err)
			if !ok {
				t.Fatalf("Compile(%+v) = %q, %v; want Errors", tt.in, plan.Q, err)
			}
			if es.For(tt.field) == "" {
				t.Errorf("no message for %s: %v", tt.field, es)
			}
			if plan.Q != "" {
				t.Errorf("a refused input still compiled to %q", plan.Q)
			}
		})
	}
	// Escaped brackets and quotes inside a raw query are balanced.
	if _, err := Compile(Filters{Raw: `name:"a\"b" AND x:\(`}); err != nil {
		t.Errorf("escapes in a raw query: %v", err)
	}
}

// TestPlanShortcuts: a user id or an e-mail address alone in the box is reported for a direct
// look-up; with any other input it is not (the search must apply every filter).
func TestPlanShortcuts(t *testing.T) {
	tests := []struct {
		in            Filters
		userID, email string
	}{
		{Filters{Text: "auth0|64a1b2c3d4e5f60718293a4b"}, "auth0|64a1b2c3d4e5f60718293a4b", ""},
		{Filters{Text: " samlp|acme-saml|alan.turing@acme.example "}, "samlp|acme-saml|alan.turing@acme.example", ""},
		{Filters{Text: "auth0|legacy/00042 bl"}, "auth0|legacy/00042 bl", ""},
		{Filters{Text: "Jane.Doe@Example.com"}, "", "Jane.Doe@Example.com"},
		{Filters{Text: "jane@example"}, "", ""},
		{Filters{Text: "jane"}, "", ""},
		{Filters{Text: "a|"}, "", ""},
		{Filters{Text: "auth0|x", Blocked: Yes}, "", ""},
		{Filters{Text: "jane@example.com", Raw: "x:y"}, "", ""},
	}
	for _, tt := range tests {
		plan, err := Compile(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if plan.UserID != tt.userID || plan.Email != tt.email {
			t.Errorf("Compile(%+v) = user id %q, email %q; want %q, %q", tt.in, plan.UserID, plan.Email, tt.userID, tt.email)
		}
		if tt.in.Text != "" && plan.Q == "" {
			t.Errorf("Compile(%+v): no fallback query", tt.in)
		}
	}
}

// hostile are values that would widen or break a query if they were not escaped (checklist
// items 46 and 48).
var hostile = []string{
	`*`, `a* OR app_metadata.roles:admin`, `") OR (email:*`, `x" OR identities.connection:"employees`,
	`\`, `name:/.*/`, `) OR (`, `AND`, `NOT`, `OR *`, `"`, `\"`, `a\`, `(`, `)`, `[* TO *]`, `{}`,
	`*:*`, `_exists_:email`, `-blocked:true`, `+x`, `!x`, `&&`, `||`, `a?b`, `~1`, `^2`, `x:y:z`,
	`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `javascript:alert(1)`,
	`" hx-get="/users/x/delete" hx-trigger="load`, `Zoë`, `山田 太郎`, `ÄÖÜ`, "tab\tin", `İstanbul`,
	`💥 boom`, `x\ y`, `@`, `.`, `..`, `%2A`,
}

// corpus builds user documents: one per hostile value (in every text field), each with a
// variant that has the value as a prefix, and ordinary users that only a widened query would
// find.
func corpus() []map[string]any {
	var docs []map[string]any
	for i, v := range hostile {
		for j, s := range []string{v, v + "tail"} {
			docs = append(docs, map[string]any{
				"user_id": "auth0|" + string(rune('a'+i%26)) + strings.Repeat("x", j) + "-" + v,
				"name":    s, "nickname": "nick" + s, "given_name": "g" + s, "family_name": "f" + s,
				"email": "u" + string(rune('a'+i%26)) + "@example.com", "username": strings.ToLower("user" + s),
				"app_metadata": map[string]any{"roles": []any{"admin"}}, "blocked": true,
				"identities": []any{map[string]any{"connection": "employees"}},
			})
		}
	}
	for _, n := range []string{"Jane Doe", "John Smith", "Ada Lovelace", "admin"} {
		docs = append(docs, map[string]any{"user_id": "auth0|" + n, "name": n, "email": strings.ReplaceAll(strings.ToLower(n), " ", ".") + "@example.com",
			"identities": []any{map[string]any{"connection": "customers"}}, "email_verified": true})
	}
	return docs
}

// oracle says, in plain Go, which documents the search box's text must find: a field starting
// with it (case-insensitively for the normalized fields), or every word starting a given or
// family name; a value holding '<' or '>' must equal a field instead.
func oracle(doc map[string]any, text string) bool {
	text = strings.TrimSpace(text)
	whole := strings.ContainsAny(text, "<>")
	str := func(k string) string { s, _ := doc[k].(string); return s }
	match := func(value, v string, fold bool) bool {
		if fold {
			value, v = strings.ToLower(value), strings.ToLower(v)
		}
		if whole {
			return value == v
		}
		return strings.HasPrefix(value, v)
	}
	for _, f := range []string{"name", "email", "nickname", "given_name", "family_name"} {
		if match(str(f), text, true) {
			return true
		}
	}
	if match(str("username"), strings.ToLower(text), false) || match(str("user_id"), text, false) {
		return true
	}
	words := strings.Fields(text)
	if len(words) < 2 || len(words) > maxWords {
		return false
	}
	for _, w := range words {
		if !match(str("given_name"), w, true) && !match(str("family_name"), w, true) {
			return false
		}
	}
	return true
}

// TestHostileValuesMatchLiterally compiles each hostile value typed in the box, parses the
// query with the emulated tenant's Lucene parser, and matches it against the corpus: exactly the
// documents the oracle names are found, so the value matched itself and nothing else.
func TestHostileValuesMatchLiterally(t *testing.T) {
	docs := corpus()
	for _, v := range hostile {
		plan, err := Compile(Filters{Text: v})
		if err != nil {
			t.Errorf("Compile(%q): %v", v, err)
			continue
		}
		q, err := lucene.Parse(plan.Q)
		if err != nil {
			t.Errorf("text %q: query does not parse: %v\n%s", v, err, plan.Q)
			continue
		}
		found := 0
		for _, d := range docs {
			got, want := q.Match(d), oracle(d, v)
			if got != want {
				t.Errorf("text %q on user %q: match = %v, want %v\nq = %s", v, d["user_id"], got, want, plan.Q)
			}
			if got {
				found++
			}
		}
		if found == 0 || found == len(docs) {
			t.Errorf("text %q found %d of %d users; the value should find its own users only", v, found, len(docs))
		}
	}
}

// TestHostileFiltersMatchLiterally does the same for the filters: each finds exactly the users
// whose field holds the value (or starts with it, for name and e-mail).
func TestHostileFiltersMatchLiterally(t *testing.T) {
	docs := corpus()
	for _, v := range hostile {
		for _, tt := range []struct {
			in    Filters
			field string
			want  func(map[string]any) bool
		}{
			{Filters{Name: v}, "name", func(d map[string]any) bool {
				s, _ := d["name"].(string)
				if strings.ContainsAny(v, "<>") {
					return strings.EqualFold(s, v)
				}
				return strings.HasPrefix(strings.ToLower(s), strings.ToLower(strings.TrimSpace(v)))
			}},
			{Filters{UserID: v}, "user_id", func(d map[string]any) bool { return d["user_id"] == strings.TrimSpace(v) }},
			{Filters{Connection: v}, "identities.connection", func(map[string]any) bool { return false }},
		} {
			plan, err := Compile(tt.in)
			if err != nil {
				t.Errorf("Compile(%+v): %v", tt.in, err)
				continue
			}
			q, err := lucene.Parse(plan.Q)
			if err != nil {
				t.Errorf("%+v: query does not parse: %v\n%s", tt.in, err, plan.Q)
				continue
			}
			if !slices.Contains(q.Fields(), tt.field) || len(q.Fields()) != 1 {
				t.Errorf("%+v: fields %v, want only %s", tt.in, q.Fields(), tt.field)
			}
			for _, d := range docs {
				if got, want := q.Match(d), tt.want(d); got != want {
					t.Errorf("%+v on %q: match = %v, want %v\nq = %s", tt.in, d["user_id"], got, want, plan.Q)
				}
			}
		}
	}
}

// FuzzCompile: whatever is typed, the compiled query parses, references the field of every
// filter that was set (a value can never drop its own field), finds a user whose fields hold
// exactly the typed values, and never matches a user that has none of them.
func FuzzCompile(f *testing.F) {
	for _, v := range hostile {
		f.Add(v, v, v, v, v, "2024-01-01", "3")
	}
	f.Add("jane doe", "jane@", "Jane", "auth0|1", "Username-Password-Authentication", "", "")
	f.Fuzz(func(t *testing.T, text, email, name, userID, conn, date, logins string) {
		in := Filters{Text: text, Email: email, Name: name, UserID: userID, Connection: conn,
			LastLoginFrom: date, LoginsMin: logins}
		plan, err := Compile(in)
		if err != nil {
			if _, ok := AsErrors(err); !ok {
				t.Fatalf("Compile error is not Errors: %v", err)
			}
			return
		}
		q, err := lucene.Parse(plan.Q)
		if err != nil {
			t.Fatalf("Compile(%+v) = %q, which does not parse: %v", in, plan.Q, err)
		}
		fields := q.Fields()
		tr := in.trimmed()
		for _, want := range []struct {
			set   bool
			field string
		}{
			{tr.Text != "", "name"}, {tr.Email != "", "email"}, {tr.Name != "", "name"},
			{tr.UserID != "", "user_id"}, {tr.Connection != "", "identities.connection"},
			{tr.LastLoginFrom != "", "last_login"}, {tr.LoginsMin != "", "logins_count"},
		} {
			if want.field == "email" && strings.HasPrefix(tr.Email, "@") && len(tr.Email) > 1 {
				want.field = "email.domain"
			}
			if want.set && !slices.Contains(fields, want.field) {
				t.Fatalf("Compile(%+v) = %q dropped the field %s (fields %v)", in, plan.Q, want.field, fields)
			}
		}
		if plan.Q == "" {
			return
		}
		// Nobody: a user with none of the fields matches no clause.
		if q.Match(map[string]any{}) {
			t.Fatalf("Compile(%+v) = %q matches a user without any field", in, plan.Q)
		}
		// The box's text finds a user whose name is exactly that text.
		if tr.Text != "" && !in.hasOtherThanText() {
			if !q.Match(map[string]any{"name": tr.Text}) {
				t.Fatalf("text %q does not find the user named %q: %s", tr.Text, tr.Text, plan.Q)
			}
		}
	})
}

// hasOtherThanText reports whether a filter besides the box is set.
func (f Filters) hasOtherThanText() bool { return !f.trimmed().onlyText() }
