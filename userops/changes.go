package userops

import (
	"context"
	"time"

	"userdesk/audit"
	"userdesk/auth0api"
)

// SetBlocked blocks the user (they can no longer sign in) or unblocks them, and returns the
// user as Auth0 answered.
func (o *Ops) SetBlocked(ctx context.Context, a Actor, t Target, blocked bool) (*auth0api.User, error) {
	name := audit.UserUnblock
	if blocked {
		name = audit.UserBlock
	}
	var u *auth0api.User
	err := o.do(ctx, event(name, a, t, audit.Bool("blocked", blocked)), func(ctx context.Context) (err error) {
		u, err = o.Users.UpdateUser(ctx, t.UserID, auth0api.UserUpdate{Blocked: auth0api.Set(blocked)})
		return err
	})
	return u, err
}

// PasswordChangeTicket creates a password-change link that works for ttl. The link is a
// secret: it is returned, never recorded.
func (o *Ops) PasswordChangeTicket(ctx context.Context, a Actor, t Target, ttl time.Duration) (link string, expires time.Time, err error) {
	err = o.do(ctx, event(audit.UserPasswordTicket, a, t, audit.Duration("ttl", ttl)), func(ctx context.Context) (err error) {
		link, err = o.Users.CreatePasswordChangeTicket(ctx, auth0api.PasswordChangeTicket{UserID: t.UserID, TTLSec: int(ttl / time.Second)})
		return err
	})
	return link, o.now().Add(ttl), err
}

// SendPasswordResetEmail asks Auth0 to e-mail the user, at email, a link to choose a new
// password for their database connection.
func (o *Ops) SendPasswordResetEmail(ctx context.Context, a Actor, t Target, email, connection string) error {
	e := event(audit.UserPasswordResetEmail, a, t, audit.String("connection", connection), audit.String("client_id", o.PasswordResetClientID))
	return o.do(ctx, e, func(ctx context.Context) error {
		return o.Users.SendPasswordResetEmail(ctx, auth0api.PasswordResetEmail{ClientID: o.PasswordResetClientID, Email: email, Connection: connection})
	})
}

// SendVerificationEmail asks Auth0 to send the user the e-mail-verification message again and
// returns Auth0's job id.
func (o *Ops) SendVerificationEmail(ctx context.Context, a Actor, t Target) (jobID string, err error) {
	err = o.doReporting(ctx, event(audit.UserVerificationEmail, a, t), func(ctx context.Context) ([]audit.Attr, error) {
		job, err := o.Users.CreateVerificationEmailJob(ctx, auth0api.VerificationEmailJob{UserID: t.UserID})
		if job == nil {
			return nil, err
		}
		jobID = job.ID
		return []audit.Attr{audit.String("job", jobID)}, err
	})
	return jobID, err
}

// Delete deletes the user.
func (o *Ops) Delete(ctx context.Context, a Actor, t Target) error {
	return o.do(ctx, event(audit.UserDelete, a, t), func(ctx context.Context) error {
		return o.Users.DeleteUser(ctx, t.UserID)
	})
}

// Update sends one PATCH with the changed fields (named in fields, for the audit trail) and
// returns the user as Auth0 answered.
func (o *Ops) Update(ctx context.Context, a Actor, t Target, up auth0api.UserUpdate, fields []string) (*auth0api.User, error) {
	var u *auth0api.User
	err := o.do(ctx, event(audit.UserUpdate, a, t, audit.Strings("fields", fields)), func(ctx context.Context) (err error) {
		u, err = o.Users.UpdateUser(ctx, t.UserID, up)
		return err
	})
	return u, err
}

// Create creates a user. generated says the password was generated (nobody knows it); it is
// recorded, the password never is. The audit target is the new user's id once Auth0 gave one.
func (o *Ops) Create(ctx context.Context, a Actor, body auth0api.UserCreate, generated bool) (*auth0api.User, error) {
	e := event(audit.UserCreate, a, Target{Label: body.Email}, audit.String("connection", body.Connection), audit.Bool("password_generated", generated))
	at, err := o.Audit.Attempt(ctx, e)
	if err != nil {
		return nil, errAudit(err)
	}
	u, err := o.Users.CreateUser(ctx, body)
	if u != nil {
		at.Event.Target.UserID = u.UserID // known only now
	}
	o.outcome(ctx, at, err)
	return u, err
}

// DeleteFactor removes one authentication method.
func (o *Ops) DeleteFactor(ctx context.Context, a Actor, t Target, methodID, methodType string) error {
	e := event(audit.UserFactorDelete, a, t, audit.String("method_id", methodID), audit.String("type", methodType))
	return o.do(ctx, e, func(ctx context.Context) error {
		return o.Users.DeleteAuthenticationMethod(ctx, t.UserID, methodID)
	})
}

// ResetFactors removes every authentication method. Auth0 refuses it (403) for a user with a
// passkey beside other factors.
func (o *Ops) ResetFactors(ctx context.Context, a Actor, t Target) error {
	return o.do(ctx, event(audit.UserFactorsReset, a, t), func(ctx context.Context) error {
		return o.Users.DeleteAuthenticationMethods(ctx, t.UserID)
	})
}

// DeleteAuthenticators removes every MFA factor and keeps the passkeys.
func (o *Ops) DeleteAuthenticators(ctx context.Context, a Actor, t Target) error {
	return o.do(ctx, event(audit.UserAuthenticatorsDelete, a, t), func(ctx context.Context) error {
		return o.Users.DeleteAuthenticators(ctx, t.UserID)
	})
}

// DeleteProvider removes a legacy multifactor provider (duo, google-authenticator).
func (o *Ops) DeleteProvider(ctx context.Context, a Actor, t Target, provider string) error {
	return o.do(ctx, event(audit.UserMultifactorDelete, a, t, audit.String("provider", provider)), func(ctx context.Context) error {
		return o.Users.DeleteMultifactorProvider(ctx, t.UserID, provider)
	})
}

// InvalidateBrowsers makes every browser the user chose to remember ask for MFA again.
func (o *Ops) InvalidateBrowsers(ctx context.Context, a Actor, t Target) error {
	return o.do(ctx, event(audit.UserMFABrowsersForget, a, t), func(ctx context.Context) error {
		return o.Users.InvalidateRememberedBrowsers(ctx, t.UserID)
	})
}

// RegenerateRecoveryCode gives the user a new recovery code and returns it: a secret, shown
// once, never recorded.
func (o *Ops) RegenerateRecoveryCode(ctx context.Context, a Actor, t Target) (code string, err error) {
	err = o.do(ctx, event(audit.UserRecoveryCodeNew, a, t), func(ctx context.Context) (err error) {
		code, err = o.Users.RegenerateRecoveryCode(ctx, t.UserID)
		return err
	})
	return code, err
}

// CreateFactor adds an authentication method. Only its type and label are recorded, never its
// secret or phone number.
func (o *Ops) CreateFactor(ctx context.Context, a Actor, t Target, m auth0api.AuthenticationMethodCreate) error {
	e := event(audit.UserFactorCreate, a, t, audit.String("type", m.Type), audit.String("name", m.Name))
	return o.do(ctx, e, func(ctx context.Context) error {
		_, err := o.Users.CreateAuthenticationMethod(ctx, t.UserID, m)
		return err
	})
}

// UpdateFactor renames a method or changes a phone method's channel.
func (o *Ops) UpdateFactor(ctx context.Context, a Actor, t Target, methodID string, u auth0api.AuthenticationMethodUpdate) error {
	details := []audit.Attr{audit.String("method_id", methodID)}
	if v, ok := u.Name.Get(); ok {
		details = append(details, audit.String("name", v))
	}
	if v, ok := u.PreferredAuthenticationMethod.Get(); ok {
		details = append(details, audit.String("preferred_authentication_method", v))
	}
	return o.do(ctx, event(audit.UserFactorUpdate, a, t, details...), func(ctx context.Context) error {
		_, err := o.Users.UpdateAuthenticationMethod(ctx, t.UserID, methodID, u)
		return err
	})
}

// ReplaceFactors replaces every method with methods; only their types are recorded.
func (o *Ops) ReplaceFactors(ctx context.Context, a Actor, t Target, methods []auth0api.AuthenticationMethodReplace) error {
	types := make([]string, len(methods))
	for i, m := range methods {
		types[i] = m.Type
	}
	return o.do(ctx, event(audit.UserFactorsReplace, a, t, audit.Strings("types", types)), func(ctx context.Context) error {
		_, err := o.Users.ReplaceAuthenticationMethods(ctx, t.UserID, methods)
		return err
	})
}

// AssignRoles assigns the roles (ids).
func (o *Ops) AssignRoles(ctx context.Context, a Actor, t Target, roleIDs []string) error {
	return o.do(ctx, event(audit.UserRolesAdd, a, t, audit.Strings("roles", roleIDs)), func(ctx context.Context) error {
		return o.Users.AddUserRoles(ctx, t.UserID, roleIDs)
	})
}

// RemoveRoles removes the roles (ids).
func (o *Ops) RemoveRoles(ctx context.Context, a Actor, t Target, roleIDs []string) error {
	return o.do(ctx, event(audit.UserRolesRemove, a, t, audit.Strings("roles", roleIDs)), func(ctx context.Context) error {
		return o.Users.RemoveUserRoles(ctx, t.UserID, roleIDs)
	})
}

// AddPermissions gives the user the permissions directly.
func (o *Ops) AddPermissions(ctx context.Context, a Actor, t Target, perms []auth0api.PermissionRef) error {
	return o.do(ctx, event(audit.UserPermissionsAdd, a, t, permissionDetails(perms)...), func(ctx context.Context) error {
		return o.Users.AddUserPermissions(ctx, t.UserID, perms)
	})
}

// RemovePermissions takes direct permissions away.
func (o *Ops) RemovePermissions(ctx context.Context, a Actor, t Target, perms []auth0api.PermissionRef) error {
	return o.do(ctx, event(audit.UserPermissionsRemove, a, t, permissionDetails(perms)...), func(ctx context.Context) error {
		return o.Users.RemoveUserPermissions(ctx, t.UserID, perms)
	})
}

// permissionDetails are the audit details of a permission change: the API and the scopes.
func permissionDetails(refs []auth0api.PermissionRef) []audit.Attr {
	if len(refs) == 0 {
		return nil
	}
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.PermissionName
	}
	return []audit.Attr{audit.String("api", refs[0].ResourceServerIdentifier), audit.Strings("permissions", names)}
}
