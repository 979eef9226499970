package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserBulkAssignRole (issue 16): a partner's admin selects 30 users across two result
// pages (the whole first page with "select this page", five on the second), one of whom leaves
// their reach before the job runs, and assigns them a role in one job. The picker offers only
// the group's assignable roles. A reload while the job runs shows the same progress, never
// less; the finished job says who was skipped and why (out of reach; staff accounts, which only
// an admin changes) and that everyone else is done; the tenant agrees.
func TestBrowserBulkAssignRole(t *testing.T) {
	d, tenant := startDemoWith(t, nil)
	ctx := newBrowserFor(t, 3*browserTimeout)
	browserSignIn(t, ctx, d, "partner")

	usersDo(t, ctx, "the users page", chromedp.Navigate(d.URL+"/users?per_page=25"), chromedp.WaitVisible(chromedp.ID("users-table")))
	usersWait(t, ctx, "the bulk bar", `document.querySelector("[data-bulk-form]") !== null && !document.querySelector("[data-bulk-page]").hidden`)
	if n := usersEval[int](t, ctx, `document.querySelectorAll("input[data-bulk-user]").length`); n != 25 {
		t.Fatalf("the first page has %d users to select, want 25 (the partner's reach holds more)", n)
	}
	usersDo(t, ctx, "select this page", chromedp.Click(chromedp.CSS("input[data-bulk-page]")))
	usersWait(t, ctx, "25 selected", `document.querySelector("[data-bulk-count]").textContent.startsWith("25 users selected")`)
	chosen := usersEval[[]string](t, ctx, `Array.from(document.querySelectorAll("input[data-bulk-user]:checked")).map(e => e.value)`)

	first := chosen[0]
	usersDo(t, ctx, "the second page", chromedp.Click(chromedp.CSS(`#users-table a[rel="next"]`)))
	usersWait(t, ctx, "the second page's rows", `document.querySelector("input[data-bulk-user]") && document.querySelector("input[data-bulk-user]").value !== `+jsString(first))
	for i := range 5 {
		id := usersEval[string](t, ctx, fmt.Sprintf(`document.querySelectorAll("input[data-bulk-user]")[%d].value`, i))
		usersDo(t, ctx, "check "+id, chromedp.Click(chromedp.CSS(`input[data-bulk-user][value=`+jsString(id)+`]`)))
		chosen = append(chosen, id)
	}
	usersWait(t, ctx, "30 selected", `document.querySelector("[data-bulk-count]").textContent.startsWith("30 users selected (25 on other pages)")`)

	// One of them becomes another partner's: out of this person's reach when the job runs.
	moved := chosen[7]
	u, ok := tenant.User(moved)
	if !ok {
		t.Fatalf("no user %s in the tenant", moved)
	}
	u["app_metadata"].(map[string]any)["partner"] = "globex"
	tenant.PutUser(u)

	usersDo(t, ctx, "Assign a role…", chromedp.Evaluate[chromedp.Void](`setTimeout(() => document.querySelector('button[data-bulk-op="roles-assign"]').click(), 0)`))
	usersWait(t, ctx, "the confirmation", `document.getElementById("bulk-role") !== null`)
	roleID := usersEval[string](t, ctx, `Array.from(document.querySelectorAll("#bulk-role option")).find(o => o.textContent === "partners-viewer")?.value ?? ""`)
	if roleID == "" {
		t.Fatal("the role picker does not offer partners-viewer, an assignable role of the partner's group")
	}
	if offered := usersEval[[]string](t, ctx, `Array.from(document.querySelectorAll("#bulk-role option")).filter(o => o.value).map(o => o.textContent)`); slices.Contains(offered, "tenant-admin") {
		t.Errorf("the partner is offered roles outside its assignable ones: %q", offered)
	}
	usersDo(t, ctx, "choose the role", chromedp.SetValue(chromedp.ID("bulk-role"), roleID))
	checkA11y(t, ctx, "bulk role confirmation")

	// Slow the tenant so that the job is still running when the page is reloaded.
	tenant.SetLatency(150 * time.Millisecond)
	usersDo(t, ctx, "start", chromedp.Evaluate[chromedp.Void](`setTimeout(() => document.getElementById("bulk-start").click(), 0)`))
	usersWait(t, ctx, "the job under way", `document.querySelector("#bulk-job[data-state='running']") !== null && Number(document.querySelector("[data-count=done]").textContent) > 0`)
	done := func() int {
		return usersEval[int](t, ctx, `Number(document.querySelector("[data-count=done]").textContent)`)
	}
	before := done()
	path := usersEval[string](t, ctx, `location.pathname`)
	usersDo(t, ctx, "reload", chromedp.Reload())
	usersWait(t, ctx, "the job page again", `document.getElementById("bulk-job") !== null`)
	if got := usersEval[string](t, ctx, `location.pathname`); got != path {
		t.Errorf("the reload shows %s, not the job %s", got, path)
	}
	if after := done(); after < before {
		t.Errorf("after the reload %d users done, before it %d", after, before)
	}
	tenant.SetLatency(0)
	usersWait(t, ctx, "the job finished", `document.querySelector("#bulk-job[data-state='finished']") !== null`)
	// Besides the one moved away, the partner's users who hold dashboard access are skipped too
	// (a staff account: only an admin changes it), each with its reason; everyone else is done.
	reasons := map[string]string{}
	for _, row := range usersEval[[][]string](t, ctx, `Array.from(document.querySelectorAll("tr[data-user-id]")).filter(r => r.querySelector(".bulk-reason")?.textContent.trim()).map(r => [r.dataset.userId, r.querySelector(".bulk-reason").textContent.trim()])`) {
		reasons[row[0]] = row[1]
	}
	if !strings.Contains(reasons[moved], "out of your reach") {
		t.Errorf("the user moved out of reach: %q", reasons[moved])
	}
	for id, why := range reasons {
		if id != moved && !strings.Contains(why, "staff account") {
			t.Errorf("%s skipped or failed: %q", id, why)
		}
	}
	counts := usersEval[[]string](t, ctx, `["done","failed","skipped"].map(k => document.querySelector("[data-count="+k+"]").textContent)`)
	if want := fmt.Sprintf("%d,0,%d", 30-len(reasons), len(reasons)); strings.Join(counts, ",") != want {
		t.Errorf("done, failed, skipped = %v, want %s", counts, want)
	}
	for _, id := range chosen {
		_, skipped := reasons[id]
		if has := slices.Contains(tenant.UserRoles(id), roleID); has == skipped {
			t.Errorf("%s: skipped %v, given the role %v", id, skipped, has)
		}
	}
	checkA11y(t, ctx, "bulk role job finished")
	checkPageHealth(t, ctx)
}
