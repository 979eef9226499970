package redisstore_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"userdesk/handlers/limits"
	"userdesk/handlers/limits/limitstest"
	"userdesk/handlers/sessionstore"
	"userdesk/internal/redistest"
)

func TestLimitsConformance(t *testing.T) {
	srv := redistest.Start(t)
	n := 0
	limitstest.RunConformance(t, func(t *testing.T) limits.Limiter {
		n++
		return openDB(t, srv, fmt.Sprintf("limits%d:", n)).Limits()
	})
}

// TestLimitsShared: two replicas share one budget per person.
func TestLimitsShared(t *testing.T) {
	srv := redistest.Start(t)
	a, b := openDB(t, srv, "shared:").Limits(), openDB(t, srv, "shared:").Limits()
	rule := limits.Rule{Name: "emails", Rate: 3, Per: 10 * time.Minute, Burst: 3}
	for i, l := range []limits.Limiter{a, b, a} {
		if res, err := l.Allow(t.Context(), rule, "auth0|u"); err != nil || !res.Allowed {
			t.Fatalf("e-mail %d: %+v, %v", i+1, res, err)
		}
	}
	res, err := b.Allow(t.Context(), rule, "auth0|u")
	if err != nil || res.Allowed || res.RetryAfter < 3*time.Minute {
		t.Errorf("fourth e-mail, on the other replica: %+v, %v; want refused for about 200 s", res, err)
	}
	srv.Stop()
	if _, err := a.Allow(t.Context(), rule, "auth0|u"); !errors.Is(err, sessionstore.ErrUnavailable) {
		t.Errorf("with Redis down: %v, want ErrUnavailable (the gate refuses: fails closed)", err)
	}
}
