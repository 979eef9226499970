package views

import (
	"slices"
	"strings"

	"userdesk/auth0api"
)

// PermissionKey identifies a permission of the user in the picker: the API's identifier and
// the scope, separated by the last space (scopes hold none).
func PermissionKey(api, scope string) string { return api + " " + scope }

// SplitPermissionKey undoes PermissionKey.
func SplitPermissionKey(k string) (api, scope string, ok bool) {
	i := strings.LastIndexByte(k, ' ')
	if i <= 0 || i == len(k)-1 {
		return "", "", false
	}
	return k[:i], k[i+1:], true
}

// isDirect reports whether the permission was given to the user directly (and so can be
// removed from the user), rather than only through a role.
func isDirect(p auth0api.Permission) bool {
	if len(p.Sources) == 0 {
		return true
	}
	for _, s := range p.Sources {
		if strings.EqualFold(s.SourceType, "DIRECT") {
			return true
		}
	}
	return false
}

// permissionSources says where a permission comes from: "Direct", "Role support-viewer", ….
func permissionSources(p auth0api.Permission) string {
	if len(p.Sources) == 0 {
		return "Direct"
	}
	var out []string
	for _, s := range p.Sources {
		switch {
		case strings.EqualFold(s.SourceType, "DIRECT"):
			out = append(out, "Direct")
		case strings.EqualFold(s.SourceType, "ROLE"):
			name := s.SourceName
			if name == "" {
				name = s.SourceID
			}
			out = append(out, "Role "+name)
		default:
			out = append(out, s.SourceType)
		}
	}
	return strings.Join(out, ", ")
}

// secOrDash shows "—" for an empty value.
func secOrDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// secSortedKeys returns the keys of a set, sorted.
func secSortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
