package auth0apitest

import (
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// prop describes one property of a request body, enough to answer Auth0's
// payload validation errors (Auth0 validates bodies with z-schema and
// quotes its messages).
type prop struct {
	kind     string // "string", "boolean", "integer", "object", "array"
	nullable bool
	min, max int // string length or array items; 0 = unbounded
	pattern  *regexp.Regexp
	format   string // "email", "uri"
	enum     []string
	desc     string
}

// bodySchema is an object schema.
type bodySchema struct {
	props      map[string]prop
	required   []string
	additional bool // additionalProperties
	minProps   int
}

// Patterns of the OAS request schemas.
var (
	phonePattern   = regexp.MustCompile(`^\+[0-9]{1,15}$`)
	noSpacePattern = regexp.MustCompile(`^\S*$`)
	// connectionIDPattern is the OAS pattern of connection_id.
	connectionIDPattern = regexp.MustCompile(`^con_[A-Za-z0-9]{16}$`)
)

// jsonType names a decoded JSON value's type as z-schema does.
func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// validate checks a decoded body against s and returns Auth0's 400 for
// the first problem.
func (s bodySchema) validate(body map[string]any) *apiError {
	for _, name := range s.required {
		if _, ok := body[name]; !ok {
			return errValidation("Payload", "Missing required property: "+name, "", "")
		}
	}
	if !s.additional {
		var extra []string
		for k := range body {
			if _, ok := s.props[k]; !ok {
				extra = append(extra, k)
			}
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			return errValidation("Payload", "Additional properties not allowed: "+strings.Join(extra, ","), "", "")
		}
	}
	if len(body) < s.minProps {
		return errValidation("Payload", "Too few properties defined ("+strconv.Itoa(len(body))+"), minimum "+strconv.Itoa(s.minProps), "", "")
	}
	names := make([]string, 0, len(body))
	for k := range body {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		p, ok := s.props[name]
		if !ok {
			continue
		}
		if msg := p.check(body[name]); msg != "" {
			return errValidation("Payload", msg, name, p.desc)
		}
	}
	return nil
}

// check returns the z-schema message for v, or "".
func (p prop) check(v any) string {
	got := jsonType(v)
	if got == "null" && p.nullable {
		return ""
	}
	want := p.kind
	if got != want && !(want == "number" && got == "integer") {
		return "Expected type " + want + " but found type " + got
	}
	switch x := v.(type) {
	case string:
		n := utf8.RuneCountInString(x)
		if p.min > 0 && n < p.min {
			return "String is too short (" + strconv.Itoa(n) + " chars), minimum " + strconv.Itoa(p.min)
		}
		if p.max > 0 && n > p.max {
			return "String is too long (" + strconv.Itoa(n) + " chars), maximum " + strconv.Itoa(p.max)
		}
		if p.pattern != nil && !p.pattern.MatchString(x) {
			return "String does not match pattern " + p.pattern.String() + ": " + x
		}
		if len(p.enum) > 0 && !slices.Contains(p.enum, x) {
			return "No enum match for: " + x
		}
		switch p.format {
		case "email":
			if !validEmail(x) {
				return "Object didn't pass validation for format email: " + x
			}
		case "uri":
			if u, err := url.Parse(x); err != nil || u.Scheme == "" || u.Host == "" {
				return "Object didn't pass validation for format strict-uri: " + x
			}
		}
	case []any:
		if p.min > 0 && len(x) < p.min {
			return "Array is too short (" + strconv.Itoa(len(x)) + "), minimum " + strconv.Itoa(p.min)
		}
	}
	return ""
}

// validEmail reports whether s is a plain address (local@domain.tld) as
// Auth0's email format accepts.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && len(local) <= 64 && len(s) <= 254 && strings.Contains(domain, ".") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// decodeObject decodes the body as a JSON object.
func decodeObject(q *request) (map[string]any, *apiError) {
	var v any
	if err := decodeBody(q, &v); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errValidation("Payload", "Expected type object but found type "+jsonType(v), "", "")
	}
	return m, nil
}

// strictPassword reports whether password meets Auth0's "good" policy:
// at least 8 characters and three of lower case, upper case, digits and
// special characters.
func strictPassword(password string) bool {
	if utf8.RuneCountInString(password) < 8 {
		return false
	}
	var lower, upper, digit, special bool
	for _, r := range password {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		default:
			special = true
		}
	}
	kinds := 0
	for _, b := range []bool{lower, upper, digit, special} {
		if b {
			kinds++
		}
	}
	return kinds >= 3
}
