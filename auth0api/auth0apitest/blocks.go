package auth0apitest

import (
	"net/http"
	"slices"
	"strings"
)

// Account security (issue 12): brute-force protection blocks (/user-blocks). A block belongs
// to an identifier as the person typed it (e-mail, username or phone number), so a lookup by
// identifier finds blocks no user search would: of an identifier no user has, or of a user
// found another way.

// userIdentifiers returns what a user logs in with: e-mail, username and phone number.
func userIdentifiers(u map[string]any) []string {
	var ids []string
	for _, k := range []string{"email", "username", "phone_number"} {
		if v := str(u[k]); v != "" {
			ids = append(ids, v)
		}
	}
	return ids
}

// matches reports whether the block is on one of identifiers (case-insensitive: Auth0 keeps
// e-mails and usernames in lower case).
func (b *bruteForceBlock) matches(identifiers ...string) bool {
	return slices.ContainsFunc(identifiers, func(id string) bool { return strings.EqualFold(id, b.identifier) })
}

// blocksFor returns the blocks on identifiers as Auth0 answers them: {"blocked_for": [...]}.
// With consider_brute_force_enablement=true, blocks on a connection whose brute-force
// protection is off are left out. Callers hold t.mu.
func (t *Tenant) blocksFor(q *request, identifiers []string) (map[string]any, *apiError) {
	consider, err := boolParam(q, "consider_brute_force_enablement", false)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, b := range t.dir.blocks {
		if !b.matches(identifiers...) {
			continue
		}
		if consider && !t.dir.bruteForceProtected(b.connection) {
			continue
		}
		list = append(list, b.view())
	}
	return map[string]any{"blocked_for": list}, nil
}

// unblock removes the blocks on identifiers and writes the "sapi" event in the logs of every
// user who has one of them. Callers hold t.mu.
func (t *Tenant) unblock(q *request, description string, identifiers []string) {
	t.dir.blocks = slices.DeleteFunc(slices.Clone(t.dir.blocks), func(b *bruteForceBlock) bool { return b.matches(identifiers...) })
	for _, rec := range t.dir.order {
		if slices.ContainsFunc(userIdentifiers(rec.obj), func(id string) bool {
			return slices.ContainsFunc(identifiers, func(x string) bool { return strings.EqualFold(x, id) })
		}) {
			t.logAPIOperation(rec, q, description, http.StatusNoContent)
		}
	}
}

// clearBlocks removes the blocks on a user's identifiers: Auth0 lifts brute-force blocks when
// the password changes. Callers hold t.mu.
func (d *directory) clearBlocks(u map[string]any) {
	ids := userIdentifiers(u)
	d.blocks = slices.DeleteFunc(slices.Clone(d.blocks), func(b *bruteForceBlock) bool { return b.matches(ids...) })
}

// bruteForceProtected reports whether the connection has brute-force protection on.
func (d *directory) bruteForceProtected(name string) bool {
	conn := d.connection(name)
	if conn == nil {
		return false
	}
	opts, _ := conn.obj["options"].(map[string]any)
	on, _ := opts["brute_force_protection"].(bool)
	return on
}

// identifierParam reads the required identifier query parameter.
func identifierParam(q *request) (string, *apiError) {
	id, ok := q.query["identifier"]
	if !ok || len(id) == 0 {
		return "", errValidation("Query", "Missing required property: identifier", "", "")
	}
	return id[0], nil
}

// listUserBlocks answers GET /user-blocks/{id}.
func (t *Tenant) listUserBlocks(q *request) (int, any, *apiError) {
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		out, err := t.blocksFor(q, userIdentifiers(rec.obj))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, out, nil
	})
}

// deleteUserBlocks answers DELETE /user-blocks/{id} with 204: every block on the user's
// identifiers goes (the administrator's block stays).
func (t *Tenant) deleteUserBlocks(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec, err := t.lookup(q)
	if err != nil {
		return 0, nil, err
	}
	t.unblock(q, "Unblock a user", userIdentifiers(rec.obj))
	return http.StatusNoContent, nil, nil
}

// listBlocksByIdentifier answers GET /user-blocks?identifier=.
func (t *Tenant) listBlocksByIdentifier(q *request) (int, any, *apiError) {
	id, err := identifierParam(q)
	if err != nil {
		return 0, nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	out, err := t.blocksFor(q, []string{id})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

// deleteBlocksByIdentifier answers DELETE /user-blocks?identifier= with 204.
func (t *Tenant) deleteBlocksByIdentifier(q *request) (int, any, *apiError) {
	id, err := identifierParam(q)
	if err != nil {
		return 0, nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.unblock(q, "Unblock by identifier", []string{id})
	return http.StatusNoContent, nil, nil
}
