package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"userdesk/handlers/sessionstore"
	"userdesk/internal/redistest"
)

// BenchmarkSignedInRequest is the whole dashboard's cost of one signed-in request that makes no
// Management API call (GET /, the gate and a redirect: session, timeouts, CSRF-free, policy),
// with the sessions in memory and in Redis on loopback; the difference is the session store's
// share. Served by the router in process (no TLS, no client), so that the store's cost is not
// lost in the transport's.
//
//	go test -run '^$' -bench SignedInRequest -benchmem ./handlers/
func BenchmarkSignedInRequest(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []func(*appOptions)
	}{
		{"memory", nil},
		{"redis", []func(*appOptions){withReplicas(redisStores(redistest.Start(b)), "a")}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a := newTestApp(b, tc.opts...)
			br := a.signIn(b, "helpdesk")
			cookie := br.cookie(a.srv.cookieName)
			host := mustParseURL(b, a.URL).Host
			h := a.srv.e
			request := func() *http.Request {
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.Host = host
				r.AddCookie(cookie)
				return r
			}
			if w := httptest.NewRecorder(); func() int { h.ServeHTTP(w, request()); return w.Code }() != http.StatusFound ||
				w.Header().Get("Location") != "/users" {
				b.Fatalf("GET / = %d to %q", w.Code, w.Header().Get("Location"))
			}
			b.Run("read", func(b *testing.B) {
				for b.Loop() {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, request())
					if w.Code != http.StatusFound {
						b.Fatalf("GET / = %d", w.Code)
					}
				}
			})
			// A request a minute after the last: the session's LastSeen is saved too.
			b.Run("read+touch", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					rec, sess := a.sessionRecord(b, br)
					rec.LastSeen = a.Clock.Now().Add(-touchEvery)
					sess.Values[sessionstore.RecordKey] = rec
					must(b, sess.Save(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder()))
					b.StartTimer()
					w := httptest.NewRecorder()
					h.ServeHTTP(w, request())
					if w.Code != http.StatusFound {
						b.Fatalf("GET / = %d", w.Code)
					}
				}
			})
		})
	}
}
