package auth0apitest_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
	"userdesk/auth0api/internal/reftest"
)

// keysOf returns the sorted top-level keys of a JSON object, or of the
// first element of a JSON array ("[]" for an empty array).
func keysOf(v any) []string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return keys
	case []any:
		if len(x) == 0 {
			return []string{"[]"}
		}
		return append([]string{"[…]"}, keysOf(x[0])...)
	case nil:
		return nil
	}
	return []string{"<scalar>"}
}

// skippedRecording says why a recorded exchange is not replayed: the
// endpoint is not one the emulated tenant serves (userdesk never calls
// it). Setup exchanges among them are mirrored into the tenant instead.
func skippedRecording(method, path string) string {
	switch {
	case strings.HasPrefix(path, "/api/v2/logs"):
		return "tenant-wide log search (userdesk reads logs per user)"
	case strings.HasPrefix(path, "/api/v2/organizations"):
		return "organization management (userdesk only lists a user's organizations)"
	case strings.HasPrefix(path, "/api/v2/roles/") || (method == "POST" && path == "/api/v2/roles"):
		return "role management (userdesk lists the catalog with GET /roles)"
	case strings.HasPrefix(path, "/api/v2/resource-servers"):
		return "resource-server management (userdesk only lists them)"
	case strings.HasPrefix(path, "/api/v2/jobs/users-imports"):
		return "user imports (userdesk exports users, it does not import them)"
	case path == "/api/v2/tickets/email-verification":
		return "email-verification tickets (userdesk sends verification e-mails as jobs)"
	case strings.Contains(path, "/connected-accounts"), strings.Contains(path, "/federated-connections-tokensets"),
		strings.Contains(path, "/risk-assessments"):
		return "connected accounts, federated token sets and risk assessments (userdesk never calls them)"
	}
	return ""
}

// TestRecordingsReplay replays every recorded exchange the tenant serves,
// cassette by cassette against a fresh tenant, and expects the recorded
// status and the same top-level keys. Creations keep their recorded ids
// (user_id is added to the body), and what the cassette sets up through
// endpoints the tenant does not serve (roles, resource servers,
// organizations and their members) is put into the tenant directly.
func TestRecordingsReplay(t *testing.T) {
	replayed, _ := replay(t, reftest.Recordings(t))
	if replayed < 60 {
		t.Errorf("only %d exchanges replayed", replayed)
	}
}

// unservedSkips are the only reasons TestAccountRecordingsReplay accepts for not replaying an
// exchange: endpoints userdesk never calls, and what such an exchange created.
var unservedSkips = []string{"user imports", "email-verification tickets", "about what a skipped exchange created"}

// TestAccountRecordingsReplay replays auth0-recordings-account/ the same way: sessions,
// refresh tokens and grants (issue 12), users exports, job status and the other served
// endpoints the job and ticket cassettes use. The session and refresh-token cassettes act on
// placeholder ids (UserID, SessionID, RefreshTokenID): the user, and the sessions and refresh
// tokens the cassette reads or acts on, are put into the tenant first.
func TestAccountRecordingsReplay(t *testing.T) {
	replayed, skipped := replay(t, reftest.AccountRecordings(t))
	for why, n := range skipped {
		if !slices.ContainsFunc(unservedSkips, func(s string) bool { return strings.HasPrefix(why, s) }) {
			t.Errorf("%d exchanges skipped: %s", n, why)
		}
	}
	if replayed < 12 {
		t.Errorf("only %d exchanges replayed", replayed)
	}
}

// replay replays recorded exchanges cassette by cassette and returns how many it replayed
// and, by reason, how many it skipped.
func replay(t *testing.T, recs []reftest.Interaction) (int, map[string]int) {
	byFile := map[string][]reftest.Interaction{}
	var files []string
	for _, in := range recs {
		if _, ok := byFile[in.File]; !ok {
			files = append(files, in.File)
		}
		byFile[in.File] = append(byFile[in.File], in)
	}
	replayed, skipped := 0, map[string]int{}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			e := newEnv(t, auth0apitest.Options{})
			putPlaceholders(t, e, byFile[file])
			orgs := map[string]map[string]any{}
			ids := map[string]string{} // recorded generated id -> ours
			var unserved []string      // ids created by exchanges not replayed
			for _, in := range byFile[file] {
				u, err := url.Parse(in.URL)
				if err != nil {
					t.Fatal(err)
				}
				path := u.EscapedPath()
				var recorded any
				if strings.TrimSpace(in.ResponseBody) != "" {
					if err := json.Unmarshal([]byte(in.ResponseBody), &recorded); err != nil {
						t.Fatalf("%s: recorded body: %v", in.Name(), err)
					}
				}
				if why := skippedRecording(in.Method, path); why != "" {
					skipped[why]++
					mirror(t, e, in, path, recorded, orgs)
					if obj, ok := recorded.(map[string]any); ok && obj["id"] != nil {
						unserved = append(unserved, fmt.Sprint(obj["id"]))
					}
					continue
				}
				if slices.ContainsFunc(unserved, func(id string) bool { return strings.Contains(path, id) }) {
					skipped["about what a skipped exchange created (e.g. an import job's errors)"]++
					continue
				}
				body := in.RequestBody
				if in.Method == "GET" || in.Method == "DELETE" && (body == "null" || body == "{}") {
					body = ""
				}
				if in.Method == "POST" && path == "/api/v2/users" && in.Status == 201 {
					body = withUserID(t, body, recorded)
				}
				var send any
				if body != "" {
					send = body
				}
				for rec, ours := range ids {
					path = strings.ReplaceAll(path, url.PathEscape(rec), url.PathEscape(ours))
					if s, ok := send.(string); ok {
						send = strings.ReplaceAll(s, rec, ours)
					}
				}
				got := e.call(t, in.Method, strings.TrimPrefix(path, "/api/v2")+queryOf(u), send)
				replayed++
				mapIDs(ids, recorded, got.json)
				if got.status != in.Status {
					t.Errorf("%s %s %s: status %d, recorded %d: %s", in.Name(), in.Method, in.URL, got.status, in.Status, got.raw)
					continue
				}
				if g, w := keysOf(got.json), keysOf(recorded); !slices.Equal(g, w) {
					t.Errorf("%s %s %s: keys %v, recorded %v", in.Name(), in.Method, in.URL, g, w)
				}
			}
		})
	}
	t.Logf("replayed %d recorded exchanges; skipped: %v", replayed, skipped)
	return replayed, skipped
}

// putPlaceholders puts into the tenant what a cassette recorded with placeholder ids acts on:
// the user "UserID", every session and refresh token its answers show, and a session or
// refresh token for each one it deletes or revokes without reading it first.
func putPlaceholders(t *testing.T, e *env, ins []reftest.Interaction) {
	t.Helper()
	const user = "UserID"
	used := false
	for _, in := range ins {
		if strings.Contains(in.URL, "/"+user+"/") || strings.HasSuffix(in.URL, "/SessionID") || strings.Contains(in.URL, "/SessionID/") ||
			strings.HasSuffix(in.URL, "/RefreshTokenID") {
			used = true
		}
	}
	if !used {
		return
	}
	e.tenant.PutUser(map[string]any{"user_id": user, "email": "placeholder@example.com", "created_at": "2024-05-01T13:00:00.000Z",
		"identities": []any{map[string]any{"connection": auth0apitest.DatabaseConnection, "user_id": user, "provider": "auth0", "isSocial": false}}})
	for _, in := range ins {
		u, err := url.Parse(in.URL)
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(u.EscapedPath(), "/api/v2")
		var body map[string]any
		_ = json.Unmarshal([]byte(in.ResponseBody), &body)
		segs := strings.Split(path, "/") // "", "sessions", id, ...
		switch {
		case segs[1] == "sessions" && body["id"] != nil:
			e.tenant.PutSession(body)
		case segs[1] == "refresh-tokens" && body["id"] != nil:
			e.tenant.PutRefreshToken(body)
		case strings.HasSuffix(path, "/refresh-tokens"):
			tokens, _ := body["tokens"].([]any)
			for _, tok := range tokens {
				e.tenant.PutRefreshToken(tok.(map[string]any))
			}
		}
	}
	// What is acted on without being read first.
	for _, in := range ins {
		u, _ := url.Parse(in.URL)
		segs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/api/v2"), "/")
		switch {
		case segs[1] == "sessions" && len(e.tenant.Sessions(user)) == 0:
			e.tenant.PutSession(map[string]any{"id": segs[2], "user_id": user})
		case segs[1] == "refresh-tokens" && len(e.tenant.RefreshTokens(user)) == 0:
			e.tenant.PutRefreshToken(map[string]any{"id": segs[2], "user_id": user})
		}
	}
}

// mapIDs remembers which of our generated ids stands for a recorded one
// (authentication methods created by POST or PUT, jobs, the connections of
// a paged list).
func mapIDs(ids map[string]string, recorded, ours any) {
	switch r := recorded.(type) {
	case map[string]any:
		o, _ := ours.(map[string]any)
		if rid, ok := r["id"].(string); ok && o != nil {
			if oid, ok := o["id"].(string); ok && oid != rid {
				ids[rid] = oid
			}
		}
		for k, v := range r { // envelopes: {"connections": [...]}
			if list, ok := v.([]any); ok && o != nil {
				mapIDs(ids, list, o[k])
			}
		}
	case []any:
		o, _ := ours.([]any)
		for i := range min(len(r), len(o)) {
			mapIDs(ids, r[i], o[i])
		}
	}
}

func queryOf(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	return "?" + u.RawQuery
}

// withUserID adds the recorded user's id to a create body so that later
// exchanges in the cassette find the user under the same id.
func withUserID(t *testing.T, body string, recorded any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	id, _ := recorded.(map[string]any)["user_id"].(string)
	_, part, _ := strings.Cut(id, "|")
	m["user_id"] = part
	b, _ := json.Marshal(m)
	return string(b)
}

// mirror applies a recorded setup exchange the tenant does not serve.
func mirror(t *testing.T, e *env, in reftest.Interaction, path string, recorded any, orgs map[string]map[string]any) {
	t.Helper()
	obj, _ := recorded.(map[string]any)
	switch {
	case in.Method == "POST" && path == "/api/v2/roles":
		e.tenant.PutRole(obj)
	case in.Method == "POST" && path == "/api/v2/resource-servers":
		e.tenant.PutResourceServer(obj)
	case in.Method == "POST" && path == "/api/v2/organizations":
		orgs[obj["id"].(string)] = obj
		e.tenant.PutOrganization(obj)
	case in.Method == "POST" && strings.HasSuffix(path, "/members") && strings.Count(path, "/") == 5:
		id := strings.Split(path, "/")[4]
		var req struct{ Members []string }
		if err := json.Unmarshal([]byte(in.RequestBody), &req); err != nil {
			t.Fatal(err)
		}
		if org := orgs[id]; org != nil {
			e.tenant.PutOrganization(org, req.Members...)
		}
	}
}
