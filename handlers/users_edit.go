package handlers

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/userops"
	"userdesk/views"
)

// editFormFrom is the edit form filled with the user as Auth0 has it.
func editFormFrom(u auth0api.User) views.UserEditForm {
	f := views.UserEditForm{
		Name: u.Name, GivenName: u.GivenName, FamilyName: u.FamilyName, Nickname: u.Nickname,
		Picture: u.Picture, Email: u.Email, PhoneNumber: u.PhoneNumber, Username: u.Username,
		EmailVerified: u.EmailVerified,
		UserMetadata:  metadataText(u.UserMetadata),
		AppMetadata:   metadataText(u.AppMetadata),
		UpdatedAt:     u.UpdatedAt.UTC().Format(time.RFC3339Nano),
	}
	if b, err := json.Marshal(f); err == nil {
		f.Original = string(b)
	}
	return f
}

// editFormFromRequest reads the posted edit form, trimming the one-line fields. hasUsername
// reports whether the form had a username field (it is shown only where the connection uses
// usernames).
func editFormFromRequest(c echo.Context) (f views.UserEditForm, hasUsername bool) {
	v := func(name string) string { return strings.TrimSpace(c.FormValue(name)) }
	f = views.UserEditForm{
		Name: v("name"), GivenName: v("given_name"), FamilyName: v("family_name"), Nickname: v("nickname"),
		Picture: v("picture"), Email: v("email"), PhoneNumber: v("phone_number"), Username: v("username"),
		EmailVerified: c.FormValue("email_verified") == "true",
		VerifyEmail:   c.FormValue("verify_email") == "true",
		UserMetadata:  c.FormValue("user_metadata"),
		AppMetadata:   c.FormValue("app_metadata"),
		UpdatedAt:     c.FormValue("updated_at"),
		Original:      c.FormValue("original"),
	}
	form, _ := c.FormParams()
	_, hasUsername = form["username"]
	return f, hasUsername
}

// editUserForm shows the edit form: in place of the profile for htmx, as a page otherwise.
func (s *server) editUserForm(c echo.Context) error {
	u := targetOf(c).User
	d := views.UserEditData{User: *u, Form: editFormFrom(*u), UsernameEditable: s.usernameEditable(c, *u)}
	return s.renderEdit(c, http.StatusOK, d)
}

// usernameEditable reports whether the user's connection uses usernames: they have one, or their
// database connection requires them (asked of Auth0 only then).
func (s *server) usernameEditable(c echo.Context, u auth0api.User) bool {
	if u.Username != "" {
		return true
	}
	if len(u.Identities) == 0 || u.Identities[0].Provider != "auth0" {
		return false
	}
	page, err := s.users.ListConnections(c.Request().Context(), auth0api.ListConnectionsParams{Name: u.Identities[0].Connection})
	if err != nil {
		s.logger(c).Warn("look up the user's connection", "err", err)
		return false
	}
	for _, conn := range page.Connections {
		if conn.Name == u.Identities[0].Connection {
			return conn.Options.RequiresUsername
		}
	}
	return false
}

// renderEdit answers with the edit form: the partial for htmx, the page otherwise.
func (s *server) renderEdit(c echo.Context, status int, d views.UserEditData) error {
	if id, ok := currentIdentity(c); ok {
		d.CSRFToken = maskCSRF(id.CSRFToken)
	}
	d.ConfirmIdentity = stepUpDue(c)
	if isHTMX(c) {
		return render(c, status, views.UserEdit(d))
	}
	return render(c, status, views.UserEditPage(s.page(c, "Edit "+views.UserTitle(d.User)), d))
}

// editedUser is the edit form checked and parsed.
type editedUser struct {
	form         views.UserEditForm
	hasUsername  bool
	userMetadata map[string]any
	appMetadata  map[string]any
	loadedAt     time.Time
}

// checkEditForm checks the form's values without asking Auth0 anything.
func checkEditForm(f views.UserEditForm, hasUsername bool) (editedUser, userFormErrors) {
	errs := userFormErrors{}
	e := editedUser{form: f, hasUsername: hasUsername}
	errs.checkText("name", f.Name, 300)
	errs.checkText("nickname", f.Nickname, 300)
	errs.checkText("given_name", f.GivenName, 150)
	errs.checkText("family_name", f.FamilyName, 150)
	errs.checkPicture("picture", f.Picture)
	errs.checkEmail("email", f.Email)
	errs.checkPhone("phone_number", f.PhoneNumber)
	if hasUsername {
		errs.checkUsername("username", f.Username)
	}
	var msg string
	if e.userMetadata, msg = parseMetadata(f.UserMetadata); msg != "" {
		errs.add("user_metadata", msg)
	}
	if e.appMetadata, msg = parseMetadata(f.AppMetadata); msg != "" {
		errs.add("app_metadata", msg)
	}
	var err error
	if e.loadedAt, err = time.Parse(time.RFC3339Nano, f.UpdatedAt); err != nil {
		errs.add("form", "This form is incomplete (it does not say when the user was loaded). Reload the page and edit again.")
	}
	return e, errs
}

// userUpdate builds the PATCH from the fields the form may change (an allowlist: nothing else
// the request carries is sent, checklist item 41), holding only what differs from the user as
// Auth0 has it now. Emptied text fields are removed. It returns the changed fields' names.
func userUpdate(cur auth0api.User, e editedUser, errs userFormErrors) (auth0api.UserUpdate, []string) {
	var (
		up      auth0api.UserUpdate
		changed []string
	)
	text := func(name, now, want string, dst *auth0api.Opt[string]) {
		if now == want {
			return
		}
		if want == "" {
			*dst = auth0api.Null[string]()
		} else {
			*dst = auth0api.Set(want)
		}
		changed = append(changed, name)
	}
	f := e.form
	text("name", cur.Name, f.Name, &up.Name)
	text("given_name", cur.GivenName, f.GivenName, &up.GivenName)
	text("family_name", cur.FamilyName, f.FamilyName, &up.FamilyName)
	text("nickname", cur.Nickname, f.Nickname, &up.Nickname)
	text("picture", cur.Picture, f.Picture, &up.Picture)
	text("phone_number", cur.PhoneNumber, f.PhoneNumber, &up.PhoneNumber)
	if e.hasUsername {
		text("username", cur.Username, f.Username, &up.Username)
	}
	if f.Email != cur.Email {
		if f.Email == "" {
			errs.add("email", "userdesk does not remove e-mail addresses; type the new address instead.")
		} else {
			up.Email = auth0api.Set(f.Email)
			up.VerifyEmail = auth0api.Set(f.VerifyEmail)
			changed = append(changed, "email")
		}
	}
	if f.EmailVerified != cur.EmailVerified {
		up.EmailVerified = auth0api.Set(f.EmailVerified)
		changed = append(changed, "email_verified")
	}
	if up.UserMetadata = metadataPatch(cur.UserMetadata, e.userMetadata); up.UserMetadata != nil {
		changed = append(changed, "user_metadata")
	}
	if up.AppMetadata = metadataPatch(cur.AppMetadata, e.appMetadata); up.AppMetadata != nil {
		changed = append(changed, "app_metadata")
	}
	if slices.Contains(changed, "username") && slices.Contains(changed, "email") {
		errs.add("username", "Auth0 does not change the username and the e-mail address at once: save one, then the other.")
	}
	return up, changed
}

// updateUser saves the edit form. The gate read the user: if they changed in Auth0 since the
// form was loaded, nothing is saved and the form shows what changed; otherwise one PATCH sends
// only the fields that differ. Invalid input is answered without asking Auth0 for a change.
// Whatever goes wrong, the form comes back with everything typed kept and the message beside
// its field.
func (s *server) updateUser(c echo.Context) error {
	const event = audit.UserUpdate
	t := targetOf(c)
	id := t.ID
	form, hasUsername := editFormFromRequest(c)
	edited, errs := checkEditForm(form, hasUsername)
	d := views.UserEditData{User: auth0api.User{UserID: id, Name: originalName(form)}, Form: form, UsernameEditable: hasUsername}
	if len(errs) > 0 {
		err := httpError(http.StatusUnprocessableEntity, "The form has mistakes: "+strings.Join(editErrorFields(errs), ", ")+".", nil)
		s.audit(c, event, id, err)
		d.Errors = errs
		if msg := errs["form"]; msg != "" {
			d.Problem = &views.Problem{Title: "Not saved", Message: msg}
		}
		return s.renderEdit(c, err.status, d)
	}

	cur := t.User
	d.User = *cur
	if !cur.UpdatedAt.Equal(edited.loadedAt) {
		err := httpError(http.StatusConflict, "The user changed in Auth0 after the form was loaded.", nil)
		s.audit(c, event, id, err)
		fresh := editFormFrom(*cur)
		d.Conflict = editConflicts(form.Original, fresh)
		d.ConflictAt = cur.UpdatedAt.UTC().Format("2006-01-02 15:04:05 UTC")
		d.Form.UpdatedAt, d.Form.Original = fresh.UpdatedAt, fresh.Original // saving again applies over these
		return s.renderEdit(c, err.status, d)
	}

	up, changed := userUpdate(*cur, edited, errs)
	if len(errs) > 0 {
		err := httpError(http.StatusUnprocessableEntity, "The form has mistakes: "+strings.Join(editErrorFields(errs), ", ")+".", nil)
		s.audit(c, event, id, err)
		d.Errors = errs
		return s.renderEdit(c, err.status, d)
	}
	// An edit may not move the user into or out of one of the editor's reaches (a partner's
	// admin setting app_metadata.partner to another partner, a regional helpdesk changing the
	// region): that would widen someone's access through an edit.
	if before := userDoc(cur); !s.currentStaff(c).ReachUnchanged(before, applyUpdate(before, up)) {
		err := httpError(http.StatusForbidden, "This change would move the user into or out of the users you can manage, so it was not saved. Ask an administrator.", nil).
			withTitle("Outside your reach").asDenied()
		s.audit(c, event, id, err, audit.Strings("fields", changed))
		d.Problem = &views.Problem{Title: "Not saved", Message: err.msg}
		return s.renderEdit(c, err.status, d)
	}
	if len(changed) == 0 {
		s.audit(c, event, id, nil, audit.Strings("fields", []string{}))
		return s.respondChanged(c, views.UserProfile(s.userPageData(c, *cur)),
			views.Flash{Kind: views.FlashInfo, Message: "Nothing changed, so nothing was saved."}, userPath(id))
	}

	updated, err := s.ops.Update(c.Request().Context(), s.actor(c), t.op(), up, changed)
	if err != nil {
		if isUserNotFound(err) || errors.Is(err, userops.ErrAuditUnavailable) {
			return s.changeFailed(t, err)
		}
		status, p := s.describe(c, err)
		if field := auth0Field(err); field != "" && field != "connection" && field != "password" {
			d.Errors = map[string]string{field: p.Message}
		} else {
			d.Problem = &p
		}
		s.logger(c).Warn("user update refused", "status", status, "err", err)
		return s.renderEdit(c, status, d)
	}
	return s.respondChanged(c, views.UserProfile(s.userPageData(c, *updated)), views.Flash{Kind: views.FlashSuccess,
		Message: "Saved " + views.UserTitle(*updated) + ": " + fieldWords(changed) + "."}, userPath(id))
}

// editChangesSignIn reports whether the posted edit form changes where password resets,
// verification links and MFA codes go — the e-mail address, whether it is verified, the phone
// number — compared with u as the gate read it: an account-takeover-grade change (checklist
// item 17), which needs a recent sign-in like the other dangerous actions (the edit route's
// targetRule.stepUpWhen). An emptied address changes nothing (the form refuses it).
func editChangesSignIn(c echo.Context, u *auth0api.User) bool {
	f, _ := editFormFromRequest(c)
	return (f.Email != "" && f.Email != u.Email) || f.EmailVerified != u.EmailVerified || f.PhoneNumber != u.PhoneNumber
}

// applyUpdate returns the user (a JSON object) as the update would leave it: each field set or
// removed, and the metadata objects merged one level deep as Auth0 merges them (a key set to
// null is removed).
func applyUpdate(user map[string]any, up auth0api.UserUpdate) map[string]any {
	out := make(map[string]any, len(user))
	maps.Copy(out, user)
	b, err := json.Marshal(up)
	if err != nil {
		return out
	}
	var changes map[string]any
	if json.Unmarshal(b, &changes) != nil {
		return out
	}
	for k, v := range changes {
		patch, isObject := v.(map[string]any)
		if (k != "app_metadata" && k != "user_metadata") || !isObject {
			if v == nil {
				delete(out, k)
			} else {
				out[k] = v
			}
			continue
		}
		merged := map[string]any{}
		if cur, ok := out[k].(map[string]any); ok {
			maps.Copy(merged, cur)
		}
		for mk, mv := range patch {
			if mv == nil {
				delete(merged, mk)
			} else {
				merged[mk] = mv
			}
		}
		out[k] = merged
	}
	return out
}

// originalName is the user's name as the form was loaded, for the form's heading when the user
// is not read again.
func originalName(f views.UserEditForm) string {
	var o views.UserEditForm
	if json.Unmarshal([]byte(f.Original), &o) == nil {
		return o.Name
	}
	return ""
}

// editFieldLabels name the edit form's fields for people, in form order.
func editFieldLabels() [][2]string {
	return [][2]string{
		{"name", "Name"}, {"nickname", "Nickname"}, {"given_name", "Given name"}, {"family_name", "Family name"},
		{"picture", "Picture URL"}, {"phone_number", "Phone"}, {"username", "Username"}, {"email", "E-mail address"},
		{"email_verified", "E-mail verified"}, {"user_metadata", "User metadata"}, {"app_metadata", "App metadata"},
	}
}

// fieldWords is the changed fields in words: "name, user metadata".
func fieldWords(fields []string) string {
	var words []string
	for _, l := range editFieldLabels() {
		if slices.Contains(fields, l[0]) {
			words = append(words, strings.ToLower(l[1][:1])+l[1][1:])
		}
	}
	return strings.Join(words, ", ")
}

// editConflicts compares the form as it was loaded (its Original snapshot) with the user as
// Auth0 has it now, field by field. The snapshot comes from the browser, so it is only ever
// shown, never trusted for what is saved.
func editConflicts(original string, now views.UserEditForm) []views.FieldChange {
	var was views.UserEditForm
	known := json.Unmarshal([]byte(original), &was) == nil
	values := func(f views.UserEditForm) map[string]string {
		return map[string]string{
			"name": f.Name, "nickname": f.Nickname, "given_name": f.GivenName, "family_name": f.FamilyName,
			"picture": f.Picture, "phone_number": f.PhoneNumber, "username": f.Username, "email": f.Email,
			"email_verified": editYesNo(f.EmailVerified), "user_metadata": f.UserMetadata, "app_metadata": f.AppMetadata,
		}
	}
	before, after := values(was), values(now)
	var out []views.FieldChange
	for _, l := range editFieldLabels() {
		b, a := before[l[0]], after[l[0]]
		if known && b == a {
			continue
		}
		if !known {
			b = "(unknown)"
		}
		out = append(out, views.FieldChange{Field: l[1], Was: editOrNone(b), Now: editOrNone(a)})
	}
	if len(out) == 0 {
		// Auth0 bumped updated_at without changing a field the form shows (e.g. a login or a
		// role change): say so rather than show an empty table.
		out = append(out, views.FieldChange{Field: "Other data", Was: "(not shown in this form)", Now: "changed"})
	}
	return out
}

func editYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func editOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// editErrorFields returns a map's keys in order.
func editErrorFields(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
