package auth0apitest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Account linking: POST /users/{id}/identities and
// DELETE /users/{id}/identities/{provider}/{user_id}.
//
// What Auth0 confirms (auth0-staff-and-account-security.md §6, the
// TestUserManager_Link/_Unlink recordings) and the tenant does:
//   - linking keeps the primary's user_id and root profile; the secondary's
//     identity is appended to the primary's identities with the secondary's
//     profile in profileData; the secondary's user_metadata and app_metadata
//     are discarded (not merged); the secondary disappears from search, get
//     and users-by-email; deleting the primary deletes it too (it lives in
//     the primary's identities only). The answer is 201 with the primary's
//     identities, each (the primary's own included, as recorded) with its
//     profileData.
//   - unlinking removes the identity and recreates it as a standalone user
//     with no metadata; the answer is 200 with the identities the primary
//     keeps; the main identity cannot be removed (400).
//
// What no source confirms, decided here (§10.6 and the OAS's silence):
//   - the standalone user an unlink creates has the id provider|user_id, the
//     profile of the identity's profileData (no metadata, no roles,
//     permissions, organizations, factors or logs; logins_count 0), is
//     created (created_at) at the unlink, and keeps a database identity's
//     password;
//   - the secondary's roles, permissions, organizations, factors and logs are
//     dropped with it when linking (they belong to its user_id, which no
//     longer exists), like its metadata;
//   - a secondary that has linked identities of its own is refused with
//     "Unable to link with the secondary account." (unlink them first)
//     rather than moving them all;
//   - an identity linked anywhere already (to this primary or another) is
//     409 "Specified identity already exists.";
//   - an unknown primary is Auth0's usual 404 inexistent_user (the OAS lists
//     no 404 for either endpoint);
//   - unlinking an identity the primary does not have answers 200 with the
//     identities unchanged, so that an unlink is safe to repeat.

// linkSchema is LinkUserIdentityRequestContent (user_id may also be an integer).
var linkSchema = bodySchema{
	props: map[string]prop{
		"provider":      {kind: "string", enum: identityProviders, desc: "Identity provider of the secondary user account being linked."},
		"connection_id": {kind: "string", pattern: connectionIDPattern, desc: "connection_id of the secondary user account being linked when more than one `auth0` database provider exists."},
		"user_id":       {kind: "string", min: 1, desc: "user_id of the secondary user account being linked."},
		"link_with":     {kind: "string", desc: "JWT for the secondary account being linked. If sending this parameter, `provider`, `user_id`, and `connection_id` must not be sent."},
	},
}

// identityProviders is UserIdentityProviderEnum.
var identityProviders = []string{"ad", "adfs", "amazon", "apple", "dropbox", "bitbucket", "auth0-oidc", "auth0", "baidu",
	"bitly", "box", "custom", "daccount", "dwolla", "email", "evernote-sandbox", "evernote", "exact", "facebook", "fitbit",
	"github", "google-apps", "google-oauth2", "instagram", "ip", "line", "linkedin", "oauth1", "oauth2", "office365", "oidc",
	"okta", "paypal", "paypal-sandbox", "pingfederate", "planningcenter", "salesforce-community", "salesforce-sandbox",
	"salesforce", "samlp", "sharepoint", "shopify", "shop", "sms", "soundcloud", "thirtysevensignals", "twitter", "untappd",
	"vkontakte", "waad", "weibo", "windowslive", "wordpress", "yahoo", "yandex"}

// profileDataKeys are the root attributes an identity's profileData carries.
var profileDataKeys = []string{"email", "email_verified", "name", "username", "given_name", "family_name", "nickname",
	"picture", "phone_number", "phone_verified"}

func errLink(message string) *apiError { return newError(http.StatusBadRequest, "", message) }

// linkIdentity answers POST /users/{id}/identities.
func (t *Tenant) linkIdentity(q *request) (int, any, *apiError) {
	body, err := decodeObject(q)
	if err != nil {
		return 0, nil, err
	}
	if n, ok := body["user_id"].(float64); ok { // UserId is a string or an integer
		body["user_id"] = formatNumber(n)
	}
	if err := linkSchema.validate(body); err != nil {
		return 0, nil, err
	}
	linkWith, withToken := body["link_with"].(string)
	if withToken && len(body) > 1 {
		return 0, nil, errBadBody("The link_with parameter cannot be sent with provider, user_id or connection_id.")
	}
	if !withToken {
		for _, name := range []string{"provider", "user_id"} {
			if _, ok := body[name]; !ok {
				return 0, nil, errValidation("Payload", "Missing required property: "+name, "", "")
			}
		}
	}
	return t.withUser(q, func(primary *userRec) (int, any, *apiError) {
		var secondary *userRec
		if withToken {
			rec, err := t.linkWithToken(linkWith, q)
			if err != nil {
				return 0, nil, err
			}
			secondary = rec
		} else {
			rec, err := t.dir.secondaryAccount(str(body["provider"]), str(body["user_id"]), str(body["connection_id"]))
			if err != nil {
				return 0, nil, err
			}
			secondary = rec
		}
		if secondary == primary {
			return 0, nil, errLink("Main identity and the new one are the same.")
		}
		ident, _ := firstIdentity(secondary.obj)
		if ids, _ := secondary.obj["identities"].([]any); len(ids) > 1 {
			return 0, nil, errLink("Unable to link with the secondary account.")
		}
		linked := cloneShallow(ident)
		linked["profileData"] = profileData(secondary.obj)
		u := cloneShallow(primary.obj)
		u["identities"] = append(slices.Clone(identitiesOf(primary.obj)), linked)
		u["updated_at"] = stamp(q.now)
		primary.obj = u
		if secondary.password != "" {
			t.dir.linkedPasswords[secondary.id] = secondary.password
		}
		t.dir.remove(secondary.id)
		return http.StatusCreated, identitiesAnswer(u), nil
	})
}

// secondaryAccount finds the user to link from provider and user_id (whole,
// "google-oauth2|1082…", or the part after the provider) and, when given,
// the connection_id its identity must belong to.
func (d *directory) secondaryAccount(provider, userID, connectionID string) (*userRec, *apiError) {
	var conn *connection
	if connectionID != "" {
		if conn = d.connectionByID(connectionID); conn == nil || conn.provider != provider {
			return nil, errLink("The provider/connection is not configured.")
		}
	} else if !slices.ContainsFunc(d.conns, func(c *connection) bool { return c.provider == provider }) {
		return nil, errLink("The provider/connection is not configured.")
	}
	bare := userID
	if rest, ok := strings.CutPrefix(userID, provider+"|"); ok && d.users[provider+"|"+userID] == nil {
		bare = rest
	}
	if d.linkedAnywhere(provider, bare) {
		return nil, newError(http.StatusConflict, "", "Specified identity already exists.")
	}
	rec := d.users[provider+"|"+bare]
	if rec == nil {
		return nil, errLink("Provided secondary account not found.")
	}
	ident, _ := firstIdentity(rec.obj)
	if str(ident["provider"]) != provider || (conn != nil && str(ident["connection"]) != conn.name) {
		return nil, errLink("Provided secondary account not found.")
	}
	return rec, nil
}

// linkedAnywhere reports whether the identity (provider, user_id) is a
// linked (secondary) identity of any user.
func (d *directory) linkedAnywhere(provider, userID string) bool {
	for _, rec := range d.order {
		ids := identitiesOf(rec.obj)
		for _, v := range ids[min(1, len(ids)):] {
			if m, _ := v.(map[string]any); str(m["provider"]) == provider && identityUserID(m) == userID {
				return true
			}
		}
	}
	return false
}

// linkWithToken finds the secondary account of a link_with ID token, with
// the checks (and 400 messages) the OAS lists. The token must be signed by
// the tenant's key (Tenant.IDToken mints one).
func (t *Tenant) linkWithToken(raw string, q *request) (*userRec, *apiError) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.HS256,
		jose.HS384, jose.HS512, jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.PS384, jose.PS512, jose.EdDSA})
	if err != nil {
		return nil, errLink("Invalid token (link_with).")
	}
	if len(tok.Headers) != 1 || tok.Headers[0].Algorithm != string(jose.RS256) {
		return nil, errLink("JWT (link_with) must have an alg of RS256.")
	}
	var c struct {
		jwt.Claims
		Aud any `json:"aud"`
	}
	if err := tok.Claims(&t.minter.key.PublicKey, &c); err != nil {
		return nil, errLink("Invalid token (link_with).")
	}
	if c.Expiry == nil || !q.now.Before(c.Expiry.Time()) {
		return nil, errLink("Invalid token (link_with).")
	}
	if c.Issuer != t.Issuer() {
		return nil, errLink("JWT (link_with) must have the same issuer as the calling user.")
	}
	if c.Subject == "" {
		return nil, errLink("JWT (link_with) must contains sub claim.")
	}
	aud, ok := c.Aud.(string)
	if list, isList := c.Aud.([]any); isList && len(list) == 1 {
		aud, ok = list[0].(string)
	}
	if !ok || aud == "" {
		return nil, errLink("JWT (link_with) contains an invalid aud claim.")
	}
	if aud != q.grant.azp {
		return nil, errLink("JWT (link_with) must have an aud claim that matches that of the calling token's azp.")
	}
	provider, bare, ok := strings.Cut(c.Subject, "|")
	if !ok || provider == "" || bare == "" {
		return nil, errLink("JWT (link_with) contains an invalid sub claim.")
	}
	if t.dir.linkedAnywhere(provider, bare) {
		return nil, newError(http.StatusConflict, "", "Specified identity already exists.")
	}
	rec := t.dir.users[c.Subject]
	if rec == nil {
		return nil, errLink("Provided secondary account not found.")
	}
	return rec, nil
}

// UserToken mints a Management API token of a user (sub userID) issued to
// the application clientID (its azp), valid for an hour: with
// update:current_user_identities it links that user's own accounts.
func (t *Tenant) UserToken(userID, clientID string, scopes ...string) string {
	now := t.now()
	return t.minter.sign(claims{
		Issuer: t.Issuer(), Subject: userID, Audience: jwt.Audience{t.Audience()}, AZP: clientID,
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour)),
		Scope: strings.Join(scopes, " "),
	})
}

// IDToken mints the ID token of user userID for the application clientID
// (its aud), signed with the tenant's key and valid for an hour: the
// link_with of a secondary account.
func (t *Tenant) IDToken(userID, clientID string) string {
	now := t.now()
	return t.minter.sign(jwt.Claims{
		Issuer: t.Issuer(), Subject: userID, Audience: jwt.Audience{clientID},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour)),
	})
}

// unlinkIdentity answers DELETE /users/{id}/identities/{provider}/{user_id}.
func (t *Tenant) unlinkIdentity(q *request) (int, any, *apiError) {
	provider, userID := q.params["provider"], q.params["user_id"]
	return t.withUser(q, func(primary *userRec) (int, any, *apiError) {
		ids := identitiesOf(primary.obj)
		at := slices.IndexFunc(ids, func(v any) bool {
			m, _ := v.(map[string]any)
			return str(m["provider"]) == provider && identityUserID(m) == userID
		})
		switch {
		case at == 0:
			return 0, nil, errLink("Main identity cannot be removed.")
		case at < 0:
			return http.StatusOK, identitiesAnswer(primary.obj), nil // nothing to unlink: decided, see above
		}
		ident, _ := ids[at].(map[string]any)
		u := cloneShallow(primary.obj)
		u["identities"] = slices.Delete(slices.Clone(ids), at, at+1)
		u["updated_at"] = stamp(q.now)
		primary.obj = u
		t.dir.recreateUnlinked(ident, q.now)
		return http.StatusOK, identitiesAnswer(u), nil
	})
}

// recreateUnlinked makes an unlinked identity a standalone user again (see
// the decisions above).
func (d *directory) recreateUnlinked(ident map[string]any, now time.Time) {
	id := str(ident["provider"]) + "|" + identityUserID(ident)
	if d.users[id] != nil {
		return
	}
	profile, _ := ident["profileData"].(map[string]any)
	u := map[string]any{}
	for _, k := range profileDataKeys {
		if v, ok := profile[k]; ok {
			u[k] = v
		}
	}
	if _, ok := u["name"]; !ok && u["email"] != nil {
		u["name"] = u["email"]
	}
	main := cloneShallow(ident)
	delete(main, "profileData")
	u["user_id"] = id
	u["identities"] = []any{main}
	u["created_at"], u["updated_at"] = stamp(now), stamp(now)
	u["logins_count"] = float64(0)
	if u["picture"] == nil {
		u["picture"] = gravatar(str(u["email"]))
	}
	password := d.linkedPasswords[id]
	delete(d.linkedPasswords, id)
	d.put(&userRec{id: id, obj: u, password: password, seedIndex: -1, extra: &userExtra{}})
}

// profileData is the profile a linked identity carries: the user's root
// attributes named in profileDataKeys.
func profileData(u map[string]any) map[string]any {
	p := map[string]any{}
	for _, k := range profileDataKeys {
		if v, ok := u[k]; ok && v != nil {
			p[k] = v
		}
	}
	return p
}

// formatNumber writes a JSON number's digits (no exponent, no ".0").
func formatNumber(n float64) string { return strconv.FormatFloat(n, 'f', -1, 64) }

// identitiesOf returns a user's identities.
func identitiesOf(u map[string]any) []any {
	ids, _ := u["identities"].([]any)
	return ids
}

// identityUserID returns an identity's user_id as text (Auth0 may store a number).
func identityUserID(m map[string]any) string {
	switch v := m["user_id"].(type) {
	case string:
		return v
	case float64:
		return formatNumber(v)
	}
	return ""
}

// identitiesAnswer is the answer of a link or unlink: the user's identities,
// the primary one with the user's profile as profileData (as recorded).
func identitiesAnswer(u map[string]any) []any {
	ids := identitiesOf(u)
	out := make([]any, len(ids))
	for i, v := range ids {
		m, _ := v.(map[string]any)
		m = cloneShallow(m)
		if i == 0 {
			m["profileData"] = profileData(u)
		}
		out[i] = m
	}
	return out
}
