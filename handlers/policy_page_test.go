package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// TestPolicyPage: admins see the effective policy: each group, its members, its reach and
// actions in words, and who of its members is signed in now; the regional helpdesk's reach is
// what its search page says it can see.
func TestPolicyPage(t *testing.T) {
	a := matrixApp(t)
	emea := a.signIn(t, "emea")
	admin := a.signIn(t, "admin")
	resp, body := admin.get(t, "/policy")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /policy = %d:\n%.400s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`id="group-emea"`, "userdesk-helpdesk-emea", `app_metadata.region is emea`,
		"<code>reset_mfa</code>", "Never changes holders of tenant-admin",
		`id="nav-policy"`, "Erin Emea (emea@userdesk.test)", "Ada Admin (admin@userdesk.test)",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("policy page lacks %q", want)
		}
	}
	_, search := emea.get(t, "/users")
	if !strings.Contains(search, `id="search-reach"`) || !strings.Contains(search, "app_metadata.region is emea") {
		t.Errorf("the regional helpdesk's search does not say what it reaches:\n%.2000s", search)
	}
	if _, users := admin.get(t, "/users"); strings.Contains(users, `id="search-reach"`) {
		t.Error("an admin who reaches every user is told about a reach")
	}
}
