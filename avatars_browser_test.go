package main

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"userdesk/auth0api/auth0apitest"
)

// TestBrowserBrokenPictureShowsInitials: with remote pictures on (USERDESK_PICTURES=remote), a
// picture that cannot be loaded (here a port nobody listens on; in real life gravatar.com from
// an intranet) is hidden by app.js and the user's initials show instead, in the results table
// and on the user page, without any CSP violation.
func TestBrowserBrokenPictureShowsInitials(t *testing.T) {
	d, tenant := startDemoWith(t, map[string]string{"USERDESK_PICTURES": "remote"})
	const id = "auth0|avatarbroken0001"
	tenant.PutUser(map[string]any{
		"user_id": id, "email": "zelda.quist@example.com", "email_verified": true,
		"name": "Zelda Quist", "given_name": "Zelda", "family_name": "Quist",
		"picture":    "https://127.0.0.1:1/unreachable.png",
		"created_at": "2025-01-01T00:00:00.000Z", "updated_at": "2025-01-01T00:00:00.000Z",
		"identities": []any{map[string]any{"connection": auth0apitest.DatabaseConnection, "provider": "auth0", "user_id": "avatarbroken0001", "isSocial": false}},
	})
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "viewer")

	// The hidden picture leaves the initials, drawn as a coloured disc.
	const fellBack = `(function (root) {
		var box = root && root.querySelector(".avatar");
		var img = box && box.querySelector("img");
		var initials = box && box.querySelector(".avatar-initials");
		return !!(img && img.hidden && getComputedStyle(img).display === "none" &&
			initials.textContent === "ZQ" && initials.getBoundingClientRect().width > 0 &&
			getComputedStyle(box).backgroundColor !== "rgba(0, 0, 0, 0)");
	})`
	secDo(t, ctx, "search", chromedp.Navigate(d.URL+"/users?q="+url.QueryEscape("zelda.quist@example.com")))
	secWait(t, ctx, "the row's initials", fellBack+`(document.querySelector('tr.user-row[data-user-id="`+id+`"]'))`)
	if got := secEval[string](t, ctx, `document.querySelector('tr.user-row img').getAttribute("loading")`); got != "lazy" {
		t.Errorf("the row's picture loads %q, want lazy", got)
	}
	checkPageHealth(t, ctx)

	secDo(t, ctx, "the user page", chromedp.Navigate(d.URL+"/users/"+url.PathEscape(id)))
	secWait(t, ctx, "the page's initials", fellBack+`(document.querySelector(".user-head"))`)
	saveScreenshot(t, ctx, "user-page-initials")
	checkPageHealth(t, ctx)
}

// TestBrowserNoRemotePicturesByDefault: by default the results and the user page load no
// picture from elsewhere (their hosts would learn which staff opened whom, and when): no <img>
// points off the dashboard, the initials show, and no CSP violation happens although the
// users' records hold https picture URLs.
func TestBrowserNoRemotePicturesByDefault(t *testing.T) {
	d, _ := startSectionsDemo(t)
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "viewer")
	const offsite = `Array.from(document.images).filter(i => !i.src.startsWith(location.origin) && !i.src.startsWith("data:")).length`
	secDo(t, ctx, "search", chromedp.Navigate(d.URL+"/users?q=lovel"))
	secWait(t, ctx, "the results", `document.querySelector("#users-table tr.user-row .avatar-initials") !== null`)
	if n := secEval[int](t, ctx, offsite); n != 0 {
		t.Errorf("the results load %d pictures from elsewhere", n)
	}
	secDo(t, ctx, "Ada's page", chromedp.Navigate(d.URL+"/users/"+url.PathEscape(auth0apitest.FixtureUserID)))
	secWait(t, ctx, "every section", secSectionsLoaded)
	if n := secEval[int](t, ctx, offsite); n != 0 {
		t.Errorf("the user page loads %d pictures from elsewhere", n)
	}
	if got := secEval[string](t, ctx, `document.querySelector(".user-identity .avatar-initials").textContent`); got != "AL" {
		t.Errorf("the user page shows initials %q", got)
	}
	checkPageHealth(t, ctx)
}
