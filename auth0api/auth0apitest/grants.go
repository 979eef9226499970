package auth0apitest

import (
	"net/http"
	"slices"
)

// Account security (issue 12): grants, the consents users gave applications (/grants).

// listGrants answers GET /grants: a bare array, or {start, limit, total, grants} with
// include_totals, filtered by user_id, client_id and audience. Without user_id it lists the
// whole tenant's grants, which generates every seeded user's data on first use.
func (t *Tenant) listGrants(q *request) (int, any, *apiError) {
	p, err := pageParams(q, 1, 100, 50, -1)
	if err != nil {
		return 0, nil, err
	}
	userID, byUser := q.query["user_id"]
	clientID, byClient := q.query["client_id"]
	audience, byAudience := q.query["audience"]
	t.mu.Lock()
	defer t.mu.Unlock()
	recs := t.dir.order
	if byUser {
		recs = nil
		if rec := t.dir.users[userID[0]]; rec != nil {
			recs = []*userRec{rec}
		}
	}
	var all []any
	for _, rec := range recs {
		for _, g := range t.dir.extras(rec).grants {
			if byClient && g["clientID"] != clientID[0] || byAudience && g["audience"] != audience[0] {
				continue
			}
			all = append(all, g)
		}
	}
	return http.StatusOK, p.list("grants", all, false), nil
}

// revokeGrants removes the user's grants that match and, as Auth0 documents, the refresh
// tokens issued under them (same application and API).
func revokeGrants(x *userExtra, match func(map[string]any) bool) int {
	var gone []map[string]any
	var n int
	x.grants, n = removeWhere(x.grants, func(g map[string]any) bool {
		if match(g) {
			gone = append(gone, g)
			return true
		}
		return false
	})
	x.tokens, _ = removeWhere(x.tokens, func(tok map[string]any) bool {
		return slices.ContainsFunc(gone, func(g map[string]any) bool { return issuedUnder(tok, g) })
	})
	return n
}

// issuedUnder reports whether a refresh token was issued under a grant: to its application,
// for its API.
func issuedUnder(tok, g map[string]any) bool {
	if tok["client_id"] != g["clientID"] {
		return false
	}
	rs, _ := tok["resource_servers"].([]any)
	return slices.ContainsFunc(rs, func(v any) bool {
		m, _ := v.(map[string]any)
		return m["audience"] == g["audience"]
	})
}

// deleteGrant answers DELETE /grants/{id} with 204, also for a grant that does not exist (the
// OpenAPI file documents no 404).
func (t *Tenant) deleteGrant(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if rec := t.dir.users[t.dir.grantOwner[q.id()]]; rec != nil {
		if revokeGrants(t.dir.extras(rec), func(g map[string]any) bool { return g["id"] == q.id() }) > 0 {
			t.logAPIOperation(rec, q, "Delete a grant by id", http.StatusNoContent)
		}
	}
	return http.StatusNoContent, nil, nil
}

// deleteUserGrants answers DELETE /grants?user_id= with 204: every grant of the user goes.
func (t *Tenant) deleteUserGrants(q *request) (int, any, *apiError) {
	userID, ok := q.query["user_id"]
	if !ok || len(userID) == 0 {
		return 0, nil, errValidation("Query", "Missing required property: user_id", "", "")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if rec := t.dir.users[userID[0]]; rec != nil {
		revokeGrants(t.dir.extras(rec), func(map[string]any) bool { return true })
		t.logAPIOperation(rec, q, "Delete a grant by user_id", http.StatusNoContent)
	}
	return http.StatusNoContent, nil, nil
}
