package auth0api

import (
	"encoding/json"
	"fmt"
)

// Opt is an optional value with three states: unset (the zero value), set to
// a value, or set to JSON null. It is used for PATCH bodies, where "leave the
// field alone", "change it" and "remove it" are different requests, and for
// optional query parameters whose zero value is not the default.
//
// Struct fields of type Opt use the `omitzero` JSON option, so an unset Opt
// is left out of the encoded body.
type Opt[T any] struct {
	val   T
	state optState
}

type optState uint8

const (
	optUnset optState = iota
	optValue
	optNull
)

// Set returns an Opt holding v.
func Set[T any](v T) Opt[T] { return Opt[T]{val: v, state: optValue} }

// Null returns an Opt that encodes as JSON null, which tells Auth0 to remove
// the field.
func Null[T any]() Opt[T] { return Opt[T]{state: optNull} }

// IsZero reports whether o is unset. encoding/json's omitzero option calls it.
func (o Opt[T]) IsZero() bool { return o.state == optUnset }

// IsNull reports whether o was set to null.
func (o Opt[T]) IsNull() bool { return o.state == optNull }

// Get returns the value and whether o holds one (false when unset or null).
func (o Opt[T]) Get() (T, bool) { return o.val, o.state == optValue }

// Or returns the value when o holds one, and def otherwise.
func (o Opt[T]) Or(def T) T {
	if o.state == optValue {
		return o.val
	}
	return def
}

// String formats o for logs and test failures: the value, "null" or "unset".
func (o Opt[T]) String() string {
	switch o.state {
	case optValue:
		return fmt.Sprint(o.val)
	case optNull:
		return "null"
	}
	return "unset"
}

// MarshalJSON encodes the value, or null when o is null or unset.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if o.state != optValue {
		return []byte("null"), nil
	}
	return json.Marshal(o.val)
}

// UnmarshalJSON sets o to null for a JSON null and to the decoded value
// otherwise. A field absent from the JSON stays unset.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*o = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Set(v)
	return nil
}
