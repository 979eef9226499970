package auth0apitest

import (
	"regexp"
	"slices"
	"strings"
)

// sortOrder is a parsed sort parameter ("field:1" or "field:-1").
type sortOrder struct {
	path []string // the field, split at dots
	desc bool
	fold bool // compare case-insensitively (Auth0's normalized fields)
}

var sortPattern = regexp.MustCompile(`^(([a-zA-Z0-9_\.]+))\:(1|-1)$`)

// normalizedFields are searched and sorted case-insensitively by Auth0.
var normalizedFields = []string{"email", "name", "given_name", "family_name", "nickname"}

// parseSort reads the sort parameter; nil means the default order.
func parseSort(raw string) (*sortOrder, *apiError) {
	if raw == "" {
		return nil, nil
	}
	if !sortPattern.MatchString(raw) {
		return nil, queryError("String does not match pattern "+sortPattern.String()+": "+raw, "sort")
	}
	field, dir, _ := strings.Cut(raw, ":")
	if strings.HasPrefix(field, "app_metadata") || strings.HasPrefix(field, "user_metadata") {
		return nil, errBadQuery("Sorting by app_metadata or user_metadata is not supported.")
	}
	return &sortOrder{path: strings.Split(field, "."), desc: dir == "-1", fold: slices.Contains(normalizedFields, field)}, nil
}

// matcher decides whether a user matches a search.
type matcher interface {
	Match(doc map[string]any) bool
}

// search returns the users in [lo, hi) of the matches of m (all users
// when m is nil) in order, and how many match in all. Users are returned
// as stored (immutable objects), so no copy is made.
func (t *Tenant) search(m matcher, order *sortOrder, lo, hi int) ([]map[string]any, int) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if order == nil {
		// Default order: no need to collect every match, only the window.
		var page []map[string]any
		total := 0
		for _, rec := range t.dir.order {
			if m != nil && !m.Match(rec.obj) {
				continue
			}
			if total >= lo && total < hi {
				page = append(page, rec.obj)
			}
			total++
		}
		return page, total
	}
	// Sort keys are looked up once per match, not once per comparison.
	type keyed struct {
		key any
		has bool
		obj map[string]any
	}
	matched := make([]keyed, 0, 64)
	for _, rec := range t.dir.order {
		if m == nil || m.Match(rec.obj) {
			k, ok := lookupPath(rec.obj, order.path)
			if s, isString := k.(string); isString && order.fold {
				k = strings.ToLower(s)
			}
			matched = append(matched, keyed{key: k, has: ok, obj: rec.obj})
		}
	}
	slices.SortStableFunc(matched, func(a, b keyed) int { return order.compareKeys(a.key, a.has, b.key, b.has) })
	lo, hi = min(lo, len(matched)), min(hi, len(matched))
	page := make([]map[string]any, 0, hi-lo)
	for _, k := range matched[lo:hi] {
		page = append(page, k.obj)
	}
	return page, len(matched)
}

// lookupPath follows a dotted path into a user object.
func lookupPath(doc map[string]any, path []string) (any, bool) {
	var cur any = doc
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, cur != nil
}

// compare orders two users; users without the field come last either way.
func (o *sortOrder) compare(a, b map[string]any) int {
	va, oka := lookupPath(a, o.path)
	vb, okb := lookupPath(b, o.path)
	return o.compareKeys(va, oka, vb, okb)
}

// compareKeys orders two sort keys (has: the field exists).
func (o *sortOrder) compareKeys(va any, oka bool, vb any, okb bool) int {
	switch {
	case !oka && !okb:
		return 0
	case !oka:
		return 1
	case !okb:
		return -1
	}
	c := compareValues(va, vb, o.fold)
	if o.desc {
		return -c
	}
	return c
}

// compareValues orders JSON values: numbers, then booleans, then strings.
func compareValues(a, b any, fold bool) int {
	rank := func(v any) int {
		switch v.(type) {
		case float64:
			return 0
		case bool:
			return 1
		case string:
			return 2
		}
		return 3
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case float64:
		y := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case string:
		y := b.(string)
		if fold {
			return strings.Compare(strings.ToLower(x), strings.ToLower(y))
		}
		return strings.Compare(x, y)
	}
	return 0
}
