package handlers

import (
	"net/url"
	"strings"
	"unicode"
)

// localPath returns raw if it is a path on this site that is safe to redirect to after sign-in,
// and "/" otherwise. raw has been decoded once already (it comes from a query parameter). It
// must start with a single "/" and hold no backslash, whitespace or control character, neither
// as is nor after one more decoding: browsers read "/\evil", "/\t/evil" and "//evil" as other
// hosts. Sign-in routes are refused too, so that a sign-in never loops.
func localPath(raw string) string {
	if len(raw) > 2048 || !isLocalPath(raw) {
		return "/"
	}
	if decoded, err := url.PathUnescape(raw); err != nil || !isLocalPath(decoded) {
		return "/"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	switch u.Path {
	case "/login", "/callback", "/logout", "/signed-out":
		return "/"
	}
	return raw
}

func isLocalPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return false
	}
	for _, r := range p {
		if r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}
