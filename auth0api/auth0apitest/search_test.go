package auth0apitest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
)

// ids returns the user_ids of a /users answer (array or envelope).
func ids(t *testing.T, r response) []string {
	t.Helper()
	list, ok := r.json.([]any)
	if !ok {
		list, _ = r.object(t)["users"].([]any)
	}
	var out []string
	for _, u := range list {
		out = append(out, u.(map[string]any)["user_id"].(string))
	}
	return out
}

func search(t *testing.T, e *env, q string, extra string) response {
	t.Helper()
	return e.call(t, "GET", "/users?search_engine=v3&per_page=100&page=0&q="+url.QueryEscape(q)+extra, nil)
}

// TestSearchEndToEnd runs queries through GET /users over the fixtures. The fixtures' dates
// are relative to the tenant's clock; this one puts Ada's last login on 2025-11-04, Grace's on
// 2025-10-25, Alan's on 2025-07-27, Charles's on 2025-05-28 and Barbara's on 2024-05-13.
func TestSearchEndToEnd(t *testing.T) {
	clock := time.Date(2025, 11, 6, 9, 26, 53, 589_000_000, time.UTC)
	e := newEnv(t, auth0apitest.Options{Now: func() time.Time { return clock }})
	const (
		ada     = auth0apitest.FixtureUserID
		grace   = auth0apitest.FixtureSocialUserID
		alan    = auth0apitest.FixtureEnterpriseUserID
		charles = auth0apitest.FixtureBlockedUserID
		edsger  = auth0apitest.FixtureBareUserID
		barbara = auth0apitest.FixtureSlashUserID
		kath    = auth0apitest.FixtureLinkedUserID // with linked Google and GitHub identities
		hedy    = auth0apitest.FixtureDuplicateUserID
		hedyG   = auth0apitest.FixtureDuplicateSocialUserID
	)
	for _, c := range []struct {
		q    string
		want []string
	}{
		{`email:"ada.lovelace@example.com"`, []string{ada}},
		{`email:"ADA.LOVELACE@example.com"`, []string{ada}},
		{`name:"grace hopper"`, []string{grace}},
		{`identities.connection:"google-oauth2"`, []string{grace, kath, hedyG}}, // a linked identity counts
		{`identities.connection:"github"`, []string{kath}},
		{`email:"hedy.lamarr@example.com"`, []string{hedy, hedyG}},
		{`blocked:true`, []string{charles}},
		{`logins_count:[10 TO *]`, []string{ada, charles}},
		{`logins_count:{1 TO 12}`, []string{grace, alan, kath, hedy, hedyG}},
		{`last_login:[2025-06 TO 2025-12-31]`, []string{ada, grace, alan, kath, hedyG}},
		{`app_metadata.plan:"enterprise"`, []string{ada}},
		{`user_metadata.display.fontSize:13`, []string{ada}},
		{`_exists_:phone_number`, []string{ada}},
		{`name:ada*`, []string{ada}},
		{`NOT email_verified:true`, []string{charles}},
		{`family_name:(Hopper OR Turing)`, []string{grace, alan}},
		{`email.domain:"example.com" AND NOT _exists_:last_login`, []string{edsger}},
		{`Liskov`, []string{barbara}},
		{`user_id:"auth0|legacy/00042 bl"`, []string{barbara}},
	} {
		r := search(t, e, c.q, "")
		if r.status != http.StatusOK {
			t.Errorf("q=%s: status %d %s", c.q, r.status, r.raw)
			continue
		}
		got := ids(t, r)
		if !slices.Equal(got, c.want) {
			t.Errorf("q=%s: got %v, want %v", c.q, got, c.want)
		}
	}
	for _, bad := range []string{`name:(`, `name:*ab`, `user_metadata.theme:da*`, `logins_count:[1 TO`} {
		r := search(t, e, bad, "")
		wantError(t, r, http.StatusBadRequest, "invalid_query_string", "")
		if msg, _ := r.object(t)["message"].(string); !strings.HasPrefix(msg, "Query validation error: ") {
			t.Errorf("q=%s: message %q", bad, msg)
		}
	}
	r := search(t, e, strings.Repeat("a", 5000), "")
	if r.status != http.StatusRequestURITooLong {
		t.Errorf("a 5000-byte query: status %d, want 414", r.status)
	}
	r = e.call(t, "GET", "/users?q=blocked:true", nil)
	wantError(t, r, http.StatusBadRequest, "invalid_query_string", "The 'q' parameter is available only if you specify 'search_engine=v2|v3'.")
}

func TestSearchSortAndFields(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	r := search(t, e, `_exists_:logins_count`, "&sort=logins_count:-1&fields=user_id,logins_count")
	got := ids(t, r)
	if len(got) < 3 || got[0] != auth0apitest.FixtureUserID || got[1] != auth0apitest.FixtureBlockedUserID {
		t.Fatalf("sorted by logins_count desc: %v", got)
	}
	for _, u := range r.array(t) {
		if keys := keysOf(u); !slices.Equal(keys, []string{"logins_count", "user_id"}) {
			t.Errorf("fields: keys %v", keys)
		}
	}
	asc := ids(t, search(t, e, `*`, "&sort=name:1"))
	if asc[0] != auth0apitest.FixtureUserID || asc[len(asc)-1] != auth0apitest.FixtureLinkedUserID {
		t.Errorf("sorted by name: %v", asc) // Ada … Katherine (case-insensitive)
	}
	r = e.call(t, "GET", "/users/"+esc(auth0apitest.FixtureUserID)+"?fields=identities,app_metadata&include_fields=false", nil)
	if keys := keysOf(r.json); slices.Contains(keys, "identities") || slices.Contains(keys, "app_metadata") || !slices.Contains(keys, "email") {
		t.Errorf("include_fields=false: keys %v", keys)
	}
	wantError(t, e.call(t, "GET", "/users?sort=logins_count", nil), http.StatusBadRequest, "invalid_query_string", "")
	wantError(t, e.call(t, "GET", "/users?sort=user_metadata.theme:1", nil), http.StatusBadRequest, "invalid_query_string", "")
}

// TestSearchCap checks Auth0's 1,000-result limit and the paging envelope.
func TestSearchCap(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{Users: 1200, Seed: 3})
	r := e.call(t, "GET", "/users?page=9&per_page=100&include_totals=true", nil)
	if r.status != http.StatusOK {
		t.Fatalf("page 9: %d %s", r.status, r.raw)
	}
	env := r.object(t)
	if env["start"] != float64(900) || env["limit"] != float64(100) || env["length"] != float64(100) || env["total"] != float64(1200+fixtureCount) {
		t.Errorf("envelope = start %v limit %v length %v total %v", env["start"], env["limit"], env["length"], env["total"])
	}
	wantError(t, e.call(t, "GET", "/users?page=10&per_page=100", nil), http.StatusBadRequest, "invalid_query_string",
		"You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation.")
	// The page that straddles the cap stops at the 1000th result.
	r = e.call(t, "GET", "/users?page=33&per_page=30", nil)
	if n := len(r.array(t)); n != 10 {
		t.Errorf("page 33 of 30: %d users, want 10", n)
	}
	wantError(t, e.call(t, "GET", "/users?per_page=101", nil), http.StatusBadRequest, "invalid_query_string",
		"Query validation error: 'Value 101 is greater than maximum 100' on property per_page (Number of results per page).")
	// Without page, at most 50 are returned.
	if n := len(e.call(t, "GET", "/users?per_page=100", nil).array(t)); n != 50 {
		t.Errorf("without page: %d users, want 50", n)
	}
	if n := len(e.call(t, "GET", "/users", nil).array(t)); n != 50 {
		t.Errorf("defaults: %d users, want 50", n)
	}
}
