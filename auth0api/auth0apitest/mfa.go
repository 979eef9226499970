package auth0apitest

import (
	"net/http"
	"strings"
)

// deleteMultifactor answers DELETE /users/{id}/multifactor/{provider}.
func (t *Tenant) deleteMultifactor(q *request) (int, any, *apiError) {
	provider := q.params["provider"]
	if provider != "duo" && provider != "google-authenticator" {
		return 0, nil, newError(http.StatusBadRequest, "invalid_uri",
			"Path validation error: 'No enum match for: "+provider+"' on property provider (The multi-factor provider. Supported values 'duo' or 'google-authenticator').")
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		if list, ok := rec.obj["multifactor"].([]any); ok {
			var kept []any
			for _, v := range list {
				if v != provider {
					kept = append(kept, v)
				}
			}
			u := cloneShallow(rec.obj)
			if len(kept) == 0 {
				delete(u, "multifactor")
			} else {
				u["multifactor"] = kept
			}
			u["multifactor_last_modified"] = stamp(q.now)
			rec.obj = u
		}
		return http.StatusNoContent, nil, nil
	})
}

// invalidateRememberBrowser answers POST …/multifactor/actions/invalidate-remember-browser.
func (t *Tenant) invalidateRememberBrowser(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := t.lookup(q); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// deleteAuthenticators answers DELETE /users/{id}/authenticators: every
// MFA factor goes (OTP, push, phone, email, security keys, recovery code).
func (t *Tenant) deleteAuthenticators(q *request) (int, any, *apiError) {
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		x := t.dir.extras(rec)
		var kept []map[string]any
		for _, m := range x.methods {
			if m["type"] == "passkey" || m["type"] == "password" {
				kept = append(kept, m)
			}
		}
		x.methods = kept
		clearMultifactor(rec, q)
		return http.StatusNoContent, nil, nil
	})
}

// clearMultifactor removes the user's legacy multifactor list.
func clearMultifactor(rec *userRec, q *request) {
	if _, ok := rec.obj["multifactor"]; !ok {
		return
	}
	u := cloneShallow(rec.obj)
	delete(u, "multifactor")
	u["multifactor_last_modified"] = stamp(q.now)
	rec.obj = u
}

// regenerateRecoveryCode answers POST …/recovery-code-regeneration with a
// new 24-character code (Auth0 answers even for users without MFA).
func (t *Tenant) regenerateRecoveryCode(q *request) (int, any, *apiError) {
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		code := t.dir.randomString(upperAlnum, 24)
		x := t.dir.extras(rec)
		kept := x.methods[:0:0]
		for _, m := range x.methods {
			if m["type"] != "recovery-code" {
				kept = append(kept, m)
			}
		}
		now := stamp(q.now)
		x.methods = append(kept, map[string]any{
			"id": "recovery-code|dev_" + t.dir.randomString(alnum, 16), "type": "recovery-code", "confirmed": true,
			"created_at": now, "enrolled_at": now,
		})
		return http.StatusOK, map[string]any{"recovery_code": code}, nil
	})
}

// enrollmentOf maps an authentication method to its Guardian enrollment,
// for the factor types Guardian knows.
func enrollmentOf(m map[string]any) (map[string]any, bool) {
	var method, kind string
	switch m["type"] {
	case "totp":
		method, kind = "authenticator", "authenticator"
	case "phone":
		method, kind = "sms", "sms"
	case "push":
		method, kind = "guardian", "pn"
	case "webauthn-roaming":
		method, kind = "webauthn-roaming", "webauthn-roaming"
	case "webauthn-platform":
		method, kind = "webauthn-platform", "webauthn-platform"
	default:
		return nil, false
	}
	_, dev, _ := strings.Cut(str(m["id"]), "|")
	e := map[string]any{"id": dev, "status": "confirmed", "type": kind, "auth_method": method}
	if name := str(m["name"]); name != "" {
		e["name"] = name[:min(len(name), 20)]
	}
	if phone := str(m["phone_number"]); phone != "" {
		e["phone_number"] = maskPhone(phone)
		e["name"] = maskPhone(phone)[:min(len(phone), 20)]
	}
	if m["type"] == "push" {
		e["identifier"] = "76dc-a90c-a88c-" + strings.ToLower(dev[len(dev)-4:])
	}
	if v := str(m["enrolled_at"]); v != "" {
		e["enrolled_at"] = v
	}
	if v := str(m["last_auth_at"]); v != "" {
		e["last_auth"] = v
	}
	return e, true
}

// listEnrollments answers GET /users/{id}/enrollments (a bare array).
func (t *Tenant) listEnrollments(q *request) (int, any, *apiError) {
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		out := []any{}
		for _, m := range t.dir.extras(rec).methods {
			if e, ok := enrollmentOf(m); ok {
				out = append(out, e)
			}
		}
		return http.StatusOK, out, nil
	})
}

// findEnrollment finds the method behind a Guardian enrollment id among
// the users whose factors exist already. Callers hold t.mu.
func (t *Tenant) findEnrollment(id string) (*userExtra, int) {
	for _, rec := range t.dir.order {
		if rec.extra == nil {
			continue
		}
		for i, m := range rec.extra.methods {
			if _, ok := enrollmentOf(m); ok && strings.HasSuffix(str(m["id"]), "|"+id) {
				return rec.extra, i
			}
		}
	}
	return nil, -1
}

func errEnrollmentNotFound() *apiError {
	return newError(http.StatusNotFound, "enrollment_not_found", "Enrollment not found")
}

// getGuardianEnrollment answers GET /guardian/enrollments/{id}.
func (t *Tenant) getGuardianEnrollment(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	x, i := t.findEnrollment(q.params["enrollment_id"])
	if x == nil {
		return 0, nil, errEnrollmentNotFound()
	}
	e, _ := enrollmentOf(x.methods[i])
	delete(e, "type")
	delete(e, "auth_method")
	delete(e, "name") // the OAS pattern for name only fits phone numbers
	return http.StatusOK, e, nil
}

// deleteGuardianEnrollment answers DELETE /guardian/enrollments/{id}.
func (t *Tenant) deleteGuardianEnrollment(q *request) (int, any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	x, i := t.findEnrollment(q.params["enrollment_id"])
	if x == nil {
		return 0, nil, errEnrollmentNotFound()
	}
	x.methods = append(x.methods[:i:i], x.methods[i+1:]...)
	return http.StatusNoContent, nil, nil
}
