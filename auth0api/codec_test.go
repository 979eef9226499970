package auth0api_test

import (
	"encoding/json"
	"testing"
	"time"

	"userdesk/auth0api"
)

func TestUserRoundTripKeepsEverything(t *testing.T) {
	for _, in := range []string{
		// nulls, absences, unknown keys, nested unknown keys
		`{"user_id":"auth0|1","email":null,"name":"","blocked":false,"logins_count":0,"last_login":null,
		  "identities":[{"connection":"c","user_id":"1","provider":"auth0","isSocial":false,"profileData":null,"new_key":{"a":[1,2]}}],
		  "user_metadata":{},"app_metadata":null,"future_field":{"x":true},"multifactor":[]}`,
		// odd types Auth0 is known to send
		`{"user_id":"github|1","email_verified":"true","identities":[{"user_id":12345678901234567890,"provider":"github","connection":"github","isSocial":true}]}`,
		// metadata numbers beyond float64, times without milliseconds or with an offset
		`{"user_metadata":{"big":12345678901234567890,"f":1.50,"nested":{"n":null}},"created_at":"2023-01-25T19:00:26Z","updated_at":"2023-01-25T21:00:26.5+02:00"}`,
		// values of an unexpected type are kept as received
		`{"logins_count":"7","blocked":"false","name":{"first":"a"},"last_login":{"date":"x"},"multifactor":"guardian"}`,
		`{}`,
	} {
		var u auth0api.User
		if err := json.Unmarshal([]byte(in), &u); err != nil {
			t.Fatalf("decode %s: %v", in, err)
		}
		out, err := json.Marshal(u)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		if !sameJSON(t, out, []byte(in)) {
			t.Errorf("round trip\n got %s\nwant %s", out, in)
		}
		// The pointer encodes the same.
		if out2, _ := json.Marshal(&u); string(out2) != string(out) {
			t.Errorf("*User encodes differently: %s", out2)
		}
	}
}

func TestUserLenientDecoding(t *testing.T) {
	var u auth0api.User
	in := `{"email_verified":"true","logins_count":"7","blocked":"true","identities":[{"user_id":12345,"provider":"github"}],
	        "user_metadata":{"n":12345678901234567890},"created_at":"2023-01-25T21:00:26.5+02:00","name":{"odd":1}}`
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	if !u.EmailVerified || u.LoginsCount != 7 || !u.Blocked {
		t.Errorf("EmailVerified %v LoginsCount %d Blocked %v, want true 7 true", u.EmailVerified, u.LoginsCount, u.Blocked)
	}
	if u.Identities[0].UserID != "12345" {
		t.Errorf("identity user_id %q, want \"12345\"", u.Identities[0].UserID)
	}
	if n, ok := u.UserMetadata["n"].(json.Number); !ok || n.String() != "12345678901234567890" {
		t.Errorf("metadata number %#v, want json.Number 12345678901234567890", u.UserMetadata["n"])
	}
	if want := time.Date(2023, 1, 25, 19, 0, 26, 500e6, time.UTC); !u.CreatedAt.Equal(want) {
		t.Errorf("CreatedAt %v, want %v", u.CreatedAt, want)
	}
	if u.Name != "" {
		t.Errorf("Name %q from an object, want empty", u.Name)
	}
}

func TestUserChangesAreEncoded(t *testing.T) {
	in := `{"user_id":"auth0|1","email":"old@example.com","email_verified":"true","name":null,"nickname":"n",
	        "created_at":"2023-01-25T19:00:26Z","identities":[{"user_id":42,"provider":"auth0","connection":"db"}],"zz":1}`
	var u auth0api.User
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	u.Email = "new@example.com"
	u.Name = "Named"
	u.Nickname = ""
	u.Blocked = true
	u.LastLogin = time.Date(2024, 2, 3, 4, 5, 6, 7e6, time.FixedZone("x", 3600))
	u.Identities[0].Connection = "db2"
	u.Extra["added"] = json.RawMessage(`[1]`)
	u.Extra["email"] = json.RawMessage(`"ignored: email is a known key"`)
	out, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"user_id":"auth0|1","email":"new@example.com","email_verified":"true","name":"Named","nickname":"",
	        "created_at":"2023-01-25T19:00:26Z","identities":[{"user_id":42,"provider":"auth0","connection":"db2"}],"zz":1,
	        "blocked":true,"last_login":"2024-02-03T03:05:06.007Z","added":[1]}`
	if !sameJSON(t, out, []byte(want)) {
		t.Errorf("encoded\n got %s\nwant %s", out, want)
	}
}

func TestNewUserEncodesSetFieldsOnly(t *testing.T) {
	u := auth0api.User{
		UserID:    "auth0|1",
		Email:     "a@example.com",
		CreatedAt: time.Date(2023, 1, 25, 19, 0, 26, 0, time.UTC),
		Identities: []auth0api.Identity{{
			Connection: "db", UserID: "1", Provider: "auth0",
		}},
		AppMetadata: map[string]any{"plan": "pro"},
	}
	out, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"user_id":"auth0|1","email":"a@example.com","created_at":"2023-01-25T19:00:26.000Z",
	          "identities":[{"connection":"db","user_id":"1","provider":"auth0"}],"app_metadata":{"plan":"pro"}}`
	if !sameJSON(t, out, []byte(want)) {
		t.Errorf("encoded\n got %s\nwant %s", out, want)
	}
}

func TestDecodeRejectsNonObjects(t *testing.T) {
	for _, in := range []string{`[]`, `"user"`, `12`, `true`} {
		var u auth0api.User
		if err := json.Unmarshal([]byte(in), &u); err == nil {
			t.Errorf("%s decoded as a user", in)
		}
	}
	var u auth0api.User
	if err := json.Unmarshal([]byte(`null`), &u); err != nil || u.UserID != "" {
		t.Errorf("null: %v, %+v", err, u)
	}
	// Decoding resets what was there.
	u = auth0api.User{Email: "stale@example.com", Blocked: true}
	if err := json.Unmarshal([]byte(`{"user_id":"x"}`), &u); err != nil || u.Email != "" || u.Blocked {
		t.Errorf("decode into a used value kept stale fields: %+v", u)
	}
}

func TestUserUpdateEncoding(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    auth0api.UserUpdate
		want string
	}{
		{"nothing", auth0api.UserUpdate{}, `{}`},
		{"set", auth0api.UserUpdate{Blocked: auth0api.Set(false), Name: auth0api.Set("")}, `{"blocked":false,"name":""}`},
		{"null", auth0api.UserUpdate{PhoneNumber: auth0api.Null[string](), Username: auth0api.Null[string]()}, `{"phone_number":null,"username":null}`},
		{"metadata", auth0api.UserUpdate{UserMetadata: map[string]any{"keep": 1, "drop": nil}}, `{"user_metadata":{"keep":1,"drop":null}}`},
	} {
		out, err := json.Marshal(tc.u)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, out, []byte(tc.want)) {
			t.Errorf("%s: %s, want %s", tc.name, out, tc.want)
		}
	}
}

func TestOpt(t *testing.T) {
	var o auth0api.Opt[string]
	if !o.IsZero() || o.IsNull() || o.Or("def") != "def" || o.String() != "unset" {
		t.Errorf("zero Opt: %v", o)
	}
	if v, ok := auth0api.Set("x").Get(); !ok || v != "x" {
		t.Errorf("Set(x).Get() = %q, %v", v, ok)
	}
	if n := auth0api.Null[int](); n.IsZero() || !n.IsNull() || n.Or(3) != 3 || n.String() != "null" {
		t.Errorf("Null: %v", n)
	}
	var body struct {
		A auth0api.Opt[string] `json:"a,omitzero"`
		B auth0api.Opt[string] `json:"b,omitzero"`
		C auth0api.Opt[int]    `json:"c,omitzero"`
	}
	if err := json.Unmarshal([]byte(`{"a":null,"c":5}`), &body); err != nil {
		t.Fatal(err)
	}
	if !body.A.IsNull() || !body.B.IsZero() || body.C.Or(0) != 5 {
		t.Errorf("decoded %v %v %v, want null unset 5", body.A, body.B, body.C)
	}
	if out, _ := json.Marshal(body); string(out) != `{"a":null,"c":5}` {
		t.Errorf("encoded %s", out)
	}
}

func TestPages(t *testing.T) {
	for _, tc := range []struct {
		in     string
		totals bool
		n      int
		next   bool
	}{
		{`[{"id":"rol_1"},{"id":"rol_2"}]`, false, 2, false},
		{`[]`, false, 0, false},
		{`{"roles":[{"id":"rol_1"}],"start":0,"limit":1,"total":3}`, true, 1, true},
		{`{"roles":[],"start":0,"limit":50}`, true, 0, false},
		{`{"roles":[{"id":"rol_1"}],"next":"cursor"}`, true, 1, true},
	} {
		var p auth0api.RolesPage
		if err := json.Unmarshal([]byte(tc.in), &p); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if p.Totals != tc.totals || len(p.Roles) != tc.n || p.HasNext() != tc.next {
			t.Errorf("%s: Totals %v, %d roles, HasNext %v; want %v, %d, %v", tc.in, p.Totals, len(p.Roles), p.HasNext(), tc.totals, tc.n, tc.next)
		}
		out, err := json.Marshal(p)
		if err != nil || !sameJSON(t, out, []byte(tc.in)) {
			t.Errorf("%s: re-encoded %s (%v)", tc.in, out, err)
		}
	}
	if out, _ := json.Marshal(auth0api.UsersPage{}); string(out) != `[]` {
		t.Errorf("empty page encodes as %s, want []", out)
	}
}

// TestCheckpointPages: a checkpoint page (sessions, refresh tokens) has more after it only when
// it names a next checkpoint; its total never implies more (it has no start or limit).
func TestCheckpointPages(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		next bool
	}{
		{`{"sessions":[{"id":"a"},{"id":"b"}],"next":"b","total":3}`, 2, true},
		{`{"sessions":[],"total":3}`, 0, false},
		{`{"sessions":[]}`, 0, false},
	} {
		var p auth0api.SessionsPage
		if err := json.Unmarshal([]byte(tc.in), &p); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if len(p.Sessions) != tc.n || p.HasNext() != tc.next {
			t.Errorf("%s: %d sessions, HasNext %v; want %d, %v", tc.in, len(p.Sessions), p.HasNext(), tc.n, tc.next)
		}
		if out, err := json.Marshal(p); err != nil || !sameJSON(t, out, []byte(tc.in)) {
			t.Errorf("%s: re-encoded %s (%v)", tc.in, out, err)
		}
	}
}
