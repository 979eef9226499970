package auth0apitest_test

import (
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
)

// parseStamp reads one of the tenant's timestamps, failing the test on a malformed one.
func parseStamp(t *testing.T, what string, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s: %q is not a timestamp", what, s)
	}
	return at
}

// TestSeededDatesFollowTheClock: the seeded data is dated relative to the tenant's clock at
// its creation (Options.Now), so a demo started today shows recent activity: nothing is in
// the future, Ada logged in two days ago, many users logged in within the last week, and
// factors were last used around their user's last login. Another clock shifts every date by
// the difference.
func TestSeededDatesFollowTheClock(t *testing.T) {
	now := time.Date(2031, 7, 9, 15, 4, 5, 0, time.UTC)
	tn := auth0apitest.New(auth0apitest.Options{Users: 300, Seed: 4, Now: func() time.Time { return now }})
	e := serve(t, tn)
	users := allUsers(t, tn)
	if len(users) < 300 {
		t.Fatalf("%d users, want the 300 seeded and the fixtures", len(users))
	}
	recent := 0
	for _, u := range users {
		id := u["user_id"].(string)
		created := parseStamp(t, id+" created_at", u["created_at"])
		updated := parseStamp(t, id+" updated_at", u["updated_at"])
		if created.After(updated) || updated.After(now) {
			t.Errorf("%s: created %v, updated %v, clock %v", id, created, updated, now)
		}
		if u["last_login"] == nil {
			continue
		}
		last := parseStamp(t, id+" last_login", u["last_login"])
		if last.After(now) || last.Before(created) {
			t.Errorf("%s: last login %v outside [%v, %v]", id, last, created, now)
		}
		if now.Sub(last) <= 7*24*time.Hour {
			recent++
		}
	}
	if recent < len(users)/10 {
		t.Errorf("%d of %d users logged in within the last week; the demo should look alive", recent, len(users))
	}

	ada, _ := tn.User(auth0apitest.FixtureUserID)
	if got := parseStamp(t, "Ada's last login", ada["last_login"]); got != now.Add(-48*time.Hour) {
		t.Errorf("Ada's last login = %v, want two days before the clock (%v)", got, now.Add(-48*time.Hour))
	}

	// Factors and logs of every user with a last login: nothing after the clock, and factors
	// were last used no later than the last login; Ada's newest log event is her last login.
	for _, u := range users {
		if u["last_login"] == nil {
			continue
		}
		id := u["user_id"].(string)
		last := parseStamp(t, id+" last_login", u["last_login"])
		for _, m := range e.call(t, "GET", "/users/"+esc(id)+"/authentication-methods", nil).array(t) {
			m := m.(map[string]any)
			if parseStamp(t, id+" factor created_at", m["created_at"]).After(now) {
				t.Errorf("%s: factor %v created in the future", id, m["id"])
			}
			if used, ok := m["last_auth_at"]; ok && parseStamp(t, id+" factor last_auth_at", used).After(last) {
				t.Errorf("%s: factor %v last used %v, after the last login %v", id, m["id"], used, last)
			}
		}
		for _, l := range e.call(t, "GET", "/users/"+esc(id)+"/logs?per_page=100", nil).array(t) {
			if at := parseStamp(t, id+" log date", l.(map[string]any)["date"]); at.After(now) {
				t.Errorf("%s: log event at %v, after the clock", id, at)
			}
		}
	}
	adaLogs := e.call(t, "GET", "/users/"+esc(auth0apitest.FixtureUserID)+"/logs?per_page=1", nil).array(t)
	if len(adaLogs) != 1 || parseStamp(t, "Ada's newest log", adaLogs[0].(map[string]any)["date"]) != now.Add(-48*time.Hour) {
		t.Errorf("Ada's newest log event is not her last login: %v", adaLogs)
	}

	// Same seed, a clock 30 days later: the same users, every date 30 days later.
	later := auth0apitest.New(auth0apitest.Options{Users: 300, Seed: 4, Now: func() time.Time { return now.Add(30 * 24 * time.Hour) }})
	for _, id := range []string{auth0apitest.FixtureUserID, firstSeededID(t, tn)} {
		a, _ := tn.User(id)
		b, ok := later.User(id)
		if !ok {
			t.Fatalf("%s is missing from the same seed with a later clock", id)
		}
		for _, field := range []string{"created_at", "updated_at", "last_login"} {
			if d := parseStamp(t, id+" "+field, b[field]).Sub(parseStamp(t, id+" "+field, a[field])); d != 30*24*time.Hour {
				t.Errorf("%s %s moved by %v with a clock 30 days later, want 720h", id, field, d)
			}
		}
	}
}
