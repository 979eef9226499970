// Package userexport writes users to a file, one user at a time: the columns a person may choose
// (a fixed allowlist of profile fields), in CSV or JSON Lines, and the reading of Auth0's
// users-export files (NDJSON) user by user.
//
// A user is what Auth0 returns, decoded as a JSON object (map[string]any, numbers as
// json.Number so that they are written back as Auth0 wrote them). The same user gives the same
// bytes whether it came from a search (GET /api/v2/users) or from an export job's file: the
// writer reads only the JSON values, never a model.
//
// What the file holds:
//   - CSV (RFC 4180, "\n" line ends): a header row of the columns' keys, then one row per user.
//     Strings are written as they are, numbers as Auth0 wrote them, booleans as true/false, a
//     missing value or null as an empty cell, objects and arrays (metadata) as their JSON text.
//     A cell a spreadsheet would run as a formula — one starting with =, +, -, @, a tab or a
//     carriage return — is prefixed with a single quote (OWASP's CSV-injection advice); the
//     profile fields come from users, who can type anything into their names.
//   - JSON Lines: one JSON object per user and per line, with every chosen column as a key, in
//     the order of the allowlist (null when the user has no value), metadata as nested objects.
//
// Identity-provider tokens and the other identity details are never columns: the allowlist has
// the primary identity's connection only.
//
// The package is pure: no HTTP, no Auth0 calls.
package userexport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Format is the file format of an export.
type Format string

// The formats.
const (
	CSV       Format = "csv"
	JSONLines Format = "jsonl"
)

// Formats lists the formats, the default first.
func Formats() []Format { return []Format{CSV, JSONLines} }

// ParseFormat returns the format named s ("csv", "jsonl"), or false.
func ParseFormat(s string) (Format, bool) {
	for _, f := range Formats() {
		if string(f) == s {
			return f, true
		}
	}
	return "", false
}

// ContentType is the format's media type.
func (f Format) ContentType() string {
	if f == JSONLines {
		return "application/x-ndjson; charset=utf-8"
	}
	return "text/csv; charset=utf-8"
}

// Extension is the file name's extension, without the dot.
func (f Format) Extension() string { return string(f) }

// Label names the format for people.
func (f Format) Label() string {
	if f == JSONLines {
		return "JSON Lines"
	}
	return "CSV"
}

// Column is one column a person may choose: a field of the user.
type Column struct {
	// Key names the column in the form, the CSV header and the JSON Lines key.
	Key string
	// Label names it for people.
	Label string
	// Field is the top-level user field it reads (what to ask Auth0 for).
	Field string
	// index, when >= 0, reads Field[index] (an array); sub then reads a key of that element.
	index int
	sub   string
}

// columns is the allowlist, in the order the form and the files give them.
var columns = []Column{
	{Key: "user_id", Label: "User id", Field: "user_id", index: -1},
	{Key: "email", Label: "E-mail address", Field: "email", index: -1},
	{Key: "email_verified", Label: "E-mail verified", Field: "email_verified", index: -1},
	{Key: "name", Label: "Name", Field: "name", index: -1},
	{Key: "given_name", Label: "Given name", Field: "given_name", index: -1},
	{Key: "family_name", Label: "Family name", Field: "family_name", index: -1},
	{Key: "nickname", Label: "Nickname", Field: "nickname", index: -1},
	{Key: "username", Label: "Username", Field: "username", index: -1},
	{Key: "phone_number", Label: "Phone number", Field: "phone_number", index: -1},
	{Key: "phone_verified", Label: "Phone verified", Field: "phone_verified", index: -1},
	{Key: "connection", Label: "Connection", Field: "identities", index: 0, sub: "connection"},
	{Key: "created_at", Label: "Created", Field: "created_at", index: -1},
	{Key: "updated_at", Label: "Updated", Field: "updated_at", index: -1},
	{Key: "last_login", Label: "Last login", Field: "last_login", index: -1},
	{Key: "last_ip", Label: "Last IP address", Field: "last_ip", index: -1},
	{Key: "logins_count", Label: "Logins", Field: "logins_count", index: -1},
	{Key: "blocked", Label: "Blocked", Field: "blocked", index: -1},
	{Key: "picture", Label: "Picture URL", Field: "picture", index: -1},
	{Key: "app_metadata", Label: "App metadata (JSON)", Field: "app_metadata", index: -1},
	{Key: "user_metadata", Label: "User metadata (JSON)", Field: "user_metadata", index: -1},
}

// Columns returns the columns a person may choose, in file order.
func Columns() []Column { return slices.Clone(columns) }

// DefaultColumns are the keys of the columns chosen when the form names none.
func DefaultColumns() []string {
	return []string{"user_id", "email", "email_verified", "name", "connection", "created_at", "last_login", "logins_count", "blocked"}
}

// ErrUnknownColumn is Select's error for a key outside the allowlist.
var ErrUnknownColumn = errors.New("userexport: not a column that can be exported")

// Select returns the columns named by keys, in file order, each once. An unknown key is an
// error (wrapping ErrUnknownColumn) naming it; no key at all gives the default columns.
func Select(keys []string) ([]Column, error) {
	if len(keys) == 0 {
		keys = DefaultColumns()
	}
	var out []Column
	for _, k := range keys {
		if !slices.ContainsFunc(columns, func(c Column) bool { return c.Key == k }) {
			return nil, fmt.Errorf("%w: %q", ErrUnknownColumn, k)
		}
	}
	for _, c := range columns {
		if slices.Contains(keys, c.Key) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Keys returns the columns' keys.
func Keys(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Key
	}
	return out
}

// Fields returns the top-level user fields the columns read, sorted, each once: what to ask
// Auth0 for.
func Fields(cols []Column) []string {
	out := make([]string, 0, len(cols))
	for _, c := range cols {
		out = append(out, c.Field)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Value returns the column's value in user, and whether there is one (null counts as none).
func (c Column) Value(user map[string]any) (any, bool) {
	v, ok := user[c.Field]
	if !ok || v == nil {
		return nil, false
	}
	if c.index < 0 {
		return v, true
	}
	list, ok := v.([]any)
	if !ok || c.index >= len(list) {
		return nil, false
	}
	elem, ok := list[c.index].(map[string]any)
	if !ok {
		return nil, false
	}
	v, ok = elem[c.sub]
	return v, ok && v != nil
}

// Writer writes users to a file. It is not safe for concurrent use.
type Writer struct {
	w      io.Writer
	format Format
	cols   []Column
	csv    *csv.Writer
	bw     *bufio.Writer // JSON Lines
	row    []string      // CSV cells, reused
	buf    bytes.Buffer  // one JSON value at a time
	enc    *json.Encoder // into buf
	rows   int64
}

// NewWriter returns a writer of users in format with cols to w. Call WriteHeader first, then
// Write for each user, and Flush at the end (and whenever what is written should leave).
func NewWriter(w io.Writer, format Format, cols []Column) *Writer {
	x := &Writer{w: w, format: format, cols: cols}
	x.enc = json.NewEncoder(&x.buf)
	x.enc.SetEscapeHTML(false)
	if format == JSONLines {
		x.bw = bufio.NewWriterSize(w, 32<<10)
	} else {
		x.csv = csv.NewWriter(w)
		x.row = make([]string, len(cols))
	}
	return x
}

// WriteHeader writes the CSV header row (the columns' keys); JSON Lines has none.
func (x *Writer) WriteHeader() error {
	if x.csv == nil {
		return nil
	}
	if err := x.csv.Write(Keys(x.cols)); err != nil {
		return fmt.Errorf("userexport: %w", err)
	}
	return nil
}

// Write writes one user.
func (x *Writer) Write(user map[string]any) error {
	if x.csv != nil {
		for i, c := range x.cols {
			v, ok := c.Value(user)
			if !ok {
				x.row[i] = ""
				continue
			}
			cell, err := x.cell(v)
			if err != nil {
				return err
			}
			x.row[i] = cell
		}
		if err := x.csv.Write(x.row); err != nil {
			return fmt.Errorf("userexport: %w", err)
		}
		x.rows++
		return nil
	}
	x.bw.WriteByte('{')
	for i, c := range x.cols {
		if i > 0 {
			x.bw.WriteByte(',')
		}
		x.bw.WriteByte('"')
		x.bw.WriteString(c.Key) // keys are the allowlist's: nothing to escape
		x.bw.WriteString(`":`)
		v, ok := c.Value(user)
		if !ok {
			x.bw.WriteString("null")
			continue
		}
		b, err := x.json(v)
		if err != nil {
			return err
		}
		x.bw.Write(b)
	}
	x.bw.WriteByte('}')
	if err := x.bw.WriteByte('\n'); err != nil {
		return fmt.Errorf("userexport: %w", err)
	}
	x.rows++
	return nil
}

// cell is a value as a CSV cell.
func (x *Writer) cell(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return Defuse(v), nil
	case bool:
		if v {
			return "true", nil
		}
		return "false", nil
	case json.Number:
		return v.String(), nil
	case float64, int, int64:
		return fmt.Sprint(v), nil
	}
	b, err := x.json(v)
	if err != nil {
		return "", err
	}
	return Defuse(string(b)), nil
}

// json is v's JSON text, without HTML escaping (valid until the next call).
func (x *Writer) json(v any) ([]byte, error) {
	x.buf.Reset()
	if err := x.enc.Encode(v); err != nil {
		return nil, fmt.Errorf("userexport: %w", err)
	}
	b := x.buf.Bytes()
	return b[:len(b)-1], nil // Encode's newline
}

// Rows is how many users have been written.
func (x *Writer) Rows() int64 { return x.rows }

// Flush sends what is buffered to the underlying writer, and flushes that too when it can
// (an http.ResponseWriter), so that the rows written so far leave at once.
func (x *Writer) Flush() error {
	if x.csv != nil {
		x.csv.Flush()
		if err := x.csv.Error(); err != nil {
			return fmt.Errorf("userexport: %w", err)
		}
	} else if err := x.bw.Flush(); err != nil {
		return fmt.Errorf("userexport: %w", err)
	}
	switch f := x.w.(type) {
	case interface{ Flush() error }:
		if err := f.Flush(); err != nil {
			return fmt.Errorf("userexport: %w", err)
		}
	case interface{ Flush() }:
		f.Flush()
	}
	return nil
}

// Defuse keeps a spreadsheet from reading a cell as a formula: a cell starting with =, +, -, @,
// a tab or a carriage return gets a leading single quote.
func Defuse(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// MaxLine is the longest user (one line of an export file, in bytes) Read accepts.
const MaxLine = 4 << 20

// ErrLineTooLong is Read's error for a user longer than MaxLine.
var ErrLineTooLong = errors.New("userexport: a user in the export file is longer than the limit")

// Read reads an Auth0 users-export file in the JSON format (NDJSON: one user object per line,
// already decompressed) and calls fn with each user, one at a time, as it arrives: the file is
// never held whole. Blank lines are skipped. It stops at the first error, fn's included.
func Read(r io.Reader, fn func(user map[string]any) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: gather it, up to MaxLine.
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				if line, err = br.ReadSlice('\n'); len(long)+len(line) > MaxLine {
					return ErrLineTooLong
				}
				long = append(long, line...)
			}
			line = long
		}
		if len(bytes.TrimSpace(line)) > 0 {
			user, derr := decodeUser(line)
			if derr != nil {
				return derr
			}
			if ferr := fn(user); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("userexport: read the export: %w", err)
		}
	}
}

// decodeUser decodes one user object, numbers as json.Number.
func decodeUser(line []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var user map[string]any
	if err := dec.Decode(&user); err != nil {
		return nil, fmt.Errorf("userexport: a line of the export is not a JSON object: %w", err)
	}
	if dec.More() {
		return nil, errors.New("userexport: a line of the export holds more than one JSON value")
	}
	if user == nil {
		return nil, errors.New("userexport: a line of the export is null")
	}
	return user, nil
}

// Decode decodes one user as Auth0 sent it (a JSON object), numbers as json.Number, as Read
// does: for users that come from elsewhere (a search) to be written like an export's.
func Decode(b []byte) (map[string]any, error) { return decodeUser(b) }
