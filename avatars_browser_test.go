package main

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"userdesk/auth0api/auth0apitest"
)

// TestBrowserBrokenPictureShowsInitials: a picture that cannot be loaded (here a port nobody
// listens on; in real life gravatar.com from an intranet) is hidden by app.js and the user's
// initials show instead, in the results table and on the user page, without any CSP violation.
func TestBrowserBrokenPictureShowsInitials(t *testing.T) {
	d, tenant := startSectionsDemo(t)
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
