package lucene

import "strings"

// fieldKind says how a field's values are indexed, which decides how terms and ranges compare.
type fieldKind int

const (
	kindText         fieldKind = iota // case-sensitive text (user_id, username, identities.*, metadata)
	kindFolded                        // case-insensitive text: the normalized fields
	kindDate                          // created_at, updated_at, last_login
	kindNumber                        // logins_count
	kindBool                          // blocked, email_verified, phone_verified
	kindEmailDomain                   // email.domain, derived from email
	kindUnsearchable                  // profile fields Auth0 does not index
)

// field is a resolved field reference.
type field struct {
	name     string   // the field as written, escapes removed, e.g. "app_metadata.plan"
	segs     []string // name split at dots
	kind     fieldKind
	userMeta bool // under user_metadata: no wildcards, no ranges
}

// existsField is the pseudo-field of _exists_:name queries.
const existsField = "_exists_"

// DefaultFields returns the fields a term without a field name searches. Auth0 documents only that such a
// term does not match metadata; this list (the root text fields of the profile) is our choice.
func DefaultFields() []string {
	return []string{"user_id", "email", "name", "given_name", "family_name", "nickname", "username", "phone_number"}
}

// resolveField checks a field name and works out its kind. pos is where the name starts in the query.
func resolveField(name string, pos int) (*field, error) {
	if name == "" {
		return nil, &SyntaxError{Pos: pos, Msg: "a field name is empty"}
	}
	segs := strings.Split(name, ".")
	for _, s := range segs {
		if s == "" {
			return nil, &SyntaxError{Pos: pos, Msg: "field name " + quoteName(name) + " has an empty path segment"}
		}
	}
	f := &field{name: name, segs: segs, kind: kindText}
	if len(segs) == 1 {
		switch name {
		case "email", "name", "given_name", "family_name", "nickname":
			f.kind = kindFolded
		case "created_at", "updated_at", "last_login":
			f.kind = kindDate
		case "logins_count":
			f.kind = kindNumber
		case "blocked", "email_verified", "phone_verified":
			f.kind = kindBool
		case "picture", "multifactor", "last_password_reset", "blocked_for":
			f.kind = kindUnsearchable
		}
	}
	switch segs[0] {
	case "user_metadata":
		f.userMeta = true
	case "email":
		if name == "email.domain" {
			f.kind = kindEmailDomain
		}
	}
	return f, nil
}

// defaultFieldRefs resolves DefaultFields.
func defaultFieldRefs() []*field {
	names := DefaultFields()
	out := make([]*field, 0, len(names))
	for _, n := range names {
		f, _ := resolveField(n, 0) // the names are valid
		out = append(out, f)
	}
	return out
}

// quoteName renders a field name for an error message.
func quoteName(name string) string {
	return "'" + name + "'"
}
