package views

import (
	"hash/fnv"
	"strconv"
	"strings"
	"unicode"

	"userdesk/auth0api"
)

// avatarHues is how many background colours the initials placeholder has (app.css).
const avatarHues = 8

// initials are the one or two letters that stand for u when there is no picture: the given and
// family names' first letters, else the first and last words of the name, else the first
// letter of the nickname, e-mail address or id; upper case.
func initials(u auth0api.User) string {
	var words []string
	switch {
	case u.GivenName != "" && u.FamilyName != "":
		words = []string{u.GivenName, u.FamilyName}
	case u.Name != "" && !strings.Contains(u.Name, "@"):
		words = strings.Fields(u.Name)
		if len(words) > 2 {
			words = []string{words[0], words[len(words)-1]}
		}
	}
	var b strings.Builder
	for _, w := range words {
		if r, ok := firstLetter(w); ok {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	if b.Len() > 0 {
		return b.String()
	}
	id := u.UserID
	if _, after, ok := strings.Cut(id, "|"); ok {
		id = after
	}
	for _, s := range []string{u.Nickname, u.Email, u.Name, id} {
		if r, ok := firstLetter(s); ok {
			return string(unicode.ToUpper(r))
		}
	}
	return "?"
}

// firstLetter is the first letter or digit of s.
func firstLetter(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r, true
		}
	}
	return 0, false
}

// avatarHue picks the placeholder's colour from the user id, so a user keeps theirs.
func avatarHue(u auth0api.User) string {
	h := fnv.New32a()
	h.Write([]byte(u.UserID))
	return strconv.Itoa(int(h.Sum32() % avatarHues))
}
