package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
	"userdesk/handlers/userquery"
	"userdesk/policy"
)

// TestSearchPageAndPartial: the first load renders the whole page (the connection list for the
// filter and one search); an htmx request gets only the table, with the canonical URL for
// htmx to put in the address bar.
func TestSearchPageAndPartial(t *testing.T) {
	a := newTestApp(t)
	for _, persona := range []string{"viewer", "helpdesk", "admin"} {
		t.Run(persona, func(t *testing.T) {
			b := a.signIn(t, persona)
			reset(a)
			resp, body := b.get(t, "/users?q=ada&sort=name&dir=asc")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<html") || !strings.Contains(body, `id="user-search"`) {
				t.Fatalf("page = %d:\n%.500s", resp.StatusCode, body)
			}
			// Both at once (TestSearchPageAsksAtOnce): in either order.
			if got := mgmtCalls(a); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"GET /connections", "GET /users"}) {
				t.Errorf("Management API calls: got %q, want GET /users and GET /connections", got)
			}
			if !strings.Contains(body, `data-user-id="`+auth0apitest.FixtureUserID+`"`) {
				t.Errorf("Ada is not in the results")
			}
			if got := inputValue(t, body, "q"); got != "ada" {
				t.Errorf("search box = %q, want ada", got)
			}
			if strings.Contains(body, `id="create-user"`) != (persona == "admin") {
				t.Errorf("create link shown = %v for %s", !(persona == "admin"), persona)
			}
			if len(a.auditEvents(t)) != 0 {
				t.Error("a search wrote audit events")
			}

			reset(a)
			resp, body = htmxGet(t, b, "/users?q=ada&email=&name=&sort=name&dir=asc&per_page=25", "HX-Trigger", "user-search")
			if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.HasPrefix(body, `<section id="users-table"`) {
				t.Fatalf("partial = %d:\n%.500s", resp.StatusCode, body)
			}
			expectCalls(t, a, "GET /users")
			if got := resp.Header.Get("HX-Replace-Url"); got != "/users?dir=asc&q=ada&sort=name" {
				t.Errorf("HX-Replace-Url = %q", got)
			}
			if !strings.Contains(resp.Header.Get("Vary"), "HX-Request") {
				t.Errorf("Vary = %q", resp.Header.Get("Vary"))
			}
			// A sort or page link adds a history entry instead.
			resp, _ = htmxGet(t, b, "/users?q=ada&page=1")
			if got := resp.Header.Get("HX-Push-Url"); got != "/users?q=ada" {
				t.Errorf("HX-Push-Url = %q", got)
			}
			// A history restore gets the whole page.
			resp, body = b.get(t, "/users?q=ada", "HX-Request", "true", "HX-History-Restore-Request", "true")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<html") {
				t.Errorf("history restore did not get the page")
			}
		})
	}
}

// TestSearchSendsTheCompiledQuery: what is typed and chosen reaches Auth0 as the query
// builder's q (search v3), with the sort and page asked for and only the table's fields.
func TestSearchSendsTheCompiledQuery(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	tests := []struct {
		url     string
		filters userquery.Filters
		query   map[string]string
	}{
		{"/users", userquery.Filters{}, map[string]string{"page": "0", "per_page": "25", "include_totals": "true", "q": ""}},
		{"/users?q=Lovelace", userquery.Filters{Text: "Lovelace"}, map[string]string{"search_engine": "v3"}},
		{"/users?name=Ada&blocked=no&verified=yes&connection=Username-Password-Authentication&login_from=2020-01-01&logins_min=1",
			userquery.Filters{Name: "Ada", Blocked: userquery.No, EmailVerified: userquery.Yes,
				Connection: auth0apitest.DatabaseConnection, LastLoginFrom: "2020-01-01", LoginsMin: "1"}, nil},
		{"/users?raw=app_metadata.plan%3A%22enterprise%22&email=%40example.com",
			userquery.Filters{Raw: `app_metadata.plan:"enterprise"`, Email: "@example.com"}, nil},
		{"/users?inactive=90&created_from=2020-01-01&created_to=2024-12-31",
			userquery.Filters{Inactive: "90", CreatedFrom: "2020-01-01", CreatedTo: "2024-12-31", Now: a.Clock.Now()}, nil},
		{"/users?inactive=never", userquery.Filters{Inactive: "never"}, nil},
		{"/users?sort=name&dir=desc", userquery.Filters{}, map[string]string{"sort": "name:-1"}},
		{"/users?sort=last_login", userquery.Filters{}, map[string]string{"sort": "last_login:1"}},
		{"/users?sort=logins&dir=desc", userquery.Filters{}, map[string]string{"sort": "logins_count:-1"}},
		{"/users?sort=created&dir=asc", userquery.Filters{}, map[string]string{"sort": "created_at:1"}},
		{"/users?sort=password&dir=desc", userquery.Filters{}, map[string]string{"sort": ""}},
		{"/users?page=3&per_page=10", userquery.Filters{}, map[string]string{"page": "2", "per_page": "10"}},
		{"/users?per_page=10000", userquery.Filters{}, map[string]string{"per_page": "100"}},
		{"/users?per_page=7&page=-4", userquery.Filters{}, map[string]string{"per_page": "10", "page": "0"}},
	}
	for _, tt := range tests {
		reset(a)
		resp, body := htmxGet(t, b, tt.url)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d:\n%.400s", tt.url, resp.StatusCode, body)
			continue
		}
		call := lastCall(t, a, http.MethodGet, "/users")
		plan, err := userquery.Compile(tt.filters)
		must(t, err)
		want := confined(t, a, "viewer", plan.Q)
		if got := call.Query.Get("q"); got != want {
			t.Errorf("GET %s: q = %q, want %q", tt.url, got, want)
		}
		if plan.Q != "" && call.Query.Get("search_engine") != "v3" {
			t.Errorf("GET %s: search_engine = %q", tt.url, call.Query.Get("search_engine"))
		}
		for k, v := range tt.query {
			if got := call.Query.Get(k); got != v {
				t.Errorf("GET %s: %s = %q, want %q", tt.url, k, got, v)
			}
		}
		if f := call.Query.Get("fields"); !strings.Contains(f, "user_id") || strings.Contains(f, "app_metadata") {
			t.Errorf("GET %s: fields = %q", tt.url, f)
		}
	}
}

// confined is the compiled query q as the search sends it for persona: confined to their reach
// and written unambiguously by the policy (the same query, for a whole-tenant reach).
func confined(t *testing.T, a *testApp, persona, q string) string {
	t.Helper()
	out, err := a.srv.policy.Staff(testStaffRoles[persona]).SearchQuery(policy.ActionView, q)
	must(t, err)
	return out
}

// TestSearchDormantAccounts: the inactivity filters find exactly the users the emulated tenant
// holds that match: no sign-in for 90 days, never signed in.
func TestSearchDormantAccounts(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) { o.tenant = func(to *auth0apitest.Options) { to.Users = 200 } })
	b := a.signIn(t, "viewer")
	cut := a.Clock.Now().UTC().AddDate(0, 0, -90).Format(time.DateOnly)
	for _, tc := range []struct {
		url  string
		want func(u map[string]any) bool
	}{
		{"/users?inactive=90&per_page=100", func(u map[string]any) bool {
			ll, ok := u["last_login"].(string)
			return ok && ll < cut
		}},
		{"/users?inactive=never&per_page=100", func(u map[string]any) bool { _, ok := u["last_login"]; return !ok }},
	} {
		_, body := htmxGet(t, b, tc.url)
		ids := userRowIDs(body)
		if len(ids) == 0 {
			t.Errorf("%s found nobody:\n%.600s", tc.url, body)
		}
		for _, id := range ids {
			u, _ := a.Tenant.User(id)
			if !tc.want(u) {
				t.Errorf("%s found %s (last login %v)", tc.url, id, u["last_login"])
			}
		}
	}
}

// userRowIDs are the user ids of a results table, in order.
func userRowIDs(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`href="/users/([^"?#]+)"`).FindAllStringSubmatch(body, -1) {
		id, err := url.PathUnescape(m[1])
		if err == nil && !slices.Contains(ids, id) && id != "new" {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestSearchDirectLookups: a user id or an e-mail address alone in the box is looked up exactly
// (GET /users/{id}, GET /users-by-email); when nobody has it, the search runs as usual.
func TestSearchDirectLookups(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	tests := []struct {
		q     string
		calls []string
		found string
	}{
		{auth0apitest.FixtureUserID, []string{"GET " + escapedUser(auth0apitest.FixtureUserID)}, auth0apitest.FixtureUserID},
		{auth0apitest.FixtureSlashUserID, []string{"GET /users/auth0%7Clegacy%2F00042%20bl"}, auth0apitest.FixtureSlashUserID},
		{auth0apitest.FixtureEnterpriseUserID, []string{"GET " + escapedUser(auth0apitest.FixtureEnterpriseUserID)}, auth0apitest.FixtureEnterpriseUserID},
		{"auth0|nobody", []string{"GET /users/auth0%7Cnobody", "GET /users"}, ""},
		{"auth0|x?fields=", []string{"GET /users"}, ""}, // not a valid id: searched for, never put in a path
		{"ada.lovelace@example.com", []string{"GET /users-by-email"}, auth0apitest.FixtureUserID},
		{"Ada.Lovelace@Example.COM", []string{"GET /users-by-email", "GET /users-by-email"}, auth0apitest.FixtureUserID},
		{"nobody@example.com", []string{"GET /users-by-email", "GET /users"}, ""},
	}
	for _, tt := range tests {
		reset(a)
		resp, body := htmxGet(t, b, "/users?q="+url.QueryEscape(tt.q))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("q=%q: %d", tt.q, resp.StatusCode)
		}
		expectCalls(t, a, tt.calls...)
		if tt.found != "" && !strings.Contains(body, `data-user-id="`+htmlEscape(tt.found)+`"`) {
			t.Errorf("q=%q: %s not found:\n%.1500s", tt.q, tt.found, body)
		}
		if tt.found == "" && strings.Contains(body, "user-row") && tt.q != "auth0|x?fields=" {
			t.Errorf("q=%q found users", tt.q)
		}
	}
	// With a filter besides the box, the id is searched for, not looked up.
	reset(a)
	htmxGet(t, b, "/users?blocked=no&q="+url.QueryEscape(auth0apitest.FixtureUserID))
	expectCalls(t, a, "GET /users")
}

// TestSearchPagingStopsAtTheCap: past Auth0's 1,000-result cap the page says how many matched,
// its links never lead past the cap, and a URL past it is refused without asking Auth0
// (checklist item 47).
func TestSearchPagingStopsAtTheCap(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) {
		o.tenant = func(opts *auth0apitest.Options) { opts.Users = 1100 }
	})
	b := a.signIn(t, "viewer")
	resp, body := htmxGet(t, b, "/users?per_page=25")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="users-capped"`) || !strings.Contains(body, "users match.") {
		t.Fatalf("no cap notice (%d):\n%.1500s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `data-page="40"`) || strings.Contains(body, `data-page="41"`) {
		t.Errorf("the last page offered is not 40 of 25 users")
	}
	for _, tt := range []struct {
		url  string
		want int
	}{
		{"/users?per_page=25&page=40", http.StatusOK},
		{"/users?per_page=25&page=41", http.StatusBadRequest},
		{"/users?per_page=100&page=11", http.StatusBadRequest},
		{"/users?page=500", http.StatusBadRequest},
	} {
		reset(a)
		resp, body := b.get(t, tt.url)
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s = %d, want %d", tt.url, resp.StatusCode, tt.want)
		}
		if tt.want == http.StatusBadRequest {
			if !strings.Contains(body, "first 1000 results") {
				t.Errorf("GET %s does not explain the cap:\n%.800s", tt.url, body)
			}
			for _, c := range a.Tenant.Calls() {
				if c.Path == "/users" {
					t.Errorf("GET %s asked Auth0 for a page past the cap: %v", tt.url, c.Query)
				}
			}
		}
	}
	// The last page shows its users and a Previous link, but no Next.
	_, body = htmxGet(t, b, "/users?per_page=25&page=40")
	if !strings.Contains(body, `rel="prev"`) || strings.Contains(body, `rel="next"`) {
		t.Errorf("last page links:\n%.800s", body)
	}
}

// TestSearchProblemsInline: Auth0's refusals (a bad expert query, a rate limit) and input
// mistakes show in the table area; mistakes are found before asking Auth0.
func TestSearchProblemsInline(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")

	// A query that cannot be parsed: refused before asking Auth0, beside the expert box.
	reset(a)
	resp, body := b.get(t, "/users?raw="+url.QueryEscape("name:/regex/"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="search-errors"`) || !strings.Contains(body, "regular expressions are not supported") {
		t.Errorf("bad query page = %d:\n%.800s", resp.StatusCode, body)
	}
	expectCalls(t, a, "GET /connections")

	// Auth0's own refusal of a search: its 400, in words, where the results would be.
	a.Tenant.Fail("GET /users", auth0apitest.Fault{Status: http.StatusBadRequest, Times: 2,
		Body: `{"statusCode":400,"error":"Bad Request","message":"Query validation error: 'too many clauses' on property q.","errorCode":"invalid_query_string"}`})
	resp, body = b.get(t, "/users?raw="+url.QueryEscape("name:ada"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="users-problem"`) || !strings.Contains(body, "Auth0 could not run this search") {
		t.Errorf("refused query page = %d:\n%.800s", resp.StatusCode, body)
	}
	resp, body = htmxGet(t, b, "/users?raw="+url.QueryEscape("name:ada"))
	if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(body, `<section id="users-table"`) || !strings.Contains(body, `hx-swap-oob="outerHTML">`) ||
		!strings.Contains(body, "too many clauses") {
		t.Errorf("refused query partial = %d:\n%.800s", resp.StatusCode, body)
	}

	// A rate limit: try again in N s.
	a.Tenant.Fail("GET /users", auth0apitest.Fault{Status: http.StatusTooManyRequests, Times: 1})
	resp, body = htmxGet(t, b, "/users?q=ada")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Try again in") || !strings.Contains(body, `id="users-problem"`) {
		t.Errorf("rate limit = %d:\n%.800s", resp.StatusCode, body)
	}

	// Input mistakes: 422, the messages, no call.
	for _, q := range []string{
		"q=" + strings.Repeat("a", 129),
		"login_from=yesterday",
		"logins_min=5&logins_max=2",
		"raw=" + url.QueryEscape("a) OR (b"),
		"blocked=perhaps",
		"name=" + url.QueryEscape("a\x00b"),
	} {
		reset(a)
		resp, body := htmxGet(t, b, "/users?"+q)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="search-errors"`) {
			t.Errorf("%s = %d:\n%.600s", q, resp.StatusCode, body)
		}
		expectCalls(t, a)
		resp, body = b.get(t, "/users?"+q)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `class="field-error"`) {
			t.Errorf("page %s = %d without a field error", q, resp.StatusCode)
		}
	}

	// Nothing found.
	_, body = htmxGet(t, b, "/users?q=zzzz-nobody-zzzz")
	if !strings.Contains(body, "No users match this search.") {
		t.Errorf("empty result:\n%.400s", body)
	}
}

// TestSearchHostileValues: values that would widen or break a query (checklist item 46) reach
// Auth0 as one escaped term and find only the user who holds them.
func TestSearchHostileValues(t *testing.T) {
	a := newTestApp(t)
	values := []string{`*`, `a* OR app_metadata.roles:admin`, `") OR (email:*`, `x" OR identities.connection:"employees`,
		`\`, `name:/.*/`, `) OR (`, `AND`, `Zoë 山田`}
	for i, v := range values {
		a.Tenant.PutUser(map[string]any{"user_id": "auth0|hostile" + strconv.Itoa(i), "name": v, "email": "h" + strconv.Itoa(i) + "@hostile.example"})
	}
	b := a.signIn(t, "viewer")
	for i, v := range values {
		for _, param := range []string{"q", "name"} {
			reset(a)
			resp, body := htmxGet(t, b, "/users?"+param+"="+url.QueryEscape(v))
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s=%q: %d\n%.500s", param, v, resp.StatusCode, body)
				continue
			}
			f := userquery.Filters{Text: v}
			if param == "name" {
				f = userquery.Filters{Name: v}
			}
			plan, err := userquery.Compile(f)
			must(t, err)
			if got, want := lastCall(t, a, http.MethodGet, "/users").Query.Get("q"), confined(t, a, "viewer", plan.Q); got != want {
				t.Errorf("%s=%q: q = %q, want %q", param, v, got, want)
			}
			if !strings.Contains(body, `data-user-id="auth0|hostile`+strconv.Itoa(i)+`"`) {
				t.Errorf("%s=%q did not find hostile%d:\n%.1200s", param, v, i, body)
			}
			// Every user found holds the value literally: at the start of a field (or, for
			// several words in the box, each word starting a given or family name).
			for _, m := range rowID.FindAllStringSubmatch(body, -1) {
				u, ok := a.Tenant.User(htmlUnescape(m[1]))
				if !ok || !holdsPrefix(u, v, param == "q") {
					t.Errorf("%s=%q found %s, which does not hold the value", param, v, m[1])
				}
			}
		}
	}
}

// TestSearchURLRoundTrip: the URL htmx is told to show restores the same search as a page
// (bookmark, reload, back button).
func TestSearchURLRoundTrip(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	resp, first := htmxGet(t, b, "/users?q=a&email=&name=Ada&blocked=no&verified=&login_to=2030-01-01&logins_min=0&raw=&sort=logins&dir=desc&per_page=50&page=1")
	canonical := resp.Header.Get("HX-Push-Url")
	if canonical != "/users?blocked=no&dir=desc&login_to=2030-01-01&logins_min=0&name=Ada&per_page=50&q=a&sort=logins" {
		t.Fatalf("canonical URL = %q", canonical)
	}
	resp, page := b.get(t, canonical)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", canonical, resp.StatusCode)
	}
	for name, want := range map[string]string{"q": "a", "name": "Ada", "login_to": "2030-01-01", "logins_min": "0", "sort": "logins", "dir": "desc"} {
		if got := inputValue(t, page, name); got != want {
			t.Errorf("restored %s = %q, want %q", name, got, want)
		}
	}
	for _, want := range []string{`<option value="no" selected>No</option>`, `<option value="50" selected>50</option>`, `<details class="filters" open>`} {
		if !strings.Contains(page, want) {
			t.Errorf("restored page lacks %s", want)
		}
	}
	// The same rows as the partial showed.
	if strings.Count(page, `class="user-row"`) != strings.Count(first, `class="user-row"`) {
		t.Errorf("restored page shows other rows")
	}
}

// htmlEscape is what templ does to attribute values.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", `"`, "&#34;", "'", "&#39;", "<", "&lt;", ">", "&gt;").Replace(s)
}

var rowID = regexp.MustCompile(`class="user-row" data-user-id="([^"]*)"`)

// holdsPrefix reports whether a user has a field starting with v (case-insensitively), the
// way the search box or the name filter matches.
func holdsPrefix(u map[string]any, v string, box bool) bool {
	fields := []string{"name"}
	if box {
		fields = []string{"name", "email", "nickname", "given_name", "family_name", "username", "user_id"}
	}
	for _, f := range fields {
		if s, _ := u[f].(string); strings.HasPrefix(strings.ToLower(s), strings.ToLower(v)) {
			return true
		}
	}
	words := strings.Fields(v)
	if !box || len(words) < 2 {
		return false
	}
	for _, w := range words {
		g, _ := u["given_name"].(string)
		f, _ := u["family_name"].(string)
		if !strings.HasPrefix(strings.ToLower(g), strings.ToLower(w)) && !strings.HasPrefix(strings.ToLower(f), strings.ToLower(w)) {
			return false
		}
	}
	return true
}

// TestSearchURLHeaderIsEncoded: what is typed reaches the HX-Push-Url header only
// percent-encoded, so it can never split the header or add one (checklist item 52).
func TestSearchURLHeaderIsEncoded(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	resp, _ := htmxGet(t, b, "/users?q="+url.QueryEscape("x\r\nSet-Cookie: evil=1")+"&raw="+url.QueryEscape("\nHX-Redirect: //evil.example"))
	got := resp.Header.Get("HX-Push-Url")
	if !strings.HasPrefix(got, "/users?") || strings.ContainsAny(got, "\r\n ") {
		t.Errorf("HX-Push-Url = %q", got)
	}
	if resp.Header.Get("HX-Redirect") != "" || len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("typed text became a header: %v", resp.Header)
	}
}
