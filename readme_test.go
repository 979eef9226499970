package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"userdesk/config"
)

// TestReadmeSettingsTable: the README's table of settings is the one config generates, so the
// README and the code stay in step. To update it, paste the table `go run . -h` prints between
// the markers.
func TestReadmeSettingsTable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin = "<!-- The table is generated from config.Settings"
	const end = "<!-- end of the settings table -->"
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the settings table markers %q … %q", begin, end)
	}
	block := s[i:j]
	got := strings.TrimSpace(block[strings.Index(block, "-->")+len("-->"):])

	var want bytes.Buffer
	if err := config.WriteMarkdown(&want); err != nil {
		t.Fatal(err)
	}
	if got != strings.TrimSpace(want.String()) {
		t.Errorf("README.md's settings table differs from config.Settings; replace it with the table `go run . -h` prints:\n%s", want.String())
	}
}
