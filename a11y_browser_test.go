package main

// Accessibility and small-screen checks for the browser tests (issue 13). axe-core, pinned in
// package.json as a test-only devDependency and installed by `npm ci` (never served, never
// under static/), is injected through DevTools into every page state a test reaches; any
// serious or critical violation fails the test. Helpers:
//
//	checkA11y(t, ctx, "search, results")   // axe-core on the page as it is now
//	checkNoOverflow(t, ctx, "search")      // nothing wider than the viewport
//	setViewport(t, ctx, 390, 844)          // a phone
//	setDarkMode(t, ctx, true)              // prefers-color-scheme: dark

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axePath is where `npm ci` puts axe-core.
var axePath = filepath.Join("node_modules", "axe-core", "axe.min.js")

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// loadAxe returns axe-core's source. When it is missing the test fails under
// USERDESK_REQUIRE_BROWSER=1 (CI) and skips otherwise.
func loadAxe(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		var b []byte
		b, axeErr = os.ReadFile(axePath)
		axeSource = string(b)
	})
	if axeErr != nil {
		msg := "axe-core is not installed (" + axeErr.Error() + "): run `npm ci` in the repository root; the browser tests check every page with it"
		if os.Getenv("USERDESK_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return axeSource
}

// requireAxe is called at the start of a browser test that checks pages with axe-core, so a
// missing axe-core is reported before the browser starts.
func requireAxe(t *testing.T) { t.Helper(); loadAxe(t) }

// axeRules are the rule sets run: WCAG 2.0–2.2 A and AA, best practices, and the
// experimental rules (label-content-name-mismatch is one).
const axeRun = `axe.run(document, {
  resultTypes: ["violations"],
  runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice", "experimental"]}
}).then(r => JSON.stringify(r.violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\s+/g, " "))}))))`

// axeViolation is one rule that failed.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkA11y runs axe-core on the current page and fails the test for every serious or
// critical violation, naming the page state.
func checkA11y(t *testing.T, ctx context.Context, state string) {
	t.Helper()
	for _, v := range a11yViolations(t, ctx) {
		t.Errorf("axe-core on %q: %s (%s): %s\n\t%s", state, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

// a11yViolations runs axe-core on the current page.
func a11yViolations(t *testing.T, ctx context.Context) []axeViolation {
	t.Helper()
	src := loadAxe(t)
	has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	if !has {
		// DevTools evaluation is not subject to the page's CSP, and nothing is served.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src+";void 0")); err != nil {
			t.Fatalf("inject axe-core: %v", err)
		}
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe-core's answer: %v", err)
	}
	return vs
}

// overflowProbe lists what sticks out past the right edge of the viewport (the widest first),
// and the document's width.
const overflowProbe = `(() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || r.right <= vw + 1) continue;
    // Count it unless a scrolling ancestor that is (or holds) its containing block clips it:
    // an absolutely positioned element escapes the overflow of ancestors that are not.
    let clipped = false;
    let pos = getComputedStyle(el).position;
    let needPositioned = pos === "absolute" || pos === "fixed";
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (!needPositioned && /(auto|scroll|hidden|clip)/.test(s.overflowX) && a.getBoundingClientRect().right <= vw + 1) { clipped = true; break; }
      if (needPositioned && s.position !== "static") {
        needPositioned = s.position === "absolute" || s.position === "fixed" ? true : false;
        if (/(auto|scroll|hidden|clip)/.test(s.overflowX) && a.getBoundingClientRect().right <= vw + 1) { clipped = true; break; }
      }
    }
    if (!clipped) out.push({w: Math.round(r.right), el: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "")});
  }
  out.sort((a, b) => b.w - a.w);
  return JSON.stringify({vw, sw: document.documentElement.scrollWidth, out: out.slice(0, 6)});
})()`

// checkNoOverflow fails the test when the page is wider than the viewport (a sideways scroll
// on a phone), naming what sticks out.
func checkNoOverflow(t *testing.T, ctx context.Context, state string) {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](overflowProbe))
	if err != nil {
		t.Fatalf("measure overflow: %v", err)
	}
	var m struct {
		VW, SW int
		Out    []struct {
			W  int
			El string
		}
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	if m.SW > m.VW || len(m.Out) > 0 {
		t.Errorf("%s: the page is %d px wide in a %d px viewport; sticking out: %+v", state, m.SW, m.VW, m.Out)
	}
}

// setViewport sizes the page's viewport (a phone: 390×844, as a mobile device).
func setViewport(t *testing.T, ctx context.Context, w, h int64) {
	t.Helper()
	var opts []chromedp.EmulateViewportOption
	if w < 600 {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h, opts...)); err != nil {
		t.Fatalf("viewport %d×%d: %v", w, h, err)
	}
}

// resetViewport undoes setViewport: the page is the browser window's size again (1280×900, not
// a phone, no touch). chromedp.EmulateReset alone leaves the phone's width in place.
func resetViewport(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateReset()); err != nil {
		t.Fatalf("reset the viewport: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		t.Fatalf("reset the viewport: %v", err)
	}
}

// setDarkMode makes the page see prefers-color-scheme: dark (or light). It also asks for reduced
// motion, which stops Pico's colour transitions, so a check right after the switch sees the
// final colours.
func setDarkMode(t *testing.T, ctx context.Context, dark bool) {
	t.Helper()
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}, {Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatalf("color scheme %s: %v", scheme, err)
	}
}
