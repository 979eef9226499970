package main

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
)

// logLines parses JSON log lines.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue // the demo's welcome text
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, line)
		}
		lines = append(lines, m)
	}
	return lines
}

// clientOpTemplates returns the endpoint templates auth0api's (non-test) sources use.
func clientOpTemplates(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("auth0api/*.go")
	if err != nil {
		t.Fatal(err)
	}
	op := regexp.MustCompile(`"(GET|POST|PUT|PATCH|DELETE) (/[^" ]*)"`)
	var ops []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "scopes.go" { // scopes.go is the table itself
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range op.FindAllStringSubmatch(string(b), -1) {
			// The Authentication API's endpoints (the token, the password-reset e-mail) need no
			// Management API scope.
			if o := m[1] + " " + m[2]; !slices.Contains(ops, o) && m[2] != "/oauth/token" && !strings.HasPrefix(m[2], "/dbconnections/") {
				ops = append(ops, o)
			}
		}
	}
	if len(ops) < 25 {
		t.Fatalf("found only %d endpoint templates in auth0api: %v", len(ops), ops)
	}
	return ops
}

// TestScopeTableCoversTheClient: every Management API endpoint the client calls has its scopes
// in auth0api.EndpointScopes and belongs to a feature, and every feature's endpoint is in the
// table. A new client method fails here until its scopes are added. (The table also holds
// endpoints only the emulated tenant serves; auth0apitest checks that every route has a rule.)
func TestScopeTableCoversTheClient(t *testing.T) {
	ops := clientOpTemplates(t)
	table := auth0api.EndpointScopes()
	used := map[string]bool{}
	for _, f := range features() {
		for _, ep := range f.endpoints {
			used[ep] = true
			if _, ok := table[ep]; !ok {
				t.Errorf("feature %q calls %s, which auth0api.EndpointScopes lacks", f.name, ep)
			}
		}
	}
	for _, op := range ops {
		if _, ok := table[op]; !ok {
			t.Errorf("the client calls %s, which auth0api.EndpointScopes lacks", op)
		}
		if !used[op] {
			t.Errorf("the client calls %s, which no feature lists", op)
		}
	}
	for ep, rule := range table {
		for _, s := range rule.Scopes {
			if !slices.Contains(auth0apitest.AllScopes, s) {
				t.Errorf("%s needs %q, a scope the emulated tenant does not know", ep, s)
			}
		}
	}
}

// TestScopeCheckAndTenantShareTheTable: for every endpoint a feature uses, the emulated tenant
// accepts a token holding exactly the scopes the start-up check asks to grant, and refuses,
// with Auth0's 403 naming the rule's scopes, a token lacking one requirement. Both read
// auth0api.EndpointScopes, so they cannot disagree (as they did on POST /users/{id}/roles).
func TestScopeCheckAndTenantShareTheTable(t *testing.T) {
	tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{})
	ids := map[string]string{
		"/users/": auth0apitest.FixtureUserID, "/user-blocks/": auth0apitest.FixtureLockedOutUserID,
		"/sessions/": auth0apitest.FixtureSessionID, "/refresh-tokens/": auth0apitest.FixtureRefreshTokenID,
		"/grants/": auth0apitest.FixtureGrantID,
	}
	call := func(token, op string) (int, string) {
		t.Helper()
		method, tmpl, _ := strings.Cut(op, " ")
		var path strings.Builder
		prefix := ""
		for _, seg := range strings.Split(strings.TrimPrefix(tmpl, "/"), "/") {
			path.WriteByte('/')
			if strings.HasPrefix(seg, "{") {
				id := ids[prefix]
				if id == "" {
					id = "x"
				}
				path.WriteString(strings.ReplaceAll(url.PathEscape(id), "/", "%2F"))
			} else {
				path.WriteString(seg)
			}
			prefix = "/" + seg + "/"
		}
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+"/api/v2"+path.String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Message string `json:"message"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Message
	}
	rules := auth0api.EndpointScopes()
	checked := 0
	for _, f := range features() {
		for _, ep := range f.endpoints {
			rule := rules[ep]
			needs := rule.Needs()
			var grant []string
			for _, n := range needs {
				grant = append(grant, n[0])
			}
			// (A 403 that is not about scopes, such as the passkey rule of DELETE
			// /users/{id}/authentication-methods, means the scopes were enough.)
			if status, msg := call(tn.Token(grant...), ep); status == http.StatusUnauthorized || strings.HasPrefix(msg, "Insufficient scope") {
				t.Errorf("%s: the check asks for %v, and the tenant refuses them: %d %s", ep, grant, status, msg)
			}
			for _, n := range needs {
				lacking := slices.DeleteFunc(slices.Clone(auth0apitest.AllScopes), func(s string) bool {
					return slices.Contains(n, s) || slices.Contains(rule.Partial, s)
				})
				status, msg := call(tn.Token(lacking...), ep)
				if status != http.StatusForbidden || msg != rule.Denial() {
					t.Errorf("%s without %v: %d %q, want 403 %q", ep, n, status, msg, rule.Denial())
				}
			}
			checked++
		}
	}
	if checked < 40 {
		t.Errorf("checked %d endpoints", checked)
	}
}

func TestMissingScopes(t *testing.T) {
	all := auth0apitest.AllScopes
	without := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(drop, s) })
	}
	helpdesk := []string{"read:users", "update:users", "read:authentication_methods", "delete:authentication_methods",
		"delete:guardian_enrollments", "create:user_tickets", "read:logs", "read:organizations"}
	for _, tc := range []struct {
		name string
		have []string
		want map[string][]string // feature → missing
	}{
		{"every scope", all, map[string][]string{}},
		{"no scope", nil, map[string][]string{
			"search and view":              {"read:users"},
			"block and emails":             {"update:users", "create:user_tickets"},
			"mfa reset":                    {"read:authentication_methods", "read:users", "delete:authentication_methods", "delete:guardian_enrollments", "update:users"},
			"authentication methods":       {"read:authentication_methods", "create:authentication_methods", "update:authentication_methods"},
			"user edit, create and delete": {"create:users", "update:users", "delete:users", "read:connections"},
			"roles":                        {"read:users", "read:roles", "read:role_members", "update:users (or create:role_members)", "update:users (or delete:role_members)"},
			"permissions":                  {"read:users", "read:resource_servers", "update:users"},
			"organizations":                {"read:organizations (or read:users)"},
			"logs":                         {"read:logs (or read:logs_users)"},
			"lockouts":                     {"read:users", "update:users"},
			"sessions":                     {"read:sessions", "delete:sessions", "delete:refresh_tokens"},
			"refresh tokens":               {"read:refresh_tokens", "delete:refresh_tokens"},
			"authorized applications":      {"read:grants", "delete:grants"},
			"linked accounts":              {"update:users"},
			"mfa enrollment invitations":   {"create:guardian_enrollment_tickets"},
			"export":                       {"read:users", "read:users (or create:users)"},
		}},
		{"an alternative scope is enough", without("read:logs", "read:organizations"), map[string][]string{}},
		{"all of the roles scopes are needed", without("read:role_members"), map[string][]string{"roles": {"read:role_members"}}},
		{"a helpdesk-only application", helpdesk, map[string][]string{
			"authentication methods":       {"create:authentication_methods", "update:authentication_methods"},
			"user edit, create and delete": {"create:users", "delete:users", "read:connections"},
			"roles":                        {"read:roles", "read:role_members"},
			"permissions":                  {"read:resource_servers"},
			"sessions":                     {"read:sessions", "delete:sessions", "delete:refresh_tokens"},
			"refresh tokens":               {"read:refresh_tokens", "delete:refresh_tokens"},
			"authorized applications":      {"read:grants", "delete:grants"},
			"mfa enrollment invitations":   {"create:guardian_enrollment_tickets"},
		}},
		{"revoking a session needs both delete scopes", without("delete:refresh_tokens"), map[string][]string{
			"sessions":       {"delete:refresh_tokens"},
			"refresh tokens": {"delete:refresh_tokens"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string][]string{}
			for _, g := range missingScopes(tc.have) {
				got[g.feature.name] = g.missing
			}
			if len(got) != len(tc.want) {
				t.Errorf("features lacking scopes: got %v, want %v", got, tc.want)
			}
			for f, want := range tc.want {
				if !slices.Equal(got[f], want) {
					t.Errorf("%s lacks %q, want %q", f, got[f], want)
				}
			}
		})
	}
}

// startTenant serves an emulated tenant whose machine client holds scopes, and returns a real
// client using the client-credentials grant against it.
func startTenant(t *testing.T, scopes []string) *auth0api.Client {
	t.Helper()
	tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{
		Machines: []auth0apitest.Machine{{ClientID: "m2m", ClientSecret: "m2m-secret", Scopes: scopes}},
	})
	c, err := auth0api.New(auth0api.Config{
		BaseURL: srv.URL + "/api/v2", Audience: tn.Audience(), ClientID: "m2m", ClientSecret: "m2m-secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestScopeCheckLogsWhatEachFeatureLacks runs the check against the emulated tenant with a
// token missing some scopes, and reads the log it writes.
func TestScopeCheckLogsWhatEachFeatureLacks(t *testing.T) {
	drop := []string{"create:users", "delete:users", "read:connections", "read:logs", "read:logs_users", "read:role_members"}
	drop = append(drop, "read:user_idp_tokens") // warned about on its own (TestScopeCheckWarnsAboutIdPTokens)
	scopes := slices.DeleteFunc(slices.Clone(auth0apitest.AllScopes), func(s string) bool { return slices.Contains(drop, s) })
	c := startTenant(t, scopes)

	var out syncBuffer
	checkScopes(t.Context(), c, slog.New(slog.NewJSONHandler(&out, nil)), time.Millisecond)

	want := map[string][]any{
		"user edit, create and delete": {"create:users", "delete:users", "read:connections"},
		"roles":                        {"read:role_members"},
		"logs":                         {"read:logs (or read:logs_users)"},
	}
	got := map[string][]any{}
	summary := false
	for _, l := range logLines(t, out.String()) {
		switch {
		case l["level"] == "WARN":
			f, _ := l["feature"].(string)
			missing, _ := l["missing"].([]any)
			got[f] = missing
			if l["affects"] == "" || l["affects"] == nil {
				t.Errorf("warning for %s does not say what it affects: %v", f, l)
			}
		case l["msg"] == "Management API scope check done":
			summary = true
			if l["features_lacking_scopes"] != float64(3) {
				t.Errorf("summary = %v, want 3 features lacking scopes", l)
			}
		}
	}
	if !summary {
		t.Errorf("no summary line:\n%s", out.String())
	}
	if len(got) != len(want) {
		t.Errorf("warned for %d features, want %d:\n%s", len(got), len(want), out.String())
	}
	for f, w := range want {
		if !slices.Equal(got[f], w) {
			t.Errorf("feature %q: missing %v, want %v", f, got[f], w)
		}
	}
}

func TestScopeCheckAllScopesIsOneInfoLine(t *testing.T) {
	c := startTenant(t, slices.DeleteFunc(slices.Clone(auth0apitest.AllScopes), func(s string) bool { return s == "read:user_idp_tokens" }))
	var out syncBuffer
	checkScopes(t.Context(), c, slog.New(slog.NewJSONHandler(&out, nil)), time.Millisecond)
	lines := logLines(t, out.String())
	if len(lines) != 1 || lines[0]["level"] != "INFO" || !strings.Contains(lines[0]["msg"].(string), "every scope") {
		t.Errorf("log = %s, want one info line saying every scope is there", out.String())
	}
}

// TestScopeCheckStaticToken: a static token's scopes are read from the token itself.
func TestScopeCheckStaticToken(t *testing.T) {
	tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{})
	c, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: tn.Token("read:users")})
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	checkScopes(t.Context(), c, slog.New(slog.NewJSONHandler(&out, nil)), time.Millisecond)
	warned := 0
	for _, l := range logLines(t, out.String()) {
		if l["level"] == "WARN" {
			warned++
			if l["feature"] == "search and view" || l["feature"] == "organizations" || l["feature"] == "export" {
				t.Errorf("%s reported lacking with read:users: %v", l["feature"], l)
			}
		}
	}
	// read:users serves search, export and, as the alternative Auth0 accepts, organizations.
	if warned != len(features())-3 {
		t.Errorf("%d warnings, want %d (every feature but search, export and organizations):\n%s", warned, len(features())-3, out.String())
	}
}

// TestScopeCheckRetriesUntilTheTenantAnswers: a token endpoint that fails at first is tried
// again; the check then completes.
func TestScopeCheckRetriesUntilTheTenantAnswers(t *testing.T) {
	var calls atomic.Int32
	var tenant http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		tenant.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tn := auth0apitest.New(auth0apitest.Options{
		BaseURL:  srv.URL,
		Machines: []auth0apitest.Machine{{ClientID: "m2m", ClientSecret: "s", Scopes: auth0apitest.AllScopes}},
	})
	tenant = tn
	c, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", Audience: tn.Audience(), ClientID: "m2m", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	checkScopes(t.Context(), c, slog.New(slog.NewJSONHandler(&out, nil)), time.Millisecond)
	var retries, done int
	for _, l := range logLines(t, out.String()) {
		switch {
		case strings.Contains(l["msg"].(string), "retrying"):
			retries++
		case strings.Contains(l["msg"].(string), "every scope"):
			done++
		}
	}
	if retries != 2 || done != 1 {
		t.Errorf("%d retry warnings and %d completions, want 2 and 1:\n%s", retries, done, out.String())
	}
}

// TestScopeCheckStopsWithTheServer: a tenant that never answers does not keep the check alive
// after its context ends.
func TestScopeCheckStopsWithTheServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	c, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", ClientID: "m2m", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); checkScopes(ctx, c, slog.New(slog.DiscardHandler), time.Millisecond) }()
	cancel()
	<-done // would hang (and time the test out) if the check ignored its context
}

// TestScopeCheckWarnsAboutIdPTokens: a token holding read:user_idp_tokens, which userdesk does
// not need, is warned about next to the missing-scope report.
func TestScopeCheckWarnsAboutIdPTokens(t *testing.T) {
	c := startTenant(t, auth0apitest.AllScopes) // which holds read:user_idp_tokens
	var out syncBuffer
	checkScopes(t.Context(), c, slog.New(slog.NewJSONHandler(&out, nil)), time.Millisecond)
	lines := logLines(t, out.String())
	if len(lines) != 2 || lines[0]["level"] != "WARN" || lines[0]["scope"] != "read:user_idp_tokens" || lines[1]["level"] != "INFO" {
		t.Errorf("log = %s, want a warning about read:user_idp_tokens, then the info line", out.String())
	}
}
