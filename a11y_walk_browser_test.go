package main

import (
	"context"
	"net/url"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"userdesk/auth0api/auth0apitest"
)

// checkA11yEverywhere checks the page as it is now with axe-core in light mode, dark mode and
// on a 390×844 phone (where nothing may be wider than the screen either), then returns to a
// light desktop.
func checkA11yEverywhere(t *testing.T, ctx context.Context, state string) {
	t.Helper()
	const frames = `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`
	settle := func() {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](frames, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatalf("wait for a frame: %v", err)
		}
	}
	setDarkMode(t, ctx, false)
	settle()
	checkA11y(t, ctx, state+" (light)")
	setDarkMode(t, ctx, true)
	settle()
	checkA11y(t, ctx, state+" (dark)")
	setDarkMode(t, ctx, false)
	setViewport(t, ctx, 390, 844)
	settle()
	checkA11y(t, ctx, state+" (390 px)")
	checkNoOverflow(t, ctx, state+" at 390 px")
	resetViewport(t, ctx)
	settle()
}

// TestBrowserA11yWalk walks every page state a person meets and checks each with axe-core in
// light mode, dark mode and on a phone (checkA11yEverywhere): the sign-in page; as an admin the
// search (all users, results, none, an input error, the filters open), the user page (each tab
// with every section loaded, the raw JSON and a raw log event open, both pickers open, the
// delete form, the confirmation dialog), the edit and create forms with errors, two error pages;
// the signed-out page; the helpdesk's user page with the block dialog; the page of a person
// with no role. On the phone the factors' Remove buttons stay within the screen.
func TestBrowserA11yWalk(t *testing.T) {
	requireAxe(t)
	d, _ := startSectionsDemo(t)
	ctx := newBrowserFor(t, 8*browserTimeout)
	ada := d.URL + "/users/" + url.PathEscape(auth0apitest.FixtureUserID)

	secDo(t, ctx, "the sign-in page", chromedp.Navigate(d.URL+"/"), chromedp.WaitVisible(chromedp.ID("username")))
	checkA11yEverywhere(t, ctx, "sign-in")
	browserSignIn(t, ctx, d, "admin")

	// The search.
	for _, s := range []struct{ name, path, ready string }{
		{"search, all users", "/users", `document.querySelectorAll("#users-table tr.user-row").length > 0`},
		{"search, results", "/users?q=lovel", `document.querySelectorAll("#users-table tr.user-row").length > 0`},
		{"search, none", "/users?q=zzzzqqq", `document.querySelectorAll("#users-table tr.user-row").length === 0`},
		{"search, an input error", "/users?logins_min=-3", `document.getElementById("search-errors") !== null`},
	} {
		secDo(t, ctx, s.name, chromedp.Navigate(d.URL+s.path))
		secWait(t, ctx, s.name, s.ready)
		checkA11yEverywhere(t, ctx, s.name)
	}
	secDo(t, ctx, "the users page", chromedp.Navigate(d.URL+"/users"))
	secWait(t, ctx, "the users page", `document.querySelectorAll("#users-table tr.user-row").length > 0`)
	secDo(t, ctx, "open the filters", chromedp.Click(chromedp.CSS("details.filters summary")))
	secWait(t, ctx, "the filters", `document.querySelector("details.filters").open`)
	checkA11yEverywhere(t, ctx, "search, filters open")

	// The user page, tab by tab.
	secDo(t, ctx, "Ada's page", chromedp.Navigate(ada))
	secWait(t, ctx, "every section", secSectionsLoaded)
	secDo(t, ctx, "open the raw JSON", chromedp.Click(chromedp.CSS("#user-raw-json summary")))
	secWait(t, ctx, "the raw JSON", `document.getElementById("user-raw-json").open`)
	checkA11yEverywhere(t, ctx, "user page, profile, raw JSON open")
	secDo(t, ctx, "open the delete form", chromedp.Click(chromedp.ID("delete-open")))
	secWait(t, ctx, "the delete form", `document.getElementById("delete-zone").open && document.activeElement.id === "delete-confirm"`)
	checkA11yEverywhere(t, ctx, "user page, the delete form open")

	secTab(t, ctx, "security")
	checkA11yEverywhere(t, ctx, "user page, security")
	setViewport(t, ctx, 390, 844)
	if n := secEval[int](t, ctx, `Array.from(document.querySelectorAll("#section-factors button.factor-remove")).filter(b => b.getBoundingClientRect().right > innerWidth).length`); n != 0 {
		t.Errorf("on a phone %d factor Remove buttons are past the screen's edge", n)
	}
	resetViewport(t, ctx)
	secDo(t, ctx, "ask to reset MFA", chromedp.Click(chromedp.ID("factors-reset")))
	secWait(t, ctx, "the dialog", dialogSettled)
	checkA11yEverywhere(t, ctx, "the confirmation dialog")
	secDo(t, ctx, "cancel", chromedp.Click(chromedp.CSS(`#confirm-dialog button[value="cancel"]`)))
	secWait(t, ctx, "the dialog closed", `!document.getElementById("confirm-dialog").open`)

	secTab(t, ctx, "access")
	secDo(t, ctx, "open the role picker", chromedp.Click(chromedp.ID("roles-picker-open")))
	secWait(t, ctx, "the role picker", `document.getElementById("roles-picker-search") !== null`)
	secDo(t, ctx, "open the permission picker", chromedp.Click(chromedp.ID("permissions-picker-open")))
	secWait(t, ctx, "the permission picker", `document.getElementById("permissions-picker-api") !== null`)
	checkA11yEverywhere(t, ctx, "user page, access, both pickers open")

	secTab(t, ctx, "activity")
	secDo(t, ctx, "open a raw event", chromedp.Click(chromedp.CSS("#section-logs button.log-open")))
	secWait(t, ctx, "the raw event", `!document.getElementById("log-raw-0").hidden`)
	checkA11yEverywhere(t, ctx, "user page, activity, a raw log event open")

	// Edit and create, with errors.
	secDo(t, ctx, "the edit form", chromedp.Click(chromedp.ID("edit-user")), chromedp.WaitVisible(chromedp.ID("edit-form")))
	secDo(t, ctx, "invalid JSON", chromedp.SetValue(chromedp.ID("field-user_metadata"), `{"a":`), chromedp.Click(chromedp.ID("save-user")))
	secWait(t, ctx, "the error", `document.getElementById("error-user_metadata") !== null`)
	checkA11yEverywhere(t, ctx, "edit form with an error")
	secDo(t, ctx, "the create form", chromedp.Navigate(d.URL+"/users/new"), chromedp.WaitVisible(chromedp.ID("create-form")))
	secDo(t, ctx, "create with nothing", chromedp.Click(chromedp.ID("create-submit")))
	secWait(t, ctx, "the errors", `document.querySelector('#create-form [aria-invalid="true"]') !== null`)
	checkA11yEverywhere(t, ctx, "create form with errors")

	// Error pages.
	secDo(t, ctx, "no such user", chromedp.Navigate(d.URL+"/users/"+url.PathEscape("auth0|nobody-at-all")))
	secWait(t, ctx, "the 404 page", `document.getElementById("problem") !== null`)
	checkA11yEverywhere(t, ctx, "error page: no such user")
	secDo(t, ctx, "no such page", chromedp.Navigate(d.URL+"/no/such/page"))
	secWait(t, ctx, "the 404 page", `document.getElementById("problem") !== null`)
	checkA11yEverywhere(t, ctx, "error page: not found")
	checkPageHealth(t, ctx)

	secDo(t, ctx, "sign out", chromedp.Navigate(d.URL+"/users"), chromedp.WaitVisible(chromedp.CSS("form.sign-out button")),
		chromedp.Click(chromedp.CSS("form.sign-out button")), chromedp.WaitVisible(chromedp.ID("signed-out")))
	checkA11yEverywhere(t, ctx, "signed out")

	// The helpdesk: the toolbar with the MFA reset, the block dialog.
	browserSignIn(t, ctx, d, "helpdesk")
	secDo(t, ctx, "Grace's page", chromedp.Navigate(d.URL+"/users/"+url.PathEscape(auth0apitest.FixtureSocialUserID)))
	secWait(t, ctx, "every section", secSectionsLoaded)
	checkA11yEverywhere(t, ctx, "user page as the helpdesk")
	secDo(t, ctx, "ask to block", chromedp.Click(chromedp.ID("block-user")))
	secWait(t, ctx, "the dialog", dialogSettled)
	checkA11y(t, ctx, "block dialog")
	secDo(t, ctx, "cancel", chromedp.Click(chromedp.CSS(`#confirm-dialog button[value="cancel"]`)))
	secDo(t, ctx, "sign out", chromedp.Click(chromedp.CSS("form.sign-out button")), chromedp.WaitVisible(chromedp.ID("signed-out")))

	// No dashboard role.
	browserSignIn(t, ctx, d, "none")
	secWait(t, ctx, "the 403 page", `document.getElementById("forbidden") !== null`)
	checkA11yEverywhere(t, ctx, "no role")
	checkPageHealth(t, ctx)
}

// TestBrowserUserPageScreenshots saves the user page of Ada (every section in) at 1280 px and
// at 390 px, light and dark, under screenshots/ (git-ignored): user-page-1280.png,
// user-page-390.png, user-page-1280-dark.png, and the Security tab at both widths.
//
// Pictures, not assertions: it runs with USERDESK_SCREENSHOTS=1.
func TestBrowserUserPageScreenshots(t *testing.T) {
	if os.Getenv("USERDESK_SCREENSHOTS") != "1" {
		t.Skip("pictures: set USERDESK_SCREENSHOTS=1 to save them")
	}
	d, _ := startSectionsDemo(t)
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "helpdesk")
	ada := d.URL + "/users/" + url.PathEscape(auth0apitest.FixtureUserID)
	for _, shot := range []struct {
		name string
		w, h int64
		dark bool
		tab  string
	}{
		{"user-page-1280", 1280, 900, false, ""},
		{"user-page-1280-security", 1280, 900, false, "#security"},
		{"user-page-1280-dark", 1280, 900, true, ""},
		{"user-page-390", 390, 844, false, ""},
		{"user-page-390-security", 390, 844, false, "#security"},
	} {
		setViewport(t, ctx, shot.w, shot.h)
		setDarkMode(t, ctx, shot.dark)
		secDo(t, ctx, "a blank page", chromedp.Navigate("about:blank"))
		secDo(t, ctx, "Ada's page", chromedp.Navigate(ada+shot.tab))
		secWait(t, ctx, "every section", secSectionsLoaded)
		saveScreenshot(t, ctx, shot.name)
	}
	checkPageHealth(t, ctx)
}
