package auth0apitest

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// logKind describes one of the common log event types.
type logKind struct {
	code, description string
}

var (
	logSuccess   = logKind{"s", "Successful login"}
	logLogout    = logKind{"slo", "User successfully logged out"}
	logFailed    = []logKind{{"f", "Failed login"}, {"fp", "Wrong email or password."}, {"fu", "Invalid user"}}
	logOccasions = []logKind{
		{"scp", "Success Change Password"}, {"sv", "Success Verification Email"},
		{"sapi", "Update a User"}, {"fapi", "Insufficient scope"},
		{"gd_auth_succeed", "MFA authentication succeeded"}, {"gd_auth_failed", "MFA authentication failed"},
		{"gd_enrollment_complete", "Guardian enrollment complete"}, {"gd_send_sms", "SMS sent"},
		{"gd_recovery_succeed", "Recovery code used"}, {"limit_wc", "Blocked account"},
	}
)

// logID returns a 56-digit Auth0 log id for an event at when.
func logID(r *rand.Rand, when time.Time) string {
	return "900" + when.UTC().Format("20060102150405") + randomFrom(r, digits, 6) +
		"000000000000001223372" + randomFrom(r, digits, 12)
}

// logEvent builds one event for user u.
func logEvent(r *rand.Rand, d *directory, u map[string]any, kind logKind, when time.Time) map[string]any {
	id := logID(r, when)
	identity, _ := firstIdentity(u)
	connName := str(identity["connection"])
	conn := d.connection(connName)
	loc := cities[r.IntN(len(cities))]
	ev := map[string]any{
		"_id": id, "log_id": id, "date": stamp(when), "type": kind.code, "description": kind.description,
		"client_id": "userdesk-demo-app", "client_name": "Acme Portal",
		"ip":       fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254)),
		"hostname": "login.example.com", "user_id": str(u["user_id"]), "user_name": str(u["email"]),
		"user_agent": userAgents[r.IntN(len(userAgents))], "isMobile": r.IntN(4) == 0,
		"details": map[string]any{"prompts": []any{}, "completedAt": float64(when.UnixMilli()), "elapsedTime": float64(200 + r.IntN(2000))},
		"location_info": map[string]any{
			"country_code": loc.code, "country_name": loc.country, "city_name": loc.city, "time_zone": loc.tz,
		},
	}
	if conn != nil {
		ev["connection"] = connName
		ev["connection_id"] = str(conn.obj["id"])
		ev["strategy"] = conn.strategy
		switch {
		case conn.database:
			ev["strategy_type"] = "database"
		case conn.social:
			ev["strategy_type"] = "social"
		case conn.strategy == "email":
			ev["strategy_type"] = "passwordless"
		default:
			ev["strategy_type"] = "enterprise"
		}
	}
	if kind.code == "sapi" || kind.code == "fapi" {
		ev["client_name"] = "userdesk"
		ev["audience"] = d.baseURL + "/api/v2/"
		ev["scope"] = "read:users update:users"
		delete(ev, "location_info")
	}
	return ev
}

// generateLogs builds a seeded user's recent log events, newest first:
// logins and logouts up to the last login, some failures and occasional
// password, verification, API and MFA events.
func generateLogs(r *rand.Rand, u map[string]any, d *directory) []map[string]any {
	last, err := time.Parse(timeFormat, str(u["last_login"]))
	if err != nil {
		return nil
	}
	created, _ := time.Parse(timeFormat, str(u["created_at"]))
	logins, _ := u["logins_count"].(float64)
	n := min(int(logins), 12)
	var logs []map[string]any
	when := last
	for i := range n {
		if i > 0 && r.IntN(3) == 0 {
			if out := when.Add(time.Duration(5+r.IntN(300)) * time.Minute); !out.After(d.anchor) {
				logs = append(logs, logEvent(r, d, u, logLogout, out))
			}
		}
		logs = append(logs, logEvent(r, d, u, logSuccess, when))
		if r.IntN(4) == 0 {
			logs = append(logs, logEvent(r, d, u, logFailed[r.IntN(len(logFailed))], when.Add(-time.Duration(1+r.IntN(90))*time.Second)))
		}
		if r.IntN(5) == 0 {
			logs = append(logs, logEvent(r, d, u, logOccasions[r.IntN(len(logOccasions))], when.Add(-time.Duration(1+r.IntN(3000))*time.Minute)))
		}
		when = when.Add(-time.Duration(1+r.IntN(240)) * time.Hour)
		if when.Before(created) {
			break
		}
	}
	sortLogsNewestFirst(logs)
	return logs
}

// sortLogsNewestFirst orders events by date, newest first (dates are
// fixed-width ISO strings, so they compare as strings).
func sortLogsNewestFirst(logs []map[string]any) {
	for i := 1; i < len(logs); i++ {
		for j := i; j > 0 && str(logs[j]["date"]) > str(logs[j-1]["date"]); j-- {
			logs[j], logs[j-1] = logs[j-1], logs[j]
		}
	}
}

// firstIdentity returns the user's primary identity.
func firstIdentity(u map[string]any) (map[string]any, bool) {
	ids, _ := u["identities"].([]any)
	if len(ids) == 0 {
		return map[string]any{}, false
	}
	m, ok := ids[0].(map[string]any)
	return m, ok
}
