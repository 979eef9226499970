package auth0apitest_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	verrors "github.com/pb33f/libopenapi-validator/errors"

	"userdesk/auth0api/auth0apitest"
	"userdesk/auth0api/internal/reftest"
)

// specChecker validates exchanges against Auth0's OpenAPI description of
// the Users endpoints (reference/auth0-openapi-users.json). It is an
// http.RoundTripper, so it can sit under any client.
type specChecker struct {
	errorf   func(format string, args ...any)
	v        validator.Validator
	base     http.RoundTripper
	requests bool // validate requests too (off when tests send bad requests on purpose)

	mu      sync.Mutex
	covered map[string]int // "METHOD /template status" -> exchanges validated
}

func newSpecChecker(t *testing.T, requests bool) *specChecker {
	t.Helper()
	doc, err := libopenapi.NewDocument(reftest.OpenAPI(t))
	if err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("OpenAPI validator: %v", errs)
	}
	return &specChecker{errorf: t.Errorf, v: v, base: http.DefaultTransport, requests: requests, covered: map[string]int{}}
}

// specURL maps a request to the spec's server (https://{tenant}/api/v2).
func specURL(u *url.URL) *url.URL {
	c := *u
	c.Scheme, c.Host = "https", "tenant.auth0.com"
	return &c
}

func (c *specChecker) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := c.base.RoundTrip(req)
	if err != nil || !strings.HasPrefix(req.URL.EscapedPath(), "/api/v2/") {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	c.check(req, reqBody, resp, respBody)
	return resp, nil
}

// check validates one exchange; exchanges outside the spec's paths are skipped.
func (c *specChecker) check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) {
	vreq, _ := http.NewRequest(req.Method, specURL(req.URL).String(), bytes.NewReader(reqBody))
	vreq.Header = req.Header.Clone()
	if len(reqBody) > 0 && vreq.Header.Get("Content-Type") == "" {
		vreq.Header.Set("Content-Type", "application/json")
	}
	vresp := &http.Response{StatusCode: resp.StatusCode, Header: resp.Header.Clone(), Body: io.NopCloser(bytes.NewReader(respBody)), Request: vreq}
	ok, errs := c.v.ValidateHttpResponse(vreq, vresp)
	if !ok && pathUnknown(errs) {
		return // not one of the Users endpoints the spec covers
	}
	if !ok && undocumentedStatus(errs) && undocumentedAllowed(req.Method, req.URL.Path, resp.StatusCode) {
		ok = true
	}
	if !ok && req.URL.Path == "/api/v2/jobs/users-exports" && !bytes.Contains(reqBody, []byte(`"connection_id"`)) && onlyMissing(errs, "connection") {
		ok = true // decided: a tenant-wide export has no connection to name, though the OAS requires the key
	}
	if !ok && resp.StatusCode == http.StatusNoContent && len(respBody) == 0 && onlyContentType(errs) {
		ok = true // a 204 has no body, so no content type, whatever the spec's 204 describes (GET /jobs/{id}/errors)
	}
	c.mu.Lock()
	c.covered[req.Method+" "+req.URL.Path+" "+http.StatusText(resp.StatusCode)]++
	c.mu.Unlock()
	if !ok {
		for _, e := range errs {
			c.errorf("response to %s %s (%d) does not fit the spec: %s: %s\nbody: %.400s", req.Method, req.URL.RequestURI(), resp.StatusCode, e.Message, e.Reason, respBody)
			for _, se := range e.SchemaValidationErrors {
				c.errorf("    %s at %s", se.Reason, se.FieldPath)
			}
		}
	}
	if c.requests {
		vreq2, _ := http.NewRequest(req.Method, specURL(req.URL).String(), bytes.NewReader(reqBody))
		vreq2.Header = vreq.Header.Clone()
		if ok, errs := c.v.ValidateHttpRequestSync(vreq2); !ok {
			for _, e := range errs {
				c.errorf("request %s %s does not fit the spec: %s: %s\nbody: %.400s", req.Method, req.URL.RequestURI(), e.Message, e.Reason, reqBody)
				for _, se := range e.SchemaValidationErrors {
					c.errorf("    %s at %s", se.Reason, se.FieldPath)
				}
			}
		}
	}
}

// undocumentedStatus reports whether the only problem is a status code
// the spec does not list.
func undocumentedStatus(errs []*verrors.ValidationError) bool {
	for _, e := range errs {
		if !strings.Contains(e.Message, "response code") || !strings.Contains(e.Message, "does not exist") {
			return false
		}
	}
	return len(errs) > 0
}

// undocumentedAllowed lists the answers Auth0 gives that its OpenAPI
// description omits, with the evidence: the spec lists no 404 for these
// operations, yet the real API answers a 404 with Auth0's error body.
func undocumentedAllowed(method, path string, status int) bool {
	switch {
	case status == 404 && strings.HasPrefix(path, "/api/v2/guardian/enrollments/") && path != "/api/v2/guardian/enrollments/ticket":
		return true // recorded: TestGuardian/Enrollment/Get.yaml, Delete.yaml
	case status == 204 && method == "DELETE" && strings.HasPrefix(path, "/api/v2/refresh-tokens/"):
		return true // recorded: TestRefreshTokenManager_Delete.yaml (the spec says 202)
	case status == 400 && method == "DELETE" && path == "/api/v2/grants",
		status == 400 && method == "GET" && (strings.HasSuffix(path, "/sessions") || strings.HasSuffix(path, "/refresh-tokens")):
		return true // a missing user_id, take past 100: Auth0's query validation error, as on every endpoint
	case status == 404 && strings.Contains(path, "/identities"):
		return true // an unknown primary user: inexistent_user, as on every user endpoint (decided; the OAS lists no 404)
	case status == 404 && method == "POST" && strings.HasSuffix(path, "/multifactor/actions/invalidate-remember-browser"),
		status == 404 && method == "DELETE" && strings.HasSuffix(path, "/authenticators"),
		status == 404 && method == "GET" && strings.HasSuffix(path, "/logs"),
		status == 404 && method == "PUT" && strings.HasSuffix(path, "/authentication-methods"),
		status == 404 && method == "DELETE" && strings.HasSuffix(path, "/authentication-methods"):
		return true // an unknown user: the emulator answers inexistent_user as on every user endpoint
	}
	return false
}

// onlyMissing reports whether the only schema problem is the missing property name.
func onlyMissing(errs []*verrors.ValidationError, name string) bool {
	n := 0
	for _, e := range errs {
		for _, se := range e.SchemaValidationErrors {
			if se.Reason != "missing property '"+name+"'" {
				return false
			}
			n++
		}
	}
	return n > 0
}

// onlyContentType reports whether the only problem is a missing content type.
func onlyContentType(errs []*verrors.ValidationError) bool {
	for _, e := range errs {
		if !strings.Contains(e.Message, "content type '' does not exist") {
			return false
		}
	}
	return len(errs) > 0
}

func pathUnknown(errs []*verrors.ValidationError) bool {
	for _, e := range errs {
		if e.ValidationSubType == "missing" && e.ValidationType == "path" {
			return true
		}
	}
	return false
}

// TestResponsesFitOpenAPI sends a broad set of requests, success and
// error paths, to every endpoint of the spec and validates each answer.
func TestResponsesFitOpenAPI(t *testing.T) {
	checker := newSpecChecker(t, false)
	e := newEnv(t, auth0apitest.Options{Users: 200, Seed: 7})
	client := &http.Client{Transport: checker}
	ada := "/users/" + esc(auth0apitest.FixtureUserID)
	bare := "/users/" + esc(auth0apitest.FixtureBareUserID)
	missing := "/users/auth0%7Cmissing"
	noScopes := e.tenant.Token()

	send := func(token, method, path string, body any, want int) response {
		t.Helper()
		saved := http.DefaultClient
		http.DefaultClient = client
		defer func() { http.DefaultClient = saved }()
		r := e.callWith(t, token, method, path, body)
		if r.status != want {
			t.Errorf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.raw)
		}
		return r
	}
	tok := e.token

	// Users: list and search, paging envelopes, fields, errors.
	send(tok, "GET", "/users", nil, 200)
	send(tok, "GET", "/users?include_totals=true&per_page=5&page=2", nil, 200)
	send(tok, "GET", "/users?per_page=3&page=0&fields=user_id,email&include_fields=true", nil, 200)
	send(tok, "GET", "/users?per_page=3&page=0&fields=identities&include_fields=false&sort=created_at:-1", nil, 200)
	send(tok, "GET", "/users?per_page=101", nil, 400)
	send(tok, "GET", "/users?page=10&per_page=100", nil, 400)
	send(tok, "GET", "/users?search_engine=v1", nil, 400)
	send(tok, "GET", "/users?search_engine=v2", nil, 400)
	send(tok, "GET", "/users?sort=created_at", nil, 400)
	send(tok, "GET", "/users?q=name:x", nil, 400)
	send("", "GET", "/users", nil, 401)
	send(noScopes, "GET", "/users", nil, 403)
	send(tok, "GET", "/users-by-email?email=ada.lovelace%40example.com", nil, 200)
	send(tok, "GET", "/users-by-email?email=ada.lovelace%40example.com&fields=email", nil, 200)
	send(tok, "GET", "/users-by-email", nil, 400)

	// One user.
	send(tok, "GET", ada, nil, 200)
	send(tok, "GET", ada+"?fields=email,user_id", nil, 200)
	send(tok, "GET", missing, nil, 404)
	send(noScopes, "GET", ada, nil, 403)
	created := send(tok, "POST", "/users", map[string]any{
		"connection": auth0apitest.DatabaseConnection, "email": "new.user@example.com", "password": "Corr3ct-Horse",
		"given_name": "New", "family_name": "User", "user_metadata": map[string]any{"a": 1}, "app_metadata": map[string]any{"b": true},
		"phone_number": "+15555550100", "blocked": false, "email_verified": true,
	}, 201)
	newID := "/users/" + esc(created.object(t)["user_id"].(string))
	send(tok, "POST", "/users", map[string]any{"connection": auth0apitest.PasswordlessConnection, "email": "otp@example.com"}, 201)
	send(tok, "POST", "/users", map[string]any{"email": "x@example.com"}, 400)
	send(tok, "POST", "/users", map[string]any{"connection": "nope", "email": "x@example.com", "password": "Corr3ct-Horse"}, 400)
	send(tok, "POST", "/users", map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "not-an-email", "password": "Corr3ct-Horse"}, 400)
	send(tok, "POST", "/users", map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "weak@example.com", "password": "weak"}, 400)
	send(tok, "POST", "/users", map[string]any{"connection": auth0apitest.DatabaseConnection, "email": "new.user@example.com", "password": "Corr3ct-Horse"}, 409)
	send(tok, "POST", "/users", "{not json", 400)
	send(tok, "PATCH", newID, map[string]any{"user_metadata": map[string]any{"a": nil, "c": "d"}, "name": "Renamed", "nickname": nil}, 200)
	send(tok, "PATCH", newID, map[string]any{"password": "An0ther-Secret"}, 200)
	send(tok, "PATCH", newID, map[string]any{"password": "An0ther-Secret", "email": "a@example.com"}, 400)
	send(tok, "PATCH", newID, map[string]any{"blocked": "yes"}, 400)
	send(tok, "PATCH", missing, map[string]any{"blocked": true}, 404)
	send(tok, "DELETE", newID, nil, 204)
	send(tok, "DELETE", newID, nil, 204)

	// Relations.
	send(tok, "GET", ada+"/organizations", nil, 200)
	send(tok, "GET", ada+"/organizations?include_totals=true&per_page=1", nil, 200)
	send(tok, "GET", missing+"/organizations", nil, 404)
	send(tok, "GET", ada+"/roles", nil, 200)
	send(tok, "GET", ada+"/roles?include_totals=true&per_page=50&page=0", nil, 200)
	send(tok, "GET", missing+"/roles", nil, 404)
	send(e.tenant.Token("read:users", "read:roles"), "GET", ada+"/roles", nil, 403)
	roles := send(tok, "GET", "/roles?name_filter=billing", nil, 200).array(t)
	roleID := roles[0].(map[string]any)["id"].(string)
	send(tok, "POST", bare+"/roles", map[string]any{"roles": []string{roleID}}, 204)
	send(tok, "POST", bare+"/roles", map[string]any{"roles": []string{}}, 400)
	send(tok, "POST", missing+"/roles", map[string]any{"roles": []string{roleID}}, 404)
	send(tok, "DELETE", bare+"/roles", map[string]any{"roles": []string{roleID}}, 204)
	send(tok, "GET", ada+"/permissions", nil, 200)
	send(tok, "GET", ada+"/permissions?include_totals=true", nil, 200)
	send(tok, "GET", missing+"/permissions", nil, 404)
	perm := map[string]any{"permissions": []any{map[string]any{"resource_server_identifier": "https://api.acme.example/orders", "permission_name": "read:orders"}}}
	send(tok, "POST", bare+"/permissions", perm, 201)
	send(tok, "POST", bare+"/permissions", map[string]any{"permissions": []any{map[string]any{"permission_name": "x"}}}, 400)
	send(tok, "POST", missing+"/permissions", perm, 404)
	send(tok, "DELETE", bare+"/permissions", perm, 204)
	send(tok, "DELETE", missing+"/permissions", perm, 404)

	// MFA.
	send(tok, "DELETE", ada+"/multifactor/google-authenticator", nil, 204)
	send(tok, "DELETE", ada+"/multifactor/sms", nil, 400)
	send(tok, "DELETE", missing+"/multifactor/duo", nil, 404)
	send(tok, "GET", ada+"/enrollments", nil, 200)
	send(tok, "GET", bare+"/enrollments", nil, 200)
	send(tok, "GET", missing+"/enrollments", nil, 404)
	send(tok, "POST", ada+"/recovery-code-regeneration", nil, 200)
	send(tok, "POST", ada+"/multifactor/actions/invalidate-remember-browser", nil, 204)
	send(tok, "POST", missing+"/multifactor/actions/invalidate-remember-browser", nil, 404)
	send(tok, "DELETE", missing+"/authenticators", nil, 404)
	send(tok, "GET", missing+"/logs", nil, 404)
	send(tok, "GET", ada+"/logs", nil, 200)
	send(tok, "GET", ada+"/logs?include_totals=true&per_page=5&page=1&sort=date:1", nil, 200)
	send(tok, "GET", bare+"/logs", nil, 200)
	send(noScopes, "GET", ada+"/logs", nil, 403)

	// Authentication methods.
	send(tok, "GET", ada+"/authentication-methods", nil, 200)
	list := send(tok, "GET", ada+"/authentication-methods?include_totals=true&per_page=50", nil, 200).object(t)
	first := list["authenticators"].([]any)[0].(map[string]any)["id"].(string)
	send(tok, "GET", bare+"/authentication-methods?include_totals=true", nil, 200)
	send(tok, "GET", missing+"/authentication-methods", nil, 404)
	send(tok, "GET", ada+"/authentication-methods/"+esc(first), nil, 200)
	send(tok, "GET", ada+"/authentication-methods/totp%7Cdev_nope", nil, 404)
	mid := send(tok, "POST", bare+"/authentication-methods", map[string]any{"type": "email", "name": "Work", "email": "edsger@example.com"}, 201).object(t)["id"].(string)
	send(tok, "POST", bare+"/authentication-methods", map[string]any{"type": "phone", "phone_number": "+15555550123", "preferred_authentication_method": "voice"}, 201)
	send(tok, "POST", bare+"/authentication-methods", map[string]any{"type": "totp", "totp_secret": "JBSWY3DPEHPK3PXP"}, 201)
	send(tok, "POST", bare+"/authentication-methods", map[string]any{"type": "email", "email": "edsger@example.com"}, 409)
	send(tok, "POST", bare+"/authentication-methods", map[string]any{"type": "carrier-pigeon"}, 400)
	send(tok, "PATCH", bare+"/authentication-methods/"+esc(mid), map[string]any{"name": "Home"}, 200)
	send(tok, "PATCH", bare+"/authentication-methods/"+esc(mid), map[string]any{"colour": "red"}, 400)
	send(tok, "DELETE", bare+"/authentication-methods/"+esc(mid), nil, 204)
	send(tok, "DELETE", bare+"/authentication-methods/"+esc(mid), nil, 404)
	send(tok, "PUT", bare+"/authentication-methods", []any{
		map[string]any{"type": "email", "name": "MyEmail", "email": "foo@example.com"},
		map[string]any{"type": "phone", "name": "MyPhone", "phone_number": "+44207183875044", "preferred_authentication_method": "sms"},
		map[string]any{"type": "totp", "name": "MyTotp", "totp_secret": "5HCWXIP2MJNSUBGYVUZFLRB2HWIGXR4SYJQXNBQ"},
	}, 200)
	send(tok, "PUT", ada+"/authentication-methods", []any{map[string]any{"type": "email", "email": "a@example.com"}}, 403)
	send(tok, "DELETE", bare+"/authentication-methods", nil, 204)
	send(tok, "DELETE", bare+"/authenticators", nil, 204)
	send(tok, "DELETE", ada+"/authenticators", nil, 204)

	// Guardian enrollments.
	grace := "/users/" + esc(auth0apitest.FixtureSocialUserID)
	enr := send(tok, "GET", grace+"/enrollments", nil, 200).array(t)
	eid := enr[0].(map[string]any)["id"].(string)
	send(tok, "GET", "/guardian/enrollments/"+eid, nil, 200)
	send(tok, "DELETE", "/guardian/enrollments/"+eid, nil, 204)
	send(tok, "GET", "/guardian/enrollments/"+eid, nil, 404)

	// Account linking: link, the refusals, unlink (the fixtures' duplicates and linked user).
	hedy := "/users/" + esc(auth0apitest.FixtureDuplicateUserID)
	kath := "/users/" + esc(auth0apitest.FixtureLinkedUserID)
	send(tok, "POST", hedy+"/identities", map[string]any{"provider": "google-oauth2", "user_id": "110453678901234567890"}, 201)
	send(tok, "POST", hedy+"/identities", map[string]any{"provider": "google-oauth2", "user_id": "110453678901234567890"}, 409)
	send(tok, "POST", hedy+"/identities", map[string]any{"provider": "auth0", "user_id": auth0apitest.FixtureDuplicateUserID}, 400)
	send(tok, "POST", hedy+"/identities", map[string]any{"provider": "github", "user_id": "1"}, 400)
	send(tok, "POST", missing+"/identities", map[string]any{"provider": "github", "user_id": "5012345"}, 404)
	send(noScopes, "POST", hedy+"/identities", map[string]any{"provider": "github", "user_id": "1"}, 403)
	send(tok, "GET", hedy, nil, 200)
	send(tok, "DELETE", hedy+"/identities/google-oauth2/110453678901234567890", nil, 200)
	send(tok, "DELETE", kath+"/identities/github/5012345", nil, 200)
	send(tok, "DELETE", kath+"/identities/auth0/64a1b2c3d4e5f60718293a4e", nil, 400)
	send(tok, "DELETE", missing+"/identities/github/5012345", nil, 404)
	send(tok, "GET", kath, nil, 200)
	send(tok, "GET", "/users/github%7C5012345", nil, 200)

	// MFA enrollment invitations.
	send(tok, "POST", "/guardian/enrollments/ticket", map[string]any{"user_id": auth0apitest.FixtureUserID, "send_mail": true, "factor": "otp"}, 200)
	send(tok, "POST", "/guardian/enrollments/ticket", map[string]any{"user_id": auth0apitest.FixtureUserID, "email": "help@example.com",
		"email_locale": "fr-FR", "allow_multiple_enrollments": true, "send_mail": false}, 200)
	send(tok, "POST", "/guardian/enrollments/ticket", map[string]any{"user_id": auth0apitest.FixtureUserID, "factor": "sms"}, 400)
	send(tok, "POST", "/guardian/enrollments/ticket", map[string]any{"user_id": "auth0|missing"}, 404)
	send(noScopes, "POST", "/guardian/enrollments/ticket", map[string]any{"user_id": auth0apitest.FixtureUserID}, 403)

	// Users exports: a job per format, read to completion, a failed one, the refusals.
	e.tenant.SetExportPace(100, 0)
	dbConn := connectionID(t, e, auth0apitest.DatabaseConnection)
	for _, body := range []map[string]any{
		{"connection_id": dbConn, "format": "json", "limit": 5, "fields": []any{map[string]any{"name": "name"}, map[string]any{"name": "email"},
			map[string]any{"name": "identities[0].connection", "export_as": "connection"}}},
		{"connection_id": dbConn, "format": "csv"},
	} {
		id := send(tok, "POST", "/jobs/users-exports", body, 200).object(t)["id"].(string)
		for range 10 {
			if send(tok, "GET", "/jobs/"+id, nil, 200).object(t)["status"] == "completed" {
				break
			}
		}
		send(tok, "GET", "/jobs/"+id+"/errors", nil, 204)
	}
	failing := send(tok, "POST", "/jobs/users-exports", map[string]any{"connection_id": dbConn}, 200).object(t)["id"].(string)
	send(tok, "GET", "/jobs/"+failing, nil, 200) // processing
	e.tenant.FailJob(failing, "The export failed.")
	send(tok, "GET", "/jobs/"+failing, nil, 200)
	send(tok, "GET", "/jobs/"+failing+"/errors", nil, 200)
	send(tok, "POST", "/jobs/users-exports", map[string]any{}, 200) // every connection: no connection to name
	send(tok, "POST", "/jobs/users-exports", map[string]any{"format": "xml"}, 400)
	send(tok, "POST", "/jobs/users-exports", map[string]any{"connection_id": "con_0000000000000001"}, 400)
	send(noScopes, "POST", "/jobs/users-exports", map[string]any{}, 403)
	send(tok, "GET", "/jobs/job_0000000000000001", nil, 404)
	send(tok, "GET", "/jobs/job_0000000000000001/errors", nil, 404)
	verification := send(tok, "POST", "/jobs/verification-email", map[string]any{"user_id": auth0apitest.FixtureUserID}, 201).object(t)["id"].(string)
	send(tok, "GET", "/jobs/"+verification, nil, 200)

	checker.mu.Lock()
	for _, part := range []string{"/identities", "/guardian/enrollments/ticket", "/jobs/users-exports", "/errors"} {
		n := 0
		for k := range checker.covered {
			if strings.Contains(k, part) {
				n++
			}
		}
		if n < 2 {
			t.Errorf("only %d answers of %s endpoints were validated", n, part)
		}
	}
	checker.mu.Unlock()

	// Seeded users and everything about them.
	page := send(tok, "GET", "/users?per_page=100&page=1&include_totals=true", nil, 200).object(t)["users"].([]any)
	for _, u := range page[:30] {
		p := "/users/" + esc(u.(map[string]any)["user_id"].(string))
		for _, sub := range []string{"", "/logs", "/enrollments", "/authentication-methods", "/roles", "/permissions", "/organizations",
			"/sessions", "/refresh-tokens"} {
			send(tok, "GET", p+sub, nil, 200)
		}
		id := u.(map[string]any)["user_id"].(string)
		send(tok, "GET", "/user-blocks/"+esc(id), nil, 200)
		send(tok, "GET", "/grants?include_totals=true&user_id="+url.QueryEscape(id), nil, 200)
	}

	// Account security (issue 12): lockouts, sessions, refresh tokens, grants, revoke-access.
	barbara := "/user-blocks/" + esc(auth0apitest.FixtureLockedOutUserID)
	send(tok, "GET", barbara, nil, 200)
	send(tok, "GET", barbara+"?consider_brute_force_enablement=true", nil, 200)
	send(tok, "GET", "/user-blocks/"+esc(auth0apitest.FixtureUserID), nil, 200)
	send(tok, "GET", "/user-blocks/auth0%7Cmissing", nil, 404)
	send(tok, "GET", "/user-blocks?identifier=barbara", nil, 200)
	send(tok, "GET", "/user-blocks?identifier="+url.QueryEscape(auth0apitest.FixtureOrphanBlockIdentifier), nil, 200)
	send(tok, "GET", "/user-blocks?identifier=nobody&consider_brute_force_enablement=false", nil, 200)
	send(tok, "GET", "/user-blocks", nil, 400)
	send(tok, "GET", "/user-blocks?identifier=x&consider_brute_force_enablement=maybe", nil, 400)
	send(noScopes, "GET", barbara, nil, 403)
	send(tok, "DELETE", "/user-blocks?identifier=barbara", nil, 204)
	send(tok, "DELETE", barbara, nil, 204)
	send(tok, "DELETE", "/user-blocks/auth0%7Cmissing", nil, 404)
	send(tok, "DELETE", "/user-blocks", nil, 400)

	send(tok, "GET", ada+"/sessions", nil, 200)
	send(tok, "GET", ada+"/sessions?take=1&include_totals=true", nil, 200)
	send(tok, "GET", ada+"/sessions?take=2&from="+auth0apitest.FixtureSessionID, nil, 200)
	send(tok, "GET", bare+"/sessions?include_totals=true", nil, 200)
	send(tok, "GET", missing+"/sessions", nil, 404)
	send(tok, "GET", ada+"/sessions?take=101", nil, 400)
	send(tok, "GET", "/sessions/"+auth0apitest.FixtureSessionID, nil, 200)
	send(tok, "GET", "/sessions/nope", nil, 404)
	send(noScopes, "GET", "/sessions/"+auth0apitest.FixtureSessionID, nil, 403)
	send(tok, "GET", ada+"/refresh-tokens", nil, 200)
	send(tok, "GET", ada+"/refresh-tokens?include_totals=true&per_page=50", nil, 200)
	send(tok, "GET", ada+"/refresh-tokens?take=1&from="+auth0apitest.FixtureDesktopRefreshTokenID, nil, 200)
	send(tok, "GET", missing+"/refresh-tokens", nil, 404)
	send(tok, "GET", "/refresh-tokens/"+auth0apitest.FixtureRefreshTokenID, nil, 200)
	send(tok, "GET", "/refresh-tokens/"+auth0apitest.FixtureDesktopRefreshTokenID, nil, 200)
	send(tok, "GET", "/refresh-tokens/nope", nil, 404)
	send(tok, "GET", "/grants", nil, 200)
	send(tok, "GET", "/grants?include_totals=true&per_page=2&page=1", nil, 200)
	send(tok, "GET", "/grants?user_id="+url.QueryEscape(auth0apitest.FixtureUserID)+"&client_id="+auth0apitest.ThirdPartyClientID, nil, 200)
	send(tok, "GET", "/grants?user_id=nobody&include_totals=true", nil, 200)
	send(noScopes, "GET", "/grants", nil, 403)
	send(tok, "DELETE", "/refresh-tokens/"+auth0apitest.FixtureDesktopRefreshTokenID, nil, 204)
	send(tok, "DELETE", "/refresh-tokens/nope", nil, 204)
	send(tok, "DELETE", "/grants/"+auth0apitest.FixtureGrantID, nil, 204)
	send(tok, "DELETE", "/grants/nope", nil, 204)
	send(tok, "DELETE", "/grants?user_id="+url.QueryEscape(auth0apitest.FixtureSocialUserID), nil, 204)
	send(tok, "DELETE", "/grants", nil, 400)
	send(tok, "POST", "/sessions/"+auth0apitest.FixtureOldSessionID+"/revoke", nil, 202)
	send(tok, "POST", "/sessions/"+auth0apitest.FixtureOldSessionID+"/revoke", nil, 404)
	send(tok, "DELETE", "/sessions/"+auth0apitest.FixtureSessionID, nil, 202)
	send(tok, "DELETE", "/sessions/nope", nil, 202)
	send(tok, "POST", ada+"/revoke-access", map[string]any{"session_id": auth0apitest.FixturePhoneSessionID, "preserve_refresh_tokens": true}, 202)
	send(tok, "POST", ada+"/revoke-access", map[string]any{}, 202)
	send(tok, "POST", ada+"/revoke-access", nil, 202)
	send(tok, "POST", missing+"/revoke-access", map[string]any{}, 202)
	send(tok, "POST", ada+"/revoke-access", map[string]any{"everything": true}, 400)
	send(tok, "DELETE", ada+"/sessions", nil, 202)
	send(tok, "DELETE", ada+"/refresh-tokens", nil, 202)
	send(tok, "DELETE", missing+"/sessions", nil, 404)
	send(tok, "DELETE", missing+"/refresh-tokens", nil, 404)
	e.tenant.SetPlan(auth0apitest.PlanProfessional)
	send(tok, "GET", ada+"/sessions", nil, 403)
	send(tok, "GET", "/refresh-tokens/"+auth0apitest.FixtureRefreshTokenID, nil, 403)
	send(tok, "DELETE", ada+"/refresh-tokens", nil, 403)
	send(tok, "POST", ada+"/revoke-access", map[string]any{}, 403)
	send(tok, "GET", "/grants", nil, 200)
	e.tenant.SetPlan(auth0apitest.PlanEnterprise)

	// A negative control: an answer that breaks the schema is caught.
	var caught []string
	checker.errorf = func(format string, args ...any) { caught = append(caught, format) }
	e.tenant.Fail("GET /users/{id}/roles", auth0apitest.Fault{Status: 200, Body: `[{"id":1,"colour":"red"}]`, Times: 1})
	send(tok, "GET", ada+"/roles", nil, 200)
	if len(caught) == 0 {
		t.Error("a response that breaks the schema was not caught")
	}
	caught = nil
	e.tenant.Fail("GET /users/{id}/sessions", auth0apitest.Fault{Status: 200, Body: `{"sessions":[{"id":1,"device":{"initial_asn":7}}]}`, Times: 1})
	send(tok, "GET", ada+"/sessions", nil, 200)
	if len(caught) == 0 {
		t.Error("a sessions answer that breaks the schema was not caught")
	}
	checker.errorf = t.Errorf

	if len(checker.covered) < 90 {
		t.Errorf("only %d distinct exchanges were validated against the spec", len(checker.covered))
	}
}
