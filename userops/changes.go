package userops

import (
	"context"
	"log/slog"
	"time"

	"userdesk/auth0api"
)

// Event names: what the audit trail calls each change.
const (
	EventCreate               = "user.create"
	EventUpdate               = "user.update"
	EventDelete               = "user.delete"
	EventBlock                = "user.block"
	EventUnblock              = "user.unblock"
	EventPasswordTicket       = "user.password_ticket"
	EventPasswordResetEmail   = "user.password_reset_email"
	EventVerificationEmail    = "user.verification_email"
	EventFactorDelete         = "user.factor.delete"
	EventFactorsReset         = "user.factors.reset"
	EventAuthenticatorsDelete = "user.authenticators.delete"
	EventMultifactorDelete    = "user.multifactor.delete"
	EventBrowsersInvalidate   = "user.mfa.browsers.invalidate"
	EventRecoveryCode         = "user.recovery_code.regenerate"
	EventFactorCreate         = "user.factor.create"
	EventFactorUpdate         = "user.factor.update"
	EventFactorsReplace       = "user.factors.replace"
	EventRolesAdd             = "user.roles.add"
	EventRolesRemove          = "user.roles.remove"
	EventPermissionsAdd       = "user.permissions.add"
	EventPermissionsRemove    = "user.permissions.remove"
)

// SetBlocked blocks the user (they can no longer sign in) or unblocks them, and returns the
// user as Auth0 answered.
func (o *Ops) SetBlocked(ctx context.Context, a Actor, t Target, blocked bool) (*auth0api.User, error) {
	name := EventUnblock
	if blocked {
		name = EventBlock
	}
	var u *auth0api.User
	err := o.do(ctx, event(name, a, t, slog.Bool("blocked", blocked)), func(ctx context.Context) (err error) {
		u, err = o.Users.UpdateUser(ctx, t.ID, auth0api.UserUpdate{Blocked: auth0api.Set(blocked)})
		return err
	})
	return u, err
}

// PasswordChangeTicket creates a password-change link that works for ttl. The link is a
// secret: it is returned, never recorded.
func (o *Ops) PasswordChangeTicket(ctx context.Context, a Actor, t Target, ttl time.Duration) (link string, expires time.Time, err error) {
	err = o.do(ctx, event(EventPasswordTicket, a, t, slog.Duration("ttl", ttl)), func(ctx context.Context) (err error) {
		link, err = o.Users.CreatePasswordChangeTicket(ctx, auth0api.PasswordChangeTicket{UserID: t.ID, TTLSec: int(ttl / time.Second)})
		return err
	})
	return link, o.now().Add(ttl), err
}

// SendPasswordResetEmail asks Auth0 to e-mail the user, at email, a link to choose a new
// password for their database connection.
func (o *Ops) SendPasswordResetEmail(ctx context.Context, a Actor, t Target, email, connection string) error {
	e := event(EventPasswordResetEmail, a, t, slog.String("connection", connection), slog.String("client_id", o.PasswordResetClientID))
	return o.do(ctx, e, func(ctx context.Context) error {
		return o.Users.SendPasswordResetEmail(ctx, auth0api.PasswordResetEmail{ClientID: o.PasswordResetClientID, Email: email, Connection: connection})
	})
}

// SendVerificationEmail asks Auth0 to send the user the e-mail-verification message again and
// returns Auth0's job id.
func (o *Ops) SendVerificationEmail(ctx context.Context, a Actor, t Target) (jobID string, err error) {
	err = o.doReporting(ctx, event(EventVerificationEmail, a, t), func(ctx context.Context) ([]slog.Attr, error) {
		job, err := o.Users.CreateVerificationEmailJob(ctx, auth0api.VerificationEmailJob{UserID: t.ID})
		if job == nil {
			return nil, err
		}
		jobID = job.ID
		return []slog.Attr{slog.String("job", jobID)}, err
	})
	return jobID, err
}

// Delete deletes the user.
func (o *Ops) Delete(ctx context.Context, a Actor, t Target) error {
	return o.do(ctx, event(EventDelete, a, t), func(ctx context.Context) error {
		return o.Users.DeleteUser(ctx, t.ID)
	})
}

// Update sends one PATCH with the changed fields (named in fields, for the audit trail) and
// returns the user as Auth0 answered.
func (o *Ops) Update(ctx context.Context, a Actor, t Target, up auth0api.UserUpdate, fields []string) (*auth0api.User, error) {
	var u *auth0api.User
	err := o.do(ctx, event(EventUpdate, a, t, slog.Any("fields", fields)), func(ctx context.Context) (err error) {
		u, err = o.Users.UpdateUser(ctx, t.ID, up)
		return err
	})
	return u, err
}

// Create creates a user. generated says the password was generated (nobody knows it); it is
// recorded, the password never is. The audit target is the new user's id once Auth0 gave one.
func (o *Ops) Create(ctx context.Context, a Actor, body auth0api.UserCreate, generated bool) (*auth0api.User, error) {
	var u *auth0api.User
	e := event(EventCreate, a, Target{Label: body.Email}, slog.String("connection", body.Connection), slog.Bool("password_generated", generated))
	rec := context.WithoutCancel(ctx)
	if err := o.Audit.Attempt(rec, e); err != nil {
		return nil, errAudit(err)
	}
	u, err := o.Users.CreateUser(ctx, body)
	if u != nil {
		e.Target.ID = u.UserID
	}
	o.Audit.Outcome(rec, e, err)
	return u, err
}

// DeleteFactor removes one authentication method.
func (o *Ops) DeleteFactor(ctx context.Context, a Actor, t Target, methodID, methodType string) error {
	e := event(EventFactorDelete, a, t, slog.String("method_id", methodID), slog.String("type", methodType))
	return o.do(ctx, e, func(ctx context.Context) error {
		return o.Users.DeleteAuthenticationMethod(ctx, t.ID, methodID)
	})
}

// ResetFactors removes every authentication method. Auth0 refuses it (403) for a user with a
// passkey beside other factors.
func (o *Ops) ResetFactors(ctx context.Context, a Actor, t Target) error {
	return o.do(ctx, event(EventFactorsReset, a, t), func(ctx context.Context) error {
		return o.Users.DeleteAuthenticationMethods(ctx, t.ID)
	})
}

// DeleteAuthenticators removes every MFA factor and keeps the passkeys.
func (o *Ops) DeleteAuthenticators(ctx context.Context, a Actor, t Target) error {
	return o.do(ctx, event(EventAuthenticatorsDelete, a, t), func(ctx context.Context) error {
		return o.Users.DeleteAuthenticators(ctx, t.ID)
	})
}

// DeleteProvider removes a legacy multifactor provider (duo, google-authenticator).
func (o *Ops) DeleteProvider(ctx context.Context, a Actor, t Target, provider string) error {
	return o.do(ctx, event(EventMultifactorDelete, a, t, slog.String("provider", provider)), func(ctx context.Context) error {
		return o.Users.DeleteMultifactorProvider(ctx, t.ID, provider)
	})
}

// InvalidateBrowsers makes every browser the user chose to remember ask for MFA again.
func (o *Ops) InvalidateBrowsers(ctx context.Context, a Actor, t Target) error {
	return o.do(ctx, event(EventBrowsersInvalidate, a, t), func(ctx context.Context) error {
		return o.Users.InvalidateRememberedBrowsers(ctx, t.ID)
	})
}

// RegenerateRecoveryCode gives the user a new recovery code and returns it: a secret, shown
// once, never recorded.
func (o *Ops) RegenerateRecoveryCode(ctx context.Context, a Actor, t Target) (code string, err error) {
	err = o.do(ctx, event(EventRecoveryCode, a, t), func(ctx context.Context) (err error) {
		code, err = o.Users.RegenerateRecoveryCode(ctx, t.ID)
		return err
	})
	return code, err
}

// CreateFactor adds an authentication method. Only its type and label are recorded, never its
// secret or phone number.
func (o *Ops) CreateFactor(ctx context.Context, a Actor, t Target, m auth0api.AuthenticationMethodCreate) error {
	e := event(EventFactorCreate, a, t, slog.String("type", m.Type), slog.String("name", m.Name))
	return o.do(ctx, e, func(ctx context.Context) error {
		_, err := o.Users.CreateAuthenticationMethod(ctx, t.ID, m)
		return err
	})
}

// UpdateFactor renames a method or changes a phone method's channel.
func (o *Ops) UpdateFactor(ctx context.Context, a Actor, t Target, methodID string, u auth0api.AuthenticationMethodUpdate) error {
	details := []slog.Attr{slog.String("method_id", methodID)}
	if v, ok := u.Name.Get(); ok {
		details = append(details, slog.String("name", v))
	}
	if v, ok := u.PreferredAuthenticationMethod.Get(); ok {
		details = append(details, slog.String("preferred_authentication_method", v))
	}
	return o.do(ctx, event(EventFactorUpdate, a, t, details...), func(ctx context.Context) error {
		_, err := o.Users.UpdateAuthenticationMethod(ctx, t.ID, methodID, u)
		return err
	})
}

// ReplaceFactors replaces every method with methods; only their types are recorded.
func (o *Ops) ReplaceFactors(ctx context.Context, a Actor, t Target, methods []auth0api.AuthenticationMethodReplace) error {
	types := make([]string, len(methods))
	for i, m := range methods {
		types[i] = m.Type
	}
	return o.do(ctx, event(EventFactorsReplace, a, t, slog.Any("types", types)), func(ctx context.Context) error {
		_, err := o.Users.ReplaceAuthenticationMethods(ctx, t.ID, methods)
		return err
	})
}

// AssignRoles assigns the roles (ids).
func (o *Ops) AssignRoles(ctx context.Context, a Actor, t Target, roleIDs []string) error {
	return o.do(ctx, event(EventRolesAdd, a, t, slog.Any("roles", roleIDs)), func(ctx context.Context) error {
		return o.Users.AddUserRoles(ctx, t.ID, roleIDs)
	})
}

// RemoveRoles removes the roles (ids).
func (o *Ops) RemoveRoles(ctx context.Context, a Actor, t Target, roleIDs []string) error {
	return o.do(ctx, event(EventRolesRemove, a, t, slog.Any("roles", roleIDs)), func(ctx context.Context) error {
		return o.Users.RemoveUserRoles(ctx, t.ID, roleIDs)
	})
}

// AddPermissions gives the user the permissions directly.
func (o *Ops) AddPermissions(ctx context.Context, a Actor, t Target, perms []auth0api.PermissionRef) error {
	return o.do(ctx, event(EventPermissionsAdd, a, t, permissionDetails(perms)...), func(ctx context.Context) error {
		return o.Users.AddUserPermissions(ctx, t.ID, perms)
	})
}

// RemovePermissions takes direct permissions away.
func (o *Ops) RemovePermissions(ctx context.Context, a Actor, t Target, perms []auth0api.PermissionRef) error {
	return o.do(ctx, event(EventPermissionsRemove, a, t, permissionDetails(perms)...), func(ctx context.Context) error {
		return o.Users.RemoveUserPermissions(ctx, t.ID, perms)
	})
}

// permissionDetails are the audit details of a permission change: the API and the scopes.
func permissionDetails(refs []auth0api.PermissionRef) []slog.Attr {
	if len(refs) == 0 {
		return nil
	}
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.PermissionName
	}
	return []slog.Attr{slog.String("api", refs[0].ResourceServerIdentifier), slog.Any("permissions", names)}
}
