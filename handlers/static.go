package handlers

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"

	"github.com/labstack/echo/v4"
)

// asset is one static file, read and compressed once at start-up.
type asset struct {
	name  string
	ctype string
	body  []byte
	gz    []byte // gzip at level 9, nil when it would not be smaller
	etag  string // of body; the gzip representation's is etagGzip
	gzTag string
}

// loadAssets reads every file of fsys and gzips those that shrink, so that a request costs no
// file read and no compression.
func loadAssets(fsys fs.FS) (map[string]*asset, error) {
	assets := map[string]*asset{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		tag := base64.RawURLEncoding.EncodeToString(sum[:12])
		a := &asset{name: name, body: body, ctype: mime.TypeByExtension(path.Ext(name)),
			etag: `"` + tag + `"`, gzTag: `"` + tag + `-gz"`}
		if a.ctype == "" {
			a.ctype = http.DetectContentType(body)
		}
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
		_, _ = w.Write(body)                                    // a bytes.Buffer never fails
		if err := w.Close(); err == nil && buf.Len() < len(body) {
			a.gz = buf.Bytes()
		}
		assets[name] = a
		return nil
	})
	return assets, err
}

// serveStatic serves the static files from memory, gzipped when the client accepts it (with
// Vary: Accept-Encoding), with an ETag per representation. Directories and anything outside
// the tree are 404s (only names found at start-up exist, and the name is used as routed,
// never decoded again). A URL with the current ?v= is cached for a year; others must be
// revalidated (a 304 when the ETag still matches).
func (s *server) serveStatic(c echo.Context) error {
	a, ok := s.assets[c.Param("*")]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	if c.QueryParam("v") == s.assetVer {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("Content-Type", a.ctype)
	body, etag := a.body, a.etag
	if a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(c.Request()) {
			body, etag = a.gz, a.gzTag
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(c.Response(), c.Request(), a.name, time.Time{}, bytes.NewReader(body))
	return nil
}
