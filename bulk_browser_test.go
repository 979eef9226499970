package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserBulkBlock (issue 16): the demo's regional helpdesk checks two users on the first
// page of results and two on the second (the selection survives paging, in sessionStorage),
// one of whom leaves their reach meanwhile (moved to another region), and blocks them: the
// confirmation lists the four, the job's page shows the progress until it finishes, three are
// blocked and the fourth is skipped with the reason in words.
func TestBrowserBulkBlock(t *testing.T) {
	d, tenant := startDemoWith(t, nil)
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "emea")

	usersDo(t, ctx, "the users page", chromedp.Navigate(d.URL+"/users?per_page=10&blocked=no"), chromedp.WaitVisible(chromedp.ID("users-table")))
	usersWait(t, ctx, "the bulk bar", `document.querySelector("[data-bulk-form]") !== null && !document.querySelector("[data-bulk-page]").hidden`)
	check := func(n int) string {
		sel := `input[data-bulk-user]`
		id := usersEval[string](t, ctx, `document.querySelectorAll("`+sel+`")[`+string(rune('0'+n))+`].value`)
		usersDo(t, ctx, "check "+id, chromedp.Click(chromedp.CSS(`input[data-bulk-user][value="`+id+`"]`)))
		return id
	}
	var chosen []string
	chosen = append(chosen, check(0), check(1))
	usersWait(t, ctx, "two selected", `document.querySelector("[data-bulk-count]").textContent.startsWith("2 users selected")`)

	first := usersEval[string](t, ctx, `document.querySelector("input[data-bulk-user]").value`)
	usersDo(t, ctx, "the second page", chromedp.Click(chromedp.CSS(`#users-table a[rel="next"]`)))
	usersWait(t, ctx, "the second page's rows", `document.querySelector("input[data-bulk-user]") && document.querySelector("input[data-bulk-user]").value !== "`+first+`"`)
	chosen = append(chosen, check(0), check(1))
	usersWait(t, ctx, "four selected", `document.querySelector("[data-bulk-count]").textContent.startsWith("4 users selected (2 on other pages)")`)
	saveScreenshot(t, ctx, "bulk-selection")
	checkA11yEverywhere(t, ctx, "search results, users selected for a bulk action")

	// The last one chosen moves to AMER: out of this person's reach by the time the job runs.
	moved := chosen[3]
	u, ok := tenant.User(moved)
	if !ok {
		t.Fatalf("no user %s in the tenant", moved)
	}
	meta, _ := u["app_metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["region"] = "amer"
	u["app_metadata"] = meta
	tenant.PutUser(u)

	usersDo(t, ctx, "Block…", chromedp.Evaluate[chromedp.Void](`setTimeout(() => document.querySelector('button[data-bulk-op="block"]').click(), 0)`))
	usersWait(t, ctx, "the confirmation", `document.getElementById("bulk-start") !== null`)
	if title := usersEval[string](t, ctx, `document.querySelector("main h1").textContent`); title != "Block 4 users" {
		t.Errorf("the confirmation says %q", title)
	}
	listed := usersEval[string](t, ctx, `document.querySelector(".bulk-users").textContent`)
	for _, id := range chosen {
		if !strings.Contains(listed, id) {
			t.Errorf("the confirmation does not list %s: %q", id, listed)
		}
	}
	checkA11yEverywhere(t, ctx, "bulk confirmation")
	usersDo(t, ctx, "start", chromedp.Evaluate[chromedp.Void](`setTimeout(() => document.getElementById("bulk-start").click(), 0)`))
	usersWait(t, ctx, "the job finished", `document.querySelector("#bulk-job[data-state='finished']") !== null`)
	counts := usersEval[[]string](t, ctx, `["done","failed","skipped"].map(k => document.querySelector("[data-count="+k+"]").textContent)`)
	if strings.Join(counts, ",") != "3,0,1" {
		t.Errorf("done, failed, skipped = %v, want 3, 0, 1", counts)
	}
	reason := usersEval[string](t, ctx, `document.querySelector("tr[data-user-id='`+moved+`'] .bulk-reason").textContent`)
	if !strings.Contains(reason, "out of your reach") {
		t.Errorf("the skipped user's reason is %q", reason)
	}
	for _, id := range chosen[:3] {
		if u, _ := tenant.User(id); u["blocked"] != true {
			t.Errorf("%s is not blocked", id)
		}
	}
	if u, _ := tenant.User(moved); u["blocked"] == true {
		t.Errorf("the user out of reach was blocked")
	}
	if usersEval[string](t, ctx, `sessionStorage.getItem("userdesk.bulk.selection") || ""`) != "" {
		t.Errorf("the selection outlived the job's start")
	}
	checkA11yEverywhere(t, ctx, "bulk job finished")
	checkPageHealth(t, ctx)
	saveScreenshot(t, ctx, "bulk-job-finished")
}
