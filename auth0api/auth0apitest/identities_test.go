package auth0apitest_test

import (
	"net/http"
	"slices"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// TestLinkBodies: the two ways of naming the secondary, a numeric user_id,
// and the payload refusals.
func TestLinkBodies(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	kath := "/users/" + esc(auth0apitest.FixtureLinkedUserID)
	edsger := "/users/" + esc(auth0apitest.FixtureBareUserID)

	// Unlink GitHub (a user again), then link it back with a numeric user_id.
	r := e.call(t, "DELETE", kath+"/identities/github/5012345", nil)
	if r.status != http.StatusOK || len(r.array(t)) != 2 {
		t.Fatalf("unlink: %d %s", r.status, r.raw)
	}
	if gh := e.call(t, "GET", "/users/github%7C5012345", nil); gh.status != http.StatusOK {
		t.Fatalf("the unlinked GitHub identity: %d %s", gh.status, gh.raw)
	}
	r = e.call(t, "POST", kath+"/identities", map[string]any{"provider": "github", "user_id": 5012345})
	if r.status != http.StatusCreated || len(r.array(t)) != 3 {
		t.Fatalf("link with a numeric user_id: %d %s", r.status, r.raw)
	}
	first := r.array(t)[0].(map[string]any)
	if first["profileData"].(map[string]any)["email"] != "katherine.johnson@example.com" || first["provider"] != "auth0" {
		t.Errorf("the primary identity in the answer: %v", first)
	}

	// The Google identity's user_id holds no provider; the SAML one holds a "|".
	r = e.call(t, "DELETE", kath+"/identities/google-oauth2/109876543210987654321", nil)
	if r.status != http.StatusOK {
		t.Fatalf("unlink Google: %d %s", r.status, r.raw)
	}
	r = e.call(t, "POST", edsger+"/identities", map[string]any{"provider": "samlp", "user_id": auth0apitest.FixtureEnterpriseUserID,
		"connection_id": connectionID(t, e, auth0apitest.EnterpriseConnection)})
	if r.status != http.StatusCreated {
		t.Fatalf("link the SAML user: %d %s", r.status, r.raw)
	}
	if r := e.call(t, "DELETE", edsger+"/identities/samlp/"+esc("acme-saml|alan.turing@acme.example"), nil); r.status != http.StatusOK || len(r.array(t)) != 1 {
		t.Errorf("unlink the SAML identity: %d %s", r.status, r.raw)
	}
	if r := e.call(t, "GET", "/users/"+esc(auth0apitest.FixtureEnterpriseUserID), nil); r.status != http.StatusOK {
		t.Errorf("Alan after unlinking: %d", r.status)
	}

	ada := "/users/" + esc(auth0apitest.FixtureUserID)
	wantError(t, e.call(t, "POST", ada+"/identities", map[string]any{"provider": "google-oauth2"}), 400, "invalid_body",
		"Payload validation error: 'Missing required property: user_id'.")
	wantError(t, e.call(t, "POST", ada+"/identities", map[string]any{"provider": "carrier-pigeon", "user_id": "1"}), 400, "invalid_body", "")
	wantError(t, e.call(t, "POST", ada+"/identities", map[string]any{"provider": "auth0", "user_id": "1", "connection_id": "Username-Password-Authentication"}), 400, "invalid_body", "")
	wantError(t, e.call(t, "POST", ada+"/identities", map[string]any{"link_with": "a.b.c", "provider": "auth0"}), 400, "invalid_body",
		"The link_with parameter cannot be sent with provider, user_id or connection_id.")
	wantError(t, e.call(t, "POST", ada+"/identities", map[string]any{"provider": "auth0", "user_id": "1", "extra": true}), 400, "invalid_body",
		"Payload validation error: 'Additional properties not allowed: extra'.")
	wantError(t, e.call(t, "POST", ada+"/identities", map[string]any{"provider": "auth0", "user_id": auth0apitest.FixtureBareUserID,
		"connection_id": connectionID(t, e, auth0apitest.SocialConnection)}), 400, "", "The provider/connection is not configured.")
	wantError(t, e.callWith(t, e.tenant.Token("read:users"), "POST", ada+"/identities", map[string]any{"provider": "auth0", "user_id": "1"}),
		403, "insufficient_scope", "Insufficient scope, expected any of: update:users,update:current_user_identities")
	wantError(t, e.call(t, "DELETE", "/users/auth0%7Cnobody/identities/github/1", nil), 404, "inexistent_user", "The user does not exist.")
}

// TestLinkedDatabaseIdentityKeepsItsAddress: a database user linked into
// another still holds its address and username in the connection, so a new
// user cannot take them; once unlinked it is the same user again.
func TestLinkedDatabaseIdentityKeepsItsAddress(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	ada := "/users/" + esc(auth0apitest.FixtureUserID)
	r := e.call(t, "POST", ada+"/identities", map[string]any{"provider": "auth0", "user_id": "64a1b2c3d4e5f60718293a4d",
		"connection_id": connectionID(t, e, auth0apitest.DatabaseConnection)})
	if r.status != http.StatusCreated {
		t.Fatalf("link Edsger into Ada: %d %s", r.status, r.raw)
	}
	create := map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "edsger.dijkstra@example.com", "password": "Corr3ct-Horse-Battery"}
	wantError(t, e.call(t, "POST", "/users", create), http.StatusConflict, "auth0_idp_error", "The user already exists.")
	create["email"], create["username"] = "someone.else@example.com", "edsger"
	wantError(t, e.call(t, "POST", "/users", create), http.StatusConflict, "auth0_idp_error", "The user already exists.")
	if r := e.call(t, "GET", "/users-by-email?email=edsger.dijkstra%40example.com", nil); len(r.array(t)) != 0 {
		t.Errorf("users-by-email finds the linked secondary: %s", r.raw)
	}
	r = e.call(t, "DELETE", ada+"/identities/auth0/64a1b2c3d4e5f60718293a4d", nil)
	if r.status != http.StatusOK {
		t.Fatalf("unlink: %d %s", r.status, r.raw)
	}
	back := e.call(t, "GET", "/users/"+esc(auth0apitest.FixtureBareUserID), nil).object(t)
	if back["email"] != "edsger.dijkstra@example.com" || back["username"] != "edsger" || back["name"] != "Edsger Dijkstra" {
		t.Errorf("Edsger recreated as %v", back)
	}
	ada2 := e.call(t, "GET", ada, nil).object(t)
	if len(ada2["identities"].([]any)) != 1 || ada2["email"] != "ada.lovelace@example.com" {
		t.Errorf("Ada after unlinking: %v", ada2)
	}
}

// TestSeededLinkedIdentities: some seeded database users have a linked
// Google or GitHub identity, the same for the same seed, and searchable.
func TestSeededLinkedIdentities(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{Users: 600, Seed: 9})
	byProvider := map[string]int{}
	var first []string
	for _, u := range allUsers(t, e.tenant) {
		ids := u["identities"].([]any)
		if len(ids) < 2 {
			continue
		}
		primary := ids[0].(map[string]any)
		linked := ids[1].(map[string]any)
		for _, l := range ids[1:] {
			byProvider[l.(map[string]any)["provider"].(string)]++
		}
		if primary["connection"] != auth0apitest.DatabaseConnection && u["user_id"] != auth0apitest.FixtureLinkedUserID {
			t.Errorf("%s: a linked identity on a %v user", u["user_id"], primary["connection"])
		}
		if p, _ := linked["profileData"].(map[string]any); p["email"] == nil || p["email_verified"] != true {
			t.Errorf("%s: profileData %v", u["user_id"], linked["profileData"])
		}
		if len(first) < 3 {
			first = append(first, u["user_id"].(string))
		}
	}
	if byProvider["google-oauth2"] < 10 || byProvider["github"] < 5 {
		t.Errorf("linked identities by provider: %v", byProvider)
	}
	again := newEnv(t, auth0apitest.Options{Users: 600, Seed: 9})
	var firstAgain []string
	for _, u := range allUsers(t, again.tenant) {
		if len(u["identities"].([]any)) > 1 && len(firstAgain) < 3 {
			firstAgain = append(firstAgain, u["user_id"].(string))
		}
	}
	if !slices.Equal(first, firstAgain) {
		t.Errorf("linked users differ for the same seed: %v and %v", first, firstAgain)
	}
	r := search(t, e, `identities.connection:"github"`, "&include_totals=true")
	if total := r.object(t)["total"].(float64); int(total) != byProvider["github"] {
		t.Errorf("search for GitHub identities: %v, want %d", total, byProvider["github"])
	}
}
