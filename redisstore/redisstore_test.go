package redisstore_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"userdesk/handlers/sessionstore"
	"userdesk/internal/redistest"
	"userdesk/redisstore"
)

func TestParseURL(t *testing.T) {
	for _, tt := range []struct {
		url, user, pass, addr string
		db                    int
		tls                   bool
		bad                   string
	}{
		{url: "redis://localhost:6379/0", addr: "localhost:6379"},
		{url: "redis://redis.internal", addr: "redis.internal:6379"},
		{url: "redis://:s3cret@10.0.0.5:6380/2", pass: "s3cret", addr: "10.0.0.5:6380", db: 2},
		{url: "rediss://userdesk:p%40ss@cache.example.com:6380/1", user: "userdesk", pass: "p@ss", addr: "cache.example.com:6380", db: 1, tls: true},
		{url: "http://localhost:6379", bad: "scheme"},
		{url: "redis://", bad: "no host"},
		{url: "redis://localhost/x", bad: "database"},
		{url: "redis://u:topsecret@localhost/zz", bad: "database"},
		{url: "redis://localhost/0?dial_timeout=1s", bad: "query"},
	} {
		o, err := redisstore.ParseURL(tt.url)
		if tt.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tt.bad) || strings.Contains(err.Error(), "topsecret") {
				t.Errorf("%s: %v, want an error about %q without the password", tt.url, err, tt.bad)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		if o.Username != tt.user || o.Password != tt.pass || o.Addr != tt.addr || o.DB != tt.db || (o.TLSConfig != nil) != tt.tls {
			t.Errorf("%s: user %q pass %q addr %q db %d tls %v", tt.url, o.Username, o.Password, o.Addr, o.DB, o.TLSConfig != nil)
		}
	}
}

// TestACLUserAndDatabase: an ACL user with a password, and a database number, against a real
// server; a wrong password is ErrUnavailable (and its text never holds the password).
func TestACLUserAndDatabase(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{ACLUser: "userdesk", ACLPassword: "acl-pass-123", Password: "default-pass"})
	url := "redis://userdesk:acl-pass-123@" + srv.Addr() + "/3"
	db, err := redisstore.Open(redisstore.Options{URL: url, Prefix: "acl:"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(t.Context()); err != nil {
		t.Fatalf("Ping as the ACL user: %v", err)
	}
	if err := db.Sessions().SaveSignIn(t.Context(), "x", []byte("v"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr(), Username: "userdesk", Password: "acl-pass-123", DB: 3})
	defer raw.Close()
	if n := raw.Exists(t.Context(), "acl:t:x").Val(); n != 1 {
		t.Error("the key is not in database 3 under the prefix")
	}

	wrong, _ := redisstore.Open(redisstore.Options{URL: "redis://userdesk:wrong-pass@" + srv.Addr() + "/3"})
	defer wrong.Close()
	err = wrong.Ping(t.Context())
	if !errors.Is(err, sessionstore.ErrUnavailable) || strings.Contains(err.Error(), "wrong-pass") {
		t.Errorf("wrong password: %v", err)
	}
}

// TestPrefixesApart: two deployments on one Redis (other prefixes) see nothing of each other.
func TestPrefixesApart(t *testing.T) {
	srv := redistest.Start(t)
	a, b := openDB(t, srv, "east:").Sessions(), openDB(t, srv, "west:").Sessions()
	exp := time.Now().Add(time.Hour)
	if err := a.Save(t.Context(), "s", []byte("v"), sessionstore.Meta{Subject: "p"}, exp); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(t.Context(), "s"); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Errorf("west sees east's session: %v", err)
	}
	if n, _ := b.Count(t.Context()); n != 0 {
		t.Errorf("west counts %d sessions", n)
	}
}

// TestCookieStoreRedisDown: the gorilla adapter reports an unavailable store as an error
// wrapping ErrUnavailable (the dashboard answers 503), and an empty session, not a panic.
func TestCookieStoreRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	store := openDB(t, srv, "cookie:").Sessions()
	cs, err := sessionstore.NewCookieStore(store, sessionstore.CookieOptions{
		Codecs: securecookie.CodecsFromPairs([]byte("0123456789abcdef0123456789abcdef"), nil),
		Cookie: sessions.Options{Path: "/", MaxAge: 600},
	})
	if err != nil {
		t.Fatal(err)
	}
	sess, _ := cs.New(httptest.NewRequest(http.MethodGet, "/", nil), "sid")
	sess.Values[sessionstore.RecordKey] = sessionstore.Record{Subject: "auth0|a"}
	w := httptest.NewRecorder()
	if err := cs.Save(httptest.NewRequest(http.MethodGet, "/", nil), w, sess); err != nil {
		t.Fatal(err)
	}
	cookie := w.Result().Cookies()[0]

	srv.Stop()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(cookie)
	got, err := cs.Get(r, "sid")
	if !errors.Is(err, sessionstore.ErrUnavailable) || got == nil || !got.IsNew {
		t.Errorf("Get with Redis down = %v, %v; want an empty session and ErrUnavailable", got, err)
	}
	got.Values[sessionstore.RecordKey] = sessionstore.Record{Subject: "auth0|a"}
	if err := cs.Save(r, httptest.NewRecorder(), got); !errors.Is(err, sessionstore.ErrUnavailable) {
		t.Errorf("Save with Redis down = %v", err)
	}
}
