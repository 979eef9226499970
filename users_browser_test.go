package main

// Browser tests of finding and managing users (issue 5): search as you type, sort, page, the
// user page, edit, create, delete, block and unblock through the confirmation dialog, and the
// address bar restoring a search. They wait for states (elements, attributes, URLs), never for
// time.

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"userdesk/auth0api/auth0apitest"
)

// htmxIdle is true when htmx has no request, swap or settle in progress, so that what is on the
// page is final and its new links are live.
const htmxIdle = `!document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")`

// usersWait waits until the JavaScript expression is true in the page and htmx is idle. It
// asks the page again and again (each question bounded), so a navigation meanwhile (a
// redirect, a reload, the back button) is waited through rather than hung on.
func usersWait(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) && ctx.Err() == nil {
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(qctx, chromedp.Evaluate[bool]("!!(("+expr+") && "+htmxIdle+")"))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		select {
		case <-ctx.Done():
		case <-time.After(25 * time.Millisecond):
		}
	}
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(qctx, chromedp.Location())
	text, _ := chromedp.Run(qctx, chromedp.Evaluate[string](`document.querySelector("main") ? document.querySelector("main").innerText.slice(0, 1500) : ""`))
	t.Fatalf("waiting for %s (last error %v)\nat %s\n%s", what, lastErr, loc, text)
}

// dialogSettled is true when the confirmation dialog is open and its opening animation is over
// (a click during it can miss the moving button).
const dialogSettled = `document.getElementById("confirm-dialog").open &&
	document.getElementById("confirm-dialog").getAnimations({subtree: true}).every(a => a.playState !== "running")`

// navigatedAway reports whether an evaluation failed because the page it ran in went away.
func navigatedAway(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context") || strings.Contains(msg, "context was destroyed") ||
		strings.Contains(msg, "Inspected target navigated")
}

// usersBack presses the back button. Whether the browser then loads the page again, restores
// it from its cache, or leaves it to htmx, the caller waits for the state it expects.
func usersBack(t *testing.T, ctx context.Context) {
	t.Helper()
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := chromedp.Run(qctx, chromedp.Evaluate[chromedp.Void](`setTimeout(() => history.back(), 0)`)); err != nil && !navigatedAway(err) {
		t.Fatalf("back: %v", err)
	}
}

// usersDo runs steps and fails the test on an error.
func usersDo(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s: %v (at %s)", what, err, loc)
	}
}

// usersEval evaluates a JavaScript expression.
func usersEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// usersNames are the names in the results table, in order.
func usersNames(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return usersEval[[]string](t, ctx, `Array.from(document.querySelectorAll("#users-table a.user-link")).map(a => a.textContent.trim())`)
}

// usersQuery returns the address bar's query parameter.
func usersQuery(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(name)
}

// TestBrowserAdminFindsAndManagesUsers: an admin searches as they type, sorts, pages, opens a
// user, edits metadata (invalid JSON first, then valid), creates a user and deletes them.
func TestBrowserAdminFindsAndManagesUsers(t *testing.T) {
	d := startDemo(t)
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "admin")
	usersDo(t, ctx, "the users page", chromedp.WaitVisible(chromedp.CSS("#users-table tr.user-row")))

	// Search as you type: each keystroke may send a request; the newest one wins, and the
	// table ends up showing the final text's results.
	usersDo(t, ctx, "type in the search box", chromedp.SendKeys(chromedp.ID("user-search-q"), "lovel"))
	usersWait(t, ctx, "results for lovel",
		`location.search.includes("q=lovel") && document.querySelectorAll("#users-table tr.user-row").length >= 1 &&
		 Array.from(document.querySelectorAll("#users-table a.user-link")).every(a => /lovel/i.test(a.closest("tr").textContent))`)
	if names := usersNames(t, ctx); !slices.Contains(names, "Ada Lovelace") {
		t.Errorf("search for lovel found %q", names)
	}
	if got := usersEval[string](t, ctx, `document.activeElement.id`); got != "user-search-q" {
		t.Errorf("focus left the search box for %q", got)
	}
	checkPageHealth(t, ctx)
	saveScreenshot(t, ctx, "users-search")

	// Clear, then sort by name (both directions) through the column headers.
	usersDo(t, ctx, "clear the search", chromedp.Click(chromedp.ID("clear-search")))
	usersWait(t, ctx, "the cleared search", `location.search === "" && document.querySelectorAll("#users-table tr.user-row").length === 25`)
	for _, dir := range []string{"ascending", "descending"} {
		usersDo(t, ctx, "sort by name", chromedp.Click(chromedp.CSS(`#users-table a[data-sort="name"]`)))
		usersWait(t, ctx, "sorted "+dir, `document.querySelector('#users-table th[aria-sort="`+dir+`"] a[data-sort="name"]') !== null`)
		names := usersNames(t, ctx)
		cmp := func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }
		if dir == "descending" {
			cmp = func(a, b string) int { return strings.Compare(strings.ToLower(b), strings.ToLower(a)) }
		}
		if len(names) != 25 || !slices.IsSortedFunc(names, cmp) {
			t.Errorf("names not sorted %s: %q", dir, names)
		}
		if got := usersQuery(t, ctx, "sort"); got != "name" {
			t.Errorf("address bar sort = %q", got)
		}
	}

	// Page forward: page 2 of the same order; the page size changes the rows.
	first := usersNames(t, ctx)
	usersDo(t, ctx, "next page", chromedp.Click(chromedp.CSS(`#users-table a[rel="next"]`)))
	usersWait(t, ctx, "page 2", `document.querySelector('#users-table a[aria-current="page"]') !== null &&
		document.querySelector('#users-table a[aria-current="page"]').textContent.trim() === "2"`)
	second := usersNames(t, ctx)
	if len(second) != 25 || slices.Equal(first, second) || strings.ToLower(second[0]) > strings.ToLower(first[0]) {
		t.Errorf("page 2 = %q after %q", second, first)
	}
	if usersQuery(t, ctx, "page") != "2" || usersQuery(t, ctx, "dir") != "desc" {
		t.Errorf("address bar lost the page or the order")
	}
	usersDo(t, ctx, "page size 10", chromedp.SetValue(chromedp.CSS(`select[name="per_page"]`), "10"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[name="per_page"]').dispatchEvent(new Event("input", {bubbles: true}))`))
	usersWait(t, ctx, "10 per page", `document.querySelectorAll("#users-table tr.user-row").length === 10 && location.search.includes("per_page=10")`)
	checkPageHealth(t, ctx)

	// Open Ada: search by her e-mail address (an exact look-up) and follow the link.
	usersDo(t, ctx, "search her e-mail",
		chromedp.Clear(chromedp.ID("user-search-q")),
		chromedp.SendKeys(chromedp.ID("user-search-q"), "ada.lovelace@example.com"))
	usersWait(t, ctx, "Ada found", `document.querySelectorAll("#users-table tr.user-row").length === 1 &&
		document.querySelector("#users-table a.user-link").textContent.trim() === "Ada Lovelace"`)
	usersDo(t, ctx, "open Ada", chromedp.Click(chromedp.CSS("#users-table a.user-link")),
		chromedp.WaitVisible(chromedp.ID("user-name")))
	if got := usersEval[string](t, ctx, `document.getElementById("user-id").textContent`); got != auth0apitest.FixtureUserID {
		t.Errorf("user page of %q", got)
	}
	usersWait(t, ctx, "the sections loaded", secSectionsLoaded)
	checkPageHealth(t, ctx)
	saveScreenshot(t, ctx, "user-page")

	// Edit her metadata: invalid JSON is refused beside the field with the text kept; valid
	// JSON is saved and the profile comes back with it.
	usersDo(t, ctx, "open the edit form", chromedp.Click(chromedp.ID("edit-user")), chromedp.WaitVisible(chromedp.ID("edit-form")))
	bad := `{"theme": "light",`
	usersDo(t, ctx, "type invalid JSON", chromedp.SetValue(chromedp.ID("field-user_metadata"), bad), chromedp.Click(chromedp.ID("save-user")))
	usersWait(t, ctx, "the JSON error", `document.getElementById("error-user_metadata") !== null`)
	if got := usersEval[string](t, ctx, `document.getElementById("field-user_metadata").value`); got != bad {
		t.Errorf("the invalid JSON was not kept: %q", got)
	}
	good := `{"theme": "light", "locale": "en-GB", "beta_tester": true}`
	usersDo(t, ctx, "type valid JSON", chromedp.SetValue(chromedp.ID("field-user_metadata"), good), chromedp.Click(chromedp.ID("save-user")))
	usersWait(t, ctx, "the saved profile", `document.getElementById("edit-form") === null && document.getElementById("user-metadata") !== null &&
		document.getElementById("user-metadata").textContent.includes("beta_tester") && __message().includes("Saved")`)
	if got := usersEval[string](t, ctx, `document.getElementById("user-metadata").textContent`); strings.Contains(got, "newsletter") || !strings.Contains(got, "light") {
		t.Errorf("metadata after saving: %q", got)
	}
	checkPageHealth(t, ctx)

	// Create a user whose name and metadata hold markup (they must stay text), with a
	// generated password, and land on their page.
	usersDo(t, ctx, "the create form", chromedp.Navigate(d.URL+"/users/new"), chromedp.WaitVisible(chromedp.ID("create-form")))
	email := "browser.made@example.com"
	hostileName := `<img src=x onerror=alert(1)> Browser Made`
	usersDo(t, ctx, "fill the create form",
		chromedp.SetValue(chromedp.ID("field-connection"), auth0apitest.DatabaseConnection),
		chromedp.SendKeys(chromedp.ID("field-email"), email),
		chromedp.SendKeys(chromedp.ID("field-username"), "browsermade"),
		chromedp.SendKeys(chromedp.ID("field-name"), hostileName),
		chromedp.SetValue(chromedp.ID("field-user_metadata"), `{"note": "<script>alert(1)</script>"}`),
		chromedp.Click(chromedp.ID("generate-password")))
	usersWait(t, ctx, "a generated password", `document.getElementById("field-password").type === "text" &&
		document.getElementById("field-password").value.length === 20`)
	usersDo(t, ctx, "create", chromedp.Click(chromedp.ID("create-submit")), chromedp.WaitVisible(chromedp.ID("user-name")))
	if got := usersEval[string](t, ctx, `document.getElementById("user-name").textContent`); got != hostileName {
		t.Errorf("the new user's name shows as %q", got)
	}
	if got := usersEval[string](t, ctx, `__message()`); !strings.Contains(got, "Created "+email) {
		t.Errorf("flash after creating: %q", got)
	}
	if usersEval[int](t, ctx, `document.querySelectorAll("main img[src='x']").length`) != 0 {
		t.Error("the name's markup became an element")
	}
	checkPageHealth(t, ctx)

	// Delete them: the button waits for the e-mail address to be typed.
	usersDo(t, ctx, "open the delete zone", chromedp.Click(chromedp.CSS("#delete-zone summary")), chromedp.WaitVisible(chromedp.ID("delete-confirm")))
	if !usersEval[bool](t, ctx, `document.getElementById("delete-user").disabled`) {
		t.Error("the delete button works before the e-mail address is typed")
	}
	usersDo(t, ctx, "type the e-mail", chromedp.SendKeys(chromedp.ID("delete-confirm"), email))
	usersWait(t, ctx, "the delete button enabled", `!document.getElementById("delete-user").disabled`)
	usersDo(t, ctx, "delete", chromedp.Click(chromedp.ID("delete-user")))
	usersWait(t, ctx, "back on the search with a message", `location.pathname === "/users" && __message().includes("Deleted `+email+`")`)
	checkPageHealth(t, ctx)
}

// TestBrowserHelpdeskBlocksAndUnblocks: a helpdesk person blocks and unblocks a user through
// the confirmation dialog (cancelling once), and sees no edit or delete controls.
func TestBrowserHelpdeskBlocksAndUnblocks(t *testing.T) {
	d := startDemo(t)
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "helpdesk")
	usersDo(t, ctx, "Edsger's page", chromedp.Navigate(d.URL+"/users/"+url.PathEscape(auth0apitest.FixtureBareUserID)),
		chromedp.WaitVisible(chromedp.ID("block-user")))
	for _, absent := range []string{"edit-user", "delete-zone", "delete-user"} {
		if usersEval[bool](t, ctx, `document.getElementById("`+absent+`") !== null`) {
			t.Errorf("a helpdesk person sees #%s", absent)
		}
	}

	// Cancel first: nothing happens.
	usersDo(t, ctx, "ask to block", chromedp.Click(chromedp.ID("block-user")))
	usersWait(t, ctx, "the dialog", dialogSettled+` &&
		document.getElementById("confirm-question").textContent.includes("Block edsger.dijkstra@example.com") &&
		document.getElementById("confirm-ok").textContent === "Block user"`)
	usersDo(t, ctx, "cancel", chromedp.Click(chromedp.CSS(`#confirm-dialog button[value="cancel"]`)))
	usersWait(t, ctx, "the dialog closed", `!document.getElementById("confirm-dialog").open`)
	if usersEval[string](t, ctx, `document.querySelector("#chip-status .fact-value").textContent`) != "Active" {
		t.Error("cancelling blocked the user")
	}
	if got := usersEval[string](t, ctx, `document.activeElement.id`); got != "block-user" {
		t.Errorf("after cancelling, the focus is on %q, not the Block button", got)
	}

	// Block, then unblock, each confirmed in the dialog.
	for _, step := range []struct{ button, label, done, flash string }{
		{"block-user", "Block user", "unblock-user", "Blocked edsger.dijkstra@example.com"},
		{"unblock-user", "Unblock user", "block-user", "Unblocked edsger.dijkstra@example.com"},
	} {
		usersDo(t, ctx, step.button, chromedp.Click(chromedp.ID(step.button)))
		usersWait(t, ctx, "the dialog for "+step.button, dialogSettled+` && document.getElementById("confirm-ok").textContent === "`+step.label+`"`)
		usersDo(t, ctx, "confirm", chromedp.Click(chromedp.ID("confirm-ok")))
		usersWait(t, ctx, step.done, `document.getElementById("`+step.done+`") !== null && __message().includes("`+step.flash+`")`)
		blocked := usersEval[string](t, ctx, `document.querySelector("#chip-status .fact-value").textContent`) == "Blocked"
		if blocked != (step.button == "block-user") {
			t.Errorf("after %s the page shows blocked = %v", step.button, blocked)
		}
		secFocusOnMessage(t, ctx, step.button, "user-actions")
		checkPageHealth(t, ctx)
	}
	saveScreenshot(t, ctx, "user-page-helpdesk")
}

// TestBrowserSearchSurvivesReloadAndBack: a search is in the address bar, so a reload and the
// back button (after opening a user) bring it back.
func TestBrowserSearchSurvivesReloadAndBack(t *testing.T) {
	d := startDemo(t)
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "viewer")
	usersDo(t, ctx, "the users page", chromedp.WaitVisible(chromedp.CSS("#users-table tr.user-row")))
	usersDo(t, ctx, "search grace", chromedp.SendKeys(chromedp.ID("user-search-q"), "grace"))
	usersWait(t, ctx, "Grace found", `location.search === "?q=grace" && Array.from(document.querySelectorAll("#users-table a.user-link")).some(a => a.textContent.trim() === "Grace Hopper")`)
	usersDo(t, ctx, "sort by logins", chromedp.Click(chromedp.CSS(`#users-table a[data-sort="logins"]`)))
	usersWait(t, ctx, "sorted by logins", `location.search.includes("sort=logins") && document.querySelector('th[aria-sort="descending"] a[data-sort="logins"]') !== null`)
	rows := usersNames(t, ctx)

	usersDo(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#users-table tr.user-row")))
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("user-search-q"))); got != "grace" {
		t.Errorf("after a reload the search box holds %q", got)
	}
	if got := usersNames(t, ctx); !slices.Equal(got, rows) {
		t.Errorf("after a reload: %q, want %q", got, rows)
	}

	usersDo(t, ctx, "open Grace", chromedp.Click(chromedp.CSS(`#users-table tr[data-user-id="`+auth0apitest.FixtureSocialUserID+`"] a.user-link`)),
		chromedp.WaitVisible(chromedp.ID("user-name")))
	usersBack(t, ctx)
	usersWait(t, ctx, "the search restored", `location.search.includes("q=grace") && document.getElementById("user-search-q") !== null &&
		document.getElementById("user-search-q").value === "grace" && document.querySelectorAll("#users-table tr.user-row").length === `+strconv.Itoa(len(rows)))
	if got := usersNames(t, ctx); !slices.Equal(got, rows) {
		t.Errorf("after back: %q, want %q", got, rows)
	}
	// Back once more: the unsorted search (sorting added a history entry; typing did not).
	usersBack(t, ctx)
	usersWait(t, ctx, "the unsorted search", `location.search === "?q=grace" && document.getElementById("user-search-q") !== null &&
		document.querySelector('#users-table th[aria-sort="descending"]') === null && document.querySelectorAll("#users-table tr.user-row").length > 0`)
	checkPageHealth(t, ctx)
}

// TestBrowserSectionPlaceholderFailsInPlace: when a section's request fails before the section
// can answer (here the browser is given the answer the server sends for an unknown route: an
// alert for the flash area), the placeholder shows the error itself with a Retry button, the
// other sections still load, and Retry loads the section.
func TestBrowserSectionPlaceholderFailsInPlace(t *testing.T) {
	d := startDemo(t)
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "viewer")

	paused := chromedp.Events(ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/logs*"}}}); err != nil {
		t.Fatal(err)
	}
	var failed atomic.Int32
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			if failed.Add(1) == 1 {
				_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
					RequestID: ev.RequestID, ResponseCode: 404,
					ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html; charset=utf-8"},
						{Name: "HX-Retarget", Value: "#flash"}, {Name: "HX-Reswap", Value: "innerHTML"}},
					Body: []byte(`<article class="flash" data-kind="error" role="alert"><strong>Not Found.</strong> There is nothing at this address.</article>`),
				})
				continue
			}
			_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	}()

	// The logs load from the browser when their tab shows (the sections read in the page's one
	// round trip never fail this way).
	usersDo(t, ctx, "Ada's page", chromedp.Navigate(d.URL+"/users/"+url.PathEscape(auth0apitest.FixtureUserID)), chromedp.WaitVisible(chromedp.ID("user-name")))
	usersWait(t, ctx, "the sections", secSectionsLoaded)
	secTab(t, ctx, "activity")
	usersWait(t, ctx, "the failed section in place", `document.querySelector("#section-logs[data-section-placeholder] [data-section-body]").textContent.includes("nothing at this address") &&
		!document.querySelector("#section-logs [data-section-retry]").hidden &&
		document.querySelectorAll(".user-section[data-state=loaded]").length >= 4`)
	if got := usersEval[string](t, ctx, `__message().trim()`); got != "" {
		t.Errorf("the section's failure reached the flash area: %q", got)
	}
	usersDo(t, ctx, "retry", chromedp.Click(chromedp.CSS("#section-logs [data-section-retry]")))
	usersWait(t, ctx, "the section loaded", `document.getElementById("section-logs") !== null &&
		!document.getElementById("section-logs").hasAttribute("data-section-placeholder")`)
	if n := failed.Load(); n != 2 {
		t.Errorf("logs requested %d times, want 2", n)
	}
	checkPageHealth(t, ctx)
}
