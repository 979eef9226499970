package views

import (
	"strings"

	"userdesk/auth0api"
)

// FactorsSectionID is the DOM id of the factors section.
const FactorsSectionID = "section-factors"

// Factor forms: the DOM ids htmx targets inside the factors section.
const (
	// FactorCreateFormID is the admin's "add a method" form; validation errors re-render it.
	FactorCreateFormID = "factor-create-form"
	// FactorReplaceFormID is the admin's "replace all" JSON editor; errors re-render it.
	FactorReplaceFormID = "factor-replace-form"
)

// FactorsData is the factors section of one user: authentication methods, Guardian
// enrollments, legacy providers, and what the signed-in person may do about them.
type FactorsData struct {
	UserID string
	// User names the user in confirmations: "Ada Lovelace (ada@example.com)".
	User        string
	Methods     []auth0api.AuthenticationMethod
	Enrollments []auth0api.Enrollment
	// Providers are the legacy multifactor providers configured for the user (duo,
	// google-authenticator).
	Providers []string
	Can       Abilities
	// Self is true when the user is the signed-in person: nobody resets their own factors
	// through the dashboard.
	Self bool
	// Protection: the user holds a protected role, so the signed-in person (helpdesk) may not
	// reset their factors; Can already lacks ResetMFA, and the section says why.
	Protection Protection
	// PasskeyRefused says that Auth0 just refused to remove every method at once because the
	// user has a passkey; the section explains and offers the alternatives.
	PasskeyRefused bool
	// RecoveryCode is a recovery code just generated: shown once, never stored.
	RecoveryCode string
	// Email is the user's address, where Auth0 sends an MFA enrollment invitation ("" when
	// they have none).
	Email string
	// EnrollmentLink is an MFA enrollment link just created: shown once, never stored.
	EnrollmentLink string
	// Create and Replace are the admin forms, with what was typed and its errors.
	Create  FactorForm
	Replace ReplaceForm
}

// FactorForm is the "add a method" form: the chosen type, the values typed and the errors
// found, per field name ("" = about the whole form).
type FactorForm struct {
	UserID string
	// User names the user in the confirmation.
	User   string
	Type   string
	Values map[string]string
	Errors map[string]string
}

// ReplaceForm is the "replace every method" JSON editor: the text typed and what is wrong with it.
type ReplaceForm struct {
	UserID string
	User   string
	JSON   string
	Errors []string
}

// FactorField is one input of the "add a method" form.
type FactorField struct {
	Name     string // the request field, as Auth0 names it: "phone_number"
	Label    string
	Kind     string // "text", "tel", "email", "select", "checkbox"
	Options  []string
	Required bool
	Hint     string
}

// CreatableFactorTypes are the method types Auth0 lets an admin create for a user, in the order
// the form offers them.
func CreatableFactorTypes() []string {
	return []string{"phone", "email", "totp", "webauthn-roaming", "passkey"}
}

// FactorFields returns the fields of the "add a method" form for a method type (nil for a type
// that cannot be created).
func FactorFields(kind string) []FactorField {
	name := FactorField{Name: "name", Label: "Label", Kind: "text", Hint: "Optional, up to 20 characters, e.g. “Work phone”."}
	keyID := FactorField{Name: "key_id", Label: "Credential id", Kind: "text", Required: true}
	publicKey := FactorField{Name: "public_key", Label: "Public key", Kind: "text", Required: true, Hint: "Base64, as the authenticator registered it."}
	rp := FactorField{Name: "relying_party_identifier", Label: "Relying party", Kind: "text", Hint: "The host name the key was registered for, e.g. login.example.com."}
	switch kind {
	case "phone":
		return []FactorField{
			{Name: "phone_number", Label: "Phone number", Kind: "tel", Required: true, Hint: "International format, e.g. +447700900123."},
			{Name: "preferred_authentication_method", Label: "Send codes by", Kind: "select", Options: []string{"sms", "voice"}},
			name,
		}
	case "email":
		return []FactorField{{Name: "email", Label: "Email address", Kind: "email", Required: true}, name}
	case "totp":
		return []FactorField{{Name: "totp_secret", Label: "Secret", Kind: "text", Required: true,
			Hint: "Base32 (letters A–Z and digits 2–7), as encoded in the app's QR code."}, name}
	case "webauthn-roaming":
		return []FactorField{keyID, publicKey, rp, name}
	case "passkey":
		return []FactorField{keyID, publicKey, rp,
			{Name: "aaguid", Label: "AAGUID", Kind: "text", Hint: "The authenticator model, a UUID."},
			{Name: "credential_device_type", Label: "Kind", Kind: "select", Options: []string{"multi_device", "single_device"}},
			{Name: "credential_backed_up", Label: "Backed up (synced)", Kind: "checkbox"},
			{Name: "user_handle", Label: "User handle", Kind: "text"},
			{Name: "transports", Label: "Transports", Kind: "text", Hint: "Comma-separated: usb, nfc, ble, internal, hybrid."},
			name,
		}
	}
	return nil
}

// FactorKind says what a method type is, in words a helpdesk person and a user both know.
func FactorKind(kind string) string {
	switch kind {
	case "totp":
		return "Authenticator app"
	case "phone":
		return "Phone (text or voice codes)"
	case "email":
		return "Email codes"
	case "push", "guardian":
		return "Guardian app (push notifications)"
	case "webauthn-roaming":
		return "Security key"
	case "webauthn-platform":
		return "Device biometrics (fingerprint, face)"
	case "passkey":
		return "Passkey"
	case "recovery-code":
		return "Recovery code"
	case "password":
		return "Password"
	case "email-verification":
		return "Email verification"
	case "":
		return "Unknown factor"
	}
	return kind
}

// enrollmentKind says what a Guardian enrollment's auth_method is.
func enrollmentKind(method string) string {
	switch method {
	case "authenticator":
		return "Authenticator app"
	case "guardian":
		return "Guardian app (push notifications)"
	case "sms":
		return "Text message codes"
	case "webauthn-roaming":
		return "Security key"
	case "webauthn-platform":
		return "Device biometrics (fingerprint, face)"
	case "":
		return "Unknown"
	}
	return method
}

// phoneChannelWord says how a phone method sends codes.
func phoneChannelWord(m string) string {
	switch m {
	case "sms":
		return "text message"
	case "voice":
		return "voice call"
	}
	return m
}

// mfaProviderName is a legacy multifactor provider's product name.
func mfaProviderName(p string) string {
	switch p {
	case auth0api.ProviderDuo:
		return "Duo"
	case auth0api.ProviderGoogleAuthenticator:
		return "Google Authenticator (legacy)"
	}
	return p
}

// factorTitle names one method: "Authenticator app “Authy”".
func factorTitle(m auth0api.AuthenticationMethod) string {
	if factorLabel(m) == "" {
		if d := factorAddress(m); d != "" {
			return FactorKind(m.Type) + " " + d
		}
		return FactorKind(m.Type)
	}
	return FactorKind(m.Type) + " “" + m.Name + "”"
}

// factorLabel is the label the user gave a method, or "" when it has none or the label only
// repeats the method's phone number or e-mail address: Auth0 masks those, and a label that
// repeats them would show them unmasked.
func factorLabel(m auth0api.AuthenticationMethod) string {
	name := m.Name
	addr := factorAddress(m)
	switch {
	case name == "" || name == addr:
		return ""
	case m.PhoneNumber != "" && sameDigitsEnd(name, m.PhoneNumber):
		return ""
	case m.Email != "" && strings.Contains(name, "@"):
		return ""
	}
	return name
}

// sameDigitsEnd reports whether name is a phone number ending in the masked number's last
// four digits.
func sameDigitsEnd(name, masked string) bool {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if strings.ContainsRune("+ -().", r) {
			return -1
		}
		return 'x'
	}, name)
	if len(digits) < 7 || strings.ContainsRune(digits, 'x') || len(masked) < 4 {
		return false
	}
	return strings.HasSuffix(digits, masked[len(masked)-4:])
}

// factorAddress is where a phone or email method sends codes (masked by Auth0).
func factorAddress(m auth0api.AuthenticationMethod) string {
	switch {
	case m.PhoneNumber != "":
		return m.PhoneNumber
	case m.Email != "":
		return m.Email
	}
	return ""
}

// factorDetails are the facts about a method worth showing, one per line.
func factorDetails(m auth0api.AuthenticationMethod) []string {
	var out []string
	if a := factorAddress(m); a != "" {
		out = append(out, a)
	}
	if m.Type == "phone" && m.PreferredAuthenticationMethod != "" {
		out = append(out, "Codes by "+phoneChannelWord(m.PreferredAuthenticationMethod))
	}
	switch m.CredentialDeviceType {
	case "multi_device":
		out = append(out, "Synced across the user's devices")
	case "single_device":
		out = append(out, "Bound to one device")
	}
	if m.Type == "passkey" {
		if m.CredentialBackedUp {
			out = append(out, "Backed up")
		} else {
			out = append(out, "Not backed up")
		}
	}
	if m.RelyingPartyIdentifier != "" {
		out = append(out, "For "+m.RelyingPartyIdentifier)
	}
	if len(m.Transports) > 0 {
		out = append(out, "Transports: "+strings.Join(m.Transports, ", "))
	}
	if m.UserAgent != "" {
		out = append(out, "Registered from "+m.UserAgent)
	}
	if m.AAGUID != "" {
		out = append(out, "Authenticator model "+m.AAGUID)
	}
	if m.KeyID != "" {
		out = append(out, "Credential "+secShortID(m.KeyID))
	}
	for _, sub := range m.AuthenticationMethods {
		if sub.Type != "" && sub.Type != m.Type && m.Type != "phone" { // a phone's channel is said above
			out = append(out, "Also "+subMethodWord(sub.Type))
		}
	}
	return out
}

// subMethodWord names a sub-method of a method (the codes behind a push factor, ...).
func subMethodWord(t string) string {
	switch t {
	case "totp":
		return "one-time codes"
	case "push":
		return "push notifications"
	case "sms":
		return "text messages"
	case "voice":
		return "voice calls"
	}
	return t
}

// secShortID keeps the start of a long opaque id.
func secShortID(s string) string {
	if len(s) <= 12 {
		return s
	}
	return s[:12] + "…"
}

// removable reports whether a helpdesk person may remove the method through the dashboard: the
// password is not a factor they reset.
func removable(m auth0api.AuthenticationMethod) bool { return m.Type != "password" }

// editable reports whether the method's name (and, for phones, channel) can be changed.
func editable(m auth0api.AuthenticationMethod) bool {
	return m.Type != "password" && m.Type != "recovery-code"
}

// hasPasskey reports whether any of the methods is a passkey.
func (d FactorsData) hasPasskey() bool {
	for _, m := range d.Methods {
		if m.Type == "passkey" {
			return true
		}
	}
	return false
}

// mayReset reports whether the signed-in person may use the MFA actions on this user.
func (d FactorsData) mayReset() bool { return d.Can.ResetMFA && !d.Self }

// mayWrite reports whether the signed-in person may create, change and replace methods.
func (d FactorsData) mayWrite() bool { return d.Can.WriteAuthMethods && !d.Self }

// confirmRemove is the question before removing one method.
func confirmRemove(d FactorsData, m auth0api.AuthenticationMethod) string {
	return "Remove the " + secLowerFirst(factorTitle(m)) + " from " + d.User + "? They will have to enroll it again to use it."
}

// secLowerFirst lower-cases the first letter ("Authenticator app" → "authenticator app").
func secLowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// fieldValue is what was typed into a field of the create form.
func (f FactorForm) fieldValue(name string) string { return f.Values[name] }

// fieldError is the problem with a field of the create form.
func (f FactorForm) fieldError(name string) string { return f.Errors[name] }

// factorFieldID is a create-form input's DOM id.
func factorFieldID(name string) string { return "factor-new-" + strings.ReplaceAll(name, "_", "-") }

// replacePlaceholder shows the shape the JSON editor expects.
const replacePlaceholder = `[
  {"type": "phone", "phone_number": "+447700900123", "preferred_authentication_method": "sms"},
  {"type": "email", "email": "jane@example.com"},
  {"type": "totp", "totp_secret": "JBSWY3DPEHPK3PXP", "name": "Authy"}
]`

// summary counts the user's factors for the header and the toolbar.
func (d FactorsData) summary() MFASummary { return SummarizeFactors(d.Methods) }

// extraEnrollments are the Guardian enrollments that are not also authentication methods
// (a method's id is its type, "|", and the enrollment's id: "totp|dev_…" and "dev_…").
func (d FactorsData) extraEnrollments() []auth0api.Enrollment {
	var out []auth0api.Enrollment
	for _, e := range d.Enrollments {
		listed := false
		for _, m := range d.Methods {
			if _, id, ok := strings.Cut(m.ID, "|"); (ok && id == e.ID) || m.ID == e.ID {
				listed = true
				break
			}
		}
		if !listed {
			out = append(out, e)
		}
	}
	return out
}

// mayInvite reports whether the section offers an MFA enrollment invitation.
func (d FactorsData) mayInvite() bool { return d.Can.SendEmails && !d.Self }
