package auth0apitest

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"userdesk/auth0api/auth0apitest/authapi"
)

// Client is an interactive (authorization-code) client of the tenant's
// sign-in side.
type Client = authapi.Client

// newSignIn builds the Authentication API: an authapi.Provider whose
// Directory is the tenant's staff accounts and whose client-credentials
// grant mints Management API tokens for the Machines.
func (t *Tenant) newSignIn(now func() time.Time, second authapi.SecondFactor, backChannel *http.Client) *authapi.Provider {
	p, err := authapi.New(authapi.Config{
		Issuer:       t.Issuer(),
		Clients:      t.clients,
		Directory:    staffDirectory{t},
		Machine:      t.machineGrant,
		Now:          now,
		SecondFactor: second,
		BackChannel:  backChannel,
	})
	if err != nil {
		panic(fmt.Sprintf("auth0apitest: sign-in side: %v", err))
	}
	return p
}

// Provider returns the tenant's Authentication API, for its test knobs
// (RotateKeys, TamperIDTokens, ReplaceIDTokens, Sign, LogoutToken) and its
// sessions (Sessions, EndSession).
func (t *Tenant) Provider() *authapi.Provider { return t.provider }

// EndSessions ends every sign-in session of the user at the tenant, as an
// Auth0 administrator revoking them would, and sends the back-channel logout
// to each client the user signed in to through them (waiting for the
// answers). It returns how many sessions ended.
func (t *Tenant) EndSessions(ctx context.Context, userID string) int {
	return t.provider.EndSessions(ctx, userID)
}

// machineGrant answers the client-credentials grant: the Machine's id and
// secret with the Management API audience get a token with its scopes.
func (t *Tenant) machineGrant(_ context.Context, clientID, clientSecret, audience string) (authapi.MachineToken, error) {
	var m *Machine
	for i := range t.machines {
		if t.machines[i].ClientID == clientID {
			m = &t.machines[i]
		}
	}
	if m == nil || subtle.ConstantTimeCompare([]byte(m.ClientSecret), []byte(clientSecret)) != 1 {
		return authapi.MachineToken{}, authapi.ErrUnauthorized
	}
	if audience != t.Audience() {
		t.mu.RLock()
		known := t.dir.resourceServer(audience) != nil
		t.mu.RUnlock()
		if known {
			return authapi.MachineToken{}, authapi.ErrNoClientGrant
		}
		return authapi.MachineToken{}, authapi.ErrServiceNotEnabled
	}
	tok, err := t.minter.mint(t.Issuer(), audience, clientID, m.Scopes, t.now(), tokenLifetime)
	if err != nil {
		return authapi.MachineToken{}, err
	}
	return authapi.MachineToken{AccessToken: tok, ExpiresIn: tokenLifetime, Scopes: m.Scopes}, nil
}

// staffDirectory is the tenant's authapi.Directory: the staff accounts,
// read from their tenant users (so blocking, deleting or editing one
// through the Management API shows at the next sign-in).
type staffDirectory struct{ t *Tenant }

var errNoAccount = errors.New("auth0apitest: no such account")

// account builds the Account of a staff member from the tenant user.
// Callers hold t.mu (read).
func (d staffDirectory) account(s StaffAccount) (acc authapi.Account, password string, blocked bool, ok bool) {
	rec := d.t.dir.users[StaffUserID(s.Email)]
	if rec == nil {
		return authapi.Account{}, "", false, false
	}
	u := rec.obj
	roles := d.t.dir.roleNames(rec)
	verified, _ := u["email_verified"].(bool)
	blocked, _ = u["blocked"].(bool)
	return authapi.Account{
		Subject:       rec.id,
		Email:         str(u["email"]),
		EmailVerified: verified,
		Name:          str(u["name"]),
		Picture:       str(u["picture"]),
		PasswordHint:  s.Password,
		Claims:        map[string]any{d.t.roleClaim: roles},
	}, rec.password, blocked, true
}

// Authenticate checks a staff member's email and password.
func (d staffDirectory) Authenticate(_ context.Context, username, password string) (authapi.Account, error) {
	d.t.mu.RLock()
	defer d.t.mu.RUnlock()
	for _, s := range d.t.staff {
		if !strings.EqualFold(s.Email, strings.TrimSpace(username)) {
			continue
		}
		acc, stored, blocked, ok := d.account(s)
		if !ok || subtle.ConstantTimeCompare([]byte(stored), []byte(password)) != 1 {
			return authapi.Account{}, authapi.ErrWrongCredentials
		}
		if blocked {
			return authapi.Account{}, authapi.ErrBlocked
		}
		return acc, nil
	}
	return authapi.Account{}, authapi.ErrWrongCredentials
}

// Account returns the staff member with subject.
func (d staffDirectory) Account(_ context.Context, subject string) (authapi.Account, error) {
	d.t.mu.RLock()
	defer d.t.mu.RUnlock()
	for _, s := range d.t.staff {
		if StaffUserID(s.Email) == subject {
			if acc, _, _, ok := d.account(s); ok {
				return acc, nil
			}
		}
	}
	return authapi.Account{}, errNoAccount
}

// Accounts lists the staff members for the demo login page.
func (d staffDirectory) Accounts(context.Context) []authapi.Account {
	d.t.mu.RLock()
	defer d.t.mu.RUnlock()
	var out []authapi.Account
	for _, s := range d.t.staff {
		if acc, _, _, ok := d.account(s); ok {
			out = append(out, acc)
		}
	}
	return out
}
