package handlers

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"userdesk/audit"
	"userdesk/views"
)

// signInTxn is a sign-in in progress, kept server-side in the pre-login session until the
// provider sends the browser back to /callback. It is used once.
type signInTxn struct {
	State    string // 256 random bits, compared in constant time
	Nonce    string // 256 random bits, checked against the ID token's nonce
	Verifier string // PKCE code verifier (S256 challenge sent)
	ReturnTo string // a local path, checked by localPath
	Created  time.Time
}

// signInTTL is how long a sign-in may take between /login and /callback.
const signInTTL = 10 * time.Minute

// maxClockSkew is how far in the future an ID token's iat may be.
const maxClockSkew = 5 * time.Minute

// login starts a sign-in: authorization code flow with PKCE (S256), state and nonce.
func (s *server) login(c echo.Context) error {
	p, err := s.signIn.current()
	if err != nil {
		return httpError(http.StatusServiceUnavailable, "Sign-in is not available right now: userdesk cannot reach the identity provider. Try again in a minute.", err)
	}
	txn := signInTxn{
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: localPath(c.QueryParam("return_to")),
		Created:  s.now(),
	}
	// One sign-in per browser: a new one replaces (and deletes) any earlier one.
	sess, _ := s.store.Get(c.Request(), s.signInName)
	if sess.ID != "" {
		s.store.Delete(sess.ID)
	}
	sess.ID = ""
	sess.Values = map[any]any{keySignInTxn: txn}
	sess.Options.MaxAge = int(signInTTL / time.Second)
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return fmt.Errorf("save sign-in: %w", err)
	}
	return c.Redirect(http.StatusFound, p.oauth2.AuthCodeURL(txn.State,
		oidc.Nonce(txn.Nonce), oauth2.S256ChallengeOption(txn.Verifier)))
}

// takeSignInTxn returns the browser's sign-in in progress and deletes it, so that a callback
// can be used only once.
func (s *server) takeSignInTxn(c echo.Context) (signInTxn, bool) {
	sess, _ := s.store.Get(c.Request(), s.signInName)
	txn, ok := sess.Values[keySignInTxn].(signInTxn)
	if _, err := c.Cookie(s.signInName); err == nil {
		sess.Options.MaxAge = -1
		_ = sess.Save(c.Request(), c.Response()) // deletes the record, expires the cookie
	}
	return txn, ok
}

// errorCode matches OAuth error codes worth repeating to a person ("access_denied").
var errorCode = regexp.MustCompile(`^[a-z_]{1,40}$`)

// callback finishes a sign-in. Every check that fails ends on an error page with a "Sign in
// again" link; the reason is logged and audited, and no session is created.
func (s *server) callback(c echo.Context) error {
	txn, ok := s.takeSignInTxn(c)
	q := c.QueryParams()
	if e := q.Get("error"); e != "" {
		msg := "The identity provider did not sign you in."
		if errorCode.MatchString(e) {
			msg = fmt.Sprintf("The identity provider did not sign you in (%s).", e)
		}
		return s.signInFailed(c, "provider error", fmt.Errorf("%q: %q", e, q.Get("error_description")), msg)
	}
	if !ok {
		return s.signInFailed(c, "no sign-in in progress", nil, "This sign-in link was already used, has expired, or was opened in another browser.")
	}
	if s.now().Sub(txn.Created) > signInTTL {
		return s.signInFailed(c, "sign-in took too long", nil, "The sign-in took too long.")
	}
	if state := q.Get("state"); state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(txn.State)) != 1 {
		return s.signInFailed(c, "state mismatch", nil, "")
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
		AZP           string `json:"azp"`
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
		Name          string `json:"name"`
		AuthTime      int64  `json:"auth_time"`
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
		Created:   now,
		LastSeen:  now,
		CheckedAt: now, // the ID token is this moment's word on the roles
		CSRFToken: randomToken(),
	}
	if claims.AuthTime > 0 {
		id.AuthTime = time.Unix(claims.AuthTime, 0)
	}
	if err := s.startSession(c, id); err != nil {
		return s.signInFailed(c, "save session", err, "")
	}
	// The person is now the actor of this request.
	c.SetRequest(c.Request().WithContext(withIdentity(c.Request().Context(), id)))
	s.logger(c).Info("signed in", "actor_sub", id.Subject, "actor_groups", s.staffOf(id).Groups())
	s.audit(c, audit.SessionSignIn, id.Subject, nil)
	return c.Redirect(http.StatusFound, txn.ReturnTo)
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
	s.endSession(c, s.session(c))
	c.Response().Header().Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	s.audit(c, audit.SessionSignOut, "", nil)

	target := s.baseURL + "/signed-out"
	if p, err := s.signIn.current(); err == nil && p.endSession != "" {
		u, err := url.Parse(p.endSession)
		if err == nil {
			q := u.Query()
			q.Set("client_id", s.signIn.clientID)
			q.Set("post_logout_redirect_uri", target)
			u.RawQuery = q.Encode()
			target = u.String()
		}
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// signedOut is where sign-out lands; ?why= names one of the reasons a check of the person's
// access ended the session (revalidate.go), shown in words.
func (s *server) signedOut(c echo.Context) error {
	return render(c, http.StatusOK, views.SignedOutPage(s.page(c, "Signed out"), endedReasons[accessEnded(c.QueryParam("why"))]))
}

// errForbidden is the refusal of the roles table; handleError renders the 403 page.
var errForbidden = errors.New("handlers: forbidden by the roles table")
