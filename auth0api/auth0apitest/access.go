package auth0apitest

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
)

// Account security (issue 12): sessions, refresh tokens, revoking a user's access, and the
// plan that gates them.

// Plan is the Auth0 subscription plan of a tenant, as far as its features depend on it: the
// Management API's session and refresh-token endpoints exist on Enterprise plans only.
type Plan string

// Plans. The zero Plan is PlanEnterprise, so that tests and the demo show every feature.
const (
	PlanEnterprise   Plan = "enterprise"
	PlanProfessional Plan = "professional"
	PlanEssentials   Plan = "essentials"
	PlanFree         Plan = "free"
)

// planSetting holds a tenant's plan (safe for concurrent use).
type planSetting struct{ v atomic.Value }

func (p *planSetting) set(plan Plan) {
	if plan == "" {
		plan = PlanEnterprise
	}
	p.v.Store(plan)
}

func (p *planSetting) enterprise() bool {
	plan, _ := p.v.Load().(Plan)
	return plan == "" || plan == PlanEnterprise
}

// SetPlan changes the tenant's plan: on any plan but PlanEnterprise (or "") the session and
// refresh-token endpoints refuse every call with errFeatureUnavailable's 403.
func (t *Tenant) SetPlan(p Plan) { t.plan.set(p) }

// errFeatureUnavailable is the tenant's answer to an Enterprise-only endpoint on another plan.
// No source records Auth0's exact answer (auth0-staff-and-account-security.md §3.3 and §10.3:
// the OpenAPI file lists no plan error for these endpoints, and no recording or public report
// shows one). We answer with the plan refusal the OpenAPI file documents for the same family
// (PATCH /sessions/{id}, PATCH /refresh-tokens/{id}, POST /refresh-tokens/revoke): 403 "This
// feature is not enabled for this tenant.", without an errorCode, since none is documented;
// that keeps it apart from the insufficient_scope 403s, which is how the client tells them
// apart (auth0api.ErrFeatureUnavailable).
func errFeatureUnavailable() *apiError {
	return newError(http.StatusForbidden, "", "This feature is not enabled for this tenant.")
}

func errSessionNotFound() *apiError {
	return newError(http.StatusNotFound, "", "The session does not exist.")
}

func errRefreshTokenNotFound() *apiError {
	return newError(http.StatusNotFound, "", "The refresh token does not exist.")
}

// accepted is the body of Auth0's 202 answers to session and refresh-token deletions (recorded).
func accepted() (int, any, *apiError) { return http.StatusAccepted, map[string]any{}, nil }

// checkpoint is a checkpoint-paged list request: from (exclusive), take, include_totals.
type checkpoint struct {
	from   string
	take   int
	totals bool
}

func checkpointParams(q *request) (checkpoint, *apiError) {
	take, _, err := intParam(q, "take", 1, 100, 50)
	if err != nil {
		return checkpoint{}, err
	}
	totals, err := boolParam(q, "include_totals", false)
	if err != nil {
		return checkpoint{}, err
	}
	return checkpoint{from: q.query.Get("from"), take: take, totals: totals}, nil
}

// list answers one page of items as Auth0 does: {key: [...], "next": …, "total": …}, always an
// object (include_totals only adds total). Items go in id order and from is the last id the
// caller saw, so a page never repeats or skips an item, whatever was deleted in between. Next
// is the page's last id whenever the page is not empty, even on the last page, as Auth0
// answered in TestUserManager_ListRefreshTokens; an empty page has none.
func (c checkpoint) list(key string, all []map[string]any) map[string]any {
	sorted := slices.SortedFunc(slices.Values(all), func(a, b map[string]any) int { return strings.Compare(str(a["id"]), str(b["id"])) })
	start := 0
	if c.from != "" {
		start, _ = slices.BinarySearchFunc(sorted, c.from, func(m map[string]any, id string) int {
			if str(m["id"]) <= id {
				return -1
			}
			return 1
		})
	}
	page := make([]any, 0, min(c.take, len(sorted)-start))
	for _, m := range sorted[start:min(start+c.take, len(sorted))] {
		page = append(page, m)
	}
	out := map[string]any{key: page}
	if len(page) > 0 {
		out["next"] = page[len(page)-1].(map[string]any)["id"]
	}
	if c.totals {
		out["total"] = len(all)
	}
	return out
}

// logAPIOperation adds to the user's logs the "sapi" (Success API Operation) event Auth0
// writes for a change made through the Management API, described by the endpoint's summary.
// Callers hold t.mu.
func (t *Tenant) logAPIOperation(rec *userRec, q *request, description string, status int) {
	id := logID(t.dir.ids, q.now)
	ip, _, err := net.SplitHostPort(q.r.RemoteAddr)
	if err != nil {
		ip = q.r.RemoteAddr
	}
	host := ""
	if u, err := url.Parse(t.baseURL); err == nil {
		host = u.Hostname()
	}
	ev := map[string]any{
		"_id": id, "log_id": id, "date": stamp(q.now), "type": "sapi", "description": description,
		"client_id": strings.TrimSuffix(q.grant.subject, "@clients"), "client_name": "",
		"ip": ip, "hostname": host, "user_id": rec.id, "user_name": str(rec.obj["email"]),
		"audience": t.Audience(), "isMobile": false,
		"details": map[string]any{
			"request":  map[string]any{"method": q.r.Method, "path": q.r.URL.EscapedPath(), "channel": "api"},
			"response": map[string]any{"statusCode": status},
		},
	}
	x := t.dir.extras(rec)
	x.logs = append([]map[string]any{ev}, x.logs...) // first among events of the same millisecond
	sortLogsNewestFirst(x.logs)
}

// sessionByID returns the session with id and its user's record, or nil. Callers hold t.mu.
func (t *Tenant) sessionByID(id string) (*userRec, map[string]any) {
	rec := t.dir.users[t.dir.sessionOwner[id]]
	if rec == nil {
		return nil, nil
	}
	for _, s := range t.dir.extras(rec).sessions {
		if s["id"] == id {
			return rec, s
		}
	}
	return nil, nil
}

// tokenByID returns the refresh token with id and its user's record, or nil. Callers hold t.mu.
func (t *Tenant) tokenByID(id string) (*userRec, map[string]any) {
	rec := t.dir.users[t.dir.tokenOwner[id]]
	if rec == nil {
		return nil, nil
	}
	for _, tok := range t.dir.extras(rec).tokens {
		if tok["id"] == id {
			return rec, tok
		}
	}
	return nil, nil
}

// removeWhere returns list without the items keep rejects, as a new slice (answers already
// given may still hold the old one).
func removeWhere(list []map[string]any, drop func(map[string]any) bool) ([]map[string]any, int) {
	out := slices.DeleteFunc(slices.Clone(list), drop)
	return out, len(list) - len(out)
}

// endSessions removes the user's sessions that match and, with tokens, the refresh tokens
// issued in them.
func endSessions(x *userExtra, match func(map[string]any) bool, tokens bool) {
	var ended []any
	x.sessions, _ = removeWhere(x.sessions, func(s map[string]any) bool {
		if match(s) {
			ended = append(ended, s["id"])
			return true
		}
		return false
	})
	if tokens {
		x.tokens, _ = removeWhere(x.tokens, func(tok map[string]any) bool { return slices.Contains(ended, tok["session_id"]) })
	}
}

// listUserSessions answers GET /users/{id}/sessions.
func (t *Tenant) listUserSessions(q *request) (int, any, *apiError) {
	c, err := checkpointParams(q)
	if err != nil {
		return 0, nil, err
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		return http.StatusOK, c.list("sessions", t.dir.extras(rec).sessions), nil
	})
}

// deleteUserSessions answers DELETE /users/{id}/sessions: every session ends (202 {}); the
// refresh tokens stay, as Auth0 documents.
func (t *Tenant) deleteUserSessions(q *request) (int, any, *apiError) {
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		x := t.dir.extras(rec)
		x.sessions = nil
		t.logAPIOperation(rec, q, "Delete sessions for user", http.StatusAccepted)
		return accepted()
	})
}

// getSession answers GET /sessions/{id}.
func (t *Tenant) getSession(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, s := t.sessionByID(q.id()); s != nil {
		return http.StatusOK, s, nil
	}
	return 0, nil, errSessionNotFound()
}

// deleteSession answers DELETE /sessions/{id}: 202 {}, also for a session that does not exist
// (Auth0 documents no 404 here; deletions are asynchronous). Its refresh tokens stay.
func (t *Tenant) deleteSession(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if rec, _ := t.sessionByID(q.id()); rec != nil {
		endSessions(t.dir.extras(rec), func(s map[string]any) bool { return s["id"] == q.id() }, false)
		t.logAPIOperation(rec, q, "Delete session", http.StatusAccepted)
	}
	return accepted()
}

// revokeSession answers POST /sessions/{id}/revoke: the session ends and every refresh token
// issued in it is revoked (202 {}); an unknown session is a 404.
func (t *Tenant) revokeSession(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec, _ := t.sessionByID(q.id())
	if rec == nil {
		return 0, nil, errSessionNotFound()
	}
	endSessions(t.dir.extras(rec), func(s map[string]any) bool { return s["id"] == q.id() }, true)
	t.logAPIOperation(rec, q, "Revokes a session", http.StatusAccepted)
	return accepted()
}

// revokeAccessSchema is RevokeUserAccessRequestContent.
var revokeAccessSchema = bodySchema{
	props: map[string]prop{
		"session_id":              {kind: "string", max: 50, desc: "ID of the session to revoke."},
		"preserve_refresh_tokens": {kind: "boolean", desc: "Whether to preserve the refresh tokens associated with the session."},
	},
}

// revokeAccess answers POST /users/{id}/revoke-access: the user's sessions (or the one named)
// end and, unless preserve_refresh_tokens, the refresh tokens issued in them are revoked;
// without session_id every refresh token of the user is (our reading of "Revokes selected
// resources related to a user": no source says whether tokens issued outside a session go
// too). 202 {}, also for an unknown user or session (the OpenAPI file lists no 404 here).
func (t *Tenant) revokeAccess(q *request) (int, any, *apiError) {
	body := map[string]any{}
	if len(strings.TrimSpace(string(q.body))) > 0 {
		var err *apiError
		if body, err = decodeObject(q); err != nil {
			return 0, nil, err
		}
		if err := revokeAccessSchema.validate(body); err != nil {
			return 0, nil, err
		}
	}
	sessionID, one := body["session_id"].(string)
	keep, _ := body["preserve_refresh_tokens"].(bool)
	t.mu.Lock()
	defer t.mu.Unlock()
	rec, _ := t.lookup(q)
	if rec == nil {
		return accepted()
	}
	x := t.dir.extras(rec)
	endSessions(x, func(s map[string]any) bool { return !one || s["id"] == sessionID }, !keep)
	if !one && !keep {
		x.tokens = nil
	}
	t.logAPIOperation(rec, q, "Revokes selected resources from a user", http.StatusAccepted)
	return accepted()
}

// listUserRefreshTokens answers GET /users/{id}/refresh-tokens. It accepts page and per_page,
// which the Go SDK sends and Auth0 answered 200 to (TestUserManager_ListRefreshTokens), and,
// like Auth0 there, pages by from and take only.
func (t *Tenant) listUserRefreshTokens(q *request) (int, any, *apiError) {
	c, err := checkpointParams(q)
	if err != nil {
		return 0, nil, err
	}
	if _, _, err := intParam(q, "per_page", 0, 100, 0); err != nil {
		return 0, nil, err
	}
	if _, _, err := intParam(q, "page", 0, -1, 0); err != nil {
		return 0, nil, err
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		return http.StatusOK, c.list("tokens", t.dir.extras(rec).tokens), nil
	})
}

// deleteUserRefreshTokens answers DELETE /users/{id}/refresh-tokens: every refresh token is
// revoked (202 {}); the sessions stay.
func (t *Tenant) deleteUserRefreshTokens(q *request) (int, any, *apiError) {
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		t.dir.extras(rec).tokens = nil
		t.logAPIOperation(rec, q, "Delete refresh tokens for a user", http.StatusAccepted)
		return accepted()
	})
}

// getRefreshToken answers GET /refresh-tokens/{id}.
func (t *Tenant) getRefreshToken(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, tok := t.tokenByID(q.id()); tok != nil {
		return http.StatusOK, tok, nil
	}
	return 0, nil, errRefreshTokenNotFound()
}

// deleteRefreshToken answers DELETE /refresh-tokens/{id} with 204, as Auth0 answered when
// recorded (TestRefreshTokenManager_Delete; the OpenAPI file says 202), also for a token that
// does not exist (no 404 is documented).
func (t *Tenant) deleteRefreshToken(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if rec, _ := t.tokenByID(q.id()); rec != nil {
		x := t.dir.extras(rec)
		x.tokens, _ = removeWhere(x.tokens, func(tok map[string]any) bool { return tok["id"] == q.id() })
		t.logAPIOperation(rec, q, "Delete a refresh token", http.StatusNoContent)
	}
	return http.StatusNoContent, nil, nil
}
