package auth0apitest

import "slices"

// PutRole adds or replaces a role of the tenant's catalog, given as an
// Auth0 role object {"id", "name", "description"}.
func (t *Tenant) PutRole(role map[string]any) {
	r := normalize(role)
	id := str(r["id"])
	t.mu.Lock()
	defer t.mu.Unlock()
	if old := t.dir.roleByID[id]; old != nil {
		for i, x := range t.dir.roles {
			if x["id"] == id {
				t.dir.roles[i] = r
			}
		}
	} else {
		t.dir.roles = append(t.dir.roles, r)
	}
	t.dir.roleByID[id] = r
}

// PutResourceServer adds or replaces a resource server (an API with
// scopes), given as an Auth0 resource server object with "identifier".
func (t *Tenant) PutResourceServer(rs map[string]any) {
	r := normalize(rs)
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, x := range t.dir.resources {
		if x["identifier"] == r["identifier"] {
			t.dir.resources[i] = r
			return
		}
	}
	t.dir.resources = append(t.dir.resources, r)
}

// PutOrganization adds or replaces an organization, given as an Auth0
// organization object with "id", and makes the users with memberIDs its
// members.
func (t *Tenant) PutOrganization(org map[string]any, memberIDs ...string) {
	o := normalize(org)
	id := str(o["id"])
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dir.orgByID[id] == nil {
		t.dir.orgs = append(t.dir.orgs, o)
	} else {
		for i, x := range t.dir.orgs {
			if x["id"] == id {
				t.dir.orgs[i] = o
			}
		}
	}
	t.dir.orgByID[id] = o
	for _, uid := range memberIDs {
		if rec := t.dir.users[uid]; rec != nil {
			x := t.dir.extras(rec)
			if !slices.Contains(x.orgs, id) {
				x.orgs = append(x.orgs, id)
			}
		}
	}
}

// Roles returns the tenant's role catalog, in order.
func (t *Tenant) Roles() []map[string]any {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]map[string]any, len(t.dir.roles))
	for i, r := range t.dir.roles {
		out[i] = normalize(r)
	}
	return out
}

// RoleID returns the id of the catalog role called name ("" if none).
func (t *Tenant) RoleID(name string) string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.dir.roleNamed(name)
}

// SetAuthenticationMethods replaces a user's authentication methods with
// methods (Auth0 authentication-method objects with "id", "type" and
// "created_at"; email and phone unmasked, as stored). It reports whether
// the user exists.
func (t *Tenant) SetAuthenticationMethods(userID string, methods []map[string]any) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.dir.users[userID]
	if rec == nil {
		return false
	}
	x := t.dir.extras(rec)
	x.methods = x.methods[:0:0]
	for _, m := range methods {
		x.methods = append(x.methods, normalize(m))
	}
	return true
}

// AddLogEvents prepends log events (Auth0 log objects with "date") to a
// user's logs, keeping them newest first. It reports whether the user exists.
func (t *Tenant) AddLogEvents(userID string, events ...map[string]any) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.dir.users[userID]
	if rec == nil {
		return false
	}
	x := t.dir.extras(rec)
	for _, e := range events {
		x.logs = append(x.logs, normalize(e))
	}
	sortLogsNewestFirst(x.logs)
	return true
}
