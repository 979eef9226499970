package main

import (
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"userdesk/auth0api/auth0apitest"
)

// TestBrowserA11yWalkStaffPages walks the staff's own pages and the account-wide actions that
// TestBrowserA11yWalk does not reach, and checks each state with axe-core in light mode, dark
// mode and on a phone (checkA11yEverywhere): as an admin the policy page, the staff sessions
// (and the confirmation of ending one), "Your sessions", the search's look-up of a lockout no
// user has (typed and looked up), "Your bulk jobs" with none and with a finished job; on Ada's
// Security tab "Secure this account…" open and its outcome page, the enrollment link's
// confirmation and the link shown once; on Hedy's page "Link another account…" with candidates
// found and the comparison; the audit trail, filtered with an event's details open, and a
// filter with errors. Then the auditor's audit trail; and, for an admin whose sign-in is an
// hour old, the Security tab with its step-up notes and the provider's page that asks them to
// sign in again (the demo's step-up is that page: userdesk has no page of its own for it).
func TestBrowserA11yWalkStaffPages(t *testing.T) {
	requireAxe(t)
	d, tenant := startSectionsDemo(t)
	ctx := newBrowserFor(t, 8*browserTimeout)
	start := time.Now()
	ada := d.URL + "/users/" + url.PathEscape(auth0apitest.FixtureUserID)
	browserSignIn(t, ctx, d, "admin")

	// The policy, the sessions.
	secDo(t, ctx, "the policy page", chromedp.Navigate(d.URL+"/policy"))
	secWait(t, ctx, "the policy", `document.getElementById("policy-source") !== null`)
	checkA11yEverywhere(t, ctx, "policy")
	secDo(t, ctx, "the staff sessions", chromedp.Navigate(d.URL+"/staff/sessions"))
	secWait(t, ctx, "the staff sessions", `document.readyState === "complete" && document.querySelector("main table") !== null`)
	checkA11yEverywhere(t, ctx, "staff sessions")
	secDo(t, ctx, "End…", chromedp.Click(chromedp.CSS(`form[action="/staff/sessions/end"] button`)))
	secWait(t, ctx, "the dialog", dialogSettled)
	checkA11yEverywhere(t, ctx, "staff sessions, the end confirmation")
	secDo(t, ctx, "cancel", chromedp.Click(chromedp.CSS(`#confirm-dialog button[value="cancel"]`)))
	secWait(t, ctx, "the dialog closed", `!document.getElementById("confirm-dialog").open`)
	secDo(t, ctx, "your sessions", chromedp.Navigate(d.URL+"/sessions"))
	secWait(t, ctx, "your sessions", `document.getElementById("own-sessions") !== null`)
	checkA11yEverywhere(t, ctx, "your sessions")

	// A lockout of an identifier no user has, typed in the search and looked up.
	secDo(t, ctx, "the users page", chromedp.Navigate(d.URL+"/users"))
	secWait(t, ctx, "the search box", `document.readyState === "complete" && document.getElementById("user-search-q") !== null`)
	secDo(t, ctx, "type the identifier", chromedp.SendKeys(chromedp.ID("user-search-q"), auth0apitest.FixtureOrphanBlockIdentifier))
	secWait(t, ctx, "the look-up link", `document.getElementById("lockout-lookup") !== null`)
	secDo(t, ctx, "look it up", chromedp.Click(chromedp.ID("lockout-lookup")))
	secWait(t, ctx, "the lockouts", `document.querySelectorAll("#lockout-check-list li.lockout").length > 0`)
	checkA11yEverywhere(t, ctx, "search, a lockout no user has")

	// Your bulk jobs, none yet.
	secDo(t, ctx, "your bulk jobs", chromedp.Navigate(d.URL+"/bulk"))
	secWait(t, ctx, "no jobs", `document.getElementById("bulk-none") !== null`)
	checkA11yEverywhere(t, ctx, "your bulk jobs, none")

	// Ada's Security tab: secure the account.
	secDo(t, ctx, "Ada's page", chromedp.Navigate(ada))
	secWait(t, ctx, "every section", secSectionsLoaded)
	secDo(t, ctx, "Secure this account…", chromedp.Click(chromedp.ID("secure-open")))
	secWait(t, ctx, "the form", `document.getElementById("secure-zone").open && document.getElementById("secure-submit").getBoundingClientRect().height > 0`)
	checkA11yEverywhere(t, ctx, "user page, secure this account open")
	secDo(t, ctx, "Secure this account", chromedp.Click(chromedp.ID("secure-submit")))
	secWait(t, ctx, "the outcome", `document.getElementById("secure-summary") !== null`)
	checkA11yEverywhere(t, ctx, "secure this account, outcome")

	// The enrollment link: its confirmation, then the link shown once.
	secDo(t, ctx, "Ada's security tab", chromedp.Navigate(ada+"#security"))
	secWait(t, ctx, "every section", secSectionsLoaded+` && document.getElementById("enrollment-link") !== null`)
	secDo(t, ctx, "Create an invitation link", chromedp.Click(chromedp.ID("enrollment-link")))
	secWait(t, ctx, "the dialog", dialogSettled)
	checkA11yEverywhere(t, ctx, "the enrollment link's confirmation")
	secDo(t, ctx, "create it", chromedp.Click(chromedp.ID("confirm-ok")))
	secWait(t, ctx, "the link", `document.getElementById("enrollment-link-url") !== null`)
	checkA11yEverywhere(t, ctx, "user page, an enrollment link shown once")

	// Link another account: candidates found, then the comparison.
	secDo(t, ctx, "Hedy's page", chromedp.Navigate(d.URL+"/users/"+url.PathEscape(auth0apitest.FixtureDuplicateUserID)))
	secWait(t, ctx, "the link zone", secSectionsLoaded+` && document.getElementById("link-zone") !== null`)
	secDo(t, ctx, "Link another account…", chromedp.Click(chromedp.CSS("#link-zone > summary")))
	secDo(t, ctx, "find the other account", chromedp.SendKeys(chromedp.ID("link-search"), "hedy.lamarr@example.com"))
	secWait(t, ctx, "the candidates", `document.querySelector(".link-candidate .link-choose") !== null`)
	checkA11yEverywhere(t, ctx, "link another account, candidates")
	secEval[bool](t, ctx, `document.querySelector('.link-candidate[data-user-id="`+auth0apitest.FixtureDuplicateSocialUserID+`"] .link-choose').click(), true`)
	secWait(t, ctx, "the comparison", `document.getElementById("link-submit") !== null`)
	checkA11yEverywhere(t, ctx, "link another account, the comparison")

	// A bulk job, then Your bulk jobs with it.
	secDo(t, ctx, "the users page", chromedp.Navigate(d.URL+"/users?q=edsger"))
	secWait(t, ctx, "the bulk bar", `document.querySelector("input[data-bulk-user]") !== null`)
	secDo(t, ctx, "check Edsger", chromedp.Click(chromedp.CSS(`input[data-bulk-user]`)))
	secDo(t, ctx, "Block…", chromedp.Evaluate[chromedp.Void](`setTimeout(() => document.querySelector('button[data-bulk-op="block"]').click(), 0)`))
	secWait(t, ctx, "the confirmation", `document.getElementById("bulk-start") !== null`)
	secDo(t, ctx, "start", chromedp.Evaluate[chromedp.Void](`setTimeout(() => document.getElementById("bulk-start").click(), 0)`))
	secWait(t, ctx, "the job finished", `document.querySelector("#bulk-job[data-state='finished']") !== null`)
	secDo(t, ctx, "your bulk jobs", chromedp.Navigate(d.URL+"/bulk"))
	secWait(t, ctx, "the job listed", `document.querySelectorAll("#bulk-jobs tbody tr").length > 0`)
	checkA11yEverywhere(t, ctx, "your bulk jobs")

	// The audit trail, filtered, an event's details open.
	secDo(t, ctx, "the audit trail", chromedp.Navigate(d.URL+"/audit"))
	secWait(t, ctx, "the events", `document.querySelectorAll("#audit-events .audit-event").length > 0`)
	checkA11yEverywhere(t, ctx, "audit trail")
	secDo(t, ctx, "filter by the admin",
		chromedp.SendKeys(`#audit-filter input[name="actor"]`, demoAccounts["admin"]),
		chromedp.Click(chromedp.ID("audit-apply")))
	secWait(t, ctx, "the filtered page", `location.search.includes("actor=") && document.readyState === "complete" && document.querySelectorAll("#audit-events .audit-event details").length > 0`)
	secDo(t, ctx, "open an event's details", chromedp.Click(chromedp.CSS("#audit-events .audit-event details > summary")))
	secWait(t, ctx, "the details", `document.querySelector("#audit-events .audit-event details").open`)
	checkA11yEverywhere(t, ctx, "audit trail, filtered, details open")
	secDo(t, ctx, "a filter with errors", chromedp.Navigate(d.URL+"/audit?target=nobody&since=2024-13-45"))
	secWait(t, ctx, "the errors", `document.getElementById("audit-errors") !== null`)
	checkA11yEverywhere(t, ctx, "audit trail, a filter with errors")
	checkPageHealth(t, ctx)
	secDo(t, ctx, "sign out", chromedp.Click(chromedp.CSS("form.sign-out button")), chromedp.WaitVisible(chromedp.ID("signed-out")))

	// The auditor's audit trail.
	browserSignIn(t, ctx, d, "auditor")
	secDo(t, ctx, "the audit trail", chromedp.Navigate(d.URL+"/audit?outcome=success"))
	secWait(t, ctx, "the events", `document.querySelectorAll("#audit-events .audit-event").length > 0`)
	checkA11yEverywhere(t, ctx, "audit trail as the auditor")
	checkPageHealth(t, ctx)
	secDo(t, ctx, "sign out", chromedp.Click(chromedp.CSS("form.sign-out button")), chromedp.WaitVisible(chromedp.ID("signed-out")))

	// Step-up: an admin who signed in an hour ago.
	hourAgo := time.Now().Add(-time.Hour).Unix()
	tenant.Provider().TamperIDTokens(func(c map[string]any) { c["auth_time"] = hourAgo })
	browserSignIn(t, ctx, d, "admin")
	tenant.Provider().TamperIDTokens(nil)
	secDo(t, ctx, "Ada's security tab", chromedp.Navigate(ada+"#security"))
	secWait(t, ctx, "the step-up notes", secSectionsLoaded+` && document.querySelector("#section-factors [data-step-up]") !== null`)
	checkA11yEverywhere(t, ctx, "user page, security, step-up notes")
	secConfirm(t, ctx, "reset all factors", chromedp.ID("factors-reset"))
	secDo(t, ctx, "the provider asks for the password again", chromedp.WaitVisible(chromedp.ID("password")))
	checkA11yEverywhere(t, ctx, "step-up: sign in again")
	checkPageHealth(t, ctx)
	t.Logf("walked the staff pages in %s", time.Since(start).Round(time.Millisecond))
}
