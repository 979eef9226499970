package auth0apitest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Account security data (issue 12): the applications people sign in to, and the seeded login
// sessions, refresh tokens, grants and brute-force lockouts, all dated relative to the
// tenant's clock like the rest of the seed.

// The tenant's session and refresh-token settings, which the seeded data follows. Auth0 makes
// them configurable per tenant (idle and absolute session lifetimes) and per application
// (refresh-token rotation); these are a plausible Enterprise configuration, and the rotating
// lifetimes are Auth0's defaults.
const (
	sessionIdle      = 7 * 24 * time.Hour  // a session unused this long ends
	sessionLifetime  = 30 * 24 * time.Hour // a session ends this long after login in any case
	rotatingIdle     = 15 * 24 * time.Hour // a rotating refresh token unused this long expires
	rotatingLifetime = 30 * 24 * time.Hour // a rotating refresh token expires this long after issue
	// bruteForceThreshold is how many failed logins from one IP lock an identifier out (Auth0's
	// default, auth0-staff-and-account-security.md §5.1).
	bruteForceThreshold = 10
)

// The client ids of the applications the tenant's users sign in to. Sessions name them in
// "clients", refresh tokens in "client_id" and grants in "clientID".
const (
	// PortalClientID is "Acme Portal", the web application (logins in the logs name it).
	PortalClientID = "userdesk-demo-app"
	// MobileClientID is "Acme Mobile", a native app holding rotating refresh tokens for the
	// Orders API.
	MobileClientID = "acme-mobile-app"
	// DesktopClientID is "Acme Billing", a desktop app holding non-rotating refresh tokens for
	// the Billing API.
	DesktopClientID = "acme-billing-desktop"
	// ThirdPartyClientID is "Reports Exporter", a third-party application users consented to,
	// holding refresh tokens for the Reports API.
	ThirdPartyClientID = "reports-exporter"
)

// application is what the seed knows of one application: the API it calls (empty: the user's
// profile only, /userinfo), the scopes its users consent to, and the User-Agent of its native
// client (empty for the browser).
type application struct {
	clientID string
	audience string
	scopes   []string
	agent    string
}

// apps returns the tenant's applications.
func (d *directory) apps() map[string]application {
	return map[string]application{
		PortalClientID: {PortalClientID, d.baseURL + "/userinfo", []string{"openid", "profile", "email"}, ""},
		MobileClientID: {MobileClientID, "https://api.acme.example/orders",
			[]string{"openid", "profile", "offline_access", "read:orders", "create:orders"}, "AcmeMobile/4.2.1"},
		DesktopClientID: {DesktopClientID, "https://api.acme.example/billing",
			[]string{"openid", "profile", "offline_access", "read:invoices", "create:invoices"}, "AcmeBilling/2.3.0 (Windows NT 10.0; Win64; x64)"},
		ThirdPartyClientID: {ThirdPartyClientID, "https://api.acme.example/reports",
			[]string{"openid", "offline_access", "read:reports", "export:reports"}, "ReportsExporter/1.8 (+https://reports.example)"},
	}
}

// rawUserAgents are the User-Agent headers behind userAgents (which is how Auth0's logs show
// them), index for index: sessions and refresh tokens carry the header itself.
var rawUserAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
	"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
}

// rawUserAgent returns the User-Agent header behind a log event's parsed user agent.
func rawUserAgent(parsed string) string {
	if i := slices.Index(userAgents, parsed); i >= 0 {
		return rawUserAgents[i]
	}
	return parsed
}

// mobileAgent reports whether a log event's parsed user agent is a phone's browser.
func mobileAgent(parsed string) bool { return strings.Contains(parsed, "Mobile") }

// nativeAgent is the User-Agent of an application's native client on the device a browser
// session ran on ("AcmeMobile/4.2.1 (iPhone; iOS 18.1)").
func nativeAgent(app application, parsed string) string {
	switch {
	case app.clientID != MobileClientID:
		return app.agent
	case strings.Contains(parsed, "iOS"):
		return app.agent + " (iPhone; iOS 18.1; Scale/3.00)"
	default:
		return app.agent + " (Linux; Android 14; Pixel 8)"
	}
}

// cityASNs are plausible autonomous systems (large consumer ISPs) for the seed's cities.
var cityASNs = map[string]string{
	"London": "2856", "Paris": "3215", "Berlin": "3320", "New York": "7922", "San Francisco": "7018",
	"Tokyo": "2516", "São Paulo": "28573", "Lagos": "29465", "Bengaluru": "24560", "Sydney": "1221",
}

// eventASN returns the ASN of a log event's place.
func eventASN(ev map[string]any) string {
	loc, _ := ev["location_info"].(map[string]any)
	if asn, ok := cityASNs[str(loc["city_name"])]; ok {
		return asn
	}
	return "13335"
}

func randomIP(r *rand.Rand) string {
	return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
}

// parseStamp reads a seeded timestamp (the zero time for anything else).
func parseStamp(v any) time.Time {
	t, _ := time.Parse(timeFormat, str(v))
	return t
}

// mfaFactors maps authentication-method types to the factor names of a session's "mfa" signal.
var mfaFactors = map[string]string{
	"totp": "otp", "phone": "sms", "push": "push-notification", "email": "email",
	"webauthn-roaming": "webauthn-roaming", "webauthn-platform": "webauthn-platform",
}

// sessionMethods says how the user authenticated at a login at: with the connection's first
// factor (a password, a passkey on a phone when the user has one, an e-mail code, or a
// federated identity provider), then, for users with MFA, a second factor 20 seconds later.
func (d *directory) sessionMethods(u map[string]any, x *userExtra, at time.Time, mobile bool) []any {
	ident, _ := firstIdentity(u)
	first := "pwd"
	if conn := d.connection(str(ident["connection"])); conn != nil {
		switch {
		case conn.social, conn.strategy == "samlp":
			first = "federated"
		case conn.strategy == "email":
			first = "email"
		}
	}
	if first == "pwd" && mobile && slices.ContainsFunc(x.methods, func(m map[string]any) bool { return m["type"] == "passkey" }) {
		first = "passkey"
	}
	out := []any{map[string]any{"name": first, "timestamp": stamp(at)}}
	if _, mfa := u["multifactor"]; !mfa || first == "passkey" {
		return out
	}
	factor := "otp"
	for _, m := range x.methods {
		if f, ok := mfaFactors[str(m["type"])]; ok {
			factor = f
			break
		}
	}
	return append(out, map[string]any{"name": "mfa", "timestamp": stamp(at.Add(20 * time.Second)), "type": factor})
}

// newSession builds the session a successful login event opened: its time, IP address, place
// (ASN) and browser, used by clients, last used at last (from the same device, or, roaming,
// from lastIP).
func (d *directory) newSession(id string, u map[string]any, x *userExtra, ev map[string]any, last time.Time, lastIP string, clients ...string) map[string]any {
	at := parseStamp(ev["date"])
	agent := rawUserAgent(str(ev["user_agent"]))
	asn := eventASN(ev)
	lastASN := asn
	if lastIP == "" {
		lastIP = str(ev["ip"])
	} else {
		lastASN = "16509"
	}
	cs := make([]any, 0, len(clients))
	for _, c := range clients {
		cs = append(cs, map[string]any{"client_id": c})
	}
	return map[string]any{
		"id": id, "user_id": str(u["user_id"]),
		"created_at": stamp(at), "updated_at": stamp(last), "authenticated_at": stamp(at),
		"idle_expires_at": stamp(last.Add(sessionIdle)), "expires_at": stamp(at.Add(sessionLifetime)),
		"last_interacted_at": stamp(last),
		"device": map[string]any{
			"initial_user_agent": agent, "initial_ip": str(ev["ip"]), "initial_asn": asn,
			"last_user_agent": agent, "last_ip": lastIP, "last_asn": lastASN,
		},
		"clients":        cs,
		"authentication": map[string]any{"methods": d.sessionMethods(u, x, at, mobileAgent(str(ev["user_agent"])))},
	}
}

// newRefreshToken builds the description of a refresh token app was issued for the user at
// created, last exchanged at used, in session (nil for a token issued outside any session Auth0
// still records). Rotating tokens expire (Auth0's default lifetimes); the others do not.
func (d *directory) newRefreshToken(id string, u map[string]any, app application, session map[string]any, created, used time.Time, rotating bool, parsedAgent, ip, asn string) map[string]any {
	var sessionID, idle, expires any
	if session != nil {
		sessionID = session["id"]
	}
	if rotating {
		idle, expires = stamp(used.Add(rotatingIdle)), stamp(created.Add(rotatingLifetime))
	}
	agent := nativeAgent(app, parsedAgent)
	return map[string]any{
		"id": id, "user_id": str(u["user_id"]), "created_at": stamp(created),
		"idle_expires_at": idle, "expires_at": expires, "last_exchanged_at": stamp(used),
		"device": map[string]any{
			"initial_ip": ip, "initial_asn": asn, "initial_user_agent": agent,
			"last_ip": ip, "last_asn": asn, "last_user_agent": agent,
		},
		"client_id": app.clientID, "session_id": sessionID, "rotating": rotating,
		"resource_servers": []any{map[string]any{"audience": app.audience, "scopes": strings.Join(app.scopes, " ")}},
	}
}

// newGrant builds the consent the user gave app.
func newGrant(id string, u map[string]any, app application) map[string]any {
	scope := make([]any, 0, len(app.scopes))
	for _, s := range app.scopes {
		scope = append(scope, s)
	}
	return map[string]any{"id": id, "clientID": app.clientID, "user_id": str(u["user_id"]), "audience": app.audience, "scope": scope}
}

// grantsFor builds one grant per application the user holds refresh tokens of, plus the
// portal's when the user ever logged in.
func (d *directory) grantsFor(r *rand.Rand, u map[string]any, x *userExtra) []map[string]any {
	apps := d.apps()
	var clients []string
	if n, _ := u["logins_count"].(float64); n > 0 {
		clients = append(clients, PortalClientID)
	}
	for _, tok := range x.tokens {
		if c := str(tok["client_id"]); !slices.Contains(clients, c) {
			clients = append(clients, c)
		}
	}
	var grants []map[string]any
	for _, c := range clients {
		grants = append(grants, newGrant(randomFrom(r, hexDigits, 24), u, apps[c]))
	}
	return grants
}

// generateAccess adds a seeded user's lockout events, sessions, refresh tokens and grants:
// a session for most successful logins of the last 30 days (at most four devices), last used
// within the last six days; a rotating Acme Mobile token for most phone sessions; a legacy
// Acme Billing desktop token for about one user in seven; a Reports Exporter token for about
// one in twelve of those with a session; and the grants of those applications.
func (d *directory) generateAccess(rec *userRec, x *userExtra) {
	d.addLockoutEvents(rec, x)
	r := d.userRand(rec.seedIndex, 3)
	u := rec.obj
	apps := d.apps()
	for _, ev := range x.logs {
		if len(x.sessions) == 4 {
			break
		}
		if ev["type"] != "s" {
			continue
		}
		at := parseStamp(ev["date"])
		span := d.anchor.Sub(at)
		if span >= sessionLifetime {
			break // logs are newest first
		}
		if r.IntN(5) == 0 {
			continue // signed out since
		}
		last := d.anchor.Add(-time.Duration(r.Int64N(int64(min(span, 6*24*time.Hour)) + 1)))
		mobile := mobileAgent(str(ev["user_agent"]))
		clients := []string{str(ev["client_id"])}
		roam := ""
		if mobile {
			clients = append(clients, MobileClientID)
			if r.IntN(3) == 0 {
				roam = randomIP(r)
			}
		}
		s := d.newSession(randomFrom(r, alnum, 32), u, x, ev, last, roam, clients...)
		x.sessions = append(x.sessions, s)
		if mobile && r.IntN(10) < 7 {
			x.tokens = append(x.tokens, d.newRefreshToken(randomFrom(r, alnum, 32), u, apps[MobileClientID], s,
				at, last, true, str(ev["user_agent"]), str(ev["ip"]), eventASN(ev)))
		}
	}
	created := parseStamp(u["created_at"])
	if r.IntN(7) == 0 && d.anchor.Sub(created) > 90*24*time.Hour {
		issued := created.Add(time.Duration(r.Int64N(int64(d.anchor.Sub(created) - 60*24*time.Hour))))
		used := d.anchor.Add(-time.Duration(r.IntN(20*24)) * time.Hour)
		x.tokens = append(x.tokens, d.newRefreshToken(randomFrom(r, alnum, 32), u, apps[DesktopClientID], nil,
			issued, used, false, "", randomIP(r), "3320"))
	}
	if len(x.sessions) > 0 && r.IntN(12) == 0 {
		s := x.sessions[0]
		x.tokens = append(x.tokens, d.newRefreshToken(randomFrom(r, alnum, 32), u, apps[ThirdPartyClientID], s,
			parseStamp(s["created_at"]), parseStamp(s["last_interacted_at"]), false, "", randomIP(r), "16509"))
	}
	x.grants = d.grantsFor(r, u, x)
}

// bruteForceBlock is one brute-force protection block: identifier (an e-mail, username or
// phone number, as typed) may not log in from ip (every address when ip is empty) on
// connection since at. user is the user it was seeded for, to write the matching log events
// (empty for an identifier no user has); lookups go by identifier.
type bruteForceBlock struct {
	identifier string
	ip         string
	connection string
	at         time.Time
	user       string
}

// view is the block as Auth0 answers it (UserBlockIdentifier).
func (b *bruteForceBlock) view() map[string]any {
	out := map[string]any{"identifier": b.identifier, "connection": b.connection}
	if b.ip != "" {
		out["ip"] = b.ip
	}
	return out
}

// seedUserBlock locks about one seeded database user in fifty out: their e-mail (or, one time
// in three, username) is blocked from one IP address since some time in the last 20 days.
func (d *directory) seedUserBlock(i int, u map[string]any) {
	if ident, _ := firstIdentity(u); ident["connection"] != DatabaseConnection {
		return
	}
	r := d.userRand(i, 4)
	if r.IntN(50) != 0 {
		return
	}
	identifier := str(u["email"])
	if name, ok := u["username"].(string); ok && r.IntN(3) == 0 {
		identifier = name
	}
	at := d.anchor.Add(-time.Duration(1+r.IntN(20*24)) * time.Hour)
	d.blocks = append(d.blocks, &bruteForceBlock{identifier: identifier, ip: randomIP(r), connection: DatabaseConnection, at: at, user: str(u["user_id"])})
}

// addLockoutEvents writes, for each block seeded for the (seeded) user, what Auth0 logs: the
// failed logins from the blocked IP ("fp", one every 20 seconds, the threshold's worth) and
// the "limit_wc" (Blocked Account) event at the block's time.
func (d *directory) addLockoutEvents(rec *userRec, x *userExtra) {
	r := d.userRand(rec.seedIndex, 5)
	added := false
	for _, b := range d.blocks {
		if b.user == rec.id {
			x.logs = append(x.logs, d.lockoutEvents(r, rec.obj, b)...)
			added = true
		}
	}
	if added {
		sortLogsNewestFirst(x.logs)
	}
}

// lockoutEvents returns the log events of block b on user u. Auth0's sample limit_wc event
// (auth0-staff-and-account-security.md §5.3) has the attacked identifier in user_name and an
// empty user_id; the tenant keeps it in the user's logs, with the user's id, so that the
// dashboard can say since when the user is locked out.
func (d *directory) lockoutEvents(r *rand.Rand, u map[string]any, b *bruteForceBlock) []map[string]any {
	var evs []map[string]any
	var first map[string]any
	for k := bruteForceThreshold; k >= 1; k-- {
		ev := logEvent(r, d, u, logFailed[1], b.at.Add(-time.Duration(k)*20*time.Second))
		if first == nil {
			first = ev
		}
		ev["ip"], ev["user_name"] = b.ip, b.identifier
		ev["user_agent"], ev["location_info"], ev["isMobile"] = first["user_agent"], first["location_info"], false
		evs = append(evs, ev)
	}
	limit := logEvent(r, d, u, logKind{"limit_wc", fmt.Sprintf("User (%s) attempted %d consecutive logins unsuccessfully", b.identifier, bruteForceThreshold)}, b.at)
	limit["ip"], limit["user_name"] = b.ip, b.identifier
	limit["user_agent"], limit["location_info"], limit["isMobile"] = first["user_agent"], first["location_info"], false
	return append(evs, limit)
}

// indexAccess records the owner of the user's sessions, refresh tokens and grants.
func (d *directory) indexAccess(rec *userRec) {
	if rec.extra == nil {
		return
	}
	for _, s := range rec.extra.sessions {
		d.sessionOwner[str(s["id"])] = rec.id
	}
	for _, tok := range rec.extra.tokens {
		d.tokenOwner[str(tok["id"])] = rec.id
	}
	for _, g := range rec.extra.grants {
		d.grantOwner[str(g["id"])] = rec.id
	}
}
