package auth0apitest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Connection names of the tenant.
const (
	DatabaseConnection     = "Username-Password-Authentication"
	PasswordlessConnection = "email"
	SocialConnection       = "google-oauth2"
	EnterpriseConnection   = "acme-saml"
	// GitHubConnection is a social connection whose users appear as linked
	// secondary identities (FixtureLinkedUserID, some seeded users).
	GitHubConnection = "github"
)

// seedCatalog creates the tenant-wide objects: connections, resource
// servers, roles and organizations. They do not depend on Options.Seed,
// so their ids are the same in every tenant.
func (d *directory) seedCatalog() {
	r := rand.New(rand.NewPCG(0xa0, 0x7e))
	id := func(prefix string, n int) string { return prefix + randomFrom(r, alnum, n) }

	d.conns = []*connection{
		{name: DatabaseConnection, strategy: "auth0", provider: "auth0", database: true, obj: map[string]any{
			"id": id("con_", 16), "name": DatabaseConnection, "display_name": "Email and password", "strategy": "auth0",
			"is_domain_connection": false, "realms": []any{DatabaseConnection}, "enabled_clients": []any{TestClientID},
			"options": map[string]any{
				"mfa":                         map[string]any{"active": true, "return_enroll_settings": true},
				"passwordPolicy":              "good",
				"password_complexity_options": map[string]any{"min_length": float64(8)},
				"requires_username":           true,
				"validation":                  map[string]any{"username": map[string]any{"min": float64(1), "max": float64(15)}},
				"brute_force_protection":      true,
				"import_mode":                 false,
				"disable_signup":              false,
			},
		}},
		{name: PasswordlessConnection, strategy: "email", provider: "email", obj: map[string]any{
			"id": id("con_", 16), "name": PasswordlessConnection, "display_name": "Email code", "strategy": "email",
			"is_domain_connection": false, "realms": []any{PasswordlessConnection}, "enabled_clients": []any{TestClientID},
			"options": map[string]any{"name": "email", "disable_signup": false, "brute_force_protection": true},
		}},
		{name: SocialConnection, strategy: "google-oauth2", provider: "google-oauth2", social: true, obj: map[string]any{
			"id": id("con_", 16), "name": SocialConnection, "display_name": "Google", "strategy": "google-oauth2",
			"is_domain_connection": false, "realms": []any{SocialConnection}, "enabled_clients": []any{TestClientID},
			"options": map[string]any{"email": true, "profile": true, "scope": []any{"email", "profile"}},
		}},
		{name: EnterpriseConnection, strategy: "samlp", provider: "samlp", obj: map[string]any{
			"id": id("con_", 16), "name": EnterpriseConnection, "display_name": "Acme SSO", "strategy": "samlp",
			"is_domain_connection": false, "realms": []any{EnterpriseConnection}, "enabled_clients": []any{TestClientID},
			"options": map[string]any{
				"signInEndpoint":     "https://sso.acme.example/saml2/idp/SSOService",
				"domain_aliases":     []any{"acme.example"},
				"signatureAlgorithm": "rsa-sha256", "digestAlgorithm": "sha256",
			},
		}},
	}

	mgmt := map[string]any{
		"id": randomFrom(r, hexDigits, 24), "name": "Auth0 Management API", "identifier": d.baseURL + "/api/v2/",
		"is_system": true, "allow_offline_access": false, "skip_consent_for_verifiable_first_party_clients": false,
		"token_lifetime": float64(86400), "token_lifetime_for_web": float64(7200), "signing_alg": "RS256",
	}
	var mgmtScopes []any
	for _, s := range AllScopes {
		mgmtScopes = append(mgmtScopes, map[string]any{"value": s, "description": scopeDescription(s)})
	}
	mgmt["scopes"] = mgmtScopes
	d.resources = []map[string]any{mgmt}
	apis := []struct {
		name, identifier string
		scopes           [][2]string
	}{
		{"Orders API", "https://api.acme.example/orders", [][2]string{
			{"read:orders", "Read orders"}, {"create:orders", "Create orders"}, {"update:orders", "Update orders"},
			{"delete:orders", "Delete orders"}, {"refund:orders", "Refund orders"}}},
		{"Billing API", "https://api.acme.example/billing", [][2]string{
			{"read:invoices", "Read invoices"}, {"create:invoices", "Create invoices"},
			{"read:payment_methods", "Read payment methods"}, {"update:payment_methods", "Update payment methods"}}},
		{"Reports API", "https://api.acme.example/reports", [][2]string{
			{"read:reports", "Read reports"}, {"export:reports", "Export reports"}, {"schedule:reports", "Schedule reports"}}},
	}
	for _, a := range apis {
		var scopes []any
		for _, s := range a.scopes {
			scopes = append(scopes, map[string]any{"value": s[0], "description": s[1]})
		}
		d.resources = append(d.resources, map[string]any{
			"id": randomFrom(r, hexDigits, 24), "name": a.name, "identifier": a.identifier, "is_system": false,
			"scopes": scopes, "signing_alg": "RS256", "allow_offline_access": false,
			"skip_consent_for_verifiable_first_party_clients": true,
			"token_lifetime": float64(86400), "token_lifetime_for_web": float64(7200),
			"enforce_policies": true, "token_dialect": "access_token_authz",
		})
	}

	specials := [][2]string{
		{"tenant-admin", "Full administrative access to the tenant"},
		{"helpdesk", "Helpdesk staff: unlock accounts and reset MFA"},
		{"read-only", "Read-only access everywhere"},
		{"beta-tester", "Early access to beta features"},
	}
	departments := []string{"support", "billing", "sales", "marketing", "engineering", "security",
		"finance", "legal", "hr", "operations", "analytics", "partners"}
	levels := []struct{ name, what string }{
		{"viewer", "Read-only access to"}, {"editor", "Edit access to"}, {"manager", "Manages"},
		{"approver", "Approves changes in"}, {"auditor", "Audits"},
	}
	addRole := func(name, desc string) {
		role := map[string]any{"id": id("rol_", 16), "name": name, "description": desc}
		d.roles = append(d.roles, role)
		d.roleByID[role["id"].(string)] = role
	}
	for _, s := range specials {
		addRole(s[0], s[1])
	}
	for _, dep := range departments {
		for _, l := range levels {
			addRole(dep+"-"+l.name, l.what+" "+dep)
		}
	}

	orgs := []struct{ name, display, color string }{
		{"acme", "Acme Corporation", "#0059d6"}, {"globex", "Globex", "#2e7d32"}, {"initech", "Initech", "#6a1b9a"},
		{"umbrella", "Umbrella Group", "#c62828"}, {"hooli", "Hooli", "#00838f"}, {"stark-industries", "Stark Industries", "#ef6c00"},
		{"wayne-enterprises", "Wayne Enterprises", "#37474f"}, {"wonka", "Wonka Industries", "#ad1457"},
	}
	for i, o := range orgs {
		org := map[string]any{
			"id": id("org_", 16), "name": o.name, "display_name": o.display,
			"branding": map[string]any{
				"logo_url": "https://cdn.example.com/logos/" + o.name + ".png",
				"colors":   map[string]any{"primary": o.color, "page_background": "#ffffff"},
			},
			"metadata": map[string]any{"tier": []string{"enterprise", "business", "startup"}[i%3]},
		}
		d.orgs = append(d.orgs, org)
		d.orgByID[org["id"].(string)] = org
	}

	// Added with account linking, from a generator of its own so that every id above stays
	// what it was.
	rg := rand.New(rand.NewPCG(0xa1, 0x7e))
	d.conns = append(d.conns, &connection{name: GitHubConnection, strategy: "github", provider: "github", social: true, obj: map[string]any{
		"id": "con_" + randomFrom(rg, alnum, 16), "name": GitHubConnection, "display_name": "GitHub", "strategy": "github",
		"is_domain_connection": false, "realms": []any{GitHubConnection}, "enabled_clients": []any{TestClientID},
		"options": map[string]any{"email": true, "profile": true, "scope": []any{"user:email"}},
	}})
}

// scopeDescription turns "read:user_idp_tokens" into "Read user idp tokens".
func scopeDescription(scope string) string {
	verb, object, _ := strings.Cut(scope, ":")
	if verb == "" {
		return scope
	}
	return strings.ToUpper(verb[:1]) + verb[1:] + " " + strings.ReplaceAll(object, "_", " ")
}

// roleNamed returns the id of the catalog role called name.
func (d *directory) roleNamed(name string) string {
	for _, r := range d.roles {
		if r["name"] == name {
			return r["id"].(string)
		}
	}
	return ""
}

// gravatar returns the picture Auth0 gives a user without one.
func gravatar(email string) string {
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(email))))
	initials := strings.ToLower(email)
	if len(initials) > 2 {
		initials = initials[:2]
	}
	return "https://s.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=480&r=pg&d=" +
		url.QueryEscape("https://cdn.auth0.com/avatars/"+initials+".png")
}

// asciiLower lower-cases s and drops what an email local part cannot hold.
func asciiLower(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ë", "e", "ü", "u", "ã", "a", "'", "", " ", "", "-", "")
	return strings.ToLower(r.Replace(s))
}

// seedUsers adds n realistic users, each generated from (Seed, index)
// alone. Their roles, permissions, factors and logs are generated when
// first asked for.
func (d *directory) seedUsers(n int) {
	d.order = append(make([]*userRec, 0, len(d.order)+n), d.order...)
	for i := range n {
		obj, password := d.generateUser(i)
		rec := &userRec{id: obj["user_id"].(string), obj: obj, password: password, seedIndex: i}
		if _, dup := d.users[rec.id]; dup {
			continue
		}
		d.users[rec.id] = rec
		d.order = append(d.order, rec)
		d.seedUserBlock(i, obj) // account security (issue 12): a few are locked out
	}
}

func (d *directory) userRand(i int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(d.seed)^0x5eed, uint64(i)<<8|stream))
}

// generateUser builds seeded user i.
func (d *directory) generateUser(i int) (map[string]any, string) {
	r := d.userRand(i, 1)
	given := givenNames[r.IntN(len(givenNames))]
	family := familyNames[r.IntN(len(familyNames))]
	// Dates are relative to the tenant's clock (d.anchor): created between 30 days and three
	// years ago, updated since, last login since the update and mostly recent.
	created := d.anchor.Add(-time.Duration(30+r.IntN(3*365)) * 24 * time.Hour).Add(time.Duration(r.IntN(86400000)) * time.Millisecond)
	updated := created.Add(time.Duration(r.IntN(int(d.anchor.Sub(created)/time.Minute))) * time.Minute)
	local := asciiLower(given) + "." + asciiLower(family) + strconv.Itoa(i)

	var conn, provider, idPart, email string
	social := false
	switch k := r.IntN(100); {
	case k < 60:
		conn, provider, idPart = DatabaseConnection, "auth0", randomFrom(r, hexDigits, 24)
		email = local + "@" + emailDomains[r.IntN(len(emailDomains))]
	case k < 65:
		conn, provider, idPart = PasswordlessConnection, "email", randomFrom(r, hexDigits, 24)
		email = local + "@" + emailDomains[r.IntN(len(emailDomains))]
	case k < 87:
		conn, provider, idPart, social = SocialConnection, "google-oauth2", "1"+randomFrom(r, digits, 20), true
		email = local + "@gmail.com"
	default:
		email = local + "@acme.example"
		conn, provider, idPart = EnterpriseConnection, "samlp", EnterpriseConnection+"|"+email
	}
	u := map[string]any{
		"user_id":        provider + "|" + idPart,
		"email":          email,
		"email_verified": social || conn == EnterpriseConnection || r.IntN(100) < 85,
		"name":           given + " " + family,
		"given_name":     given,
		"family_name":    family,
		"nickname":       asciiLower(given),
		"created_at":     stamp(created),
		"updated_at":     stamp(updated),
		"identities": []any{map[string]any{
			"connection": conn, "user_id": idPart, "provider": provider, "isSocial": social,
		}},
		"app_metadata": map[string]any{
			"plan":        []string{"free", "free", "pro", "business", "enterprise"}[r.IntN(5)],
			"customer_id": "cus_" + randomFrom(r, alnum, 14),
			"region":      []string{"emea", "amer", "apac"}[r.IntN(3)],
		},
		"user_metadata": map[string]any{
			"locale":     []string{"en-GB", "en-US", "fr-FR", "de-DE", "ja-JP", "pt-BR"}[r.IntN(6)],
			"theme":      []string{"light", "dark", "system"}[r.IntN(3)],
			"newsletter": r.IntN(2) == 0,
		},
	}
	stampPartner(u, i, conn)
	switch {
	case social:
		u["picture"] = "https://lh3.googleusercontent.com/a/" + randomFrom(r, alnum, 27) + "=s96-c"
	default:
		u["picture"] = gravatar(email)
	}
	if conn == DatabaseConnection {
		u["username"] = asciiLower(given)[:min(8, len(asciiLower(given)))] + strconv.Itoa(i)
	}
	if r.IntN(100) < 25 {
		u["phone_number"] = "+4477009" + fmt.Sprintf("%05d", r.IntN(100000))
		u["phone_verified"] = r.IntN(2) == 0
	}
	if logins := r.IntN(400); logins > 0 || r.IntN(4) > 0 {
		logins++
		last := updated
		if span := d.anchor.Sub(updated); span > time.Minute {
			// Skewed towards now: about a quarter of the users logged in within the last
			// week or so, as in a tenant people use.
			f := float64(r.Int64N(int64(span))) / float64(span)
			last = d.anchor.Add(-time.Duration(f * f * f * float64(span)))
		}
		u["logins_count"] = float64(logins)
		u["last_login"] = stamp(last)
		u["last_ip"] = fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	} else {
		u["logins_count"] = float64(0)
	}
	if r.IntN(100) < 3 {
		u["blocked"] = true
	}
	if r.IntN(100) < 35 {
		u["multifactor"] = []any{"guardian"}
		u["multifactor_last_modified"] = u["updated_at"]
	}
	password := ""
	if conn == DatabaseConnection {
		password = "Seeded-Passw0rd-" + strconv.Itoa(i)
	}
	d.seedLinkedIdentity(i, u, local)
	return u, password
}

// seedLinkedIdentity gives about one database user in twelve a linked Google (two thirds) or
// GitHub identity, dated after the user's creation: account linking as a tenant that offers
// social sign-in has it. It draws from a generator of its own, so every other seeded value stays
// what it was.
func (d *directory) seedLinkedIdentity(i int, u map[string]any, local string) {
	ident, _ := firstIdentity(u)
	r := d.userRand(i, 3)
	if ident["connection"] != DatabaseConnection || r.IntN(12) != 0 {
		return
	}
	profile := map[string]any{"email_verified": true, "name": u["name"]}
	var linked map[string]any
	if r.IntN(3) < 2 {
		id := "1" + randomFrom(r, digits, 20)
		profile["email"], profile["given_name"], profile["family_name"] = local+"@gmail.com", u["given_name"], u["family_name"]
		profile["picture"] = "https://lh3.googleusercontent.com/a/" + randomFrom(r, alnum, 27) + "=s96-c"
		linked = map[string]any{"connection": SocialConnection, "user_id": id, "provider": "google-oauth2", "isSocial": true}
	} else {
		id := strconv.Itoa(100000 + r.IntN(90000000))
		profile["email"], profile["nickname"] = u["email"], strings.ReplaceAll(local, ".", "-")
		profile["picture"] = "https://avatars.githubusercontent.com/u/" + id + "?v=4"
		linked = map[string]any{"connection": GitHubConnection, "user_id": id, "provider": "github", "isSocial": true}
	}
	linked["profileData"] = profile
	u["identities"] = append(u["identities"].([]any), linked)
}

// generateExtras builds a seeded user's relations, factors and logs from
// (Seed, index) and the user object.
func (d *directory) generateExtras(rec *userRec) *userExtra {
	x := &userExtra{}
	if rec.seedIndex < 0 {
		return x
	}
	r := d.userRand(rec.seedIndex, 2)
	for range r.IntN(4) {
		id := d.roles[r.IntN(len(d.roles))]["id"].(string)
		if !slices.Contains(x.roles, id) {
			x.roles = append(x.roles, id)
		}
	}
	for range r.IntN(3) {
		rs := d.resources[1+r.IntN(len(d.resources)-1)]
		scopes := rs["scopes"].([]any)
		p := permRef{ResourceServer: rs["identifier"].(string), Name: scopes[r.IntN(len(scopes))].(map[string]any)["value"].(string)}
		if !slices.Contains(x.perms, p) {
			x.perms = append(x.perms, p)
		}
	}
	for range r.IntN(3) {
		id := d.orgs[r.IntN(len(d.orgs))]["id"].(string)
		if !slices.Contains(x.orgs, id) {
			x.orgs = append(x.orgs, id)
		}
	}
	if _, mfa := rec.obj["multifactor"]; mfa {
		created, _ := time.Parse(timeFormat, str(rec.obj["updated_at"]))
		kinds := []string{"totp", "phone", "email", "webauthn-roaming", "webauthn-platform", "passkey", "push"}
		r.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
		for _, k := range kinds[:1+r.IntN(3)] {
			x.methods = append(x.methods, d.seededMethod(r, k, rec.obj, created))
			created = d.notAfterAnchor(created.Add(time.Duration(1+r.IntN(500)) * time.Hour))
		}
		x.methods = append(x.methods, d.seededMethod(r, "recovery-code", rec.obj, created))
	}
	x.logs = generateLogs(r, rec.obj, d)
	d.generateAccess(rec, x) // account security (issue 12): lockout events, sessions, tokens, grants
	return x
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// notAfterAnchor returns t, or the tenant's clock at its creation when t is later: seeded
// dates are never in the future.
func (d *directory) notAfterAnchor(t time.Time) time.Time {
	if t.After(d.anchor) {
		return d.anchor
	}
	return t
}

// seededMethod builds an authentication method of kind for user u, created at created (or at
// the user's last login, when that is earlier: people enroll while signing in). It was last
// used shortly before the user's last login (or, for a user who never logged in, some time
// after it was created); no date is in the future.
func (d *directory) seededMethod(r *rand.Rand, kind string, u map[string]any, created time.Time) map[string]any {
	dev := "dev_" + randomFrom(r, alnum, 16)
	created = d.notAfterAnchor(created)
	last, err := time.Parse(timeFormat, str(u["last_login"]))
	loggedIn := err == nil
	if loggedIn && created.After(last) {
		created = last
	}
	m := map[string]any{"id": kind + "|" + dev, "type": kind, "confirmed": true, "created_at": stamp(created)}
	enrolled := stamp(created)
	hours := r.IntN(2000)
	used := created.Add(time.Duration(hours) * time.Hour)
	if loggedIn {
		used = last.Add(-time.Duration(hours%72) * time.Hour)
	}
	if used.Before(created) {
		used = created
	}
	lastAuth := stamp(d.notAfterAnchor(used))
	switch kind {
	case "totp":
		m["name"] = []string{"Google Authenticator", "Authy", "1Password", "Microsoft Auth"}[r.IntN(4)]
		m["enrolled_at"], m["last_auth_at"] = enrolled, lastAuth
	case "phone":
		phone := "+4477009" + fmt.Sprintf("%05d", r.IntN(100000))
		if p, ok := u["phone_number"].(string); ok {
			phone = p
		}
		pref := []string{"sms", "voice"}[r.IntN(2)]
		m["name"], m["phone_number"], m["preferred_authentication_method"] = phone, phone, pref
		m["authentication_methods"] = []any{map[string]any{"id": pref + "|" + dev, "type": pref}}
		m["enrolled_at"], m["last_auth_at"] = enrolled, lastAuth
	case "email":
		m["name"], m["email"] = "Email", str(u["email"])
	case "webauthn-roaming":
		m["name"] = []string{"YubiKey 5C", "Titan Key", "SoloKey"}[r.IntN(3)]
		m["key_id"], m["public_key"] = randomFrom(r, alnum, 43), "pQECAyYgASFYI"+randomFrom(r, alnum, 40)
		m["enrolled_at"], m["last_auth_at"] = enrolled, lastAuth
	case "webauthn-platform":
		m["name"] = []string{"Touch ID", "Windows Hello", "Android"}[r.IntN(3)]
		m["key_id"], m["public_key"] = randomFrom(r, alnum, 43), "pQECAyYgASFYI"+randomFrom(r, alnum, 40)
		m["enrolled_at"], m["last_auth_at"] = enrolled, lastAuth
	case "passkey":
		m["name"] = []string{"iCloud Keychain", "Google Password Manager", "1Password"}[r.IntN(3)]
		m["key_id"], m["public_key"] = randomFrom(r, alnum, 43), "pQECAyYgASFYI"+randomFrom(r, alnum, 40)
		m["credential_device_type"], m["credential_backed_up"] = "multi_device", true
		m["identity_user_id"] = str(u["user_id"])
		m["user_agent"] = userAgents[r.IntN(len(userAgents))]
		m["user_handle"] = randomFrom(r, alnum, 22)
		m["transports"] = []any{"internal", "hybrid"}
		m["aaguid"] = "fbfc3007-154e-4ecc-8c0b-6e020557d7bd"
		m["relying_party_identifier"] = "login.example.com"
		m["enrolled_at"], m["last_auth_at"] = enrolled, lastAuth
	case "push":
		m["name"] = []string{"iPhone 15", "Pixel 8", "Galaxy S24"}[r.IntN(3)]
		m["authentication_methods"] = []any{
			map[string]any{"id": "push|" + dev, "type": "push"},
			map[string]any{"id": "totp|" + dev, "type": "totp"},
		}
		m["enrolled_at"], m["last_auth_at"] = enrolled, lastAuth
	case "recovery-code":
		m["enrolled_at"] = enrolled
	}
	return m
}
