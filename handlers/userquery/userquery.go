// Package userquery compiles the users page's search inputs (the search box and the filters)
// into a Lucene query for Auth0's user search v3 (the q parameter of GET /api/v2/users).
//
// Every value a person types is escaped so that it only ever matches itself: a value holding
// quotes, colons, wildcards, parentheses, backslashes or the words AND, OR and NOT is searched
// for literally and can never widen the query or reach another field. Only the expert box
// (Filters.Raw) is passed to Auth0 as written, because that is what it is for.
//
// What the search box does, since Auth0 v3 matches whole values (a term must equal the whole
// field, "contains a word" needs wildcards):
//
//   - text is matched as a prefix of the normalized fields (name, given_name, family_name,
//     nickname, email; Auth0 compares them case-insensitively), of username (stored lower case)
//     and of user_id: "jan" finds "Jane Doe", "jane.doe@example.com" and "auth0|jan…";
//   - two to four words also match the given and family names word by word, in any order: "doe
//     jane" finds Jane Doe;
//   - a value holding '<' or '>' (which Elasticsearch cannot escape) is matched whole instead
//     of as a prefix;
//   - text shaped like a user id or an e-mail address is also reported in Plan, so the caller
//     can look it up directly (GET /users/{id}, GET /users-by-email), which is exact and, unlike
//     search, immediately consistent.
//
// The package is pure: no I/O, no HTTP; it depends only on auth0api/lucene, Auth0's search
// syntax, to read the expert query.
package userquery

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"userdesk/auth0api/lucene"
)

// Limits on what a person may type.
const (
	// MaxValueLength is the longest value of the search box or a filter, in characters
	// (checklist item 46).
	MaxValueLength = 128
	// MaxRawLength is the longest expert query, in characters.
	MaxRawLength = 1024
	// MaxLogins is the largest logins count a filter accepts.
	MaxLogins = 1_000_000_000
	// maxWords is how many words of the search box are matched one by one.
	maxWords = 4
)

// Tri is a yes/no/any choice of the filters.
type Tri string

// Values of Tri. The zero value is Any.
const (
	Any Tri = ""
	Yes Tri = "yes"
	No  Tri = "no"
)

// Filters are the inputs of the users page's search.
type Filters struct {
	// Text is the search box.
	Text string
	// Email matches e-mail addresses starting with it; "@example.com" matches the domain.
	Email string
	// Name matches names starting with it.
	Name string
	// UserID matches exactly one user id.
	UserID string
	// Connection matches the users of one connection (by name, exactly).
	Connection string
	// Blocked and EmailVerified filter on the flags.
	Blocked       Tri
	EmailVerified Tri
	// LastLoginFrom and LastLoginTo bound the last login, inclusive, as YYYY-MM-DD.
	LastLoginFrom string
	LastLoginTo   string
	// Inactive finds dormant accounts: "30", "90", "180" or "365" (no sign-in for at least
	// that many days before Now; users who never signed in are not included) or "never" (no
	// sign-in at all).
	Inactive string
	// CreatedFrom and CreatedTo bound the creation date, inclusive, as YYYY-MM-DD.
	CreatedFrom string
	CreatedTo   string
	// LoginsMin and LoginsMax bound the logins count, inclusive, as decimal integers.
	LoginsMin string
	LoginsMax string
	// Now is the clock the Inactive presets count back from (UTC days); zero means time.Now.
	Now time.Time
	// Raw is an expert's Lucene query, combined with the rest as written.
	Raw string
}

// Form field names of the filters, as the users page and its URL use them. Errors name the
// field they are about with these.
const (
	FieldText          = "q"
	FieldEmail         = "email"
	FieldName          = "name"
	FieldUserID        = "user_id"
	FieldConnection    = "connection"
	FieldBlocked       = "blocked"
	FieldEmailVerified = "verified"
	FieldLastLoginFrom = "login_from"
	FieldLastLoginTo   = "login_to"
	FieldInactive      = "inactive"
	FieldCreatedFrom   = "created_from"
	FieldCreatedTo     = "created_to"
	FieldLoginsMin     = "logins_min"
	FieldLoginsMax     = "logins_max"
	FieldRaw           = "raw"
)

// Plan is a compiled search.
type Plan struct {
	// Q is the Lucene query; "" means every user.
	Q string
	// UserID is set when the search box alone holds something shaped like a user id: the
	// caller may read that user directly, and search with Q when there is none.
	UserID string
	// Email is set when the search box alone holds an e-mail address: the caller may look it up
	// exactly, and search with Q when nobody has it.
	Email string
}

// FieldError is a problem with one input.
type FieldError struct {
	Field   string // one of the Field… names
	Message string // plain words, for the person who typed it
}

// Error returns the message with the field's name.
func (e FieldError) Error() string { return "userquery: " + e.Field + ": " + e.Message }

// Errors are the problems Compile found, one per field at most.
type Errors []FieldError

// Error lists the problems.
func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// For returns the message about field, or "".
func (es Errors) For(field string) string {
	for _, e := range es {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Empty reports whether no input is set.
func (f Filters) Empty() bool {
	f.Now = time.Time{}
	return f == Filters{}
}

// InactivePresets are the values of Filters.Inactive, in the order a form offers them.
func InactivePresets() []string { return []string{"30", "90", "180", "365", "never"} }

// onlyText reports whether the search box is the only input set.
func (f Filters) onlyText() bool {
	g := f
	g.Text = ""
	return g.Empty()
}

// Compile turns the inputs into a search plan. Values are trimmed first. It returns Errors
// when an input cannot be used (too long, a malformed date or number, control characters, a
// range whose ends are swapped, an expert query with unbalanced quotes or brackets).
func Compile(f Filters) (Plan, error) {
	f = f.trimmed()
	var (
		errs    Errors
		clauses []string
	)
	fail := func(field, msg string) { errs = append(errs, FieldError{Field: field, Message: msg}) }
	value := func(field, v string) (string, bool) {
		if msg := checkValue(v, MaxValueLength); msg != "" {
			fail(field, msg)
			return "", false
		}
		return v, v != ""
	}

	var plan Plan
	if text, ok := value(FieldText, f.Text); ok {
		clauses = append(clauses, textClause(text))
		if f.onlyText() {
			switch {
			case userIDShape.MatchString(text):
				plan.UserID = text
			case emailShape.MatchString(text):
				plan.Email = text
			}
		}
	}
	if email, ok := value(FieldEmail, f.Email); ok {
		if domain, isDomain := strings.CutPrefix(email, "@"); isDomain && domain != "" {
			clauses = append(clauses, "email.domain:"+Phrase(domain))
		} else {
			clauses = append(clauses, prefixTerm("email", email))
		}
	}
	if name, ok := value(FieldName, f.Name); ok {
		clauses = append(clauses, prefixTerm("name", name))
	}
	if id, ok := value(FieldUserID, f.UserID); ok {
		clauses = append(clauses, "user_id:"+Phrase(id))
	}
	if conn, ok := value(FieldConnection, f.Connection); ok {
		clauses = append(clauses, "identities.connection:"+Phrase(conn))
	}
	for _, flag := range []struct {
		field, name string
		v           Tri
	}{{FieldBlocked, "blocked", f.Blocked}, {FieldEmailVerified, "email_verified", f.EmailVerified}} {
		switch flag.v {
		case Any:
		case Yes:
			clauses = append(clauses, flag.name+":true")
		case No:
			// Users without the flag have it off: "not true" rather than "false".
			clauses = append(clauses, "NOT "+flag.name+":true")
		default:
			fail(flag.field, "Choose yes, no or any.")
		}
	}

	from, okFrom := parseDate(f.LastLoginFrom)
	to, okTo := parseDate(f.LastLoginTo)
	switch {
	case !okFrom:
		fail(FieldLastLoginFrom, "Use a date like 2024-12-31.")
	case !okTo:
		fail(FieldLastLoginTo, "Use a date like 2024-12-31.")
	case from != "" && to != "" && from > to:
		fail(FieldLastLoginTo, "This date is before the first one.")
	case from != "" || to != "":
		clauses = append(clauses, "last_login:["+orStar(from)+" TO "+orStar(to)+"]")
	}

	switch f.Inactive {
	case "":
	case "never":
		// Auth0 sets last_login at the first sign-in: without it, the user never signed in.
		clauses = append(clauses, "NOT _exists_:last_login")
	case "30", "90", "180", "365":
		now := f.Now
		if now.IsZero() {
			now = time.Now()
		}
		days := mustAtoi(f.Inactive)
		before := now.UTC().AddDate(0, 0, -days).Format(time.DateOnly)
		clauses = append(clauses, "last_login:{* TO "+before+"}")
	default:
		fail(FieldInactive, "Choose one of the offered periods.")
	}

	cFrom, okCFrom := parseDate(f.CreatedFrom)
	cTo, okCTo := parseDate(f.CreatedTo)
	switch {
	case !okCFrom:
		fail(FieldCreatedFrom, "Use a date like 2024-12-31.")
	case !okCTo:
		fail(FieldCreatedTo, "Use a date like 2024-12-31.")
	case cFrom != "" && cTo != "" && cFrom > cTo:
		fail(FieldCreatedTo, "This date is before the first one.")
	case cFrom != "" || cTo != "":
		clauses = append(clauses, "created_at:["+orStar(cFrom)+" TO "+orStar(cTo)+"]")
	}

	lo, okLo := parseCount(f.LoginsMin)
	hi, okHi := parseCount(f.LoginsMax)
	switch {
	case !okLo:
		fail(FieldLoginsMin, fmt.Sprintf("Use a whole number from 0 to %d.", MaxLogins))
	case !okHi:
		fail(FieldLoginsMax, fmt.Sprintf("Use a whole number from 0 to %d.", MaxLogins))
	case lo != "" && hi != "" && mustAtoi(lo) > mustAtoi(hi):
		fail(FieldLoginsMax, "This is less than the minimum.")
	case lo != "" || hi != "":
		clauses = append(clauses, "logins_count:["+orStar(lo)+" TO "+orStar(hi)+"]")
	}

	if f.Raw != "" {
		switch msg := checkValue(f.Raw, MaxRawLength); {
		case msg != "":
			fail(FieldRaw, msg)
		default:
			// Parsed and printed again by the same parser the dashboard confines searches
			// with: nothing typed here can close the parenthesis around it (a trailing
			// backslash, an unbalanced quote) or reach past it.
			q, err := lucene.Parse(f.Raw)
			var syn *lucene.SyntaxError
			switch {
			case errors.As(err, &syn):
				fail(FieldRaw, "Auth0 cannot read this query: "+syn.Msg+".")
			case err != nil:
				fail(FieldRaw, "Auth0 cannot read this query.")
			default:
				clauses = append([]string{"(" + q.String() + ")"}, clauses...)
			}
		}
	}

	if len(errs) > 0 {
		return Plan{}, errs
	}
	plan.Q = strings.Join(clauses, " AND ")
	return plan, nil
}

// trimmed returns f with surrounding white space removed from every value.
func (f Filters) trimmed() Filters {
	for _, p := range []*string{&f.Text, &f.Email, &f.Name, &f.UserID, &f.Connection, &f.LastLoginFrom,
		&f.LastLoginTo, &f.Inactive, &f.CreatedFrom, &f.CreatedTo, &f.LoginsMin, &f.LoginsMax, &f.Raw} {
		*p = strings.TrimSpace(*p)
	}
	f.Blocked = Tri(strings.TrimSpace(string(f.Blocked)))
	f.EmailVerified = Tri(strings.TrimSpace(string(f.EmailVerified)))
	return f
}

var (
	// userIDShape is "provider|id": what an Auth0 user id looks like.
	userIDShape = regexp.MustCompile(`^[A-Za-z0-9_-]+\|\S(.*\S)?$`)
	// emailShape is a complete e-mail address.
	emailShape = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@.]+$`)
)

// textFields are the fields the search box matches as a prefix, with whether the value is
// lower-cased first (username is stored in lower case and compared exactly; the normalized
// fields are compared case-insensitively, so it does not matter for them).
func textFields() []struct {
	name  string
	lower bool
} {
	return []struct {
		name  string
		lower bool
	}{
		{"name", false}, {"email", false}, {"nickname", false}, {"given_name", false},
		{"family_name", false}, {"username", true}, {"user_id", false},
	}
}

// textClause is the search box's clause.
func textClause(text string) string {
	var alts []string
	for _, f := range textFields() {
		v := text
		if f.lower {
			v = strings.ToLower(v)
		}
		alts = append(alts, prefixTerm(f.name, v))
	}
	if words := strings.Fields(text); len(words) >= 2 && len(words) <= maxWords {
		parts := make([]string, len(words))
		for i, w := range words {
			parts[i] = "(" + prefixTerm("given_name", w) + " OR " + prefixTerm("family_name", w) + ")"
		}
		alts = append(alts, "("+strings.Join(parts, " AND ")+")")
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}

// prefixTerm matches field values starting with v (v must not be empty). A value Elasticsearch
// could read as a range operator ('<', '>') is matched whole, as a phrase.
func prefixTerm(field, v string) string {
	if strings.ContainsAny(v, "<>") {
		return field + ":" + Phrase(v)
	}
	return field + ":" + Escape(v) + "*"
}

// Phrase quotes v as a Lucene phrase: only '"' and '\' need escaping inside the quotes.
func Phrase(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	for _, r := range v {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// Escape escapes v for use as an unquoted Lucene term: every character with a meaning in
// Lucene or Elasticsearch query syntax, and white space, is preceded by a backslash, so the
// term stands for v and nothing else. ('<' and '>' are escaped too, but Elasticsearch cannot
// escape them; prefixTerm avoids unquoted terms holding them.)
func Escape(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 8)
	for _, r := range v {
		if strings.ContainsRune(`+-=&|><!(){}[]^"~*?:\/`, r) || unicode.IsSpace(r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// checkValue returns why v cannot be searched for, or "".
func checkValue(v string, limit int) string {
	switch {
	case !utf8.ValidString(v):
		return "This is not valid text."
	case utf8.RuneCountInString(v) > limit:
		return fmt.Sprintf("Use at most %d characters.", limit)
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }) >= 0:
		return "This contains control characters."
	}
	return ""
}

// checkBalance reports unbalanced quotes, parentheses or range brackets in an expert query,
// parseDate checks a YYYY-MM-DD date; "" is fine (no bound).
func parseDate(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1970 || t.Year() > 9999 {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// parseCount checks a logins count; "" is fine (no bound).
func parseCount(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > MaxLogins {
		return "", false
	}
	return strconv.Itoa(n), true
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

// AsErrors returns err's field errors, if it holds any.
func AsErrors(err error) (Errors, bool) {
	var es Errors
	ok := errors.As(err, &es)
	return es, ok
}
