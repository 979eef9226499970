package audit

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Attr is one detail of an event: a key from the vocabulary (see Detail) and a value that is a
// string, a bool, an int64 or a list of strings. Build them with String, Bool, Int, Strings and
// Duration.
type Attr struct {
	Key   string
	Value any
}

// String is a text detail.
func String(key, value string) Attr { return Attr{Key: key, Value: value} }

// Bool is a yes/no detail.
func Bool(key string, value bool) Attr { return Attr{Key: key, Value: value} }

// Int is a number detail.
func Int(key string, value int64) Attr { return Attr{Key: key, Value: value} }

// Strings is a list detail (role ids, field names).
func Strings(key string, values []string) Attr {
	return Attr{Key: key, Value: slices.Clone(values)}
}

// Duration is a duration detail, kept as Go's text form ("168h0m0s").
func Duration(key string, d time.Duration) Attr { return Attr{Key: key, Value: d.String()} }

// Details are an event's attributes, kept sorted by key with one value per key.
type Details []Attr

// Get returns the value of key, or nil.
func (d Details) Get(key string) any {
	for _, a := range d {
		if a.Key == key {
			return a.Value
		}
	}
	return nil
}

// Kind is the type of a detail's value.
type Kind int

// Kinds of detail values.
const (
	KindString  Kind = iota + 1 // text
	KindBool                    // yes/no
	KindInt                     // a whole number
	KindStrings                 // a list of texts
)

// DetailKey declares one detail key of the vocabulary.
type DetailKey struct {
	Key   string
	Kind  Kind
	About string // what it holds, for people reading the trail and for reviewers
}

// DroppedKey is the detail that lists keys a caller passed outside the vocabulary: their
// names are kept (so the omission shows), their values never.
const DroppedKey = "dropped_keys"

// vocabulary is every detail key an event may carry. Keys are declared here, reviewed, with
// their kind: a value of another kind is converted or dropped, an undeclared key is dropped (its
// name listed under dropped_keys). Nothing here may hold a secret: passwords, tokens, recovery
// codes, ticket or enrollment URLs, session ids. TestVocabularyHasNoSecrets holds the line on
// names; the screen in event.go on values.
var vocabulary = []DetailKey{
	{"api", KindString, "resource server identifier of permissions"},
	{"auth0_error", KindString, "Auth0's error code when the Management API refused"},
	{"auth0_status", KindInt, "Auth0's HTTP status when the Management API refused"},
	{"blocked", KindBool, "the blocked flag set"},
	{"client_id", KindString, "application whose login page an e-mail links to"},
	{"clients", KindStrings, "applications whose grants or refresh tokens were revoked"},
	{"columns", KindStrings, "users export: the columns chosen"},
	{"connection", KindString, "Auth0 connection"},
	{"connections", KindStrings, "users export job: the connections Auth0 exports (none: every connection)"},
	{"count", KindInt, "how many things the action touched (sessions ended, users in a job)"},
	{"cutoff", KindString, "retention: events before this time were removed"},
	{"deleted", KindInt, "retention: how many events were removed"},
	{"checkpoint_seq", KindInt, "retention: the first event kept"},
	{DroppedKey, KindStrings, "detail keys a caller passed outside the vocabulary (names only)"},
	{"failed", KindInt, "bulk job: users that failed"},
	{"fields", KindStrings, "profile fields changed"},
	{"filter", KindString, "audit export: the filter applied"},
	{"format", KindString, "audit or users export: the file format"},
	{"host", KindString, "refused request: the Host it named"},
	{"job", KindString, "Auth0 job or bulk job id"},
	{"jobs", KindStrings, "users export: the Auth0 export jobs read"},
	{"limit", KindString, "rate limit that refused a request"},
	{"method_id", KindString, "authentication method id"},
	{"name", KindString, "authentication method's display name"},
	{"origin", KindString, "refused request: the Origin it came from"},
	{"password_generated", KindBool, "create: userdesk generated the initial password (never the password)"},
	{"permissions", KindStrings, "permission names"},
	{"protected_roles", KindStrings, "tenant roles that made the target protected"},
	{"provider", KindString, "MFA provider or identity provider"},
	{"query", KindString, "users export: the search, as the Lucene query it compiled to (before the reach is added)"},
	{"reason", KindString, "why userdesk refused or failed, in words"},
	{"retry_after", KindString, "rate limit: when to try again"},
	{"roles", KindStrings, "role ids"},
	{"secondary_user_id", KindString, "link/unlink: the other account's user id"},
	{"sessions", KindInt, "sessions ended"},
	{"step", KindString, "secure-account: the step"},
	{"steps", KindStrings, "secure-account: the steps done"},
	{"succeeded", KindInt, "bulk job: users done"},
	{"total", KindInt, "users export: how many users the search matched, as Auth0 counted them"},
	{"skipped", KindInt, "bulk job: users skipped (out of reach, protected, staff, oneself)"},
	{"op", KindString, "bulk job: the change it makes (block, roles-assign, ...)"},
	{"state", KindString, "bulk job: how it ended (finished, cancelled)"},
	{"stopped", KindString, "bulk job: why userdesk stopped it (its owner's access ended, or they were signed out everywhere)"},
	{"ttl", KindString, "lifetime of a password-change link"},
	{"type", KindString, "authentication method type"},
	{"types", KindStrings, "authentication method types"},
	{"auth_age", KindString, "step-up: how old the sign-in was"},
	{"amr", KindStrings, "sign-in: authentication methods the provider reported"},
	{"rule", KindString, "the policy's rule that refused (reach, staff, protected, self, action)"},
	{"group", KindString, "the staff group whose rule allowed or refused"},
	{"why", KindString, "the policy's decision in words"},
	{"from", KindString, "revalidation: the person's groups before"},
	{"to", KindString, "revalidation: the person's groups after"},
	{"preferred_authentication_method", KindString, "a phone method's channel (sms or voice)"},
	{"identifier", KindString, "unlock: the e-mail, username or phone number a lockout blocked"},
	{"ips", KindStrings, "unlock: the addresses the cleared lockouts blocked"},
	{"device", KindString, "a session's or refresh token's device in words (browser and system), never its id"},
	{"audience", KindString, "the API (audience) of a grant or refresh token"},
	{"scopes", KindStrings, "the scopes of a revoked grant"},
	{"via", KindString, "how a change was made: the one call Auth0 offers, or the separate calls it fell back to"},
	{"tokens_revoked", KindBool, "sessions: their refresh tokens were revoked too"},
	{"failed_steps", KindStrings, "secure-account: the steps that failed"},
	{"delivery", KindString, "MFA enrollment invitation: e-mailed by Auth0, or a link shown once (never the link)"},
	{"factor", KindString, "MFA enrollment invitation: the factor asked for"},
	{"browser", KindString, "staff sessions: the browser of the session ended, in words (Firefox 128 on Linux)"},
	{"client_ip", KindString, "staff sessions: the address the session ended was last used from"},
}

var kinds = func() map[string]Kind {
	m := make(map[string]Kind, len(vocabulary))
	for _, k := range vocabulary {
		m[k.Key] = k.Kind
	}
	return m
}()

// Vocabulary returns the declared detail keys, sorted.
func Vocabulary() []DetailKey {
	v := slices.Clone(vocabulary)
	slices.SortFunc(v, func(a, b DetailKey) int { return cmp.Compare(a.Key, b.Key) })
	return v
}

// normalize returns d sorted by key, one value per key (the last wins), every value converted to
// its declared kind and screened, cut to the limits; undeclared keys are dropped and named under
// dropped_keys.
func (d Details) normalize() Details {
	out := make(Details, 0, len(d))
	var dropped []string
	for _, a := range d {
		if a.Key == DroppedKey { // from an earlier normalize: keep the names
			if names, ok := convert(KindStrings, a.Value); ok {
				dropped = append(dropped, names.([]string)...)
			}
			continue
		}
		kind, ok := kinds[a.Key]
		if !ok {
			dropped = append(dropped, clean(a.Key, 64))
			continue
		}
		v, ok := convert(kind, a.Value)
		if !ok {
			dropped = append(dropped, a.Key)
			continue
		}
		out = slices.DeleteFunc(out, func(b Attr) bool { return b.Key == a.Key })
		out = append(out, Attr{Key: a.Key, Value: v})
	}
	if len(dropped) > 0 {
		slices.Sort(dropped)
		out = append(out, Attr{Key: DroppedKey, Value: slices.Compact(dropped)})
	}
	slices.SortFunc(out, func(a, b Attr) int { return cmp.Compare(a.Key, b.Key) })
	if len(out) > maxDetails {
		out = out[:maxDetails]
	}
	for len(out) > 0 && len(appendDetails(nil, out)) > maxDetailB {
		out = out[:len(out)-1]
	}
	return out
}

// convert returns v as the Go type of kind (string, bool, int64, []string), cleaned and
// screened, or false when it cannot be.
func convert(kind Kind, v any) (any, bool) {
	switch kind {
	case KindString:
		switch x := v.(type) {
		case string:
			return screen(clean(x, maxValue)), true
		case fmt.Stringer:
			return screen(clean(x.String(), maxValue)), true
		}
	case KindBool:
		if x, ok := v.(bool); ok {
			return x, true
		}
	case KindInt:
		switch x := v.(type) {
		case int:
			return int64(x), true
		case int64:
			return x, true
		case int32:
			return int64(x), true
		case json.Number:
			n, err := x.Int64()
			return n, err == nil
		}
	case KindStrings:
		var in []string
		switch x := v.(type) {
		case []string:
			in = x
		case []any:
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				in = append(in, s)
			}
		default:
			return nil, false
		}
		out := make([]string, 0, min(len(in), maxList))
		for _, s := range in {
			if len(out) == maxList {
				break
			}
			out = append(out, screen(clean(s, maxValue)))
		}
		return out, true
	}
	return nil, false
}

// Text returns a detail value as text for people: lists joined with ", ".
func Text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case int64:
		return strconv.FormatInt(x, 10)
	case []string:
		return strings.Join(x, ", ")
	}
	return fmt.Sprint(v)
}

// parseDetails reads the canonical details JSON the store keeps.
func parseDetails(s string) (Details, error) {
	if s == "" || s == "{}" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("audit: details: %w", err)
	}
	out := make(Details, 0, len(m))
	for k, v := range m {
		kind := kinds[k]
		if kind == 0 {
			kind = guessKind(v)
		}
		if c, ok := convert(kind, v); ok {
			out = append(out, Attr{Key: k, Value: c})
		}
	}
	slices.SortFunc(out, func(a, b Attr) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}

// guessKind is for keys stored by a newer userdesk that this one does not declare.
func guessKind(v any) Kind {
	switch v.(type) {
	case bool:
		return KindBool
	case json.Number:
		return KindInt
	case []any:
		return KindStrings
	}
	return KindString
}
