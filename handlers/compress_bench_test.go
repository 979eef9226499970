package handlers

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCompressHTML compares gzip levels on a real answer: the users page (a full page)
// and a search partial. gzipLevel is chosen from it: the size each level gives, and its cost.
//
//	go test -run '^$' -bench CompressHTML ./handlers/
func BenchmarkCompressHTML(b *testing.B) {
	a, cookie := benchApp(b)
	for _, page := range []struct {
		name, path string
		htmx       bool
	}{{"page", "/users", false}, {"partial", "/users?q=ma", true}} {
		rec := httptest.NewRecorder()
		a.srv.e.ServeHTTP(rec, benchRequest(b, a, cookie, page.path, page.htmx))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d:\n%.300s", page.path, rec.Code, rec.Body.String())
		}
		html := rec.Body.Bytes()
		for _, level := range []int{gzip.BestSpeed, 3, gzipLevel, gzip.DefaultCompression, gzip.BestCompression} {
			b.Run(fmt.Sprintf("%s/level=%d", page.name, level), func(b *testing.B) {
				var buf bytes.Buffer
				w, _ := gzip.NewWriterLevel(&buf, level)
				b.SetBytes(int64(len(html)))
				for b.Loop() {
					buf.Reset()
					w.Reset(&buf)
					w.Write(html)
					w.Close()
				}
				b.ReportMetric(float64(len(html)), "bytes-in")
				b.ReportMetric(float64(buf.Len()), "bytes-out")
			})
		}
	}
}
