package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"userdesk/auth0api/auth0apitest"
)

// TestBrowserAuditTrail (issue 15): a helpdesk person blocks a user; an admin filters /audit by
// that person, opens the user from the event, and finds the same event under "Changes by staff".
func TestBrowserAuditTrail(t *testing.T) {
	d := startDemo(t)
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "helpdesk")
	usersDo(t, ctx, "Edsger's page", chromedp.Navigate(d.URL+"/users/"+url.PathEscape(auth0apitest.FixtureBareUserID)),
		chromedp.WaitVisible(chromedp.ID("block-user")))
	usersDo(t, ctx, "ask to block", chromedp.Click(chromedp.ID("block-user")))
	usersWait(t, ctx, "the dialog", dialogSettled)
	usersDo(t, ctx, "confirm", chromedp.Click(chromedp.ID("confirm-ok")))
	usersWait(t, ctx, "blocked", `document.getElementById("unblock-user") !== null`)

	ctx = newBrowser(t)
	browserSignIn(t, ctx, d, "admin")
	usersDo(t, ctx, "the audit page", chromedp.Navigate(d.URL+"/audit"), chromedp.WaitVisible(chromedp.ID("audit-filter")))
	usersDo(t, ctx, "filter by the helpdesk person",
		chromedp.SendKeys(`#audit-filter input[name="actor"]`, demoAccounts["helpdesk"]),
		chromedp.Click(chromedp.ID("audit-apply")))
	// The filter is a plain GET form: wait for the filtered page, not the one it replaces.
	usersWait(t, ctx, "the filtered page", `location.search.includes("actor=") && document.readyState === "complete" && document.getElementById("audit-events") !== null`)
	words := usersEval[string](t, ctx, `document.querySelector("#audit-events .audit-event[data-event='user.block'] .audit-words").textContent`)
	if !strings.Contains(words, "Hal Helpdesk blocked") {
		t.Fatalf("the event reads %q", words)
	}
	if others := usersEval[int](t, ctx, `Array.from(document.querySelectorAll("#audit-events .audit-words")).filter(e => !e.textContent.startsWith("Hal Helpdesk")).length`); others != 0 {
		t.Errorf("%d events of other people after filtering by the helpdesk person", others)
	}
	checkPageHealth(t, ctx)
	saveScreenshot(t, ctx, "audit-filtered")
	usersDo(t, ctx, "open the user from the event",
		chromedp.Click(`#audit-events .audit-event[data-event='user.block'] a.audit-target`),
		chromedp.WaitVisible(chromedp.ID("tab-activity")))
	// "Changes by staff" is in the Activity tab and loads when the tab shows.
	secTab(t, ctx, "activity")
	usersDo(t, ctx, "Changes by staff", chromedp.WaitVisible(chromedp.ID("section-changes-title")))
	usersWait(t, ctx, "the same event under Changes by staff", `document.querySelector("#changes-events .audit-event[data-event='user.block'] .audit-words")?.textContent.includes("Hal Helpdesk blocked")`)
	checkPageHealth(t, ctx)
}
