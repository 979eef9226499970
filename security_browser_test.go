package main

// Browser tests of the account-security desk (issue 12): the helpdesk unlocks a locked-out
// user from the search page in three interactions and secures a compromised account in four;
// an admin links a second account into a user and unlinks it again. Interactions are counted
// as a person makes them: typing into a box, a key, a click.

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"userdesk/auth0api/auth0apitest"
)

// TestBrowserHelpdeskUnlocksFromSearch: a helpdesk person types a locked-out user's e-mail
// address on the search page; the one user found shows their lockouts with Unlock beside the
// results; Unlock and its confirmation clear every lockout: three interactions, with Auth0's
// blocks gone.
func TestBrowserHelpdeskUnlocksFromSearch(t *testing.T) {
	d, tenant := startSectionsDemo(t)
	id := auth0apitest.FixtureLockedOutUserID
	if len(tenant.UserBlocks(id)) == 0 {
		t.Fatal("the fixture is not locked out")
	}
	u, _ := tenant.User(id)
	email, _ := u["email"].(string)
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "helpdesk")
	secDo(t, ctx, "the search page", chromedp.Navigate(d.URL+"/users"))
	secWait(t, ctx, "the search box focused", `document.activeElement.id === "user-search-q"`)

	interactions := 0
	secDo(t, ctx, "type the address", chromedp.SendKeys(chromedp.ID("user-search-q"), email))
	interactions++
	secWait(t, ctx, "the lockouts beside the one result", `document.getElementById("lockout-check-unlock") !== null &&
		document.querySelectorAll("#lockout-check-list li.lockout").length === 2`)
	secConfirm(t, ctx, "unlock", chromedp.ID("lockout-check-unlock"), "Unlock", "password is unchanged")
	interactions += 2
	secWait(t, ctx, "the message", `__message().includes("Unlocked") && document.getElementById("lockout-check-unlock") === null`)
	if blocks := tenant.UserBlocks(id); len(blocks) != 0 {
		t.Errorf("still locked out: %v", blocks)
	}
	t.Logf("helpdesk unlock from the search page: %d interactions", interactions)
	if interactions > 3 {
		t.Errorf("%d interactions, want at most 3", interactions)
	}
	checkPageHealth(t, ctx)
}

// TestBrowserHelpdeskSecuresAccount: a helpdesk person types the address of an account someone
// got into, Enter opens the only match, the toolbar's "Secure this account…" opens the form
// ticked with the usual steps, and its button runs them: four interactions. The outcome page
// lists every step done and none failed; Auth0 holds no session or refresh token of hers.
func TestBrowserHelpdeskSecuresAccount(t *testing.T) {
	d, tenant := startSectionsDemo(t)
	id := auth0apitest.FixtureUserID
	if len(tenant.Sessions(id)) == 0 || len(tenant.RefreshTokens(id)) == 0 {
		t.Fatal("the fixture has no sessions or refresh tokens to end")
	}
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "helpdesk")
	secDo(t, ctx, "the search page", chromedp.Navigate(d.URL+"/users"))
	secWait(t, ctx, "the search box focused", `document.activeElement.id === "user-search-q"`)

	interactions := 0
	secDo(t, ctx, "type the address", chromedp.SendKeys(chromedp.ID("user-search-q"), "ada.lovelace@example.com"))
	interactions++
	kbPress(t, ctx, "Enter", kb.Enter)
	interactions++
	secWait(t, ctx, "the user page with its toolbar", `location.pathname === "/users/`+url.PathEscape(id)+`" && document.getElementById("secure-open") !== null`)
	if off := secEval[bool](t, ctx, `document.getElementById("secure-open").getBoundingClientRect().bottom > innerHeight || scrollY !== 0`); off {
		t.Error("Secure this account is not in the first screen")
	}
	secDo(t, ctx, "Secure this account…", chromedp.Click(chromedp.ID("secure-open")))
	interactions++
	secWait(t, ctx, "the form, with its button", `document.getElementById("secure-zone").open && document.getElementById("secure-submit").getBoundingClientRect().height > 0`)
	ticked := secEval[[]string](t, ctx, `Array.from(document.querySelectorAll("#secure-zone input[type=checkbox]:checked")).map(i => i.name)`)
	if strings.Join(ticked, ",") != "sessions,revoke_tokens,browsers" {
		t.Errorf("ticked by default: %v, want sessions, refresh tokens and remembered browsers", ticked)
	}
	secDo(t, ctx, "Secure this account", chromedp.Click(chromedp.ID("secure-submit")))
	interactions++
	secWait(t, ctx, "the outcome", `document.getElementById("secure-summary") !== null`)
	if failed := secEval[string](t, ctx, `document.getElementById("secure-summary").dataset.failed`); failed != "0" {
		t.Errorf("%s steps failed:\n%s", failed, secEval[string](t, ctx, `document.querySelector("main").innerText`))
	}
	if n := secEval[float64](t, ctx, `document.querySelectorAll("#secure-results li").length`); n < 2 {
		t.Errorf("the page shows %v step outcomes", n)
	}
	if s, r := tenant.Sessions(id), tenant.RefreshTokens(id); len(s) != 0 || len(r) != 0 {
		t.Errorf("after securing: %d sessions and %d refresh tokens left", len(s), len(r))
	}
	t.Logf("helpdesk secures an account from the search page: %d interactions", interactions)
	if interactions > 4 {
		t.Errorf("%d interactions, want at most 4", interactions)
	}
	checkPageHealth(t, ctx)
}

// TestBrowserAdminLinksAndUnlinks: an admin opens Hedy Lamarr's database account, finds her
// Google account (a duplicate with the same address) from "Link another account…", compares the
// two, links it, then unlinks it again through the confirmation that says it becomes a user of
// its own: Auth0 ends with both accounts as they began.
func TestBrowserAdminLinksAndUnlinks(t *testing.T) {
	d, tenant := startSectionsDemo(t)
	primary, secondary := auth0apitest.FixtureDuplicateUserID, auth0apitest.FixtureDuplicateSocialUserID
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "admin")
	secDo(t, ctx, "Hedy's page", chromedp.Navigate(d.URL+"/users/"+url.PathEscape(primary)))
	secWait(t, ctx, "the link zone", `document.getElementById("link-zone") !== null`)
	secDo(t, ctx, "Link another account…", chromedp.Click(chromedp.CSS("#link-zone > summary")))
	secDo(t, ctx, "find the other account", chromedp.SendKeys(chromedp.ID("link-search"), "hedy.lamarr@example.com"))
	candidate := `document.querySelector('.link-candidate[data-user-id="` + secondary + `"] .link-choose')`
	secWait(t, ctx, "the Google account found", candidate+` !== null`)
	if secEval[bool](t, ctx, `document.querySelector('.link-candidate[data-user-id="`+primary+`"]') !== null`) {
		t.Error("the search offers to link the user into itself")
	}
	secEval[bool](t, ctx, `(`+candidate+`).click(), true`)
	secWait(t, ctx, "the comparison", `document.getElementById("link-submit") !== null && document.getElementById("link-secondary") !== null`)
	compare := secEval[string](t, ctx, `document.querySelector(".link-compare").innerText`)
	for _, want := range []string{"Kept", "Merged", "Lost", secondary, primary} {
		if !strings.Contains(compare, want) {
			t.Errorf("the comparison does not say %q:\n%s", want, compare)
		}
	}
	secDo(t, ctx, "link", chromedp.Click(chromedp.ID("link-submit")))
	secWait(t, ctx, "linked", `__message().includes("Linked") && document.querySelector(".identity-unlink") !== null`)
	if _, ok := tenant.User(secondary); ok {
		t.Error("the Google account is still a user of its own")
	}
	checkPageHealth(t, ctx)

	secConfirm(t, ctx, "unlink", chromedp.CSS(".identity-unlink"), "becomes a user of its own again")
	secWait(t, ctx, "unlinked", `__message().includes("user of its own again") && document.querySelector(".identity-unlink") === null`)
	if _, ok := tenant.User(secondary); !ok {
		t.Error("the unlinked identity is not a user of its own")
	}
	if u, _ := tenant.User(primary); len(u["identities"].([]any)) != 1 {
		t.Errorf("Hedy's identities after unlinking: %v", u["identities"])
	}
	checkPageHealth(t, ctx)
}
