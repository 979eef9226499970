package auth0apitest

import (
	"slices"
	"strconv"
	"strings"
)

// paramDescriptions are the OAS descriptions Auth0 quotes in query
// validation errors.
var paramDescriptions = map[string]string{
	"page":           "Page index of the results to return. First page is 0.",
	"per_page":       "Number of results per page.",
	"include_totals": "Return results inside an object that contains the total result count (true) or as a direct array of results (false, default).",
	"include_fields": "Whether specified fields are to be included (true) or excluded (false).",
	"sort":           "Field to sort by. Use <code>field:order</code> where order is <code>1</code> for ascending and <code>-1</code> for descending. e.g. <code>created_at:1</code>",
	"search_engine":  "The version of the search engine",
	"primary_order":  "If true (default), results are returned in a deterministic order.",
	"email":          "Email address to search for (case-sensitive).",
	// Account security (issue 12).
	"take": "Number of results per page. Defaults to 50.",
}

func queryError(msg, prop string) *apiError {
	return errValidation("Query", msg, prop, paramDescriptions[prop])
}

// intParam reads an integer query parameter within [lo, hi] (hi < 0: no
// upper bound); it reports whether it was present.
func intParam(q *request, name string, lo, hi, def int) (int, bool, *apiError) {
	raw, ok := q.query[name]
	if !ok || len(raw) == 0 {
		return def, false, nil
	}
	n, err := strconv.Atoi(raw[0])
	if err != nil {
		return 0, true, queryError("Expected type integer but found type string", name)
	}
	if n < lo {
		return 0, true, queryError("Value "+raw[0]+" is less than minimum "+strconv.Itoa(lo), name)
	}
	if hi >= 0 && n > hi {
		return 0, true, queryError("Value "+raw[0]+" is greater than maximum "+strconv.Itoa(hi), name)
	}
	return n, true, nil
}

// boolParam reads a boolean query parameter ("true"/"false").
func boolParam(q *request, name string, def bool) (bool, *apiError) {
	raw, ok := q.query[name]
	if !ok || len(raw) == 0 {
		return def, nil
	}
	switch raw[0] {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, queryError("Expected type boolean but found type string", name)
}

// paging is a list request's offset paging.
type paging struct {
	start, limit int
	totals       bool
}

// pageParams reads page, per_page and include_totals. perPageMin and
// perPageMax are the endpoint's bounds for per_page, def its default.
func pageParams(q *request, perPageMin, perPageMax, def, pageMax int) (paging, *apiError) {
	page, _, err := intParam(q, "page", 0, pageMax, 0)
	if err != nil {
		return paging{}, err
	}
	perPage, _, err := intParam(q, "per_page", perPageMin, perPageMax, def)
	if err != nil {
		return paging{}, err
	}
	totals, err := boolParam(q, "include_totals", false)
	if err != nil {
		return paging{}, err
	}
	return paging{start: page * perPage, limit: perPage, totals: totals}, nil
}

// window returns the [lo, hi) bounds of the page over n items.
func (p paging) window(n int) (int, int) {
	lo := min(p.start, n)
	hi := min(p.start+p.limit, n)
	return lo, hi
}

// envelope builds a paging envelope: {<key>: items, start, limit, total}
// plus length when withLength (only /users and logs have it).
func (p paging) envelope(key string, items []any, total int, withLength bool) map[string]any {
	env := map[string]any{key: items, "start": p.start, "limit": p.limit, "total": total}
	if withLength {
		env["length"] = len(items)
	}
	return env
}

// list answers a list endpoint: a bare array, or the envelope when
// include_totals is true.
func (p paging) list(key string, all []any, withLength bool) any {
	lo, hi := p.window(len(all))
	items := append([]any{}, all[lo:hi]...)
	if !p.totals {
		return items
	}
	return p.envelope(key, items, len(all), withLength)
}

// fieldSelection is the fields/include_fields projection.
type fieldSelection struct {
	fields  []string
	include bool
}

func fieldParams(q *request) (fieldSelection, *apiError) {
	include, err := boolParam(q, "include_fields", true)
	if err != nil {
		return fieldSelection{}, err
	}
	var fields []string
	if raw := q.query.Get("fields"); raw != "" {
		for f := range strings.SplitSeq(raw, ",") {
			if f = strings.TrimSpace(f); f != "" {
				fields = append(fields, f)
			}
		}
	}
	return fieldSelection{fields: fields, include: include}, nil
}

// apply projects a user object (which it never modifies).
func (s fieldSelection) apply(u map[string]any) map[string]any {
	if len(s.fields) == 0 {
		return u
	}
	out := map[string]any{}
	if s.include {
		for _, f := range s.fields {
			if v, ok := u[f]; ok {
				out[f] = v
			}
		}
		return out
	}
	for k, v := range u {
		if !slices.Contains(s.fields, k) {
			out[k] = v
		}
	}
	return out
}
