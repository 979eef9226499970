package auth0api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"userdesk/auth0api"
)

// TestWithoutIdPTokens: the tokens of every identity are gone from the copy, fields and JSON
// alike, everything else stays as received, and the original is untouched.
func TestWithoutIdPTokens(t *testing.T) {
	in := `{"user_id":"google-oauth2|1","identities":[{"connection":"google-oauth2","user_id":"1","provider":"google-oauth2","isSocial":true,` +
		`"access_token":"ya29.secret","access_token_secret":"s3cret","refresh_token":"1//refresh","expires_in":3599}],"email":"a@example.com"}`
	var u auth0api.User
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	clean := u.WithoutIdPTokens()
	out, err := json.Marshal(clean)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"ya29.secret", "s3cret", "1//refresh", "access_token", "refresh_token"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("the copy holds %q: %s", secret, out)
		}
	}
	want := `{"user_id":"google-oauth2|1","email":"a@example.com","identities":[{"connection":"google-oauth2","user_id":"1","provider":"google-oauth2","isSocial":true,"expires_in":3599}]}`
	var got, wantV any
	_ = json.Unmarshal(out, &got)
	_ = json.Unmarshal([]byte(want), &wantV)
	if g, w := mustJSON(t, got), mustJSON(t, wantV); g != w {
		t.Errorf("copy = %s\nwant   %s", g, w)
	}
	if u.Identities[0].AccessToken != "ya29.secret" {
		t.Error("the original was changed")
	}
	orig, _ := json.Marshal(u)
	if !strings.Contains(string(orig), "1//refresh") {
		t.Error("the original no longer encodes its tokens")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
