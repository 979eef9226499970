package authapi

import (
	"fmt"
	"testing"

	"golang.org/x/oauth2"
)

// TestConcurrentSignIns runs many whole sign-ins in parallel (run it with -race), with a key
// rotation in the middle.
func TestConcurrentSignIns(t *testing.T) {
	const n = 40
	h := newHarness(t, "/tenant", nil)
	t.Run("group", func(t *testing.T) {
		for i := range n {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				if i == n/2 {
					h.p.RotateKeys()
				}
				user, pass := "ada@userdesk.example", "demo-admin"
				if i%2 == 1 {
					user, pass = "hal@userdesk.example", "demo-helpdesk"
				}
				tx := h.start(t)
				if i%5 == 0 { // a wrong password first
					h.submit(t, tx, user, "wrong")
				}
				resp := h.submit(t, tx, user, pass)
				if resp.StatusCode != 302 {
					t.Fatalf("login: status %d", resp.StatusCode)
				}
				code := locationParam(t, resp, "code")
				tok, idt := h.exchange(t, tx, code)
				var c struct {
					Email string `json:"email"`
				}
				if err := idt.Claims(&c); err != nil || c.Email != user {
					t.Errorf("email: got %q (%v), want %q", c.Email, err, user)
				}
				if _, err := h.rp.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err != nil {
					t.Errorf("userinfo: %v", err)
				}
			})
		}
	})
	if reqs, codes := h.p.store.size(); reqs != 0 || codes != 0 {
		t.Errorf("after all exchanges: %d transactions and %d codes held, want none", reqs, codes)
	}
}

// locationParam returns a query parameter of a redirect's Location.
func locationParam(t *testing.T, resp *response, name string) string {
	t.Helper()
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query().Get(name)
}
