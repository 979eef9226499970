package main

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"userdesk/auth0api/auth0apitest"
)

// TestBrowserSendPasswordResetEmail: a helpdesk person opens a database user, sends the
// password-reset e-mail through the confirmation dialog, and reads where it went; the tenant
// was asked once, with the user's address and connection.
func TestBrowserSendPasswordResetEmail(t *testing.T) {
	d, tenant := startSectionsDemo(t)
	ctx := newBrowser(t)
	browserSignIn(t, ctx, d, "helpdesk")
	secDo(t, ctx, "Ada's page", chromedp.Navigate(d.URL+"/users/"+url.PathEscape(auth0apitest.FixtureUserID)))
	secWait(t, ctx, "the page", `document.getElementById("password-reset-email") !== null`)
	secConfirm(t, ctx, "send the e-mail", chromedp.ID("password-reset-email"), "E-mail ada.lovelace@example.com a link to choose a new password?")
	secWait(t, ctx, "the message", `__message().includes("Auth0 is e-mailing ada.lovelace@example.com a link to choose a new password.")`)
	sent := tenant.PasswordResetEmails()
	if len(sent) != 1 || sent[0].UserID != auth0apitest.FixtureUserID || sent[0].Connection != auth0apitest.DatabaseConnection {
		t.Errorf("the tenant was asked for %+v", sent)
	}
	checkPageHealth(t, ctx)
}
