package lucene

import (
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a token.
type tokKind int

const (
	tEOF       tokKind = iota
	tLParen            // (
	tRParen            // )
	tColon             // :
	tAnd               // AND &&
	tOr                // OR ||
	tNot               // NOT !
	tPlus              // + prefix
	tMinus             // - prefix
	tTerm              // unquoted term, possibly with wildcards
	tPhrase            // "quoted phrase"
	tRangeOpen         // [ or {
)

// String names a token kind in error messages.
func (k tokKind) String() string {
	switch k {
	case tEOF:
		return "the end of the query"
	case tLParen:
		return "'('"
	case tRParen:
		return "')'"
	case tColon:
		return "':'"
	case tAnd:
		return "AND"
	case tOr:
		return "OR"
	case tNot:
		return "NOT"
	case tPlus:
		return "'+'"
	case tMinus:
		return "'-'"
	case tPhrase:
		return "a phrase"
	case tRangeOpen:
		return "a range"
	}
	return "a term"
}

// pelem is one element of an unquoted term: a literal rune or a wildcard.
type pelem struct {
	r    rune
	star bool
}

// token is one lexical element. For tTerm, text is the value with escapes removed and pat holds its
// elements when the term has an unescaped wildcard; raw is the source text.
type token struct {
	kind tokKind
	pos  int
	raw  string
	text string
	pat  []pelem // nil unless the term has a wildcard
	// inclusive is set for tRangeOpen: '[' is inclusive, '{' exclusive.
	inclusive bool
}

// lexer splits a query into tokens. After a ':' it lexes the next term in value mode, where a leading
// + - or ! is part of the value (phone_number:+1555…).
type lexer struct {
	src        string
	pos        int
	afterColon bool
}

// isSpace reports whether r separates tokens.
func isSpace(r rune) bool { return unicode.IsSpace(r) }

// endsTerm reports whether r, unescaped, ends an unquoted term.
func endsTerm(r rune) bool {
	switch r {
	case '(', ')', ':', '"', '[', ']', '{', '}', '^', '~':
		return true
	}
	return isSpace(r)
}

func (lx *lexer) peekRune() (rune, int) {
	if lx.pos >= len(lx.src) {
		return utf8.RuneError, 0
	}
	return utf8.DecodeRuneInString(lx.src[lx.pos:])
}

func (lx *lexer) skipSpace() {
	for lx.pos < len(lx.src) {
		r, w := lx.peekRune()
		if !isSpace(r) {
			return
		}
		lx.pos += w
	}
}

// next returns the next token in normal mode.
func (lx *lexer) next() (token, error) {
	lx.skipSpace()
	value := lx.afterColon
	lx.afterColon = false
	start := lx.pos
	if lx.pos >= len(lx.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	r, w := lx.peekRune()
	one := func(k tokKind) (token, error) {
		lx.pos += w
		return token{kind: k, pos: start, raw: lx.src[start:lx.pos]}, nil
	}
	switch r {
	case '(':
		return one(tLParen)
	case ')':
		return one(tRParen)
	case ':':
		lx.afterColon = true
		return one(tColon)
	case '[', '{':
		t, err := one(tRangeOpen)
		t.inclusive = r == '['
		return t, err
	case ']', '}':
		return token{}, &SyntaxError{Pos: start, Msg: "unexpected '" + string(r) + "' outside a range"}
	case '^':
		return token{}, &SyntaxError{Pos: start, Msg: "boosting with '^' is not supported"}
	case '~':
		return token{}, &SyntaxError{Pos: start, Msg: "fuzzy and proximity searches with '~' are not supported"}
	case '"':
		return lx.phrase()
	}
	rest := lx.src[lx.pos:]
	if !value {
		switch {
		case len(rest) >= 2 && rest[:2] == "&&":
			lx.pos += 2
			return token{kind: tAnd, pos: start, raw: "&&"}, nil
		case len(rest) >= 2 && rest[:2] == "||":
			lx.pos += 2
			return token{kind: tOr, pos: start, raw: "||"}, nil
		case r == '!':
			return one(tNot)
		case r == '+' || r == '-':
			k := tPlus
			if r == '-' {
				k = tMinus
			}
			if nr, _ := utf8.DecodeRuneInString(rest[w:]); len(rest) == w || isSpace(nr) {
				return token{}, &SyntaxError{Pos: start, Msg: "'" + string(r) + "' must be followed by a term"}
			}
			return one(k)
		}
	}
	if r == '/' {
		return token{}, &SyntaxError{Pos: start, Msg: "regular expressions are not supported"}
	}
	return lx.term()
}

// term lexes an unquoted term starting at lx.pos.
func (lx *lexer) term() (token, error) {
	start := lx.pos
	var text []byte
	var pat []pelem
	wild := false
	for lx.pos < len(lx.src) {
		r, w := lx.peekRune()
		if endsTerm(r) {
			break
		}
		switch r {
		case '\\':
			if lx.pos+w >= len(lx.src) {
				return token{}, &SyntaxError{Pos: lx.pos, Msg: "'\\' at the end of the query escapes nothing"}
			}
			er, ew := utf8.DecodeRuneInString(lx.src[lx.pos+w:])
			text = append(text, lx.src[lx.pos+w:lx.pos+w+ew]...)
			pat = append(pat, pelem{r: er})
			lx.pos += w + ew
			continue
		case '*':
			wild = true
			pat = append(pat, pelem{star: true})
		case '?':
			return token{}, &SyntaxError{Pos: lx.pos, Msg: "the '?' wildcard is not supported; escape it as '\\?' to search for a literal '?'"}
		default:
			pat = append(pat, pelem{r: r})
		}
		text = append(text, lx.src[lx.pos:lx.pos+w]...)
		lx.pos += w
	}
	t := token{kind: tTerm, pos: start, raw: lx.src[start:lx.pos], text: string(text)}
	if wild {
		t.pat = pat
	}
	switch t.raw {
	case "AND":
		t.kind = tAnd
	case "OR":
		t.kind = tOr
	case "NOT":
		t.kind = tNot
	}
	return t, nil
}

// phrase lexes a double-quoted phrase starting at lx.pos. Inside it, \x stands for x.
func (lx *lexer) phrase() (token, error) {
	start := lx.pos
	lx.pos++ // opening quote
	var text []byte
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch c {
		case '"':
			lx.pos++
			return token{kind: tPhrase, pos: start, raw: lx.src[start:lx.pos], text: string(text)}, nil
		case '\\':
			if lx.pos+1 >= len(lx.src) {
				return token{}, &SyntaxError{Pos: start, Msg: "unterminated quoted phrase"}
			}
			_, ew := utf8.DecodeRuneInString(lx.src[lx.pos+1:])
			text = append(text, lx.src[lx.pos+1:lx.pos+1+ew]...)
			lx.pos += 1 + ew
		default:
			text = append(text, c)
			lx.pos++
		}
	}
	return token{}, &SyntaxError{Pos: start, Msg: "unterminated quoted phrase"}
}

// rangeBound lexes one bound inside [ ] or { }: a quoted phrase, or text up to white space or a closing
// bracket. open reports an unquoted "*".
func (lx *lexer) rangeBound() (text string, open bool, pos int, err error) {
	lx.skipSpace()
	pos = lx.pos
	if lx.pos >= len(lx.src) {
		return "", false, pos, &SyntaxError{Pos: pos, Msg: "unterminated range"}
	}
	if lx.src[lx.pos] == '"' {
		t, err := lx.phrase()
		if err != nil {
			return "", false, pos, err
		}
		return t.text, false, pos, nil
	}
	var b []byte
	for lx.pos < len(lx.src) {
		r, w := lx.peekRune()
		if isSpace(r) || r == ']' || r == '}' {
			break
		}
		if r == '\\' {
			if lx.pos+w >= len(lx.src) {
				return "", false, pos, &SyntaxError{Pos: lx.pos, Msg: "'\\' at the end of the query escapes nothing"}
			}
			_, ew := utf8.DecodeRuneInString(lx.src[lx.pos+w:])
			b = append(b, lx.src[lx.pos+w:lx.pos+w+ew]...)
			lx.pos += w + ew
			continue
		}
		b = append(b, lx.src[lx.pos:lx.pos+w]...)
		lx.pos += w
	}
	raw := lx.src[pos:lx.pos]
	if raw == "" {
		return "", false, pos, &SyntaxError{Pos: pos, Msg: "a range bound is missing"}
	}
	return string(b), raw == "*", pos, nil
}

// rangeWord lexes the bare word expected between the bounds ("TO").
func (lx *lexer) rangeWord() (string, int) {
	lx.skipSpace()
	start := lx.pos
	for lx.pos < len(lx.src) {
		r, w := lx.peekRune()
		if isSpace(r) || r == ']' || r == '}' {
			break
		}
		lx.pos += w
	}
	return lx.src[start:lx.pos], start
}

// rangeClose lexes the closing bracket of a range and reports whether it is inclusive.
func (lx *lexer) rangeClose() (inclusive bool, err error) {
	lx.skipSpace()
	if lx.pos >= len(lx.src) {
		return false, &SyntaxError{Pos: lx.pos, Msg: "unterminated range: expected ']' or '}'"}
	}
	switch lx.src[lx.pos] {
	case ']':
		lx.pos++
		return true, nil
	case '}':
		lx.pos++
		return false, nil
	}
	return false, &SyntaxError{Pos: lx.pos, Msg: "expected ']' or '}' to close the range"}
}
