package handlers

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestVerifierConfig covers checklist item 8: the ID-token verifier allows RS256 only and
// none of go-oidc's checks is switched off.
func TestVerifierConfig(t *testing.T) {
	c := verifierConfig("client", time.Now)
	if c.ClientID != "client" {
		t.Errorf("ClientID = %q", c.ClientID)
	}
	if len(c.SupportedSigningAlgs) != 1 || c.SupportedSigningAlgs[0] != "RS256" {
		t.Errorf("SupportedSigningAlgs = %q, want [RS256]", c.SupportedSigningAlgs)
	}
	if c.SkipClientIDCheck || c.SkipExpiryCheck || c.SkipIssuerCheck || c.InsecureSkipSignatureCheck {
		t.Errorf("an insecure verifier option is set: %+v", c)
	}
	if c.Now == nil {
		t.Error("Now is nil: the injected clock is not used")
	}
}

// TestNoInsecureOIDCOptions fails when any code of this package names one of go-oidc's
// check-disabling options (checklist item 8's CI ban).
func TestNoInsecureOIDCOptions(t *testing.T) {
	banned := regexp.MustCompile(`InsecureSkipSignatureCheck|SkipClientIDCheck|SkipIssuerCheck|SkipExpiryCheck|InsecureIssuerURLContext`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := banned.Find(b); m != nil {
			t.Errorf("%s uses %s", f, m)
		}
	}
}
