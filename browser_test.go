package main

// Browser tests drive the real UI of the demo composition in headless Chromium (chromedp v0.23,
// the generic API). Helpers for the tests of later screens:
//
//	d := startDemo(t)                       // dashboard + emulated tenant on a random port
//	ctx := newBrowser(t)                    // a fresh headless Chromium (skips when none)
//	browserSignIn(t, ctx, d, "helpdesk")    // through the demo login page
//	saveScreenshot(t, ctx, "users-helpdesk")
//	checkPageHealth(t, ctx)                 // no CSP violation, no JavaScript exception
//
// Without a browser the tests skip, unless USERDESK_REQUIRE_BROWSER=1 (CI), where they fail.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browserTimeout bounds one browser test.
const browserTimeout = 60 * time.Second

// findBrowser returns the path of a Chromium, or "".
func findBrowser() string {
	if p := os.Getenv("USERDESK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// pageWatch collects what a page reports that a test should fail on.
type pageWatch struct {
	mu       sync.Mutex
	problems []string
}

func (w *pageWatch) add(s string) { w.mu.Lock(); w.problems = append(w.problems, s); w.mu.Unlock() }

func (w *pageWatch) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.problems
	w.problems = nil
	return p
}

type watchKey struct{}

// cspProbe runs before any page script (DevTools-injected, so the CSP does not block it) and
// records every Content-Security-Policy violation where checkPageHealth can read it. It also
// defines __message(), the text of the message a change showed: where app.js placed it (beside
// the change) and whatever the page's flash area still holds.
const cspProbe = `window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
window.__message = function () {
  var placed = document.querySelector(".flash[data-placed]"), area = document.getElementById("flash");
  return (placed ? placed.textContent : "") + (area ? area.textContent : "");
};`

// newBrowser starts a headless Chromium with a fresh profile and returns its chromedp context,
// closed when the test ends. Dialogs are dismissed and recorded; JavaScript exceptions and CSP
// violations are recorded for checkPageHealth.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserFor(t, browserTimeout)
}

// newBrowserFor is newBrowser for a test that may take up to timeout (one that walks many page
// states, each checked with axe-core).
func newBrowserFor(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	path := findBrowser()
	if path == "" {
		if os.Getenv("USERDESK_REQUIRE_BROWSER") == "1" {
			t.Fatal("no Chromium found, and USERDESK_REQUIRE_BROWSER=1 (install the chromium package)")
		}
		t.Skip("no Chromium found: install Debian's chromium package to run browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	base, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancelCtx(); cancelAlloc(); cancelTimeout() })

	w := &pageWatch{}
	ctx = context.WithValue(ctx, watchKey{}, w)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe}); err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			w.add("JavaScript exception: " + ev.ExceptionDetails.Text)
		}
	}()
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			w.add("dialog opened: " + ev.Message)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return ctx
}

// checkPageHealth fails the test for CSP violations on the current page and for JavaScript
// exceptions or dialogs since the last check.
func checkPageHealth(t *testing.T, ctx context.Context) {
	t.Helper()
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__cspViolations || []`))
	if err != nil {
		t.Fatalf("read CSP violations: %v", err)
	}
	for _, v := range violations {
		t.Errorf("CSP violation: %s", v)
	}
	if w, ok := ctx.Value(watchKey{}).(*pageWatch); ok {
		for _, p := range w.take() {
			t.Errorf("%s", p)
		}
	}
}

// browserSignIn signs in through the demo login page, typing the account's e-mail and the demo
// password, then the second step's one-time code (read from the demo's labelled box, as a
// person would read it from their phone), and waits for the dashboard page that follows.
func browserSignIn(t *testing.T, ctx context.Context, d *demoServer, persona string) {
	t.Helper()
	email, ok := demoAccounts[persona]
	if !ok {
		t.Fatalf("no demo account for %q", persona)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(d.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), email),
		chromedp.SendKeys(chromedp.ID("password"), demoPassword),
		chromedp.Click(chromedp.CSS("form.login button[type=submit]")),
	)
	if err == nil {
		err = browserSecondStep(ctx)
	}
	if err == nil {
		err = chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("signed-in-as")))
	}
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("sign in as %s: %v (at %s)", persona, err, loc)
	}
}

// browserSecondStep types the one-time code the demo's code page shows and submits it.
func browserSecondStep(ctx context.Context) error {
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("demo-code"))); err != nil {
		return fmt.Errorf("the code page: %w", err)
	}
	code, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.ID("demo-code")))
	if err != nil {
		return fmt.Errorf("read the demo code: %w", err)
	}
	return chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.CSS("form.login button[type=submit]")),
	)
}

// saveScreenshot saves a PNG of the whole page to <module root>/screenshots/NAME.png.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG; less gives JPEG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := "screenshots" // the root package's directory is the module root
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// TestBrowserSignInEachRole signs in through the demo login page as each role and sees the
// users page with the role shown (the no-role account sees the 403 page).
func TestBrowserSignInEachRole(t *testing.T) {
	d := startDemo(t)
	for _, role := range []string{"admin", "helpdesk", "viewer", "none"} {
		t.Run(role, func(t *testing.T) {
			ctx := newBrowser(t)
			browserSignIn(t, ctx, d, role)
			shown, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("#signed-in-as .role")))
			if err != nil {
				t.Fatal(err)
			}
			if role == "none" {
				if strings.TrimSpace(shown) != "no role" {
					t.Errorf("role shown = %q, want %q", shown, "no role")
				}
				if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("forbidden"))); err != nil {
					t.Errorf("no 403 page: %v", err)
				}
			} else {
				if strings.TrimSpace(shown) != role {
					t.Errorf("role shown = %q, want %q", shown, role)
				}
				if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#users-table tr.user-row"))); err != nil {
					t.Errorf("no users table: %v", err)
				}
			}
			checkPageHealth(t, ctx)
			saveScreenshot(t, ctx, "signin-"+role)

			// Sign out: back to the signed-out page, and the users page needs a sign-in again.
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS("form.sign-out button")),
				chromedp.WaitVisible(chromedp.ID("signed-out")),
			); err != nil {
				t.Fatalf("sign out: %v", err)
			}
			checkPageHealth(t, ctx)
		})
	}
}
