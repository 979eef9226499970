package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// TestFactorAdminActions: the admin's authentication-method writes, each with its exact call,
// one audit event and the section re-read; a form with mistakes, or refused by Auth0, comes
// back with the errors beside it and the input kept; the helpdesk may not write.
func TestFactorAdminActions(t *testing.T) {
	retargeted := func(t *testing.T, _ *testApp, resp *http.Response, _ string) {
		if resp.Header.Get("HX-Retarget") != "#section-factors" || resp.Header.Get("HX-Reswap") != "outerHTML" {
			t.Errorf("HX-Retarget %q HX-Reswap %q: the whole section should be swapped", resp.Header.Get("HX-Retarget"), resp.Header.Get("HX-Reswap"))
		}
	}
	notRetargeted := func(t *testing.T, _ *testApp, resp *http.Response, body string) {
		if resp.Header.Get("HX-Retarget") != "" {
			t.Errorf("a refused form is retargeted to %q", resp.Header.Get("HX-Retarget"))
		}
	}
	bodyIs := func(want string) func(t *testing.T, a *testApp, resp *http.Response, body string) {
		return func(t *testing.T, a *testApp, resp *http.Response, body string) {
			bodies := secCallBodies(a, http.MethodPost) // (or PATCH/PUT: at most one change per case)
			bodies = append(bodies, secCallBodies(a, http.MethodPatch)...)
			bodies = append(bodies, secCallBodies(a, http.MethodPut)...)
			if len(bodies) != 1 || bodies[0] != want {
				t.Errorf("request body = %q\nwant           %q", bodies, want)
			}
			if strings.HasPrefix(want, "{\"type\"") || strings.HasPrefix(want, "[") {
				retargeted(t, a, resp, body)
			}
		}
	}
	validReplace := `[{"type":"email","email":"grace@example.com"},{"type":"phone","phone_number":"+1 (202) 555-0143","preferred_authentication_method":"voice","name":"Desk"}]`
	runFactorCases(t, []factorCase{
		{
			name: "add a phone", persona: "admin", method: http.MethodPost, path: adaPath + "/factors",
			form:   url.Values{"type": {"phone"}, "phone_number": {"+44 7700 900999"}, "preferred_authentication_method": {"voice"}, "name": {"Work"}, "user_label": {"Ada"}},
			status: 200, changes: []string{"POST " + adaAPI + "/authentication-methods"}, reads: factorReads(adaAPI),
			event: "user.factor.create", outcome: "success",
			body:  []string{`<section id="section-factors"`, "XXXXXXXXX0999", "Work", "Added a phone (text or voice codes) for Ada Lovelace"},
			check: bodyIs(`{"type":"phone","name":"Work","phone_number":"+447700900999","preferred_authentication_method":"voice"}`),
		},
		{
			name: "add an authenticator app", persona: "admin", method: http.MethodPost, path: "/users/" + url.PathEscape(auth0apitest.FixtureBareUserID) + "/factors",
			form:   url.Values{"type": {"totp"}, "totp_secret": {"jbsw y3dp ehpk 3pxp"}},
			status: 200, changes: []string{"POST /users/" + url.PathEscape(auth0apitest.FixtureBareUserID) + "/authentication-methods"},
			reads: factorReads("/users/" + url.PathEscape(auth0apitest.FixtureBareUserID)),
			event: "user.factor.create", outcome: "success",
			check: bodyIs(`{"type":"totp","totp_secret":"JBSWY3DPEHPK3PXP"}`),
		},
		{
			name: "add a passkey", persona: "admin", method: http.MethodPost, path: "/users/" + url.PathEscape(auth0apitest.FixtureBareUserID) + "/factors",
			form: url.Values{"type": {"passkey"}, "key_id": {"a1B2c3"}, "public_key": {"pQECAyYgASFY"}, "relying_party_identifier": {"login.example.com"},
				"aaguid": {"fbfc3007-154e-4ecc-8c0b-6e020557d7bd"}, "credential_device_type": {"multi_device"}, "credential_backed_up": {"true"}, "transports": {"internal, hybrid"}},
			status: 200, changes: []string{"POST /users/" + url.PathEscape(auth0apitest.FixtureBareUserID) + "/authentication-methods"},
			reads: factorReads("/users/" + url.PathEscape(auth0apitest.FixtureBareUserID)),
			event: "user.factor.create", outcome: "success",
			check: bodyIs(`{"type":"passkey","key_id":"a1B2c3","public_key":"pQECAyYgASFY","aaguid":"fbfc3007-154e-4ecc-8c0b-6e020557d7bd","relying_party_identifier":"login.example.com","credential_device_type":"multi_device","credential_backed_up":true,"transports":["internal","hybrid"]}`),
		},
		{
			name: "a form with mistakes", persona: "admin", method: http.MethodPost, path: adaPath + "/factors",
			form:   url.Values{"type": {"phone"}, "phone_number": {"12ab"}, "name": {"A label far longer than twenty"}, "user_label": {"Ada L"}},
			status: 422, event: "user.factor.create", outcome: "failure",
			body: []string{`id="factor-create-form"`, `value="12ab"`, "international format", "Auth0 takes at most 20",
				`value="A label far longer than twenty"`, `aria-invalid`, "to Ada L?"},
			notBody: []string{`<section id="section-factors"`},
			check:   notRetargeted,
		},
		{
			name: "a type Auth0 does not create", persona: "admin", method: http.MethodPost, path: adaPath + "/factors",
			form: url.Values{"type": {"recovery-code"}}, status: 422, event: "user.factor.create", outcome: "failure",
			body: []string{"Choose the type of method to add."},
		},
		{
			name: "Auth0 refuses a second authenticator app", persona: "admin", method: http.MethodPost, path: gracePath + "/factors",
			form:   url.Values{"type": {"totp"}, "totp_secret": {"JBSWY3DPEHPK3PXP"}},
			status: 403, changes: []string{"POST " + graceAPI + "/authentication-methods"},
			event: "user.factor.create", outcome: "failure",
			body:  []string{`id="factor-create-form"`, "You reached the limit of entities of this type for this user.", `value="JBSWY3DPEHPK3PXP"`},
			check: notRetargeted,
		},
		{
			name: "the helpdesk may not add", persona: "helpdesk", method: http.MethodPost, path: adaPath + "/factors",
			form: url.Values{"type": {"email"}, "email": {"x@example.com"}}, status: 403, event: "denied.write_auth_methods", outcome: "denied",
		},
		{
			name: "rename", persona: "admin", method: http.MethodPatch, path: adaPath + "/factors/{totp}",
			form:   url.Values{"name": {"Work app"}},
			status: 200, changes: []string{"PATCH " + adaAPI + "/authentication-methods/{totp}"}, reads: factorReads(adaAPI),
			event: "user.factor.update", outcome: "success", body: []string{"Work app", "Saved the changes to the authenticator app"},
			check: bodyIs(`{"name":"Work app"}`),
		},
		{
			name: "a phone's channel", persona: "admin", method: http.MethodPatch, path: adaPath + "/factors/{phone}",
			form:   url.Values{"name": {""}, "preferred_authentication_method": {"voice"}},
			status: 200, changes: []string{"PATCH " + adaAPI + "/authentication-methods/{phone}"}, reads: factorReads(adaAPI),
			event: "user.factor.update", outcome: "success", body: []string{"Codes by voice call"},
			check: bodyIs(`{"preferred_authentication_method":"voice"}`),
		},
		{
			name: "nothing to change", persona: "admin", method: http.MethodPatch, path: adaPath + "/factors/{totp}",
			form: url.Values{"name": {""}}, status: 422, event: "user.factor.update", outcome: "failure", body: []string{"Nothing to change"},
		},
		{
			name: "a channel for an app", persona: "admin", method: http.MethodPatch, path: adaPath + "/factors/{totp}",
			form: url.Values{"preferred_authentication_method": {"sms"}}, status: 422, event: "user.factor.update", outcome: "failure",
		},
		{
			name: "the helpdesk may not rename", persona: "helpdesk", method: http.MethodPatch, path: adaPath + "/factors/{totp}",
			form: url.Values{"name": {"x"}}, status: 403, event: "denied.write_auth_methods", outcome: "denied",
		},
		{
			name: "replace all", persona: "admin", method: http.MethodPut, path: gracePath + "/factors",
			form:   url.Values{"methods": {validReplace}},
			status: 200, changes: []string{"PUT " + graceAPI + "/authentication-methods"}, reads: factorReads(graceAPI),
			event: "user.factors.replace", outcome: "success",
			body:    []string{`data-factor-type="email"`, `data-factor-type="phone"`, "Replaced the methods of Grace Hopper (grace.hopper@gmail.com): 2 now."},
			notBody: []string{`data-factor-type="totp"`},
			check:   bodyIs(`[{"type":"email","email":"grace@example.com"},{"type":"phone","preferred_authentication_method":"voice","name":"Desk","phone_number":"+12025550143"}]`),
		},
		{
			name: "replace with mistakes", persona: "admin", method: http.MethodPut, path: gracePath + "/factors",
			form:   url.Values{"methods": {`[{"type":"sms","phone_number":"+1"},{"type":"totp","totp_secret":"not base32!","color":"red"},{"type":"email"}]`}},
			status: 422, event: "user.factors.replace", outcome: "failure",
			body: []string{`id="factor-replace-form"`, "Item 1: the type must be phone, email or totp.", "Item 2: “color” is not a key Auth0 takes here",
				"Item 2: the secret is not base32", "Item 3: an email method needs email.", "{&#34;type&#34;:&#34;sms&#34;"},
			check: notRetargeted,
		},
		{
			name: "replace with broken JSON", persona: "admin", method: http.MethodPut, path: gracePath + "/factors",
			form:   url.Values{"methods": {"[\n  {\"type\": \"totp\",}\n]"}},
			status: 422, event: "user.factors.replace", outcome: "failure", body: []string{"The JSON is not valid at line 2, column"},
		},
		{
			name: "replace with an empty list", persona: "admin", method: http.MethodPut, path: gracePath + "/factors",
			form: url.Values{"methods": {"[]"}}, status: 422, event: "user.factors.replace", outcome: "failure", body: []string{"Reset all factors"},
		},
		{
			name: "replace refused because of a passkey", persona: "admin", method: http.MethodPut, path: adaPath + "/factors",
			form:   url.Values{"methods": {`[{"type":"totp","totp_secret":"JBSWY3DPEHPK3PXP"}]`}},
			status: 409, changes: []string{"PUT " + adaAPI + "/authentication-methods"},
			event: "user.factors.replace", outcome: "failure",
			body:  []string{"a user who has a passkey", "JBSWY3DPEHPK3PXP"},
			check: notRetargeted,
		},
		{
			name: "own methods", persona: "admin", method: http.MethodPut, path: "/users/" + url.PathEscape(auth0apitest.StaffUserID(testAccounts["admin"])) + "/factors",
			form:   url.Values{"methods": {`[{"type":"totp","totp_secret":"JBSWY3DPEHPK3PXP"}]`}},
			status: 409, event: "user.factors.replace", outcome: "denied", body: []string{"your own factors"},
		},
	})
}

// TestNewFactorForm: the type select reloads the form with that type's fields, without a
// call.
func TestNewFactorForm(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	a.Tenant.ResetCalls()
	resp, body := secGet(t, b, adaPath+"/factors/new?type=passkey&user_label=Ada+L")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	for _, want := range []string{`id="factor-create-form"`, `name="key_id"`, `name="aaguid"`, `name="credential_backed_up"`, `<option value="passkey" selected>`, "to Ada L?"} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, `name="phone_number"`) {
		t.Error("a passkey form asks for a phone number")
	}
	if calls := secCalls(a); len(calls) != 0 {
		t.Errorf("calls = %v", calls)
	}
}

// TestCheckReplaceJSON: the editor's checks, one by one.
func TestCheckReplaceJSON(t *testing.T) {
	tests := []struct {
		in   string
		want string // a problem, "" = valid
	}{
		{`[{"type":"totp","totp_secret":"JBSWY3DPEHPK3PXP"}]`, ""},
		{`[{"type":"phone","phone_number":"+447700900123","preferred_authentication_method":"sms","name":"Mobile"}]`, ""},
		{``, "Type the methods"},
		{`{"type":"totp"}`, "must be a JSON array"},
		{`[1]`, "Item 1: each item must be an object"},
		{`[{"type":"totp","totp_secret":"JBSWY3DPEHPK3PXP"}] x`, "after the closing ]"},
		{`[{"type":"totp","totp_secret":"JBSW"}]`, "too short"},
		{`[{"type":"phone","phone_number":"0770"}]`, "international format"},
		{`[{"type":"email","email":"not an address"}]`, "one e-mail address"},
		{`[{"type":"email","email":"a@b.example","preferred_authentication_method":"sms"}]`, "only phone methods"},
		{`[{"type":"phone","phone_number":"+447700900123","preferred_authentication_method":"fax"}]`, "sms or voice"},
		{`[{"type":"phone","phone_number":"+447700900123","email":"a@b.example"}]`, "a phone method has no email"},
		{`[{"type":"totp","totp_secret":"JBSWY3DPEHPK3PXP","name":""}]`, "the name is empty"},
		{`[{"type":"totp","totp_secret":7}]`, "“totp_secret” must be a string"},
		{`[{"type":"totp","totp_secret":"JBSWY3DPEHPK3PXP"},{"type":"totp","totp_secret":"KRSXG5CTMVRXEZLU"}]`, "Item 2: the same factor as item 1"},
		{`[` + strings.Repeat(`{"type":"email","email":"a@b.example"},`, 20) + `{"type":"email","email":"a@b.example"}]`, "At most 20"},
	}
	for _, tt := range tests {
		_, problems := checkReplaceJSON(tt.in)
		got := strings.Join(problems, " | ")
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("checkReplaceJSON(%.60q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCheckFactorCreate: the values of each type of method, checked before any call.
func TestCheckFactorCreate(t *testing.T) {
	tests := []struct {
		kind   string
		values map[string]string
		field  string // the field with a problem, "" = valid
	}{
		{"phone", map[string]string{"phone_number": "+1 202 555 0143"}, ""},
		{"phone", map[string]string{"phone_number": ""}, "phone_number"},
		{"phone", map[string]string{"phone_number": "+1202555", "preferred_authentication_method": "pigeon"}, "preferred_authentication_method"},
		{"email", map[string]string{"email": "Jane <jane@example.com>"}, "email"},
		{"email", map[string]string{"email": "jane@example.com", "name": "x\x00y"}, "name"},
		{"totp", map[string]string{"totp_secret": "JBSWY3DPEHPK3PX1"}, "totp_secret"},
		{"webauthn-roaming", map[string]string{"key_id": "abc def", "public_key": "AAAA"}, "key_id"},
		{"webauthn-roaming", map[string]string{"key_id": "abc", "public_key": "not base64!"}, "public_key"},
		{"webauthn-roaming", map[string]string{"key_id": "abc", "public_key": "AAAA", "relying_party_identifier": "https://login.example.com/"}, "relying_party_identifier"},
		{"passkey", map[string]string{"key_id": "abc", "public_key": "AAAA", "aaguid": "nope"}, "aaguid"},
		{"passkey", map[string]string{"key_id": "abc", "public_key": "AAAA", "transports": "usb, carrier-pigeon"}, "transports"},
		{"passkey", map[string]string{"key_id": "abc", "public_key": "AAAA", "credential_device_type": "both"}, "credential_device_type"},
		{"push", map[string]string{}, ""},
	}
	for _, tt := range tests {
		_, problems := checkFactorCreate(tt.kind, tt.values)
		switch {
		case tt.kind == "push":
			if problems[""] == "" {
				t.Errorf("push: no problem, want one (Auth0 does not create push methods)")
			}
		case tt.field == "" && len(problems) > 0:
			t.Errorf("%s %v: problems %v", tt.kind, tt.values, problems)
		case tt.field != "" && problems[tt.field] == "":
			t.Errorf("%s %v: no problem with %s (%v)", tt.kind, tt.values, tt.field, problems)
		}
	}
}
