package auth0api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// errReadTimeout is the cause given when a response is slower than
// Config.ReadTimeout between two reads (or to its headers).
var errReadTimeout = errors.New("read timeout")

// response is one HTTP answer, read in full.
type response struct {
	status int
	header http.Header
	body   []byte
	token  string // the bearer token the request carried
}

// api is which of Auth0's APIs a call goes to.
type api int

const (
	// managementAPI is the Management API at Config.BaseURL, called with the
	// bearer token.
	managementAPI api = iota
	// authenticationAPI is the tenant's Authentication API (e.g.
	// /dbconnections/change_password), called without a token.
	authenticationAPI
)

// do performs one Management API call. op is the endpoint template, e.g.
// "GET /users/{id}/roles": its method is sent, and each {placeholder} path
// segment is replaced, in order, by the escaped ids. query may be nil; in is
// encoded as the JSON body when non-nil; out receives the decoded JSON answer
// when non-nil. Only 429s are retried, and a 401 refreshes a granted token
// once.
func (c *Client) do(ctx context.Context, op string, ids []string, query url.Values, in, out any) error {
	return c.call(ctx, managementAPI, op, ids, query, in, out)
}

// call is do for either API: the Authentication API's endpoints are under
// its own base URL and get no bearer token (so no 401 refresh either); the
// rest is the same (limiter, 429 retries, timeouts, errors, observer).
func (c *Client) call(ctx context.Context, to api, op string, ids []string, query url.Values, in, out any) error {
	method, tmpl, _ := strings.Cut(op, " ")
	base := c.base
	if to == authenticationAPI {
		base = c.authBase
	}
	u, err := c.endpoint(base, tmpl, ids, query)
	if err != nil {
		if errors.Is(err, ErrInvalidID) {
			return invalidID(op)
		}
		return fmt.Errorf("auth0api: %s: %w", op, err)
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("auth0api: %s: encode request: %w", op, err)
		}
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		res, err := c.attempt(ctx, op, method, u, body, to == managementAPI)
		if err != nil {
			return err
		}
		if res.status == http.StatusUnauthorized && to == managementAPI && c.tokens.refreshable() && !refreshed {
			// The cached token may have been revoked or rotated: drop it
			// (unless another call already did) and try once more.
			refreshed = true
			c.tokens.invalidate(res.token)
			attempt--
			continue
		}
		if res.status == http.StatusTooManyRequests && attempt <= c.retries {
			if wait, ok := c.retryWait(ctx, attempt, res.header); ok {
				if c.observer != nil {
					c.observer.Retry(op, wait)
				}
				if err := c.sleep(ctx, wait); err != nil {
					return fmt.Errorf("auth0api: %s: waiting to retry after 429: %w", op, err)
				}
				continue
			}
		}
		if res.status < 200 || res.status >= 300 {
			// Auth0 answers errors with 4xx/5xx; a redirect is never
			// followed (it would carry the token elsewhere) and is an error too.
			return parseError(op, res.status, res.header, res.body)
		}
		if out == nil {
			return nil
		}
		if len(bytes.TrimSpace(res.body)) == 0 {
			if _, ok := out.(noContentAccepter); ok && res.status == http.StatusNoContent {
				return nil
			}
			return fmt.Errorf("auth0api: %s: empty response body (status %d)", op, res.status)
		}
		if err := decodeBody(res.body, out); err != nil {
			return fmt.Errorf("auth0api: %s: decode response: %w", op, err)
		}
		return nil
	}
}

// noContentAccepter is an answer type for which a 204 without a body is a
// valid answer (left zero) rather than an error.
type noContentAccepter interface{ acceptsNoContent() }

// decodeBody decodes a JSON answer into out. Models decode themselves: they get the body once
// it is known to be valid JSON, without json.Unmarshal's extra pass to find where the value
// ends (which scanned the body a third time). An invalid body gets json.Unmarshal's error.
func decodeBody(body []byte, out any) error {
	if u, ok := out.(json.Unmarshaler); ok && json.Valid(body) {
		return u.UnmarshalJSON(bytes.TrimSpace(body))
	}
	return json.Unmarshal(body, out)
}

// endpoint builds the URL of a path template under base. Every id becomes
// exactly one path segment: it is escaped with url.PathEscape (which also
// escapes "/", "?", "#" and "%"), and "." and ".." are sent as "%2E" and
// "%2E%2E" so no one can walk out of the segment. URL.RawPath keeps that
// escaped form on the wire. An empty id is refused.
func (c *Client) endpoint(base *url.URL, tmpl string, ids []string, query url.Values) (*url.URL, error) {
	var path, raw strings.Builder
	path.WriteString(base.Path)
	raw.WriteString(base.EscapedPath())
	next := 0
	for seg := range strings.SplitSeq(strings.TrimPrefix(tmpl, "/"), "/") {
		val, esc := seg, seg
		if strings.HasPrefix(seg, "{") {
			if next >= len(ids) || ids[next] == "" {
				return nil, ErrInvalidID
			}
			val, esc = ids[next], escapeSegment(ids[next])
			next++
		}
		path.WriteByte('/')
		path.WriteString(val)
		raw.WriteByte('/')
		raw.WriteString(esc)
	}
	if next != len(ids) {
		return nil, fmt.Errorf("%d ids for path template %q", len(ids), tmpl)
	}
	u := *base
	u.Path = path.String()
	u.RawPath = raw.String()
	u.RawQuery = query.Encode()
	return &u, nil
}

// escapeSegment escapes one path segment (see endpoint).
func escapeSegment(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return strings.ReplaceAll(url.PathEscape(s), "/", "%2F")
}

// attempt sends one request, after the limiter and, when bearer is set,
// with the Management API token, and reads the answer.
func (c *Client) attempt(ctx context.Context, op, method string, u *url.URL, body []byte, bearer bool) (response, error) {
	done, err := c.limiter.Wait(ctx)
	if err != nil {
		return response{}, fmt.Errorf("auth0api: %s: rate limiter: %w", op, err)
	}
	var token string
	if bearer {
		if token, err = c.tokens.token(ctx); err != nil {
			done(NoRateLimitState)
			return response{}, err // names the token endpoint already
		}
	}
	start := time.Now()
	res, err := c.exchange(ctx, method, u.String(), token, body)
	if c.observer != nil {
		c.observer.Request(op, res.status, time.Since(start), err)
	}
	if err != nil {
		done(NoRateLimitState)
		return response{}, fmt.Errorf("auth0api: %s: %w", op, err)
	}
	if bearer {
		// Only the Management API's answers speak of its budget; the Authentication API
		// has buckets of its own.
		done(rateLimitState(res.status, res.header))
	} else {
		done(NoRateLimitState)
	}
	c.observeRateLimit(op, res.header)
	res.token = token
	return res, nil
}

// exchange sends one HTTP request and reads the whole answer, with the
// client's headers, the header wait and the read timeout, and the response
// size cap. token may be empty (the token endpoint).
func (c *Client) exchange(ctx context.Context, method, rawURL, token string, body []byte) (response, error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(c.headerWait, func() { cancel(errReadTimeout) })
	defer timer.Stop()

	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, rawURL, rd)
	if err != nil {
		return response{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.telemetry != "" {
		req.Header.Set("Auth0-Client", c.telemetry)
		req.Header.Set("User-Agent", c.userAgent)
	} else {
		// An empty User-Agent keeps net/http from sending its own.
		req.Header.Set("User-Agent", "")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return response{}, timeoutCause(actx, ctx, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= maxResponseBytes {
		buf.Grow(int(n) + bytes.MinRead)
	}
	src := io.LimitReader(&idleReader{r: resp.Body, t: timer, d: c.readTimeout}, maxResponseBytes+1)
	if _, err := buf.ReadFrom(src); err != nil {
		return response{}, fmt.Errorf("read response (status %d): %w", resp.StatusCode, timeoutCause(actx, ctx, err))
	}
	if buf.Len() > maxResponseBytes {
		return response{}, fmt.Errorf("response body (status %d) is larger than %d bytes", resp.StatusCode, maxResponseBytes)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()}, nil
}

// timeoutCause reports our read timeout instead of the bare context
// cancellation it causes, unless the caller's own context ended.
func timeoutCause(actx, ctx context.Context, err error) error {
	if ctx.Err() == nil && errors.Is(context.Cause(actx), errReadTimeout) {
		return fmt.Errorf("%w (%v)", errReadTimeout, err)
	}
	return err
}

// idleReader re-arms the attempt's timer before every read, so a body that
// stops flowing for longer than d cancels the request.
type idleReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

// Read re-arms the timer, then reads.
func (r *idleReader) Read(p []byte) (int, error) {
	r.t.Reset(r.d)
	return r.r.Read(p)
}

// retryWait decides how long to wait before retrying a 429: until
// x-ratelimit-reset plus a random part of a second when Auth0 says when the
// bucket refills, else the seed's backoff. It refuses (false) when the wait
// would pass the context's deadline or MaxRetryWait.
//
// The reset is in whole seconds and the bucket refills all through the
// second after it, so the retries are spread over that second: with 1–100 ms
// of jitter every call refused in the same second came back at once and
// emptied the bucket again (BenchmarkRateLimit in handlers: 14 of 46 user
// pages showed an error with 1–100 ms, 6 of 46 with 1–1000 ms).
func (c *Client) retryWait(ctx context.Context, attempt int, h http.Header) (time.Duration, bool) {
	now := time.Now()
	wait := backoff(attempt)
	if reset := parseReset(h); !reset.IsZero() {
		if until := reset.Sub(now); until > 0 {
			wait = until + time.Duration(1+rand.IntN(1000))*time.Millisecond
		}
	}
	if wait > c.maxRetryWait {
		return 0, false
	}
	if deadline, ok := ctx.Deadline(); ok && now.Add(wait).After(deadline) {
		return 0, false
	}
	return wait, true
}

// backoff is the seed's wait before retry number attempt (from 1):
// 100ms·2^(attempt-1) plus 1–100ms of jitter, clamped to 100ms..1s.
func backoff(attempt int) time.Duration {
	ms := 1000
	if attempt <= 10 {
		ms = 100 << (attempt - 1)
	}
	ms += 1 + rand.IntN(100)
	return time.Duration(min(1000, max(100, ms))) * time.Millisecond
}
