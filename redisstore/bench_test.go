package redisstore_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"userdesk/handlers/sessionstore"
	"userdesk/internal/redistest"
)

// BenchmarkSessionPerRequest is the session store's cost in one request of a signed-in person:
// read the cookie's session (verify the signed id, fetch the record, decode it) and touch it
// (encode, save with a new expiry, set the cookie), as the dashboard does when LastSeen is
// older than a minute; the read alone (most requests); and the store's Get and Save alone,
// without the cookie's signature and encoding. Memory, and Redis on loopback (a real
// redis-server: the round trips are most of it).
//
//	go test -run '^$' -bench SessionPerRequest -benchmem ./redisstore/
func BenchmarkSessionPerRequest(b *testing.B) {
	stores := []struct {
		name  string
		store func(b *testing.B) sessionstore.Store
	}{
		{"memory", func(*testing.B) sessionstore.Store { return sessionstore.NewMemory(sessionstore.MemoryOptions{}) }},
		{"redis", func(b *testing.B) sessionstore.Store { return openDB(b, redistest.Start(b), "bench:").Sessions() }},
	}
	for _, st := range stores {
		store := st.store(b)
		cs, err := sessionstore.NewCookieStore(store, sessionstore.CookieOptions{
			Codecs: securecookie.CodecsFromPairs([]byte("0123456789abcdef0123456789abcdef"), nil),
			Cookie: sessions.Options{Path: "/", HttpOnly: true, MaxAge: 1800},
		})
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		sess := sessions.NewSession(cs, "userdesk")
		sess.Options = &sessions.Options{Path: "/", MaxAge: 1800}
		sess.Values[sessionstore.RecordKey] = sessionstore.Record{
			Issuer: "https://acme.eu.auth0.com/", Subject: "auth0|63d17c4a9d503d76c056c160", Email: "hal@example.com",
			Name: "Hal Helpdesk", Groups: []string{"helpdesk"}, ProviderSID: "sid-123", AMR: []string{"pwd", "mfa"},
			AuthTime: now, Created: now, LastSeen: now, Validated: now, CSRFToken: "c3VwZXItc2VjcmV0LWNzcmYtdG9rZW4tMjU2LWJpdHM",
			IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0",
		}
		w := httptest.NewRecorder()
		if err := cs.Save(httptest.NewRequest(http.MethodGet, "/", nil), w, sess); err != nil {
			b.Fatal(err)
		}
		cookie := w.Result().Cookies()[0]
		request := func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/users", nil)
			r.AddCookie(cookie)
			return r
		}
		rec := sess.Values[sessionstore.RecordKey].(sessionstore.Record)
		value, _ := rec.MarshalBinary()
		meta := rec.Meta()
		b.Run(st.name+"/store-only/get+touch", func(b *testing.B) {
			for b.Loop() {
				if _, err := store.Get(b.Context(), sess.ID); err != nil {
					b.Fatal(err)
				}
				if err := store.Save(b.Context(), sess.ID, value, meta, time.Now().Add(30*time.Minute)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(st.name+"/get", func(b *testing.B) {
			for b.Loop() {
				s, err := cs.New(request(), "userdesk")
				if err != nil || s.IsNew {
					b.Fatalf("no session: %v", err)
				}
			}
		})
		b.Run(st.name+"/get+touch", func(b *testing.B) {
			for b.Loop() {
				r := request()
				s, err := cs.New(r, "userdesk")
				if err != nil || s.IsNew {
					b.Fatalf("no session: %v", err)
				}
				rec := s.Values[sessionstore.RecordKey].(sessionstore.Record)
				rec.LastSeen = time.Now()
				s.Values[sessionstore.RecordKey] = rec
				if err := cs.Save(r, httptest.NewRecorder(), s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
