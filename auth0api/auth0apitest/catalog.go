package auth0apitest

import (
	"net/http"
	"slices"
	"strings"
)

// listUserLogs answers GET /users/{id}/logs: newest first unless sorted
// otherwise; without per_page every event (at most 100) is returned.
func (t *Tenant) listUserLogs(q *request) (int, any, *apiError) {
	p, err := pageParams(q, 1, 100, 100, -1)
	if err != nil {
		return 0, nil, err
	}
	if p.start >= searchCap {
		return 0, nil, errBadQuery(capMessage)
	}
	order, err := parseSort(q.query.Get("sort"))
	if err != nil {
		return 0, nil, err
	}
	t.mu.Lock()
	rec, err := t.lookup(q)
	if err != nil {
		t.mu.Unlock()
		return 0, nil, err
	}
	logs := append([]map[string]any(nil), t.dir.extras(rec).logs...)
	t.mu.Unlock()
	if order != nil {
		sortStable(logs, order)
	}
	all := make([]any, 0, min(len(logs), searchCap))
	for _, l := range logs[:min(len(logs), searchCap)] {
		all = append(all, l)
	}
	lo, hi := p.window(len(all))
	items := append([]any{}, all[lo:hi]...)
	if !p.totals {
		return http.StatusOK, items, nil
	}
	return http.StatusOK, p.envelope("logs", items, len(all), true), nil
}

func sortStable(list []map[string]any, o *sortOrder) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && o.compare(list[j], list[j-1]) < 0; j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// listRoles answers GET /roles (name_filter: case-insensitive substring).
func (t *Tenant) listRoles(q *request) (int, any, *apiError) {
	p, err := pageParams(q, 1, 100, 50, -1)
	if err != nil {
		return 0, nil, err
	}
	filter := strings.ToLower(q.query.Get("name_filter"))
	t.mu.RLock()
	var all []any
	for _, r := range t.dir.roles {
		if filter == "" || strings.Contains(strings.ToLower(str(r["name"])), filter) {
			all = append(all, r)
		}
	}
	t.mu.RUnlock()
	return http.StatusOK, p.list("roles", all, false), nil
}

// listResourceServers answers GET /resource-servers.
func (t *Tenant) listResourceServers(q *request) (int, any, *apiError) {
	p, err := pageParams(q, 1, 100, 50, -1)
	if err != nil {
		return 0, nil, err
	}
	ids := q.query["identifiers"]
	t.mu.RLock()
	var all []any
	for _, rs := range t.dir.resources {
		if len(ids) == 0 || slices.Contains(ids, str(rs["identifier"])) {
			all = append(all, rs)
		}
	}
	t.mu.RUnlock()
	return http.StatusOK, p.list("resource_servers", all, false), nil
}

// listConnections answers GET /connections (strategy may repeat; name is exact).
func (t *Tenant) listConnections(q *request) (int, any, *apiError) {
	p, err := pageParams(q, 0, 100, 50, -1)
	if err != nil {
		return 0, nil, err
	}
	sel, err := fieldParams(q)
	if err != nil {
		return 0, nil, err
	}
	strategies := q.query["strategy"]
	name := q.query.Get("name")
	t.mu.RLock()
	var all []any
	for _, c := range t.dir.conns {
		if len(strategies) > 0 && !slices.Contains(strategies, c.strategy) {
			continue
		}
		if name != "" && c.name != name {
			continue
		}
		all = append(all, sel.apply(c.obj))
	}
	t.mu.RUnlock()
	return http.StatusOK, p.list("connections", all, false), nil
}

var ticketSchema = bodySchema{
	props: map[string]prop{
		"result_url":             {kind: "string", format: "uri", desc: "URL the user will be redirected to in the classic Universal Login experience once the ticket is used."},
		"user_id":                {kind: "string", desc: "user_id of for whom the ticket should be created."},
		"client_id":              {kind: "string", desc: "ID of the client (application)."},
		"organization_id":        {kind: "string", desc: "(Optional) Organization ID – the ID of the Organization."},
		"connection_id":          {kind: "string", desc: "ID of the connection."},
		"email":                  {kind: "string", format: "email", desc: "Email address of the user for whom the tickets should be created."},
		"ttl_sec":                {kind: "integer", desc: "Number of seconds for which the ticket is valid before expiration."},
		"mark_email_as_verified": {kind: "boolean", desc: "Whether to set the email_verified attribute to true (true) or whether it should not be updated (false)."},
		"includeEmailInRedirect": {kind: "boolean", desc: "Whether to include the email address as part of the returnUrl in the reset_email (true), or not (false)."},
		"identity":               {kind: "object"},
	},
}

// createPasswordChangeTicket answers POST /tickets/password-change with
// 201 {"ticket": "<BaseURL>/lo/reset?ticket=…#"} and records the ticket.
func (t *Tenant) createPasswordChangeTicket(q *request) (int, any, *apiError) {
	body, err := decodeObject(q)
	if err != nil {
		return 0, nil, err
	}
	if err := ticketSchema.validate(body); err != nil {
		return 0, nil, err
	}
	userID, hasUser := body["user_id"].(string)
	email, hasEmail := body["email"].(string)
	connID, hasConn := body["connection_id"].(string)
	if hasUser && (hasEmail || hasConn) {
		return 0, nil, errBadBody("The user_id cannot be used with connection_id or email.")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case hasUser:
		if t.dir.users[userID] == nil {
			return 0, nil, errUserNotFound()
		}
	case hasEmail && hasConn:
		found := false
		for _, rec := range t.dir.order {
			ident, _ := firstIdentity(rec.obj)
			c := t.dir.connection(str(ident["connection"]))
			if c != nil && c.obj["id"] == connID && strings.EqualFold(str(rec.obj["email"]), email) {
				found = true
				break
			}
		}
		if !found {
			return 0, nil, errUserNotFound()
		}
	default:
		return 0, nil, errValidation("Payload", "Missing required property: user_id", "", "")
	}
	ticket := t.baseURL + "/lo/reset?ticket=" + t.dir.randomString(alnum, 32) + "#"
	t.dir.tickets = append(t.dir.tickets, Ticket{URL: ticket, Body: body})
	return http.StatusCreated, map[string]any{"ticket": ticket}, nil
}

var verificationJobSchema = bodySchema{
	required: []string{"user_id"},
	props: map[string]prop{
		"user_id":         {kind: "string", min: 1, desc: "user_id of the user to send the verification email to."},
		"client_id":       {kind: "string", desc: "client_id of the client (application). If no value provided, the global Client ID will be used."},
		"identity":        {kind: "object"},
		"organization_id": {kind: "string", desc: "(Optional) Organization ID – the ID of the Organization."},
	},
}

// createVerificationJob answers POST /jobs/verification-email with 201
// and a pending job, and records it.
func (t *Tenant) createVerificationJob(q *request) (int, any, *apiError) {
	body, err := decodeObject(q)
	if err != nil {
		return 0, nil, err
	}
	if err := verificationJobSchema.validate(body); err != nil {
		return 0, nil, err
	}
	if ident, ok := body["identity"].(map[string]any); ok {
		identSchema := bodySchema{required: []string{"user_id", "provider"}, props: map[string]prop{
			"user_id":  {kind: "string", min: 1, desc: "user_id of the identity to be verified."},
			"provider": {kind: "string", desc: "Identity provider name of the identity (e.g. `google-oauth2`)."},
		}}
		if err := identSchema.validate(ident); err != nil {
			return 0, nil, err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dir.users[str(body["user_id"])] == nil {
		return 0, nil, errUserNotFound()
	}
	job := map[string]any{
		"type": "verification_email", "status": "pending", "created_at": stamp(q.now),
		"id": "job_" + t.dir.randomString(alnum, 16),
	}
	t.dir.jobs = append(t.dir.jobs, Job{ID: job["id"].(string), Body: body, CreatedAt: q.now})
	return http.StatusCreated, job, nil
}
