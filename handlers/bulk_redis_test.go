package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"userdesk/auth0api/auth0apitest"
	"userdesk/bulk/redisjobs"
	"userdesk/internal/redistest"
)

// TestBulkJobSharedThroughRedis: with the jobs in Redis (as main wires them when
// USERDESK_REDIS_URL is set), a job started on one replica is shown, to its owner, by another.
func TestBulkJobSharedThroughRedis(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	replica := func() *testApp {
		return newTestApp(t, func(o *appOptions) {
			o.config = func(c *Config) {
				c.BulkStore = redisjobs.New(client, redisjobs.Options{Prefix: "test-bulk:"})
			}
		})
	}
	one, two := replica(), replica()
	id := startBulkJob(t, one.signIn(t, "admin"), "block", usersForm(auth0apitest.FixtureBareUserID, auth0apitest.FixtureUserID))
	j := waitJob(t, one, id)
	if c := j.Counts(); c.Done != 2 {
		t.Fatalf("job on the first replica: %+v", c)
	}
	resp, page := two.signIn(t, "admin").get(t, "/bulk/"+id)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `data-count="done">2<`) {
		t.Errorf("the other replica's job page = %d:\n%.1500s", resp.StatusCode, page)
	}
	if resp, _ := two.signIn(t, "helpdesk").get(t, "/bulk/"+id); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another person on the other replica = %d, want 404", resp.StatusCode)
	}
}
