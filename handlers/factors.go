package handlers

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/views"
)

// methodIDPattern is what an authentication method id looks like: "totp|dev_XXXXXXXXXXXXXXXX",
// "webauthn-roaming|dev_…". It is checked before any call.
var methodIDPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,40}\|[A-Za-z0-9_.:=+-]{1,200}$`)

// legacyProviders are the multifactor providers DeleteMultifactorProvider removes.
var legacyProviders = []string{auth0api.ProviderDuo, auth0api.ProviderGoogleAuthenticator}

// factorUserFields are the user fields the factors section reads: who to name in
// confirmations, and the legacy providers.
var factorUserFields = []string{"user_id", "name", "email", "multifactor"}

// loadFactors reads the factors section: the authentication methods and, unless the gate read
// them for this request (the user page), the user's name and legacy providers, at once.
// Auth0's authentication methods include every Guardian enrollment, so the legacy enrollments
// endpoint is not asked (one call fewer per page).
func (s *server) loadFactors(ctx context.Context, c echo.Context, userID string) (views.FactorsData, error) {
	var known *auth0api.User
	if t, ok := c.Get(ctxTarget).(*target); ok && t.User != nil && t.User.UserID == userID && t.wholeUser {
		known = t.User
	}
	methods, user, err := s.fetchFactors(ctx, userID, known)
	if err != nil {
		return views.FactorsData{}, err
	}
	return s.factorsData(c, userID, methods, user), nil
}

// fetchFactors reads the user's authentication methods and, when known is nil, the user fields
// the section names them by, at once.
func (s *server) fetchFactors(ctx context.Context, userID string, known *auth0api.User) (*auth0api.AuthenticationMethodsPage, *auth0api.User, error) {
	var (
		methods *auth0api.AuthenticationMethodsPage
		user    = known
	)
	calls := []func(ctx context.Context) error{
		func(ctx context.Context) (err error) {
			methods, err = s.users.ListAuthenticationMethods(ctx, userID, nil)
			return err
		},
	}
	if user == nil {
		calls = append(calls, func(ctx context.Context) (err error) {
			user, err = s.users.GetUser(ctx, userID, &auth0api.GetUserParams{Fields: factorUserFields})
			return err
		})
	}
	if err := sectionParallel(ctx, calls...); err != nil {
		return nil, nil, err
	}
	return methods, user, nil
}

// factorsData is the factors section of what was read. The gate read what the rules need for
// the section's controls (the user's roles, for the helpdesk): the controls the policy refuses
// on this user are withheld, and the section says why.
func (s *server) factorsData(c echo.Context, userID string, methods *auth0api.AuthenticationMethodsPage, user *auth0api.User) views.FactorsData {
	can, shown := abilities(s.currentStaff(c)), views.Protection{}
	if t, ok := c.Get(ctxTarget).(*target); ok {
		can, shown = targetAbilities(s.currentStaff(c), t)
	}
	can.ConfirmIdentity = stepUpDue(c)
	d := views.FactorsData{
		UserID:     userID,
		User:       userLabel(user, userID),
		Methods:    methods.AuthenticationMethods,
		Can:        can,
		Protection: shown,
		Self:       isOwnAccount(c, userID),
		Email:      user.Email,
	}
	for _, p := range user.Multifactor {
		if slices.Contains(legacyProviders, p) {
			d.Providers = append(d.Providers, p)
		}
	}
	d.Create = views.FactorForm{UserID: userID, User: d.User, Type: "phone"}
	d.Replace = views.ReplaceForm{UserID: userID, User: d.User}
	return d
}

// userLabel names a user in confirmations and messages: "Ada Lovelace (ada@example.com)".
func userLabel(u *auth0api.User, userID string) string {
	return views.PersonLabel(u.Name, u.Email, userID)
}

// showFactors renders the factors section.
func (s *server) showFactors(c echo.Context) error {
	return s.sectionPage(c, "factors", func(ctx context.Context, userID string, _ int) (templ.Component, error) {
		d, err := s.loadFactors(ctx, c, userID)
		if err != nil {
			return nil, err
		}
		return views.FactorsSection(d), nil
	})
}

// factorsChanged answers a factor change: the section re-read from Auth0 and a message naming
// the user (msg gets the user's label, or the id when the reload failed).
func (s *server) factorsChanged(c echo.Context, userID string, msg func(user string) string) error {
	user := userID
	return s.sectionChanged(c, userID, sectionNamed("factors"), func(ctx context.Context) (templ.Component, error) {
		d, err := s.loadFactors(ctx, c, userID)
		if err != nil {
			return nil, err
		}
		user = d.User
		return views.FactorsSection(d), nil
	}, func() string { return msg(user) })
}

// methodType is the type an authentication method id starts with ("totp|dev_…" → "totp").
func methodType(methodID string) string {
	t, _, _ := strings.Cut(methodID, "|")
	return t
}

// factorMethodID reads and checks the :method of a route.
func factorMethodID(c echo.Context) (string, error) {
	id, err := sectionPathParam(c, "method")
	if err != nil || !methodIDPattern.MatchString(id) {
		return "", httpError(http.StatusBadRequest, "That is not an authentication method id.", err)
	}
	return id, nil
}

// deleteFactor removes one authentication method (helpdesk and admin).
func (s *server) deleteFactor(c echo.Context) error {
	t := targetOf(c)
	methodID, err := factorMethodID(c)
	if err != nil {
		s.audit(c, audit.UserFactorDelete, t.ID, err)
		return err
	}
	if err := s.ops.DeleteFactor(c.Request().Context(), s.actor(c), t.op(), methodID, methodType(methodID)); err != nil {
		return s.changeFailed(t, err)
	}
	kind := strings.ToLower(views.FactorKind(methodType(methodID)))
	return s.factorsChanged(c, t.ID, func(user string) string {
		return "Removed the " + kind + " of " + user + "."
	})
}

// isPasskeyRefusal reports whether Auth0 refused to remove or replace every method because the
// user has a passkey (403 "Operation not permitted when the user has registered at least 1
// passkey").
func isPasskeyRefusal(err error) bool {
	var a0 *auth0api.Error
	return errors.As(err, &a0) && a0.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(a0.Message), "passkey")
}

// resetFactors removes every authentication method of the user (helpdesk and admin). When
// Auth0 refuses because of a passkey, the section explains it and offers the alternatives:
// removing the factors one by one, or every MFA factor but the passkeys.
func (s *server) resetFactors(c echo.Context) error {
	t := targetOf(c)
	err := s.ops.ResetFactors(c.Request().Context(), s.actor(c), t.op())
	if isPasskeyRefusal(err) {
		return s.passkeyRefused(c, t.ID, err)
	}
	if err != nil {
		return s.changeFailed(t, err)
	}
	return s.factorsChanged(c, t.ID, func(user string) string {
		return "Reset every factor of " + user + ". They will enroll MFA again at their next login."
	})
}

// passkeyRefused answers Auth0's passkey refusal of a reset: 409 with the section re-read and
// the explanation in it, or the message alone when that fails or the request is not htmx's.
func (s *server) passkeyRefused(c echo.Context, userID string, cause error) error {
	const msg = "Auth0 did not reset the factors: the user has a passkey alongside other factors. Remove the factors one by one, or remove the MFA factors and keep the passkeys."
	if !isHTMX(c) {
		return httpError(http.StatusConflict, msg, cause)
	}
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	d, err := s.loadFactors(ctx, c, userID)
	if err != nil {
		return httpError(http.StatusConflict, msg, cause)
	}
	d.PasskeyRefused = true
	s.logger(c).Info("factor reset refused by Auth0 because of a passkey")
	return render(c, http.StatusConflict, views.FactorsSection(d), views.FlashOOB(views.Flash{Kind: views.FlashError, Message: msg}))
}

// deleteAuthenticators removes every MFA factor of the user and keeps their passkeys (helpdesk
// and admin): the way out when Auth0 refuses a reset because of a passkey.
func (s *server) deleteAuthenticators(c echo.Context) error {
	t := targetOf(c)
	if err := s.ops.DeleteAuthenticators(c.Request().Context(), s.actor(c), t.op()); err != nil {
		return s.changeFailed(t, err)
	}
	return s.factorsChanged(c, t.ID, func(user string) string {
		return "Removed every MFA factor of " + user + "; their passkeys stay."
	})
}

// deleteProvider removes a legacy multifactor provider (duo, google-authenticator) from the
// user (helpdesk and admin).
func (s *server) deleteProvider(c echo.Context) error {
	t := targetOf(c)
	provider, err := sectionPathParam(c, "provider")
	if err == nil && !slices.Contains(legacyProviders, provider) {
		err = httpError(http.StatusBadRequest, "That is not a multifactor provider (duo or google-authenticator).", nil)
	}
	if err != nil {
		s.audit(c, audit.UserMultifactorDelete, t.ID, err)
		return err
	}
	if err := s.ops.DeleteProvider(c.Request().Context(), s.actor(c), t.op(), provider); err != nil {
		return s.changeFailed(t, err)
	}
	return s.factorsChanged(c, t.ID, func(user string) string {
		return "Removed the " + provider + " configuration of " + user + "."
	})
}

// invalidateBrowsers makes every browser the user chose to remember ask for MFA again
// (helpdesk and admin).
func (s *server) invalidateBrowsers(c echo.Context) error {
	t := targetOf(c)
	if err := s.ops.InvalidateBrowsers(c.Request().Context(), s.actor(c), t.op()); err != nil {
		return s.changeFailed(t, err)
	}
	return s.factorsChanged(c, t.ID, func(user string) string {
		return "Every browser " + user + " chose to remember will ask for MFA again."
	})
}

// regenerateRecoveryCode gives the user a new recovery code (helpdesk and admin) and shows it
// once, in the re-read section. The code is never logged, stored or audited, and the answer
// is marked no-store.
func (s *server) regenerateRecoveryCode(c echo.Context) error {
	t := targetOf(c)
	userID := t.ID
	code, err := s.ops.RegenerateRecoveryCode(c.Request().Context(), s.actor(c), t.op())
	if err != nil {
		return s.changeFailed(t, err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Pragma", "no-cache")
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	d, err := s.loadFactors(ctx, c, userID)
	if err != nil {
		// The code exists only in this answer: show it even though the section did not reload.
		s.logger(c).Warn("section reload after a change failed", "section", "factors", "err", err)
		d = views.FactorsData{UserID: userID, User: userID, Can: s.can(c)}
	}
	d.RecoveryCode = code
	f := views.Flash{Kind: views.FlashSuccess, Message: "Generated a new recovery code for " + d.User + ". Copy it now: it is shown once."}
	if isHTMX(c) {
		return render(c, http.StatusOK, views.FactorsSection(d), views.FlashOOB(f))
	}
	p := s.page(c, "Factors")
	p.Flash = f
	return render(c, http.StatusOK, views.SectionPage(p, userID, views.FactorsSection(d)))
}
