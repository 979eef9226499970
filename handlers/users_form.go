package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"userdesk/auth0api"
)

// Limits on what the user forms accept (checklist items 41 and 55).
const (
	// maxMetadataBytes is the largest user_metadata or app_metadata accepted, as typed.
	maxMetadataBytes = 16 << 10
	// maxMetadataDepth is the deepest nesting of objects and arrays in metadata.
	maxMetadataDepth = 10
)

// userPhonePattern is E.164, as Auth0 wants phone numbers.
var userPhonePattern = regexp.MustCompile(`^\+[0-9]{1,15}$`)

// auth0Property finds the property Auth0's payload validation errors name ("… on property
// nickname (…)").
var auth0Property = regexp.MustCompile(`on property ([a-z_]+)\b`)

// userFormErrors collects messages by form field.
type userFormErrors map[string]string

// add keeps the first message for a field.
func (e userFormErrors) add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// checkText checks a text field: at most limit characters, valid UTF-8, no control characters.
func (e userFormErrors) checkText(field, v string, limit int) {
	switch {
	case !utf8.ValidString(v):
		e.add(field, "This is not valid text.")
	case utf8.RuneCountInString(v) > limit:
		e.add(field, fmt.Sprintf("Use at most %d characters.", limit))
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		e.add(field, "This contains control characters.")
	}
}

// checkEmail checks an e-mail address (Auth0 checks it again).
func (e userFormErrors) checkEmail(field, v string) {
	e.checkText(field, v, 254)
	local, domain, ok := strings.Cut(v, "@")
	if v != "" && (!ok || local == "" || domain == "" || strings.ContainsAny(v, " \t") || strings.Count(v, "@") != 1) {
		e.add(field, "This is not an e-mail address.")
	}
}

// checkPicture checks a picture URL: absolute http or https.
func (e userFormErrors) checkPicture(field, v string) {
	if v == "" {
		return
	}
	e.checkText(field, v, 2048)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		e.add(field, "Use an address starting with https:// (or http://).")
	}
}

// checkPhone checks a phone number in E.164 form.
func (e userFormErrors) checkPhone(field, v string) {
	if v != "" && !userPhonePattern.MatchString(v) {
		e.add(field, "Use the international format: + and up to 15 digits, e.g. +447700900123.")
	}
}

// checkUsername checks a username: no spaces, at most 128 characters.
func (e userFormErrors) checkUsername(field, v string) {
	e.checkText(field, v, 128)
	if strings.IndexFunc(v, unicode.IsSpace) >= 0 {
		e.add(field, "A username has no spaces.")
	}
}

// parseMetadata reads a metadata editor's text: empty means no keys; otherwise one JSON object,
// at most maxMetadataBytes, nested at most maxMetadataDepth deep, with keys Auth0 accepts (not
// empty, no '.', not starting with '$'). Numbers keep their digits (json.Number). It returns a
// message for the person when the text cannot be used.
func parseMetadata(text string) (map[string]any, string) {
	if strings.TrimSpace(text) == "" {
		return map[string]any{}, ""
	}
	if len(text) > maxMetadataBytes {
		return nil, fmt.Sprintf("This is %s; metadata can be at most %d KB.", metadataSize(len(text)), maxMetadataBytes>>10)
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, "This is not valid JSON: " + metadataJSONProblem(text, err) + "."
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, "This is not valid JSON: there is more after the object's closing brace."
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, `Metadata must be a JSON object, like {"key": "value"}.`
	}
	if msg := checkMetadataValue(m, 1); msg != "" {
		return nil, msg
	}
	return m, ""
}

// checkMetadataValue checks nesting depth and key names.
func checkMetadataValue(v any, depth int) string {
	switch x := v.(type) {
	case map[string]any:
		if depth > maxMetadataDepth {
			return fmt.Sprintf("Metadata can be nested at most %d levels deep.", maxMetadataDepth)
		}
		for k, e := range x {
			switch {
			case k == "":
				return "A key is empty."
			case strings.Contains(k, "."):
				return fmt.Sprintf("The key %q holds a dot, which Auth0 does not accept in metadata keys.", k)
			case strings.HasPrefix(k, "$"):
				return fmt.Sprintf("The key %q starts with $, which Auth0 does not accept in metadata keys.", k)
			}
			if msg := checkMetadataValue(e, depth+1); msg != "" {
				return msg
			}
		}
	case []any:
		if depth > maxMetadataDepth {
			return fmt.Sprintf("Metadata can be nested at most %d levels deep.", maxMetadataDepth)
		}
		for _, e := range x {
			if msg := checkMetadataValue(e, depth+1); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// metadataJSONProblem says where a JSON text is broken, in words.
func metadataJSONProblem(text string, err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := metadataLineCol(text, int(syn.Offset))
		return fmt.Sprintf("%s (line %d, column %d)", strings.TrimPrefix(syn.Error(), "invalid character "), line, col)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "it ends too early (a brace, bracket or quote is not closed)"
	}
	return "it cannot be read"
}

// metadataLineCol turns a byte offset into a 1-based line and column.
func metadataLineCol(text string, offset int) (int, int) {
	offset = min(max(offset, 0), len(text))
	before := text[:offset]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:])
	return line, max(col, 1)
}

// metadataSize is a byte count in words ("20 KB").
func metadataSize(n int) string {
	if n < 1<<10 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d KB", (n+1<<10-1)>>10)
}

// metadataText shows metadata in its editor: indented JSON, or empty for none.
func metadataText(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// metadataPatch is what to send to turn current into wanted, given Auth0's one-level merge:
// keys that are new or changed with their new value, keys removed as nil (sent as null). It is
// nil when nothing changes.
func metadataPatch(current, wanted map[string]any) map[string]any {
	patch := map[string]any{}
	for k, v := range wanted {
		if old, ok := current[k]; !ok || !sameJSON(old, v) {
			patch[k] = v
		}
	}
	for k := range current {
		if _, ok := wanted[k]; !ok {
			patch[k] = nil
		}
	}
	if len(patch) == 0 {
		return nil
	}
	return patch
}

// sameJSON reports whether two decoded JSON values are equal (encoding/json sorts map keys,
// and json.Number keeps a number's digits).
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// isUserNotFound reports whether Auth0 answered 404.
func isUserNotFound(err error) bool { return errors.Is(err, auth0api.ErrNotFound) }

// auth0Field guesses which form field an Auth0 refusal is about, from its message, so it can be
// shown beside that field; "" when it concerns none in particular.
func auth0Field(err error) string {
	var a0 *auth0api.Error
	if !errors.As(err, &a0) {
		return ""
	}
	if m := auth0Property.FindStringSubmatch(a0.Message); m != nil {
		return m[1]
	}
	msg := strings.ToLower(a0.Message)
	switch {
	case a0.Code == "invalid_password" || strings.Contains(msg, "password"):
		return "password"
	case strings.Contains(msg, "username"):
		return "username"
	case strings.Contains(msg, "phone"):
		return "phone_number"
	case strings.Contains(msg, "picture"):
		return "picture"
	case strings.Contains(msg, "user_metadata"):
		return "user_metadata"
	case strings.Contains(msg, "app_metadata"):
		return "app_metadata"
	case strings.Contains(msg, "given_name"):
		return "given_name"
	case strings.Contains(msg, "family_name"):
		return "family_name"
	case strings.Contains(msg, "nickname"):
		return "nickname"
	case strings.Contains(msg, "connection"):
		return "connection"
	case strings.Contains(msg, "email"):
		return "email"
	}
	return ""
}
