package main

import (
	"io"
	"log/slog"
	"testing"

	"github.com/redis/go-redis/v9"

	"userdesk/auth0api"
	"userdesk/config"
	"userdesk/internal/redistest"
)

// TestBuildSharesThroughRedis: with USERDESK_REDIS_URL, the Management API client of the
// composition paces itself with the budget in Redis and keeps its token there (sealed).
func TestBuildSharesThroughRedis(t *testing.T) {
	srv := redistest.Start(t)
	env := map[string]string{"USERDESK_REDIS_URL": srv.URL(0), "USERDESK_REDIS_PREFIX": "composed:"}
	cfg, err := config.Load([]string{"-demo", "-addr", "127.0.0.1:0"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	trail, closeTrail, err := openAuditTrail(t.Context(), cfg, logger, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer closeTrail()
	app, err := build(t.Context(), cfg, logger, trail, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer app.redis.Close()
	if _, err := app.users.ListUsers(t.Context(), auth0api.ListUsersParams{PerPage: 1}); err != nil {
		t.Fatal(err)
	}
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer raw.Close()
	for _, pattern := range []string{"composed:mgmt:*", "composed:token:*"} {
		if keys := raw.Keys(t.Context(), pattern).Val(); len(keys) == 0 {
			t.Errorf("no %s key in Redis", pattern)
		}
	}
}
