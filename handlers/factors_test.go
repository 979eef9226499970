package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api/auth0apitest"
)

// methodIDOf returns the id of the user's first authentication method of kind.
func methodIDOf(t *testing.T, a *testApp, userID, kind string) string {
	t.Helper()
	page, err := a.srv.users.ListAuthenticationMethods(context.Background(), userID, nil)
	must(t, err)
	for _, m := range page.AuthenticationMethods {
		if m.Type == kind {
			return m.ID
		}
	}
	t.Fatalf("%s has no %s method", userID, kind)
	return ""
}

// TestFactorsSection: every kind of factor in words, masked values, passkey details; the
// Guardian enrollments that repeat a factor are not listed again; the header's MFA fact and
// the toolbar's reset (keeping the passkeys, which Auth0 will not remove with the rest) come
// out of band; read with three calls at once.
func TestFactorsSection(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	a.Tenant.ResetCalls()
	resp, body := secGet(t, b, adaPath+"/factors")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d:\n%s", resp.StatusCode, body)
	}
	wantCalls(t, a, nil, factorReads(adaAPI)...)
	for _, want := range []string{
		"Authenticator app", "Phone (text or voice codes)", "Email codes", "Security key",
		"Device biometrics (fingerprint, face)", "Passkey", "Guardian app (push notifications)", "Recovery code",
		"XXXXXXXXX0123",    // the phone, masked by Auth0
		"ada.****@exam***", // the e-mail, masked by Auth0
		"Synced across the user", "Backed up", "For login.example.com", "Transports: internal, hybrid",
		`<span class="badge" data-kind="ok">confirmed</span>`,
		`hx-swap-oob="innerHTML:#chip-mfa"`, `>8 factors</a>`, "incl. a passkey",
		`hx-swap-oob="innerHTML:#toolbar-mfa"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the section lacks %q", want)
		}
	}
	if n := strings.Count(body, `class="factor-row"`); n != 8 {
		t.Errorf("%d factor rows, want 8", n)
	}
	if n := strings.Count(body, `class="enrollment-row"`); n != 0 {
		t.Errorf("%d enrollment rows repeat the factors", n)
	}
	if strings.Contains(body, "+447700900123") {
		t.Error("the section shows an unmasked phone number")
	}

	// A user without factors says so.
	_, body = secGet(t, b, "/users/"+url.PathEscape(auth0apitest.FixtureBareUserID)+"/factors")
	if !strings.Contains(body, `id="factors-none"`) || !strings.Contains(body, `>None</a>`) || strings.Contains(body, "Guardian") {
		t.Errorf("bare user's factors:\n%s", body)
	}
}

// TestFactorsResetFitsTheUser: the helpdesk is offered the reset Auth0 will accept: for a user
// with a passkey, every factor but the passkeys (up front, saying why); without one, every
// factor; with no factor, no reset, no "invalidate remembered browsers" and no "new recovery
// code".
func TestFactorsResetFitsTheUser(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	_, body := secGet(t, b, adaPath+"/factors")
	for _, want := range []string{`data-reset="keep-passkeys"`, `hx-delete="` + adaPath + `/authenticators"`, `id="factors-passkey-note"`,
		`id="factors-invalidate-browsers"`, `id="factors-recovery-code"`} {
		if !strings.Contains(body, want) {
			t.Errorf("Ada (a passkey): the section lacks %s", want)
		}
	}
	if strings.Contains(body, `data-reset="all"`) {
		t.Error("Ada (a passkey) is offered a reset of every factor, which Auth0 refuses")
	}
	grace := "/users/" + url.PathEscape(auth0apitest.FixtureSocialUserID)
	_, body = secGet(t, b, grace+"/factors")
	if !strings.Contains(body, `data-reset="all"`) || !strings.Contains(body, `hx-delete="`+grace+`/factors"`) || strings.Contains(body, "factors-passkey-note") {
		t.Errorf("Grace (no passkey) is not offered the full reset:\n%s", body)
	}
	_, body = secGet(t, b, "/users/"+url.PathEscape(auth0apitest.FixtureBareUserID)+"/factors")
	for _, absent := range []string{"factors-reset", "factors-invalidate-browsers", "factors-recovery-code"} {
		if strings.Contains(body, absent) {
			t.Errorf("a user without factors is offered %s", absent)
		}
	}
}

// factorCase is one factor action by one persona.
type factorCase struct {
	name    string
	persona string
	method  string
	path    string // may hold {totp}, {phone}: Ada's method ids, escaped
	form    url.Values
	setup   func(t *testing.T, a *testApp)
	// want
	status  int
	changes []string // the Management API changes, in order (reads are checked by reads)
	reads   []string
	event   string
	outcome string
	body    []string // in the answer
	notBody []string
	check   func(t *testing.T, a *testApp, resp *http.Response, body string)
}

func runFactorCases(t *testing.T, cases []factorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			if tc.setup != nil {
				tc.setup(t, a)
			}
			b := a.signIn(t, tc.persona)
			path := strings.NewReplacer(
				"{totp}", url.PathEscape(methodIDOf(t, a, auth0apitest.FixtureUserID, "totp")),
				"{phone}", url.PathEscape(methodIDOf(t, a, auth0apitest.FixtureUserID, "phone")),
			).Replace(tc.path)
			changes := make([]string, len(tc.changes))
			for i, c := range tc.changes {
				changes[i] = strings.NewReplacer(
					"{totp}", url.PathEscape(methodIDOf(t, a, auth0apitest.FixtureUserID, "totp")),
					"{phone}", url.PathEscape(methodIDOf(t, a, auth0apitest.FixtureUserID, "phone")),
				).Replace(c)
			}
			resp, body := secChange(t, a, b, tc.method, path, tc.form)
			if resp.StatusCode != tc.status {
				t.Errorf("status = %d, want %d:\n%s", resp.StatusCode, tc.status, body)
			}
			reads := tc.reads
			if tc.persona == "helpdesk" && tc.outcome != "denied" {
				// Before a helpdesk change, the gate reads the user's roles (staff and protected
				// users); the section reloaded after it uses them rather than read them again.
				api := "/users/" + strings.Split(strings.TrimPrefix(path, "/users/"), "/")[0]
				reads = append(slices.Clone(reads), rolesCheck(api))
			}
			wantCalls(t, a, changes, reads...)
			if tc.event != "" {
				wantOneAudit(t, a, tc.event, tc.outcome)
			}
			for _, want := range tc.body {
				if !strings.Contains(body, want) {
					t.Errorf("answer lacks %q:\n%s", want, body)
				}
			}
			for _, bad := range tc.notBody {
				if strings.Contains(body, bad) {
					t.Errorf("answer has %q", bad)
				}
			}
			if tc.check != nil {
				tc.check(t, a, resp, body)
			}
		})
	}
}

// grantLegacyProvider gives Grace a legacy google-authenticator configuration.
func grantLegacyProvider(t *testing.T, a *testApp) {
	u, ok := a.Tenant.User(auth0apitest.FixtureSocialUserID)
	if !ok {
		t.Fatal("no Grace")
	}
	u["multifactor"] = []any{"google-authenticator", "guardian"}
	a.Tenant.PutUser(u)
}

// TestFactorHelpdeskActions: the helpdesk's MFA reset, for each action: the exact calls, one
// audit event, the section re-read from Auth0 with a flash; refusals make no call.
func TestFactorHelpdeskActions(t *testing.T) {
	adaLabel := "Ada Lovelace (ada.lovelace@example.com)"
	self := "/users/" + url.PathEscape(auth0apitest.StaffUserID(testAccounts["helpdesk"]))
	runFactorCases(t, []factorCase{
		{
			name: "remove one factor", persona: "helpdesk", method: http.MethodDelete, path: adaPath + "/factors/{totp}",
			status: 200, changes: []string{"DELETE " + adaAPI + "/authentication-methods/{totp}"}, reads: factorReads(adaAPI),
			event: "user.factor.delete", outcome: "success",
			body:    []string{`<section id="section-factors"`, `hx-swap-oob="innerHTML"`, "Removed the authenticator app of " + adaLabel + "."},
			notBody: []string{`data-factor-type="totp"`},
			check: func(t *testing.T, a *testApp, _ *http.Response, _ string) {
				d := auditDetails(a.auditEvents(t)[0])
				if d["type"] != "totp" || !strings.HasPrefix(d["method_id"].(string), "totp|") {
					t.Errorf("audit details = %v", d)
				}
			},
		},
		{
			name: "admin removes one factor too", persona: "admin", method: http.MethodDelete, path: adaPath + "/factors/{phone}",
			status: 200, changes: []string{"DELETE " + adaAPI + "/authentication-methods/{phone}"}, reads: factorReads(adaAPI),
			event: "user.factor.delete", outcome: "success", notBody: []string{`data-factor-type="phone"`},
		},
		{
			name: "viewer may not remove", persona: "viewer", method: http.MethodDelete, path: adaPath + "/factors/{totp}",
			status: 403, event: "denied.reset_mfa", outcome: "denied",
		},
		{
			name: "not a method id", persona: "helpdesk", method: http.MethodDelete, path: adaPath + "/factors/" + url.PathEscape("../roles"),
			status: 400, event: "user.factor.delete", outcome: "failure", body: []string{"not an authentication method id"},
		},
		{
			name: "reset all", persona: "helpdesk", method: http.MethodDelete, path: gracePath + "/factors",
			status: 200, changes: []string{"DELETE " + graceAPI + "/authentication-methods"}, reads: factorReads(graceAPI),
			event: "user.factors.reset", outcome: "success",
			body: []string{`id="factors-none"`, "Reset every factor of Grace Hopper (grace.hopper@gmail.com)."},
		},
		{
			name: "reset all refused because of a passkey", persona: "helpdesk", method: http.MethodDelete, path: adaPath + "/factors",
			status: 409, changes: []string{"DELETE " + adaAPI + "/authentication-methods"}, reads: factorReads(adaAPI),
			event: "user.factors.reset", outcome: "failure",
			body: []string{`id="factors-passkey-refused"`, "Remove the factors one by one", `id="factors-remove-mfa-keep-passkeys"`,
				`class="secondary outline factor-remove"`, `hx-swap-oob="innerHTML"`, "the user has a passkey"},
			check: func(t *testing.T, a *testApp, _ *http.Response, _ string) {
				ev := a.auditEvents(t)[1] // the outcome, after the attempt
				if d := auditDetails(ev); d["auth0_status"] != float64(403) {
					t.Errorf("audit details = %v", d)
				}
			},
		},
		{
			name: "remove MFA factors, keep passkeys", persona: "helpdesk", method: http.MethodDelete, path: adaPath + "/authenticators",
			status: 200, changes: []string{"DELETE " + adaAPI + "/authenticators"}, reads: factorReads(adaAPI),
			event: "user.authenticators.delete", outcome: "success",
			body: []string{`data-factor-type="passkey"`, "their passkeys stay"}, notBody: []string{`data-factor-type="totp"`, `data-factor-type="phone"`},
		},
		{
			name: "legacy provider", persona: "helpdesk", method: http.MethodDelete, path: gracePath + "/multifactor/google-authenticator",
			setup:  grantLegacyProvider,
			status: 200, changes: []string{"DELETE " + graceAPI + "/multifactor/google-authenticator"}, reads: factorReads(graceAPI),
			event: "user.multifactor.delete", outcome: "success",
			body: []string{"Removed the google-authenticator configuration"}, notBody: []string{`id="factors-providers"`},
		},
		{
			name: "not a legacy provider", persona: "helpdesk", method: http.MethodDelete, path: gracePath + "/multifactor/guardian",
			status: 400, event: "user.multifactor.delete", outcome: "failure", body: []string{"not a multifactor provider"},
		},
		{
			name: "invalidate remembered browsers", persona: "helpdesk", method: http.MethodPost, path: adaPath + "/factors/invalidate-browsers",
			status: 200, changes: []string{"POST " + adaAPI + "/multifactor/actions/invalidate-remember-browser"}, reads: factorReads(adaAPI),
			event: "user.mfa.browsers.invalidate", outcome: "success",
			body: []string{"Every browser " + adaLabel + " chose to remember will ask for MFA again."},
		},
		{
			name: "viewer may not invalidate", persona: "viewer", method: http.MethodPost, path: adaPath + "/factors/invalidate-browsers",
			status: 403, event: "denied.reset_mfa", outcome: "denied",
		},
		{
			name: "own factors: reset", persona: "helpdesk", method: http.MethodDelete, path: self + "/factors",
			status: 409, event: "user.factors.reset", outcome: "denied", body: []string{"You cannot change your own factors"},
		},
		{
			name: "own factors: recovery code", persona: "admin", method: http.MethodPost,
			path:   "/users/" + url.PathEscape(auth0apitest.StaffUserID(testAccounts["admin"])) + "/factors/recovery-code",
			status: 409, event: "user.recovery_code.regenerate", outcome: "denied",
		},
	})
}

// TestLegacyProviderShown: a user with a legacy provider sees it, with a remove button.
func TestLegacyProviderShown(t *testing.T) {
	a := newTestApp(t)
	grantLegacyProvider(t, a)
	b := a.signIn(t, "helpdesk")
	_, body := secGet(t, b, gracePath+"/factors")
	for _, want := range []string{`id="factors-providers"`, "Google Authenticator (legacy)", `hx-delete="` + gracePath + `/multifactor/google-authenticator"`} {
		if !strings.Contains(body, want) {
			t.Errorf("section lacks %q", want)
		}
	}
	if strings.Contains(body, `data-provider="guardian"`) {
		t.Error("guardian is not a legacy provider")
	}
}

// TestOwnFactorsShowNoActions: on their own account, staff see their factors but no MFA
// action.
func TestOwnFactorsShowNoActions(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	_, body := secGet(t, b, "/users/"+url.PathEscape(auth0apitest.StaffUserID(testAccounts["admin"]))+"/factors")
	if !strings.Contains(body, `id="factors-self-note"`) {
		t.Error("no note about one's own account")
	}
	for _, bad := range []string{"factors-reset", "factors-recovery-code", "factor-admin-add"} {
		if strings.Contains(body, bad) {
			t.Errorf("own account offers %s", bad)
		}
	}
}

// recoveryCodeInPage finds the code shown in the answer.
var recoveryCodeInPage = regexp.MustCompile(`<code id="recovery-code-value">([A-Z0-9]{24})</code>`)

// TestRecoveryCode: a new recovery code is shown once, with a copy button, in an answer that
// is not stored; it is in neither the logs nor the audit trail (checklist 64).
func TestRecoveryCode(t *testing.T) {
	for _, htmx := range []bool{true, false} {
		name := "htmx"
		if !htmx {
			name = "plain post"
		}
		t.Run(name, func(t *testing.T) {
			a := newTestApp(t)
			b := a.signIn(t, "helpdesk")
			headers := append([]string{"X-CSRF-Token", b.csrfToken(t)}, b.sameOriginHeaders()...)
			if htmx {
				headers = append(headers, secHTMX...)
			}
			a.Tenant.ResetCalls()
			a.Audit.Reset()
			a.Logs.Reset()
			resp, body := b.send(t, http.MethodPost, adaPath+"/factors/recovery-code", nil, headers...)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d:\n%s", resp.StatusCode, body)
			}
			m := recoveryCodeInPage.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no recovery code in the answer:\n%s", body)
			}
			code := m[1]
			if !strings.Contains(body, `data-copy="`+code+`"`) {
				t.Error("no copy button for the code")
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			wantCalls(t, a, []string{"POST " + adaAPI + "/recovery-code-regeneration"}, append(factorReads(adaAPI), rolesCheck(adaAPI))...)
			ev := wantOneAudit(t, a, "user.recovery_code.regenerate", "success")
			if d := auditDetails(ev); len(d) != 0 {
				t.Errorf("audit details = %v, want none", d)
			}
			for name, out := range map[string]string{"logs": a.Logs.String(), "audit": a.Audit.String()} {
				if strings.Contains(out, code) {
					t.Errorf("the recovery code is in the %s:\n%s", name, out)
				}
				if len(out) == 0 {
					t.Errorf("nothing was captured in the %s", name)
				}
			}
			if htmx && strings.Contains(body, "<html") {
				t.Error("htmx got a page")
			}
			if !htmx && !strings.Contains(body, "<html") {
				t.Error("a plain post got a fragment")
			}

			// The code is shown once: the section read again does not have it.
			_, again := secGet(t, b, adaPath+"/factors")
			if strings.Contains(again, code) || strings.Contains(again, `id="recovery-code"`) {
				t.Error("the section shows the code again")
			}
		})
	}
}
