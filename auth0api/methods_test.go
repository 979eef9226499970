package auth0api_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"userdesk/auth0api"
)

// methodCase is one client call and the exact request it must send.
type methodCase struct {
	name   string
	call   func(ctx context.Context, c *auth0api.Client) error
	method string
	path   string     // escaped, after /api/v2
	query  url.Values // nil = no query at all
	body   string     // JSON, compared semantically; "" = no body
	// status and reply are what the test server answers.
	status int
	reply  string
}

// Ids used by the cases.
const (
	caseUserID   = "auth0|63d17c4a9d503d76c056c160"
	caseUserPath = "/users/auth0%7C63d17c4a9d503d76c056c160"
	caseMethodID = "email|dev_f0O81fTcftc0kN2v"
	caseRoleID   = "rol_NHBmr6NkzbRcHob1"
	// Account security (issue 12): the placeholder ids of the recordings, and a recorded grant id.
	caseSessionID = "SessionID"
	caseTokenID   = "RefreshTokenID"
	caseGrantID   = "63cff5bc7209008e35c888c1"
)

// Canned answers.
const (
	userJSON   = `{"user_id":"auth0|63d17c4a9d503d76c056c160","email":"chuck878@example.com","email_verified":true,"created_at":"2023-01-25T19:00:26.539Z","identities":[{"connection":"Username-Password-Authentication","user_id":"63d17c4a9d503d76c056c160","provider":"auth0","isSocial":false}]}`
	methodJSON = `{"id":"email|dev_f0O81fTcftc0kN2v","type":"email","confirmed":true,"name":"Test","email":"chuc****@exam*******","created_at":"2023-03-10T16:25:51.113Z"}`
)

// Canned account-security answers (issue 12), from the recordings with the case user's id.
const (
	sessionJSON = `{"id":"SessionID","user_id":"auth0|63d17c4a9d503d76c056c160","created_at":"2024-05-01T13:00:30.380Z","updated_at":"2024-05-01T13:00:30.380Z","authenticated_at":"2024-05-01T13:00:30.380Z","idle_expires_at":"2024-05-01T13:00:30.380Z","expires_at":"2024-05-01T13:00:30.380Z","last_interacted_at":"2024-05-01T13:00:30.380Z","device":{"initial_user_agent":"InitialUserAgent","initial_ip":"InitialIP","initial_asn":"InitialASN","last_user_agent":"LastUserAgent","last_ip":"LastIP","last_asn":"LastASN"},"clients":[{"client_id":"ClientID"}],"authentication":{"methods":[{"name":"mfa","timestamp":"2024-05-01T13:00:30.380Z","type":"otp"}]}}`
	tokenJSON   = `{"id":"RefreshTokenID","user_id":"auth0|63d17c4a9d503d76c056c160","created_at":"2024-05-01T13:00:30.038Z","idle_expires_at":null,"expires_at":null,"client_id":"CLIENTID","session_id":null,"rotating":false,"resource_servers":[{"audience":"https://go-auth0-dev.eu.auth0.com.us.auth0.com/api/v2/","scopes":"openid profile offline_access"}]}`
	grantJSON   = `{"user_id":"auth0|63d17c4a9d503d76c056c160","audience":"https://go-auth0-dev.eu.auth0.com/userinfo","scope":["openid","profile"],"clientID":"Z3FKRhWMsXg7iwljDHcNtAkUnCRXYttO","id":"63cff5bc7209008e35c888c1"}`
)

// q builds url.Values from key, value pairs.
func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// check returns an error when ok is false, so calls can verify what they
// decoded.
func check(ok bool, format string, args ...any) error {
	if !ok {
		return fmt.Errorf(format, args...)
	}
	return nil
}

// methodCases covers every Client method with default parameters and with
// every parameter set. The emulated-tenant tests run the same calls.
func methodCases() []methodCase {
	return []methodCase{
		// Users.
		{
			name: "ListUsers/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUsers(ctx, auth0api.ListUsersParams{})
				if err != nil {
					return err
				}
				return check(p.Totals && len(p.Users) == 1 && p.Users[0].UserID == caseUserID, "page %+v", p)
			},
			method: "GET", path: "/users",
			query:  q("page", "0", "per_page", "25", "include_totals", "true", "include_fields", "true"),
			status: 200, reply: `{"start":0,"limit":25,"length":1,"users":[` + userJSON + `],"total":1}`,
		},
		{
			name: "ListUsers/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUsers(ctx, auth0api.ListUsersParams{
					Page: 2, PerPage: 10, Sort: "created_at:-1", Connection: "Username-Password-Authentication",
					Q: `email:"chuck@example.com"`, SearchEngine: "v2", IncludeTotals: auth0api.Set(false),
					Fields: []string{"user_id", "email"}, IncludeFields: auth0api.Set(false),
				})
				if err != nil {
					return err
				}
				return check(!p.Totals && len(p.Users) == 1, "page %+v", p)
			},
			method: "GET", path: "/users",
			query: q("page", "2", "per_page", "10", "include_totals", "false", "sort", "created_at:-1",
				"connection", "Username-Password-Authentication", "q", `email:"chuck@example.com"`,
				"search_engine", "v2", "fields", "user_id,email", "include_fields", "false"),
			status: 200, reply: `[` + userJSON + `]`,
		},
		{
			name: "ListUsers/q defaults to search engine v3",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListUsers(ctx, auth0api.ListUsersParams{Q: "blocked:true"})
				return err
			},
			method: "GET", path: "/users",
			query: q("page", "0", "per_page", "25", "include_totals", "true", "include_fields", "true",
				"q", "blocked:true", "search_engine", "v3"),
			status: 200, reply: `{"start":0,"limit":25,"length":0,"users":[],"total":0}`,
		},
		{
			name: "ListUsersByEmail/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				users, err := c.ListUsersByEmail(ctx, "chuck878@example.com", nil)
				if err != nil {
					return err
				}
				return check(len(users) == 1 && users[0].Email == "chuck878@example.com", "users %+v", users)
			},
			method: "GET", path: "/users-by-email",
			query:  q("email", "chuck878@example.com", "include_fields", "true"),
			status: 200, reply: `[` + userJSON + `]`,
		},
		{
			name: "ListUsersByEmail/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListUsersByEmail(ctx, "a+b@example.com", &auth0api.GetUserParams{
					Fields: []string{"user_id", "app_metadata"}, IncludeFields: auth0api.Set(false),
				})
				return err
			},
			method: "GET", path: "/users-by-email",
			query:  q("email", "a+b@example.com", "fields", "user_id,app_metadata", "include_fields", "false"),
			status: 200, reply: `[]`,
		},
		{
			name: "CreateUser/minimal",
			call: func(ctx context.Context, c *auth0api.Client) error {
				u, err := c.CreateUser(ctx, auth0api.UserCreate{
					Connection: "Username-Password-Authentication", Email: "chuck878@example.com", Password: "Passw0rd!Passw0rd",
				})
				if err != nil {
					return err
				}
				return check(u.UserID == caseUserID, "user %+v", u)
			},
			method: "POST", path: "/users",
			body:   `{"connection":"Username-Password-Authentication","email":"chuck878@example.com","password":"Passw0rd!Passw0rd"}`,
			status: 201, reply: userJSON,
		},
		{
			name: "CreateUser/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.CreateUser(ctx, auth0api.UserCreate{
					Connection: "Username-Password-Authentication", Email: "e@example.com", PhoneNumber: "+15551234567",
					UserMetadata: map[string]any{"lang": "fr"}, AppMetadata: map[string]any{"plan": "pro"},
					Blocked: true, EmailVerified: true, PhoneVerified: true,
					GivenName: "Given", FamilyName: "Family", Name: "Given Family", Nickname: "gf",
					Picture: "https://example.com/p.png", UserID: "abc123", Password: "pw",
					VerifyEmail: auth0api.Set(false), Username: "given",
				})
				return err
			},
			method: "POST", path: "/users",
			body: `{"connection":"Username-Password-Authentication","email":"e@example.com","phone_number":"+15551234567",
				"user_metadata":{"lang":"fr"},"app_metadata":{"plan":"pro"},"blocked":true,"email_verified":true,
				"phone_verified":true,"given_name":"Given","family_name":"Family","name":"Given Family","nickname":"gf",
				"picture":"https://example.com/p.png","user_id":"abc123","password":"pw","verify_email":false,"username":"given"}`,
			status: 201, reply: userJSON,
		},
		{
			name: "GetUser/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				u, err := c.GetUser(ctx, caseUserID, nil)
				if err != nil {
					return err
				}
				return check(u.UserID == caseUserID && u.EmailVerified && len(u.Identities) == 1, "user %+v", u)
			},
			method: "GET", path: caseUserPath,
			query:  q("include_fields", "true"),
			status: 200, reply: userJSON,
		},
		{
			name: "GetUser/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.GetUser(ctx, caseUserID, &auth0api.GetUserParams{
					Fields: []string{"identities", "email"}, IncludeFields: auth0api.Set(false),
				})
				return err
			},
			method: "GET", path: caseUserPath,
			query:  q("fields", "identities,email", "include_fields", "false"),
			status: 200, reply: userJSON,
		},
		{
			name:   "DeleteUser",
			call:   func(ctx context.Context, c *auth0api.Client) error { return c.DeleteUser(ctx, caseUserID) },
			method: "DELETE", path: caseUserPath,
			status: 204,
		},
		{
			name: "UpdateUser/set one field",
			call: func(ctx context.Context, c *auth0api.Client) error {
				u, err := c.UpdateUser(ctx, caseUserID, auth0api.UserUpdate{Blocked: auth0api.Set(true)})
				if err != nil {
					return err
				}
				return check(u.UserID == caseUserID, "user %+v", u)
			},
			method: "PATCH", path: caseUserPath,
			body:   `{"blocked":true}`,
			status: 200, reply: userJSON,
		},
		{
			name: "UpdateUser/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.UpdateUser(ctx, caseUserID, auth0api.UserUpdate{
					Blocked: auth0api.Set(false), EmailVerified: auth0api.Set(true), Email: auth0api.Set("new@example.com"),
					PhoneNumber: auth0api.Null[string](), PhoneVerified: auth0api.Set(false),
					UserMetadata: map[string]any{"theme": "dark", "old": nil},
					AppMetadata:  map[string]any{"roles": []string{"a"}, "gone": nil},
					GivenName:    auth0api.Set("G"), FamilyName: auth0api.Null[string](), Name: auth0api.Set("N"),
					Nickname: auth0api.Set("n"), Picture: auth0api.Null[string](), VerifyEmail: auth0api.Set(true),
					VerifyPhoneNumber: auth0api.Set(false), Password: auth0api.Set("pw"), Connection: auth0api.Set("db"),
					ClientID: auth0api.Set("cid"), Username: auth0api.Null[string](),
				})
				return err
			},
			method: "PATCH", path: caseUserPath,
			body: `{"blocked":false,"email_verified":true,"email":"new@example.com","phone_number":null,"phone_verified":false,
				"user_metadata":{"theme":"dark","old":null},"app_metadata":{"roles":["a"],"gone":null},
				"given_name":"G","family_name":null,"name":"N","nickname":"n","picture":null,"verify_email":true,
				"verify_phone_number":false,"password":"pw","connection":"db","client_id":"cid","username":null}`,
			status: 200, reply: userJSON,
		},
		// Organizations, roles, permissions.
		{
			name: "ListUserOrganizations/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUserOrganizations(ctx, caseUserID, auth0api.PageParams{})
				if err != nil {
					return err
				}
				return check(p.Totals && p.Total == 1 && p.Organizations[0].Branding.LogoURL != "", "page %+v", p)
			},
			method: "GET", path: caseUserPath + "/organizations",
			query:  q("page", "0", "per_page", "25", "include_totals", "true"),
			status: 200, reply: `{"organizations":[{"branding":{"logo_url":"https://example.com/logo.gif"},"id":"org_VvIJTfJhf3NwyCie","display_name":"Test Organization","name":"test-organization368"}],"start":0,"limit":25,"total":1}`,
		},
		{
			name: "ListUserOrganizations/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListUserOrganizations(ctx, caseUserID, auth0api.PageParams{Page: 3, PerPage: 5, IncludeTotals: auth0api.Set(false)})
				return err
			},
			method: "GET", path: caseUserPath + "/organizations",
			query:  q("page", "3", "per_page", "5", "include_totals", "false"),
			status: 200, reply: `[]`,
		},
		{
			name: "ListUserRoles/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUserRoles(ctx, caseUserID, auth0api.PageParams{})
				if err != nil {
					return err
				}
				return check(p.Totals && len(p.Roles) == 1 && p.Roles[0].ID == caseRoleID, "page %+v", p)
			},
			method: "GET", path: caseUserPath + "/roles",
			query:  q("page", "0", "per_page", "25", "include_totals", "true"),
			status: 200, reply: `{"roles":[{"id":"rol_NHBmr6NkzbRcHob1","name":"test-role436","description":"Test Role"}],"start":0,"limit":25,"total":1}`,
		},
		{
			name: "ListUserRoles/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListUserRoles(ctx, caseUserID, auth0api.PageParams{Page: 1, PerPage: 100, IncludeTotals: auth0api.Set(false)})
				return err
			},
			method: "GET", path: caseUserPath + "/roles",
			query:  q("page", "1", "per_page", "100", "include_totals", "false"),
			status: 200, reply: `[]`,
		},
		{
			name: "AddUserRoles",
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.AddUserRoles(ctx, caseUserID, []string{caseRoleID, "rol_2"})
			},
			method: "POST", path: caseUserPath + "/roles",
			body:   `{"roles":["rol_NHBmr6NkzbRcHob1","rol_2"]}`,
			status: 204,
		},
		{
			name: "RemoveUserRoles",
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.RemoveUserRoles(ctx, caseUserID, []string{caseRoleID})
			},
			method: "DELETE", path: caseUserPath + "/roles",
			body:   `{"roles":["rol_NHBmr6NkzbRcHob1"]}`,
			status: 204,
		},
		{
			name: "ListUserPermissions/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUserPermissions(ctx, caseUserID, auth0api.PageParams{})
				if err != nil {
					return err
				}
				return check(len(p.Permissions) == 1 && p.Permissions[0].Sources[0].SourceType == "DIRECT", "page %+v", p)
			},
			method: "GET", path: caseUserPath + "/permissions",
			query:  q("page", "0", "per_page", "25", "include_totals", "true"),
			status: 200, reply: `{"permissions":[{"permission_name":"create:resource","description":"Create Resource","resource_server_name":"Test","resource_server_identifier":"https://api.example.com/","sources":[{"source_id":"","source_name":"","source_type":"DIRECT"}]}],"start":0,"limit":25,"total":1}`,
		},
		{
			name: "ListUserPermissions/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListUserPermissions(ctx, caseUserID, auth0api.PageParams{Page: 4, PerPage: 50, IncludeTotals: auth0api.Set(false)})
				return err
			},
			method: "GET", path: caseUserPath + "/permissions",
			query:  q("page", "4", "per_page", "50", "include_totals", "false"),
			status: 200, reply: `[]`,
		},
		{
			name: "AddUserPermissions",
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.AddUserPermissions(ctx, caseUserID, []auth0api.PermissionRef{
					{ResourceServerIdentifier: "https://api.example.com/", PermissionName: "read:things"},
					{ResourceServerIdentifier: "https://api.example.com/", PermissionName: "write:things"},
				})
			},
			method: "POST", path: caseUserPath + "/permissions",
			body: `{"permissions":[{"resource_server_identifier":"https://api.example.com/","permission_name":"read:things"},
				{"resource_server_identifier":"https://api.example.com/","permission_name":"write:things"}]}`,
			status: 201, reply: `{}`,
		},
		{
			name: "RemoveUserPermissions",
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.RemoveUserPermissions(ctx, caseUserID, []auth0api.PermissionRef{
					{ResourceServerIdentifier: "https://api.example.com/", PermissionName: "read:things"},
				})
			},
			method: "DELETE", path: caseUserPath + "/permissions",
			body:   `{"permissions":[{"resource_server_identifier":"https://api.example.com/","permission_name":"read:things"}]}`,
			status: 204,
		},
		// MFA.
		{
			name: "DeleteMultifactorProvider",
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.DeleteMultifactorProvider(ctx, caseUserID, auth0api.ProviderGoogleAuthenticator)
			},
			method: "DELETE", path: caseUserPath + "/multifactor/google-authenticator",
			status: 204,
		},
		{
			name:   "DeleteAuthenticators",
			call:   func(ctx context.Context, c *auth0api.Client) error { return c.DeleteAuthenticators(ctx, caseUserID) },
			method: "DELETE", path: caseUserPath + "/authenticators",
			status: 204,
		},
		{
			name: "RegenerateRecoveryCode",
			call: func(ctx context.Context, c *auth0api.Client) error {
				code, err := c.RegenerateRecoveryCode(ctx, caseUserID)
				if err != nil {
					return err
				}
				return check(code == "32YCGV1JUE9G7MDJ71UTN12W", "code %q", code)
			},
			method: "POST", path: caseUserPath + "/recovery-code-regeneration",
			status: 200, reply: `{"recovery_code":"32YCGV1JUE9G7MDJ71UTN12W"}`,
		},
		{
			name: "ListEnrollments",
			call: func(ctx context.Context, c *auth0api.Client) error {
				es, err := c.ListEnrollments(ctx, caseUserID)
				if err != nil {
					return err
				}
				return check(len(es) == 1 && es[0].Status == "confirmed" && !es[0].EnrolledAt.IsZero(), "enrollments %+v", es)
			},
			method: "GET", path: caseUserPath + "/enrollments",
			status: 200, reply: `[{"id":"dev_0000000000000001","status":"confirmed","type":"authenticator","name":"","identifier":"76dc-a90c","auth_method":"authenticator","enrolled_at":"2016-07-12T17:56:26.804Z","last_auth":"2016-07-12T17:56:26.804Z"}]`,
		},
		{
			name: "ListUserLogs/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUserLogs(ctx, caseUserID, auth0api.LogParams{})
				if err != nil {
					return err
				}
				return check(!p.Totals && len(p.Logs) == 1 && p.Logs[0].Type == "s", "page %+v", p)
			},
			method: "GET", path: caseUserPath + "/logs",
			query:  q("page", "0", "per_page", "50", "include_totals", "false"),
			status: 200, reply: `[{"_id":"9002","log_id":"9002","date":"2023-06-02T10:58:01.495Z","type":"s","description":null}]`,
		},
		{
			name: "ListUserLogs/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUserLogs(ctx, caseUserID, auth0api.LogParams{Page: 2, PerPage: 100, Sort: "date:-1", IncludeTotals: auth0api.Set(true)})
				if err != nil {
					return err
				}
				return check(p.Totals && p.Total == 0, "page %+v", p)
			},
			method: "GET", path: caseUserPath + "/logs",
			query:  q("page", "2", "per_page", "100", "include_totals", "true", "sort", "date:-1"),
			status: 200, reply: `{"start":200,"limit":100,"length":0,"total":0,"logs":[]}`,
		},
		{
			name: "InvalidateRememberedBrowsers",
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.InvalidateRememberedBrowsers(ctx, caseUserID)
			},
			method: "POST", path: caseUserPath + "/multifactor/actions/invalidate-remember-browser",
			status: 204,
		},
		// Authentication methods.
		{
			name: "ListAuthenticationMethods/nil params",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListAuthenticationMethods(ctx, caseUserID, nil)
				if err != nil {
					return err
				}
				return check(!p.Totals && len(p.AuthenticationMethods) == 1 && p.AuthenticationMethods[0].ID == caseMethodID, "page %+v", p)
			},
			method: "GET", path: caseUserPath + "/authentication-methods",
			status: 200, reply: `[` + methodJSON + `]`,
		},
		{
			name: "ListAuthenticationMethods/zero params",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListAuthenticationMethods(ctx, caseUserID, &auth0api.PageParams{})
				if err != nil {
					return err
				}
				return check(p.Totals && p.Total == 1, "page %+v", p)
			},
			method: "GET", path: caseUserPath + "/authentication-methods",
			query:  q("page", "0", "per_page", "50", "include_totals", "true"),
			status: 200, reply: `{"authenticators":[` + methodJSON + `],"total":1,"start":0,"limit":50}`,
		},
		{
			name: "ListAuthenticationMethods/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListAuthenticationMethods(ctx, caseUserID, &auth0api.PageParams{Page: 1, PerPage: 10, IncludeTotals: auth0api.Set(false)})
				return err
			},
			method: "GET", path: caseUserPath + "/authentication-methods",
			query:  q("page", "1", "per_page", "10", "include_totals", "false"),
			status: 200, reply: `[]`,
		},
		{
			name: "GetAuthenticationMethod",
			call: func(ctx context.Context, c *auth0api.Client) error {
				m, err := c.GetAuthenticationMethod(ctx, caseUserID, caseMethodID)
				if err != nil {
					return err
				}
				return check(m.ID == caseMethodID && m.Confirmed, "method %+v", m)
			},
			method: "GET", path: caseUserPath + "/authentication-methods/email%7Cdev_f0O81fTcftc0kN2v",
			status: 200, reply: methodJSON,
		},
		{
			name: "CreateAuthenticationMethod/minimal",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.CreateAuthenticationMethod(ctx, caseUserID, auth0api.AuthenticationMethodCreate{
					Type: "email", Name: "Test", Email: "chuck@example.com",
				})
				return err
			},
			method: "POST", path: caseUserPath + "/authentication-methods",
			body:   `{"type":"email","name":"Test","email":"chuck@example.com"}`,
			status: 201, reply: methodJSON,
		},
		{
			name: "CreateAuthenticationMethod/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.CreateAuthenticationMethod(ctx, caseUserID, auth0api.AuthenticationMethodCreate{
					Type: "passkey", Name: "Key", TOTPSecret: "JBSWY3DPEHPK3PXP", PhoneNumber: "+15551234567",
					Email: "e@example.com", PreferredAuthenticationMethod: "sms", KeyID: "kid", PublicKey: "cHVi",
					AAGUID: "00000000-0000-0000-0000-000000000000", RelyingPartyIdentifier: "example.com",
					CredentialDeviceType: "multi_device", CredentialBackedUp: auth0api.Set(false),
					IdentityUserID: "63d17c4a9d503d76c056c160", UserAgent: "UA", UserHandle: "uh",
					Transports: []string{"usb", "nfc"},
				})
				return err
			},
			method: "POST", path: caseUserPath + "/authentication-methods",
			body: `{"type":"passkey","name":"Key","totp_secret":"JBSWY3DPEHPK3PXP","phone_number":"+15551234567",
				"email":"e@example.com","preferred_authentication_method":"sms","key_id":"kid","public_key":"cHVi",
				"aaguid":"00000000-0000-0000-0000-000000000000","relying_party_identifier":"example.com",
				"credential_device_type":"multi_device","credential_backed_up":false,
				"identity_user_id":"63d17c4a9d503d76c056c160","user_agent":"UA","user_handle":"uh","transports":["usb","nfc"]}`,
			status: 201, reply: methodJSON,
		},
		{
			name: "ReplaceAuthenticationMethods",
			call: func(ctx context.Context, c *auth0api.Client) error {
				ms, err := c.ReplaceAuthenticationMethods(ctx, caseUserID, []auth0api.AuthenticationMethodReplace{
					{Type: "email", Name: "MyEmail", Email: "foo@example.com"},
					{Type: "phone", Name: "MyPhone", PhoneNumber: "+44207183875044", PreferredAuthenticationMethod: "sms"},
					{Type: "totp", Name: "MyTotp", TOTPSecret: "5HCWXIP2MJNSUBGYVUZFLRB2HWIGXR4SYJQXNBQ"},
				})
				if err != nil {
					return err
				}
				return check(len(ms) == 1, "methods %+v", ms)
			},
			method: "PUT", path: caseUserPath + "/authentication-methods",
			body: `[{"type":"email","name":"MyEmail","email":"foo@example.com"},
				{"type":"phone","name":"MyPhone","phone_number":"+44207183875044","preferred_authentication_method":"sms"},
				{"type":"totp","name":"MyTotp","totp_secret":"5HCWXIP2MJNSUBGYVUZFLRB2HWIGXR4SYJQXNBQ"}]`,
			status: 200, reply: `[` + methodJSON + `]`,
		},
		{
			name: "UpdateAuthenticationMethod",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.UpdateAuthenticationMethod(ctx, caseUserID, caseMethodID, auth0api.AuthenticationMethodUpdate{
					Name: auth0api.Set("Test2"), PreferredAuthenticationMethod: auth0api.Set("voice"),
				})
				return err
			},
			method: "PATCH", path: caseUserPath + "/authentication-methods/email%7Cdev_f0O81fTcftc0kN2v",
			body:   `{"name":"Test2","preferred_authentication_method":"voice"}`,
			status: 200, reply: methodJSON,
		},
		{
			name: "DeleteAuthenticationMethods",
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.DeleteAuthenticationMethods(ctx, caseUserID)
			},
			method: "DELETE", path: caseUserPath + "/authentication-methods",
			status: 204,
		},
		{
			name: "DeleteAuthenticationMethod",
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.DeleteAuthenticationMethod(ctx, caseUserID, caseMethodID)
			},
			method: "DELETE", path: caseUserPath + "/authentication-methods/email%7Cdev_f0O81fTcftc0kN2v",
			status: 204,
		},
		// What the dashboard needs beside the seed.
		{
			name: "ListRoles/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListRoles(ctx, auth0api.ListRolesParams{})
				if err != nil {
					return err
				}
				return check(p.Totals && len(p.Roles) == 1, "page %+v", p)
			},
			method: "GET", path: "/roles",
			query:  q("page", "0", "per_page", "50", "include_totals", "true"),
			status: 200, reply: `{"roles":[{"id":"rol_1","name":"admin","description":"Admins"}],"start":0,"limit":50,"total":1}`,
		},
		{
			name: "ListRoles/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListRoles(ctx, auth0api.ListRolesParams{NameFilter: "adm", Page: 1, PerPage: 10, IncludeTotals: auth0api.Set(false)})
				return err
			},
			method: "GET", path: "/roles",
			query:  q("page", "1", "per_page", "10", "include_totals", "false", "name_filter", "adm"),
			status: 200, reply: `[]`,
		},
		{
			name: "ListResourceServers/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListResourceServers(ctx, auth0api.PageParams{})
				if err != nil {
					return err
				}
				return check(len(p.ResourceServers) == 1 && p.ResourceServers[0].Scopes[0].Value == "create:resource", "page %+v", p)
			},
			method: "GET", path: "/resource-servers",
			query:  q("page", "0", "per_page", "50", "include_totals", "true"),
			status: 200, reply: `{"resource_servers":[{"id":"63d17c58628cf381396444fe","name":"Test","identifier":"https://api.example.com/","scopes":[{"value":"create:resource","description":"Create Resource"}]}],"start":0,"limit":50,"total":1}`,
		},
		{
			name: "ListResourceServers/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListResourceServers(ctx, auth0api.PageParams{Page: 2, PerPage: 20, IncludeTotals: auth0api.Set(false)})
				return err
			},
			method: "GET", path: "/resource-servers",
			query:  q("page", "2", "per_page", "20", "include_totals", "false"),
			status: 200, reply: `[]`,
		},
		{
			name: "ListConnections/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListConnections(ctx, auth0api.ListConnectionsParams{})
				if err != nil {
					return err
				}
				return check(len(p.Connections) == 1 && p.Connections[0].Options.RequiresUsername, "page %+v", p)
			},
			method: "GET", path: "/connections",
			query:  q("page", "0", "per_page", "50", "include_totals", "true"),
			status: 200, reply: `{"total":1,"start":0,"limit":50,"connections":[{"id":"con_ftSSLHb0O7rcUGmF","options":{"requires_username":true,"brute_force_protection":true},"strategy":"auth0","name":"Username-Password-Authentication","enabled_clients":["x6JQ"]}]}`,
		},
		{
			name: "ListConnections/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListConnections(ctx, auth0api.ListConnectionsParams{
					Strategy: []string{"auth0", "email"}, Name: "Username-Password-Authentication", Page: 1, PerPage: 5,
					IncludeTotals: auth0api.Set(false), Fields: []string{"id", "name"}, IncludeFields: auth0api.Set(true),
				})
				return err
			},
			method: "GET", path: "/connections",
			query: q("page", "1", "per_page", "5", "include_totals", "false", "strategy", "auth0", "strategy", "email",
				"name", "Username-Password-Authentication", "fields", "id,name", "include_fields", "true"),
			status: 200, reply: `[]`,
		},
		{
			name: "CreatePasswordChangeTicket/minimal",
			call: func(ctx context.Context, c *auth0api.Client) error {
				url, err := c.CreatePasswordChangeTicket(ctx, auth0api.PasswordChangeTicket{UserID: caseUserID})
				if err != nil {
					return err
				}
				return check(url == "https://tenant.example/lo/reset?ticket=abc#", "ticket %q", url)
			},
			method: "POST", path: "/tickets/password-change",
			body:   `{"user_id":"auth0|63d17c4a9d503d76c056c160"}`,
			status: 201, reply: `{"ticket":"https://tenant.example/lo/reset?ticket=abc#"}`,
		},
		{
			name: "CreatePasswordChangeTicket/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.CreatePasswordChangeTicket(ctx, auth0api.PasswordChangeTicket{
					UserID: caseUserID, ClientID: "cid", ResultURL: "https://app.example/done", TTLSec: 3600,
					MarkEmailAsVerified: true, IncludeEmailInRedirect: true,
				})
				return err
			},
			method: "POST", path: "/tickets/password-change",
			body: `{"user_id":"auth0|63d17c4a9d503d76c056c160","client_id":"cid","result_url":"https://app.example/done",
				"ttl_sec":3600,"mark_email_as_verified":true,"includeEmailInRedirect":true}`,
			status: 201, reply: `{"ticket":"https://tenant.example/lo/reset?ticket=abc#"}`,
		},
		{
			name: "CreateVerificationEmailJob/minimal",
			call: func(ctx context.Context, c *auth0api.Client) error {
				job, err := c.CreateVerificationEmailJob(ctx, auth0api.VerificationEmailJob{UserID: caseUserID})
				if err != nil {
					return err
				}
				return check(job.ID == "job_0000000000000001" && job.Status == "pending" && !job.CreatedAt.IsZero(), "job %+v", job)
			},
			method: "POST", path: "/jobs/verification-email",
			body:   `{"user_id":"auth0|63d17c4a9d503d76c056c160"}`,
			status: 201, reply: `{"id":"job_0000000000000001","status":"pending","type":"verification_email","created_at":"2024-05-01T13:00:30.038Z"}`,
		},
		{
			name: "CreateVerificationEmailJob/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.CreateVerificationEmailJob(ctx, auth0api.VerificationEmailJob{
					UserID: caseUserID, ClientID: "cid",
					Identity: &auth0api.Identity{UserID: "63d17c4a9d503d76c056c160", Provider: "auth0", Connection: "ignored"},
				})
				return err
			},
			method: "POST", path: "/jobs/verification-email",
			body:   `{"user_id":"auth0|63d17c4a9d503d76c056c160","client_id":"cid","identity":{"user_id":"63d17c4a9d503d76c056c160","provider":"auth0"}}`,
			status: 201, reply: `{"id":"job_0000000000000002","status":"pending","type":"verification_email","created_at":"2024-05-01T13:00:30.038Z"}`,
		},
		// Account security (issue 12): brute-force lockouts.
		{
			name: "ListUserBlocks/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				blocks, err := c.ListUserBlocks(ctx, caseUserID, nil)
				if err != nil {
					return err
				}
				return check(len(blocks) == 1 && blocks[0].IP == "10.0.0.1" && blocks[0].Identifier == "chuck878@example.com", "blocks %+v", blocks)
			},
			method: "GET", path: "/user-blocks/auth0%7C63d17c4a9d503d76c056c160",
			status: 200, reply: `{"blocked_for":[{"identifier":"chuck878@example.com","ip":"10.0.0.1","connection":"Username-Password-Authentication"}]}`,
		},
		{
			name: "ListUserBlocks/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				blocks, err := c.ListUserBlocks(ctx, caseUserID, &auth0api.UserBlocksParams{ConsiderBruteForceEnablement: auth0api.Set(true)})
				if err != nil {
					return err
				}
				return check(len(blocks) == 0, "blocks %+v", blocks)
			},
			method: "GET", path: "/user-blocks/auth0%7C63d17c4a9d503d76c056c160",
			query:  q("consider_brute_force_enablement", "true"),
			status: 200, reply: `{"blocked_for":[]}`,
		},
		{
			name: "ListUserBlocksByIdentifier/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				blocks, err := c.ListUserBlocksByIdentifier(ctx, "test-user636", nil)
				if err != nil {
					return err
				}
				return check(len(blocks) == 1 && blocks[0].IP == "", "blocks %+v", blocks)
			},
			method: "GET", path: "/user-blocks",
			query:  q("identifier", "test-user636"),
			status: 200, reply: `{"blocked_for":[{"identifier":"test-user636","connection":"Username-Password-Authentication"}]}`,
		},
		{
			name: "ListUserBlocksByIdentifier/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListUserBlocksByIdentifier(ctx, "+15551234567", &auth0api.UserBlocksParams{ConsiderBruteForceEnablement: auth0api.Set(false)})
				return err
			},
			method: "GET", path: "/user-blocks",
			query:  q("identifier", "+15551234567", "consider_brute_force_enablement", "false"),
			status: 200, reply: `{"blocked_for":[]}`,
		},
		{
			name:   "UnblockUser",
			call:   func(ctx context.Context, c *auth0api.Client) error { return c.UnblockUser(ctx, caseUserID) },
			method: "DELETE", path: "/user-blocks/auth0%7C63d17c4a9d503d76c056c160",
			status: 204,
		},
		{
			name: "UnblockByIdentifier",
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.UnblockByIdentifier(ctx, "chuck878@example.com")
			},
			method: "DELETE", path: "/user-blocks",
			query:  q("identifier", "chuck878@example.com"),
			status: 204,
		},
		// Sessions.
		{
			name: "ListUserSessions/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUserSessions(ctx, caseUserID, auth0api.CheckpointParams{})
				if err != nil {
					return err
				}
				return check(len(p.Sessions) == 1 && p.Next == caseSessionID && p.Sessions[0].Device.LastIP == "LastIP" &&
					p.Sessions[0].Authentication.Methods[0].Type == "otp" && !p.Sessions[0].ExpiresAt.IsZero(), "page %+v", p)
			},
			method: "GET", path: caseUserPath + "/sessions",
			query:  q("take", "50"),
			status: 200, reply: `{"sessions":[` + sessionJSON + `],"next":"SessionID"}`,
		},
		{
			name: "ListUserSessions/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUserSessions(ctx, caseUserID, auth0api.CheckpointParams{From: caseSessionID, Take: 10, IncludeTotals: true})
				if err != nil {
					return err
				}
				return check(len(p.Sessions) == 0 && p.Total == 1 && !p.HasNext(), "page %+v", p)
			},
			method: "GET", path: caseUserPath + "/sessions",
			query:  q("from", caseSessionID, "take", "10", "include_totals", "true"),
			status: 200, reply: `{"sessions":[],"total":1}`,
		},
		{
			name:   "DeleteUserSessions",
			call:   func(ctx context.Context, c *auth0api.Client) error { return c.DeleteUserSessions(ctx, caseUserID) },
			method: "DELETE", path: caseUserPath + "/sessions",
			status: 202, reply: `{}`,
		},
		{
			name: "GetSession",
			call: func(ctx context.Context, c *auth0api.Client) error {
				s, err := c.GetSession(ctx, caseSessionID)
				if err != nil {
					return err
				}
				return check(s.ID == caseSessionID && s.UserID == caseUserID && s.Clients[0].ClientID == "ClientID", "session %+v", s)
			},
			method: "GET", path: "/sessions/SessionID",
			status: 200, reply: sessionJSON,
		},
		{
			name:   "DeleteSession",
			call:   func(ctx context.Context, c *auth0api.Client) error { return c.DeleteSession(ctx, caseSessionID) },
			method: "DELETE", path: "/sessions/SessionID",
			status: 202, reply: `{}`,
		},
		{
			name:   "RevokeSession",
			call:   func(ctx context.Context, c *auth0api.Client) error { return c.RevokeSession(ctx, caseSessionID) },
			method: "POST", path: "/sessions/SessionID/revoke",
			status: 202, reply: `{}`,
		},
		{
			name: "RevokeUserAccess/everything",
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.RevokeUserAccess(ctx, caseUserID, auth0api.RevokeAccess{})
			},
			method: "POST", path: caseUserPath + "/revoke-access",
			body:   `{}`,
			status: 202, reply: `{}`,
		},
		{
			name: "RevokeUserAccess/one session keeping its tokens",
			call: func(ctx context.Context, c *auth0api.Client) error {
				return c.RevokeUserAccess(ctx, caseUserID, auth0api.RevokeAccess{SessionID: caseSessionID, PreserveRefreshTokens: true})
			},
			method: "POST", path: caseUserPath + "/revoke-access",
			body:   `{"session_id":"SessionID","preserve_refresh_tokens":true}`,
			status: 202, reply: `{}`,
		},
		// Refresh tokens.
		{
			name: "ListUserRefreshTokens/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUserRefreshTokens(ctx, caseUserID, auth0api.CheckpointParams{})
				if err != nil {
					return err
				}
				return check(len(p.Tokens) == 1 && p.Tokens[0].ClientID == "CLIENTID" && p.Tokens[0].SessionID == "" &&
					p.Tokens[0].ExpiresAt.IsZero() && p.Tokens[0].ResourceServers[0].Scopes == "openid profile offline_access", "page %+v", p)
			},
			method: "GET", path: caseUserPath + "/refresh-tokens",
			query:  q("take", "50"),
			status: 200, reply: `{"tokens":[` + tokenJSON + `],"next":"RefreshTokenID"}`,
		},
		{
			name: "ListUserRefreshTokens/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.ListUserRefreshTokens(ctx, caseUserID, auth0api.CheckpointParams{From: caseTokenID, Take: 100, IncludeTotals: true})
				return err
			},
			method: "GET", path: caseUserPath + "/refresh-tokens",
			query:  q("from", caseTokenID, "take", "100", "include_totals", "true"),
			status: 200, reply: `{"tokens":[],"total":1}`,
		},
		{
			name:   "DeleteUserRefreshTokens",
			call:   func(ctx context.Context, c *auth0api.Client) error { return c.DeleteUserRefreshTokens(ctx, caseUserID) },
			method: "DELETE", path: caseUserPath + "/refresh-tokens",
			status: 202, reply: `{}`,
		},
		{
			name: "GetRefreshToken",
			call: func(ctx context.Context, c *auth0api.Client) error {
				tok, err := c.GetRefreshToken(ctx, caseTokenID)
				if err != nil {
					return err
				}
				return check(tok.ID == caseTokenID && !tok.Rotating && !tok.CreatedAt.IsZero(), "token %+v", tok)
			},
			method: "GET", path: "/refresh-tokens/RefreshTokenID",
			status: 200, reply: tokenJSON,
		},
		{
			name:   "DeleteRefreshToken",
			call:   func(ctx context.Context, c *auth0api.Client) error { return c.DeleteRefreshToken(ctx, caseTokenID) },
			method: "DELETE", path: "/refresh-tokens/RefreshTokenID",
			status: 204,
		},
		// Grants.
		{
			name: "ListUserGrants/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUserGrants(ctx, caseUserID, auth0api.ListGrantsParams{})
				if err != nil {
					return err
				}
				return check(p.Totals && p.Total == 1 && p.Grants[0].ClientID == "Z3FKRhWMsXg7iwljDHcNtAkUnCRXYttO" &&
					len(p.Grants[0].Scope) == 2, "page %+v", p)
			},
			method: "GET", path: "/grants",
			query:  q("page", "0", "per_page", "50", "include_totals", "true", "user_id", caseUserID),
			status: 200, reply: `{"total":1,"start":0,"limit":50,"grants":[` + grantJSON + `]}`,
		},
		{
			name: "ListUserGrants/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				p, err := c.ListUserGrants(ctx, caseUserID, auth0api.ListGrantsParams{
					ClientID: "Z3FKRhWMsXg7iwljDHcNtAkUnCRXYttO", Audience: "https://go-auth0-dev.eu.auth0.com/userinfo",
					Page: 1, PerPage: 10, IncludeTotals: auth0api.Set(false),
				})
				if err != nil {
					return err
				}
				return check(!p.Totals && len(p.Grants) == 1, "page %+v", p)
			},
			method: "GET", path: "/grants",
			query: q("page", "1", "per_page", "10", "include_totals", "false", "user_id", caseUserID,
				"client_id", "Z3FKRhWMsXg7iwljDHcNtAkUnCRXYttO", "audience", "https://go-auth0-dev.eu.auth0.com/userinfo"),
			status: 200, reply: `[` + grantJSON + `]`,
		},
		{
			name:   "DeleteGrant",
			call:   func(ctx context.Context, c *auth0api.Client) error { return c.DeleteGrant(ctx, caseGrantID) },
			method: "DELETE", path: "/grants/63cff5bc7209008e35c888c1",
			status: 204,
		},
		{
			name:   "DeleteUserGrants",
			call:   func(ctx context.Context, c *auth0api.Client) error { return c.DeleteUserGrants(ctx, caseUserID) },
			method: "DELETE", path: "/grants",
			query:  q("user_id", caseUserID),
			status: 204,
		},

		// Account linking (the bodies are TestUserManager_Link's and _Unlink's).
		{
			name: "LinkUserIdentity/provider and user_id",
			call: func(ctx context.Context, c *auth0api.Client) error {
				ids, err := c.LinkUserIdentity(ctx, caseUserID, auth0api.LinkIdentity{
					Provider: "google-oauth2", UserID: "google-oauth2|110453678901234567890",
				})
				if err != nil {
					return err
				}
				return check(len(ids) == 2 && ids[1].Provider == "google-oauth2" && ids[1].UserID == "110453678901234567890" &&
					ids[1].ProfileData["email"] != nil, "identities %+v", ids)
			},
			method: "POST", path: caseUserPath + "/identities",
			body:   `{"provider":"google-oauth2","user_id":"google-oauth2|110453678901234567890"}`,
			status: 201, reply: `[{"profileData":{"email":"chuck878@example.com","email_verified":true},"connection":"Username-Password-Authentication","user_id":"63d17c4a9d503d76c056c160","provider":"auth0","isSocial":false},` +
				`{"profileData":{"email":"hedy.lamarr@example.com","email_verified":true},"connection":"google-oauth2","user_id":"110453678901234567890","provider":"google-oauth2","isSocial":true}]`,
		},
		{
			name: "LinkUserIdentity/with connection_id",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.LinkUserIdentity(ctx, caseUserID, auth0api.LinkIdentity{
					Provider: "auth0", UserID: "auth0|63d17c6b77d74b740960460a", ConnectionID: "con_ftSSLHb0O7rcUGmF",
				})
				return err
			},
			method: "POST", path: caseUserPath + "/identities",
			body:   `{"connection_id":"con_ftSSLHb0O7rcUGmF","user_id":"auth0|63d17c6b77d74b740960460a","provider":"auth0"}`,
			status: 201, reply: `[{"connection":"Username-Password-Authentication","user_id":"63d17c4a9d503d76c056c160","provider":"auth0","isSocial":false}]`,
		},
		{
			name: "LinkUserIdentity/link_with",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.LinkUserIdentity(ctx, caseUserID, auth0api.LinkIdentity{LinkWith: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"})
				return err
			},
			method: "POST", path: caseUserPath + "/identities",
			body:   `{"link_with":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}`,
			status: 201, reply: `[{"connection":"Username-Password-Authentication","user_id":"63d17c4a9d503d76c056c160","provider":"auth0","isSocial":false}]`,
		},
		{
			name: "UnlinkUserIdentity",
			call: func(ctx context.Context, c *auth0api.Client) error {
				ids, err := c.UnlinkUserIdentity(ctx, caseUserID, "samlp", "acme-saml|alan.turing@acme.example")
				if err != nil {
					return err
				}
				return check(len(ids) == 1 && ids[0].UserID == "63d17c4a9d503d76c056c160", "identities %+v", ids)
			},
			method: "DELETE", path: caseUserPath + "/identities/samlp/acme-saml%7Calan.turing@acme.example",
			status: 200, reply: `[{"profileData":{"email":"chuck878@example.com","email_verified":true},"connection":"Username-Password-Authentication","user_id":"63d17c4a9d503d76c056c160","provider":"auth0","isSocial":false}]`,
		},

		// MFA enrollment invitations (the minimal body is TestGuardian/Enrollment/CreateTicket's).
		{
			name: "CreateGuardianEnrollmentTicket/recorded",
			call: func(ctx context.Context, c *auth0api.Client) error {
				tk, err := c.CreateGuardianEnrollmentTicket(ctx, auth0api.GuardianEnrollmentTicket{
					UserID: caseUserID, Email: "jon@example.com", Factor: auth0api.FactorPushNotification,
					AllowMultipleEnrollments: auth0api.Set(true),
				})
				if err != nil {
					return err
				}
				return check(tk.ID == "jip3H2Q20fiUyQCcMmS0gBAinoBe4rOV" && strings.HasSuffix(tk.URL, "/mfa/enrollment?ticket="+tk.ID), "ticket %#v", tk)
			},
			method: "POST", path: "/guardian/enrollments/ticket",
			body:   `{"user_id":"auth0|63d17c4a9d503d76c056c160","email":"jon@example.com","factor":"push-notification","allow_multiple_enrollments":true}`,
			status: 200, reply: `{"ticket_id":"jip3H2Q20fiUyQCcMmS0gBAinoBe4rOV","ticket_url":"https://go-auth0-dev.eu.auth0.com/mfa/enrollment?ticket=jip3H2Q20fiUyQCcMmS0gBAinoBe4rOV"}`,
		},
		{
			name: "CreateGuardianEnrollmentTicket/send mail",
			call: func(ctx context.Context, c *auth0api.Client) error {
				_, err := c.CreateGuardianEnrollmentTicket(ctx, auth0api.GuardianEnrollmentTicket{
					UserID: caseUserID, SendMail: auth0api.Set(true), EmailLocale: "fr-FR", AllowMultipleEnrollments: auth0api.Set(false),
				})
				return err
			},
			method: "POST", path: "/guardian/enrollments/ticket",
			body:   `{"user_id":"auth0|63d17c4a9d503d76c056c160","send_mail":true,"email_locale":"fr-FR","allow_multiple_enrollments":false}`,
			status: 200, reply: `{"ticket_id":"u2x2u2x2u2x2u2x2u2x2u2x2u2x2u2x2","ticket_url":"https://tenant.example/mfa/enrollment?ticket=u2x2u2x2u2x2u2x2u2x2u2x2u2x2u2x2"}`,
		},

		// Users exports (the body and answer are TestJobManager_ExportUsers's).
		{
			name: "CreateUsersExportJob/defaults",
			call: func(ctx context.Context, c *auth0api.Client) error {
				j, err := c.CreateUsersExportJob(ctx, auth0api.UsersExport{})
				if err != nil {
					return err
				}
				return check(j.Type == "users_export" && j.Status == auth0api.JobPending, "job %v", j)
			},
			method: "POST", path: "/jobs/users-exports",
			body:   `{}`,
			status: 200, reply: `{"type":"users_export","status":"pending","format":"csv","created_at":"2023-01-25T17:48:15.325Z","id":"job_iSjvljNtsTMmSpRW"}`,
		},
		{
			name: "CreateUsersExportJob/all",
			call: func(ctx context.Context, c *auth0api.Client) error {
				j, err := c.CreateUsersExportJob(ctx, auth0api.UsersExport{
					ConnectionID: "con_ftSSLHb0O7rcUGmF", Format: auth0api.ExportJSON, Limit: 5,
					Fields: []auth0api.ExportField{{Name: "name"}, {Name: "email"}, {Name: "identities[0].connection"}},
				})
				if err != nil {
					return err
				}
				return check(j.ID == "job_iSjvljNtsTMmSpRW" && j.Connection == "Username-Password-Authentication" && j.Limit == 5 &&
					len(j.Fields) == 3 && j.Fields[2].Name == "identities[0].connection", "job %+v", j)
			},
			method: "POST", path: "/jobs/users-exports",
			body:   `{"connection_id":"con_ftSSLHb0O7rcUGmF","format":"json","limit":5,"fields":[{"name":"name"},{"name":"email"},{"name":"identities[0].connection"}]}`,
			status: 200, reply: `{"type":"users_export","status":"pending","connection_id":"con_ftSSLHb0O7rcUGmF","format":"json","limit":5,"fields":[{"name":"name"},{"name":"email"},{"name":"identities[0].connection"}],"connection":"Username-Password-Authentication","created_at":"2023-01-25T17:48:15.325Z","id":"job_iSjvljNtsTMmSpRW"}`,
		},
		{
			name: "GetJob",
			call: func(ctx context.Context, c *auth0api.Client) error {
				j, err := c.GetJob(ctx, "job_iSjvljNtsTMmSpRW")
				if err != nil {
					return err
				}
				return check(j.Status == auth0api.JobCompleted && j.Location != "" && j.PercentageDone == 100, "job %v", j)
			},
			method: "GET", path: "/jobs/job_iSjvljNtsTMmSpRW",
			status: 200, reply: `{"type":"users_export","status":"completed","format":"json","created_at":"2023-01-25T17:48:15.325Z","id":"job_iSjvljNtsTMmSpRW","percentage_done":100,"time_left_seconds":0,"location":"https://user-exports.auth0.com/job_iSjvljNtsTMmSpRW/tenant.json.gz?Expires=1&Signature=s"}`,
		},
		{
			name: "GetJobErrors/none",
			call: func(ctx context.Context, c *auth0api.Client) error {
				e, err := c.GetJobErrors(ctx, "job_iSjvljNtsTMmSpRW")
				if err != nil {
					return err
				}
				return check(e.Job == nil && len(e.Users) == 0, "errors %+v", e)
			},
			method: "GET", path: "/jobs/job_iSjvljNtsTMmSpRW/errors",
			status: 204,
		},
		{
			name: "GetJobErrors/import",
			call: func(ctx context.Context, c *auth0api.Client) error {
				e, err := c.GetJobErrors(ctx, "job_Msbc3YRyjuAREpPy")
				if err != nil {
					return err
				}
				return check(len(e.Users) == 1 && e.Users[0].Errors[0].Code == "DUPLICATED_USER", "errors %+v", e)
			},
			method: "GET", path: "/jobs/job_Msbc3YRyjuAREpPy/errors",
			status: 200, reply: `[{"user":{"email":"chuck630@example.com","email_verified":true},"errors":[{"code":"DUPLICATED_USER","message":"The user already exist and upsert parameter is false"}]}]`,
		},
		{
			name: "GetJobErrors/failed export",
			call: func(ctx context.Context, c *auth0api.Client) error {
				e, err := c.GetJobErrors(ctx, "job_iSjvljNtsTMmSpRW")
				if err != nil {
					return err
				}
				return check(e.Job != nil && e.Job.Status == auth0api.JobFailed && e.Job.StatusDetails != "", "errors %+v", e)
			},
			method: "GET", path: "/jobs/job_iSjvljNtsTMmSpRW/errors",
			status: 200, reply: `{"type":"users_export","status":"failed","created_at":"2023-01-25T17:48:15.325Z","id":"job_iSjvljNtsTMmSpRW","status_details":"The job timed out after 8 hours."}`,
		},
	}
}

func TestMethods(t *testing.T) {
	for _, tc := range methodCases() {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, reply(tc.status, tc.reply))
			c := newClient(t, srv.URL)
			if err := tc.call(t.Context(), c); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.Path != tc.path {
				t.Errorf("request %s %s, want %s %s", r.Method, r.Path, tc.method, tc.path)
			}
			want := tc.query
			if want == nil {
				want = url.Values{}
			}
			if got := r.Query; !sameValues(got, want) {
				t.Errorf("query\n got %v\nwant %v", got, want)
			}
			if tc.body == "" {
				if len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
					t.Errorf("body %q with Content-Type %q, want no body and no Content-Type", r.Body, r.Header.Get("Content-Type"))
				}
			} else {
				if !sameJSON(t, r.Body, []byte(tc.body)) {
					t.Errorf("body\n got %s\nwant %s", r.Body, tc.body)
				}
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q, want application/json", ct)
				}
			}
			if got := r.Header.Get("Authorization"); got != "Bearer test-token" {
				t.Errorf("Authorization %q, want the bearer token", got)
			}
			if got := r.Header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept %q, want application/json", got)
			}
		})
	}
}

func sameValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb := b[k]
		if len(va) != len(vb) {
			return false
		}
		for i := range va {
			if va[i] != vb[i] {
				return false
			}
		}
	}
	return true
}

// TestEmptyListsSendNothing: adding or removing no roles or permissions is a
// no-op, not a 400 from Auth0.
func TestEmptyListsSendNothing(t *testing.T) {
	srv := newServer(t, reply(204, ""))
	c := newClient(t, srv.URL)
	ctx := t.Context()
	for name, err := range map[string]error{
		"AddUserRoles":          c.AddUserRoles(ctx, caseUserID, nil),
		"RemoveUserRoles":       c.RemoveUserRoles(ctx, caseUserID, []string{}),
		"AddUserPermissions":    c.AddUserPermissions(ctx, caseUserID, nil),
		"RemoveUserPermissions": c.RemoveUserPermissions(ctx, caseUserID, nil),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("got %d requests, want none", n)
	}
}

// TestEmptyIDsRefused: every id-taking method refuses an empty id before any
// request.
func TestEmptyIDsRefused(t *testing.T) {
	srv := newServer(t, reply(200, "{}"))
	c := newClient(t, srv.URL)
	ctx := t.Context()
	calls := map[string]func() error{
		"GetUser":                   func() error { _, err := c.GetUser(ctx, "", nil); return err },
		"DeleteUser":                func() error { return c.DeleteUser(ctx, "") },
		"UpdateUser":                func() error { _, err := c.UpdateUser(ctx, "", auth0api.UserUpdate{}); return err },
		"ListUsersByEmail":          func() error { _, err := c.ListUsersByEmail(ctx, "", nil); return err },
		"ListUserOrganizations":     func() error { _, err := c.ListUserOrganizations(ctx, "", auth0api.PageParams{}); return err },
		"ListUserRoles":             func() error { _, err := c.ListUserRoles(ctx, "", auth0api.PageParams{}); return err },
		"AddUserRoles":              func() error { return c.AddUserRoles(ctx, "", []string{"r"}) },
		"AddUserRoles/no roles":     func() error { return c.AddUserRoles(ctx, "", nil) },
		"RemoveUserRoles":           func() error { return c.RemoveUserRoles(ctx, "", []string{"r"}) },
		"ListUserPermissions":       func() error { _, err := c.ListUserPermissions(ctx, "", auth0api.PageParams{}); return err },
		"AddUserPermissions":        func() error { return c.AddUserPermissions(ctx, "", []auth0api.PermissionRef{{}}) },
		"RemoveUserPermissions":     func() error { return c.RemoveUserPermissions(ctx, "", []auth0api.PermissionRef{{}}) },
		"DeleteMultifactorProvider": func() error { return c.DeleteMultifactorProvider(ctx, caseUserID, "") },
		"DeleteAuthenticators":      func() error { return c.DeleteAuthenticators(ctx, "") },
		"RegenerateRecoveryCode":    func() error { _, err := c.RegenerateRecoveryCode(ctx, ""); return err },
		"ListEnrollments":           func() error { _, err := c.ListEnrollments(ctx, ""); return err },
		"ListUserLogs":              func() error { _, err := c.ListUserLogs(ctx, "", auth0api.LogParams{}); return err },
		"InvalidateRemembered":      func() error { return c.InvalidateRememberedBrowsers(ctx, "") },
		"ListAuthenticationMethods": func() error { _, err := c.ListAuthenticationMethods(ctx, "", nil); return err },
		"GetAuthenticationMethod":   func() error { _, err := c.GetAuthenticationMethod(ctx, caseUserID, ""); return err },
		"CreateAuthenticationMethod": func() error {
			_, err := c.CreateAuthenticationMethod(ctx, "", auth0api.AuthenticationMethodCreate{Type: "email"})
			return err
		},
		"ReplaceAuthenticationMethods": func() error { _, err := c.ReplaceAuthenticationMethods(ctx, "", nil); return err },
		"UpdateAuthenticationMethod": func() error {
			_, err := c.UpdateAuthenticationMethod(ctx, "", caseMethodID, auth0api.AuthenticationMethodUpdate{})
			return err
		},
		"DeleteAuthenticationMethods": func() error { return c.DeleteAuthenticationMethods(ctx, "") },
		"DeleteAuthenticationMethod":  func() error { return c.DeleteAuthenticationMethod(ctx, "", caseMethodID) },
		"CreatePasswordChangeTicket": func() error {
			_, err := c.CreatePasswordChangeTicket(ctx, auth0api.PasswordChangeTicket{})
			return err
		},
		"CreateVerificationEmailJob": func() error {
			_, err := c.CreateVerificationEmailJob(ctx, auth0api.VerificationEmailJob{})
			return err
		},
		// Account security (issue 12).
		"ListUserBlocks":             func() error { _, err := c.ListUserBlocks(ctx, "", nil); return err },
		"ListUserBlocksByIdentifier": func() error { _, err := c.ListUserBlocksByIdentifier(ctx, "", nil); return err },
		"UnblockUser":                func() error { return c.UnblockUser(ctx, "") },
		"UnblockByIdentifier":        func() error { return c.UnblockByIdentifier(ctx, "") },
		"ListUserSessions": func() error {
			_, err := c.ListUserSessions(ctx, "", auth0api.CheckpointParams{})
			return err
		},
		"DeleteUserSessions": func() error { return c.DeleteUserSessions(ctx, "") },
		"GetSession":         func() error { _, err := c.GetSession(ctx, ""); return err },
		"DeleteSession":      func() error { return c.DeleteSession(ctx, "") },
		"RevokeSession":      func() error { return c.RevokeSession(ctx, "") },
		"RevokeUserAccess":   func() error { return c.RevokeUserAccess(ctx, "", auth0api.RevokeAccess{SessionID: "s"}) },
		"ListUserRefreshTokens": func() error {
			_, err := c.ListUserRefreshTokens(ctx, "", auth0api.CheckpointParams{})
			return err
		},
		"DeleteUserRefreshTokens": func() error { return c.DeleteUserRefreshTokens(ctx, "") },
		"GetRefreshToken":         func() error { _, err := c.GetRefreshToken(ctx, ""); return err },
		"DeleteRefreshToken":      func() error { return c.DeleteRefreshToken(ctx, "") },
		"ListUserGrants": func() error {
			_, err := c.ListUserGrants(ctx, "", auth0api.ListGrantsParams{ClientID: "c"})
			return err
		},
		"DeleteGrant":      func() error { return c.DeleteGrant(ctx, "") },
		"DeleteUserGrants": func() error { return c.DeleteUserGrants(ctx, "") },
		"LinkUserIdentity": func() error {
			_, err := c.LinkUserIdentity(ctx, "", auth0api.LinkIdentity{Provider: "github", UserID: "1"})
			return err
		},
		"UnlinkUserIdentity/primary":  func() error { _, err := c.UnlinkUserIdentity(ctx, "", "github", "1"); return err },
		"UnlinkUserIdentity/provider": func() error { _, err := c.UnlinkUserIdentity(ctx, caseUserID, "", "1"); return err },
		"UnlinkUserIdentity/user_id":  func() error { _, err := c.UnlinkUserIdentity(ctx, caseUserID, "github", ""); return err },
		"CreateGuardianEnrollmentTicket": func() error {
			_, err := c.CreateGuardianEnrollmentTicket(ctx, auth0api.GuardianEnrollmentTicket{SendMail: auth0api.Set(true)})
			return err
		},
		"GetJob":       func() error { _, err := c.GetJob(ctx, ""); return err },
		"GetJobErrors": func() error { _, err := c.GetJobErrors(ctx, ""); return err },
		"WaitForJob":   func() error { _, err := c.WaitForJob(ctx, "", 0); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, auth0api.ErrInvalidID) {
			t.Errorf("%s: error %v, want ErrInvalidID", name, err)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("got %d requests, want none", n)
	}
}
