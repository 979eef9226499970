// Package reftest gives tests the reference material that lives beside the
// checkout, in ../shared/reference: Auth0's OpenAPI description of the Users
// endpoints and real HTTP exchanges recorded against Auth0 (go-vcr cassettes).
//
// That material is never copied into this module. Tests that need it call
// Dir, OpenAPI or Recordings, which skip the test with a message when the
// folder is absent. CI has it; set USERDESK_REFERENCE to point elsewhere.
package reftest

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Dir returns the reference folder, or skips the test when it cannot be found.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("USERDESK_REFERENCE"); d != "" {
		if _, err := os.Stat(d); err == nil {
			return d
		}
		t.Skipf("reference material: USERDESK_REFERENCE=%s does not exist", d)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Skipf("reference material: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			ref := filepath.Join(dir, "..", "shared", "reference")
			if _, err := os.Stat(ref); err != nil {
				t.Skipf("reference material not found at %s (it sits beside the checkout in CI)", ref)
			}
			return ref
		}
		if filepath.Dir(dir) == dir {
			t.Skip("reference material: no go.mod above the working directory")
		}
	}
}

// OpenAPI returns Auth0's OpenAPI 3.1 description of the Users endpoints.
func OpenAPI(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(t), "auth0-openapi-users.json"))
	if err != nil {
		t.Skipf("reference OpenAPI file: %v", err)
	}
	return b
}

// Interaction is one recorded HTTP exchange with Auth0.
type Interaction struct {
	// File is the cassette's path relative to the recordings folder, and
	// Index the exchange's position in it; together they name the exchange.
	File  string
	Index int

	Method         string
	URL            string
	RequestBody    string
	RequestHeader  map[string][]string
	Status         int
	ResponseBody   string
	ResponseHeader map[string][]string
}

// Name identifies the interaction in test output, e.g. "TestUserManager_Read.yaml#1".
func (i Interaction) Name() string { return i.File + "#" + strconv.Itoa(i.Index) }

type cassette struct {
	Interactions []struct {
		Request struct {
			Body    string              `yaml:"body"`
			Headers map[string][]string `yaml:"headers"`
			URL     string              `yaml:"url"`
			Method  string              `yaml:"method"`
		} `yaml:"request"`
		Response struct {
			Body    string              `yaml:"body"`
			Headers map[string][]string `yaml:"headers"`
			Code    int                 `yaml:"code"`
		} `yaml:"response"`
	} `yaml:"interactions"`
}

// Recordings returns every recorded exchange of auth0-recordings/, in file
// then recording order.
func Recordings(t testing.TB) []Interaction {
	t.Helper()
	return RecordingsIn(t, "auth0-recordings")
}

// AccountRecordings returns every recorded exchange of
// auth0-recordings-account/ (sessions, refresh tokens, grants, jobs and
// tickets), in file then recording order.
func AccountRecordings(t testing.TB) []Interaction {
	t.Helper()
	return RecordingsIn(t, "auth0-recordings-account")
}

// RecordingsIn returns every recorded exchange of the reference folder
// folder, in file then recording order; Interaction.File is relative to it.
func RecordingsIn(t testing.TB, folder string) []Interaction {
	t.Helper()
	root := filepath.Join(Dir(t), folder)
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Skipf("reference recordings: %v", err)
	}
	sort.Strings(files)
	var out []Interaction
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read recording: %v", err)
		}
		var c cassette
		if err := yaml.Unmarshal(raw, &c); err != nil {
			t.Fatalf("parse recording %s: %v", f, err)
		}
		rel, _ := filepath.Rel(root, f)
		for i, in := range c.Interactions {
			out = append(out, Interaction{
				File:           filepath.ToSlash(rel),
				Index:          i,
				Method:         in.Request.Method,
				URL:            in.Request.URL,
				RequestBody:    strings.TrimSpace(in.Request.Body),
				RequestHeader:  in.Request.Headers,
				Status:         in.Response.Code,
				ResponseBody:   in.Response.Body,
				ResponseHeader: in.Response.Headers,
			})
		}
	}
	if len(out) == 0 {
		t.Skipf("reference recordings: none found under %s", root)
	}
	return out
}
