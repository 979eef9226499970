package views

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"strconv"
	"strings"
	"time"

	"userdesk/auth0api"
)

// Words for the account-security sections (issue 12): devices from User-Agent strings, how a
// person authenticated, lockouts, expiry.

// DeviceWords says what a User-Agent is in words: "Edge on Windows", "Safari on iPhone",
// "AcmeMobile 4.2.1 on iPhone", or "" when there is none. It reads the common browsers and
// systems only; anything else is its first product token ("curl/8.5.0" → "curl 8.5.0").
func DeviceWords(ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return ""
	}
	system := uaSystem(ua)
	browser := uaBrowser(ua)
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return uaProduct(ua) + " on " + system
	}
	return uaProduct(ua)
}

// uaSystem names the operating system or device of a User-Agent.
func uaSystem(ua string) string {
	for _, s := range []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"CrOS", "ChromeOS"}, {"Ubuntu", "Ubuntu"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			return s.name
		}
	}
	return ""
}

// uaBrowser names the browser of a User-Agent, the more specific tokens first (Edge and Opera
// also say Chrome and Safari; Chrome also says Safari).
func uaBrowser(ua string) string {
	if !strings.HasPrefix(ua, "Mozilla/") {
		return "" // a native application or a tool
	}
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"}, {"CriOS/", "Chrome"},
		{"Chrome/", "Chrome"}, {"Mobile/", "Mobile Safari"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			return b.name
		}
	}
	return "a browser"
}

// uaProduct is a User-Agent's first product token in words: "AcmeMobile/4.2.1" → "AcmeMobile
// 4.2.1".
func uaProduct(ua string) string {
	first, _, _ := strings.Cut(ua, " ")
	name, version, _ := strings.Cut(first, "/")
	if version != "" {
		return name + " " + version
	}
	return name
}

// deviceOf is the device a session or refresh token was last used on, with where it started
// when that differs.
func deviceOf(d auth0api.Device) string {
	last := DeviceWords(d.LastUserAgent)
	first := DeviceWords(d.InitialUserAgent)
	switch {
	case last == "" && first == "":
		return "unknown device"
	case last == "":
		return first
	case first == "" || first == last:
		return last
	}
	return last + " (started on " + first + ")"
}

// DeviceOf is deviceOf for handlers (the audit trail names the device of what was ended).
func DeviceOf(d auth0api.Device) string { return deviceOf(d) }

// authWords says how a person authenticated in a session: "password, then one-time code".
func authWords(a auth0api.SessionAuthentication) string {
	var parts []string
	for _, m := range a.Methods {
		var w string
		switch m.Name {
		case "pwd":
			w = "password"
		case "passkey":
			w = "passkey"
		case "federated":
			w = "identity provider"
		case "sms":
			w = "SMS code"
		case "email":
			w = "e-mail code"
		case "mock":
			w = "test sign-in"
		case "mfa":
			w = mfaFactorWords(m.Type)
		default:
			w = m.Name
		}
		if w != "" && (len(parts) == 0 || parts[len(parts)-1] != w) {
			parts = append(parts, w)
		}
	}
	if len(parts) == 0 {
		return "not recorded"
	}
	return strings.Join(parts, ", then ")
}

// mfaFactorWords names the factor of an "mfa" authentication signal.
func mfaFactorWords(t string) string {
	switch t {
	case "otp":
		return "one-time code (app)"
	case "sms":
		return "SMS code (MFA)"
	case "voice":
		return "voice call (MFA)"
	case "email":
		return "e-mail code (MFA)"
	case "push-notification":
		return "push notification"
	case "webauthn-roaming":
		return "security key"
	case "webauthn-platform":
		return "device biometrics"
	case "recovery-code":
		return "recovery code"
	case "":
		return "a second factor"
	}
	return t + " (MFA)"
}

// expiryWords says when a session or token ends: the sooner of its idle and absolute expiry.
func expiryWords(idle, absolute time.Time) (time.Time, string) {
	switch {
	case idle.IsZero() && absolute.IsZero():
		return time.Time{}, "does not expire"
	case idle.IsZero() || (!absolute.IsZero() && absolute.Before(idle)):
		return absolute, ""
	}
	if absolute.IsZero() {
		return idle, "if unused"
	}
	return idle, "if unused; at the latest " + formatTime(absolute)
}

// placeID is the DOM id of a session row's place cell (filled out of band from the logs).
func placeID(i int) string { return "session-place-" + strconv.Itoa(i) }

// sinceID is the DOM id of a lockout's "since" (filled out of band from the logs).
func sinceID(i int) string { return "lockout-since-" + strconv.Itoa(i) }

// lockoutWhere is "from IP 203.0.113.77", or "from every address" for an account lockout.
func lockoutWhere(b auth0api.UserBlock) string {
	if b.IP == "" {
		return "from every address"
	}
	return "from IP " + b.IP
}

// LockoutDetail summarises lockouts for the summary's chip: "from 203.0.113.77", "from 2
// addresses".
func LockoutDetail(blocks []auth0api.UserBlock) string {
	ips := map[string]bool{}
	for _, b := range blocks {
		ips[b.IP] = true
	}
	switch {
	case len(blocks) == 0:
		return ""
	case ips[""]:
		return "from every address"
	case len(ips) == 1:
		return "from " + blocks[0].IP
	}
	return fmt.Sprintf("from %d addresses", len(ips))
}

// LockoutSince is when a lockout began: the time of the last brute-force event ("limit_wc")
// for its identifier and address among the user's log events, as Auth0 logs them.
type LockoutSince struct {
	// Index is the lockout's place in the section's list.
	Index int
	// At is when it began; zero when the events at hand do not say.
	At time.Time
}

// SessionPlace is where a session began, from the successful login that opened it.
type SessionPlace struct {
	// Index is the session's row in the section.
	Index int
	// Place is "Berlin, Germany", "" when no login event matched.
	Place string
}

// placeWords is a log event's place, for a session.
func placeWords(l auth0api.LocationInfo) string { return logPlace(l) }

// PlaceOf is where a log event happened in words ("Berlin, Germany").
func PlaceOf(l auth0api.LocationInfo) string { return placeWords(l) }

// clientList names the applications of a session.
func clientList(cs []auth0api.SessionClient) string {
	var ids []string
	for _, c := range cs {
		if c.ClientID != "" {
			ids = append(ids, c.ClientID)
		}
	}
	if len(ids) == 0 {
		return "—"
	}
	return strings.Join(ids, ", ")
}

// audiences lists a refresh token's APIs.
func audiences(rs []auth0api.RefreshTokenResourceServer) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Audience)
	}
	return out
}

// rowKey is a short stable key for a row's DOM id, from an id Auth0 chose (which may hold any
// character): "k" and 12 hex digits.
func rowKey(id string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	return fmt.Sprintf("k%012x", h.Sum64()&0xffffffffffff)
}

// withQuery adds query values to a section URL.
func withQuery(u string, v url.Values) string {
	if len(v) == 0 {
		return u
	}
	return u + "?" + v.Encode()
}

// CheckpointPager places one page of a checkpoint-paged list (sessions, refresh tokens):
// next with the page's checkpoint, back to the first page; Auth0 gives no way back one page.
func CheckpointPager(userID string, sec Section, noun string, start, count, total int, next string, full bool) Pager {
	pg := Pager{Section: sec, Noun: noun, Start: start, Count: count, Total: total}
	if start > 0 {
		pg.PrevURL = SectionURL(userID, sec)
	}
	more := full && next != ""
	if total > 0 {
		more = total > start+count && next != ""
	}
	if more {
		pg.NextURL = withQuery(SectionURL(userID, sec), url.Values{"from": {next}, "start": {strconv.Itoa(start + count)}})
	}
	return pg
}

// linkConnections lists a user's sign-ins: "Username-Password-Authentication (auth0)".
func linkConnections(u auth0api.User) string {
	var parts []string
	for _, id := range u.Identities {
		parts = append(parts, id.Connection+" ("+id.Provider+")")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// metadataWords counts a user's metadata keys: "2 user metadata keys, no app metadata".
func metadataWords(u auth0api.User) string {
	count := func(n int, what string) string {
		switch n {
		case 0:
			return "no " + what
		case 1:
			return "1 " + what + " key"
		}
		return strconv.Itoa(n) + " " + what + " keys"
	}
	return count(len(u.UserMetadata), "user metadata") + ", " + count(len(u.AppMetadata), "app metadata")
}

// mayLink reports whether the page offers linking and unlinking.
func (d UserPageData) mayLink() bool { return d.Can.Link && !d.Self }
