package auth0api

import (
	"net/http"
	"strconv"
	"strings"
)

// observeRateLimit hands the x-ratelimit-* headers of an answer to op to the
// observer, when it has one and the answer carries at least one of them.
func (c *Client) observeRateLimit(op string, h http.Header) {
	if c.observer == nil {
		return
	}
	limit, remaining := headerCount(h, "X-Ratelimit-Limit"), headerCount(h, "X-Ratelimit-Remaining")
	reset := parseReset(h)
	if limit < 0 && remaining < 0 && reset.IsZero() {
		return
	}
	c.observer.RateLimit(op, limit, remaining, reset)
}

// headerCount reads a header holding a count (a non-negative integer); -1
// when it is missing or malformed.
func headerCount(h http.Header, name string) int {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
