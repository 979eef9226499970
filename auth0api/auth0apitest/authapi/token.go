package authapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// maxTokenBody bounds a /oauth/token request body.
const maxTokenBody = 64 << 10

// machineTokenLifetime is Auth0's default Management API token lifetime (86400 s).
const machineTokenLifetime = 24 * time.Hour

// token answers POST /oauth/token. Auth0 accepts form and JSON bodies; op reads forms, so a JSON
// body is turned into one. client_credentials goes to Config.Machine; an authorization_code
// request is checked for client authentication and PKCE before op redeems (and so burns) the
// code; every other grant goes to op as it is. Issued ID tokens may then be re-stamped or
// tampered with.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenBody)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
		var err error
		if r, err = jsonBodyAsForm(r); err != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the body is not a JSON object")
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the body cannot be parsed")
		return
	}
	switch r.Form.Get("grant_type") {
	case string(oidc.GrantTypeClientCredentials):
		if p.machine != nil {
			p.clientCredentials(w, r)
			return
		}
	case string(oidc.GrantTypeCode):
		if !p.precheckCode(w, r) {
			return
		}
	}
	rec := newResponseBuffer()
	p.op.ServeHTTP(rec, r)
	body := rec.body.Bytes()
	if rec.code() == http.StatusOK {
		var err error
		if body, err = p.reissueIDTokenIn(body); err != nil {
			p.log.ErrorContext(r.Context(), "authapi: reissue ID token", "err", err)
			writeOAuthError(w, http.StatusInternalServerError, "server_error", "cannot issue the ID token")
			return
		}
	}
	rec.copyTo(w, body)
}

// jsonBodyAsForm returns a copy of r whose JSON object body is form-encoded (strings, numbers
// and booleans; nested values are dropped).
func jsonBodyAsForm(r *http.Request) (*http.Request, error) {
	var obj map[string]any
	if err := json.NewDecoder(r.Body).Decode(&obj); err != nil {
		return nil, fmt.Errorf("authapi: token body: %w", err)
	}
	form := url.Values{}
	for k, v := range obj {
		switch v := v.(type) {
		case string:
			form.Set(k, v)
		case float64:
			form.Set(k, strconv.FormatFloat(v, 'f', -1, 64))
		case bool:
			form.Set(k, strconv.FormatBool(v))
		}
	}
	enc := form.Encode()
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(strings.NewReader(enc))
	r2.ContentLength = int64(len(enc))
	r2.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r2, nil
}

// clientCredentialsOf returns the client id and secret from Basic authentication (form-encoded,
// RFC 6749 §2.3.1) or, failing that, from the body.
func clientCredentialsOf(r *http.Request) (id, secret string) {
	if u, s, ok := r.BasicAuth(); ok {
		if v, err := url.QueryUnescape(u); err == nil {
			u = v
		}
		if v, err := url.QueryUnescape(s); err == nil {
			s = v
		}
		return u, s
	}
	return r.Form.Get("client_id"), r.Form.Get("client_secret")
}

// precheckCode refuses, without burning the code, a request from a client that fails to
// authenticate (invalid_client) or that lacks the right PKCE verifier (invalid_grant). It
// reports whether op may go on. Refusing before op matters: op looks the code up (which redeems
// it) before it checks the client, and x/oauth2 retries a failed exchange with the other client
// authentication style, which would turn every error into "invalid code".
func (p *Provider) precheckCode(w http.ResponseWriter, r *http.Request) bool {
	id, secret := clientCredentialsOf(r)
	if !p.store.clientSecretOK(id, secret) {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Unauthorized")
		return false
	}
	a, ok := p.store.peekCode(r.Form.Get("code"))
	if !ok {
		return true // op answers invalid_grant
	}
	if a.clientID != id {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Invalid authorization code")
		return false
	}
	verifier := r.Form.Get("code_verifier")
	if verifier == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Parameter 'code_verifier' is required")
		return false
	}
	if !oidc.VerifyCodeChallenge(a.challenge, verifier) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Failed to verify code verifier")
		return false
	}
	return true
}

// reissueIDTokenIn rewrites the id_token of a token response: re-stamped and re-signed when the
// Provider has its own clock or TamperIDTokens is set, then replaced when ReplaceIDTokens is set.
// Otherwise it returns body unchanged.
func (p *Provider) reissueIDTokenIn(body []byte) ([]byte, error) {
	var tamper func(map[string]any)
	if f := p.tamper.Load(); f != nil {
		tamper = *f
	}
	var replace func(string) string
	if f := p.replace.Load(); f != nil {
		replace = *f
	}
	if tamper == nil && replace == nil && !p.ownClock {
		return body, nil
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("authapi: token response: %w", err)
	}
	var raw string
	if err := json.Unmarshal(resp["id_token"], &raw); err != nil || raw == "" {
		return body, nil
	}
	if tamper != nil || p.ownClock {
		var err error
		if raw, err = p.resign(raw, tamper); err != nil {
			return nil, err
		}
	}
	if replace != nil {
		raw = replace(raw)
	}
	var err error
	if resp["id_token"], err = json.Marshal(raw); err != nil {
		return nil, fmt.Errorf("authapi: token response: %w", err)
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("authapi: token response: %w", err)
	}
	return out, nil
}

// resign decodes an ID token op issued, re-stamps iat and exp from the Provider's clock when it
// has its own, lets tamper edit the claims, and signs the result with the current key.
func (p *Provider) resign(raw string, tamper func(map[string]any)) (string, error) {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "", fmt.Errorf("authapi: parse ID token: %w", err)
	}
	claims := map[string]any{}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		return "", fmt.Errorf("authapi: ID token claims: %w", err)
	}
	if p.ownClock {
		now := p.now()
		claims["iat"] = now.Unix()
		claims["exp"] = now.Add(idTokenLifetime).Unix()
	}
	if tamper != nil {
		tamper(claims)
	}
	return p.sign(claims)
}

// sign returns claims as a JWT signed with the current key.
func (p *Provider) sign(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("authapi: sign: %w", err)
	}
	signer, err := p.keys.signing().signer()
	if err != nil {
		return "", err
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("authapi: sign: %w", err)
	}
	return obj.CompactSerialize()
}

// machineTokenResponse is Auth0's client-credentials answer, in Auth0's key order.
type machineTokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
	TokenType   string `json:"token_type"`
}

// clientCredentials answers the client-credentials grant with Config.Machine.
func (p *Provider) clientCredentials(w http.ResponseWriter, r *http.Request) {
	id, secret := clientCredentialsOf(r)
	audience := r.Form.Get("audience")
	tok, err := p.machine(r.Context(), id, secret, audience)
	if err != nil {
		p.machineError(w, r, err, audience)
		return
	}
	life := tok.ExpiresIn
	if life <= 0 {
		life = machineTokenLifetime
	}
	writeJSON(w, http.StatusOK, machineTokenResponse{
		AccessToken: tok.AccessToken,
		ExpiresIn:   int64(life / time.Second),
		Scope:       strings.Join(tok.Scopes, " "),
		TokenType:   "Bearer",
	})
}

// machineError writes Auth0's answer for a refused client-credentials grant.
func (p *Provider) machineError(w http.ResponseWriter, r *http.Request, err error, audience string) {
	var te *TokenError
	switch {
	case errors.As(err, &te):
		writeOAuthError(w, te.Status, te.Code, te.Description)
	case errors.Is(err, ErrUnauthorized):
		writeOAuthError(w, http.StatusUnauthorized, "access_denied", "Unauthorized")
	case errors.Is(err, ErrServiceNotEnabled):
		writeOAuthError(w, http.StatusForbidden, "access_denied", "Service not enabled within domain: "+audience)
	case errors.Is(err, ErrNoClientGrant):
		writeOAuthError(w, http.StatusForbidden, "access_denied", fmt.Sprintf(
			"Client is not authorized to access %q. You need to create a %q associated to this API. "+
				"See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants", audience, "client-grant"))
	default:
		p.log.ErrorContext(r.Context(), "authapi: client credentials", "err", err)
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "Internal error")
	}
}

// oauthError is an OAuth 2.0 error body.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, oauthError{Error: code, Description: description})
}

// writeJSON writes v with the no-store headers token responses need.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode the response", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	w.Write(b)
}

// responseBuffer captures a response from op so that it can be inspected or rewritten.
type responseBuffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newResponseBuffer() *responseBuffer { return &responseBuffer{header: http.Header{}} }

func (b *responseBuffer) Header() http.Header { return b.header }

func (b *responseBuffer) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *responseBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// code returns the status written, 200 if none was.
func (b *responseBuffer) code() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

// copyTo writes the captured headers and status with body to w.
func (b *responseBuffer) copyTo(w http.ResponseWriter, body []byte) {
	h := w.Header()
	for k, v := range b.header {
		h[k] = v
	}
	h.Del("Content-Length")
	w.WriteHeader(b.code())
	w.Write(body)
}
