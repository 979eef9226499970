package handlers

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"userdesk/audit"
	"userdesk/handlers/sessionstore"
	"userdesk/views"
)

// maxClockSkew is how far in the future an ID token's iat may be.
const maxClockSkew = 5 * time.Minute

// acrMultiFactor is the acr_values entry that asks Auth0 for multi-factor authentication (the
// OpenID PAPE multi-factor policy, as Auth0 documents it).
const acrMultiFactor = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"

// login starts a sign-in: authorization code flow with PKCE (S256), state and nonce, asking for
// multi-factor unless that is turned off. It keeps nothing on the server (signin_txn.go) and is
// rate-limited per client address.
func (s *server) login(c echo.Context) error {
	if ok, wait := s.loginLimit.allow(c.RealIP()); !ok {
		return tooManySignIns(c, wait)
	}
	// No sign-in starts that could not end in a session.
	if err := s.sessions.Ping(c.Request().Context()); err != nil {
		return errStoreUnavailable(err)
	}
	target, err := s.beginSignIn(c, localPath(c.QueryParam("return_to")), "")
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusFound, target)
}

// beginSignIn seals a new sign-in transaction into its cookie and returns the provider's
// authorization URL. stepUpOf, when not empty, makes it a step-up of that signed-in subject:
// the provider is asked to authenticate the person again (prompt=login, max_age=0) with
// multi-factor.
func (s *server) beginSignIn(c echo.Context, returnTo, stepUpOf string) (string, error) {
	stepUp := stepUpOf != ""
	p, err := s.signIn.current()
	if err != nil {
		return "", httpError(http.StatusServiceUnavailable, "Sign-in is not available right now: userdesk cannot reach the identity provider. Try again in a minute.", err)
	}
	if len(returnTo) > maxTxnReturnTo {
		returnTo = "/"
	}
	txn := signInTxn{
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: returnTo,
		Created:  s.now(),
		StepUp:   stepUp,
		Subject:  stepUpOf,
	}
	if err := s.txns.save(c, txn); err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(txn.Nonce), oauth2.S256ChallengeOption(txn.Verifier)}
	if s.requireMFA || stepUp {
		opts = append(opts, oauth2.SetAuthURLParam("acr_values", acrMultiFactor))
	}
	if stepUp {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0"))
	}
	return p.oauth2.AuthCodeURL(txn.State, opts...), nil
}

// tooManySignIns answers a sign-in request over its address's limit: 429 with Retry-After.
func tooManySignIns(c echo.Context, wait time.Duration) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	return httpError(http.StatusTooManyRequests, "Too many sign-in attempts from your network. Wait a minute, then sign in again.", nil).
		withTitle("Too many sign-ins")
}

// errorCode matches OAuth error codes worth repeating to a person ("access_denied").
var errorCode = regexp.MustCompile(`^[a-z_]{1,40}$`)

// callback finishes a sign-in. Every check that fails ends on an error page with a "Sign in
// again" link; the reason is logged and audited, and no session is created. Only the
// transaction named by the callback's state is used up: a forged callback ends no other sign-in.
func (s *server) callback(c echo.Context) error {
	if ok, wait := s.callbackLimit.allow(c.RealIP()); !ok {
		return tooManySignIns(c, wait)
	}
	q := c.QueryParams()
	txn, found := s.txns.take(c, q.Get("state"))
	if e := q.Get("error"); e != "" {
		msg := "The identity provider did not sign you in."
		if errorCode.MatchString(e) {
			msg = fmt.Sprintf("The identity provider did not sign you in (%s).", e)
		}
		return s.signInFailed(c, "provider error", fmt.Errorf("%q: %q", e, q.Get("error_description")), msg)
	}
	switch found {
	case txnNone:
		return s.signInFailed(c, "no sign-in in progress", nil, "This sign-in link was already used, has expired, or was opened in another browser.")
	case txnOther:
		return s.signInFailed(c, "state mismatch", nil, "")
	}
	if s.now().Sub(txn.Created) > signInTTL {
		return s.signInFailed(c, "sign-in took too long", nil, "The sign-in took too long.")
	}
	// The cookie is gone from the browser now; a copy of it must not work either (checklist 2c).
	if first, err := s.replay.Use(c.Request().Context(), "signin-state\x00"+txn.State, txn.Created.Add(signInTTL+maxClockSkew)); err != nil || !first {
		return s.signInFailed(c, "state used before", err, "This sign-in link was already used.")
	}
	p, err := s.signIn.current()
	if err != nil {
		return s.signInFailed(c, "provider not discovered", err, "")
	}
	if iss := q.Get("iss"); iss != "" && iss != s.signIn.issuer {
		return s.signInFailed(c, "iss parameter mismatch", fmt.Errorf("got %q", iss), "")
	}
	code := q.Get("code")
	if code == "" {
		return s.signInFailed(c, "no code", nil, "")
	}

	ctx := s.signIn.backChannel(c.Request().Context())
	tok, err := p.oauth2.Exchange(ctx, code, oauth2.VerifierOption(txn.Verifier))
	if err != nil {
		return s.signInFailed(c, "code exchange failed", err, "")
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return s.signInFailed(c, "no id_token in the token response", nil, "")
	}
	idt, err := p.verifier.Verify(ctx, raw) // signature (RS256, the issuer's keys), iss, aud, exp
	if err != nil {
		return s.signInFailed(c, "id token rejected", err, "")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(txn.Nonce)) != 1 {
		return s.signInFailed(c, "nonce mismatch", nil, "")
	}
	var claims struct {
		AZP           string   `json:"azp"`
		Email         string   `json:"email"`
		EmailVerified *bool    `json:"email_verified"`
		Name          string   `json:"name"`
		AuthTime      int64    `json:"auth_time"`
		AMR           []string `json:"amr"`
		ACR           string   `json:"acr"`
		SID           string   `json:"sid"`
	}
	var all map[string]any
	if err := idt.Claims(&claims); err != nil {
		return s.signInFailed(c, "id token claims", err, "")
	}
	if err := idt.Claims(&all); err != nil {
		return s.signInFailed(c, "id token claims", err, "")
	}
	// go-oidc checks that aud contains our client id; OIDC Core §3.1.3.7 also wants azp when
	// there are several audiences, and azp, when present, to be us.
	if (len(idt.Audience) > 1 && claims.AZP == "") || (claims.AZP != "" && claims.AZP != s.signIn.clientID) {
		return s.signInFailed(c, "azp check failed", fmt.Errorf("aud %q azp %q", idt.Audience, claims.AZP), "")
	}
	if idt.IssuedAt.After(s.now().Add(maxClockSkew)) {
		return s.signInFailed(c, "id token issued in the future", fmt.Errorf("iat %s", idt.IssuedAt), "")
	}
	// Staff prove who they are with a second factor (checklist 11): Auth0 says so in amr.
	if s.requireMFA && !slices.Contains(claims.AMR, "mfa") {
		return s.multiFactorMissing(c, idt.Subject, claims.AMR)
	}

	email, name := claims.Email, claims.Name
	if email == "" {
		// Some providers put the e-mail only in userinfo.
		ui, err := p.oidc.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return s.signInFailed(c, "userinfo failed", err, "")
		}
		if ui.Subject != idt.Subject {
			return s.signInFailed(c, "userinfo subject mismatch", nil, "")
		}
		var uc struct {
			Name string `json:"name"`
		}
		_ = ui.Claims(&uc)
		email = ui.Email
		if name == "" {
			name = uc.Name
		}
	}

	now := s.now()
	id := identity{
		Issuer:    idt.Issuer,
		Subject:   idt.Subject,
		Email:     email,
		Name:      name,
		Claims:    claimValues(all[s.roleClaim]),
		AMR:       claims.AMR,
		ACR:       claims.ACR,
		SessionID: claims.SID,
		Created:   now,
		LastSeen:  now,
		CheckedAt: now, // the ID token is this moment's word on the roles
		CSRFToken: randomToken(),
	}
	if claims.AuthTime > 0 {
		id.AuthTime = time.Unix(claims.AuthTime, 0)
	}
	if txn.StepUp {
		return s.finishStepUp(c, txn, id)
	}
	if err := s.startSession(c, id); err != nil {
		if errors.Is(err, sessionstore.ErrUnavailable) {
			s.logger(c).Warn("sign-in failed", "reason", "session store unavailable", "err", err)
			return err
		}
		return s.signInFailed(c, "save session", err, "")
	}
	// The person is now the actor of this request.
	c.SetRequest(c.Request().WithContext(withIdentity(c.Request().Context(), id)))
	s.logger(c).Info("signed in", "actor_sub", id.Subject, "actor_groups", s.staffOf(id).Groups())
	s.audit(c, audit.SessionSignIn, id.Subject, nil)
	return c.Redirect(http.StatusFound, txn.ReturnTo)
}

// multiFactorMissing refuses a sign-in whose ID token shows no second factor: no session, a
// plain page saying why.
func (s *server) multiFactorMissing(c echo.Context, sub string, amr []string) error {
	s.logger(c).Warn("sign-in failed", "reason", "no multi-factor authentication", "sub", sub, "amr", amr)
	s.auditEvent(c, audit.StaffMFARequiredRefused, audit.OutcomeDenied, sub, audit.String("reason", "no multi-factor authentication"))
	return httpError(http.StatusForbidden, "userdesk requires multi-factor authentication, and the identity provider "+
		"signed you in with your password alone. Set up a second factor for your account (or ask your Auth0 "+
		"administrator to enable multi-factor authentication for userdesk), then sign in again.", nil).
		withTitle("Multi-factor authentication required").withSignIn()
}

// signInFailed logs and audits a failed sign-in and answers with the error page. msg is what
// the person reads ("" for a generic text); reason and err are for operators only.
func (s *server) signInFailed(c echo.Context, reason string, err error, msg string) error {
	if msg == "" {
		msg = "Something in the sign-in did not check out, so you were not signed in."
	}
	s.logger(c).Warn("sign-in failed", "reason", reason, "err", err)
	s.auditEvent(c, audit.SessionSignIn, audit.OutcomeFailure, "", audit.String("reason", reason))
	return httpError(http.StatusBadRequest, msg, err).withTitle("Sign-in failed").withSignIn()
}

// logout ends the session here and, when the provider advertises it, at the provider too.
func (s *server) logout(c echo.Context) error {
	if err := s.endRequestSession(c); err != nil {
		return err // the session could not be ended: do not say it was
	}
	c.Response().Header().Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	s.audit(c, audit.SessionSignOut, "", nil)
	return c.Redirect(http.StatusSeeOther, s.signOutTarget())
}

// signedOut is where sign-out lands; ?why= names one of the reasons a check of the person's
// access ended the session (revalidate.go), shown in words.
func (s *server) signedOut(c echo.Context) error {
	return render(c, http.StatusOK, views.SignedOutPage(s.page(c, "Signed out"), endedReasons[accessEnded(c.QueryParam("why"))]))
}

// errForbidden is the refusal of the roles table; handleError renders the 403 page.
var errForbidden = errors.New("handlers: forbidden by the roles table")
