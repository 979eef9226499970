package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// maxUserIDLength bounds a user id in a path, in bytes: Auth0's id part is at most 255
// characters, plus the provider and its '|' (checklist item 45).
const maxUserIDLength = 280

// userIDPattern is the shape of an Auth0 user id: "provider|id", the provider in lower-case
// letters, digits and dashes (auth0, google-oauth2, samlp, email, sms, oauth2, ...).
var userIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*\|.+$`)

// errBadUserID answers a user id that is not one.
var errBadUserID = httpError(http.StatusBadRequest, "That is not a valid user id.", nil).withTitle("Not a user id")

// userIDParam returns the :id path parameter as the user id it stands for, decoded exactly
// once, or errBadUserID. The gate calls it for every route under /users/:id, before any
// Management API call (checklist item 45); handlers take the id from targetOf.
//
// Echo matches routes against the escaped path when the request has one that differs from Go's
// own encoding (RawPath, e.g. for "%2F"), and then hands out the parameter still escaped;
// otherwise the parameter is already decoded. So it is unescaped here only in the first case.
func userIDParam(c echo.Context) (string, error) {
	id := c.Param("id")
	if c.Request().URL.RawPath != "" {
		var err error
		if id, err = url.PathUnescape(id); err != nil {
			return "", errBadUserID
		}
	}
	if !validUserID(id) {
		return "", errBadUserID
	}
	return id, nil
}

// validUserID reports whether id is shaped like an Auth0 user id and is safe to put in a
// Management API path: not too long, valid UTF-8, no control characters, no '\', '?', '#' or
// '%' (which only a second decoding would give a meaning), and no "." or ".." segment. A '/'
// is allowed inside the id (Auth0 ids of imported users hold them; the client escapes it).
func validUserID(id string) bool {
	if len(id) > maxUserIDLength || !utf8.ValidString(id) || !userIDPattern.MatchString(id) {
		return false
	}
	if strings.ContainsAny(id, `\?#%`) || strings.IndexFunc(id, unicode.IsControl) >= 0 {
		return false
	}
	for seg := range strings.SplitSeq(id, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// userPath is the dashboard's URL of a user's page (or, with suffix "/edit" etc., one of its
// routes): the id escaped as one path segment.
func userPath(id string, suffix ...string) string {
	return "/users/" + url.PathEscape(id) + strings.Join(suffix, "")
}
