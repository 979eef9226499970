package auth0apitest

import (
	"net/http"
	"strings"
)

var methodTypes = []string{"phone", "email", "totp", "webauthn-roaming", "passkey"}

// createMethodSchema is CreateUserAuthenticationMethodRequestContent.
var createMethodSchema = bodySchema{
	required: []string{"type"},
	props: map[string]prop{
		"type":                            {kind: "string", enum: methodTypes},
		"name":                            {kind: "string", desc: "A human-readable label to identify the authentication method."},
		"totp_secret":                     {kind: "string", desc: "Base32 encoded secret for TOTP generation."},
		"phone_number":                    {kind: "string", min: 2, max: 30, desc: "Applies to phone authentication methods only. The destination phone number used to send verification codes via text and voice."},
		"email":                           {kind: "string", desc: "Applies to email authentication methods only. The email address used to send verification messages."},
		"preferred_authentication_method": {kind: "string", enum: []string{"voice", "sms"}},
		"key_id":                          {kind: "string"},
		"public_key":                      {kind: "string"},
		"aaguid":                          {kind: "string"},
		"relying_party_identifier":        {kind: "string"},
		"credential_device_type":          {kind: "string", enum: []string{"single_device", "multi_device"}},
		"credential_backed_up":            {kind: "boolean"},
		"identity_user_id":                {kind: "string"},
		"user_agent":                      {kind: "string"},
		"user_handle":                     {kind: "string"},
		"transports":                      {kind: "array"},
	},
}

// replaceMethodSchema is SetUserAuthenticationMethods (one PUT item).
var replaceMethodSchema = bodySchema{
	required: []string{"type"},
	props: map[string]prop{
		"type":                            {kind: "string", enum: []string{"phone", "email", "totp"}},
		"preferred_authentication_method": {kind: "string", enum: []string{"voice", "sms"}},
		"name":                            {kind: "string", min: 1, max: 20, desc: "AA human-readable label to identify the authentication method."},
		"phone_number":                    {kind: "string", min: 2, max: 30},
		"email":                           {kind: "string", min: 1},
		"totp_secret":                     {kind: "string", min: 1},
	},
}

// updateMethodSchema is UpdateUserAuthenticationMethodRequestContent.
var updateMethodSchema = bodySchema{
	props: map[string]prop{
		"name":                            {kind: "string", desc: "A human-readable label to identify the authentication method."},
		"preferred_authentication_method": {kind: "string", enum: []string{"voice", "sms"}},
	},
}

// maskEmail masks an address as Auth0 does on reads: "chuck334@example.com"
// becomes "chuc****@exam*******", "foo@example.com" "****@exam*******".
func maskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok {
		return strings.Repeat("*", len(email))
	}
	masked := "****"
	if len(local) > 4 {
		masked = local[:4] + "****"
	}
	if len(domain) > 4 {
		domain = domain[:4] + strings.Repeat("*", len(domain)-4)
	}
	return masked + "@" + domain
}

// maskPhone keeps the last four digits: "+44207183875044" becomes "XXXXXXXXXXX5044".
func maskPhone(phone string) string {
	if len(phone) <= 4 {
		return phone
	}
	return strings.Repeat("X", len(phone)-4) + phone[len(phone)-4:]
}

// methodView renders a stored method for a read: secrets dropped, email
// and phone masked; confirmed only on GETs.
func methodView(m map[string]any, confirmed bool) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch k {
		case "totp_secret":
			continue
		case "email":
			v = maskEmail(str(v))
		case "phone_number":
			v = maskPhone(str(v))
		case "confirmed":
			if !confirmed {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// listAuthMethods answers GET /users/{id}/authentication-methods. The
// envelope has no total when there is nothing to list, as recorded.
func (t *Tenant) listAuthMethods(q *request) (int, any, *apiError) {
	p, err := pageParams(q, 0, 100, 50, -1)
	if err != nil {
		return 0, nil, err
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		methods := t.dir.extras(rec).methods
		all := make([]any, 0, len(methods))
		for _, m := range methods {
			all = append(all, methodView(m, true))
		}
		out := p.list("authenticators", all, false)
		if env, ok := out.(map[string]any); ok && len(all) == 0 {
			delete(env, "total")
		}
		return http.StatusOK, out, nil
	})
}

// method finds the request's {authentication_method_id}. Callers hold t.mu.
func (t *Tenant) method(q *request) (*userExtra, int, *apiError) {
	rec, err := t.lookup(q)
	if err != nil {
		return nil, -1, err
	}
	x := t.dir.extras(rec)
	id := q.params["authentication_method_id"]
	for i, m := range x.methods {
		if m["id"] == id {
			return x, i, nil
		}
	}
	return nil, -1, newError(http.StatusNotFound, "", "The authentication method could not be found.")
}

// getAuthMethod answers GET …/authentication-methods/{authentication_method_id}.
func (t *Tenant) getAuthMethod(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	x, i, err := t.method(q)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, methodView(x.methods[i], true), nil
}

// newMethod builds a stored method from a create or replace body.
func (t *Tenant) newMethod(body map[string]any, now string) map[string]any {
	kind := str(body["type"])
	dev := "dev_" + t.dir.randomString(alnum, 16)
	m := map[string]any{"id": kind + "|" + dev, "type": kind, "confirmed": true, "created_at": now}
	for k, v := range body {
		if k != "type" {
			m[k] = v
		}
	}
	if kind == "phone" {
		pref := str(body["preferred_authentication_method"])
		if pref == "" {
			pref = "sms"
			m["preferred_authentication_method"] = pref
		}
		m["authentication_methods"] = []any{map[string]any{"id": pref + "|" + dev, "type": pref}}
	}
	return m
}

// requiredFor names the property a method of kind cannot do without.
func requiredFor(kind string) []string {
	switch kind {
	case "phone":
		return []string{"phone_number"}
	case "email":
		return []string{"email"}
	case "totp":
		return []string{"totp_secret"}
	case "webauthn-roaming", "passkey":
		return []string{"key_id", "public_key"}
	}
	return nil
}

// sameFactor reports whether two methods are the same factor (409).
func sameFactor(a, b map[string]any) bool {
	if a["type"] != b["type"] {
		return false
	}
	switch a["type"] {
	case "email":
		return strings.EqualFold(str(a["email"]), str(b["email"]))
	case "phone":
		return a["phone_number"] == b["phone_number"]
	case "webauthn-roaming", "passkey":
		return a["key_id"] == b["key_id"]
	case "totp":
		return true
	}
	return false
}

// createAuthMethod answers POST /users/{id}/authentication-methods with 201.
func (t *Tenant) createAuthMethod(q *request) (int, any, *apiError) {
	body, err := decodeObject(q)
	if err != nil {
		return 0, nil, err
	}
	if err := createMethodSchema.validate(body); err != nil {
		return 0, nil, err
	}
	for _, need := range requiredFor(str(body["type"])) {
		if _, ok := body[need]; !ok {
			return 0, nil, errValidation("Payload", "Missing required property: "+need, "", "")
		}
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		x := t.dir.extras(rec)
		m := t.newMethod(body, stamp(q.now))
		for _, old := range x.methods {
			if sameFactor(old, m) {
				if m["type"] == "totp" {
					return 0, nil, newError(http.StatusForbidden, "", "You reached the limit of entities of this type for this user.")
				}
				return 0, nil, newError(http.StatusConflict, "", "Authentication method already exists.")
			}
		}
		x.methods = append(x.methods, m)
		out := methodView(m, false)
		if secret, ok := m["totp_secret"]; ok {
			out["totp_secret"] = secret
		}
		return http.StatusCreated, out, nil
	})
}

// hasPasskey reports whether the user registered a passkey (which blocks
// replacing or deleting all methods).
func hasPasskey(x *userExtra) bool {
	for _, m := range x.methods {
		if m["type"] == "passkey" {
			return true
		}
	}
	return false
}

func errPasskey() *apiError {
	return newError(http.StatusForbidden, "", "Operation not permitted when the user has registered at least 1 passkey")
}

// replaceAuthMethods answers PUT /users/{id}/authentication-methods: the
// given methods replace every existing one; the answer echoes them unmasked.
func (t *Tenant) replaceAuthMethods(q *request) (int, any, *apiError) {
	var raw any
	if err := decodeBody(q, &raw); err != nil {
		return 0, nil, err
	}
	items, ok := raw.([]any)
	if !ok {
		return 0, nil, errValidation("Payload", "Expected type array but found type "+jsonType(raw), "", "")
	}
	bodies := make([]map[string]any, 0, len(items))
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return 0, nil, errValidation("Payload", "Expected type object but found type "+jsonType(it), "", "")
		}
		if err := replaceMethodSchema.validate(m); err != nil {
			return 0, nil, err
		}
		for _, need := range requiredFor(str(m["type"])) {
			if _, ok := m[need]; !ok {
				return 0, nil, errValidation("Payload", "Missing required property: "+need, "", "")
			}
		}
		bodies = append(bodies, m)
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		x := t.dir.extras(rec)
		if hasPasskey(x) {
			return 0, nil, errPasskey()
		}
		now := stamp(q.now)
		methods := make([]map[string]any, 0, len(bodies))
		out := make([]any, 0, len(bodies))
		for _, b := range bodies {
			m := t.newMethod(b, now)
			for _, old := range methods {
				if sameFactor(old, m) {
					return 0, nil, newError(http.StatusConflict, "", "Authentication method already exists.")
				}
			}
			methods = append(methods, m)
			view := make(map[string]any, len(m))
			for k, v := range m {
				if k != "confirmed" && k != "totp_secret" {
					view[k] = v
				}
			}
			out = append(out, view)
		}
		x.methods = methods
		return http.StatusOK, out, nil
	})
}

// updateAuthMethod answers PATCH …/authentication-methods/{authentication_method_id}.
func (t *Tenant) updateAuthMethod(q *request) (int, any, *apiError) {
	body, err := decodeObject(q)
	if err != nil {
		return 0, nil, err
	}
	if err := updateMethodSchema.validate(body); err != nil {
		return 0, nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	x, i, err := t.method(q)
	if err != nil {
		return 0, nil, err
	}
	m := cloneShallow(x.methods[i])
	if name, ok := body["name"]; ok {
		m["name"] = name
	}
	// preferred_authentication_method "applies to phone authentication
	// methods only" (OAS): elsewhere it is ignored.
	if pref, ok := body["preferred_authentication_method"].(string); ok && m["type"] == "phone" {
		m["preferred_authentication_method"] = pref
		_, dev, _ := strings.Cut(str(m["id"]), "|")
		m["authentication_methods"] = []any{map[string]any{"id": pref + "|" + dev, "type": pref}}
	}
	x.methods[i] = m
	return http.StatusOK, methodView(m, false), nil
}

// deleteAuthMethods answers DELETE /users/{id}/authentication-methods.
func (t *Tenant) deleteAuthMethods(q *request) (int, any, *apiError) {
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		x := t.dir.extras(rec)
		if hasPasskey(x) {
			return 0, nil, errPasskey()
		}
		x.methods = nil
		clearMultifactor(rec, q)
		return http.StatusNoContent, nil, nil
	})
}

// deleteAuthMethod answers DELETE …/authentication-methods/{authentication_method_id};
// methods linked to it (link_id) go with it.
func (t *Tenant) deleteAuthMethod(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	x, i, err := t.method(q)
	if err != nil {
		return 0, nil, err
	}
	gone := x.methods[i]
	kept := x.methods[:0:0]
	for _, m := range x.methods {
		if m["id"] == gone["id"] || (gone["link_id"] != nil && m["id"] == gone["link_id"]) || (m["link_id"] != nil && m["link_id"] == gone["id"]) {
			continue
		}
		kept = append(kept, m)
	}
	x.methods = kept
	return http.StatusNoContent, nil, nil
}
