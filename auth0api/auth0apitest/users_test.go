package auth0apitest_test

import (
	"net/http"
	"slices"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

func TestGetUserEscapedIDs(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	for _, id := range []string{auth0apitest.FixtureUserID, auth0apitest.FixtureSlashUserID, auth0apitest.FixtureEnterpriseUserID} {
		r := e.call(t, "GET", "/users/"+esc(id), nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: status %d %s", id, r.status, r.raw)
		}
		if got := r.object(t)["user_id"]; got != id {
			t.Errorf("user_id = %v, want %s", got, id)
		}
	}
	// An unescaped slash is another path: no such route.
	r := e.call(t, "GET", "/users/auth0%7Clegacy/00042%20bl", nil)
	wantError(t, r, http.StatusNotFound, "", "Not Found")
}

func TestGetUserMissing(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	r := e.call(t, "GET", "/users/auth0%7Cnobody", nil)
	wantError(t, r, http.StatusNotFound, "inexistent_user", "The user does not exist.")
}

func TestCreateUser(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	r := e.call(t, "POST", "/users", map[string]any{
		"connection": auth0apitest.DatabaseConnection, "email": "Chuck@Example.com", "username": "chuck",
		"password": "I have a password and its a secret",
	})
	if r.status != http.StatusCreated {
		t.Fatalf("status %d %s", r.status, r.raw)
	}
	u := r.object(t)
	want := []string{"created_at", "email", "email_verified", "identities", "name", "nickname", "picture", "updated_at", "user_id", "username"}
	var got []string
	for k := range u {
		got = append(got, k)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("keys = %v, want %v", got, want)
	}
	if u["email"] != "chuck@example.com" || u["name"] != "chuck@example.com" || u["nickname"] != "chuck" || u["email_verified"] != false {
		t.Errorf("defaults wrong: %v", u)
	}
	again := e.call(t, "POST", "/users", map[string]any{
		"connection": auth0apitest.DatabaseConnection, "email": "chuck@example.com", "password": "Another-passw0rd",
	})
	wantError(t, again, http.StatusConflict, "auth0_idp_error", "The user already exists.")
}
