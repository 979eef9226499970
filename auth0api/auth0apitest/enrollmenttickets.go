package auth0apitest

import (
	"net/http"
	"slices"
	"time"
)

// EnrollmentTicket is an MFA enrollment invitation created through POST
// /guardian/enrollments/ticket. URL (and ID, which it holds) is a bearer
// secret: tests may read it here, the dashboard must never log it.
type EnrollmentTicket struct {
	ID     string // ticket_id
	URL    string // ticket_url: BaseURL + "/mfa/enrollment?ticket=" + ID
	UserID string
	// Email is the address the invitation was e-mailed to (the body's email,
	// else the user's); "" when none was sent.
	Email     string
	Sent      bool
	CreatedAt time.Time
	ExpiresAt time.Time // 5 days after CreatedAt (tickets are single-use)
	// Body is the request's body as sent.
	Body map[string]any
}

// EnrollmentTickets returns the enrollment tickets created, in order.
func (t *Tenant) EnrollmentTickets() []EnrollmentTicket {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return slices.Clone(t.dir.enrollmentTickets)
}

// enrollmentTicketLifetime is how long a ticket is valid (Auth0's
// create-custom-enrollment-tickets page).
const enrollmentTicketLifetime = 5 * 24 * time.Hour

// enrollmentTicketSchema is CreateGuardianEnrollmentTicketRequestContent.
var enrollmentTicketSchema = bodySchema{
	required: []string{"user_id"},
	props: map[string]prop{
		"user_id":                    {kind: "string", min: 1},
		"email":                      {kind: "string", format: "email"},
		"send_mail":                  {kind: "boolean"},
		"email_locale":               {kind: "string"},
		"factor":                     {kind: "string", enum: []string{"push-notification", "phone", "email", "otp", "webauthn-roaming", "webauthn-platform"}},
		"allow_multiple_enrollments": {kind: "boolean"},
	},
}

// createEnrollmentTicket answers POST /guardian/enrollments/ticket: 200
// {ticket_id, ticket_url}, and records the ticket and, with send_mail, the
// e-mail. The Guardian API's errors are worded differently from the Users
// API's (OAS): 400 "Invalid input based on schemas." for any schema
// problem, 404 "User not found.".
//
// Decided where Auth0 is silent (§10.8): send_mail defaults to false (no
// e-mail unless asked); asking for an e-mail for a user without an address
// and without email is refused (400), rather than "sent" nowhere.
func (t *Tenant) createEnrollmentTicket(q *request) (int, any, *apiError) {
	body, err := decodeObject(q)
	if err != nil {
		return 0, nil, err
	}
	if enrollmentTicketSchema.validate(body) != nil {
		return 0, nil, newError(http.StatusBadRequest, "", "Invalid input based on schemas.")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.dir.users[str(body["user_id"])]
	if rec == nil {
		return 0, nil, newError(http.StatusNotFound, "", "User not found.")
	}
	ticket := EnrollmentTicket{UserID: rec.id, CreatedAt: q.now, ExpiresAt: q.now.Add(enrollmentTicketLifetime), Body: body}
	if send, _ := body["send_mail"].(bool); send {
		ticket.Email = str(body["email"])
		if ticket.Email == "" {
			ticket.Email = str(rec.obj["email"])
		}
		if ticket.Email == "" {
			return 0, nil, newError(http.StatusBadRequest, "", "The user has no email address: send the enrollment e-mail to an email given in the request.")
		}
		ticket.Sent = true
	}
	ticket.ID = t.dir.randomString(alnum, 32)
	ticket.URL = t.baseURL + "/mfa/enrollment?ticket=" + ticket.ID
	t.dir.enrollmentTickets = append(t.dir.enrollmentTickets, ticket)
	return http.StatusOK, map[string]any{"ticket_id": ticket.ID, "ticket_url": ticket.URL}, nil
}
