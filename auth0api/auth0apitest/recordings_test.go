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
	case strings.HasPrefix(path, "/api/v2/user-blocks"):
		return "brute-force blocks (not in the seed's 25 methods)"
	case strings.HasSuffix(path, "/sessions"), strings.Contains(path, "/refresh-tokens"), strings.Contains(path, "/connected-accounts"),
		strings.Contains(path, "/federated-connections-tokensets"), strings.Contains(path, "/risk-assessments"),
		strings.HasPrefix(path, "/api/v2/sessions"), strings.HasPrefix(path, "/api/v2/grants"):
		return "sessions, tokens, grants and risk endpoints (not in the seed's 25 methods)"
	case strings.HasPrefix(path, "/api/v2/jobs/users-imports"):
		return "user imports (userdesk exports users, it does not import them)"
	case strings.HasPrefix(path, "/api/v2/tickets/email-verification"):
		return "email-verification tickets (userdesk sends the verification-email job)"
	}
	return ""
}

// replayRecordings returns the exchanges TestRecordingsReplay replays: both
// reference folders.
func replayRecordings(t *testing.T) []reftest.Interaction {
	return append(reftest.Recordings(t), reftest.AccountRecordings(t)...)
}

// TestRecordingsReplay replays every recorded exchange the tenant serves,
// cassette by cassette against a fresh tenant, and expects the recorded
// status and the same top-level keys. Creations keep their recorded ids
// (user_id is added to the body), and what the cassette sets up through
// endpoints the tenant does not serve (roles, resource servers,
// organizations and their members) is put into the tenant directly.
func TestRecordingsReplay(t *testing.T) {
	recs := replayRecordings(t)
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
	if replayed < 60 {
		t.Errorf("only %d exchanges replayed", replayed)
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
