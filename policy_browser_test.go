package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"userdesk/auth0api/auth0apitest"
)

// TestBrowserRegionalHelpdesk (issue 10): the demo policy's EMEA helpdesk searches and sees
// only EMEA users (the page says so, and each user opened is in EMEA), opens one and removes
// one of their factors; the URL of a user outside their reach gives the "no such user" page.
func TestBrowserRegionalHelpdesk(t *testing.T) {
	d := startDemo(t)
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "emea")

	usersDo(t, ctx, "the users page", chromedp.Navigate(d.URL+"/users?per_page=10"), chromedp.WaitVisible(chromedp.ID("users-table")))
	if reach := usersEval[string](t, ctx, `document.getElementById("search-reach").textContent`); !strings.Contains(reach, "app_metadata.region is emea") {
		t.Errorf("the search does not say what it reaches: %q", reach)
	}
	ids := usersEval[[]string](t, ctx, `Array.from(document.querySelectorAll("[data-user-id]")).map(e => e.dataset.userId)`)
	if len(ids) == 0 {
		t.Fatal("the regional helpdesk found nobody")
	}
	for _, id := range ids[:min(3, len(ids))] {
		usersDo(t, ctx, "open "+id, chromedp.Navigate(d.URL+"/users/"+url.PathEscape(id)), chromedp.WaitVisible(chromedp.ID("user-profile")))
		region := usersEval[string](t, ctx, `(Array.from(document.querySelectorAll("#app-metadata dt")).find(e => e.textContent.trim() === "region")?.nextElementSibling?.textContent ?? "").trim()`)
		if region != "emea" {
			t.Errorf("%s was found, and its region is %q, not emea", id, region)
		}
	}

	// Ada (EMEA): remove her authenticator app.
	usersDo(t, ctx, "Ada's page", chromedp.Navigate(d.URL+"/users/"+url.PathEscape(auth0apitest.FixtureUserID)+"#security"),
		chromedp.WaitVisible(chromedp.CSS(`#section-factors .factor-remove`)))
	before := usersEval[int](t, ctx, `document.querySelectorAll("#section-factors .factor-remove").length`)
	usersDo(t, ctx, "ask to remove a factor", chromedp.Click(chromedp.CSS(`#section-factors .factor-remove`)))
	usersWait(t, ctx, "the dialog", dialogSettled)
	usersDo(t, ctx, "confirm", chromedp.Click(chromedp.ID("confirm-ok")))
	usersWait(t, ctx, "the factor removed", `__message().includes("Removed the")`)
	if after := usersEval[int](t, ctx, `document.querySelectorAll("#section-factors .factor-remove").length`); after != before-1 {
		t.Errorf("factors offered for removal: %d before, %d after", before, after)
	}
	checkPageHealth(t, ctx)

	// Grace (AMER) is out of reach: her page does not exist for this person.
	usersDo(t, ctx, "Grace's page", chromedp.Navigate(d.URL+"/users/"+url.PathEscape(auth0apitest.FixtureSocialUserID)),
		chromedp.WaitVisible(chromedp.CSS("main h1")))
	if h := usersEval[string](t, ctx, `document.querySelector("main h1").textContent + " " + document.querySelector("main").textContent`); !strings.Contains(h, "No such user") {
		t.Errorf("an out-of-reach user's page says: %.300s", h)
	}
	saveScreenshot(t, ctx, "regional-helpdesk-out-of-reach")
}
