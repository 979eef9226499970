package main

import (
	"context"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"userdesk/auth0api/auth0apitest"
)

// TestBrowserA11yPublicPages: the sign-in page, an error page, the no-role page and the
// signed-out page pass axe-core.
func TestBrowserA11yPublicPages(t *testing.T) {
	requireAxe(t)
	d, _ := startSectionsDemo(t)
	ctx := newBrowser(t)
	secDo(t, ctx, "the sign-in page", chromedp.Navigate(d.URL+"/"), chromedp.WaitVisible(chromedp.ID("username")))
	checkA11y(t, ctx, "sign-in")
	browserSignIn(t, ctx, d, "none")
	secWait(t, ctx, "the 403 page", `document.getElementById("forbidden") !== null`)
	checkA11y(t, ctx, "no role")
	secDo(t, ctx, "sign out", chromedp.Click(chromedp.CSS("form.sign-out button")), chromedp.WaitVisible(chromedp.ID("signed-out")))
	checkA11y(t, ctx, "signed out")

	ctx = newBrowser(t)
	browserSignIn(t, ctx, d, "viewer")
	secDo(t, ctx, "no such user", chromedp.Navigate(d.URL+"/users/"+url.PathEscape("auth0|nobody-at-all")))
	secWait(t, ctx, "the 404 page", `document.getElementById("problem") !== null`)
	checkA11y(t, ctx, "error page: no such user")
	secDo(t, ctx, "no such page", chromedp.Navigate(d.URL+"/no/such/page"))
	secWait(t, ctx, "the 404 page", `document.getElementById("problem") !== null`)
	checkA11y(t, ctx, "error page: not found")
	checkPageHealth(t, ctx)
}

// a11yModes are the ways every page state is checked: light and dark colour schemes at
// 1280 px, and a 390×844 phone (where nothing may be wider than the screen).
var a11yModes = []struct {
	name  string
	dark  bool
	phone bool
}{{"light", false, false}, {"dark", true, false}, {"phone", false, true}}

// a11yBrowser starts a browser signed in as persona, in one of a11yModes.
func a11yBrowser(t *testing.T, d *demoServer, persona string, dark, phone bool) context.Context {
	t.Helper()
	ctx := newBrowserFor(t, 3*browserTimeout)
	setDarkMode(t, ctx, dark)
	if phone {
		setViewport(t, ctx, 390, 844)
	}
	browserSignIn(t, ctx, d, persona)
	return ctx
}

// TestBrowserA11ySearch: the users page with all users, results, none, an input error, and
// its filters open, in each of a11yModes.
func TestBrowserA11ySearch(t *testing.T) {
	requireAxe(t)
	d, _ := startSectionsDemo(t)
	states := []struct{ name, path, ready string }{
		{"search, all users", "/users", `document.querySelectorAll("#users-table tr.user-row").length > 0`},
		{"search, results", "/users?q=lovel", `document.querySelectorAll("#users-table tr.user-row").length > 0`},
		{"search, none", "/users?q=zzzzqqq", `document.querySelectorAll("#users-table tr.user-row").length === 0`},
		{"search, filters open with an error", "/users?logins_min=-3", `document.getElementById("search-errors") !== null`},
	}
	for _, mode := range a11yModes {
		t.Run(mode.name, func(t *testing.T) {
			ctx := a11yBrowser(t, d, "admin", mode.dark, mode.phone)
			for _, s := range states {
				secDo(t, ctx, s.name, chromedp.Navigate(d.URL+s.path))
				secWait(t, ctx, s.name, s.ready)
				checkA11y(t, ctx, s.name+" ("+mode.name+")")
				if mode.phone {
					checkNoOverflow(t, ctx, s.name+" at 390 px")
				}
			}
			secDo(t, ctx, "the users page", chromedp.Navigate(d.URL+"/users"))
			secWait(t, ctx, "the page", `document.querySelector("details.filters") !== null`)
			secEval[bool](t, ctx, `document.querySelector("details.filters").open = true`)
			checkA11y(t, ctx, "search, filters open ("+mode.name+")")
			if mode.phone {
				checkNoOverflow(t, ctx, "search with its filters open at 390 px")
			}
			checkPageHealth(t, ctx)
		})
	}
}

// TestBrowserA11yUserPage: the user page with every section loaded, each tab (raw JSON and a
// raw log event open, both pickers open), the confirmation dialog, the delete form, and the
// edit and create forms with errors, in each of a11yModes. On a phone nothing is wider than
// the screen and the factors' Remove buttons are within it.
func TestBrowserA11yUserPage(t *testing.T) {
	requireAxe(t)
	d, _ := startSectionsDemo(t)
	ada := d.URL + "/users/" + url.PathEscape(auth0apitest.FixtureUserID)
	for _, mode := range a11yModes {
		t.Run(mode.name, func(t *testing.T) {
			ctx := a11yBrowser(t, d, "admin", mode.dark, mode.phone)
			check := func(state string) {
				t.Helper()
				checkA11y(t, ctx, state+" ("+mode.name+")")
				if mode.phone {
					checkNoOverflow(t, ctx, state+" at 390 px")
				}
			}
			secDo(t, ctx, "Ada's page", chromedp.Navigate(ada))
			secWait(t, ctx, "every section", secSectionsLoaded)
			secDo(t, ctx, "open the raw JSON", chromedp.Click(chromedp.CSS("#user-raw-json summary")))
			secWait(t, ctx, "the raw JSON", `document.getElementById("user-raw-json").open`)
			check("user page, profile, raw JSON open")
			secDo(t, ctx, "open the delete form", chromedp.Click(chromedp.ID("delete-open")))
			secWait(t, ctx, "the delete form", `document.getElementById("delete-zone").open && document.activeElement.id === "delete-confirm"`)
			check("user page, the delete form open")

			secTab(t, ctx, "security")
			check("user page, security")
			if mode.phone {
				if n := secEval[int](t, ctx, `Array.from(document.querySelectorAll("#section-factors button.factor-remove")).filter(b => b.getBoundingClientRect().right > innerWidth).length`); n != 0 {
					t.Errorf("%d factor Remove buttons are past the screen's edge", n)
				}
			}
			secDo(t, ctx, "ask to reset MFA", chromedp.Click(chromedp.ID("factors-reset")))
			secWait(t, ctx, "the dialog", dialogSettled)
			check("confirm dialog")
			secDo(t, ctx, "cancel", chromedp.Click(chromedp.CSS(`#confirm-dialog button[value="cancel"]`)))
			secWait(t, ctx, "the dialog closed", `!document.getElementById("confirm-dialog").open`)

			secTab(t, ctx, "access")
			check("user page, access")
			secDo(t, ctx, "open the role picker", chromedp.Click(chromedp.ID("roles-picker-open")))
			secWait(t, ctx, "the role picker", `document.getElementById("roles-picker-search") !== null`)
			secDo(t, ctx, "open the permission picker", chromedp.Click(chromedp.ID("permissions-picker-open")))
			secWait(t, ctx, "the permission picker", `document.getElementById("permissions-picker-api") !== null`)
			check("user page, access, both pickers open")

			secTab(t, ctx, "activity")
			secDo(t, ctx, "open a raw event", chromedp.Click(chromedp.CSS("#section-logs button.log-open")))
			secWait(t, ctx, "the raw event", `!document.getElementById("log-raw-0").hidden`)
			check("user page, activity, a raw log event open")
			if mode.name == "light" {
				saveScreenshot(t, ctx, "a11y-user-page-activity")
			}

			// Edit with an error.
			secDo(t, ctx, "the edit form", chromedp.Click(chromedp.ID("edit-user")), chromedp.WaitVisible(chromedp.ID("edit-form")))
			secDo(t, ctx, "invalid JSON", chromedp.SetValue(chromedp.ID("field-user_metadata"), `{"a":`), chromedp.Click(chromedp.ID("save-user")))
			secWait(t, ctx, "the error", `document.getElementById("error-user_metadata") !== null`)
			check("edit form with an error")

			// Create with errors.
			secDo(t, ctx, "the create form", chromedp.Navigate(d.URL+"/users/new"), chromedp.WaitVisible(chromedp.ID("create-form")))
			check("create form")
			secDo(t, ctx, "create with nothing", chromedp.Click(chromedp.ID("create-submit")))
			secWait(t, ctx, "the errors", `document.querySelector('#create-form [aria-invalid="true"]') !== null`)
			check("create form with errors")
			checkPageHealth(t, ctx)
		})
	}
}

// TestBrowserA11yHelpdeskAndViewer: the user page as the helpdesk (whose toolbar offers the
// MFA reset) and as a viewer (no actions), with the block dialog open.
func TestBrowserA11yHelpdeskAndViewer(t *testing.T) {
	requireAxe(t)
	d, _ := startSectionsDemo(t)
	grace := d.URL + "/users/" + url.PathEscape(auth0apitest.FixtureSocialUserID)
	for _, persona := range []string{"helpdesk", "viewer"} {
		t.Run(persona, func(t *testing.T) {
			ctx := a11yBrowser(t, d, persona, false, false)
			secDo(t, ctx, "Grace's page", chromedp.Navigate(grace))
			secWait(t, ctx, "every section", secSectionsLoaded)
			checkA11y(t, ctx, "user page as "+persona)
			if persona == "helpdesk" {
				secDo(t, ctx, "ask to block", chromedp.Click(chromedp.ID("block-user")))
				secWait(t, ctx, "the dialog", dialogSettled)
				checkA11y(t, ctx, "block dialog")
				secDo(t, ctx, "cancel", chromedp.Click(chromedp.CSS(`#confirm-dialog button[value="cancel"]`)))
			}
			checkPageHealth(t, ctx)
		})
	}
}

// TestBrowserUserPageScreenshots saves the user page of Ada (every section in) at 1280 px and
// at 390 px, light and dark, under screenshots/ (git-ignored): user-page-1280.png,
// user-page-390.png, user-page-1280-dark.png, and the Security tab at both widths.
func TestBrowserUserPageScreenshots(t *testing.T) {
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
