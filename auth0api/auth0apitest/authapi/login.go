package authapi

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
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

// messageView is a page with a title and one sentence.
type messageView struct {
	Title   string
	Style   string
	Message string
}

// showLogin answers GET /login?id=…: the form for a pending sign-in.
func (p *Provider) showLogin(w http.ResponseWriter, r *http.Request) {
	a, ok := p.store.pending(r.URL.Query().Get("id"))
	if !ok {
		p.expired(w)
		return
	}
	p.renderLogin(w, r, http.StatusOK, a, "", "")
}

// submitLogin answers POST /login: it checks the credentials and, when they are right, finishes
// the authorization request (op mints the code and redirects to the client).
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
	if !ok {
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
	done, ok := p.store.complete(id, acct.Subject, accountAMR(acct))
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
		Audience: a.clientID,
		ID:       a.id,
		Username: username,
		Error:    errMsg,
	}
	if u, err := url.Parse(a.redirectURI); err == nil && u.Host != "" {
		v.Audience = u.Host
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
