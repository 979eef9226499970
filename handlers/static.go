package handlers

import (
	"io"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

// serveStatic serves the embedded static files. Directories and anything outside the tree are
// 404s (fs.ValidPath refuses "..", and the name is used as routed, never decoded again). A URL
// with the current ?v= is cached for a year; others must be revalidated.
func (s *server) serveStatic(c echo.Context) error {
	name := c.Param("*")
	if !fs.ValidPath(name) || name == "." {
		return echo.ErrNotFound
	}
	f, err := s.static.Open(name)
	if err != nil {
		return echo.ErrNotFound
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		return echo.ErrNotFound
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	if c.QueryParam("v") == s.assetVer {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(c.Response(), c.Request(), info.Name(), info.ModTime(), rs)
	return nil
}
