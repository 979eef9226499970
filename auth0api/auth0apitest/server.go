package auth0apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxBody is Auth0's payload limit (1 MB).
const maxBody = 1 << 20

// request is one Management API request being answered.
type request struct {
	r      *http.Request
	route  *route
	params map[string]string // path parameters, unescaped
	query  url.Values
	body   []byte
	grant  grant
	now    time.Time
}

// id returns the {id} path parameter.
func (q *request) id() string { return q.params["id"] }

// handlerFunc answers a request with a status and a JSON body (nil for none).
type handlerFunc func(t *Tenant, q *request) (int, any, *apiError)

// route is one Management API endpoint.
type route struct {
	method  string
	pattern string // Auth0's path template after /api/v2, e.g. "/users/{id}/roles"
	segs    []string
	scopes  scopeRule
	query   []string // the query parameters the endpoint accepts
	handle  handlerFunc
	// enterprise marks endpoints Auth0 offers on Enterprise plans only (issue 12).
	enterprise bool
}

func (rt *route) key() string { return rt.method + " " + rt.pattern }

// match reports whether segs fit the route's template and returns its parameters.
func (rt *route) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(rt.segs) {
		return nil, false
	}
	var params map[string]string
	for i, s := range rt.segs {
		if strings.HasPrefix(s, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.Trim(s, "{}")] = segs[i]
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// ServeHTTP answers the Management API under /api/v2 and the
// Authentication API (OIDC discovery, JWKS, /authorize, /oauth/token,
// /userinfo, /oidc/logout, the login page and
// /dbconnections/change_password) at Auth0's paths, and the download links
// of users exports (under /user-exports/).
func (t *Tenant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	if rest, ok := strings.CutPrefix(path, "/api/v2"); ok && (rest == "" || rest[0] == '/') {
		t.serveManagement(w, r, rest)
		return
	}
	if strings.HasPrefix(path, exportFilesPrefix) {
		t.serveExportFile(w, r)
		return
	}
	if path == changePasswordPath {
		t.serveChangePassword(w, r)
		return
	}
	if t.signIn != nil && isSignInPath(path) {
		t.signIn.ServeHTTP(w, r)
		return
	}
	writeError(w, errNotFoundRoute())
}

// isSignInPath reports whether path belongs to the Authentication API.
func isSignInPath(path string) bool {
	switch {
	case strings.HasPrefix(path, "/.well-known/"), path == "/authorize", strings.HasPrefix(path, "/authorize/"),
		path == "/oauth/token", path == "/userinfo", path == "/oidc/logout", strings.HasPrefix(path, "/login"),
		path == "/v2/logout", path == "/oauth/revoke", path == "/oauth/introspect", strings.HasPrefix(path, "/oidc/"),
		path == "/keys", path == "/end_session":
		return true
	}
	return false
}

func (t *Tenant) serveManagement(w http.ResponseWriter, r *http.Request, rest string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return // the client went away
	}
	t.record(Call{Method: r.Method, Path: rest, Query: r.URL.Query(), Body: body})

	if err := sleep(r.Context(), time.Duration(t.latency.Load())); err != nil {
		return
	}
	now := t.now()
	if !t.limiter.take(w.Header(), now) {
		writeError(w, errRateLimited())
		return
	}

	segs := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			writeError(w, newError(http.StatusBadRequest, "", "Invalid request URI. The message will vary depending on the cause."))
			return
		}
		segs[i] = u
	}
	var rt *route
	var params map[string]string
	for i := range t.table {
		if p, ok := t.table[i].match(segs); ok && t.table[i].method == r.Method {
			rt, params = &t.table[i], p
			break
		}
	}
	if rt == nil {
		writeError(w, errNotFoundRoute())
		return
	}

	if f, ok := t.takeFault(rt.key()); ok {
		t.serveFault(w, r, f, now)
		return
	}
	g, aerr := t.minter.verify(r.Header.Get("Authorization"), t.Issuer(), t.Audience(), now)
	if aerr != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+t.baseURL+`/api/v2/"`)
		writeError(w, aerr)
		return
	}
	if aerr := rt.scopes.check(g, params["id"]); aerr != nil {
		writeError(w, aerr)
		return
	}
	if rt.enterprise && !t.plan.enterprise() {
		writeError(w, errFeatureUnavailable())
		return
	}
	if len(body) > maxBody {
		writeError(w, newError(http.StatusRequestEntityTooLarge, "", "Payload content length greater than maximum allowed: 1048576"))
		return
	}
	q := &request{r: r, route: rt, params: params, query: r.URL.Query(), body: body, grant: g, now: now}
	if aerr := checkQueryNames(q); aerr != nil {
		writeError(w, aerr)
		return
	}
	status, out, aerr := rt.handle(t, q)
	switch {
	case aerr != nil:
		writeError(w, aerr)
	case out == nil:
		writeEmpty(w, status)
	default:
		writeJSON(w, status, out)
	}
}

// serveFault answers with an injected fault.
func (t *Tenant) serveFault(w http.ResponseWriter, r *http.Request, f Fault, now time.Time) {
	if f.Hang {
		<-r.Context().Done()
		return
	}
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("x-ratelimit-remaining", "0")
		w.Header().Set("x-ratelimit-reset", strconv.FormatInt(now.Add(time.Second).Unix(), 10))
	}
	switch {
	case f.Malformed:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"user_id":"auth0|63d17c4a9d503d76c056c160","email":"trunc`))
	case f.Body != "":
		if json.Valid([]byte(f.Body)) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
	case status == http.StatusTooManyRequests:
		writeError(w, errRateLimited())
	case status < 400:
		writeJSON(w, status, map[string]any{})
	default:
		writeError(w, newError(status, "", faultMessage(status)))
	}
}

func faultMessage(status int) string {
	switch status {
	case http.StatusServiceUnavailable:
		return "The query exceeded the timeout. Please try refining your search criteria. See https://auth0.com/docs/best-practices/search-best-practices."
	case http.StatusInternalServerError:
		return "Internal Server Error"
	}
	return http.StatusText(status)
}

// checkQueryNames refuses query parameters the endpoint does not know,
// as Auth0 does.
func checkQueryNames(q *request) *apiError {
	var extra []string
	for name := range q.query {
		if !slices.Contains(q.route.query, name) {
			extra = append(extra, name)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	return errValidation("Query", "Additional properties not allowed: "+strings.Join(extra, ","), "", "")
}

// decodeBody decodes the request's JSON body into v, answering Auth0's
// 400 for a malformed one.
func decodeBody(q *request, v any) *apiError {
	if len(bytes.TrimSpace(q.body)) == 0 {
		return errValidation("Payload", "Expected type object but found type null", "", "")
	}
	dec := json.NewDecoder(bytes.NewReader(q.body))
	if err := dec.Decode(v); err != nil {
		return errInvalidJSON()
	}
	if dec.More() {
		return errInvalidJSON()
	}
	return nil
}
