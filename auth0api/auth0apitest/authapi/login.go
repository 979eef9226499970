package authapi

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/op"
)

var (
	//go:embed pages.html
	pagesHTML string
	//go:embed style.css
	styleCSS []byte
)

// maxLoginBody bounds a login form submission.
const maxLoginBody = 16 << 10

func parsePages() (*template.Template, error) {
	t, err := template.New("pages").Parse(pagesHTML)
	if err != nil {
		return nil, fmt.Errorf("authapi: pages: %w", err)
	}
	return t, nil
}

// loginView is what the login page shows.
type loginView struct {
	Title    string
	Style    string
	Action   string
	Audience string // where the person goes after signing in (the redirect URI's host)
	ID       string
	Username string
	Error    string
	Accounts []demoAccount
}

// demoAccount is one entry of the demo account list.
type demoAccount struct {
	Name     string
	Username string
	Password string
}

// codeView is what the second step's page shows.
type codeView struct {
	Title    string
	Style    string
	Action   string
	Audience string
	ID       string
	Email    string // where the code was sent
	Error    string
	DemoCode string // the code itself, on the demo's page only (SecondFactor.ShowOnPage)
}

// messageView is a page with a title and one sentence.
type messageView struct {
	Title   string
	Style   string
	Message string
}

// showLogin answers GET /login?id=…: the form for a pending sign-in. A live provider session in
// this browser that the client's max_age allows completes the sign-in without the form (going
// to the second step first when the client asks for multi-factor and the session has none).
func (p *Provider) showLogin(w http.ResponseWriter, r *http.Request) {
	a, ok := p.store.pending(r.URL.Query().Get("id"))
	if !ok {
		p.expired(w)
		return
	}
	if a.second {
		p.renderCode(w, r, http.StatusOK, a, "")
		return
	}
	if sess := p.sessions.fromRequest(r); sess != nil && a.reuses(sess.authTime, p.now()) {
		if p.needsSecondStep(a) && !sess.mfa() {
			p.beginSecondStep(w, r, a, sess.subject, sess.amr)
			return
		}
		p.finish(w, r, a, signedIn{subject: sess.subject, authTime: sess.authTime, amr: sess.amr, acr: sess.acr}, false)
		return
	}
	p.renderLogin(w, r, http.StatusOK, a, "", "")
}

// needsSecondStep reports whether the transaction must pass the one-time code: the client asked
// for multi-factor or the tenant always asks, and a factor is enabled at all.
func (p *Provider) needsSecondStep(a *authRequest) bool {
	return p.second.enabled() && (a.wantMFA || p.second.Always)
}

// submitLogin answers POST /login: it checks the credentials and, when they are right, either
// starts the second step or finishes the authorization request (op mints the code and
// redirects to the client).
func (p *Provider) submitLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil {
		p.renderMessage(w, http.StatusBadRequest, "Bad request", "The sign-in form could not be read.", "")
		return
	}
	id := r.PostForm.Get("id")
	username := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	a, ok := p.store.pending(id)
	if !ok || a.second {
		p.expired(w)
		return
	}
	acct, err := p.dir.Authenticate(r.Context(), username, password)
	if err != nil {
		msg := "Wrong email or password."
		switch {
		case errors.Is(err, ErrBlocked):
			msg = "This account is blocked."
		case !errors.Is(err, ErrWrongCredentials):
			p.log.WarnContext(r.Context(), "authapi: authenticate", "err", err)
		}
		p.renderLogin(w, r, http.StatusUnauthorized, a, username, msg)
		return
	}
	pwd := []string{"pwd"}
	if p.needsSecondStep(a) {
		p.beginSecondStep(w, r, a, acct.Subject, pwd)
		return
	}
	p.finish(w, r, a, signedIn{subject: acct.Subject, authTime: p.now(), amr: pwd}, true)
}

// beginSecondStep sends a fresh one-time code to subject and shows the code page.
func (p *Provider) beginSecondStep(w http.ResponseWriter, r *http.Request, a *authRequest, subject string, amr []string) {
	acct, err := p.dir.Account(r.Context(), subject)
	if err != nil {
		p.log.WarnContext(r.Context(), "authapi: second step: account", "err", err)
		p.expired(w)
		return
	}
	code, ok := p.store.beginSecondStep(a.id, subject, amr)
	if !ok {
		p.expired(w)
		return
	}
	if p.second.Send != nil {
		p.second.Send(r.Context(), acct, code)
	}
	a, ok = p.store.pending(a.id)
	if !ok {
		p.expired(w)
		return
	}
	p.renderCode(w, r, http.StatusOK, a, "")
}

// submitCode answers POST /login/code: the one-time code of the second step. Five wrong codes
// end the sign-in.
func (p *Provider) submitCode(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil {
		p.renderMessage(w, http.StatusBadRequest, "Bad request", "The form could not be read.", "")
		return
	}
	id := r.PostForm.Get("id")
	typed := strings.Join(strings.Fields(r.PostForm.Get("code")), "")
	a, check := p.store.checkCode(id, typed)
	switch check {
	case codeNoSecond:
		p.expired(w)
		return
	case codeTooMany:
		p.renderMessage(w, http.StatusUnauthorized, "Too many wrong codes",
			"This sign-in has ended. Go back to the application and sign in again.", "")
		return
	case codeWrong:
		p.renderCode(w, r, http.StatusUnauthorized, a, "Wrong code. Check it and try again.")
		return
	}
	amr := slices.Clone(a.candidateAMR)
	if !slices.Contains(amr, "mfa") {
		amr = append(amr, "mfa")
	}
	p.finish(w, r, a, signedIn{subject: a.candidate, authTime: p.now(), amr: amr, acr: ACRMultiFactor}, true)
}

// finish completes a transaction: it records the sign-in in the browser's provider session
// (a new one when someone else was signed in there: that one ends, with its back-channel
// logout), then op mints the code and redirects to the client. reauth says whether the person
// authenticated just now (rather than through the session as it was).
func (p *Provider) finish(w http.ResponseWriter, r *http.Request, a *authRequest, in signedIn, reauth bool) {
	sess, ended := p.sessions.signIn(w, r, in, reauth, a.clientID)
	if ended != nil {
		p.notifyLogout(r.Context(), ended)
	}
	in.sid = sess.id
	if !reauth {
		in.authTime, in.amr, in.acr = sess.authTime, sess.amr, sess.acr
	}
	done, ok := p.store.complete(a.id, in)
	if !ok {
		p.expired(w)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	op.AuthResponse(done, p.op, w, r.WithContext(op.ContextWithIssuer(r.Context(), p.issuer)))
}

func (p *Provider) expired(w http.ResponseWriter) {
	p.renderMessage(w, http.StatusBadRequest, "This sign-in has expired",
		"Go back to the application and sign in again.", "")
}

func (p *Provider) renderLogin(w http.ResponseWriter, r *http.Request, status int, a *authRequest, username, errMsg string) {
	v := loginView{
		Title:    "Sign in",
		Style:    p.issuer + "login/style.css",
		Action:   p.issuer + "login",
		Audience: audience(a),
		ID:       a.id,
		Username: username,
		Error:    errMsg,
	}
	for _, acct := range p.dir.Accounts(r.Context()) {
		d := demoAccount{Name: acct.Name, Username: acct.Email, Password: acct.PasswordHint}
		if d.Username == "" {
			d.Username = acct.Subject
		}
		if d.Name == "" {
			d.Name = d.Username
		}
		v.Accounts = append(v.Accounts, d)
	}
	p.render(w, status, "login", v, origin(a.redirectURI))
}

func (p *Provider) renderCode(w http.ResponseWriter, r *http.Request, status int, a *authRequest, errMsg string) {
	v := codeView{
		Title:    "Confirm it is you",
		Style:    p.issuer + "login/style.css",
		Action:   p.issuer + "login/code",
		Audience: audience(a),
		ID:       a.id,
		Error:    errMsg,
	}
	if acct, err := p.dir.Account(r.Context(), a.candidate); err == nil {
		v.Email = acct.Email
	}
	if p.second.ShowOnPage {
		v.DemoCode = a.code
	}
	p.render(w, status, "code", v, origin(a.redirectURI))
}

// audience is the name the pages give the client: its callback's host, or its id.
func audience(a *authRequest) string {
	if u, err := url.Parse(a.redirectURI); err == nil && u.Host != "" {
		return u.Host
	}
	return a.clientID
}

func (p *Provider) renderMessage(w http.ResponseWriter, status int, title, message, formTarget string) {
	v := messageView{Title: title, Style: p.issuer + "login/style.css", Message: message}
	p.render(w, status, "message", v, formTarget)
}

// render writes a page with strict headers. formTarget is an extra origin the page's forms may
// end up at (the client's callback, reached by a redirect after the login POST).
func (p *Provider) render(w http.ResponseWriter, status int, name string, v any, formTarget string) {
	var buf bytes.Buffer
	if err := p.pages.ExecuteTemplate(&buf, name, v); err != nil {
		p.log.Error("authapi: render page", "page", name, "err", err)
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	formAction := "'self'"
	if formTarget != "" {
		formAction += " " + formTarget
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action "+
		formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// origin returns the scheme://host of an absolute URL, or "" when it has none or could break
// out of a CSP source list.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	o := u.Scheme + "://" + u.Host
	if strings.ContainsAny(o, " ;,'\"") {
		return ""
	}
	return o
}

// style serves the login page's stylesheet.
func (p *Provider) style(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(styleCSS)
}

// signedOut is where /oidc/logout lands without a post_logout_redirect_uri.
func (p *Provider) signedOut(w http.ResponseWriter, _ *http.Request) {
	p.renderMessage(w, http.StatusOK, "You are signed out", "You can close this window.", "")
}
