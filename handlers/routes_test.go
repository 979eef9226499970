package handlers

import (
	"userdesk/policy"

	"net/http"
	"strings"
	"testing"
)

// TestEveryRouteIsInTheTable walks the router: every route it answers comes from the route
// table with a known action (checklist item 36), and no route is registered twice.
func TestEveryRouteIsInTheTable(t *testing.T) {
	a := newTestApp(t)
	table := map[string]policy.Action{}
	for _, rt := range a.srv.routes() {
		key := rt.Method + " " + rt.Path
		if _, dup := table[key]; dup {
			t.Errorf("%s is in the table twice", key)
		}
		table[key] = rt.Action
		switch rt.Action {
		case actPublic, actSignedIn:
		default:
			if !rt.Action.Valid() {
				t.Errorf("%s needs %q, which is not an action of the policy", key, rt.Action)
			}
		}
		// Every route on a user declares what it does to them (the gate resolves and checks
		// the user), and every change names its audit event.
		if strings.Contains(rt.Path, "/:id") != (rt.Target != nil) {
			t.Errorf("%s: a route on a user must have a target rule, and only such a route", key)
		}
		if rt.Target != nil && !isSafeMethod(rt.Method) && !rt.Target.isChange() {
			t.Errorf("%s changes a user but names no audit event", key)
		}
		if rt.Target != nil && isSafeMethod(rt.Method) && rt.Target.isChange() {
			t.Errorf("%s is a GET that declares a change", key)
		}
		// The one public route that changes state is the provider's back-channel logout,
		// authenticated by its signed token (TestBackChannelLogout*).
		if rt.Action == actPublic && !isSafeMethod(rt.Method) && key != http.MethodPost+" "+crossOriginExempt {
			t.Errorf("%s is public but can change state", key)
		}
	}
	for _, r := range a.srv.e.Routes() {
		if _, ok := table[r.Method+" "+r.Path]; !ok {
			t.Errorf("route %s %s is not in the route table", r.Method, r.Path)
		}
	}
	if len(a.srv.e.Routes()) != len(table) {
		t.Errorf("router has %d routes, table %d", len(a.srv.e.Routes()), len(table))
	}
}

// TestUnknownRoutesAndMethods: unknown paths are 404, other methods 405, and nothing answers
// CORS preflights (checklist items 34 and 58).
func TestUnknownRoutesAndMethods(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/nope", http.StatusNotFound},
		{http.MethodGet, "/.git/config", http.StatusNotFound},
		{http.MethodGet, "/debug/pprof/", http.StatusNotFound},
		{http.MethodGet, "/logout", http.StatusMethodNotAllowed},
		{"TRACE", "/", http.StatusMethodNotAllowed},
		{http.MethodPut, "/users", http.StatusMethodNotAllowed},
		// Echo answers OPTIONS itself (204 and Allow), with no CORS headers.
		{http.MethodOptions, "/users", http.StatusNoContent},
	}
	for _, tt := range tests {
		headers := b.sameOriginHeaders()
		if tt.method == http.MethodOptions {
			headers = []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "DELETE"}
		}
		resp, body := b.send(t, tt.method, tt.path, nil, headers...)
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
		}
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("%s %s sent Access-Control-Allow-Origin %q", tt.method, tt.path, v)
		}
		if tt.method != http.MethodOptions && len(body) == 0 {
			t.Errorf("%s %s: empty error page", tt.method, tt.path)
		}
	}
}
