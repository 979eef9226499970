package authapi

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// BackChannelLogoutEvent is the member of a logout token's "events" claim that makes it one
// (OpenID Connect Back-Channel Logout 1.0 §2.4).
const BackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutTokenLifetime is a logout token's exp - iat: Auth0's tokens live 2 minutes.
const logoutTokenLifetime = 2 * time.Minute

// SessionInfo describes a live provider session.
type SessionInfo struct {
	// ID is the session's id: the "sid" of the ID tokens and logout tokens issued for it.
	ID string
	// Subject is who is signed in.
	Subject string
	// AuthTime is when they last proved who they are; AMR how.
	AuthTime time.Time
	AMR      []string
	// Clients are the client ids someone was signed in to through this session.
	Clients []string
}

// Sessions lists the live provider sessions of subject.
func (p *Provider) Sessions(subject string) []SessionInfo {
	var out []SessionInfo
	for _, s := range p.sessions.list(func(s *session) bool { return s.subject == subject }) {
		out = append(out, SessionInfo{ID: s.id, Subject: s.subject, AuthTime: s.authTime, AMR: s.amr, Clients: s.clients})
	}
	return out
}

// EndSession ends the provider session sid, as an administrator revoking it would, and sends
// the back-channel logout to every client signed in through it (waiting for the deliveries).
// It reports whether there was such a session.
func (p *Provider) EndSession(ctx context.Context, sid string) bool {
	ended := p.sessions.end(func(s *session) bool { return s.id == sid })
	for _, s := range ended {
		p.notifyLogout(ctx, s)
	}
	return len(ended) > 0
}

// EndSessions ends every provider session of subject (e.g. an administrator signing a person
// out everywhere, or the account being blocked), sends the back-channel logouts and returns
// how many sessions ended.
func (p *Provider) EndSessions(ctx context.Context, subject string) int {
	ended := p.sessions.end(func(s *session) bool { return s.subject == subject })
	for _, s := range ended {
		p.notifyLogout(ctx, s)
	}
	return len(ended)
}

// notifyLogout sends a logout token to each client of the ended session that registered a
// back-channel logout URI, in parallel, and waits for the answers. A refusal or an unreachable
// client is logged; nothing is retried (Auth0 does not document retries either).
func (p *Provider) notifyLogout(ctx context.Context, s *session) {
	ctx = context.WithoutCancel(ctx) // the session has ended: tell the clients even if the caller left
	var wg sync.WaitGroup
	for _, id := range s.clients {
		c, ok := p.store.clients[id]
		if !ok || c.c.BackChannelLogoutURI == "" {
			continue
		}
		wg.Go(func() {
			if err := p.sendLogout(ctx, c.c, s); err != nil {
				p.log.WarnContext(ctx, "authapi: back-channel logout not accepted", "client_id", c.c.ID, "err", err)
			}
		})
	}
	wg.Wait()
}

// sendLogout POSTs one logout token to the client's back-channel logout URI.
func (p *Provider) sendLogout(ctx context.Context, c Client, s *session) error {
	tok, err := p.LogoutToken(c.ID, s.subject, s.id)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, BackChannelTimeout)
	defer cancel()
	body := url.Values{"logout_token": {tok}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BackChannelLogoutURI, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("authapi: back-channel logout: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.backChannel.Do(req)
	if err != nil {
		return fmt.Errorf("authapi: back-channel logout: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("authapi: back-channel logout: status %d: %q", resp.StatusCode, msg)
	}
	return nil
}

// LogoutToken returns a logout token for the client, as the provider sends it: signed with the
// current key, header typ "JWT", claims iss, aud (clientID), iat, exp, jti, events, sub and sid
// (each of those two only when not empty), and no nonce. Tests use it to build tokens of their
// own; the provider sends its own when a session ends.
func (p *Provider) LogoutToken(clientID, subject, sid string) (string, error) {
	now := p.now()
	claims := map[string]any{
		"iss":    p.issuer,
		"aud":    clientID,
		"iat":    now.Unix(),
		"exp":    now.Add(logoutTokenLifetime).Unix(),
		"jti":    rand.Text(),
		"events": map[string]any{BackChannelLogoutEvent: map[string]any{}},
	}
	if subject != "" {
		claims["sub"] = subject
	}
	if sid != "" {
		claims["sid"] = sid
	}
	return p.sign(claims)
}
