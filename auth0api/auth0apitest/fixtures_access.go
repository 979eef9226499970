package auth0apitest

import (
	"math/rand/v2"
	"time"
)

// The fixtures' account-security data (issue 12), the same in every tenant (dates relative to
// its clock), for tests and the demo to rely on. Seeded users (Options.Users) have more: most
// who logged in within the last 30 days have sessions (up to four devices) and refresh tokens,
// and about one database user in fifty is locked out (Tenant.LockedOutUsers lists them).
//
//   - Ada Lovelace (FixtureUserID) has three sessions, three refresh tokens and four grants
//     (Acme Portal, Acme Mobile, Acme Billing and the third-party Reports Exporter). She is not
//     locked out.
//   - Grace Hopper (FixtureSocialUserID) has one session (Google, then a one-time code) and the
//     Acme Portal grant.
//   - Barbara Liskov (FixtureLockedOutUserID, the slash id) is locked out twice: her e-mail
//     from FixtureLockedOutIP since three days, her username "barbara" from 198.51.100.23
//     since one day; her logs hold the failed logins and "limit_wc" events of both.
//   - FixtureOrphanBlockIdentifier is locked out though no user has it.
//   - Charles Babbage is blocked by an administrator (blocked: true) but not locked out; Alan
//     Turing, Edsger Dijkstra and Charles have no sessions, refresh tokens or grants.
//
// In the dashboard's demo tenant (300 users, seed 4) the locked-out seeded users are, by
// e-mail, those DemoLockedOutEmails returns. Which users are locked out depends on Options.Seed and
// Options.Users only; their dates follow the clock.
const (
	// FixtureSessionID is Ada's newest session: Edge on Windows, opened at her last login two
	// days ago with her password and a one-time code, used three hours ago by Acme Portal.
	FixtureSessionID = "Hk2vQ8sLr4Tn9WcB6yXe1MpZ3aFd7GjU"
	// FixturePhoneSessionID is Ada's iPhone (Mobile Safari), opened five days ago with her
	// passkey, used by Acme Portal and Acme Mobile five hours ago;
	// FixtureRefreshTokenID was issued in it.
	FixturePhoneSessionID = "Pq7wE3rT9yU1iO5pA2sD8fG4hJ6kL0zX"
	// FixtureOldSessionID is Ada's Firefox on Ubuntu, opened eight days ago (password and one-time
	// code), last used four days ago; the Reports Exporter's token was issued in it.
	FixtureOldSessionID = "Zm4nB8vC2xL6kJ0hG5fD9sA3qW7eR1tY"
	// FixtureRefreshTokenID is Ada's rotating Acme Mobile refresh token (Orders API), issued in
	// FixturePhoneSessionID.
	FixtureRefreshTokenID = "Rt5Yh2Nk8Wq3Lp9Vc6Xm1Bz4Sd7Fg0Ja"
	// FixtureDesktopRefreshTokenID is Ada's Acme Billing desktop token (Billing API): not
	// rotating, non-expiring, issued 200 days ago outside any recorded session, used yesterday.
	FixtureDesktopRefreshTokenID = "Dk9Lm3Np7Qr1St5Uv2Wx6Yz0Ab4Cd8Ef"
	// FixtureThirdPartyRefreshTokenID is Ada's Reports Exporter token (Reports API), issued in
	// FixtureOldSessionID, not rotating.
	FixtureThirdPartyRefreshTokenID = "Tp6Gh1Jk5Lm9Nb3Vc7Xz2As8Df4Qw0Er"
	// FixtureGrantID is Ada's consent to the third-party Reports Exporter (Reports API).
	FixtureGrantID = "65f1c0ffee0ddba11ad0a001"
	// FixtureLockedOutUserID is Barbara Liskov (FixtureSlashUserID), locked out by brute-force
	// protection.
	FixtureLockedOutUserID = FixtureSlashUserID
	// FixtureLockedOutIP is the address Barbara's e-mail is blocked from.
	FixtureLockedOutIP = "203.0.113.77"
	// FixtureOrphanBlockIdentifier is an e-mail address locked out (from 192.0.2.66) that no
	// user has: only a lookup by identifier finds it.
	FixtureOrphanBlockIdentifier = "root@example.com"
)

// DemoLockedOutEmails returns the e-mails of the seeded users locked out in a tenant of 300
// users with seed 4 (the demo's), each blocked from one IP address.
func DemoLockedOutEmails() []string {
	return []string{
		"jules.watanabe101@example.com", "louis.rodriguez208@example.org", "leo.garcia264@example.org",
		"aino.dubois273@example.com", "astrid.rossi276@corp.example", "giulia.muller279@mail.example",
		"astrid.petrov288@mail.example",
	}
}

// seedAccessFixtures adds the fixtures' sessions, refresh tokens, grants and lockouts. Ada's
// and Grace's sessions are opened by successful logins of their logs, so each has the login's
// time, IP address, place and browser.
func (d *directory) seedAccessFixtures() {
	r := rand.New(rand.NewPCG(0xac, 0xce55))
	apps := d.apps()
	ago := func(dur time.Duration) time.Time { return d.anchor.Add(-dur) }

	ada := d.users[FixtureUserID]
	logins := successes(ada.extra.logs) // Edge/Windows 2 days ago, iPhone 5 days ago, Firefox/Ubuntu 8 days ago, ...
	laptop := d.newSession(FixtureSessionID, ada.obj, ada.extra, logins[0], ago(3*time.Hour), "", PortalClientID)
	phone := d.newSession(FixturePhoneSessionID, ada.obj, ada.extra, logins[1], ago(5*time.Hour), "", PortalClientID, MobileClientID)
	firefox := d.newSession(FixtureOldSessionID, ada.obj, ada.extra, logins[2], ago(4*24*time.Hour), "", PortalClientID)
	ada.extra.sessions = []map[string]any{laptop, phone, firefox}
	phoneLogin := logins[1]
	ada.extra.tokens = []map[string]any{
		d.newRefreshToken(FixtureRefreshTokenID, ada.obj, apps[MobileClientID], phone, parseStamp(phone["created_at"]), ago(5*time.Hour),
			true, str(phoneLogin["user_agent"]), str(phoneLogin["ip"]), eventASN(phoneLogin)),
		d.newRefreshToken(FixtureDesktopRefreshTokenID, ada.obj, apps[DesktopClientID], nil, ago(200*24*time.Hour), ago(26*time.Hour),
			false, "", "81.2.69.160", "2856"),
		d.newRefreshToken(FixtureThirdPartyRefreshTokenID, ada.obj, apps[ThirdPartyClientID], firefox, parseStamp(firefox["created_at"]),
			ago(2*24*time.Hour), false, "", "192.0.2.150", "16509"),
	}
	ada.extra.grants = []map[string]any{
		newGrant(randomFrom(r, hexDigits, 24), ada.obj, apps[PortalClientID]),
		newGrant(randomFrom(r, hexDigits, 24), ada.obj, apps[MobileClientID]),
		newGrant(randomFrom(r, hexDigits, 24), ada.obj, apps[DesktopClientID]),
		newGrant(FixtureGrantID, ada.obj, apps[ThirdPartyClientID]),
	}
	d.indexAccess(ada)

	grace := d.users[FixtureSocialUserID]
	gl := successes(grace.extra.logs)
	grace.extra.sessions = []map[string]any{
		d.newSession(randomFrom(r, alnum, 32), grace.obj, grace.extra, gl[0], ago(26*time.Hour), "", PortalClientID),
	}
	grace.extra.grants = []map[string]any{newGrant(randomFrom(r, hexDigits, 24), grace.obj, apps[PortalClientID])}
	d.indexAccess(grace)

	barbara := d.users[FixtureSlashUserID]
	for _, b := range []*bruteForceBlock{
		{identifier: "barbara.liskov@example.org", ip: FixtureLockedOutIP, connection: DatabaseConnection, at: ago(3 * 24 * time.Hour), user: FixtureSlashUserID},
		{identifier: "barbara", ip: "198.51.100.23", connection: DatabaseConnection, at: ago(25 * time.Hour), user: FixtureSlashUserID},
	} {
		d.blocks = append(d.blocks, b)
		barbara.extra.logs = append(barbara.extra.logs, d.lockoutEvents(r, barbara.obj, b)...)
	}
	sortLogsNewestFirst(barbara.extra.logs)
	d.blocks = append(d.blocks, &bruteForceBlock{identifier: FixtureOrphanBlockIdentifier, ip: "192.0.2.66",
		connection: DatabaseConnection, at: ago(6 * time.Hour)})
}

// successes returns the successful logins ("s") of logs, newest first.
func successes(logs []map[string]any) []map[string]any {
	var out []map[string]any
	for _, ev := range logs {
		if ev["type"] == "s" {
			out = append(out, ev)
		}
	}
	return out
}
