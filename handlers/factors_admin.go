package handlers

// The admin's authentication-method writes: create one, rename one (or change a phone's
// channel), replace them all. Every input is checked here, before anything is sent to Auth0;
// the forms show what is wrong beside the fields and keep what was typed.

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/auth0api"
	"userdesk/userops"
	"userdesk/views"
)

// Checks on authentication-method values.
var (
	e164Pattern     = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	hostnamePattern = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
	uuidPattern     = regexp.MustCompile(`^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	opaquePattern   = regexp.MustCompile(`^[A-Za-z0-9_=+/.:-]{1,1000}$`)
	phoneSeparators = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", ".", "")
	webauthnTransp  = []string{"usb", "nfc", "ble", "internal", "hybrid", "smart-card"}
)

// Limits of the admin forms.
const (
	maxMethodName     = 20 // Auth0: a method's name is at most 20 characters
	maxReplaceJSON    = 16 << 10
	maxReplaceMethods = 20
	// userLabelField carries the user's label in the admin forms, for their confirmation
	// question only (it is never used for anything else, and never sent to Auth0).
	userLabelField = "user_label"
)

// errFormInvalid is the audited reason when an admin form is refused before any call.
var errFormInvalid = httpError(http.StatusUnprocessableEntity, "The form has mistakes; nothing was sent to Auth0.", nil)

// formUserLabel is the user's label a form carried, for its confirmation question.
func formUserLabel(c echo.Context, userID string) string {
	if l := strings.TrimSpace(c.FormValue(userLabelField)); sectionText(l, 300) {
		return l
	}
	return userID
}

// newFactorForm renders the "add a method" form for the chosen type (the type select reloads
// it), without calling Auth0.
func (s *server) newFactorForm(c echo.Context) error {
	userID := targetOf(c).ID
	t := c.QueryParam("type")
	if !slices.Contains(views.CreatableFactorTypes(), t) {
		t = views.CreatableFactorTypes()[0]
	}
	f := views.FactorForm{UserID: userID, User: formUserLabel(c, userID), Type: t}
	return s.showSection(c, http.StatusOK, userID, sectionNamed("factors"), views.FactorCreateForm(f))
}

// createFactor adds an authentication method for the user (admin). A form with mistakes comes
// back with them beside the fields (422, nothing sent); Auth0's refusal (a duplicate, a limit)
// comes back the same way; success re-renders the whole section.
func (s *server) createFactor(c echo.Context) error {
	t := targetOf(c)
	userID := t.ID
	f := views.FactorForm{UserID: userID, User: formUserLabel(c, userID), Type: c.FormValue("type"), Values: map[string]string{}}
	for _, fld := range views.FactorFields(f.Type) {
		f.Values[fld.Name] = strings.TrimSpace(c.FormValue(fld.Name))
	}
	m, problems := checkFactorCreate(f.Type, f.Values)
	if len(problems) > 0 {
		s.audit(c, audit.UserFactorCreate, userID, errFormInvalid, audit.String("type", f.Type))
		f.Errors = problems
		return s.factorFormRefused(c, http.StatusUnprocessableEntity, views.FactorCreateForm(f), errFormInvalid)
	}
	if err := s.ops.CreateFactor(c.Request().Context(), s.actor(c), t.op(), m); err != nil {
		if errors.Is(err, userops.ErrAuditUnavailable) {
			return s.changeFailed(t, err)
		}
		status, p := s.describe(c, err)
		s.logger(c).Warn("create authentication method refused", "status", status, "err", err)
		f.Errors = map[string]string{"": p.Message}
		return s.factorFormRefused(c, status, views.FactorCreateForm(f), err)
	}
	retargetSection(c)
	return s.factorsChanged(c, userID, func(user string) string {
		return "Added a " + strings.ToLower(views.FactorKind(m.Type)) + " for " + user + "."
	})
}

// factorFormRefused answers an admin form that was refused: the form again, with its errors
// and what was typed, for htmx; the problem as a page otherwise.
func (s *server) factorFormRefused(c echo.Context, status int, form templ.Component, cause error) error {
	if !isHTMX(c) {
		return cause
	}
	return render(c, status, form)
}

// retargetSection makes htmx swap the answer into the whole factors section rather than the
// form that sent the request.
func retargetSection(c echo.Context) {
	h := c.Response().Header()
	h.Set("HX-Retarget", "#"+views.FactorsSectionID)
	h.Set("HX-Reswap", "outerHTML")
}

// checkFactorCreate checks the "add a method" form and builds the request, or returns what is
// wrong, by field ("" = the form).
func checkFactorCreate(kind string, v map[string]string) (auth0api.AuthenticationMethodCreate, map[string]string) {
	problems := map[string]string{}
	m := auth0api.AuthenticationMethodCreate{Type: kind}
	fields := views.FactorFields(kind)
	if fields == nil {
		problems[""] = "Choose the type of method to add."
		return m, problems
	}
	for _, fld := range fields {
		if fld.Required && v[fld.Name] == "" {
			problems[fld.Name] = fld.Label + " is required."
		}
	}
	if msg := checkMethodName(v["name"]); msg != "" {
		problems["name"] = msg
	}
	m.Name = v["name"]
	switch kind {
	case "phone":
		phone, msg := checkPhone(v["phone_number"])
		setProblem(problems, "phone_number", msg)
		m.PhoneNumber = phone
		if p := v["preferred_authentication_method"]; p != "" && p != "sms" && p != "voice" {
			problems["preferred_authentication_method"] = "Choose text message or voice call."
		}
		m.PreferredAuthenticationMethod = v["preferred_authentication_method"]
	case "email":
		email, msg := checkEmail(v["email"])
		setProblem(problems, "email", msg)
		m.Email = email
	case "totp":
		secret, msg := checkTOTPSecret(v["totp_secret"])
		setProblem(problems, "totp_secret", msg)
		m.TOTPSecret = secret
	case "webauthn-roaming", "passkey":
		setProblem(problems, "key_id", checkOpaque(v["key_id"], "The credential id"))
		m.KeyID = v["key_id"]
		setProblem(problems, "public_key", checkBase64(v["public_key"]))
		m.PublicKey = v["public_key"]
		if rp := v["relying_party_identifier"]; rp != "" && !hostnamePattern.MatchString(rp) {
			problems["relying_party_identifier"] = "Type a host name, like login.example.com."
		}
		m.RelyingPartyIdentifier = v["relying_party_identifier"]
	}
	if kind == "passkey" {
		if a := v["aaguid"]; a != "" && !uuidPattern.MatchString(a) {
			problems["aaguid"] = "An AAGUID is a UUID, like fbfc3007-154e-4ecc-8c0b-6e020557d7bd."
		}
		m.AAGUID = v["aaguid"]
		switch t := v["credential_device_type"]; t {
		case "", "single_device", "multi_device":
			m.CredentialDeviceType = t
		default:
			problems["credential_device_type"] = "Choose single_device or multi_device."
		}
		m.CredentialBackedUp = auth0api.Set(v["credential_backed_up"] == "true")
		if h := v["user_handle"]; h != "" {
			setProblem(problems, "user_handle", checkOpaque(h, "The user handle"))
			m.UserHandle = h
		}
		for t := range strings.SplitSeq(v["transports"], ",") {
			if t = strings.ToLower(strings.TrimSpace(t)); t == "" {
				continue
			}
			if !slices.Contains(webauthnTransp, t) {
				problems["transports"] = "Transports are among " + strings.Join(webauthnTransp, ", ") + "."
			}
			m.Transports = append(m.Transports, t)
		}
	}
	return m, problems
}

// setProblem records msg for a field unless it is empty or the field has a problem already.
func setProblem(problems map[string]string, field, msg string) {
	if _, ok := problems[field]; !ok && msg != "" {
		problems[field] = msg
	}
}

// checkMethodName checks a method's optional name.
func checkMethodName(name string) string {
	switch {
	case name == "":
		return ""
	case !sectionText(name, 200):
		return "The label cannot hold control characters."
	case utf8.RuneCountInString(name) > maxMethodName:
		return fmt.Sprintf("The label is %d characters long; Auth0 takes at most %d.", utf8.RuneCountInString(name), maxMethodName)
	}
	return ""
}

// checkPhone checks a phone number and returns it in E.164 form (spaces, dashes, dots and
// brackets dropped).
func checkPhone(in string) (string, string) {
	if in == "" {
		return "", ""
	}
	p := phoneSeparators.Replace(in)
	if !e164Pattern.MatchString(p) {
		return p, "Type the number in international format: + and the country code, e.g. +447700900123."
	}
	return p, ""
}

// checkEmail checks an e-mail address.
func checkEmail(in string) (string, string) {
	if in == "" {
		return "", ""
	}
	a, err := mail.ParseAddress(in)
	if err != nil || a.Address != in || len(in) > 254 {
		return in, "Type one e-mail address, like jane@example.com."
	}
	return in, ""
}

// checkTOTPSecret checks a base32 TOTP secret (spaces dropped, upper-cased, padding optional)
// of at least 80 bits.
func checkTOTPSecret(in string) (string, string) {
	if in == "" {
		return "", ""
	}
	secret := strings.ToUpper(strings.ReplaceAll(in, " ", ""))
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(secret, "="))
	switch {
	case err != nil:
		return secret, "The secret is not base32: only letters A–Z and digits 2–7."
	case len(raw) < 10:
		return secret, "The secret is too short: at least 16 characters (80 bits)."
	case len(secret) > 256:
		return secret, "The secret is too long."
	}
	return secret, ""
}

// checkOpaque checks an opaque identifier (a credential id, a user handle).
func checkOpaque(in, what string) string {
	if in == "" || opaquePattern.MatchString(in) {
		return ""
	}
	return what + " holds characters it cannot (letters, digits and - _ = + / . : only)."
}

// checkBase64 checks a public key: standard or URL-safe base64, padded or not.
func checkBase64(in string) string {
	if in == "" {
		return ""
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if _, err := enc.DecodeString(in); err == nil && len(in) <= 4096 {
			return ""
		}
	}
	return "The public key is not base64."
}

// updateFactor renames a method, or changes the channel of a phone method (admin).
func (s *server) updateFactor(c echo.Context) error {
	t := targetOf(c)
	userID := t.ID
	methodID, err := factorMethodID(c)
	var u auth0api.AuthenticationMethodUpdate
	if err == nil {
		u, err = checkFactorUpdate(methodType(methodID), strings.TrimSpace(c.FormValue("name")), c.FormValue("preferred_authentication_method"))
	}
	if err != nil {
		s.audit(c, audit.UserFactorUpdate, userID, err)
		return err
	}
	if err := s.ops.UpdateFactor(c.Request().Context(), s.actor(c), t.op(), methodID, u); err != nil {
		return s.changeFailed(t, err)
	}
	return s.factorsChanged(c, userID, func(user string) string {
		return "Saved the changes to the " + strings.ToLower(views.FactorKind(methodType(methodID))) + " of " + user + "."
	})
}

// checkFactorUpdate builds a method update: a new name (empty = keep it) and, for phones, the
// channel.
func checkFactorUpdate(kind, name, preferred string) (auth0api.AuthenticationMethodUpdate, error) {
	var u auth0api.AuthenticationMethodUpdate
	if msg := checkMethodName(name); msg != "" {
		return u, httpError(http.StatusUnprocessableEntity, msg, nil)
	}
	if name != "" {
		u.Name = auth0api.Set(name)
	}
	switch {
	case preferred == "":
	case kind != "phone":
		return u, httpError(http.StatusUnprocessableEntity, "Only phone methods have a channel to choose.", nil)
	case preferred != "sms" && preferred != "voice":
		return u, httpError(http.StatusUnprocessableEntity, "Choose text message or voice call.", nil)
	default:
		u.PreferredAuthenticationMethod = auth0api.Set(preferred)
	}
	if u.Name.IsZero() && u.PreferredAuthenticationMethod.IsZero() {
		return u, httpError(http.StatusUnprocessableEntity, "Nothing to change: type a new label.", nil)
	}
	return u, nil
}

// replaceFactors replaces every method of the user with those in the JSON editor (admin). The
// JSON is checked here first; mistakes, and Auth0's refusals, come back beside the editor with
// the text kept.
func (s *server) replaceFactors(c echo.Context) error {
	t := targetOf(c)
	userID := t.ID
	r := views.ReplaceForm{UserID: userID, User: formUserLabel(c, userID), JSON: c.FormValue("methods")}
	methods, problems := checkReplaceJSON(r.JSON)
	if len(problems) > 0 {
		s.audit(c, audit.UserFactorsReplace, userID, errFormInvalid)
		r.Errors = problems
		return s.factorFormRefused(c, http.StatusUnprocessableEntity, views.FactorReplaceForm(r), errFormInvalid)
	}
	if err := s.ops.ReplaceFactors(c.Request().Context(), s.actor(c), t.op(), methods); err != nil {
		if errors.Is(err, userops.ErrAuditUnavailable) {
			return s.changeFailed(t, err)
		}
		status, p := s.describe(c, err)
		s.logger(c).Warn("replace authentication methods refused", "status", status, "err", err)
		r.Errors = []string{p.Message}
		if isPasskeyRefusal(err) {
			status = http.StatusConflict
			r.Errors = []string{"Auth0 does not replace the methods of a user who has a passkey. Remove the passkey first, or add and remove methods one by one."}
		}
		return s.factorFormRefused(c, status, views.FactorReplaceForm(r), err)
	}
	retargetSection(c)
	return s.factorsChanged(c, userID, func(user string) string {
		return fmt.Sprintf("Replaced the methods of %s: %d now.", user, len(methods))
	})
}

// replaceKeys are the keys an item of the replace list may have (Auth0's schema).
var replaceKeys = []string{"type", "name", "phone_number", "email", "totp_secret", "preferred_authentication_method"}

// checkReplaceJSON checks the replace editor's text: a JSON array of 1 to maxReplaceMethods
// objects, each with a type of phone, email or totp, that type's value, well formed, and only
// the keys Auth0 takes. Problems are worded for a person, with line and column for syntax.
func checkReplaceJSON(text string) ([]auth0api.AuthenticationMethodReplace, []string) {
	if strings.TrimSpace(text) == "" {
		return nil, []string{"Type the methods as a JSON array, like the example."}
	}
	if len(text) > maxReplaceJSON {
		return nil, []string{fmt.Sprintf("The text is too long (at most %d KB).", maxReplaceJSON>>10)}
	}
	var items []json.RawMessage
	dec := json.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&items); err != nil {
		return nil, []string{jsonProblem(text, err)}
	}
	if strings.TrimSpace(text[dec.InputOffset():]) != "" {
		return nil, []string{"There is text after the closing ] of the array."}
	}
	switch {
	case len(items) == 0:
		return nil, []string{"The array is empty. To remove every method, use “Reset all factors” instead."}
	case len(items) > maxReplaceMethods:
		return nil, []string{fmt.Sprintf("At most %d methods, please.", maxReplaceMethods)}
	}
	var (
		out      []auth0api.AuthenticationMethodReplace
		problems []string
	)
	for i, raw := range items {
		m, msgs := checkReplaceItem(raw)
		for _, msg := range msgs {
			problems = append(problems, fmt.Sprintf("Item %d: %s", i+1, msg))
		}
		for j, prev := range out {
			if len(msgs) == 0 && sameReplaceMethod(prev, m) {
				problems = append(problems, fmt.Sprintf("Item %d: the same factor as item %d.", i+1, j+1))
			}
		}
		out = append(out, m)
	}
	return out, problems
}

// checkReplaceItem checks one item of the replace list.
func checkReplaceItem(raw json.RawMessage) (auth0api.AuthenticationMethodReplace, []string) {
	var m auth0api.AuthenticationMethodReplace
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return m, []string{"each item must be an object, like {\"type\": \"totp\", \"totp_secret\": \"…\"}."}
	}
	var problems []string
	values := map[string]string{}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(replaceKeys, k) {
			problems = append(problems, fmt.Sprintf("“%s” is not a key Auth0 takes here (%s).", k, strings.Join(replaceKeys, ", ")))
			continue
		}
		var v string
		if err := json.Unmarshal(obj[k], &v); err != nil {
			problems = append(problems, fmt.Sprintf("“%s” must be a string.", k))
			continue
		}
		values[k] = strings.TrimSpace(v)
	}
	m = auth0api.AuthenticationMethodReplace{Type: values["type"], Name: values["name"],
		PreferredAuthenticationMethod: values["preferred_authentication_method"]}
	if msg := checkMethodName(m.Name); msg != "" {
		problems = append(problems, msg)
	}
	if _, ok := obj["name"]; ok && m.Name == "" {
		problems = append(problems, "the name is empty; leave it out instead.")
	}
	need := map[string]string{"phone": "phone_number", "email": "email", "totp": "totp_secret"}
	field, ok := need[m.Type]
	if !ok {
		return m, append(problems, "the type must be phone, email or totp.")
	}
	for _, other := range need {
		if _, has := obj[other]; has && other != field {
			problems = append(problems, fmt.Sprintf("%s method has no %s.", withArticle(m.Type), other))
		}
	}
	if values[field] == "" {
		problems = append(problems, fmt.Sprintf("%s method needs %s.", withArticle(m.Type), field))
		return m, problems
	}
	var msg string
	switch m.Type {
	case "phone":
		m.PhoneNumber, msg = checkPhone(values[field])
		if p := m.PreferredAuthenticationMethod; p != "" && p != "sms" && p != "voice" {
			problems = append(problems, "preferred_authentication_method is sms or voice.")
		}
	case "email":
		m.Email, msg = checkEmail(values[field])
	case "totp":
		m.TOTPSecret, msg = checkTOTPSecret(values[field])
	}
	if m.Type != "phone" && m.PreferredAuthenticationMethod != "" {
		problems = append(problems, "only phone methods have preferred_authentication_method.")
	}
	if msg != "" {
		problems = append(problems, secLower(msg))
	}
	return m, problems
}

// sameReplaceMethod reports whether two items of the replace list are the same factor.
func sameReplaceMethod(a, b auth0api.AuthenticationMethodReplace) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case "totp":
		return true // one authenticator app per user
	case "phone":
		return a.PhoneNumber == b.PhoneNumber
	case "email":
		return strings.EqualFold(a.Email, b.Email)
	}
	return false
}

// jsonProblem words a JSON decoding error with the line and column it happened at.
func jsonProblem(text string, err error) string {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		line, col := lineCol(text, syn.Offset)
		return fmt.Sprintf("The JSON is not valid at line %d, column %d: %s.", line, col, syn.Error())
	case errors.As(err, &typ):
		return "The methods must be a JSON array: [ {…}, {…} ]."
	}
	return "The JSON is not complete: check the closing brackets."
}

// lineCol turns a byte offset into a line and a column, both from 1.
func lineCol(text string, offset int64) (int, int) {
	before := []byte(text[:min(int(offset), len(text))])
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// withArticle puts "a" or "an" before a method type: "an email", "a phone".
func withArticle(kind string) string {
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// secLower lower-cases the first letter of a message that continues a sentence.
func secLower(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
