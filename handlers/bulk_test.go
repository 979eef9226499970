package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
	"userdesk/bulk"
	"userdesk/policy"
)

// Tests of bulk actions (bulk.go): through the real router, the real client and the emulated
// tenant; the job runs in the dashboard's runner, and the tests wait for it in the store.

// bulkPost sends a bulk action's form as the confirmation page does (a plain form with the
// CSRF token), after resetting the tenant's calls and the audit log.
func bulkPost(t *testing.T, b *browser, op string, form url.Values) (*http.Response, string) {
	t.Helper()
	return post(t, b, "/bulk/"+op, form, false)
}

// usersForm is the form of a job on ids, confirmed.
func usersForm(ids ...string) url.Values {
	return url.Values{"user": ids, "confirm": {"1"}}
}

// jobLocation is the id of the job a start answered with (a 303 to its page).
var jobLocation = regexp.MustCompile(`^/bulk/([0-9a-f]+)$`)

// startBulkJob starts a bulk job and returns its id.
func startBulkJob(t *testing.T, b *browser, op string, form url.Values) string {
	t.Helper()
	resp, body := bulkPost(t, b, op, form)
	m := jobLocation.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("POST /bulk/%s = %d to %q, want 303 to the job\n%.1500s", op, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return m[1]
}

// waitJob waits until the job is over and returns it as stored.
func waitJob(t *testing.T, a *testApp, id string) bulk.Job {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := a.srv.runner.Store.Get(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Over() {
			a.srv.runner.Wait() // OnEnd (bulk.end) is told before the job's goroutine ends
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s after 30 s: %+v", id, j.State, j.Counts())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// itemOf returns the job's item for a user.
func itemOf(t *testing.T, j bulk.Job, userID string) bulk.Item {
	t.Helper()
	for _, it := range j.Items {
		if it.UserID == userID {
			return it
		}
	}
	t.Fatalf("job %s has no item for %s", j.ID, userID)
	return bulk.Item{}
}

// auditNamed returns the audit events with this name.
func auditNamed(t *testing.T, a *testApp, name string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, ev := range a.auditEvents(t) {
		if ev["event"] == name {
			out = append(out, ev)
		}
	}
	return out
}

// detail returns an audit event's detail.
func detail(ev map[string]any, key string) any {
	d, _ := ev["details"].(map[string]any)
	return d[key]
}

// TestBulkBlockDecidesEachUser: a regional helpdesk blocks five users at once: the two in their
// reach are blocked (one PATCH each, audited as the single route audits them); the one out of
// reach, the protected one and their own account are skipped with the reason in words, audited
// as refusals; bulk.start and bulk.end record the job and its counts.
func TestBulkBlockDecidesEachUser(t *testing.T) {
	a := matrixApp(t)
	b := a.signIn(t, "emea")
	in1, in2 := matrixUser(t, a, "emea", "plain"), matrixUser(t, a, "emea", "plain")
	far := matrixUser(t, a, "emea", "out of reach")
	prot := matrixUser(t, a, "emea", "protected")
	self := staffID("emea")

	id := startBulkJob(t, b, "block", usersForm(in1, far, prot, self, in2))
	j := waitJob(t, a, id)
	if c := j.Counts(); j.State != bulk.Finished || c.Total != 5 || c.Done != 2 || c.Skipped != 3 || c.Failed != 0 {
		t.Fatalf("job %s, counts %+v; want finished, 2 done and 3 skipped", j.State, c)
	}
	for _, u := range []string{in1, in2} {
		if it := itemOf(t, j, u); it.Outcome != bulk.Done || !strings.Contains(it.Label, "@example.com") {
			t.Errorf("%s: %+v, want done with its address as label", u, it)
		}
		if got, _ := a.Tenant.User(u); got["blocked"] != true {
			t.Errorf("%s is not blocked in the tenant", u)
		}
	}
	for u, want := range map[string]string{far: bulkNotFound, prot: "only an admin", self: "You cannot block your own account"} {
		it := itemOf(t, j, u)
		if it.Outcome != bulk.Skipped || !strings.Contains(it.Reason, want) {
			t.Errorf("%s: %+v, want skipped saying %q", u, it, want)
		}
		if got, _ := a.Tenant.User(u); got != nil && got["blocked"] == true {
			t.Errorf("%s was blocked", u)
		}
	}
	patches := 0
	for _, c := range a.Tenant.Calls() {
		if c.Method == http.MethodPatch {
			patches++
		}
	}
	if patches != 2 {
		t.Errorf("%d PATCH calls, want 2 (the skipped users are never changed): %q", patches, mgmtCalls(a))
	}

	starts, ends := auditNamed(t, a, "bulk.start"), auditNamed(t, a, "bulk.end")
	if len(starts) != 1 || detail(starts[0], "op") != "block" || detail(starts[0], "count") != float64(5) || detail(starts[0], "job") != id {
		t.Errorf("bulk.start events = %v", starts)
	}
	if actor, _ := starts[0]["actor"].(map[string]any); actor["sub"] != self && actor["subject"] != self {
		t.Errorf("bulk.start actor = %v, want the owner %s", starts[0]["actor"], self)
	}
	if len(ends) != 1 || detail(ends[0], "succeeded") != float64(2) || detail(ends[0], "skipped") != float64(3) ||
		detail(ends[0], "failed") != float64(0) || detail(ends[0], "state") != "finished" {
		t.Errorf("bulk.end events = %v", ends)
	}
	var done, denied int
	for _, ev := range auditNamed(t, a, "user.block") {
		switch ev["outcome"] {
		case "success":
			done++
		case "denied":
			denied++
		}
	}
	if done != 2 || denied != 3 {
		t.Errorf("user.block events: %d success, %d denied; want 2 and 3", done, denied)
	}
}

// TestBulkRoutesNeedTheSingleAction: each bulk action needs the action of its single-user route:
// a viewer may block nobody in bulk, a helpdesk may not bulk-delete or assign roles (403, no job,
// no change), and the search results offer only the actions the person's groups allow.
func TestBulkRoutesNeedTheSingleAction(t *testing.T) {
	a := newTestApp(t)
	for _, tt := range []struct {
		persona, op string
	}{{"viewer", "block"}, {"viewer", "reset-mfa"}, {"helpdesk", "delete"}, {"helpdesk", "roles-assign"}} {
		b := a.signIn(t, tt.persona)
		resp, _ := bulkPost(t, b, tt.op, usersForm(auth0apitest.FixtureBareUserID))
		if resp.StatusCode != http.StatusForbidden || len(a.Tenant.Calls()) != 0 {
			t.Errorf("%s POST /bulk/%s = %d with calls %q, want 403 and none", tt.persona, tt.op, resp.StatusCode, mgmtCalls(a))
		}
	}
	for persona, want := range map[string][]string{
		"viewer":   nil,
		"helpdesk": {"block", "unblock", "reset-mfa", "verification-email", "end-sessions"},
		"admin":    {"block", "unblock", "roles-assign", "roles-remove", "reset-mfa", "verification-email", "end-sessions", "delete"},
	} {
		_, page := a.signIn(t, persona).get(t, "/users")
		var got []string
		for _, m := range regexp.MustCompile(`data-bulk-op="([a-z-]+)"`).FindAllStringSubmatch(page, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s is offered %v, want %v", persona, got, want)
		}
		if (len(want) > 0) != strings.Contains(page, `name="user" value="`) {
			t.Errorf("%s: checkboxes shown = %v, want %v", persona, !(len(want) > 0), len(want) > 0)
		}
	}
}

// TestBulkJobPageOwnerOnly: the job's page shows its counts and per-user results to its owner
// (the progress alone to htmx's polling, which stops once the job is over); anyone else, and a
// job that does not exist, get the same 404; "Your bulk jobs" lists the owner's jobs only.
func TestBulkJobPageOwnerOnly(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	id := startBulkJob(t, b, "block", usersForm(auth0apitest.FixtureBareUserID, staffID("helpdesk")))
	waitJob(t, a, id)

	resp, page := b.get(t, "/bulk/"+id)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Block 2 users") || !strings.Contains(page, `data-count="done">1<`) ||
		!strings.Contains(page, `data-count="skipped">1<`) || !strings.Contains(page, "You cannot block your own account") {
		t.Errorf("owner's job page %d:\n%.3000s", resp.StatusCode, page)
	}
	resp, part := b.get(t, "/bulk/"+id, "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(part, `<section id="bulk-job"`) || strings.Contains(part, "hx-trigger") {
		t.Errorf("htmx progress of a finished job %d (want no more polling):\n%.600s", resp.StatusCode, part)
	}
	_, list := b.get(t, "/bulk")
	if !strings.Contains(list, "/bulk/"+id) {
		t.Errorf("Your bulk jobs lacks the job:\n%.2000s", list)
	}

	other := a.signIn(t, "admin")
	for _, u := range []string{"/bulk/" + id, "/bulk/0123456789abcdef0123456789abcdef", "/bulk/not-a-job"} {
		if resp, _ := other.get(t, u); resp.StatusCode != http.StatusNotFound {
			t.Errorf("admin GET %s = %d, want 404", u, resp.StatusCode)
		}
	}
	if resp, _ := post(t, other, "/bulk/"+id+"/cancel", nil, false); resp.StatusCode != http.StatusNotFound {
		t.Errorf("admin cancelling another's job = %d, want 404", resp.StatusCode)
	}
	if _, list := other.get(t, "/bulk"); strings.Contains(list, "/bulk/"+id) {
		t.Errorf("another person's jobs list shows the job")
	}
}

// TestBulkCancel: cancelling a running job (its owner, with the CSRF token) stops it: no user is
// started after it, the rest stay waiting, and bulk.end records it as cancelled.
func TestBulkCancel(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) { c.BulkWorkers = 1 }
	})
	b := a.signIn(t, "admin")
	var ids []string
	for _, u := range a.Tenant.Users() {
		if id, _ := u["user_id"].(string); strings.HasPrefix(id, "auth0|") && !strings.Contains(id, "userdesk") && len(ids) < 12 {
			ids = append(ids, id)
		}
	}
	a.Tenant.SetLatency(150 * time.Millisecond)
	id := startBulkJob(t, b, "block", usersForm(ids...))
	if resp, _ := b.send(t, http.MethodPost, "/bulk/"+id+"/cancel", url.Values{}, b.sameOriginHeaders()...); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cancel without the CSRF token = %d, want 403", resp.StatusCode)
	}
	resp, _ := post(t, b, "/bulk/"+id+"/cancel", nil, false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel = %d", resp.StatusCode)
	}
	j := waitJob(t, a, id)
	a.Tenant.SetLatency(0)
	calls := len(a.Tenant.Calls())
	time.Sleep(300 * time.Millisecond)
	if c := j.Counts(); j.State != bulk.Cancelled || c.Pending == 0 || c.Done+c.Failed >= len(ids) {
		t.Errorf("after cancel: %s, %+v; want cancelled with users never started", j.State, c)
	}
	if len(a.Tenant.Calls()) != calls {
		t.Errorf("calls went on after the job ended: %q", mgmtCalls(a)[calls:])
	}
	if ends := auditNamed(t, a, "bulk.end"); len(ends) != 1 || detail(ends[0], "state") != "cancelled" {
		t.Errorf("bulk.end = %v", ends)
	}
}

// TestBulkNeedsStepUp: starting a job (even showing its confirmation) with a sign-in too old for
// a dangerous action sends the person to sign in again first; no job, no call, a denied.step_up.
func TestBulkNeedsStepUp(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	a.staleAuth()
	for _, form := range []url.Values{usersForm(auth0apitest.FixtureBareUserID), {"user": {auth0apitest.FixtureBareUserID}}} {
		resp, _ := bulkPost(t, b, "block", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("stale POST /bulk/block = %d, want 303 to the provider", resp.StatusCode)
		}
		wantStepUpRedirect(t, a, resp.Header.Get("Location"))
		if calls := mgmtCalls(a); len(calls) != 0 {
			t.Errorf("calls before the step-up: %q", calls)
		}
		if len(auditNamed(t, a, "denied.step_up")) != 1 || len(auditNamed(t, a, "bulk.start")) != 0 {
			t.Errorf("audit: %v", a.auditEvents(t))
		}
	}
	if jobs, _ := a.srv.runner.Store.Recent(t.Context(), staffID("helpdesk"), 10); len(jobs) != 0 {
		t.Errorf("jobs were stored: %v", jobs)
	}
}

// TestBulkDeleteConfirmsTheCount: the confirmation page asks to type the number of users; a
// wrong number (or none) starts nothing; the right one deletes them.
func TestBulkDeleteConfirmsTheCount(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	ids := []string{auth0apitest.FixtureBareUserID, auth0apitest.FixtureBlockedUserID}
	resp, page := bulkPost(t, b, "delete", url.Values{"user": ids})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `name="confirm_count"`) || !strings.Contains(page, "Delete 2 users") {
		t.Fatalf("confirmation page %d:\n%.2000s", resp.StatusCode, page)
	}
	for _, typed := range []string{"", "3", "two"} {
		form := usersForm(ids...)
		form.Set("confirm_count", typed)
		resp, page := bulkPost(t, b, "delete", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Type the number of users, 2") {
			t.Errorf("typed %q: %d", typed, resp.StatusCode)
		}
		if len(a.Tenant.Calls()) != 0 || len(auditNamed(t, a, "bulk.start")) != 0 {
			t.Errorf("typed %q: calls %q or a job started", typed, mgmtCalls(a))
		}
	}
	form := usersForm(ids...)
	form.Set("confirm_count", "2")
	j := waitJob(t, a, startBulkJob(t, b, "delete", form))
	if c := j.Counts(); c.Done != 2 {
		t.Fatalf("delete job: %+v %+v", c, j.Items)
	}
	for _, id := range ids {
		if _, ok := a.Tenant.User(id); ok {
			t.Errorf("%s still exists", id)
		}
	}
	if n := len(auditNamed(t, a, "user.delete")); n != 4 { // attempt and outcome each
		t.Errorf("%d user.delete events, want 4", n)
	}
}

// TestBulkEndSessions: "Sign out everywhere" on several users repeats the single route's
// operation (revoke-access, one call per user), each user audited like the single change; the
// person's own account is skipped.
func TestBulkEndSessions(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	ids := []string{auth0apitest.FixtureUserID, auth0apitest.FixtureSocialUserID, staffID("helpdesk")}
	j := waitJob(t, a, startBulkJob(t, b, "end-sessions", usersForm(ids...)))
	if c := j.Counts(); c.Done != 2 || c.Skipped != 1 {
		t.Errorf("counts %+v, want 2 done and oneself skipped", c)
	}
	revokes := 0
	for _, c := range mgmtCalls(a) {
		if strings.HasPrefix(c, "POST ") && strings.HasSuffix(c, "/revoke-access") {
			revokes++
		}
	}
	if revokes != 2 {
		t.Errorf("%d revoke-access calls, want 2: %q", revokes, mgmtCalls(a))
	}
	// An attempt and an outcome for each user changed, and the refusal of oneself.
	if n := len(auditNamed(t, a, "user.sessions.delete")); n != 5 {
		t.Errorf("%d user.sessions.delete events, want 5", n)
	}
}

// TestBulkFaultFailsOneUser: Auth0 failing one user's change (a 500, a 429 with retries off)
// fails that user only, with Auth0's answer in words; the others are done.
func TestBulkFaultFailsOneUser(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusTooManyRequests} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			a := newTestApp(t, func(o *appOptions) {
				o.config = func(c *Config) { c.BulkWorkers = 1 }
			})
			b := a.signIn(t, "admin")
			ids := []string{auth0apitest.FixtureBareUserID, auth0apitest.FixtureUserID, auth0apitest.FixtureSocialUserID}
			a.Tenant.Fail("PATCH /users/{id}", auth0apitest.Fault{Status: status, Times: 1})
			j := waitJob(t, a, startBulkJob(t, b, "block", usersForm(ids...)))
			first := itemOf(t, j, ids[0])
			if c := j.Counts(); c.Failed != 1 || c.Done != 2 || first.Outcome != bulk.Failed || !strings.Contains(first.Reason, "Auth0 answered "+strconv.Itoa(status)) {
				t.Errorf("counts %+v, first %+v", c, first)
			}
			if ends := auditNamed(t, a, "bulk.end"); len(ends) != 1 || detail(ends[0], "failed") != float64(1) {
				t.Errorf("bulk.end = %v", ends)
			}
		})
	}
}

// TestBulkFaultsMidJob: Auth0 hanging on one user's change fails that user once the client
// gives up (its read timeout) and the job goes on; a burst of 429s is waited out and retried by
// the client, and no user is changed twice.
func TestBulkFaultsMidJob(t *testing.T) {
	ids := []string{auth0apitest.FixtureBareUserID, auth0apitest.FixtureUserID, auth0apitest.FixtureSocialUserID}
	t.Run("hang", func(t *testing.T) {
		a := newTestApp(t, func(o *appOptions) {
			o.config = func(c *Config) { c.BulkWorkers = 1 }
			o.client = func(c *auth0api.Config) { c.ReadTimeout = 300 * time.Millisecond }
		})
		b := a.signIn(t, "admin")
		a.Tenant.Fail("PATCH /users/{id}", auth0apitest.Fault{Hang: true, Times: 1})
		j := waitJob(t, a, startBulkJob(t, b, "block", usersForm(ids...)))
		if c := j.Counts(); c.Failed != 1 || c.Done != 2 || itemOf(t, j, ids[0]).Outcome != bulk.Failed {
			t.Errorf("counts %+v, first %+v", c, itemOf(t, j, ids[0]))
		}
	})
	t.Run("429 burst", func(t *testing.T) {
		a := newTestApp(t, func(o *appOptions) {
			o.client = func(c *auth0api.Config) { c.Retries = 5; c.MaxRetryWait = 3 * time.Second }
		})
		b := a.signIn(t, "admin")
		a.Tenant.Fail("PATCH /users/{id}", auth0apitest.Fault{Status: http.StatusTooManyRequests, Times: 4})
		j := waitJob(t, a, startBulkJob(t, b, "block", usersForm(ids...)))
		if c := j.Counts(); c.Done != 3 {
			t.Errorf("counts %+v, want every user done after the retries: %+v", c, j.Items)
		}
		// The retries are the client's, inside one change: one attempt and one successful
		// outcome per user.
		changed := map[string]int{}
		for _, ev := range auditNamed(t, a, "user.block") {
			if ev["phase"] == "attempt" || ev["outcome"] == "success" {
				changed[fmt.Sprint(ev["target"], " ", ev["phase"])]++
			}
		}
		for _, id := range ids {
			if changed[id+" attempt"] != 1 || changed[id+" outcome"] != 1 {
				t.Errorf("%s: %v", id, changed)
			}
		}
		if n := len(mgmtCallsLike(a, "PATCH")); n != 3+4 {
			t.Errorf("%d PATCH calls, want 3 changes and the 4 refused with 429", n)
		}
	})
}

// mgmtCallsLike are the Management API calls made with method.
func mgmtCallsLike(a *testApp, method string) []string {
	var out []string
	for _, c := range a.Tenant.Calls() {
		if c.Method == method {
			out = append(out, c.Path)
		}
	}
	return out
}

// TestBulkSelectAllMatching: "select all N matching" sends the search, not ids: the server runs
// it again, confined to the person's reach, and the job has exactly the users it finds.
func TestBulkSelectAllMatching(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	search := "/users?connection=" + url.QueryEscape(auth0apitest.DatabaseConnection)
	_, page := b.get(t, search)
	if !strings.Contains(page, `data-bulk-all`) {
		t.Fatalf("no select-all on the results:\n%.2000s", page)
	}
	resp, confirm := bulkPost(t, b, "verification-email", url.Values{"all": {"1"}, "search": {search}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirmation = %d\n%.2000s", resp.StatusCode, confirm)
	}
	list, _, _ := strings.Cut(confirm[strings.Index(confirm, `<ul class="bulk-users">`)+1:], "</ul>")
	n := strings.Count(list, "<li>")
	if n == 0 {
		t.Fatalf("the confirmation lists nobody")
	}
	j := waitJob(t, a, startBulkJob(t, b, "verification-email", url.Values{"all": {"1"}, "search": {search}, "confirm": {"1"}, "user": {"auth0|forged"}}))
	if len(j.Items) != n {
		t.Errorf("the job has %d users, the confirmation listed %d", len(j.Items), n)
	}
	for _, it := range j.Items {
		if it.UserID == "auth0|forged" {
			t.Errorf("an id from the browser was taken with all=1")
		}
	}
}

// TestBulkJobResumedAfterRestart: a job left running by a dashboard that stopped (its lease
// over) is taken over by the next one at start, from the same store: the users its runner had
// not started are changed, the one it had started is recorded as unknown, and bulk.end is
// written once.
func TestBulkJobResumedAfterRestart(t *testing.T) {
	store := bulk.NewMemory()
	admin := staffID("admin")
	ids := []string{auth0apitest.FixtureBareUserID, auth0apitest.FixtureSocialUserID, auth0apitest.FixtureEnterpriseUserID}
	j := bulk.NewJob(admin, "block", "Block 3 users", map[string]string{
		paramOp: "block", paramSubject: admin, paramEmail: testAccounts["admin"], paramClaims: `["userdesk-admin"]`,
	}, ids, time.Now().Add(-time.Hour))
	j.Items[0].Outcome = bulk.Started
	j.Runner, j.LeaseUntil = "a-stopped-replica", time.Now().Add(-time.Minute)
	must(t, store.Create(t.Context(), j))

	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) { c.BulkStore = store }
	})
	got := waitJob(t, a, j.ID)
	if c := got.Counts(); got.State != bulk.Finished || c.Done != 2 || c.Failed != 1 {
		t.Fatalf("resumed job: %s %+v %+v", got.State, c, got.Items)
	}
	if it := itemOf(t, got, ids[0]); !strings.Contains(it.Reason, "outcome is unknown") {
		t.Errorf("the user started before the restart: %+v", it)
	}
	if u, _ := a.Tenant.User(ids[0]); u["blocked"] == true {
		t.Errorf("the user started before the restart was changed again")
	}
	for _, id := range ids[1:] {
		if u, _ := a.Tenant.User(id); u["blocked"] != true {
			t.Errorf("%s was not blocked by the resumed job", id)
		}
	}
	if ends := auditNamed(t, a, "bulk.end"); len(ends) != 1 || detail(ends[0], "succeeded") != float64(2) {
		t.Errorf("bulk.end = %v", ends)
	}
	b := a.signIn(t, "admin")
	if resp, page := b.get(t, "/bulk/"+j.ID); resp.StatusCode != http.StatusOK || !strings.Contains(page, "outcome is unknown") {
		t.Errorf("the owner's page of the resumed job = %d", resp.StatusCode)
	}
}

// TestBulkRoles: an admin assigns a role to two users in bulk, chosen on the confirmation page
// among the tenant's roles, then removes it; a role id that is not one is refused before any
// job starts.
func TestBulkRoles(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "admin")
	ids := []string{auth0apitest.FixtureBareUserID, auth0apitest.FixtureSocialUserID}
	role := a.Tenant.RoleID("support-viewer")
	resp, page := bulkPost(t, b, "roles-assign", url.Values{"user": ids})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `value="`+role+`"`) {
		t.Fatalf("the confirmation does not offer the role %s: %d\n%.2000s", role, resp.StatusCode, page)
	}
	form := usersForm(ids...)
	form.Set("role", "not-a-role")
	if resp, _ := bulkPost(t, b, "roles-assign", form); resp.StatusCode == http.StatusSeeOther || len(auditNamed(t, a, "bulk.start")) != 0 {
		t.Errorf("a bad role id started a job (%d)", resp.StatusCode)
	}
	form.Set("role", role)
	j := waitJob(t, a, startBulkJob(t, b, "roles-assign", form))
	if c := j.Counts(); c.Done != 2 || !strings.Contains(j.Title, "support-viewer") {
		t.Fatalf("assign: %q %+v %+v", j.Title, c, j.Items)
	}
	for _, id := range ids {
		if !slices.Contains(a.Tenant.UserRoles(id), role) {
			t.Errorf("%s lacks the role: %v", id, a.Tenant.UserRoles(id))
		}
	}
	waitJob(t, a, startBulkJob(t, b, "roles-remove", form))
	for _, id := range ids {
		if slices.Contains(a.Tenant.UserRoles(id), role) {
			t.Errorf("%s still has the role", id)
		}
	}
	if n := len(auditNamed(t, a, "user.roles.remove")); n != 4 {
		t.Errorf("%d user.roles.remove events, want an attempt and an outcome per user", n)
	}
}

// TestBulkAssignOnlyAssignableRoles: the picker offers only the roles the policy lets the person
// assign, and a role outside them is refused before any job starts (as the single route refuses
// it: nothing asked of Auth0).
func TestBulkAssignOnlyAssignableRoles(t *testing.T) {
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) { c.AssignableRoles = []string{"support-viewer"} }
	})
	b := a.signIn(t, "admin")
	ids := []string{auth0apitest.FixtureBareUserID, auth0apitest.FixtureSocialUserID}
	_, page := bulkPost(t, b, "roles-assign", url.Values{"user": ids})
	if !strings.Contains(page, `value="`+a.Tenant.RoleID("support-viewer")+`"`) || strings.Contains(page, `value="`+a.Tenant.RoleID("tenant-admin")+`"`) {
		t.Errorf("the picker does not offer exactly the assignable role:\n%s", page)
	}
	form := usersForm(ids...)
	form.Set("role", a.Tenant.RoleID("tenant-admin"))
	resp, body := bulkPost(t, b, "roles-assign", form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Choose a role from the list.") {
		t.Errorf("an unassignable role: %d, want the confirmation again with its error", resp.StatusCode)
	}
	if n := len(auditNamed(t, a, "bulk.start")); n != 0 {
		t.Errorf("%d jobs started", n)
	}
	for _, c := range a.Tenant.Calls() {
		if c.Method == http.MethodPost {
			t.Errorf("a role was asked of Auth0: %s %s", c.Method, c.Path)
		}
	}
}

// twoReachRoles is a policy whose helpdesk is in two groups: one may assign support-viewer to
// EMEA users, the other billing-viewer to AMER users.
const twoReachRoles = `
groups:
  - name: admin
    members: [userdesk-admin]
    actions: [view, view_raw, view_logs, block, unlock, send_emails, reset_mfa, end_sessions,
              write_auth_methods, create, edit, delete, link, assign_roles, assign_permissions,
              export, manage_staff, staff_sessions, audit, policy]
  - name: emea-roles
    members: [userdesk-helpdesk]
    actions: [view, assign_roles]
    reach:
      users: 'app_metadata.region:"emea"'
    assignable_roles: [support-viewer]
  - name: amer-roles
    members: [userdesk-helpdesk]
    actions: [view, assign_roles]
    reach:
      users: 'app_metadata.region:"amer"'
    assignable_roles: [billing-viewer]
`

// TestBulkRemoveOnlyAssignableRoles: a bulk "Remove a role" decides each user as the single
// route does: the role must be one the person may assign to that user, not one they may assign
// to someone. Grace (AMER, in the helpdesk's reach) holds support-viewer, which the helpdesk may
// assign to EMEA users only: the single route refuses its removal, and so does the job, leaving
// the role where it is.
func TestBulkRemoveOnlyAssignableRoles(t *testing.T) {
	p, err := policy.Load([]byte(twoReachRoles), "two-reach-roles.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := newTestApp(t, func(o *appOptions) { o.config = func(c *Config) { c.Policy = p } })
	grace := auth0apitest.FixtureSocialUserID
	role := a.Tenant.RoleID("support-viewer")
	must(t, a.srv.users.AddUserRoles(t.Context(), grace, []string{role}))
	b := a.signIn(t, "helpdesk")
	if resp, _ := secChange(t, a, b, http.MethodDelete, "/users/"+url.PathEscape(grace)+"/roles/"+role, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("the single route's removal = %d, want 403", resp.StatusCode)
	}
	form := usersForm(grace)
	form.Set("role", role)
	j := waitJob(t, a, startBulkJob(t, b, "roles-remove", form))
	if it := itemOf(t, j, grace); it.Outcome != bulk.Skipped || !strings.Contains(it.Reason, "You may not remove the role support-viewer") {
		t.Errorf("Grace in the job: %+v, want skipped because the role is not hers to remove", it)
	}
	if !slices.Contains(a.Tenant.UserRoles(grace), role) {
		t.Error("Grace lost support-viewer")
	}
}
