package auth0apitest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
)

// Account security (issue 12): lockouts, sessions, refresh tokens, grants and the plan.

func idsOf(t *testing.T, list []any) []string {
	t.Helper()
	var out []string
	for _, v := range list {
		out = append(out, v.(map[string]any)["id"].(string))
	}
	return out
}

func fixedClock(t *testing.T) (time.Time, auth0apitest.Options) {
	t.Helper()
	now := time.Date(2031, 7, 9, 15, 4, 5, 0, time.UTC)
	return now, auth0apitest.Options{Now: func() time.Time { return now }}
}

func dateOf(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("date %v: %v", v, err)
	}
	return tm
}

// TestFixtureSessionsTokensGrants checks what fixtures_access.go promises the tests and the demo.
func TestFixtureSessionsTokensGrants(t *testing.T) {
	now, opts := fixedClock(t)
	e := newEnv(t, opts)
	ada := "/users/" + esc(auth0apitest.FixtureUserID)

	page := e.call(t, "GET", ada+"/sessions?include_totals=true", nil).object(t)
	sessions := page["sessions"].([]any)
	if page["total"] != float64(3) || len(sessions) != 3 {
		t.Fatalf("Ada's sessions: %v", page)
	}
	byID := map[string]map[string]any{}
	for _, s := range sessions {
		m := s.(map[string]any)
		byID[m["id"].(string)] = m
		if created, idle, exp, last := dateOf(t, m["created_at"]), dateOf(t, m["idle_expires_at"]), dateOf(t, m["expires_at"]), dateOf(t, m["last_interacted_at"]); created.After(now) || last.After(now) || last.Before(created) || !idle.After(now) || !exp.After(now) {
			t.Errorf("session %s dates: created %v, last %v, idle until %v, ends %v (now %v)", m["id"], created, last, idle, exp, now)
		}
	}
	for id, want := range map[string]struct {
		agent, methods string
		age            time.Duration
		clients        int
	}{
		auth0apitest.FixtureSessionID:      {"Edg/131", "pwd mfa:otp", 48 * time.Hour, 1},
		auth0apitest.FixturePhoneSessionID: {"iPhone", "passkey", 0, 2},
		auth0apitest.FixtureOldSessionID:   {"Firefox/133", "pwd mfa:otp", 0, 1},
	} {
		s := byID[id]
		if s == nil {
			t.Errorf("no session %s", id)
			continue
		}
		dev := s["device"].(map[string]any)
		if !strings.Contains(dev["initial_user_agent"].(string), want.agent) || dev["initial_ip"] == "" || dev["initial_asn"] == "" {
			t.Errorf("session %s device %v, want %s", id, dev, want.agent)
		}
		var methods []string
		for _, m := range s["authentication"].(map[string]any)["methods"].([]any) {
			mm := m.(map[string]any)
			name := mm["name"].(string)
			if f, ok := mm["type"]; ok {
				name += ":" + f.(string)
			}
			methods = append(methods, name)
		}
		if strings.Join(methods, " ") != want.methods {
			t.Errorf("session %s authenticated with %v, want %s", id, methods, want.methods)
		}
		if len(s["clients"].([]any)) != want.clients {
			t.Errorf("session %s clients %v", id, s["clients"])
		}
		if want.age != 0 && now.Sub(dateOf(t, s["authenticated_at"])) != want.age {
			t.Errorf("session %s authenticated at %v, want %v ago", id, s["authenticated_at"], want.age)
		}
	}
	// The laptop session is Ada's last login; its place is in her logs.
	laptopIP := byID[auth0apitest.FixtureSessionID]["device"].(map[string]any)["initial_ip"]
	if logs := e.call(t, "GET", ada+"/logs", nil).array(t); logs[0].(map[string]any)["ip"] != laptopIP {
		t.Errorf("the laptop session's IP %v is not that of Ada's last login %v", laptopIP, logs[0])
	}

	tokens := e.call(t, "GET", ada+"/refresh-tokens", nil).object(t)["tokens"].([]any)
	tok := map[string]map[string]any{}
	for _, v := range tokens {
		m := v.(map[string]any)
		tok[m["id"].(string)] = m
	}
	mobile, desktop, third := tok[auth0apitest.FixtureRefreshTokenID], tok[auth0apitest.FixtureDesktopRefreshTokenID], tok[auth0apitest.FixtureThirdPartyRefreshTokenID]
	switch {
	case mobile["client_id"] != auth0apitest.MobileClientID || mobile["rotating"] != true || mobile["session_id"] != auth0apitest.FixturePhoneSessionID || mobile["expires_at"] == nil:
		t.Errorf("mobile token %v", mobile)
	case desktop["client_id"] != auth0apitest.DesktopClientID || desktop["rotating"] != false || desktop["session_id"] != nil || desktop["expires_at"] != nil || desktop["idle_expires_at"] != nil:
		t.Errorf("desktop token %v", desktop)
	case third["client_id"] != auth0apitest.ThirdPartyClientID || third["session_id"] != auth0apitest.FixtureOldSessionID:
		t.Errorf("third-party token %v", third)
	}
	if rs := mobile["resource_servers"].([]any)[0].(map[string]any); rs["audience"] != "https://api.acme.example/orders" || !strings.Contains(rs["scopes"].(string), "offline_access") {
		t.Errorf("mobile token resource servers %v", rs)
	}

	grants := e.call(t, "GET", "/grants?user_id="+url.QueryEscape(auth0apitest.FixtureUserID), nil).array(t)
	var clients []string
	for _, g := range grants {
		clients = append(clients, g.(map[string]any)["clientID"].(string))
	}
	if !slices.Equal(clients, []string{auth0apitest.PortalClientID, auth0apitest.MobileClientID, auth0apitest.DesktopClientID, auth0apitest.ThirdPartyClientID}) ||
		!slices.Contains(idsOf(t, grants), auth0apitest.FixtureGrantID) {
		t.Errorf("Ada's grants %v", grants)
	}

	grace := e.call(t, "GET", "/users/"+esc(auth0apitest.FixtureSocialUserID)+"/sessions", nil).object(t)["sessions"].([]any)
	if len(grace) != 1 || grace[0].(map[string]any)["authentication"].(map[string]any)["methods"].([]any)[0].(map[string]any)["name"] != "federated" {
		t.Errorf("Grace's sessions %v", grace)
	}
	for _, id := range []string{auth0apitest.FixtureBlockedUserID, auth0apitest.FixtureBareUserID, auth0apitest.FixtureEnterpriseUserID} {
		if len(e.tenant.Sessions(id))+len(e.tenant.RefreshTokens(id))+len(e.tenant.Grants(id))+len(e.tenant.UserBlocks(id)) != 0 {
			t.Errorf("%s has account-security data", id)
		}
	}
}

func TestFixtureLockouts(t *testing.T) {
	now, opts := fixedClock(t)
	e := newEnv(t, opts)
	barbara := "/user-blocks/" + esc(auth0apitest.FixtureLockedOutUserID)
	blocks := e.call(t, "GET", barbara, nil).object(t)["blocked_for"].([]any)
	want := []any{
		map[string]any{"identifier": "barbara.liskov@example.org", "ip": auth0apitest.FixtureLockedOutIP, "connection": auth0apitest.DatabaseConnection},
		map[string]any{"identifier": "barbara", "ip": "198.51.100.23", "connection": auth0apitest.DatabaseConnection},
	}
	if fmt.Sprint(blocks) != fmt.Sprint(want) {
		t.Errorf("Barbara's blocks %v, want %v", blocks, want)
	}
	if got := e.tenant.LockedOutUsers(); !slices.Equal(got, []string{auth0apitest.FixtureLockedOutUserID}) {
		t.Errorf("LockedOutUsers = %v", got)
	}
	// The logs say since when: ten failed logins and a limit_wc event from each blocked IP.
	var limits, failed int
	for _, v := range e.call(t, "GET", "/users/"+esc(auth0apitest.FixtureLockedOutUserID)+"/logs?per_page=100", nil).array(t) {
		ev := v.(map[string]any)
		switch ev["type"] {
		case "limit_wc":
			limits++
			if ev["ip"] == auth0apitest.FixtureLockedOutIP && now.Sub(dateOf(t, ev["date"])) != 72*time.Hour {
				t.Errorf("limit_wc %v, want three days ago", ev)
			}
		case "fp":
			failed++
		}
		if ev["ip"] != auth0apitest.FixtureLockedOutIP && ev["ip"] != "198.51.100.23" {
			t.Errorf("event from %v", ev["ip"])
		}
	}
	if limits != 2 || failed != 20 {
		t.Errorf("%d limit_wc and %d fp events, want 2 and 20", limits, failed)
	}
	// By identifier: case-insensitive, and for an identifier no user has.
	if b := e.call(t, "GET", "/user-blocks?identifier=BARBARA.LISKOV%40example.org", nil).object(t)["blocked_for"].([]any); len(b) != 1 {
		t.Errorf("by e-mail: %v", b)
	}
	orphan := "/user-blocks?identifier=" + url.QueryEscape(auth0apitest.FixtureOrphanBlockIdentifier)
	if b := e.call(t, "GET", orphan, nil).object(t)["blocked_for"].([]any); len(b) != 1 || b[0].(map[string]any)["ip"] != "192.0.2.66" {
		t.Errorf("orphan: %v", b)
	}
	if u := e.call(t, "GET", "/users-by-email?email="+url.QueryEscape(auth0apitest.FixtureOrphanBlockIdentifier), nil).array(t); len(u) != 0 {
		t.Errorf("the orphan identifier is a user: %v", u)
	}
	for _, id := range []string{auth0apitest.FixtureUserID, auth0apitest.FixtureBlockedUserID} {
		if b := e.call(t, "GET", "/user-blocks/"+esc(id), nil).object(t)["blocked_for"].([]any); len(b) != 0 {
			t.Errorf("%s: blocks %v", id, b)
		}
	}
}

func TestUnblock(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	barbara := "/user-blocks/" + esc(auth0apitest.FixtureLockedOutUserID)
	if r := e.call(t, "DELETE", "/user-blocks?identifier=Barbara", nil); r.status != http.StatusNoContent {
		t.Fatalf("unblock by identifier: %d %s", r.status, r.raw)
	}
	if b := e.tenant.UserBlocks(auth0apitest.FixtureLockedOutUserID); len(b) != 1 || b[0]["identifier"] != "barbara.liskov@example.org" {
		t.Errorf("after unblocking the username: %v", b)
	}
	if r := e.call(t, "DELETE", barbara, nil); r.status != http.StatusNoContent {
		t.Fatalf("unblock: %d %s", r.status, r.raw)
	}
	if b := e.call(t, "GET", barbara, nil).object(t)["blocked_for"].([]any); len(b) != 0 {
		t.Errorf("after unblocking: %v", b)
	}
	logs := e.tenant.UserLogs(auth0apitest.FixtureLockedOutUserID)
	if logs[0]["type"] != "sapi" || logs[0]["description"] != "Unblock a user" || logs[1]["description"] != "Unblock by identifier" {
		t.Errorf("newest events %v / %v, want the two sapi events", logs[0], logs[1])
	}
	if d := logs[0]["details"].(map[string]any)["request"].(map[string]any); d["method"] != "DELETE" || !strings.HasPrefix(d["path"].(string), "/api/v2/user-blocks/") {
		t.Errorf("sapi details %v", d)
	}
	// The orphan block goes by identifier only; an admin block stays.
	e.call(t, "DELETE", "/user-blocks?identifier="+url.QueryEscape(auth0apitest.FixtureOrphanBlockIdentifier), nil)
	if b := e.call(t, "GET", "/user-blocks?identifier="+url.QueryEscape(auth0apitest.FixtureOrphanBlockIdentifier), nil).object(t)["blocked_for"].([]any); len(b) != 0 {
		t.Errorf("orphan after unblocking: %v", b)
	}
	e.call(t, "DELETE", "/user-blocks/"+esc(auth0apitest.FixtureBlockedUserID), nil)
	if u, _ := e.tenant.User(auth0apitest.FixtureBlockedUserID); u["blocked"] != true {
		t.Error("unblocking lifted the administrator's block")
	}
	// A new password lifts brute-force blocks.
	e.tenant.BlockIdentifier("ada", "192.0.2.9", auth0apitest.DatabaseConnection)
	e.call(t, "PATCH", "/users/"+esc(auth0apitest.FixtureUserID), map[string]any{"password": "An0ther-Secret!"})
	if b := e.tenant.UserBlocks(auth0apitest.FixtureUserID); len(b) != 0 {
		t.Errorf("blocks after a password change: %v", b)
	}
	// consider_brute_force_enablement leaves out blocks where protection is off.
	e.tenant.BlockIdentifier("grace.hopper@gmail.com", "192.0.2.10", auth0apitest.SocialConnection)
	grace := "/user-blocks/" + esc(auth0apitest.FixtureSocialUserID)
	if n := len(e.call(t, "GET", grace, nil).object(t)["blocked_for"].([]any)); n != 1 {
		t.Errorf("%d blocks, want 1", n)
	}
	if n := len(e.call(t, "GET", grace+"?consider_brute_force_enablement=true", nil).object(t)["blocked_for"].([]any)); n != 0 {
		t.Errorf("%d blocks considering enablement, want 0", n)
	}
}

// TestSessionPaging: checkpoint paging in id order; next on every non-empty page (as Auth0
// answered), none on an empty one; totals; take's bounds.
func TestSessionPaging(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	user := "/users/" + esc(auth0apitest.FixtureBareUserID)
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("s%02d", 7-i)
		want = append([]string{id}, want...)
		if !e.tenant.PutSession(map[string]any{"id": id, "user_id": auth0apitest.FixtureBareUserID}) {
			t.Fatal("PutSession: no user")
		}
	}
	var got []string
	from := ""
	for range 5 {
		q := "?take=3&include_totals=true"
		if from != "" {
			q += "&from=" + from
		}
		page := e.call(t, "GET", user+"/sessions"+q, nil).object(t)
		list := page["sessions"].([]any)
		if page["total"] != float64(7) {
			t.Errorf("total %v", page["total"])
		}
		next, has := page["next"].(string)
		if len(list) == 0 {
			if has {
				t.Errorf("an empty page has next %q", next)
			}
			break
		}
		got = append(got, idsOf(t, list)...)
		if next != idsOf(t, list)[len(list)-1] {
			t.Errorf("next %q, want the page's last id", next)
		}
		from = next
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged through %v, want %v", got, want)
	}
	if page := e.call(t, "GET", user+"/sessions", nil).object(t); len(page["sessions"].([]any)) != 7 || page["total"] != nil {
		t.Errorf("default page %v", page)
	}
	for _, bad := range []string{"take=0", "take=101", "take=x", "include_totals=yes", "page=1"} {
		if r := e.call(t, "GET", user+"/sessions?"+bad, nil); r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d", bad, r.status)
		}
	}
}

// TestEndingSessions: deleting a session keeps its refresh tokens, revoking it does not;
// revoke-access ends one or every session, keeping tokens when asked; each writes a sapi event.
func TestEndingSessions(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	ada := auth0apitest.FixtureUserID
	sessionIDs := func() []string {
		var out []string
		for _, s := range e.tenant.Sessions(ada) {
			out = append(out, s["id"].(string))
		}
		slices.Sort(out)
		return out
	}
	tokenIDs := func() []string {
		var out []string
		for _, s := range e.tenant.RefreshTokens(ada) {
			out = append(out, s["id"].(string))
		}
		slices.Sort(out)
		return out
	}
	if r := e.call(t, "DELETE", "/sessions/"+auth0apitest.FixturePhoneSessionID, nil); r.status != http.StatusAccepted || string(r.raw) != "{}" {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	wantError(t, e.call(t, "GET", "/sessions/"+auth0apitest.FixturePhoneSessionID, nil), http.StatusNotFound, "", "The session does not exist.")
	if !slices.Contains(tokenIDs(), auth0apitest.FixtureRefreshTokenID) {
		t.Error("deleting the session revoked its refresh token")
	}
	if r := e.call(t, "POST", "/sessions/"+auth0apitest.FixtureOldSessionID+"/revoke", nil); r.status != http.StatusAccepted {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	if slices.Contains(tokenIDs(), auth0apitest.FixtureThirdPartyRefreshTokenID) || slices.Contains(sessionIDs(), auth0apitest.FixtureOldSessionID) {
		t.Errorf("after revoking: sessions %v, tokens %v", sessionIDs(), tokenIDs())
	}
	wantError(t, e.call(t, "POST", "/sessions/"+auth0apitest.FixtureOldSessionID+"/revoke", nil), http.StatusNotFound, "", "The session does not exist.")
	// revoke-access for the laptop session, keeping tokens.
	e.call(t, "POST", "/users/"+esc(ada)+"/revoke-access", map[string]any{"session_id": auth0apitest.FixtureSessionID, "preserve_refresh_tokens": true})
	if len(sessionIDs()) != 0 || !slices.Equal(tokenIDs(), []string{auth0apitest.FixtureDesktopRefreshTokenID, auth0apitest.FixtureRefreshTokenID}) {
		t.Errorf("after revoking one session's access: sessions %v, tokens %v", sessionIDs(), tokenIDs())
	}
	// revoke-access with no body revokes every token too.
	if r := e.call(t, "POST", "/users/"+esc(ada)+"/revoke-access", nil); r.status != http.StatusAccepted {
		t.Fatalf("revoke-access: %d %s", r.status, r.raw)
	}
	if len(tokenIDs()) != 0 {
		t.Errorf("tokens after revoking access: %v", tokenIDs())
	}
	var descriptions []string
	for _, ev := range e.tenant.UserLogs(ada)[:4] {
		if ev["type"] != "sapi" {
			t.Errorf("event %v, want sapi", ev)
		}
		descriptions = append(descriptions, ev["description"].(string))
		if ev["client_id"] != auth0apitest.TestClientID {
			t.Errorf("sapi client %v", ev["client_id"])
		}
	}
	slices.Sort(descriptions)
	if want := []string{"Delete session", "Revokes a session", "Revokes selected resources from a user", "Revokes selected resources from a user"}; !slices.Equal(descriptions, want) {
		t.Errorf("sapi events %v, want %v", descriptions, want)
	}
	// Grace: deleting every session keeps nothing.
	grace := "/users/" + esc(auth0apitest.FixtureSocialUserID)
	e.call(t, "DELETE", grace+"/sessions", nil)
	if list := e.call(t, "GET", grace+"/sessions", nil).object(t)["sessions"].([]any); len(list) != 0 {
		t.Errorf("Grace's sessions after deleting them: %v", list)
	}
	wantError(t, e.call(t, "POST", "/users/"+esc(ada)+"/revoke-access", map[string]any{"session_id": strings.Repeat("x", 51)}), http.StatusBadRequest, "invalid_body", "")
}

func TestRefreshTokensAndGrants(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{})
	ada := "/users/" + esc(auth0apitest.FixtureUserID)
	tok := "/refresh-tokens/" + auth0apitest.FixtureDesktopRefreshTokenID
	if r := e.call(t, "GET", tok, nil); r.status != http.StatusOK || r.object(t)["user_id"] != auth0apitest.FixtureUserID {
		t.Fatalf("get: %d %s", r.status, r.raw)
	}
	if r := e.call(t, "DELETE", tok, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	wantError(t, e.call(t, "GET", tok, nil), http.StatusNotFound, "", "The refresh token does not exist.")
	// Revoking a grant revokes the tokens issued under it (the same application and API).
	if r := e.call(t, "DELETE", "/grants/"+auth0apitest.FixtureGrantID, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete grant: %d %s", r.status, r.raw)
	}
	left := idsOf(t, e.call(t, "GET", ada+"/refresh-tokens", nil).object(t)["tokens"].([]any))
	if !slices.Equal(left, []string{auth0apitest.FixtureRefreshTokenID}) {
		t.Errorf("tokens after revoking the Reports Exporter grant: %v", left)
	}
	// Filters.
	all := e.call(t, "GET", "/grants?include_totals=true", nil).object(t)
	if all["total"] != float64(4) { // Ada's three left and Grace's
		t.Errorf("tenant grants %v", all)
	}
	if g := e.call(t, "GET", "/grants?client_id="+auth0apitest.PortalClientID, nil).array(t); len(g) != 2 {
		t.Errorf("portal grants %v", g)
	}
	if g := e.call(t, "GET", "/grants?audience="+url.QueryEscape("https://api.acme.example/orders"), nil).array(t); len(g) != 1 || g[0].(map[string]any)["clientID"] != auth0apitest.MobileClientID {
		t.Errorf("orders grants %v", g)
	}
	e.call(t, "DELETE", "/grants?user_id="+url.QueryEscape(auth0apitest.FixtureUserID), nil)
	if g := e.tenant.Grants(auth0apitest.FixtureUserID); len(g) != 0 {
		t.Errorf("Ada's grants after deleting them: %v", g)
	}
	if toks := e.tenant.RefreshTokens(auth0apitest.FixtureUserID); len(toks) != 0 {
		t.Errorf("Ada's tokens after deleting her grants: %v", toks)
	}
	e.call(t, "DELETE", ada+"/refresh-tokens", nil)
	if toks := e.call(t, "GET", ada+"/refresh-tokens?include_totals=true", nil).object(t); toks["total"] != float64(0) || toks["next"] != nil {
		t.Errorf("after deleting every token: %v", toks)
	}
}

// TestPlanWithoutSessions: on a plan other than Enterprise the session and refresh-token
// endpoints refuse with a 403 that is not about scopes; the scope check comes first, and the
// other account-security endpoints answer.
func TestPlanWithoutSessions(t *testing.T) {
	e := newEnv(t, auth0apitest.Options{Plan: auth0apitest.PlanProfessional})
	ada := "/users/" + esc(auth0apitest.FixtureUserID)
	for _, c := range [][2]string{
		{"GET", ada + "/sessions"}, {"DELETE", ada + "/sessions"}, {"GET", "/sessions/" + auth0apitest.FixtureSessionID},
		{"DELETE", "/sessions/" + auth0apitest.FixtureSessionID}, {"POST", "/sessions/" + auth0apitest.FixtureSessionID + "/revoke"},
		{"POST", ada + "/revoke-access"}, {"GET", ada + "/refresh-tokens"}, {"DELETE", ada + "/refresh-tokens"},
		{"GET", "/refresh-tokens/" + auth0apitest.FixtureRefreshTokenID}, {"DELETE", "/refresh-tokens/" + auth0apitest.FixtureRefreshTokenID},
	} {
		r := e.call(t, c[0], c[1], nil)
		wantError(t, r, http.StatusForbidden, "", "This feature is not enabled for this tenant.")
		if _, has := r.object(t)["errorCode"]; has {
			t.Errorf("%s %s: errorCode %v", c[0], c[1], r.object(t)["errorCode"])
		}
	}
	if len(e.tenant.Sessions(auth0apitest.FixtureUserID)) != 3 || len(e.tenant.RefreshTokens(auth0apitest.FixtureUserID)) != 3 {
		t.Error("a refused call changed the tenant")
	}
	wantError(t, e.callWith(t, e.tenant.Token("read:users"), "GET", ada+"/sessions", nil), http.StatusForbidden, "insufficient_scope", "")
	for _, p := range []string{"/grants", "/user-blocks/" + esc(auth0apitest.FixtureLockedOutUserID)} {
		if r := e.call(t, "GET", p, nil); r.status != http.StatusOK {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	e.tenant.SetPlan(auth0apitest.PlanEnterprise)
	if r := e.call(t, "GET", ada+"/sessions", nil); r.status != http.StatusOK {
		t.Errorf("on Enterprise: %d %s", r.status, r.raw)
	}
}

// TestSeededAccess: seeded users have sessions (from their recent logins), refresh tokens
// tied to them, grants for those applications, and a few lockouts with their log events; the
// same Seed and clock give the same data.
func TestSeededAccess(t *testing.T) {
	now, opts := fixedClock(t)
	opts.Users, opts.Seed = 400, 9
	tn := auth0apitest.New(opts)
	users := allUsers(t, tn)
	withSessions, withTokens, withGrants := 0, 0, 0
	for _, u := range users {
		id := u["user_id"].(string)
		sessions := tn.Sessions(id)
		if len(sessions) > 4 {
			t.Errorf("%s: %d sessions", id, len(sessions))
		}
		sids := map[any]bool{}
		for _, s := range sessions {
			sids[s["id"]] = true
			created, last := dateOf(t, s["created_at"]), dateOf(t, s["last_interacted_at"])
			if created.After(now) || last.After(now) || last.Before(created) || !dateOf(t, s["idle_expires_at"]).After(now) ||
				now.Sub(created) > 30*24*time.Hour {
				t.Errorf("%s: session %v dates", id, s["id"])
			}
			if ll, ok := u["last_login"]; ok && created.After(dateOf(t, ll)) {
				t.Errorf("%s: session opened after the last login", id)
			}
		}
		for _, tok := range tn.RefreshTokens(id) {
			if sid := tok["session_id"]; sid != nil && !sids[sid] {
				t.Errorf("%s: token %v in session %v the user does not have", id, tok["id"], sid)
			}
		}
		clients := map[any]bool{}
		for _, g := range tn.Grants(id) {
			clients[g["clientID"]] = true
		}
		for _, tok := range tn.RefreshTokens(id) {
			if !clients[tok["client_id"]] {
				t.Errorf("%s: a %v token without its grant", id, tok["client_id"])
			}
		}
		if len(sessions) > 0 {
			withSessions++
		}
		if len(tn.RefreshTokens(id)) > 0 {
			withTokens++
		}
		if len(tn.Grants(id)) > 0 {
			withGrants++
		}
	}
	if withSessions < len(users)/10 || withTokens < len(users)/50 || withGrants < len(users)/2 {
		t.Errorf("%d users with sessions, %d with refresh tokens, %d with grants, of %d", withSessions, withTokens, withGrants, len(users))
	}
	locked := tn.LockedOutUsers()
	if len(locked) < 3 || len(locked) > 30 {
		t.Errorf("%d users locked out of %d", len(locked), len(users))
	}
	for _, id := range locked[1:] { // after the fixture
		blocks := tn.UserBlocks(id)
		logs := tn.UserLogs(id)
		found := slices.ContainsFunc(logs, func(ev map[string]any) bool {
			return ev["type"] == "limit_wc" && ev["ip"] == blocks[0]["ip"] && ev["user_name"] == blocks[0]["identifier"]
		})
		if !found {
			t.Errorf("%s: no limit_wc event for %v", id, blocks[0])
		}
	}
	again := auth0apitest.New(opts)
	for _, u := range users[len(users)-50:] {
		id := u["user_id"].(string)
		if fmt.Sprint(tn.Sessions(id), tn.RefreshTokens(id), tn.Grants(id)) != fmt.Sprint(again.Sessions(id), again.RefreshTokens(id), again.Grants(id)) {
			t.Fatalf("%s: the same seed and clock gave other data", id)
		}
	}
	t.Logf("%d users: %d with sessions, %d with refresh tokens, %d with grants, %d locked out", len(users), withSessions, withTokens, withGrants, len(locked))
}

// TestDemoLockouts: DemoLockedOutEmails names the locked-out seeded users of the demo's tenant.
func TestDemoLockouts(t *testing.T) {
	tn := auth0apitest.New(auth0apitest.Options{Users: 300, Seed: 4})
	var emails []string
	for _, id := range tn.LockedOutUsers() {
		if id == auth0apitest.FixtureLockedOutUserID {
			continue
		}
		u, _ := tn.User(id)
		emails = append(emails, u["email"].(string))
	}
	if !slices.Equal(emails, auth0apitest.DemoLockedOutEmails()) {
		t.Errorf("locked out: %q, documented: %q", emails, auth0apitest.DemoLockedOutEmails())
	}
}
