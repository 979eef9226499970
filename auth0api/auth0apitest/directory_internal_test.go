package auth0apitest

import (
	"errors"
	"testing"

	"userdesk/auth0api/auth0apitest/authapi"
)

func TestStaffDirectory(t *testing.T) {
	tn := New(Options{Staff: []StaffAccount{
		{Email: "Admin@Example.com", Password: "pw-admin", Name: "Ada Admin", Roles: []string{"admin"}},
		{Email: "viewer@example.com", Password: "pw-viewer", Roles: []string{"viewer"}},
	}, RoleClaim: "https://x.example/roles"})
	dir := staffDirectory{tn}
	ctx := t.Context()

	acc, err := dir.Authenticate(ctx, "admin@example.com", "pw-admin")
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if acc.Subject != StaffUserID("admin@example.com") || acc.Email != "admin@example.com" || acc.Name != "Ada Admin" {
		t.Errorf("account = %+v", acc)
	}
	roles, _ := acc.Claims["https://x.example/roles"].([]any)
	if len(roles) != 1 || roles[0] != "admin" {
		t.Errorf("role claim = %v", acc.Claims)
	}
	if _, err := dir.Authenticate(ctx, "admin@example.com", "wrong"); !errors.Is(err, authapi.ErrWrongCredentials) {
		t.Errorf("wrong password: err = %v", err)
	}
	if _, err := dir.Authenticate(ctx, "ada.lovelace@example.com", FixturePassword); !errors.Is(err, authapi.ErrWrongCredentials) {
		t.Errorf("a non-staff user signed in: err = %v", err)
	}
	if got := len(dir.Accounts(ctx)); got != 2 {
		t.Errorf("Accounts = %d, want 2", got)
	}

	// Blocking the staff user through the tenant blocks the sign-in.
	u, _ := tn.User(StaffUserID("viewer@example.com"))
	u["blocked"] = true
	tn.PutUser(u)
	if _, err := dir.Authenticate(ctx, "viewer@example.com", "pw-viewer"); !errors.Is(err, authapi.ErrBlocked) {
		t.Errorf("blocked: err = %v", err)
	}
	if _, err := dir.Account(ctx, "auth0|nobody"); err == nil {
		t.Error("Account of an unknown subject succeeded")
	}
}
