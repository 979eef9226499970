package authapi

import (
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// authRequest is one sign-in transaction, from /authorize until its code is redeemed. It
// implements op.AuthRequest. The storage hands out copies, so op never shares one with the
// login page.
type authRequest struct {
	id           string
	created      time.Time
	clientID     string
	redirectURI  string
	state        string
	nonce        string
	scopes       []string
	responseType oidc.ResponseType
	responseMode oidc.ResponseMode
	challenge    *oidc.CodeChallenge

	// What the client asked of the authentication.
	maxAge  *time.Duration // nil: any session will do; 0: sign in again (prompt=login, max_age=0)
	wantMFA bool           // acr_values holds ACRMultiFactor

	// The second step, once the first one passed: who passed it, how, and the code they must
	// type.
	second       bool
	candidate    string   // the subject that passed the first step
	candidateAMR []string // how (["pwd"], or the session's methods)
	code         string
	codeTries    int

	// Set when the person has signed in.
	done     bool
	subject  string
	authTime time.Time
	amr      []string
	acr      string
	sid      string

	// codeIssued is set when op has minted the one code this transaction may have.
	codeIssued bool
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return a.acr }
func (a *authRequest) GetAMR() []string                      { return slices.Clone(a.amr) }
func (a *authRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return slices.Clone(a.scopes) }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }

// snapshot returns a copy that op may keep while the original changes.
func (a *authRequest) snapshot() *authRequest {
	c := *a
	c.scopes = slices.Clone(a.scopes)
	c.amr = slices.Clone(a.amr)
	c.candidateAMR = slices.Clone(a.candidateAMR)
	return &c
}

// reuses reports whether the transaction may be completed from a provider session whose person
// last authenticated at authTime: the client set no max_age, or the session is younger.
func (a *authRequest) reuses(authTime, now time.Time) bool {
	return a.maxAge == nil || (*a.maxAge > 0 && now.Sub(authTime) <= *a.maxAge)
}
