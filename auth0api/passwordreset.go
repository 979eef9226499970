package auth0api

import (
	"context"
	"errors"
	"fmt"
)

// PasswordResetEmail asks Auth0 to e-mail a database user a link to reset
// their password.
type PasswordResetEmail struct {
	// ClientID is the application whose login page the link leads to and
	// whose e-mail template and branding are used; the connection must be
	// enabled for it. Required.
	ClientID string `json:"client_id"`
	// Email is the user's e-mail address. Required.
	Email string `json:"email"`
	// Connection is the name of the user's database connection. Required.
	Connection string `json:"connection"`
	// Organization is an organization id whose branding the e-mail uses;
	// optional.
	Organization string `json:"organization,omitempty"`
}

// SendPasswordResetEmail asks Auth0 to send a database user the
// "change password" e-mail, with a link to choose a new password:
// POST https://DOMAIN/dbconnections/change_password with {client_id, email,
// connection}. Unlike the rest of the client, this is the Authentication API,
// not the Management API: it is sent to Config.AuthenticationURL, without the
// Management API token, and needs no scope. Auth0 answers 200 with a
// plain-text message ("We've just sent you an email to reset your
// password."), whether or not a user has that address in that connection, so
// that the endpoint does not reveal who has an account. Missing fields are
// refused before any request.
//
// https://auth0.com/docs/api/authentication/change-password/change-password
func (c *Client) SendPasswordResetEmail(ctx context.Context, e PasswordResetEmail) error {
	const op = "POST /dbconnections/change_password"
	if e.ClientID == "" || e.Email == "" || e.Connection == "" {
		return fmt.Errorf("auth0api: %s: %w", op, errors.New("ClientID, Email and Connection are required"))
	}
	return c.call(ctx, authenticationAPI, op, nil, nil, e, nil)
}
