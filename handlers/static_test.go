package handlers

import (
	"net/http"
	"strings"
	"testing"
)

func TestStaticFiles(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	resp, body := b.get(t, "/static/app.css")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, ".htmx-indicator") {
		t.Errorf("GET /static/app.css = %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, _ = b.get(t, "/static/vendor/htmx.org/htmx.min.js")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Errorf("GET htmx.min.js = %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Directories, traversal and encoded separators (Echo GHSA-vfp3-v2gw-7wfq, CVE-2022-40083).
	for _, p := range []string{"/static/", "/static/vendor", "/static/vendor/", "/static/..%2f..%2fgo.mod",
		"/static/../go.mod", "/static/%2e%2e/go.mod", "/static/vendor/..%2F..%2Fhandlers/handlers.go", "/static//etc/passwd",
		"//evil.example%2f..", "/static/app.css%00"} {
		resp, _ := b.get(t, p)
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 404", p, resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); loc != "" {
			t.Errorf("GET %s redirects to %q", p, loc)
		}
	}
}

func TestAssetVersionChangesWithContent(t *testing.T) {
	v1, err := assetVersion(mapFS{"app.css": "a"})
	must(t, err)
	v2, err := assetVersion(mapFS{"app.css": "b"})
	must(t, err)
	if v1 == v2 || len(v1) != 12 {
		t.Errorf("versions %q and %q", v1, v2)
	}
}
