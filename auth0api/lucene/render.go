package lucene

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// special reports whether r must be escaped with '\' in an unquoted term or field name.
func special(r rune) bool {
	switch r {
	case '\\', '+', '-', '!', '(', ')', ':', '^', '[', ']', '"', '{', '}', '~', '*', '?', '|', '&', '/':
		return true
	}
	return unicode.IsSpace(r)
}

// keyword reports whether s would lex as an operator rather than a word.
func keyword(s string) bool {
	switch s {
	case "AND", "OR", "NOT", "TO":
		return true
	}
	return false
}

// plain reports whether s can be written as an unquoted term: letters and digits first, then letters,
// digits and a few punctuation marks that never mean anything in the syntax.
func plain(s string) bool {
	if s == "" || keyword(s) {
		return false
	}
	for i, r := range s {
		if r == utf8.RuneError {
			return false
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			continue
		}
		if i > 0 && strings.ContainsRune(".@|#$%,'=;<>-+", r) {
			continue
		}
		return false
	}
	return true
}

// renderValue writes a literal value, unquoted when that is unambiguous, else as a quoted phrase.
func renderValue(b *strings.Builder, s string) {
	if plain(s) {
		b.WriteString(s)
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

// renderPattern writes a wildcard term, escaping every literal rune that has a meaning in the syntax.
func renderPattern(b *strings.Builder, pat []pelem) {
	for _, e := range pat {
		if e.star {
			b.WriteByte('*')
			continue
		}
		if special(e.r) {
			b.WriteByte('\\')
		}
		b.WriteRune(e.r)
	}
}

// renderField writes a field name, escaping what the lexer would not read as part of a name.
func renderField(b *strings.Builder, name string) {
	esc := keyword(name)
	for _, r := range name {
		if esc || special(r) {
			b.WriteByte('\\')
			esc = false
		}
		b.WriteRune(r)
	}
}

// renderBound writes one end of a range.
func renderBound(b *strings.Builder, bd bound) {
	if bd.open {
		b.WriteByte('*')
		return
	}
	renderValue(b, bd.text)
}
