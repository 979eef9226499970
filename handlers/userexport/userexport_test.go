package userexport

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// hostile is a user whose every string a person could have typed: formulas, quotes, separators,
// line breaks, HTML, Unicode line separators, and metadata holding the same.
func hostile() map[string]any {
	return map[string]any{
		"user_id":        "auth0|=cmd|' /C calc'!A0",
		"email":          "+1@example.com",
		"email_verified": true,
		"name":           "-2+3,\"quoted\"\nsecond line",
		"given_name":     "@SUM(A1:A9)",
		"family_name":    "\tTabbed",
		"nickname":       "\rCarriage",
		"username":       "<script>alert(1)</script>&amp;",
		"phone_number":   "=HYPERLINK(\"http://evil.example\",\"x\")",
		"identities":     []any{map[string]any{"connection": "=conn", "access_token": "secret-token"}},
		"created_at":     "2024-01-02T03:04:05.000Z",
		"logins_count":   json.Number("12345678901234567890"),
		"blocked":        false,
		"app_metadata":   map[string]any{"note": "=1+1", "line": "a\u2028b", "n": json.Number("1.50")},
		"user_metadata":  map[string]any{},
	}
}

// TestCSVHostileValues: every cell a spreadsheet would run as a formula starts with a quote, the
// CSV reads back to exactly the values written (quotes, commas and line breaks survive), numbers
// keep Auth0's digits, metadata is its JSON text, and identity tokens are never written.
func TestCSVHostileValues(t *testing.T) {
	cols, err := Select([]string{"user_id", "email", "email_verified", "name", "given_name", "family_name",
		"nickname", "username", "phone_number", "connection", "created_at", "logins_count", "blocked",
		"app_metadata", "user_metadata", "last_login"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := NewWriter(&buf, CSV, cols)
	must(t, w.WriteHeader())
	must(t, w.Write(hostile()))
	must(t, w.Flush())
	if strings.Contains(buf.String(), "secret-token") {
		t.Fatalf("an identity token was written:\n%s", buf.String())
	}
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 {
		t.Fatalf("%d records, want a header and one row", len(records))
	}
	want := map[string]string{
		"user_id":        "auth0|=cmd|' /C calc'!A0", // starts with "a": not a formula
		"email":          "'+1@example.com",
		"email_verified": "true",
		"name":           "'-2+3,\"quoted\"\nsecond line",
		"given_name":     "'@SUM(A1:A9)",
		"family_name":    "'\tTabbed",
		"nickname":       "'\rCarriage",
		"username":       "<script>alert(1)</script>&amp;",
		"phone_number":   "'=HYPERLINK(\"http://evil.example\",\"x\")",
		"connection":     "'=conn",
		"created_at":     "2024-01-02T03:04:05.000Z",
		"logins_count":   "12345678901234567890",
		"blocked":        "false",
		"app_metadata":   `{"line":"a\u2028b","n":1.50,"note":"=1+1"}`,
		"user_metadata":  `{}`,
		"last_login":     "",
	}
	for i, key := range records[0] {
		if got := records[1][i]; got != want[key] {
			t.Errorf("%s = %q, want %q", key, got, want[key])
		}
	}
	if !slices.Equal(records[0], Keys(cols)) {
		t.Errorf("header = %q", records[0])
	}
}

// TestJSONLinesHostileValues: one object per line with every chosen column, in order, null for
// what is missing, values as Auth0 sent them (no HTML escaping, numbers' digits kept).
func TestJSONLinesHostileValues(t *testing.T) {
	cols, err := Select([]string{"email", "name", "username", "logins_count", "app_metadata", "last_login", "connection"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := NewWriter(&buf, JSONLines, cols)
	must(t, w.WriteHeader())
	must(t, w.Write(hostile()))
	must(t, w.Write(map[string]any{"user_id": "x"}))
	must(t, w.Flush())
	want := `{"email":"+1@example.com","name":"-2+3,\"quoted\"\nsecond line","username":"<script>alert(1)</script>&amp;",` +
		`"connection":"=conn","last_login":null,"logins_count":12345678901234567890,"app_metadata":{"line":"a\u2028b","n":1.50,"note":"=1+1"}}` + "\n" +
		`{"email":null,"name":null,"username":null,"connection":null,"last_login":null,"logins_count":null,"app_metadata":null}` + "\n"
	if buf.String() != want {
		t.Errorf("JSON Lines =\n%s\nwant\n%s", buf.String(), want)
	}
	if w.Rows() != 2 {
		t.Errorf("Rows = %d", w.Rows())
	}
}

// TestSelect: columns come in the allowlist's order, once each; an unknown one is refused; none
// gives the defaults.
func TestSelect(t *testing.T) {
	cols, err := Select([]string{"email", "user_id", "email"})
	if err != nil || !slices.Equal(Keys(cols), []string{"user_id", "email"}) {
		t.Errorf("Select = %q, %v", Keys(cols), err)
	}
	for _, bad := range []string{"identities", "password", "app_metadata.plan", "", "EMAIL"} {
		if _, err := Select([]string{"email", bad}); !errors.Is(err, ErrUnknownColumn) {
			t.Errorf("Select(%q) = %v, want ErrUnknownColumn", bad, err)
		}
	}
	cols, err = Select(nil)
	if err != nil || !slices.Equal(Keys(cols), DefaultColumns()) {
		t.Errorf("Select(nil) = %q, %v", Keys(cols), err)
	}
	if got := Fields(cols); !slices.Contains(got, "identities") || slices.Contains(got, "connection") {
		t.Errorf("Fields = %q: the connection column reads identities", got)
	}
	for _, c := range Columns() {
		if c.Field == "identities" && c.Key != "connection" {
			t.Errorf("column %s exports identities", c.Key)
		}
	}
}

// TestRead: an export file is read user by user, blank lines skipped, a long line gathered, and
// a broken one reported.
func TestRead(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	file := `{"user_id":"a","logins_count":3}` + "\n\n" + `{"user_id":"b","name":"` + long + `"}` + "\n" + `{"user_id":"c"}`
	var ids []string
	err := Read(strings.NewReader(file), func(u map[string]any) error {
		ids = append(ids, u["user_id"].(string))
		if u["user_id"] == "a" {
			if n, ok := u["logins_count"].(json.Number); !ok || n != "3" {
				t.Errorf("logins_count = %#v, want json.Number 3", u["logins_count"])
			}
		}
		if u["user_id"] == "b" && u["name"] != long {
			t.Error("the long line was not read whole")
		}
		return nil
	})
	if err != nil || !slices.Equal(ids, []string{"a", "b", "c"}) {
		t.Errorf("Read = %q, %v", ids, err)
	}
	for _, bad := range []string{`{"user_id":"a"`, `[1]`, `{"a":1} {"b":2}`, `null`} {
		if err := Read(strings.NewReader(bad+"\n"), func(map[string]any) error { return nil }); err == nil {
			t.Errorf("Read(%q) accepted it", bad)
		}
	}
	stop := errors.New("stop")
	if err := Read(strings.NewReader(file), func(map[string]any) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Read did not stop with fn's error: %v", err)
	}
	huge := io.MultiReader(strings.NewReader(`{"name":"`), strings.NewReader(strings.Repeat("y", MaxLine)), strings.NewReader(`"}`+"\n"))
	if err := Read(huge, func(map[string]any) error { return nil }); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("Read of a line past MaxLine = %v", err)
	}
}

// TestDefuse: the characters that start a formula, and nothing else.
func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@a": "'@a", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "a=1": "a=1", " =1": " =1", "'=1": "'=1", "1-2": "1-2",
	} {
		if got := Defuse(in); got != want {
			t.Errorf("Defuse(%q) = %q, want %q", in, got, want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
