package auth0api

import "context"

// PasswordChangeTicket asks for a password-change link for a user.
type PasswordChangeTicket struct {
	UserID   string `json:"user_id"`
	ClientID string `json:"client_id,omitempty"` // the application whose login page the link returns to
	// ResultURL is where the user goes after changing the password (not
	// with ClientID, whose default login route is used then).
	ResultURL              string `json:"result_url,omitempty"`
	TTLSec                 int    `json:"ttl_sec,omitempty"` // 0 = Auth0's default (5 days)
	MarkEmailAsVerified    bool   `json:"mark_email_as_verified,omitempty"`
	IncludeEmailInRedirect bool   `json:"includeEmailInRedirect,omitempty"`
}

// VerificationEmailJob asks Auth0 to send a user the verification email.
type VerificationEmailJob struct {
	UserID   string
	ClientID string // the application whose settings the email uses
	// Identity picks the identity to verify (its UserID and Provider are
	// sent); nil = the primary one.
	Identity *Identity
}

// CreatePasswordChangeTicket creates a password-change link for a user and
// returns its URL: POST /api/v2/tickets/password-change (201 {"ticket": …}).
// An empty UserID is refused with ErrInvalidID.
//
// Scope: create:user_tickets.
//
// https://auth0.com/docs/api/management/v2/tickets/post-password-change
func (c *Client) CreatePasswordChangeTicket(ctx context.Context, t PasswordChangeTicket) (string, error) {
	const op = "POST /tickets/password-change"
	if t.UserID == "" {
		return "", invalidID(op)
	}
	var out struct {
		Ticket string `json:"ticket"`
	}
	if err := c.do(ctx, op, nil, nil, t, &out); err != nil {
		return "", err
	}
	return out.Ticket, nil
}

// CreateVerificationEmailJob sends a user the email-verification email:
// POST /api/v2/jobs/verification-email (201 with the job). An empty UserID
// is refused with ErrInvalidID.
//
// Scope: update:users.
//
// https://auth0.com/docs/api/management/v2/jobs/post-verification-email
func (c *Client) CreateVerificationEmailJob(ctx context.Context, j VerificationEmailJob) (*Job, error) {
	const op = "POST /jobs/verification-email"
	if j.UserID == "" {
		return nil, invalidID(op)
	}
	body := struct {
		UserID   string `json:"user_id"`
		ClientID string `json:"client_id,omitempty"`
		Identity *struct {
			UserID   string `json:"user_id"`
			Provider string `json:"provider"`
		} `json:"identity,omitempty"`
	}{UserID: j.UserID, ClientID: j.ClientID}
	if j.Identity != nil {
		body.Identity = &struct {
			UserID   string `json:"user_id"`
			Provider string `json:"provider"`
		}{j.Identity.UserID, j.Identity.Provider}
	}
	var out Job
	if err := c.do(ctx, op, nil, nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
