package handlers

import "testing"

// TestLocalPath covers security-checklist item 13: every vector of oauth2-proxy's redirect
// validator ends at "/", and ordinary paths survive.
func TestLocalPath(t *testing.T) {
	refused := []string{
		"", "//evil.com", `/\evil.com`, "/\t/evil.com", "/%09/evil.com", "/\n/evil.com", `/\r\evil.com`,
		"/ /evil.com", `/./\evil.com`, `/./../../\evil.com`, "/\v/evil.com", "https://evil.com",
		"https://dash.example.com.evil.com/", "javascript:alert(1)", "%2F%2Fevil.com", "/%2F/evil.com",
		"//evil.example", "https://evil.example", "http:/evil.com", "/%5Cevil.com", "/\x00", "\\\\evil.com",
		"evil.com", "/login", "/callback?x=1", "/logout", "/signed-out", "/%0d%0aSet-Cookie:x=1",
		"/users\r\nSet-Cookie: x=1", "/\u2028evil", string(make([]byte, 3000)),
	}
	for _, v := range refused {
		if got := localPath(v); got != "/" {
			t.Errorf("localPath(%q) = %q, want /", v, got)
		}
	}
	kept := []string{"/", "/users", "/users?q=email%3A%22a%40b.c%22&page=2", "/users/auth0%7C123", "/users/auth0|123/logs"}
	for _, v := range kept {
		if got := localPath(v); got != v {
			t.Errorf("localPath(%q) = %q, want it kept", v, got)
		}
	}
}

func TestSignInURL(t *testing.T) {
	tests := map[string]string{
		"/":                 "/login",
		"//evil.example":    "/login",
		"/users?page=2":     "/login?return_to=%2Fusers%3Fpage%3D2",
		"/users\r\nX: 1":    "/login",
		"https://evil.test": "/login",
	}
	for in, want := range tests {
		if got := signInURL(in); got != want {
			t.Errorf("signInURL(%q) = %q, want %q", in, got, want)
		}
	}
}
