package policy

import (
	_ "embed"
	"slices"
)

//go:embed demo.yaml
var demoFile []byte

// DemoSource is the name problems and Policy.Source give the demo policy.
const DemoSource = "policy/demo.yaml"

// DemoFile returns the demo policy file (YAML), a copy: the three built-in groups written out
// (admin, helpdesk, viewer, with the default claim values), a regional helpdesk (emea-helpdesk,
// app_metadata.region "emea"), a partner's administrators (acme-partner-admins: acme-saml and the
// database users stamped app_metadata.partner "acme") and a read-only auditor.
func DemoFile() []byte { return slices.Clone(demoFile) }

// Demo loads the demo policy.
func Demo() (*Policy, error) { return Load(demoFile, DemoSource) }
