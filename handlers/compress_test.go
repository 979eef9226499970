package handlers

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"userdesk/auth0api/auth0apitest"
)

// gunzip decompresses body, failing the test when it is not gzip.
func gunzip(t *testing.T, body string) string {
	t.Helper()
	r, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return string(out)
}

// TestCompressedPages: pages, partials and error pages above gzipMinBytes are gzipped for a
// client that accepts it (and say so in Vary), and sent as they are otherwise. Setting
// Accept-Encoding by hand keeps Go's client from decompressing behind the test's back.
func TestCompressedPages(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	tests := []struct {
		name, path, accept string
		htmx               bool
		wantGzip           bool
	}{
		{"page, gzip", "/users", "gzip, deflate, br, zstd", false, true},
		{"partial, gzip", "/users?q=a", "gzip", true, true},
		{"error page, gzip", "/users/nobody%7Cthere", "gzip", false, true},
		{"x-gzip with a weight", "/users", "br;q=1.0, x-gzip;q=0.5", false, true},
		{"any coding", "/users", "*", false, true},
		{"identity only", "/users", "identity", false, false},
		{"gzip refused with q=0", "/users", "gzip;q=0, br", false, false},
		{"any but gzip", "/users", "*, gzip;q=0", false, false},
		{"small answer", "/users?q=" + url.QueryEscape("no-such-user-anywhere@example.com"), "gzip", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := []string{"Accept-Encoding", tt.accept}
			if tt.htmx {
				headers = append(headers, "HX-Request", "true")
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, b.abs(tt.path), nil)
			must(t, err)
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			resp, body := b.do(t, req)
			if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Encoding") {
				t.Errorf("Vary = %q, want Accept-Encoding", resp.Header.Values("Vary"))
			}
			gotGzip := resp.Header.Get("Content-Encoding") == "gzip"
			if gotGzip != tt.wantGzip {
				t.Fatalf("Content-Encoding = %q, want gzip: %v (status %d, %d bytes)", resp.Header.Get("Content-Encoding"), tt.wantGzip, resp.StatusCode, len(body))
			}
			html := body
			if gotGzip {
				html = gunzip(t, body)
				if len(body) >= len(html) {
					t.Errorf("compressed %d bytes into %d", len(html), len(body))
				}
			}
			if !strings.Contains(html, "</") {
				t.Errorf("the answer is not HTML:\n%.200s", html)
			}
		})
	}
}

// TestCompressedRedirect: an answer without a body keeps its status and gains no encoding.
func TestCompressedRedirect(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	resp, body := b.get(t, "/", "Accept-Encoding", "gzip")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/users" || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("GET / = %d to %q, Content-Encoding %q, %d bytes", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Content-Encoding"), len(body))
	}
}

// TestStaticFilesPrecompressed: static files are gzipped once, served with Content-Encoding,
// Vary and an ETag per representation, and revalidate with 304.
func TestStaticFilesPrecompressed(t *testing.T) {
	a := newTestApp(t)
	b := a.newBrowser(t)
	plain, err := os.ReadFile("../static/vendor/htmx.org/htmx.min.js")
	must(t, err)

	resp, gz := b.get(t, "/static/vendor/htmx.org/htmx.min.js", "Accept-Encoding", "gzip, br")
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("Content-Encoding %q, Content-Type %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Type"))
	}
	if got := gunzip(t, gz); got != string(plain) {
		t.Errorf("gunzipped htmx.min.js differs from the file (%d vs %d bytes)", len(got), len(plain))
	}
	if len(gz) > len(plain)/2 {
		t.Errorf("gzip %d bytes of %d", len(gz), len(plain))
	}
	if v := resp.Header.Get("Vary"); !strings.Contains(v, "Accept-Encoding") {
		t.Errorf("Vary = %q", v)
	}
	gzTag := resp.Header.Get("ETag")

	resp, body := b.get(t, "/static/vendor/htmx.org/htmx.min.js", "Accept-Encoding", "identity")
	if resp.Header.Get("Content-Encoding") != "" || body != string(plain) {
		t.Errorf("identity: Content-Encoding %q, %d bytes", resp.Header.Get("Content-Encoding"), len(body))
	}
	plainTag := resp.Header.Get("ETag")
	if gzTag == "" || plainTag == "" || gzTag == plainTag {
		t.Errorf("ETags %q (gzip) and %q (identity): want two different ones", gzTag, plainTag)
	}

	resp, body = b.get(t, "/static/vendor/htmx.org/htmx.min.js", "Accept-Encoding", "gzip", "If-None-Match", gzTag)
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("revalidation = %d with %d bytes, want 304", resp.StatusCode, len(body))
	}
	// The licence does not shrink enough to matter either way; it is served as it is or gzipped,
	// and always whole.
	resp, _ = b.get(t, "/static/vendor/htmx.org/LICENSE", "Accept-Encoding", "gzip")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("LICENSE = %d", resp.StatusCode)
	}
}

// TestLoadAssets: every file is loaded; those that gzip smaller get a gzip representation.
func TestLoadAssets(t *testing.T) {
	big := strings.Repeat("body { color: red; }\n", 200)
	assets, err := loadAssets(fstest.MapFS{
		"app.css":      {Data: []byte(big)},
		"tiny.js":      {Data: []byte("x")},
		"vendor/a.svg": {Data: []byte("<svg/>")},
	})
	must(t, err)
	if len(assets) != 3 {
		t.Fatalf("%d assets, want 3", len(assets))
	}
	css := assets["app.css"]
	if css == nil || css.gz == nil || !strings.HasPrefix(css.ctype, "text/css") {
		t.Fatalf("app.css: %+v", css)
	}
	if got := gunzip(t, string(css.gz)); got != big {
		t.Errorf("app.css gzip does not round-trip")
	}
	if assets["tiny.js"].gz != nil {
		t.Errorf("a one-byte file got a gzip representation")
	}
}

// TestCSRFTokenMasked (BREACH): every answer carries the token with a fresh mask, never the
// session's token as it is, and each masked form is accepted; a tampered one is not.
func TestCSRFTokenMasked(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	pat := regexp.MustCompile(`(?:name="_csrf" value="|X-CSRF-Token&#34;:&#34;)([A-Za-z0-9_-]+)`)

	seen := map[string]bool{}
	raw := ""
	for _, path := range []string{"/users", "/users", "/users/" + url.PathEscape(auth0apitest.FixtureUserID)} {
		_, body := b.get(t, path)
		ms := pat.FindAllStringSubmatch(body, -1)
		if len(ms) < 2 {
			t.Fatalf("found %d tokens in %s, want the header's and the sign-out form's at least", len(ms), path)
		}
		here := map[string]bool{}
		for _, m := range ms {
			tok := m[1]
			if seen[tok] {
				t.Errorf("masked token %q of an earlier answer repeats in %s", tok, path)
			}
			here[tok] = true
			dec, err := base64.RawURLEncoding.DecodeString(tok)
			if err != nil || len(dec) != 64 {
				t.Fatalf("token %q is not 64 bytes of base64url (%v)", tok, err)
			}
			r := base64.RawURLEncoding.EncodeToString(unmask(dec))
			if raw == "" {
				raw = r
			}
			if r != raw {
				t.Errorf("masked tokens unmask to different tokens")
			}
		}
		if strings.Contains(body, raw) {
			t.Fatalf("%s holds the session's CSRF token as it is", path)
		}
		maps.Copy(seen, here)
	}

	// Each masked token is accepted; a tampered one and one of another session are not.
	tok := b.csrfToken(t)
	dec, err := base64.RawURLEncoding.DecodeString(tok)
	must(t, err)
	dec[len(dec)-1] ^= 1
	tampered := base64.RawURLEncoding.EncodeToString(dec)
	other := a.signIn(t, "helpdesk").csrfToken(t)
	for _, tt := range []struct {
		name, token string
		want        int
	}{
		{"tampered", tampered, http.StatusForbidden},
		{"another session's", other, http.StatusForbidden},
		{"truncated", tok[:len(tok)-4], http.StatusForbidden},
		{"not base64", strings.Repeat("*", len(tok)), http.StatusForbidden},
		{"masked", tok, http.StatusSeeOther},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := b.send(t, http.MethodPost, "/logout", nil, append(b.sameOriginHeaders(), "X-CSRF-Token", tt.token)...)
			if resp.StatusCode != tt.want {
				t.Errorf("POST /logout with the %s token = %d, want %d", tt.name, resp.StatusCode, tt.want)
			}
		})
	}
}

// TestMaskCSRF: masking round-trips and never shows the token.
func TestMaskCSRF(t *testing.T) {
	token := randomToken()
	want, _ := base64.RawURLEncoding.DecodeString(token)
	for range 100 {
		m := maskCSRF(token)
		dec, err := base64.RawURLEncoding.DecodeString(m)
		must(t, err)
		if !bytes.Equal(unmask(dec), want) {
			t.Fatalf("unmask(maskCSRF(t)) != t")
		}
		if strings.Contains(m, token) {
			t.Fatalf("masked %q holds the token", m)
		}
	}
	if maskCSRF("") != "" {
		t.Errorf("an empty token must stay empty")
	}
}

// TestAcceptsGzip reads Accept-Encoding as RFC 9110 says.
func TestAcceptsGzip(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=0.1", true},
		{"br, zstd", false},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"gzip;q=bad", false},
		{"*", true},
		{"*;q=0", false},
		{"*, gzip;q=0", false},
		{"gzip;q=0, *", false},
		{"x-gzip", true},
		{"identity", false},
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		if tt.header != "" {
			r.Header.Set("Accept-Encoding", tt.header)
		}
		if got := acceptsGzip(r); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
