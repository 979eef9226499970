package handlers

// Compression. Pages and partials are gzipped on the fly when they are large enough to gain
// from it (render.go); static files are gzipped once, at start-up (static.go). Go's standard
// library has no Brotli or zstd encoder, and gzip is what every browser accepts.
//
// BREACH: a compressed answer that holds a secret next to text an attacker can choose (the
// search box echoes its query) leaks the secret through the answer's size, guess by guess. The
// one secret in our pages is the CSRF token, and it is never written as it is: every answer
// carries it masked with fresh random bytes (maskCSRF), so it never repeats from one answer to
// the next and there is nothing stable for the attacker's guesses to match. The server unmasks
// what comes back (validCSRF). The session cookie is never in a body.

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// gzipMinBytes is the smallest answer worth compressing: below it, gzip's header and the CPU
// cost more than they save.
const gzipMinBytes = 1024

// gzipLevel trades CPU for size on the fly. Level 1 (gzip.BestSpeed, nginx's default) shrinks
// a 22 KB search partial to 4.4 KB in 46 µs; level 5 gets 4.0 KB in 98 µs and level 9 3.9 KB in
// 163 µs (BenchmarkCompressHTML, 2 cores): 10 % fewer bytes is not worth twice the CPU.
const gzipLevel = gzip.BestSpeed

// compressor hands out pooled gzip writers, and the buffers render renders answers into.
type compressor struct {
	writers sync.Pool // *gzip.Writer at gzipLevel
	buffers sync.Pool // *bytes.Buffer
}

// ctxCompressor is the echo.Context key under which compress leaves the server's compressor
// for render.
const ctxCompressor = "userdesk.compressor"

// maxPooledBuffer keeps the buffer of a rare huge answer out of the pool.
const maxPooledBuffer = 1 << 20

// buffer returns an empty buffer, from the pool when z is not nil.
func (z *compressor) buffer() *bytes.Buffer {
	if z != nil {
		if b, ok := z.buffers.Get().(*bytes.Buffer); ok {
			return b
		}
	}
	return new(bytes.Buffer)
}

// release returns b to the pool, when z is not nil.
func (z *compressor) release(b *bytes.Buffer) {
	if z == nil || b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	z.buffers.Put(b)
}

// writer returns a gzip writer that writes to w.
func (z *compressor) writer(w io.Writer) *gzip.Writer {
	if gw, ok := z.writers.Get().(*gzip.Writer); ok {
		gw.Reset(w)
		return gw
	}
	gw, _ := gzip.NewWriterLevel(w, gzipLevel) // the level is valid: no error
	return gw
}

// compress gzips HTML answers of at least gzipMinBytes for clients that accept it. It wraps
// everything after it, error pages included; static files carry their own Content-Encoding and
// pass through untouched.
func (s *server) compress(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		gw := &gzipResponse{ResponseWriter: res.Writer, z: &s.gzip, accepts: acceptsGzip(c.Request()),
			head: c.Request().Method == http.MethodHead}
		res.Writer = gw
		c.Set(ctxCompressor, &s.gzip)
		defer func() {
			res.Writer = gw.ResponseWriter
			if err := gw.finish(); err != nil {
				s.logger(c).Warn("gzip answer", "err", err)
			}
		}()
		if err := next(c); err != nil {
			c.Error(err) // here, so that the error page goes through gw too
		}
		return nil
	}
}

// gzipResponse decides at the first write whether to compress: an HTML body, large enough,
// not encoded already, for a client that accepts gzip. Headers wait for that decision.
type gzipResponse struct {
	http.ResponseWriter
	z       *compressor
	accepts bool
	head    bool
	status  int // pending WriteHeader
	decided bool
	gz      *gzip.Writer // nil: pass through
}

// WriteHeader holds the status until the first write (or finish) decides the headers.
func (w *gzipResponse) WriteHeader(status int) {
	if w.decided || w.status != 0 {
		if w.decided {
			w.ResponseWriter.WriteHeader(status)
		}
		return
	}
	if status < 200 { // informational answers go out as they come
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.status = status
}

// Write compresses p, or passes it through.
func (w *gzipResponse) Write(p []byte) (int, error) {
	if !w.decided {
		w.decide(len(p))
	}
	if w.gz != nil {
		return w.gz.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// decide sets the headers for a body whose first write is n bytes, and sends them.
func (w *gzipResponse) decide(n int) {
	w.decided = true
	h := w.Header()
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	html := strings.HasPrefix(h.Get("Content-Type"), "text/html")
	if html {
		h.Add("Vary", "Accept-Encoding")
	}
	if html && w.accepts && !w.head && n >= gzipMinBytes && h.Get("Content-Encoding") == "" &&
		status != http.StatusNoContent && status != http.StatusNotModified && status != http.StatusPartialContent {
		h.Set("Content-Encoding", "gzip")
		h.Del("Content-Length")
		w.gz = w.z.writer(w.ResponseWriter)
	}
	w.ResponseWriter.WriteHeader(status)
}

// finish sends headers that no write has sent yet and ends the gzip stream.
func (w *gzipResponse) finish() error {
	if !w.decided {
		if w.status == 0 {
			return nil // nothing was answered (a hijacked connection, or net/http's own 200)
		}
		w.decided = true
		w.ResponseWriter.WriteHeader(w.status)
		return nil
	}
	if w.gz == nil {
		return nil
	}
	err := w.gz.Close()
	w.z.writers.Put(w.gz)
	w.gz = nil
	return err
}

// Flush sends what is compressed so far.
func (w *gzipResponse) Flush() {
	if !w.decided {
		w.decide(0)
	}
	if w.gz != nil {
		_ = w.gz.Flush()
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush() // best effort, as http.Flusher
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *gzipResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// acceptsGzip reports whether the request's Accept-Encoding allows gzip (RFC 9110 §12.5.3:
// "gzip", "x-gzip" or "*", unless its weight is 0).
func acceptsGzip(r *http.Request) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, line := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(line, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
						q = f
					} else {
						q = 0
					}
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
