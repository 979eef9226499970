package views

import (
	"encoding/json"

	"userdesk/auth0api"
)

// UserEditForm is the edit form's values: as loaded from Auth0, or as the person typed them.
type UserEditForm struct {
	Name        string `json:"name"`
	GivenName   string `json:"given_name"`
	FamilyName  string `json:"family_name"`
	Nickname    string `json:"nickname"`
	Picture     string `json:"picture"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number"`
	Username    string `json:"username"`
	// EmailVerified is the e-mail's verified state.
	EmailVerified bool `json:"email_verified"`
	// UserMetadata and AppMetadata are JSON objects as text.
	UserMetadata string `json:"user_metadata"`
	AppMetadata  string `json:"app_metadata"`

	// VerifyEmail asks Auth0 to send a verification e-mail when the address changes.
	VerifyEmail bool `json:"-"`
	// UpdatedAt is the user's updated_at when the form was loaded; a save is refused when Auth0
	// has a newer one (someone else changed the user meanwhile).
	UpdatedAt string `json:"-"`
	// Original is the form's values as loaded (JSON), to show what changed in Auth0 meanwhile.
	Original string `json:"-"`
}

// FieldChange is one field that changed in Auth0 since the edit form was loaded.
type FieldChange struct {
	Field string // its label
	Was   string // when the form was loaded
	Now   string // in Auth0 now
}

// UserEditData is the edit form of a user.
type UserEditData struct {
	// User is the user as Auth0 has it (for the heading and the id).
	User auth0api.User
	Form UserEditForm
	// UsernameEditable: the user's connection requires usernames, so it has one to edit.
	UsernameEditable bool
	// Errors are messages by field name ("name", "user_metadata", ...).
	Errors map[string]string
	// Problem is an Auth0 refusal that concerns no single field.
	Problem *Problem
	// Conflict lists what changed in Auth0 since the form was loaded; when set, nothing was
	// saved and the form asks to save again.
	Conflict []FieldChange
	// ConflictAt is when the user was changed in Auth0.
	ConflictAt string
	CSRFToken  string
	// ConfirmIdentity: the person's sign-in is too old for the changes that need a step-up
	// (the e-mail address, its verification, the phone number), which the form says.
	ConfirmIdentity bool
}

// ConnectionChoice is a connection users can be created in.
type ConnectionChoice struct {
	Name  string
	Label string // its display name, or the name
	// RequiresUsername: users of this connection need a username.
	RequiresUsername bool
	// Passwordless: an e-mail code connection, without passwords.
	Passwordless bool
}

// UserNewForm is the create form's values.
type UserNewForm struct {
	Connection    string
	Email         string
	Username      string
	Password      string
	Name          string
	GivenName     string
	FamilyName    string
	Nickname      string
	EmailVerified bool
	VerifyEmail   bool
	UserMetadata  string
	AppMetadata   string
}

// UserNewData is the create-user page.
type UserNewData struct {
	Connections []ConnectionChoice
	Form        UserNewForm
	Errors      map[string]string
	Problem     *Problem
	CSRFToken   string
}

// formUsernameConnections names the connections that require usernames, for the form's hint.
func formUsernameConnections(cs []ConnectionChoice) string {
	out := ""
	for _, c := range cs {
		if c.RequiresUsername {
			if out != "" {
				out += ", "
			}
			out += c.Label
		}
	}
	return out
}

// formDescribedBy is the aria-describedby of a field: its help and its error, when present.
func formDescribedBy(name string, help bool, errs map[string]string) string {
	out := ""
	if help {
		out = "help-" + name
	}
	if errs[name] != "" {
		if out != "" {
			out += " "
		}
		out += "error-" + name
	}
	return out
}

// formChoicesJSON carries the connection choices in the form, so a refused form can be shown
// again with them without asking Auth0 (the server checks the chosen one before creating).
func formChoicesJSON(cs []ConnectionChoice) string {
	b, err := json.Marshal(cs)
	if err != nil {
		return "[]"
	}
	return string(b)
}
