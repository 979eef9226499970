package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"userdesk/auth0api/lucene"
)

// hostileDocs are users built to be found by an escape: out of every demo reach, but matching what
// a hostile query would match if it left its parentheses; and a few look-alikes of the reach values.
func hostileDocs() []map[string]any {
	mk := func(id string, meta map[string]any, conn string, extra map[string]any) map[string]any {
		u := map[string]any{
			"user_id": id, "email": strings.ToLower(id) + "@example.com", "name": id, "email_verified": true,
			"identities": []any{map[string]any{"connection": conn, "provider": "auth0", "user_id": id}}, "app_metadata": meta,
			"logins_count": float64(3), "created_at": "2024-01-02T03:04:05.000Z",
		}
		for k, v := range extra {
			u[k] = v
		}
		return u
	}
	db := "Username-Password-Authentication"
	return []map[string]any{
		mk("in-emea", map[string]any{"region": "emea"}, db, nil),
		mk("in-acme", map[string]any{"partner": "acme"}, "acme-saml", nil),
		mk("in-acme-db", map[string]any{"partner": "acme", "region": "amer"}, db, nil),
		mk("out-amer", map[string]any{"region": "amer"}, db, nil),
		mk("out-EMEA", map[string]any{"region": "EMEA"}, db, nil),
		mk("out-emea-space", map[string]any{"region": "emea "}, db, nil),
		mk("out-emea-nbsp", map[string]any{"region": "emea\u00a0"}, db, nil),
		mk("out-emea-fullwidth", map[string]any{"region": "ｅｍｅａ"}, db, nil),
		mk("out-acme-google", map[string]any{"partner": "acme"}, "google-oauth2", nil),
		mk("out-saml-untagged", map[string]any{}, "acme-saml", nil),
		mk("out-acme-case", map[string]any{"partner": "ACME"}, "acme-saml", nil),
		mk("out-nested", map[string]any{"x": map[string]any{"region": "emea"}}, db, nil),
		mk("out-user-meta", nil, db, map[string]any{"user_metadata": map[string]any{"region": "emea"}}),
		mk("out-blocked", map[string]any{"region": "apac"}, db, map[string]any{"blocked": true, "logins_count": float64(0)}),
		mk(`out-paren)`, map[string]any{"region": "apac"}, db, map[string]any{"name": `x) OR (*:*`}),
		mk(`out-backslash\`, map[string]any{"region": "apac"}, db, map[string]any{"name": `a\`}),
	}
}

// hostileQueries try to reach out of the person's reach.
func hostileQueries() []string {
	long := strings.Repeat("name:a OR ", 500) + "name:b"
	return []string{
		``, `*`, `*:*`, `a OR *:*`, `*:* OR a`, `) OR *:* OR (`, `a) OR (*:*`, `(a`, `a)`, `((a)`, `a))`,
		`name:x\`, `x\`, `\`, `name:"x\" OR *:*`, `"\\" OR *:*`, `a\ OR\ *:*`, `\(a OR *:*\)`,
		`_exists_:user_id`, `_exists_:*`, `_exists_:app_metadata`, `NOT _exists_:app_metadata.region`,
		`app_metadata.*:emea`, `*:emea`, `app_metadata.region*:emea`, `app*:x`, `*.region:emea`,
		"app_metadata.region\uff1aemea", // fullwidth colon
		"\uff08a OR *:*\uff09",          // fullwidth parentheses
		"a\u00a0OR\u00a0*:*",            // no-break spaces
		"a\u200bOR *:*",                 // zero-width space
		"a\u3000OR\u3000*:*",            // ideographic spaces (whitespace to Lucene)
		"a\nOR *:*", "a\tOR\r*:*",
		`NOT app_metadata.region:emea`, `-app_metadata.region:emea`, `!app_metadata.region:emea`,
		`NOT NOT *:*`, `NOT (NOT *:*)`, `+*:* -app_metadata.region:emea`, `-(-(*:*))`, `a OR NOT b`,
		`NOT a OR NOT b`, `*:* AND NOT app_metadata.partner:acme`, `-a -b -c`,
		`app_metadata.region:[* TO *]`, `app_metadata.region:{a TO z}`, `user_id:[* TO *]`, `name:[* TO *] OR *`,
		`logins_count:[* TO *] OR NOT logins_count:[* TO *]`, `created_at:[* TO *]`, `app_metadata.region:[emea TO emea]`,
		`app_metadata.region:"emea" OR *`, `app_metadata.region:emea OR user_id:*`, `identities.connection:acme-saml`,
		`app_metadata.partner:acme OR identities.connection:google-oauth2`, `app_metadata.region\:x:emea`,
		`a && *:* || b`, `&& *:*`, `|| *:*`, `AND`, `a AND`, `OR *:*`, `NOT`, `"unterminated`, `name:(a OR *:*)`,
		`name:(a) OR *:*`, `_exists_:(user_id name)`, `((((((((((a))))))))))`,
		strings.Repeat("(", 40) + "a" + strings.Repeat(")", 40),
		strings.Repeat("NOT ", 40) + "a",
		long, long + " OR *:*", strings.Repeat("x", 5000),
		"\x00 OR *:*", "\xff OR *:*", `name:a^2 OR *:*`, `name:a~ OR *:*`, `/.*/ OR *:*`, `name:/.*/`,
		`user_id:"a" OR user_id:*`, `{* TO *}`, `[* TO *]`, `name:{* TO *} OR *:*`,
	}
}

// persons are the demo policy's people to try, by claim values.
func persons() [][]string {
	return [][]string{
		{"userdesk-helpdesk-emea"},
		{"userdesk-partner-acme"},
		{"userdesk-helpdesk-emea", "userdesk-partner-acme"},
		{"userdesk-viewer"},
		{"userdesk-auditor", "userdesk-partner-acme"},
	}
}

// checkConfined checks one SearchQuery result: an error, or a query that parses as the emulated
// tenant parses it and matches, on every doc, exactly what the person's query matches within their
// reach (so never anything outside it).
func checkConfined(t *testing.T, s Staff, q string, docs []map[string]any) {
	t.Helper()
	out, err := s.SearchQuery(ActionView, q)
	if err != nil {
		var se *lucene.SyntaxError
		if !errors.As(err, &se) && !errors.Is(err, ErrQueryTooComplex) {
			t.Fatalf("%q SearchQuery(%q): error %T %v, want a syntax error or ErrQueryTooComplex", s.Groups(), q, err, err)
		}
		return
	}
	sent, err := lucene.Parse(out)
	if err != nil {
		t.Fatalf("%q SearchQuery(%q) = %q, which the tenant refuses: %v", s.Groups(), q, out, err)
	}
	uq := lucene.MatchAll()
	if strings.TrimSpace(q) != "" {
		if uq, err = lucene.Parse(q); err != nil {
			t.Fatalf("SearchQuery accepted %q, which does not parse: %v", q, err)
		}
	}
	for _, d := range docs {
		got := sent.Match(d)
		if got && !s.Reaches(ActionView, d) {
			t.Fatalf("%q SearchQuery(%q) = %q finds %v, outside the reach (%s)", s.Groups(), q, out, d["user_id"], s.ReachWords(ActionView))
		}
		if want := uq.Match(d) && s.Reaches(ActionView, d); got != want {
			t.Fatalf("%q SearchQuery(%q) = %q: %v for %v, want %v", s.Groups(), q, out, got, d["user_id"], want)
		}
	}
}

// TestSearchHostileCorpus: for every person and every hostile query, the search is an error or
// confined to the reach.
func TestSearchHostileCorpus(t *testing.T) {
	p, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	docs := hostileDocs()
	for _, claims := range persons() {
		s := p.Staff(claims)
		for _, q := range hostileQueries() {
			checkConfined(t, s, q, docs)
		}
	}
	// The escapes that today's string wrapping allowed are now plain syntax errors.
	s := p.Staff([]string{"userdesk-helpdesk-emea"})
	for _, q := range []string{`x\`, `a) OR (*:*`, `) OR *:* OR (`, `(a`, `"x\" OR *:*`} {
		var se *lucene.SyntaxError
		if _, err := s.SearchQuery(ActionView, q); !errors.As(err, &se) {
			t.Errorf("SearchQuery(%q) error = %v, want a *lucene.SyntaxError", q, err)
		}
	}
}

func TestSearchQueryText(t *testing.T) {
	p, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	emea := p.Staff([]string{"userdesk-helpdesk-emea"})
	both := p.Staff([]string{"userdesk-helpdesk-emea", "userdesk-partner-acme"})
	for _, tt := range []struct {
		s         Staff
		q, want   string
		wantWords string
	}{
		{emea, ``, `app_metadata.region:emea`, "users where app_metadata.region is emea"},
		{emea, `*`, `app_metadata.region:emea`, ""},
		{emea, `name:jane*`, `name:jane* AND app_metadata.region:emea`, ""},
		{emea, `a OR b`, `(a OR b) AND app_metadata.region:emea`, ""},
		{emea, `NOT blocked:true`, `NOT blocked:true AND app_metadata.region:emea`, ""},
		{emea, `a OR NOT b`, `(a OR (*:* AND NOT b)) AND app_metadata.region:emea`, ""},
		{both, `email:"x@y"`, `email:x@y AND (app_metadata.region:emea OR ((identities.connection:acme-saml OR identities.connection:Username-Password-Authentication) AND app_metadata.partner:acme))`,
			"users where app_metadata.region is emea, or users of connections acme-saml or Username-Password-Authentication where app_metadata.partner is acme"},
		{p.Staff([]string{"userdesk-helpdesk-emea", "userdesk-viewer"}), `name:(a b)`, `name:a OR name:b`, "every user"},
	} {
		got, err := tt.s.SearchQuery(ActionView, tt.q)
		if err != nil || got != tt.want {
			t.Errorf("%q SearchQuery(%q) = %q, %v; want %q", tt.s.Groups(), tt.q, got, err, tt.want)
		}
		if tt.wantWords != "" {
			if w := tt.s.ReachWords(ActionView); w != tt.wantWords {
				t.Errorf("%q ReachWords = %q, want %q", tt.s.Groups(), w, tt.wantWords)
			}
		}
	}
	if _, err := emea.SearchQuery(ActionDelete, ""); !errors.Is(err, ErrNoReach) {
		t.Errorf("SearchQuery for an action the person lacks: %v", err)
	}
	if w := emea.ReachWords(ActionDelete); w != "no user" {
		t.Errorf("ReachWords(delete) = %q", w)
	}
	if _, err := (Staff{}).SearchQuery(ActionView, ""); !errors.Is(err, ErrNoReach) {
		t.Errorf("zero Staff: %v", err)
	}
	// Deeply nested but valid: too complex once confined.
	deep := strings.Repeat("(a OR ", 31) + "b" + strings.Repeat(")", 31)
	if _, err := lucene.Parse(deep); err != nil {
		t.Fatal(err)
	}
	if q, err := emea.SearchQuery(ActionView, strings.Repeat("NOT (a AND ", 15)+"b"+strings.Repeat(")", 15)); err != nil && !errors.Is(err, ErrQueryTooComplex) {
		t.Errorf("deep query: %q, %v", q, err)
	}
}

// FuzzSearchQuery: whatever the person types, the search is an error or confined to their reach,
// and means exactly their query within it.
func FuzzSearchQuery(f *testing.F) {
	for i, q := range hostileQueries() {
		f.Add(uint8(i), q)
	}
	p, err := Demo()
	if err != nil {
		f.Fatal(err)
	}
	docs := hostileDocs()
	ps := persons()
	f.Fuzz(func(t *testing.T, who uint8, q string) {
		checkConfined(t, p.Staff(ps[int(who)%len(ps)]), q, docs)
	})
}

// Example of a confined search, as the search handler builds it.
func ExampleStaff_SearchQuery() {
	p, _ := Demo()
	s := p.Staff([]string{"userdesk-helpdesk-emea"})
	q, err := s.SearchQuery(ActionView, `name:"jane smith" OR email:jane*`)
	fmt.Println(q, err)
	fmt.Println(s.ReachWords(ActionView))
	// Output:
	// (name:"jane smith" OR email:jane*) AND app_metadata.region:emea <nil>
	// users where app_metadata.region is emea
}

// TestReachConnections: the connections that bound a person's reach for an action — every
// connection as soon as one group allowing it names none, the union otherwise, nothing from groups
// that do not allow it.
func TestReachConnections(t *testing.T) {
	p := mustLoad(t, `
groups:
  - name: partner
    members: [partner]
    actions: [view, export]
    reach:
      users: 'app_metadata.partner:"acme"'
      connections: [acme-saml, Username-Password-Authentication]
  - name: partner-b
    members: [partner-b]
    actions: [view, export]
    reach:
      connections: [acme-saml, b-saml]
  - name: regional
    members: [regional]
    actions: [view, export]
    reach:
      users: 'app_metadata.region:"emea"'
  - name: viewer
    members: [viewer]
    actions: [view]
`)
	tests := []struct {
		claims []string
		all    bool
		names  []string
		ok     bool
	}{
		{[]string{"partner"}, false, []string{"Username-Password-Authentication", "acme-saml"}, true},
		{[]string{"partner", "partner-b"}, false, []string{"Username-Password-Authentication", "acme-saml", "b-saml"}, true},
		{[]string{"partner", "regional"}, true, nil, true},
		{[]string{"partner", "viewer"}, false, []string{"Username-Password-Authentication", "acme-saml"}, true},
		{[]string{"viewer"}, false, nil, false},
		{nil, false, nil, false},
	}
	for _, tt := range tests {
		all, names, ok := p.Staff(tt.claims).ReachConnections(ActionExport)
		if all != tt.all || ok != tt.ok || fmt.Sprint(names) != fmt.Sprint(tt.names) {
			t.Errorf("%v: ReachConnections = %v %q %v, want %v %q %v", tt.claims, all, names, ok, tt.all, tt.names, tt.ok)
		}
	}
}
