package auth0api_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api"
	"userdesk/auth0api/internal/reftest"
)

// recordings returns both folders of recorded exchanges: auth0-recordings/ and
// auth0-recordings-account/ (sessions, refresh tokens, grants, jobs, tickets).
func recordings(t testing.TB) []reftest.Interaction {
	return append(reftest.Recordings(t), reftest.AccountRecordings(t)...)
}

// userBlocks is the user-blocks answer: {"blocked_for": [...]}.
type userBlocks struct {
	BlockedFor []auth0api.UserBlock `json:"blocked_for"`
}

// modelFor names the typed model a recorded answer decodes into, or "" with
// a reason when the endpoint is outside what auth0api models.
func modelFor(method, rawURL string) (newModel func() any, skip string) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "bad URL"
	}
	segs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/api/v2/"), "/")
	path := segs[0]
	for _, s := range segs[1:] {
		switch {
		case strings.HasPrefix(s, "auth0%7C"), strings.HasPrefix(s, "email%7C"), strings.HasPrefix(s, "rol_"),
			strings.HasPrefix(s, "org_"), strings.HasPrefix(s, "dev_"), strings.HasPrefix(s, "job_"),
			s == "UserID", s == "SessionID", s == "RefreshTokenID",
			len(s) >= 24 && !strings.Contains(s, "-"):
			path += "/{id}"
		default:
			path += "/" + s
		}
	}
	switch method + " " + path {
	case "GET users", "GET roles/{id}/users":
		return func() any { return new(auth0api.UsersPage) }, ""
	case "POST users", "GET users/{id}", "PATCH users/{id}":
		return func() any { return new(auth0api.User) }, ""
	case "GET users-by-email":
		return func() any { return new([]auth0api.User) }, ""
	case "POST users/{id}/identities", "DELETE users/{id}/identities/auth0/{id}":
		return func() any { return new([]auth0api.Identity) }, ""
	case "GET users/{id}/roles", "GET organizations/{id}/members/{id}/roles":
		return func() any { return new(auth0api.RolesPage) }, ""
	case "POST roles", "GET roles/{id}":
		return func() any { return new(auth0api.Role) }, ""
	case "GET users/{id}/permissions", "GET roles/{id}/permissions":
		return func() any { return new(auth0api.PermissionsPage) }, ""
	case "GET users/{id}/organizations":
		return func() any { return new(auth0api.OrganizationsPage) }, ""
	case "POST organizations":
		return func() any { return new(auth0api.Organization) }, ""
	case "GET logs", "GET users/{id}/logs":
		return func() any { return new(auth0api.LogsPage) }, ""
	case "GET logs/{id}":
		return func() any { return new(auth0api.LogEvent) }, ""
	case "GET users/{id}/enrollments":
		return func() any { return new([]auth0api.Enrollment) }, ""
	case "GET users/{id}/authentication-methods":
		return func() any { return new(auth0api.AuthenticationMethodsPage) }, ""
	case "POST users/{id}/authentication-methods", "GET users/{id}/authentication-methods/{id}",
		"PATCH users/{id}/authentication-methods/{id}":
		return func() any { return new(auth0api.AuthenticationMethod) }, ""
	case "PUT users/{id}/authentication-methods":
		return func() any { return new([]auth0api.AuthenticationMethod) }, ""
	case "POST resource-servers":
		return func() any { return new(auth0api.ResourceServer) }, ""
	case "GET connections":
		return func() any { return new(auth0api.ConnectionsPage) }, ""
	case "POST users/{id}/recovery-code-regeneration", "POST users/{id}/permissions", "POST roles/{id}/permissions",
		"POST roles/{id}/users", "DELETE roles/{id}":
		return nil, "answer is not a model ({} or a one-key object)"
	case "GET users/{id}/sessions":
		return func() any { return new(auth0api.SessionsPage) }, ""
	case "GET sessions/{id}":
		return func() any { return new(auth0api.Session) }, ""
	case "GET users/{id}/refresh-tokens":
		return func() any { return new(auth0api.RefreshTokensPage) }, ""
	case "GET refresh-tokens/{id}":
		return func() any { return new(auth0api.RefreshToken) }, ""
	case "GET grants":
		return func() any { return new(auth0api.GrantsPage) }, ""
	case "GET user-blocks/{id}", "GET user-blocks":
		return func() any { return new(userBlocks) }, ""
	case "POST jobs/verification-email":
		return func() any { return new(auth0api.Job) }, ""
	case "DELETE users/{id}/refresh-tokens", "DELETE users/{id}/sessions", "DELETE sessions/{id}", "POST sessions/{id}/revoke":
		return nil, "answer is {}"
	case "POST tickets/password-change", "POST tickets/email-verification":
		return nil, "answer is a one-key object"
	case "POST jobs/users-exports", "GET jobs/{id}":
		return func() any { return new(auth0api.Job) }, ""
	case "GET jobs/{id}/errors":
		return func() any { return new([]auth0api.JobUserError) }, "" // an import's errors: the recorded answer
	case "POST guardian/enrollments/ticket":
		return func() any { return new(auth0api.EnrollmentTicket) }, ""
	case "POST jobs/users-imports":
		return nil, "user imports (userdesk exports users, it does not import them)"
	case "GET users/{id}/connected-accounts", "GET users/{id}/federated-connections-tokensets",
		"GET organizations/{id}/members":
		return nil, "endpoint not used by userdesk"
	}
	return nil, ""
}

func TestRecordedAnswersDecode(t *testing.T) {
	decoded := 0
	for _, in := range recordings(t) {
		if in.Status >= 400 || strings.TrimSpace(in.ResponseBody) == "" {
			continue
		}
		newModel, skip := modelFor(in.Method, in.URL)
		if newModel == nil {
			if skip == "" {
				t.Errorf("%s: %s %s has no model and no reason to skip", in.Name(), in.Method, in.URL)
			}
			continue
		}
		body := []byte(in.ResponseBody)
		v := newModel()
		if err := json.Unmarshal(body, v); err != nil {
			t.Errorf("%s: decode into %T: %v", in.Name(), v, err)
			continue
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Errorf("%s: encode %T: %v", in.Name(), v, err)
			continue
		}
		if !sameJSON(t, out, body) {
			t.Errorf("%s: %T does not give back the same JSON\n got %s\nwant %s", in.Name(), v, out, body)
		}
		raw, _ := decodeAny(body)
		checkTyped(t, in.Name()+": "+reflect.TypeOf(v).Elem().String(), reflect.ValueOf(v), raw)
		decoded++
	}
	t.Logf("%d recorded answers decoded and re-encoded", decoded)
	if decoded < 60 {
		t.Errorf("decoded %d answers, want the reference set (over 60)", decoded)
	}
}

// looseModels may legitimately carry keys they do not name: Auth0 returns
// many more resource-server and connection settings than the dashboard uses.
var looseModels = map[string]bool{"ResourceServer": true, "ConnectionOptions": true, "Connection": true}

// checkTyped verifies that every key the model names was decoded into its
// typed field (not only kept as raw JSON), and that strict models kept
// nothing in Extra: the typed models cover everything Auth0 recorded.
func checkTyped(t *testing.T, where string, v reflect.Value, raw any) {
	t.Helper()
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // json.RawMessage
			b, _ := json.Marshal(raw)
			if !sameJSON(t, v.Bytes(), b) {
				t.Errorf("%s: raw %s, want %s", where, v.Bytes(), b)
			}
			return
		}
		list, ok := raw.([]any)
		if !ok {
			t.Errorf("%s: %s decoded from %T", where, v.Type(), raw)
			return
		}
		if v.Len() != len(list) {
			t.Errorf("%s: %d items, want %d", where, v.Len(), len(list))
			return
		}
		for i := range list {
			checkTyped(t, where, v.Index(i), list[i])
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			s, _ := raw.(string)
			want, err := time.Parse(time.RFC3339Nano, s)
			if err != nil || !v.Interface().(time.Time).Equal(want) {
				t.Errorf("%s: time %v, want %q", where, v.Interface(), s)
			}
			return
		}
		obj, ok := raw.(map[string]any)
		if !ok {
			if v.FieldByName("Totals").IsValid() { // a page decoded from a bare array
				checkTyped(t, where, v.Field(v.NumField()-1), raw)
				return
			}
			t.Errorf("%s: %s decoded from %T", where, v.Type(), raw)
			return
		}
		checkStruct(t, where+"."+v.Type().Name(), v, obj)
		if extra := v.FieldByName("Extra"); extra.IsValid() && extra.Len() > 0 && !looseModels[v.Type().Name()] {
			t.Errorf("%s: %s kept unmodelled keys %v", where, v.Type().Name(), extra.MapKeys())
		}
	case reflect.String:
		switch r := raw.(type) {
		case string:
			if v.String() != r {
				t.Errorf("%s: %q, want %q", where, v.String(), r)
			}
		case json.Number:
			if v.String() != r.String() {
				t.Errorf("%s: %q, want %s", where, v.String(), r)
			}
		default:
			t.Errorf("%s: string from %T", where, raw)
		}
	case reflect.Bool:
		want := raw == true || raw == "true"
		if v.Bool() != want {
			t.Errorf("%s: %v, want %v", where, v.Bool(), raw)
		}
	default: // numbers, maps
		got, _ := json.Marshal(v.Interface())
		want, _ := json.Marshal(raw)
		if !sameJSON(t, got, want) {
			t.Errorf("%s: %s, want %s", where, got, want)
		}
	}
}

func checkStruct(t *testing.T, where string, v reflect.Value, obj map[string]any) {
	t.Helper()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Anonymous {
			checkStruct(t, where, v.Field(i), obj)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		val, present := obj[name]
		if !present || val == nil {
			if !v.Field(i).IsZero() {
				t.Errorf("%s.%s: %v, want zero (absent or null)", where, f.Name, v.Field(i))
			}
			continue
		}
		checkTyped(t, where+"."+f.Name, v.Field(i), val)
	}
}
