package auth0apitest

import "slices"

// Account security (issue 12): knobs and inspection helpers for sessions, refresh tokens,
// grants and brute-force blocks. Objects are Auth0's, as the API answers them; they are copied
// in and out (through JSON).

// put adds obj to the user's list of sessions, refresh tokens or grants (list picks which),
// replacing an item with the same id, and records its owner. It reports whether the user
// exists.
func (t *Tenant) put(userID string, obj map[string]any, list func(*userExtra) *[]map[string]any, owner map[string]string) bool {
	o := normalize(obj)
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.dir.users[userID]
	if rec == nil {
		return false
	}
	items := list(t.dir.extras(rec))
	*items = slices.DeleteFunc(slices.Clone(*items), func(m map[string]any) bool { return m["id"] == o["id"] })
	*items = append(*items, o)
	owner[str(o["id"])] = userID
	return true
}

// PutSession adds or replaces a session, given as an Auth0 session object with "id" and
// "user_id". It reports whether the user exists.
func (t *Tenant) PutSession(session map[string]any) bool {
	return t.put(str(session["user_id"]), session, func(x *userExtra) *[]map[string]any { return &x.sessions }, t.dir.sessionOwner)
}

// PutRefreshToken adds or replaces a refresh token's description, given as an Auth0 refresh
// token object with "id" and "user_id". It reports whether the user exists.
func (t *Tenant) PutRefreshToken(token map[string]any) bool {
	return t.put(str(token["user_id"]), token, func(x *userExtra) *[]map[string]any { return &x.tokens }, t.dir.tokenOwner)
}

// PutGrant adds or replaces a grant, given as an Auth0 grant object with "id", "user_id",
// "clientID", "audience" and "scope". It reports whether the user exists.
func (t *Tenant) PutGrant(grant map[string]any) bool {
	return t.put(str(grant["user_id"]), grant, func(x *userExtra) *[]map[string]any { return &x.grants }, t.dir.grantOwner)
}

// copies returns deep copies of a user's items.
func (t *Tenant) copies(userID string, list func(*userExtra) []map[string]any) []map[string]any {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.dir.users[userID]
	if rec == nil {
		return nil
	}
	items := list(t.dir.extras(rec))
	out := make([]map[string]any, len(items))
	for i, m := range items {
		out[i] = normalize(m)
	}
	return out
}

// Sessions returns the user's sessions as stored.
func (t *Tenant) Sessions(userID string) []map[string]any {
	return t.copies(userID, func(x *userExtra) []map[string]any { return x.sessions })
}

// RefreshTokens returns the descriptions of the user's refresh tokens as stored.
func (t *Tenant) RefreshTokens(userID string) []map[string]any {
	return t.copies(userID, func(x *userExtra) []map[string]any { return x.tokens })
}

// Grants returns the user's grants as stored.
func (t *Tenant) Grants(userID string) []map[string]any {
	return t.copies(userID, func(x *userExtra) []map[string]any { return x.grants })
}

// UserLogs returns the user's log events, newest first, as stored (including the "sapi"
// events the tenant writes for changes made through the Management API).
func (t *Tenant) UserLogs(userID string) []map[string]any {
	return t.copies(userID, func(x *userExtra) []map[string]any { return x.logs })
}

// BlockIdentifier adds a brute-force block: identifier (an e-mail, username or phone number)
// may not log in on connection from ip ("" for every address, as Auth0's Account Lockout
// does). It writes no log events.
func (t *Tenant) BlockIdentifier(identifier, ip, connection string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dir.blocks = append(slices.Clone(t.dir.blocks), &bruteForceBlock{identifier: identifier, ip: ip, connection: connection, at: t.now()})
}

// UserBlocks returns the brute-force blocks on the user's identifiers, as GET
// /user-blocks/{id} lists them (nil for an unknown user).
func (t *Tenant) UserBlocks(userID string) []map[string]any {
	t.mu.RLock()
	defer t.mu.RUnlock()
	rec := t.dir.users[userID]
	if rec == nil {
		return nil
	}
	ids := userIdentifiers(rec.obj)
	var out []map[string]any
	for _, b := range t.dir.blocks {
		if b.matches(ids...) {
			out = append(out, b.view())
		}
	}
	return out
}

// LockedOutUsers returns the ids of the users with a brute-force block on one of their
// identifiers, in the tenant's list order: the fixture FixtureLockedOutUserID and about one
// seeded database user in fifty.
func (t *Tenant) LockedOutUsers() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []string
	for _, rec := range t.dir.order {
		ids := userIdentifiers(rec.obj)
		if slices.ContainsFunc(t.dir.blocks, func(b *bruteForceBlock) bool { return b.matches(ids...) }) {
			out = append(out, rec.id)
		}
	}
	return out
}
