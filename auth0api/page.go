package auth0api

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// Page is the offset-paging envelope of a list answer. With include_totals
// Auth0 answers {"start", "limit", "length", "total", "<items>"} and Totals
// is true; without, it answers a bare array and the counts are zero.
// Auth0 leaves out length for some lists and total for an empty
// authentication-methods list; the fields then stay zero (use len of the
// items for the page's length).
type Page struct {
	Start  int `json:"start"`
	Limit  int `json:"limit"`
	Length int `json:"length"`
	Total  int `json:"total"`
	// Next is the checkpoint for the next page, on lists Auth0 pages by
	// checkpoint ("from"/"take") rather than by offset.
	Next   string `json:"next"`
	Totals bool   `json:"-"` // the answer was an envelope with totals, not a bare array

	seen *seen
}

// HasNext reports whether an envelope says results follow this page: a checkpoint, or
// offset counts (start, limit, total) with more after this page. A checkpoint envelope carries
// no start or limit, so its total alone never means more.
func (p Page) HasNext() bool {
	return p.Next != "" || (p.Totals && p.Limit > 0 && p.Total > p.Start+p.Limit)
}

// PageParams selects a page of a list. The zero value asks for the method's
// documented defaults (the seed's: page 0, 25 per page, with totals).
type PageParams struct {
	Page    int // zero-based
	PerPage int // 0 = the method's default
	// IncludeTotals asks for the envelope with totals (true) or a bare array
	// (false); unset = the method's default.
	IncludeTotals Opt[bool]
}

// pageQuery sets page, per_page and include_totals as the seed sends them.
func pageQuery(q url.Values, page, perPage int, totals Opt[bool], defPerPage int, defTotals bool) {
	q.Set("page", strconv.Itoa(page))
	q.Set("per_page", strconv.Itoa(orDefault(perPage, defPerPage)))
	q.Set("include_totals", strconv.FormatBool(totals.Or(defTotals)))
}

// fieldsQuery sets fields (comma-joined, absent when empty) and
// include_fields (always sent, default true), as the seed does.
func fieldsQuery(q url.Values, fields []string, include Opt[bool]) {
	if len(fields) > 0 {
		q.Set("fields", strings.Join(fields, ","))
	}
	q.Set("include_fields", strconv.FormatBool(include.Or(true)))
}

// decodePage decodes a list answer that is either a bare array of items or
// an envelope object.
func decodePage[P, T any](c *codec[P], data []byte, p *P, page *Page, items *[]T) error {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		var zero P
		*p = zero
		return json.Unmarshal(t, items)
	}
	if err := c.decode(data, p, &page.seen); err != nil {
		return err
	}
	page.Totals = !isNull(data)
	return nil
}

// encodePage writes a page back as it came: an envelope or a bare array.
func encodePage[P, T any](c *codec[P], p *P, page *Page, items []T) ([]byte, error) {
	if page.Totals {
		return c.encode(p, page.seen)
	}
	if items == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(items)
}
