package auth0apitest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// searchCap is how many users a list or search can reach (auth0-api.md §1.8).
const searchCap = 1000

const capMessage = "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation."

// createUserSchema is CreateUserRequestContent.
var createUserSchema = bodySchema{
	required: []string{"connection"},
	props: map[string]prop{
		"email":          {kind: "string", format: "email", desc: "The user's email."},
		"phone_number":   {kind: "string", pattern: phonePattern, desc: "The user's phone number (following the E.164 recommendation)."},
		"user_metadata":  {kind: "object", desc: "Data related to the user that does not affect the application's core functionality."},
		"blocked":        {kind: "boolean", desc: "Whether this user was blocked by an administrator (true) or not (false)."},
		"email_verified": {kind: "boolean", desc: "Whether this email address is verified (true) or unverified (false)."},
		"phone_verified": {kind: "boolean", desc: "Whether this phone number has been verified (true) or not (false)."},
		"app_metadata":   {kind: "object", desc: "Data related to the user that does affect the application's core functionality."},
		"given_name":     {kind: "string", min: 1, max: 150, desc: "The user's given name(s)."},
		"family_name":    {kind: "string", min: 1, max: 150, desc: "The user's family name(s)."},
		"name":           {kind: "string", min: 1, max: 300, desc: "The user's full name."},
		"nickname":       {kind: "string", min: 1, max: 300, desc: "The user's nickname."},
		"picture":        {kind: "string", format: "uri", desc: "A URI pointing to the user's picture."},
		"user_id":        {kind: "string", max: 255, pattern: noSpacePattern, desc: "The external user's id provided by the identity provider."},
		"connection":     {kind: "string", min: 1, desc: "Name of the connection this user should be created in."},
		"password":       {kind: "string", min: 1, desc: "Initial password for this user. Only valid for auth0 connection strategy."},
		"verify_email":   {kind: "boolean", desc: "Whether the user will receive a verification email after creation (true) or no email (false). Overrides behavior of `email_verified` parameter."},
		"username":       {kind: "string", min: 1, max: 128, desc: "The user's username. Only valid if the connection requires a username."},
	},
}

// updateUserSchema is UpdateUserRequestContent.
var updateUserSchema = bodySchema{
	additional: true,
	minProps:   1,
	props: map[string]prop{
		"blocked":             {kind: "boolean", desc: "Whether this user was blocked by an administrator (true) or not (false)."},
		"email_verified":      {kind: "boolean", desc: "Whether this email address is verified (true) or unverified (false)."},
		"email":               {kind: "string", nullable: true, format: "email", desc: "Email address of this user."},
		"phone_number":        {kind: "string", nullable: true, pattern: phonePattern, desc: "The user's phone number (following the E.164 recommendation)."},
		"phone_verified":      {kind: "boolean", desc: "Whether this phone number has been verified (true) or not (false)."},
		"user_metadata":       {kind: "object", desc: "User metadata to which this user has read/write access."},
		"app_metadata":        {kind: "object", desc: "User metadata to which this user has read-only access."},
		"given_name":          {kind: "string", nullable: true, min: 1, max: 150, desc: "Given name/first name/forename of this user."},
		"family_name":         {kind: "string", nullable: true, min: 1, max: 150, desc: "Family name/last name/surname of this user."},
		"name":                {kind: "string", nullable: true, min: 1, max: 300, desc: "Name of this user."},
		"nickname":            {kind: "string", nullable: true, min: 1, max: 300, desc: "Preferred nickname or alias of this user."},
		"picture":             {kind: "string", nullable: true, format: "uri", desc: "URL to picture, photo, or avatar of this user."},
		"verify_email":        {kind: "boolean", desc: "Whether this user will receive a verification email after creation (true) or no email (false). Overrides behavior of `email_verified` parameter."},
		"verify_phone_number": {kind: "boolean", desc: "Whether this user will receive a text after changing the phone number (true) or no text (false). Only valid when changing phone number for SMS connections."},
		"password":            {kind: "string", nullable: true, min: 1, desc: "New password for this user. Only valid for database connections."},
		"connection":          {kind: "string", min: 1, desc: "Name of the connection to target for this user update."},
		"client_id":           {kind: "string", min: 1, desc: "Auth0 client ID. Only valid when updating email address."},
		"username":            {kind: "string", nullable: true, min: 1, max: 128, desc: "The user's username. Only valid if the connection requires a username."},
	},
}

// listUsers answers GET /users: list, search (q), sort, fields, paging.
func (t *Tenant) listUsers(q *request) (int, any, *apiError) {
	engine := q.query.Get("search_engine")
	switch engine {
	case "", "v3":
	case "v1":
		return 0, nil, errBadQuery("You are not allowed to use search_engine=v1.")
	case "v2":
		return 0, nil, errBadQuery("You are not allowed to use search_engine=v2. Use search_engine=v3 instead.")
	default:
		return 0, nil, queryError("No enum match for: "+engine, "search_engine")
	}
	qs := q.query.Get("q")
	if qs != "" && engine == "" {
		return 0, nil, errBadQuery("The 'q' parameter is available only if you specify 'search_engine=v2|v3'.")
	}
	p, err := pageParams(q, 0, 100, 50, -1)
	if err != nil {
		return 0, nil, err
	}
	if _, hasPage := q.query["page"]; !hasPage {
		p.limit = min(p.limit, 50) // without page, at most 50 records
	}
	if p.start >= searchCap && p.limit > 0 {
		return 0, nil, errBadQuery(capMessage)
	}
	if _, err := boolParam(q, "primary_order", true); err != nil {
		return 0, nil, err
	}
	sel, err := fieldParams(q)
	if err != nil {
		return 0, nil, err
	}
	order, err := parseSort(q.query.Get("sort"))
	if err != nil {
		return 0, nil, err
	}
	match, err := compileQuery(qs)
	if err != nil {
		return 0, nil, err
	}
	page, total := t.search(match, order, p.start, min(p.start+p.limit, searchCap))
	users := make([]any, len(page))
	for i, u := range page {
		users[i] = sel.apply(idpTokens(q, u))
	}
	if !p.totals {
		return http.StatusOK, users, nil
	}
	return http.StatusOK, p.envelope("users", users, total, true), nil
}

// usersByEmail answers GET /users-by-email (exact, case-sensitive).
func (t *Tenant) usersByEmail(q *request) (int, any, *apiError) {
	email, ok := q.query["email"]
	if !ok {
		return 0, nil, errValidation("Query", "Missing required property: email", "", "")
	}
	sel, err := fieldParams(q)
	if err != nil {
		return 0, nil, err
	}
	var found []any
	t.mu.RLock()
	for _, rec := range t.dir.order {
		if e, _ := rec.obj["email"].(string); e == email[0] {
			found = append(found, rec.obj)
		}
	}
	t.mu.RUnlock()
	out := make([]any, 0, len(found))
	for _, u := range found {
		out = append(out, sel.apply(idpTokens(q, u.(map[string]any))))
	}
	return http.StatusOK, out, nil
}

// getUser answers GET /users/{id}.
func (t *Tenant) getUser(q *request) (int, any, *apiError) {
	sel, err := fieldParams(q)
	if err != nil {
		return 0, nil, err
	}
	t.mu.RLock()
	rec := t.dir.users[q.id()]
	var obj map[string]any
	if rec != nil {
		obj = rec.obj
	}
	t.mu.RUnlock()
	if obj == nil {
		return 0, nil, errUserNotFound()
	}
	return http.StatusOK, sel.apply(idpTokens(q, obj)), nil
}

// idpTokens returns the user as Auth0 shows it to the request's token: with the identity
// providers' access and refresh tokens in its social identities when the token holds
// read:user_idp_tokens, as Auth0 does. The tokens are derived from the identity (stable, and
// recognisable in tests: "idp-access-…"). The stored user is not changed.
func idpTokens(q *request, u map[string]any) map[string]any {
	ids, _ := u["identities"].([]any)
	if !q.grant.scopes["read:user_idp_tokens"] || len(ids) == 0 {
		return u
	}
	out := make(map[string]any, len(u))
	for k, v := range u {
		out[k] = v
	}
	withTokens := make([]any, len(ids))
	for i, v := range ids {
		id, _ := v.(map[string]any)
		if social, _ := id["isSocial"].(bool); !social {
			withTokens[i] = v
			continue
		}
		cp := make(map[string]any, len(id)+2)
		for k, x := range id {
			cp[k] = x
		}
		sum := sha256.Sum256([]byte(fmt.Sprint(id["provider"], "|", id["user_id"])))
		cp["access_token"] = "idp-access-" + hex.EncodeToString(sum[:12])
		cp["refresh_token"] = "idp-refresh-" + hex.EncodeToString(sum[12:24])
		withTokens[i] = cp
	}
	out["identities"] = withTokens
	return out
}

// deleteUser answers DELETE /users/{id}: 204, also for a user already gone.
func (t *Tenant) deleteUser(q *request) (int, any, *apiError) {
	t.mu.Lock()
	t.dir.remove(q.id())
	t.mu.Unlock()
	return http.StatusNoContent, nil, nil
}

// createUser answers POST /users.
func (t *Tenant) createUser(q *request) (int, any, *apiError) {
	body, err := decodeObject(q)
	if err != nil {
		return 0, nil, err
	}
	if err := createUserSchema.validate(body); err != nil {
		return 0, nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	conn := t.dir.connection(str(body["connection"]))
	if conn == nil {
		return 0, nil, newError(http.StatusBadRequest, "inexistent_connection", "Connection does not exist.")
	}
	if !conn.database && conn.strategy != "email" {
		return 0, nil, newError(http.StatusBadRequest, "operation_not_supported",
			"Connection does not support user creation through the API. It must either be a database or passwordless connection.")
	}
	email := str(body["email"])
	password, hasPassword := body["password"].(string)
	username, hasUsername := body["username"].(string)
	if email == "" {
		return 0, nil, errValidation("Payload", "Missing required property: email", "", "")
	}
	if conn.database {
		email = strings.ToLower(email)
		if !hasPassword {
			return 0, nil, errValidation("Payload", "Missing required property: password", "", "")
		}
		if !strictPassword(password) {
			return 0, nil, newError(http.StatusBadRequest, "invalid_password", "PasswordStrengthError: Password is too weak")
		}
	} else if hasPassword {
		return 0, nil, errBadBody("Cannot set password for connection without a password policy (strategy " + conn.strategy + ").")
	}
	if hasUsername {
		opts, _ := conn.obj["options"].(map[string]any)
		if requires, _ := opts["requires_username"].(bool); !requires {
			return 0, nil, errBadBody("Cannot set username for connection without requires_username.")
		}
		username = strings.ToLower(username)
	}
	idPart, hasID := body["user_id"].(string)
	if !hasID || idPart == "" {
		idPart = t.dir.randomString(hexDigits, 24)
	}
	id := conn.provider + "|" + idPart
	if t.dir.existsInConnection(id, conn.name, email, username) {
		return 0, nil, newError(http.StatusConflict, "auth0_idp_error", "The user already exists.")
	}

	now := stamp(q.now)
	local, _, _ := strings.Cut(email, "@")
	u := map[string]any{
		"user_id":        id,
		"email":          email,
		"email_verified": false,
		"name":           email,
		"nickname":       local,
		"picture":        gravatar(email),
		"created_at":     now,
		"updated_at":     now,
		"identities": []any{map[string]any{
			"connection": conn.name, "user_id": idPart, "provider": conn.provider, "isSocial": conn.social,
		}},
	}
	if hasUsername {
		u["username"] = username
		u["nickname"] = username
	}
	for _, k := range []string{"email_verified", "phone_number", "phone_verified", "given_name", "family_name",
		"name", "nickname", "picture", "blocked", "user_metadata", "app_metadata"} {
		if v, ok := body[k]; ok {
			u[k] = v
		}
	}
	rec := &userRec{id: id, obj: u, password: password, seedIndex: -1, extra: &userExtra{}}
	t.dir.put(rec)
	return http.StatusCreated, u, nil
}

// existsInConnection reports whether a user with id, or with email or
// username in connection, exists already.
func (d *directory) existsInConnection(id, conn, email, username string) bool {
	if _, ok := d.users[id]; ok {
		return true
	}
	for _, rec := range d.order {
		ident, _ := firstIdentity(rec.obj)
		if ident["connection"] == conn && sameAccount(rec.obj, email, username) {
			return true
		}
		// A linked identity still holds its address in its connection.
		ids := identitiesOf(rec.obj)
		for _, v := range ids[min(1, len(ids)):] {
			m, _ := v.(map[string]any)
			if m["connection"] != conn {
				continue
			}
			if str(m["provider"])+"|"+identityUserID(m) == id {
				return true
			}
			if p, ok := m["profileData"].(map[string]any); ok && sameAccount(p, email, username) {
				return true
			}
		}
	}
	return false
}

// sameAccount reports whether a profile has the email (any case) or username.
func sameAccount(profile map[string]any, email, username string) bool {
	if e, _ := profile["email"].(string); email != "" && strings.EqualFold(e, email) {
		return true
	}
	u, _ := profile["username"].(string)
	return username != "" && u == username
}

// updateUser answers PATCH /users/{id}: root properties are replaced (null
// removes them), metadata is merged one level deep (null removes a key).
func (t *Tenant) updateUser(q *request) (int, any, *apiError) {
	body, err := decodeObject(q)
	if err != nil {
		return 0, nil, err
	}
	if err := updateUserSchema.validate(body); err != nil {
		return 0, nil, err
	}
	if !q.grant.scopes["update:users"] && q.grant.scopes["update:users_app_metadata"] {
		for k := range body {
			if k != "app_metadata" {
				return 0, nil, newError(http.StatusForbidden, "insufficient_scope", "Insufficient scope, expected any of: update:users")
			}
		}
	}
	for _, pair := range [][2]string{{"password", "email"}, {"password", "email_verified"}, {"username", "email"},
		{"username", "email_verified"}, {"username", "password"}} {
		_, a := body[pair[0]]
		_, b := body[pair[1]]
		if a && b {
			return 0, nil, errBadBody("Cannot update " + pair[0] + " and " + pair[1] + " simultaneously.")
		}
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.dir.users[q.id()]
	if rec == nil {
		return 0, nil, errUserNotFound()
	}
	if name, ok := body["connection"].(string); ok && t.dir.connection(name) == nil {
		return 0, nil, newError(http.StatusBadRequest, "inexistent_connection", "Connection does not exist.")
	}
	ident, _ := firstIdentity(rec.obj)
	conn := t.dir.connection(str(ident["connection"]))
	database := conn != nil && conn.database
	passwordless := conn != nil && conn.strategy == "email"
	if _, ok := body["email"]; ok && !database && !passwordless {
		return 0, nil, errBadBody("Cannot update email for non-database user.")
	}
	if _, ok := body["password"]; ok && !database {
		return 0, nil, errBadBody("Cannot update password for non-database user.")
	}
	if pw, ok := body["password"].(string); ok && !strictPassword(pw) {
		return 0, nil, newError(http.StatusBadRequest, "invalid_password", "PasswordStrengthError: Password is too weak")
	}

	u := cloneShallow(rec.obj)
	for k, v := range body {
		switch k {
		case "user_metadata", "app_metadata":
			merged := map[string]any{}
			if old, ok := u[k].(map[string]any); ok {
				for mk, mv := range old {
					merged[mk] = mv
				}
			}
			for mk, mv := range v.(map[string]any) {
				if mv == nil {
					delete(merged, mk)
				} else {
					merged[mk] = mv
				}
			}
			u[k] = merged
		case "password":
			if pw, ok := v.(string); ok {
				rec.password = pw
				u["last_password_reset"] = stamp(q.now)
				t.dir.clearBlocks(rec.obj) // a new password lifts brute-force blocks (issue 12)
			}
		case "email":
			if v == nil {
				delete(u, k)
				continue
			}
			email := v.(string)
			if database {
				email = strings.ToLower(email)
			}
			if email != u["email"] {
				u["email_verified"] = false
			}
			u["email"] = email
		case "username":
			if v == nil {
				delete(u, k)
			} else {
				u[k] = strings.ToLower(v.(string))
			}
		case "connection", "client_id", "verify_email", "verify_phone_number":
			// request modifiers, not profile attributes
		default:
			if _, known := updateUserSchema.props[k]; !known {
				continue
			}
			if v == nil {
				delete(u, k)
			} else {
				u[k] = v
			}
		}
	}
	u["updated_at"] = stamp(q.now)
	rec.obj = u
	return http.StatusOK, u, nil
}

// withUser runs f on the request's user while holding the tenant's lock, or answers Auth0's
// 404 when there is no such user.
func (t *Tenant) withUser(q *request, f func(rec *userRec) (int, any, *apiError)) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec, err := t.lookup(q)
	if err != nil {
		return 0, nil, err
	}
	return f(rec)
}

// lookup returns the user with the request's id, or Auth0's 404. Callers hold t.mu.
func (t *Tenant) lookup(q *request) (*userRec, *apiError) {
	rec := t.dir.users[q.id()]
	if rec == nil {
		return nil, errUserNotFound()
	}
	return rec, nil
}
