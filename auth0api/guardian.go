package auth0api

import (
	"context"
	"encoding/json"
	"log/slog"
)

// Factors an enrollment ticket can require (GuardianEnrollmentFactorEnum).
const (
	FactorPushNotification = "push-notification"
	FactorPhone            = "phone"
	FactorEmail            = "email"
	FactorOTP              = "otp"
	FactorWebAuthnRoaming  = "webauthn-roaming"
	FactorWebAuthnPlatform = "webauthn-platform"
)

// GuardianEnrollmentTicket asks for an MFA enrollment invitation
// (CreateGuardianEnrollmentTicketRequestContent).
type GuardianEnrollmentTicket struct {
	UserID string `json:"user_id"`
	// Email is another address to send the invitation to (default: the
	// user's own).
	Email string `json:"email,omitempty"`
	// SendMail makes Auth0 e-mail the invitation. Unset leaves Auth0's
	// default, which it does not document (the emulated tenant sends none):
	// set it either way.
	SendMail    Opt[bool] `json:"send_mail,omitzero"`
	EmailLocale string    `json:"email_locale,omitempty"` // e.g. "fr-FR", with SendMail
	// Factor is the factor the user must enroll (Factor* constants; Universal
	// Login only); "" lets the user choose.
	Factor string `json:"factor,omitempty"`
	// AllowMultipleEnrollments lets a user who has a factor enroll another
	// (Universal Login only).
	AllowMultipleEnrollments Opt[bool] `json:"allow_multiple_enrollments,omitzero"`
}

// EnrollmentTicket is an MFA enrollment invitation. URL (and ID, which it
// contains) is a bearer secret, single-use and valid for 5 days: show it
// once or let Auth0 e-mail it, never log or audit it. String and LogValue
// redact both.
type EnrollmentTicket struct {
	ID  string `json:"ticket_id"`
	URL string `json:"ticket_url"` // https://TENANT/mfa/enrollment?ticket=ID

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

var enrollmentTicketCodec = newCodec[EnrollmentTicket]()

// UnmarshalJSON decodes a ticket, keeping unknown keys in Extra.
func (t *EnrollmentTicket) UnmarshalJSON(b []byte) error {
	return enrollmentTicketCodec.decode(b, t, &t.seen)
}

// MarshalJSON encodes the ticket as it was received (secrets included: it is
// for the page that shows the link, not for logs).
func (t EnrollmentTicket) MarshalJSON() ([]byte, error) {
	return enrollmentTicketCodec.encode(&t, t.seen)
}

// String redacts the ticket, so that %v never prints the link.
func (t EnrollmentTicket) String() string { return "EnrollmentTicket{[redacted]}" }

// LogValue redacts the ticket in log/slog output.
func (t EnrollmentTicket) LogValue() slog.Value {
	return slog.StringValue("[redacted enrollment ticket]")
}

// CreateGuardianEnrollmentTicket creates an MFA enrollment invitation for a
// user and, with SendMail, has Auth0 e-mail it: POST
// /api/v2/guardian/enrollments/ticket (200, not 201). An empty UserID is
// refused with ErrInvalidID. An unknown user is ErrNotFound.
//
// Scope: create:guardian_enrollment_tickets.
//
// https://auth0.com/docs/api/management/v2/guardian/post-ticket
func (c *Client) CreateGuardianEnrollmentTicket(ctx context.Context, t GuardianEnrollmentTicket) (*EnrollmentTicket, error) {
	const op = "POST /guardian/enrollments/ticket"
	if t.UserID == "" {
		return nil, invalidID(op)
	}
	var out EnrollmentTicket
	if err := c.do(ctx, op, nil, nil, t, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
