package authapi

import (
	"encoding/json"
	"net/http"
	"strings"
)

// authorize answers /authorize through op, turning op's plain-text refusals (unknown client,
// unregistered redirect_uri: cases that must never redirect) into an HTML error page. A request
// without client_id or redirect_uri is refused here (op would log it as a server error).
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.renderMessage(w, http.StatusBadRequest, "Sign-in request refused", "The request could not be read.", "")
		return
	}
	for _, param := range []string{"client_id", "redirect_uri"} {
		if r.Form.Get(param) == "" {
			p.renderMessage(w, http.StatusBadRequest, "Sign-in request refused", "The request has no "+param+".", "")
			return
		}
	}
	rec := newResponseBuffer()
	p.op.ServeHTTP(rec, r)
	if rec.code() >= 400 {
		p.renderMessage(w, rec.code(), "Sign-in request refused", refusal(rec), "")
		return
	}
	rec.copyTo(w, rec.body.Bytes())
}

// logout answers /oidc/logout through op, after the checks op leaves out: a
// post_logout_redirect_uri needs a client_id or id_token_hint to be checked against (op would
// silently ignore it), and an unknown client_id is a 400 (op would answer 500). Refusals are an
// HTML page, never a redirect.
func (p *Provider) logout(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.renderMessage(w, http.StatusBadRequest, "Sign-out refused", "The request could not be read.", "")
		return
	}
	clientID := r.Form.Get("client_id")
	if clientID != "" {
		if _, ok := p.store.clients[clientID]; !ok {
			p.renderMessage(w, http.StatusBadRequest, "Sign-out refused", "The client_id is not known.", "")
			return
		}
	}
	if r.Form.Get("post_logout_redirect_uri") != "" && clientID == "" && r.Form.Get("id_token_hint") == "" {
		p.renderMessage(w, http.StatusBadRequest, "Sign-out refused",
			"A post_logout_redirect_uri needs a client_id or an id_token_hint.", "")
		return
	}
	rec := newResponseBuffer()
	p.op.ServeHTTP(rec, r)
	if rec.code() >= 400 {
		p.renderMessage(w, rec.code(), "Sign-out refused", refusal(rec), "")
		return
	}
	// The request is valid: end this browser's provider session and tell its clients.
	if ended := p.sessions.endFromRequest(rec, r); ended != nil {
		p.notifyLogout(r.Context(), ended)
	}
	rec.copyTo(w, rec.body.Bytes())
}

// refusal extracts the message of an op error response: the error_description of a JSON body,
// or the plain text.
func refusal(rec *responseBuffer) string {
	body := rec.body.Bytes()
	var e oauthError
	if strings.HasPrefix(rec.header.Get("Content-Type"), "application/json") && json.Unmarshal(body, &e) == nil {
		if e.Description != "" {
			return e.Description
		}
		if e.Error != "" {
			return e.Error
		}
	}
	msg := strings.TrimSpace(string(body))
	if msg == "" {
		msg = http.StatusText(rec.code())
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}
