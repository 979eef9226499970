package handlers

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"maps"
	"math/big"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/userops"
	"userdesk/views"
)

// creatableStrategies are the connection strategies users can be created in through the
// Management API: database ("auth0") and passwordless e-mail.
func creatableStrategies() []string { return []string{"auth0", "email"} }

// newUserForm is the create-user page, with the tenant's database and e-mail connections to
// choose from.
func (s *server) newUserForm(c echo.Context) error {
	choices, err := s.connectionChoices(c)
	if err != nil {
		return err
	}
	d := views.UserNewData{Connections: choices, Form: views.UserNewForm{VerifyEmail: true}}
	if len(choices) == 0 {
		d.Problem = &views.Problem{Title: "No connection to create users in",
			Message: "The tenant has no database or e-mail connection, so users cannot be created here."}
	}
	return s.renderNew(c, http.StatusOK, d)
}

// connectionChoices lists the connections users can be created in.
func (s *server) connectionChoices(c echo.Context) ([]views.ConnectionChoice, error) {
	page, err := s.users.ListConnections(c.Request().Context(), auth0api.ListConnectionsParams{
		Strategy: creatableStrategies(), PerPage: 100,
	})
	if err != nil {
		return nil, err
	}
	all, allowed := s.currentStaff(c).CreateConnections()
	var out []views.ConnectionChoice
	for _, conn := range page.Connections {
		if !slices.Contains(creatableStrategies(), conn.Strategy) || (!all && !slices.Contains(allowed, conn.Name)) {
			continue
		}
		label := conn.Name
		if conn.DisplayName != "" && conn.DisplayName != conn.Name {
			label = conn.DisplayName + " (" + conn.Name + ")"
		}
		out = append(out, views.ConnectionChoice{Name: conn.Name, Label: label,
			RequiresUsername: conn.Options.RequiresUsername, Passwordless: conn.Strategy == "email"})
	}
	return out, nil
}

// postedChoices reads the connection choices the form carried (views.UserNewPage puts them in a
// hidden field), so that a form refused before asking Auth0 anything can be shown again with
// its choices. They come from the browser, so they are only shown: the connection is checked
// against Auth0's list before a user is created.
func postedChoices(raw, selected string) []views.ConnectionChoice {
	var choices []views.ConnectionChoice
	if len(raw) > 8<<10 || json.Unmarshal([]byte(raw), &choices) != nil || len(choices) > 100 {
		choices = nil
	}
	if selected != "" && !slices.ContainsFunc(choices, func(ch views.ConnectionChoice) bool { return ch.Name == selected }) {
		choices = append(choices, views.ConnectionChoice{Name: selected, Label: selected})
	}
	return choices
}

// renderNew answers with the create page.
func (s *server) renderNew(c echo.Context, status int, d views.UserNewData) error {
	if id, ok := currentIdentity(c); ok {
		d.CSRFToken = maskCSRF(id.CSRFToken)
	}
	return render(c, status, views.UserNewPage(s.page(c, "Create a user"), d))
}

// createUser creates a user from the form. The input is checked first (nothing is asked of
// Auth0 when it is wrong), then the connection is read again from Auth0 (it decides whether a
// username or a password applies), then the user is created and the browser goes to their page
// (by id: search is eventually consistent, checklist item 84). Refusals, such as a duplicate
// user or a weak password, come back in the form with everything typed kept.
func (s *server) createUser(c echo.Context) error {
	const event = audit.UserCreate
	v := func(name string) string { return strings.TrimSpace(c.FormValue(name)) }
	f := views.UserNewForm{
		Connection: v("connection"), Email: v("email"), Username: v("username"),
		Password: c.FormValue("password"), Name: v("name"), GivenName: v("given_name"),
		FamilyName: v("family_name"), Nickname: v("nickname"),
		EmailVerified: c.FormValue("email_verified") == "true", VerifyEmail: c.FormValue("verify_email") == "true",
		UserMetadata: c.FormValue("user_metadata"), AppMetadata: c.FormValue("app_metadata"),
	}
	d := views.UserNewData{Form: f}

	errs := userFormErrors{}
	if f.Connection == "" {
		errs.add("connection", "Choose a connection.")
	}
	errs.checkText("connection", f.Connection, 128)
	if f.Email == "" {
		errs.add("email", "Type the user's e-mail address.")
	}
	errs.checkEmail("email", f.Email)
	errs.checkUsername("username", f.Username)
	errs.checkText("name", f.Name, 300)
	errs.checkText("nickname", f.Nickname, 300)
	errs.checkText("given_name", f.GivenName, 150)
	errs.checkText("family_name", f.FamilyName, 150)
	if len(f.Password) > 72 {
		errs.add("password", "Auth0 accepts passwords of at most 72 bytes.")
	}
	userMeta, msg := parseMetadata(f.UserMetadata)
	if msg != "" {
		errs.add("user_metadata", msg)
	}
	appMeta, msg := parseMetadata(f.AppMetadata)
	if msg != "" {
		errs.add("app_metadata", msg)
	}
	if len(errs) > 0 {
		err := httpError(http.StatusUnprocessableEntity, "The form has mistakes: "+strings.Join(editErrorFields(errs), ", ")+".", nil)
		s.audit(c, event, "", err)
		d.Errors = errs
		d.Connections = postedChoices(c.FormValue("connection_choices"), f.Connection)
		return s.renderNew(c, err.status, d)
	}

	choices, err := s.connectionChoices(c)
	if err != nil {
		s.audit(c, event, "", err)
		return err
	}
	d.Connections = choices
	i := slices.IndexFunc(choices, func(ch views.ConnectionChoice) bool { return ch.Name == f.Connection })
	switch {
	case i < 0:
		errs.add("connection", "Users cannot be created in this connection; choose one of the list.")
	case choices[i].RequiresUsername && f.Username == "":
		errs.add("username", "This connection signs in with usernames: type one.")
	case !choices[i].RequiresUsername && f.Username != "":
		errs.add("username", "This connection has no usernames: leave it empty.")
	case choices[i].Passwordless && f.Password != "":
		errs.add("password", "E-mail code connections have no passwords: leave it empty.")
	}
	if len(errs) > 0 {
		err := httpError(http.StatusUnprocessableEntity, "The form does not fit the connection: "+strings.Join(editErrorFields(errs), ", ")+".", nil)
		s.audit(c, event, "", err, audit.String("connection", f.Connection))
		d.Errors = errs
		return s.renderNew(c, err.status, d)
	}

	body := auth0api.UserCreate{
		Connection: f.Connection, Email: f.Email, Username: f.Username, Password: f.Password,
		Name: f.Name, GivenName: f.GivenName, FamilyName: f.FamilyName, Nickname: f.Nickname,
		EmailVerified: f.EmailVerified, VerifyEmail: auth0api.Set(f.VerifyEmail),
		UserMetadata: userMeta, AppMetadata: appMeta,
	}
	// The person's group may stamp app_metadata on the users it creates (so they stay within
	// its reach): applied here, over whatever the form sent, and the user about to be created
	// checked against the group's reach before Auth0 is asked.
	st := s.currentStaff(c)
	if stamp, ok := st.CreateRule(f.Connection); ok && len(stamp) > 0 {
		if body.AppMetadata == nil {
			body.AppMetadata = map[string]any{}
		}
		maps.Copy(body.AppMetadata, stamp)
	}
	if d := st.DecideCreate(f.Connection, createDoc(body)); !d.Allowed {
		err := httpError(http.StatusForbidden, "You may not create this user: "+d.Detail+".", nil).withTitle("Not allowed").asDenied()
		s.audit(c, event, "", err, audit.String("connection", f.Connection), audit.String("rule", string(d.Reason)), audit.String("group", d.Group))
		return err
	}
	generated := !choices[i].Passwordless && body.Password == ""
	if generated {
		body.Password = randomPassword() // never shown, never logged: the user sets their own
	}
	u, err := s.ops.Create(c.Request().Context(), s.actor(c), body, generated)
	if errors.Is(err, userops.ErrAuditUnavailable) {
		return s.changeFailed(&target{}, err)
	}
	if err != nil {
		status, p := s.describe(c, err)
		switch field := auth0Field(err); {
		case errors.Is(err, auth0api.ErrConflict):
			d.Errors = map[string]string{"email": "A user with this e-mail address (or username) already exists in " + f.Connection + "."}
		case field == "password" && generated:
			d.Problem = &p // the generated password was refused: the person typed none
		case field != "":
			d.Errors = map[string]string{field: p.Message}
		default:
			d.Problem = &p
		}
		s.logger(c).Warn("user creation refused", "status", status, "err", err)
		return s.renderNew(c, status, d)
	}
	done := "Created " + views.DeleteConfirmation(*u) + "."
	if generated {
		done += " Nobody knows their password: send them a password-change link, or they can use “Forgot password”."
	}
	return s.redirectWithFlash(c, views.Flash{Kind: views.FlashSuccess, Message: done}, userPath(u.UserID))
}

// createDoc is the user about to be created as a JSON object, for the policy's check (no
// password).
func createDoc(body auth0api.UserCreate) map[string]any {
	body.Password = ""
	return jsonObject(body)
}

// randomPassword is a password nobody sees: 24 characters drawn with crypto/rand, at least one
// of each of lower case, upper case, digits and symbols, so that it passes Auth0's strictest
// password policy.
func randomPassword() string {
	const (
		lower   = "abcdefghijkmnopqrstuvwxyz"
		upper   = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digits  = "23456789"
		symbols = "!#%+-=?@^_~"
	)
	out := []byte{pick(lower), pick(upper), pick(digits), pick(symbols)}
	for len(out) < 24 {
		out = append(out, pick(lower+upper+digits+symbols))
	}
	for i := len(out) - 1; i > 0; i-- { // Fisher–Yates, so the four kinds are anywhere
		j := randomBelow(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// pick returns a random byte of set.
func pick(set string) byte { return set[randomBelow(len(set))] }

// randomBelow returns a uniform random number in [0, n) from crypto/rand.
func randomBelow(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("handlers: crypto/rand failed: " + err.Error()) // never happens on supported systems
	}
	return int(v.Int64())
}
