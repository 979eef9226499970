package auth0api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds the one mechanism every model uses to keep Auth0 objects
// intact. Auth0 objects are open (any key may appear) and PATCH semantics
// depend on whether a key is absent, null or set, so a model must give back
// exactly what it was decoded from:
//
//   - every key the Go type knows (its json tag) fills the field; a value of
//     an unexpected JSON type (email_verified as "true", identities[].user_id
//     as a number) is read leniently, never failing the whole object;
//   - every other key is kept in the model's Extra map;
//   - the JSON each known key arrived with is remembered (seen), and a field
//     still equal to what was decoded is written back byte for byte, so nulls,
//     absences, number formats and odd types survive a decode/encode cycle.
//     A field the caller changed is encoded from its Go value.
//
// A model declares a codec once (a read-only table built by reflection when
// the package is initialised) and two one-line methods that call it.

// seen remembers, for one decoded object, the JSON each known key arrived
// with, indexed like the codec's fields; nil means the key was absent. Models
// hold it by pointer (immutable once decoded, so copies may share it), which
// also keeps %v output of a model readable.
type seen struct {
	raw []json.RawMessage
}

type fieldKind uint8

const (
	kindOther   fieldKind = iota // decoded with encoding/json
	kindString                   // also accepts a JSON number (kept as its digits)
	kindBool                     // also accepts "true" / "false" strings
	kindInt                      // also accepts a quoted or integral float number
	kindFloat                    // also accepts a quoted number
	kindTime                     // RFC 3339; written back with milliseconds and Z, as Auth0 does
	kindDynamic                  // holds interface values: numbers decode as json.Number
	kindStrings                  // []string
	kindModels                   // a slice of models (their own UnmarshalJSON)
)

// auth0Time is the layout of Auth0's timestamps: "2023-01-25T19:00:26.539Z".
const auth0Time = "2006-01-02T15:04:05.000Z07:00"

type codecField struct {
	name  string
	key   []byte // `"name":`, ready to append
	index []int
	typ   reflect.Type
	kind  fieldKind
}

// codec is the read-only description of one model type T.
type codec[T any] struct {
	fields []codecField
	byName map[string]int
	extra  []int // index path of the Extra field, nil when T has none
}

// newCodec builds the codec of T from its json tags. Fields of embedded
// structs without a json tag are flattened, as encoding/json does. It panics
// on a malformed model type, which is a programming error caught by any test.
func newCodec[T any]() *codec[T] {
	c := &codec[T]{byName: map[string]int{}}
	c.collect(reflect.TypeFor[T](), nil)
	return c
}

func (c *codec[T]) collect(t reflect.Type, prefix []int) {
	for i := range t.NumField() {
		f := t.Field(i)
		idx := append(slices.Clone(prefix), i)
		tag := f.Tag.Get("json")
		switch {
		case f.Name == "Extra" && f.Type == reflect.TypeFor[map[string]json.RawMessage]():
			c.extra = idx
			continue
		case f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct:
			c.collect(f.Type, idx)
			continue
		case !f.IsExported():
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		if _, dup := c.byName[name]; dup {
			panic(fmt.Sprintf("auth0api: %v: duplicate json key %q", t, name))
		}
		key, _ := json.Marshal(name)
		c.byName[name] = len(c.fields)
		c.fields = append(c.fields, codecField{
			name:  name,
			key:   append(key, ':'),
			index: idx,
			typ:   f.Type,
			kind:  kindOf(f.Type),
		})
	}
}

func kindOf(t reflect.Type) fieldKind {
	if t == reflect.TypeFor[time.Time]() {
		return kindTime
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return kindOther
	}
	if t.Kind() == reflect.Slice {
		switch e := t.Elem(); {
		case e.Kind() == reflect.String && !reflect.PointerTo(e).Implements(reflect.TypeFor[json.Unmarshaler]()):
			return kindStrings
		case e.Kind() == reflect.Struct && reflect.PointerTo(e).Implements(reflect.TypeFor[json.Unmarshaler]()):
			return kindModels
		}
	}
	switch t.Kind() {
	case reflect.String:
		return kindString
	case reflect.Bool:
		return kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kindInt
	case reflect.Float32, reflect.Float64:
		return kindFloat
	}
	if holdsInterface(t, 0) {
		return kindDynamic
	}
	return kindOther
}

func holdsInterface(t reflect.Type, depth int) bool {
	if depth > 4 {
		return false
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Pointer:
		return holdsInterface(t.Elem(), depth+1)
	}
	return false
}

// decode fills *v from the JSON object data and records what it saw in *s
// (which must point into *v). A JSON null leaves *v zero.
func (c *codec[T]) decode(data []byte, v *T, s **seen) error {
	var zero T
	*v = zero
	if isNull(data) {
		return nil
	}
	// encoding/json lends data only for the duration of the call.
	data = bytes.Clone(data)
	rv := reflect.ValueOf(v).Elem()
	raw := make([]json.RawMessage, len(c.fields))
	var extra map[string]json.RawMessage
	err := eachMember(data, func(key, val []byte) error {
		i, ok := c.byName[string(key)]
		if !ok && bytes.IndexByte(key, '\\') >= 0 {
			name, err := memberName(key)
			if err != nil {
				return err
			}
			i, ok = c.byName[name]
		}
		if !ok {
			if c.extra != nil {
				name, err := memberName(key)
				if err != nil {
					return err
				}
				if extra == nil {
					extra = make(map[string]json.RawMessage)
				}
				extra[name] = val
			}
			return nil
		}
		raw[i] = val
		c.fields[i].decode(rv.FieldByIndex(c.fields[i].index), val)
		return nil
	})
	if err != nil {
		*v = zero
		return err
	}
	*s = &seen{raw: raw}
	if extra != nil {
		rv.FieldByIndex(c.extra).Set(reflect.ValueOf(extra))
	}
	return nil
}

// forget returns s without the JSON that the named keys arrived with, so that encoding leaves
// those keys out once their fields are zero. s itself is not changed (it may be shared by
// copies of the model).
func (c *codec[T]) forget(s *seen, names ...string) *seen {
	if s == nil {
		return nil
	}
	out := &seen{raw: slices.Clone(s.raw)}
	for _, name := range names {
		if i, ok := c.byName[name]; ok && i < len(out.raw) {
			out.raw[i] = nil
		}
	}
	return out
}

// encode writes *v as a JSON object: known fields in declaration order, then
// Extra's keys in sorted order.
func (c *codec[T]) encode(v *T, s *seen) ([]byte, error) {
	rv := reflect.ValueOf(v).Elem()
	buf := make([]byte, 0, 512)
	buf = append(buf, '{')
	n := 0
	for i := range c.fields {
		f := &c.fields[i]
		fv := rv.FieldByIndex(f.index)
		var raw json.RawMessage
		if s != nil && i < len(s.raw) {
			raw = s.raw[i]
		}
		var out []byte
		switch {
		case raw != nil && f.unchanged(fv, raw):
			out = raw
		case raw == nil && fv.IsZero():
			continue
		default:
			var err error
			if out, err = f.marshal(fv); err != nil {
				return nil, fmt.Errorf("auth0api: encode %s: %w", f.name, err)
			}
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = append(append(buf, f.key...), out...)
		n++
	}
	if c.extra != nil {
		extra, _ := rv.FieldByIndex(c.extra).Interface().(map[string]json.RawMessage)
		for _, k := range slices.Sorted(maps.Keys(extra)) {
			if _, known := c.byName[k]; known {
				continue
			}
			key, _ := json.Marshal(k)
			val := extra[k]
			if len(val) == 0 {
				val = json.RawMessage("null")
			}
			if n > 0 {
				buf = append(buf, ',')
			}
			buf = append(append(append(buf, key...), ':'), val...)
			n++
		}
	}
	return append(buf, '}'), nil
}

// decode sets fv from val leniently: a value of an unexpected type leaves the
// field zero (the raw JSON is still kept and written back).
func (f *codecField) decode(fv reflect.Value, val []byte) {
	if len(val) == 0 || isNull(val) {
		return
	}
	switch f.kind {
	case kindString:
		switch c := val[0]; {
		case c == '"':
			if s, ok := unquote(val); ok {
				fv.SetString(s)
			}
		case c == '-' || (c >= '0' && c <= '9'):
			fv.SetString(string(val))
		}
	case kindBool:
		switch string(val) {
		case "true", `"true"`:
			fv.SetBool(true)
		case "false", `"false"`:
			fv.SetBool(false)
		}
	case kindInt:
		num := bytes.Trim(val, `"`)
		if n, err := strconv.ParseInt(string(num), 10, 64); err == nil && !fv.OverflowInt(n) {
			fv.SetInt(n)
		} else if x, err := strconv.ParseFloat(string(num), 64); err == nil && x == float64(int64(x)) && !fv.OverflowInt(int64(x)) {
			fv.SetInt(int64(x))
		}
	case kindFloat:
		if x, err := strconv.ParseFloat(string(bytes.Trim(val, `"`)), 64); err == nil {
			fv.SetFloat(x)
		}
	case kindTime:
		if s, ok := unquote(val); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				fv.Set(reflect.ValueOf(t))
			}
		}
	case kindStrings:
		if decodeElements(fv, val, func(ev reflect.Value, elem []byte) bool {
			s, ok := unquote(elem)
			ev.SetString(s)
			return ok
		}) != nil {
			fv.SetZero()
		}
	case kindModels:
		if decodeElements(fv, val, func(ev reflect.Value, elem []byte) bool {
			return ev.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(elem) == nil
		}) != nil {
			fv.SetZero()
		}
	case kindDynamic:
		dec := json.NewDecoder(bytes.NewReader(val))
		dec.UseNumber()
		if dec.Decode(fv.Addr().Interface()) != nil {
			fv.SetZero()
		}
	default:
		if json.Unmarshal(val, fv.Addr().Interface()) != nil {
			fv.SetZero()
		}
	}
}

// unchanged reports whether fv still holds what decoding raw gives.
func (f *codecField) unchanged(fv reflect.Value, raw []byte) bool {
	if isNull(raw) {
		return fv.IsZero()
	}
	fresh := reflect.New(f.typ).Elem()
	f.decode(fresh, raw)
	if f.kind == kindTime {
		a, _ := fresh.Interface().(time.Time)
		b, _ := fv.Interface().(time.Time)
		return a.Equal(b)
	}
	return reflect.DeepEqual(fresh.Interface(), fv.Interface())
}

func (f *codecField) marshal(fv reflect.Value) ([]byte, error) {
	if f.kind == kindTime {
		t, _ := fv.Interface().(time.Time)
		if t.IsZero() {
			return []byte("null"), nil
		}
		return strconv.AppendQuote(nil, t.UTC().Format(auth0Time)), nil
	}
	return json.Marshal(fv.Interface())
}

// isNull reports whether b is the JSON literal null (surrounding space allowed).
func isNull(b []byte) bool {
	return string(bytes.TrimSpace(b)) == "null"
}

// unquote returns the string a JSON string literal denotes.
func unquote(val []byte) (string, bool) {
	if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
		return "", false
	}
	inner := val[1 : len(val)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(val, &s) != nil {
		return "", false
	}
	return s, true
}

func memberName(key []byte) (string, error) {
	if bytes.IndexByte(key, '\\') < 0 {
		return string(key), nil
	}
	var s string
	if err := json.Unmarshal(append(append([]byte{'"'}, key...), '"'), &s); err != nil {
		return "", err
	}
	return s, nil
}

var (
	errNotObject = errors.New("auth0api: JSON value is not an object")
	errNotArray  = errors.New("auth0api: JSON value is not an array")
)

// decodeElements fills the slice fv from the JSON array val, decoding each
// element with set; it fails when val is not an array or set refuses an
// element.
func decodeElements(fv reflect.Value, val []byte, set func(ev reflect.Value, elem []byte) bool) error {
	n := 0
	if err := eachElement(val, func([]byte) error { n++; return nil }); err != nil {
		return err
	}
	fv.Set(reflect.MakeSlice(fv.Type(), n, n))
	i := 0
	return eachElement(val, func(elem []byte) error {
		if !set(fv.Index(i), elem) {
			return errNotArray
		}
		i++
		return nil
	})
}

// eachElement calls fn with every element of the JSON array in data.
func eachElement(data []byte, fn func(val []byte) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return errNotArray
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return nil
	}
	for {
		end := skipValue(data, i)
		if end < 0 {
			return errNotArray
		}
		if err := fn(data[i:end:end]); err != nil {
			return err
		}
		i = skipSpace(data, end)
		if i >= len(data) {
			return errNotArray
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return nil
		default:
			return errNotArray
		}
	}
}

// eachMember calls fn with the key (without quotes, still escaped) and the
// raw value of every member of the JSON object in data. data comes from
// encoding/json, which has already checked that it is valid JSON; the scanner
// still refuses anything that is not an object.
func eachMember(data []byte, fn func(key, val []byte) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errNotObject
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return errNotObject
		}
		end := skipString(data, i)
		if end < 0 {
			return errNotObject
		}
		key := data[i+1 : end-1]
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return errNotObject
		}
		i = skipSpace(data, i+1)
		vend := skipValue(data, i)
		if vend < 0 {
			return errNotObject
		}
		if err := fn(key, data[i:vend:vend]); err != nil {
			return err
		}
		i = skipSpace(data, vend)
		if i >= len(data) {
			return errNotObject
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return nil
		default:
			return errNotObject
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string literal starting at
// data[i] (a quote), or -1.
func skipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index just past the JSON value starting at data[i],
// or -1.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				if j = skipString(data, j); j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return j
		}
		j++
	}
	return j
}
