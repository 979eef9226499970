package auth0apitest

// PartnerAcme is the app_metadata.partner value of the partner company Acme's users: every user of
// the acme-saml connection (Alan Turing among the fixtures) and every ninth seeded database user (as
// if Acme's partner admins had created them with the stamp of the demo policy, package policy). The
// seeded users' app_metadata.region is "emea", "amer" or "apac" (the fixtures: Ada Lovelace, Alan
// Turing and Charles Babbage "emea", Grace Hopper "amer"), for the demo policy's regional helpdesk.
const PartnerAcme = "acme"

// stampPartner sets app_metadata.partner on seeded user i of connection conn when it is one of
// Acme's. It draws no random number, so every other field of every user stays as it was.
func stampPartner(u map[string]any, i int, conn string) {
	if conn == EnterpriseConnection || (conn == DatabaseConnection && i%9 == 0) {
		u["app_metadata"].(map[string]any)["partner"] = PartnerAcme
	}
}
