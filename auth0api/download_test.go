package auth0api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"userdesk/auth0api"
)

// The export download against plain test servers: what goes out (no token),
// what comes back (decompressed once, streamed), and how it fails (without
// ever naming the secret link).

const secretSig = "Signature=SECRET-SIGNATURE"

// gzipBytes compresses s.
func gzipBytes(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// downloadAll opens and reads a download.
func downloadAll(ctx context.Context, c *auth0api.Client, location string) ([]byte, error) {
	rc, err := c.DownloadUsersExport(ctx, location)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestDownloadSendsNoTokenAndDecompresses(t *testing.T) {
	const csv = "user_id,email\n\"'auth0|1\"\"\",\"'a@example.com\"\n"
	for _, tc := range []struct {
		name     string
		body     []byte
		encoding string
	}{
		{"gzip file", gzipBytes(t, csv), ""},
		{"gzip content encoding", gzipBytes(t, csv), "gzip"},
		{"plain", []byte(csv), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var auth atomic.Value
			auth.Store("unset")
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				auth.Store(r.Header.Get("Authorization"))
				if tc.encoding != "" {
					w.Header().Set("Content-Encoding", tc.encoding)
				}
				w.Write(tc.body)
			}))
			defer srv.Close()
			c := newClient(t, srv.URL) // holds the static token "test-token"
			got, err := downloadAll(t.Context(), c, srv.URL+"/job_1/tenant.csv.gz?Expires=1&"+secretSig)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != csv {
				t.Errorf("content %q, want %q", got, csv)
			}
			if a := auth.Load(); a != "" {
				t.Errorf("the download carried Authorization %q", a)
			}
		})
	}
}

// TestDownloadRefusalsHideTheLink: a refused link, a redirect, a dead host
// and a stalled body all fail with errors that never contain the link's
// signature, and a redirect is not followed.
func TestDownloadRefusalsHideTheLink(t *testing.T) {
	var rows strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&rows, "\"'auth0|%d\"\n", i*7919)
	}
	truncated := gzipBytes(t, rows.String())
	truncated = truncated[:len(truncated)/2]
	stalled := gzipBytes(t, "user_id\n")[:12]
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/expired":
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message><URL>"+r.URL.String()+"</URL></Error>")
		case "/redirect":
			http.Redirect(w, r, other.URL+"/x?"+secretSig, http.StatusFound)
		case "/stall":
			w.Write(stalled)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case "/truncated":
			w.Write(truncated)
		}
	}))
	defer srv.Close()
	c := newClient(t, srv.URL)
	// Only the stalled body waits for the read timeout, kept short here.
	quick := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.ReadTimeout = time.Second })

	var seen []error
	defer func() {
		for _, e := range seen {
			if e != nil && strings.Contains(e.Error(), "SECRET") {
				t.Errorf("error %q contains the link's signature", e)
			}
		}
	}()
	_, err := downloadAll(t.Context(), c, srv.URL+"/expired?"+secretSig)
	seen = append(seen, err)
	var apiErr *auth0api.Error
	if !errors.Is(err, auth0api.ErrForbidden) || !errors.As(err, &apiErr) || !strings.Contains(err.Error(), "expire") {
		t.Errorf("expired link: %v", err)
	}
	_, err = downloadAll(t.Context(), c, srv.URL+"/redirect?"+secretSig)
	seen = append(seen, err)
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound {
		t.Errorf("redirect: %v, want a 302 error", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect was followed (%d requests elsewhere)", n)
	}
	_, err = downloadAll(t.Context(), quick, srv.URL+"/stall?"+secretSig)
	seen = append(seen, err)
	if err == nil || !strings.Contains(err.Error(), "read timeout") {
		t.Errorf("stalled body: %v, want a read timeout", err)
	}
	_, err = downloadAll(t.Context(), c, srv.URL+"/truncated?"+secretSig)
	seen = append(seen, err)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated file: %v, want io.ErrUnexpectedEOF", err)
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, errDead := downloadAll(t.Context(), c, dead.URL+"/x?"+secretSig)
	if errDead == nil {
		t.Error("a closed server: no error")
	}
	_, errBad := c.DownloadUsersExport(t.Context(), "ftp://host/x?"+secretSig)
	if !errors.Is(errBad, auth0api.ErrInvalidParams) {
		t.Errorf("ftp link: %v, want ErrInvalidParams", errBad)
	}
	seen = append(seen, errDead, errBad)
	t.Logf("errors: %q", seen)
}

// TestDownloadStopsWithTheContext: cancelling the context ends a download
// in the middle.
func TestDownloadStopsWithTheContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zw := gzip.NewWriter(w)
		for r.Context().Err() == nil {
			io.WriteString(zw, strings.Repeat("\"'row\"\n", 512))
			zw.Flush()
			w.(http.Flusher).Flush()
			time.Sleep(time.Millisecond)
		}
	}))
	defer srv.Close()
	c := newClient(t, srv.URL)
	ctx, cancel := context.WithCancel(t.Context())
	rc, err := c.DownloadUsersExport(ctx, srv.URL+"/endless?"+secretSig)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 4096)
	if _, err := io.ReadFull(rc, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	for range 1000 {
		if _, err = rc.Read(buf); err != nil {
			break
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v, want context.Canceled", err)
	}
}

// TestDownloadWaitsForASlowReader: the read timeout is about the server
// stalling, not about the caller taking its time between reads (streaming to
// a slow browser).
func TestDownloadWaitsForASlowReader(t *testing.T) {
	body := gzipBytes(t, strings.Repeat("\"'auth0|1\",\"'a@example.com\"\n", 20000))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	c := newClient(t, srv.URL, func(cfg *auth0api.Config) { cfg.ReadTimeout = 300 * time.Millisecond })
	rc, err := c.DownloadUsersExport(t.Context(), srv.URL+"/x?"+secretSig)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	time.Sleep(700 * time.Millisecond) // before the first read
	buf := make([]byte, 64<<10)
	n := 0
	for i := 0; ; i++ {
		k, err := rc.Read(buf)
		n += k
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", n, err)
		}
		if i < 3 {
			time.Sleep(700 * time.Millisecond)
		}
	}
	if n != 20000*len("\"'auth0|1\",\"'a@example.com\"\n") {
		t.Errorf("read %d bytes", n)
	}
}

// bigExport serves a gzip'd export of rows×row bytes, compressed once.
func bigExport(t testing.TB, rows int) (*httptest.Server, int64) {
	t.Helper()
	const row = "\"'auth0|64a1b2c3d4e5f60718293a4b\",\"'ada.lovelace@example.com\",\"'Ada Lovelace\",42,true,2025-11-04T09:26:53.589Z\n"
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	line := []byte(row)
	for range rows {
		zw.Write(line)
	}
	zw.Close()
	data := gz.Bytes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	t.Cleanup(srv.Close)
	return srv, int64(rows * len(row))
}

// TestDownloadMemoryStaysFlat streams a 96 MB export and checks that the
// heap the whole download allocated stays a small fraction of it: nothing
// is buffered beyond a read's worth.
func TestDownloadMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 96 MB")
	}
	srv, size := bigExport(t, 1_000_000)
	c := newClient(t, srv.URL)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := before.HeapInuse
	rc, err := c.DownloadUsersExport(t.Context(), srv.URL+"/big?"+secretSig)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	var n int64
	for next := int64(0); ; {
		k, err := rc.Read(buf)
		n += int64(k)
		if n >= next {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			next += 8 << 20
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	rc.Close()
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("streamed %d MB: %.2f MB allocated in all, heap in use grew by at most %.2f MB",
		n>>20, float64(allocated)/(1<<20), float64(peak-before.HeapInuse)/(1<<20))
	if n != size {
		t.Fatalf("read %d bytes, want %d", n, size)
	}
	if allocated > uint64(size/16) || peak-before.HeapInuse > uint64(size/16) {
		t.Errorf("a %d MB download allocated %d bytes (heap +%d): it is buffered", size>>20, allocated, peak-before.HeapInuse)
	}
}

// BenchmarkDownload streams a 9.6 MB export: its B/op is the memory a
// download takes whatever its size.
func BenchmarkDownload(b *testing.B) {
	srv, size := bigExport(b, 100_000)
	c := newClient(b, srv.URL)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		rc, err := c.DownloadUsersExport(b.Context(), srv.URL+"/big?"+secretSig)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, rc); err != nil || n != size {
			b.Fatalf("copied %d: %v", n, err)
		}
		rc.Close()
	}
}
