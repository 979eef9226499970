package auth0apitest

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"time"
)

// The fixture users, present in every tenant with the same content, for
// tests to rely on by id.
const (
	// FixtureUserID is Ada Lovelace (ada.lovelace@example.com, username
	// "ada", password FixturePassword) in the database connection: verified,
	// roles "tenant-admin" and "support-manager", two direct permissions, two
	// organizations (acme, globex), one factor of every kind (totp, phone,
	// email, webauthn-roaming, webauthn-platform, passkey, push, recovery
	// code) and a dozen log events.
	FixtureUserID = "auth0|64a1b2c3d4e5f60718293a4b"
	// FixtureSocialUserID is Grace Hopper (grace.hopper@gmail.com) from
	// google-oauth2, with the role "engineering-viewer" and a totp factor.
	FixtureSocialUserID = "google-oauth2|108234567890123456789"
	// FixtureEnterpriseUserID is Alan Turing (alan.turing@acme.example) from
	// the SAML connection acme-saml, member of the acme organization,
	// app_metadata.partner "acme".
	FixtureEnterpriseUserID = "samlp|acme-saml|alan.turing@acme.example"
	// FixtureBlockedUserID is Charles Babbage (charles.babbage@example.com,
	// password FixturePassword): blocked, email not verified, no factors.
	FixtureBlockedUserID = "auth0|64a1b2c3d4e5f60718293a4c"
	// FixtureBareUserID is Edsger Dijkstra (edsger.dijkstra@example.com,
	// password FixturePassword): no roles, permissions, organizations,
	// factors or logs.
	FixtureBareUserID = "auth0|64a1b2c3d4e5f60718293a4d"
	// FixtureSlashUserID is Barbara Liskov (barbara.liskov@example.org), an
	// imported database user whose id holds a slash and a space.
	FixtureSlashUserID = "auth0|legacy/00042 bl"
	// FixtureLinkedUserID is Katherine Johnson (katherine.johnson@example.com,
	// password FixturePassword), a database user with two linked secondary
	// identities: Google (FixtureLinkedGoogleIdentity, katherine.j@gmail.com)
	// and GitHub (FixtureLinkedGitHubIdentity, login "kjohnson"). Unlinking one
	// recreates it as the user "google-oauth2|<id>" or "github|<id>".
	FixtureLinkedUserID = "auth0|64a1b2c3d4e5f60718293a4e"
	// FixtureDuplicateUserID is Hedy Lamarr (hedy.lamarr@example.com, password
	// FixturePassword) in the database connection, and
	// FixtureDuplicateSocialUserID a separate Google user with the same
	// verified address who signed in later: the pair is ready to be linked
	// (the database user as primary).
	FixtureDuplicateUserID       = "auth0|64a1b2c3d4e5f60718293a4f"
	FixtureDuplicateSocialUserID = "google-oauth2|110453678901234567890"
	// FixturePassword is the password of the database fixture users.
	FixturePassword = "Fixture-Passw0rd!"
)

// The linked identities of FixtureLinkedUserID: provider and user_id, as in
// its identities (and in the path of an unlink).
const (
	FixtureLinkedGoogleIdentity = "google-oauth2|109876543210987654321"
	FixtureLinkedGitHubIdentity = "github|5012345"
)

// fixtureSpan is how long before the tenant's clock (directory.anchor) the fixtures' history
// starts: Ada Lovelace, created then, last logged in two days ago (day 600 of 602).
const fixtureSpan = 602 * 24 * time.Hour

// fixtureEpoch dates the fixtures: fixtureSpan before the tenant's clock at its creation.
func (d *directory) fixtureEpoch() time.Time { return d.anchor.Add(-fixtureSpan) }

// seedFixtures adds the fixture users.
func (d *directory) seedFixtures() {
	r := rand.New(rand.NewPCG(0xf1, 0x7e))
	fixtureEpoch := d.fixtureEpoch()
	at := func(days int) string { return stamp(fixtureEpoch.Add(time.Duration(days) * 24 * time.Hour)) }
	identity := func(conn, provider, id string, social bool) []any {
		return []any{map[string]any{"connection": conn, "user_id": id, "provider": provider, "isSocial": social}}
	}
	ada := map[string]any{
		"user_id": FixtureUserID, "email": "ada.lovelace@example.com", "email_verified": true, "username": "ada",
		"name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace", "nickname": "ada",
		"picture": gravatar("ada.lovelace@example.com"), "phone_number": "+447700900123", "phone_verified": true,
		"created_at": at(0), "updated_at": at(300), "last_login": at(600), "last_ip": "81.2.69.160",
		"logins_count": float64(42), "last_password_reset": at(200),
		"identities":    identity(DatabaseConnection, "auth0", "64a1b2c3d4e5f60718293a4b", false),
		"app_metadata":  map[string]any{"plan": "enterprise", "customer_id": "cus_ADA0000000001", "region": "emea", "roles": []any{"admin"}},
		"user_metadata": map[string]any{"locale": "en-GB", "theme": "dark", "newsletter": true, "display": map[string]any{"fontSize": float64(13)}},
		"multifactor":   []any{"guardian"}, "multifactor_last_modified": at(100),
	}
	grace := map[string]any{
		"user_id": FixtureSocialUserID, "email": "grace.hopper@gmail.com", "email_verified": true,
		"name": "Grace Hopper", "given_name": "Grace", "family_name": "Hopper", "nickname": "grace.hopper",
		"picture":    "https://lh3.googleusercontent.com/a/ACg8ocGraceHopperFixture=s96-c",
		"created_at": at(10), "updated_at": at(400), "last_login": at(590), "last_ip": "2001:db8::1",
		"logins_count":  float64(7),
		"identities":    identity(SocialConnection, "google-oauth2", "108234567890123456789", true),
		"app_metadata":  map[string]any{"plan": "pro", "region": "amer"},
		"user_metadata": map[string]any{"locale": "en-US"},
		"multifactor":   []any{"guardian"},
	}
	alan := map[string]any{
		"user_id": FixtureEnterpriseUserID, "email": "alan.turing@acme.example", "email_verified": true,
		"name": "Alan Turing", "given_name": "Alan", "family_name": "Turing", "nickname": "alan.turing",
		"picture": gravatar("alan.turing@acme.example"), "created_at": at(20), "updated_at": at(20),
		"last_login": at(500), "last_ip": "192.0.2.44", "logins_count": float64(3),
		"identities":   identity(EnterpriseConnection, "samlp", EnterpriseConnection+"|alan.turing@acme.example", false),
		"app_metadata": map[string]any{"plan": "business", "region": "emea", "partner": "acme"},
	}
	charles := map[string]any{
		"user_id": FixtureBlockedUserID, "email": "charles.babbage@example.com", "email_verified": false, "username": "charles",
		"name": "Charles Babbage", "given_name": "Charles", "family_name": "Babbage", "nickname": "charles",
		"picture": gravatar("charles.babbage@example.com"), "created_at": at(30), "updated_at": at(450),
		"last_login": at(440), "last_ip": "198.51.100.7", "logins_count": float64(12), "blocked": true,
		"identities":   identity(DatabaseConnection, "auth0", "64a1b2c3d4e5f60718293a4c", false),
		"app_metadata": map[string]any{"plan": "free", "region": "emea", "blocked_reason": "chargeback"},
	}
	edsger := map[string]any{
		"user_id": FixtureBareUserID, "email": "edsger.dijkstra@example.com", "email_verified": true, "username": "edsger",
		"name": "Edsger Dijkstra", "given_name": "Edsger", "family_name": "Dijkstra", "nickname": "edsger",
		"picture": gravatar("edsger.dijkstra@example.com"), "created_at": at(40), "updated_at": at(40),
		"logins_count": float64(0),
		"identities":   identity(DatabaseConnection, "auth0", "64a1b2c3d4e5f60718293a4d", false),
	}
	barbara := map[string]any{
		"user_id": FixtureSlashUserID, "email": "barbara.liskov@example.org", "email_verified": true, "username": "barbara",
		"name": "Barbara Liskov", "given_name": "Barbara", "family_name": "Liskov", "nickname": "barbara",
		"picture": gravatar("barbara.liskov@example.org"), "created_at": at(50), "updated_at": at(50),
		"last_login": at(60), "last_ip": "203.0.113.9", "logins_count": float64(1),
		"identities":   identity(DatabaseConnection, "auth0", "legacy/00042 bl", false),
		"app_metadata": map[string]any{"imported_from": "legacy-db"},
	}

	// Linked accounts: Katherine signed up with a password, then linked Google and GitHub.
	linked := func(conn, provider, id string, social bool, profile map[string]any) map[string]any {
		return map[string]any{"connection": conn, "user_id": id, "provider": provider, "isSocial": social, "profileData": profile}
	}
	katherineIdentities := append(identity(DatabaseConnection, "auth0", "64a1b2c3d4e5f60718293a4e", false),
		linked(SocialConnection, "google-oauth2", "109876543210987654321", true, map[string]any{
			"email": "katherine.j@gmail.com", "email_verified": true, "name": "Katherine Johnson", "given_name": "Katherine",
			"family_name": "Johnson", "picture": "https://lh3.googleusercontent.com/a/ACg8ocKatherineJohnsonFixture=s96-c",
		}),
		linked(GitHubConnection, "github", "5012345", true, map[string]any{
			"email": "katherine.johnson@example.com", "email_verified": true, "name": "Katherine Johnson", "nickname": "kjohnson",
			"picture": "https://avatars.githubusercontent.com/u/5012345?v=4",
		}))
	katherine := map[string]any{
		"user_id": FixtureLinkedUserID, "email": "katherine.johnson@example.com", "email_verified": true, "username": "katherine",
		"name": "Katherine Johnson", "given_name": "Katherine", "family_name": "Johnson", "nickname": "katherine",
		"picture": gravatar("katherine.johnson@example.com"), "created_at": at(70), "updated_at": at(320),
		"last_login": at(598), "last_ip": "198.51.100.61", "logins_count": float64(9),
		"identities":    katherineIdentities,
		"app_metadata":  map[string]any{"plan": "pro", "region": "us"},
		"user_metadata": map[string]any{"locale": "en-US"},
	}
	// Duplicates: Hedy signed up with a password, and later with Google under the same address.
	hedy := map[string]any{
		"user_id": FixtureDuplicateUserID, "email": "hedy.lamarr@example.com", "email_verified": true, "username": "hedy",
		"name": "Hedy Lamarr", "given_name": "Hedy", "family_name": "Lamarr", "nickname": "hedy",
		"picture": gravatar("hedy.lamarr@example.com"), "created_at": at(80), "updated_at": at(80),
		"last_login": at(420), "last_ip": "203.0.113.27", "logins_count": float64(4),
		"identities":    identity(DatabaseConnection, "auth0", "64a1b2c3d4e5f60718293a4f", false),
		"app_metadata":  map[string]any{"plan": "business", "region": "eu"},
		"user_metadata": map[string]any{"locale": "de-DE", "newsletter": true},
	}
	hedySocial := map[string]any{
		"user_id": FixtureDuplicateSocialUserID, "email": "hedy.lamarr@example.com", "email_verified": true,
		"name": "Hedy Lamarr", "given_name": "Hedy", "family_name": "Lamarr", "nickname": "hedy.lamarr",
		"picture":    "https://lh3.googleusercontent.com/a/ACg8ocHedyLamarrFixture=s96-c",
		"created_at": at(580), "updated_at": at(595), "last_login": at(595), "last_ip": "203.0.113.27",
		"logins_count":  float64(2),
		"identities":    identity(SocialConnection, "google-oauth2", "110453678901234567890", true),
		"user_metadata": map[string]any{"locale": "en-US"},
	}

	perm := func(api, name string) permRef { return permRef{ResourceServer: api, Name: name} }
	adaExtra := &userExtra{
		roles: []string{d.roleNamed("tenant-admin"), d.roleNamed("support-manager")},
		perms: []permRef{perm("https://api.acme.example/orders", "read:orders"), perm("https://api.acme.example/reports", "export:reports")},
		orgs:  []string{d.orgs[0]["id"].(string), d.orgs[1]["id"].(string)},
	}
	created := fixtureEpoch.Add(100 * 24 * time.Hour)
	for i, kind := range []string{"totp", "phone", "email", "webauthn-roaming", "webauthn-platform", "passkey", "push", "recovery-code"} {
		adaExtra.methods = append(adaExtra.methods, d.seededMethod(r, kind, ada, created.Add(time.Duration(i)*time.Hour)))
	}
	var adaLogs []map[string]any
	last := fixtureEpoch.Add(600 * 24 * time.Hour)
	kinds := []logKind{logSuccess, logFailed[1], logSuccess, logLogout, logSuccess, logOccasions[4],
		logSuccess, logOccasions[0], logSuccess, logFailed[0], logSuccess, logOccasions[2]}
	for i, k := range kinds {
		adaLogs = append(adaLogs, logEvent(r, d, ada, k, last.Add(-time.Duration(i)*37*time.Hour)))
	}
	adaExtra.logs = adaLogs

	graceExtra := &userExtra{roles: []string{d.roleNamed("engineering-viewer")}}
	graceExtra.methods = []map[string]any{d.seededMethod(r, "totp", grace, fixtureEpoch.Add(11*24*time.Hour))}
	graceExtra.logs = []map[string]any{logEvent(r, d, grace, logSuccess, fixtureEpoch.Add(590*24*time.Hour))}

	add := func(obj map[string]any, x *userExtra, password string) {
		d.put(&userRec{id: obj["user_id"].(string), obj: obj, password: password, seedIndex: -1, extra: x})
	}
	add(ada, adaExtra, FixturePassword)
	add(grace, graceExtra, "")
	add(alan, &userExtra{orgs: []string{d.orgs[0]["id"].(string)}}, "")
	add(charles, &userExtra{logs: []map[string]any{
		logEvent(r, d, charles, logOccasions[9], fixtureEpoch.Add(450*24*time.Hour)),
		logEvent(r, d, charles, logFailed[1], fixtureEpoch.Add(449*24*time.Hour)),
	}}, FixturePassword)
	add(edsger, &userExtra{}, FixturePassword)
	add(barbara, &userExtra{}, FixturePassword)
	add(katherine, &userExtra{logs: []map[string]any{logEvent(r, d, katherine, logSuccess, fixtureEpoch.Add(598*24*time.Hour))}}, FixturePassword)
	add(hedy, &userExtra{}, FixturePassword)
	add(hedySocial, &userExtra{logs: []map[string]any{logEvent(r, d, hedySocial, logSuccess, fixtureEpoch.Add(595*24*time.Hour))}}, "")
}

// StaffUserID returns the tenant user id of the staff account with email.
func StaffUserID(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return "auth0|" + hex.EncodeToString(sum[:12])
}

// addStaff adds a staff account as a database user holding its roles as real tenant roles:
// a role of that name is created in the catalog when the tenant has none (its id derived
// from the name, so it is the same on every run), and assigned to the user. The role claim
// of the staff member's ID token lists the names of the roles the user holds when they sign
// in, as an Auth0 Action adding event.authorization.roles would; so removing the role in the
// tenant (or blocking the user) shows at the next sign-in and in the dashboard's re-checks.
func (d *directory) addStaff(s StaffAccount) {
	email := strings.ToLower(s.Email)
	id := StaffUserID(email)
	name := s.Name
	if name == "" {
		name = email
	}
	local, _, _ := strings.Cut(email, "@")
	obj := map[string]any{
		"user_id": id, "email": email, "email_verified": true, "name": name, "nickname": local,
		"picture": gravatar(email), "created_at": stamp(d.fixtureEpoch()), "updated_at": stamp(d.fixtureEpoch()),
		"logins_count": float64(0),
		"identities":   []any{map[string]any{"connection": DatabaseConnection, "user_id": strings.TrimPrefix(id, "auth0|"), "provider": "auth0", "isSocial": false}},
	}
	extra := &userExtra{}
	for _, r := range s.Roles {
		extra.roles = append(extra.roles, d.ensureRole(r))
	}
	d.put(&userRec{id: id, obj: obj, password: s.Password, seedIndex: -1, extra: extra})
}

// ensureRole returns the id of the catalog's role named name, adding the role when there is
// none.
func (d *directory) ensureRole(name string) string {
	for _, r := range d.roles {
		if r["name"] == name {
			return r["id"].(string)
		}
	}
	sum := sha256.Sum256([]byte("role\x00" + name))
	role := map[string]any{
		"id":          "rol_" + hex.EncodeToString(sum[:8]),
		"name":        name,
		"description": "Dashboard access (" + name + ")",
	}
	d.roles = append(d.roles, role)
	d.roleByID[role["id"].(string)] = role
	return role["id"].(string)
}

// roleNames returns the names of the roles the user holds, in assignment order.
func (d *directory) roleNames(rec *userRec) []any {
	var names []any
	for _, id := range d.extras(rec).roles {
		if r := d.roleByID[id]; r != nil {
			names = append(names, r["name"])
		}
	}
	return names
}
