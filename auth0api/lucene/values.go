package lucene

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// leafVisitor is called for every indexed value found at a field's path; returning true stops the walk
// and means "this document matches".
type leafVisitor interface {
	leaf(v any) bool
	leafString(s string) bool
}

// visitField calls vis for every value of f in doc, flattening arrays at any level, and reports whether a
// call returned true. It does not allocate.
func visitField(doc map[string]any, f *field, vis leafVisitor) bool {
	switch f.kind {
	case kindUnsearchable:
		return false
	case kindEmailDomain:
		email, ok := doc["email"].(string)
		if !ok {
			return false
		}
		at := strings.LastIndexByte(email, '@')
		if at < 0 {
			return false
		}
		return vis.leafString(email[at+1:])
	}
	v, ok := doc[f.segs[0]]
	if !ok {
		return false
	}
	return walk(v, f.segs[1:], vis)
}

// walk follows segs from v, descending into every element of arrays on the way.
func walk(v any, segs []string, vis leafVisitor) bool {
	if len(segs) == 0 {
		return visitLeaf(v, vis)
	}
	switch x := v.(type) {
	case map[string]any:
		c, ok := x[segs[0]]
		if !ok {
			return false
		}
		return walk(c, segs[1:], vis)
	case []any:
		for _, e := range x {
			if walk(e, segs, vis) {
				return true
			}
		}
	}
	return false
}

// visitLeaf calls vis for v, or for each element when v is an array.
func visitLeaf(v any, vis leafVisitor) bool {
	switch x := v.(type) {
	case nil:
		return false
	case []any:
		for _, e := range x {
			if visitLeaf(e, vis) {
				return true
			}
		}
		return false
	case string:
		return vis.leafString(x)
	}
	return vis.leaf(v)
}

// indexed reports whether v holds a value Auth0 would index: not null, and not an empty array or object
// (nor one holding only such values).
func indexed(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case []any:
		for _, e := range x {
			if indexed(e) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, e := range x {
			if indexed(e) {
				return true
			}
		}
		return false
	}
	return true
}

// number returns v as a float64 if it is a JSON number.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float32:
		return float64(x), true
	}
	return 0, false
}

// isDecimal reports whether s is a plain decimal number: [+-]digits[.digits][e[+-]digits].
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// parseNumber parses a decimal number written in a query.
func parseNumber(s string) (float64, bool) {
	if !isDecimal(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// parseBool parses a boolean written in a query.
func parseBool(s string) (bool, bool) {
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// datePeriod parses an ISO 8601 date or date-time as written in a query and returns the period it
// stands for: [start, end). "2017" is the whole year, "2017-12" the month, "2017-12-31" the day, and a
// date-time the minute, second or fraction of a second it is written to. Without a zone, UTC is meant.
func datePeriod(s string) (start, end time.Time, ok bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return time.Time{}, time.Time{}, false
	}
	type layout struct {
		layout string
		step   func(time.Time) time.Time
	}
	addDate := func(y, m, d int) func(time.Time) time.Time {
		return func(t time.Time) time.Time { return t.AddDate(y, m, d) }
	}
	switch len(s) {
	case 4, 7, 10:
		for _, l := range []layout{{"2006", addDate(1, 0, 0)}, {"2006-01", addDate(0, 1, 0)}, {"2006-01-02", addDate(0, 0, 1)}} {
			if len(l.layout) != len(s) {
				continue
			}
			t, err := time.Parse(l.layout, s)
			if err != nil {
				return time.Time{}, time.Time{}, false
			}
			return t, l.step(t), true
		}
	}
	if len(s) < 16 || s[10] != 'T' {
		return time.Time{}, time.Time{}, false
	}
	// A date-time: find how precise it is from the part after the minutes.
	rest := s[16:]
	step := time.Minute
	if strings.HasPrefix(rest, ":") {
		step = time.Second
		rest = rest[1:]
		if len(rest) < 2 {
			return time.Time{}, time.Time{}, false
		}
		rest = rest[2:]
		if strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, ",") {
			digits := 1
			for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' {
				digits++
			}
			digits-- // the dot
			if digits == 0 || digits > 9 {
				return time.Time{}, time.Time{}, false
			}
			step = time.Nanosecond
			for range 9 - digits {
				step *= 10
			}
		}
	}
	for _, l := range []string{"2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, t.Add(step), true
		}
	}
	return time.Time{}, time.Time{}, false
}

// docTime returns v as a time if it is a date-time string (as Auth0 stores created_at and friends).
func docTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t, true
		}
		if len(x) == len("2006-01-02") {
			if t, err := time.Parse("2006-01-02", x); err == nil {
				return t, true
			}
		}
	case time.Time:
		return x, true
	}
	return time.Time{}, false
}

// equalLower reports whether s, lower-cased rune by rune, equals lower (already lower-cased).
func equalLower(s, lower string) bool {
	for s != "" && lower != "" {
		r, w := utf8.DecodeRuneInString(s)
		l, lw := utf8.DecodeRuneInString(lower)
		if unicode.ToLower(r) != l {
			return false
		}
		s, lower = s[w:], lower[lw:]
	}
	return s == "" && lower == ""
}

// compareLower compares s lower-cased rune by rune with lower (already lower-cased), like strings.Compare.
func compareLower(s, lower string) int {
	for s != "" && lower != "" {
		r, w := utf8.DecodeRuneInString(s)
		l, lw := utf8.DecodeRuneInString(lower)
		r = unicode.ToLower(r)
		if r != l {
			if r < l {
				return -1
			}
			return 1
		}
		s, lower = s[w:], lower[lw:]
	}
	switch {
	case s == "" && lower == "":
		return 0
	case s == "":
		return -1
	}
	return 1
}

// lowerString lower-cases s rune by rune (the same folding equalLower applies).
func lowerString(s string) string {
	return strings.Map(unicode.ToLower, s)
}

// globMatch reports whether s matches pat, where a star element matches any run of runes. When fold is
// set, runes of s are lower-cased before comparing (pat is then already lower-cased). It runs in
// O(len(s)·len(pat)) time at worst and does not allocate.
func globMatch(pat []pelem, s string, fold bool) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pat) || sx < len(s) {
		if px < len(pat) {
			e := pat[px]
			if e.star {
				// Try matching the empty run first; remember where to retry with one more rune.
				nextPx = px
				nextSx = sx + 1
				if sx < len(s) {
					_, w := utf8.DecodeRuneInString(s[sx:])
					nextSx = sx + w
				}
				px++
				continue
			}
			if sx < len(s) {
				r, w := utf8.DecodeRuneInString(s[sx:])
				if fold {
					r = unicode.ToLower(r)
				}
				if r == e.r {
					px++
					sx += w
					continue
				}
			}
		}
		if nextPx >= 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}
