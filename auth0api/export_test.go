package auth0api

import (
	"context"
	"time"
)

// Test hooks for the external test package.

// SetClock replaces the clock the token cache uses.
func SetClock(c *Client, now func() time.Time) { c.now = now }

// SetSleep replaces the wait between retries.
func SetSleep(c *Client, sleep func(ctx context.Context, d time.Duration) error) { c.sleep = sleep }

// ErrReadTimeout is the cause reported when a response stalls.
var ErrReadTimeout = errReadTimeout

// LimiterBurst is the client-side limiter's bucket size (0 without a limiter).
func LimiterBurst(c *Client) int {
	f, ok := c.limiter.(fixedLimiter)
	if !ok {
		return 0
	}
	return f.l.Burst()
}
