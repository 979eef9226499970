package handlers

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"userdesk/internal/redistest"
	"userdesk/redisstore"
)

// usedMemory is Redis's used_memory in bytes.
var usedMemory = regexp.MustCompile(`(?m)^used_memory:(\d+)\r?$`)

// BenchmarkRedisSessionFootprint measures what one signed-in session costs in Redis, for sizing
// it (README, Several replicas): the growth of Redis's used_memory over b.N sign-ins through a
// replica on Redis (the session, its per-person and provider indexes, the sign-in's one-time
// state), per sign-in.
//
//	USERDESK_REQUIRE_REDIS=1 go test ./handlers -run '^$' -bench RedisSessionFootprint -benchtime 300x
func BenchmarkRedisSessionFootprint(b *testing.B) {
	srv := redistest.Start(b)
	a := newTestApp(b, withReplicas(redisStores(srv), "a"))
	db, err := redisstore.Open(redisstore.Options{URL: srv.URL(0)})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	used := func() float64 {
		info, err := db.Client().Info(b.Context(), "memory").Result()
		if err != nil {
			b.Fatal(err)
		}
		m := usedMemory.FindStringSubmatch(info)
		if m == nil {
			b.Fatalf("no used_memory in %q", info)
		}
		n, _ := strconv.ParseFloat(m[1], 64)
		return n
	}
	a.signIn(b, "helpdesk") // the first sign-in creates what every later one shares
	before := used()
	b.ResetTimer()
	for range b.N {
		a.Clock.Advance(3 * time.Second) // under the per-address sign-in limit
		a.signIn(b, "helpdesk")
	}
	b.StopTimer()
	b.ReportMetric((used()-before)/float64(b.N), "B/session")
}
