package handlers

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"userdesk/auth0api/auth0apitest"
	"userdesk/bulk"
	"userdesk/views"
)

// slowBlockJob starts, as persona, a one-worker block job on a dozen plain users while the
// tenant answers every call after 100 ms, and waits until its first user is done: the job is
// then running, with most of its users still waiting.
func slowBlockJob(t *testing.T, persona string) (*testApp, *browser, string, []string) {
	return slowBlockJobOf(t, persona, 12)
}

// slowBlockJobOf is slowBlockJob on n users.
func slowBlockJobOf(t *testing.T, persona string, n int) (*testApp, *browser, string, []string) {
	t.Helper()
	a := newTestApp(t, func(o *appOptions) {
		o.config = func(c *Config) { c.BulkWorkers = 1 }
	})
	b := a.signIn(t, persona)
	var ids []string
	for _, u := range a.Tenant.Users() {
		if id, _ := u["user_id"].(string); strings.HasPrefix(id, "auth0|") && !strings.Contains(id, "userdesk") && len(ids) < n {
			ids = append(ids, id)
		}
	}
	a.Tenant.SetLatency(100 * time.Millisecond)
	t.Cleanup(func() { a.Tenant.SetLatency(0) })
	id := startBulkJob(t, b, "block", usersForm(ids...))
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := a.srv.runner.Store.Get(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Counts().Done > 0 {
			break
		}
		if j.Over() || time.Now().After(deadline) {
			t.Fatalf("job %s: %s, %+v before its first user was done", id, j.State, j.Counts())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return a, b, id, ids
}

// wantStopped checks that the job stopped with why, leaving users unchanged, and that bulk.end
// and the job's page say so.
func wantStopped(t *testing.T, a *testApp, id string, total int, why string) bulk.Job {
	t.Helper()
	j := waitJob(t, a, id)
	c := j.Counts()
	if j.State != bulk.Cancelled || j.Stopped != why || c.Done >= total || c.Pending+c.Skipped == 0 {
		t.Fatalf("job: %s, stopped %q, %+v; want stopped because %q with users left as they were", j.State, j.Stopped, c, why)
	}
	ends := auditNamed(t, a, "bulk.end")
	if len(ends) != 1 || detail(ends[0], "stopped") != why {
		t.Errorf("bulk.end = %v", ends)
	}
	var page bytes.Buffer
	if err := views.BulkJobProgress(views.BulkJobData{Job: j, Counts: c}).Render(t.Context(), &page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "Stopped") || !strings.Contains(page.String(), "userdesk stopped this job because "+why) {
		t.Errorf("the job's page does not say why it stopped:\n%.1500s", page.String())
	}
	return j
}

// TestBulkJobStopsWhenItsOwnerLosesAccess: a job checks its owner's access as a session is
// checked, at its first user and then every RevalidateEvery. The helpdesk person's role is
// removed in the tenant while their job runs: at the next check the job stops, and the users
// still waiting are left as they were (their blocks never sent).
func TestBulkJobStopsWhenItsOwnerLosesAccess(t *testing.T) {
	a, _, id, ids := slowBlockJob(t, "helpdesk")
	staffChange(t, a, "helpdesk", func(sub string) error {
		return a.srv.users.RemoveUserRoles(t.Context(), sub, []string{a.Tenant.RoleID("userdesk-helpdesk")})
	})
	a.Clock.Advance(DefaultRevalidateEvery + time.Second)
	j := wantStopped(t, a, id, len(ids), jobStoppedReasons[endedNoRole])
	blocked := 0
	for _, u := range a.Tenant.Users() {
		if b, _ := u["blocked"].(bool); b && slices.Contains(ids, u["user_id"].(string)) {
			blocked++
		}
	}
	if c := j.Counts(); blocked != c.Done {
		t.Errorf("%d users blocked in the tenant, the job says %d done", blocked, c.Done)
	}
	skipped := 0
	for _, it := range j.Items {
		if it.Outcome == bulk.Skipped && strings.Contains(it.Reason, "the job was stopped because its owner no longer holds a role") {
			skipped++
		}
	}
	if c := j.Counts(); skipped+c.Pending == 0 {
		t.Errorf("no user says why it was not changed: %+v", j.Items)
	}
}

// TestBulkJobKeepsRunningWhileItsOwnerMay: the same check finding the owner's access intact lets
// the job finish, at the cost of two calls per RevalidateEvery.
func TestBulkJobKeepsRunningWhileItsOwnerMay(t *testing.T) {
	a, _, id, ids := slowBlockJob(t, "helpdesk")
	a.Clock.Advance(DefaultRevalidateEvery + time.Second)
	j := waitJob(t, a, id)
	if c := j.Counts(); j.State != bulk.Finished || j.Stopped != "" || c.Done != len(ids) {
		t.Errorf("job: %s, stopped %q, %+v; want all %d done", j.State, j.Stopped, c, len(ids))
	}
}

// TestBulkJobStopsWhenItsOwnerIsSignedOutEverywhere: an admin who signs a person out everywhere
// (a stolen session, say) stops that person's running jobs too; so does the person's own "sign
// out everywhere".
func TestBulkJobStopsWhenItsOwnerIsSignedOutEverywhere(t *testing.T) {
	t.Run("by an admin", func(t *testing.T) {
		a, _, id, ids := slowBlockJob(t, "helpdesk")
		admin := a.signIn(t, "admin")
		resp, body := post(t, admin, "/staff/sessions/end-all", map[string][]string{"sub": {staffID("helpdesk")}}, false)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("end all = %d:\n%.500s", resp.StatusCode, body)
		}
		wantStopped(t, a, id, len(ids), stoppedByAdmin)
	})
	t.Run("by its owner", func(t *testing.T) {
		a, b, id, ids := slowBlockJob(t, "helpdesk")
		resp, body := post(t, b, "/logout/everywhere", nil, false)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out everywhere = %d:\n%.500s", resp.StatusCode, body)
		}
		wantStopped(t, a, id, len(ids), stoppedByOwner)
	})
}

// TestBulkJobStopsHoweverManyJobsCameAfter: signing a person out everywhere stops their running
// job even when they started many jobs after it (all of them, not only their latest, are looked
// at).
func TestBulkJobStopsHoweverManyJobsCameAfter(t *testing.T) {
	a, _, id, ids := slowBlockJobOf(t, "helpdesk", 60)
	for i := range recentJobs { // later jobs of theirs, over
		j := bulk.NewJob(staffID("helpdesk"), "block", "Block 1 user", nil, []string{"auth0|later"}, a.Clock.Now().Add(time.Duration(i+1)*time.Second))
		j.State = bulk.Finished
		must(t, a.srv.runner.Store.Create(t.Context(), j))
	}
	admin := a.signIn(t, "admin")
	resp, body := post(t, admin, "/staff/sessions/end-all", map[string][]string{"sub": {staffID("helpdesk")}}, false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("end all = %d:\n%.500s", resp.StatusCode, body)
	}
	wantStopped(t, a, id, len(ids), stoppedByAdmin)
}

// TestBulkJobOwnerCheckRetried: a check of the owner that fails (two 429s from the roles read)
// holds the job and is tried again; the users are changed once it answers, none failed for it.
func TestBulkJobOwnerCheckRetried(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "helpdesk")
	var ids []string
	for _, u := range a.Tenant.Users() {
		if id, _ := u["user_id"].(string); strings.HasPrefix(id, "auth0|") && !strings.Contains(id, "userdesk") && len(ids) < 3 {
			ids = append(ids, id)
		}
	}
	a.Tenant.Fail("GET /users/{id}/roles", auth0apitest.Fault{Status: http.StatusTooManyRequests, Times: 2})
	j := waitJob(t, a, startBulkJob(t, b, "block", usersForm(ids...)))
	if c := j.Counts(); c.Done != len(ids) || c.Failed != 0 {
		t.Errorf("job: %+v %+v; want every user done after the check was retried", c, j.Items)
	}
}
