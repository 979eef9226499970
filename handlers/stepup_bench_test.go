package handlers

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"userdesk/handlers/sessionstore"
)

// ageSignIn makes the browser's sign-in older by d, as time passing would, in the session
// store (the clock stays, so nothing else expires however long the benchmark runs).
func (a *testApp) ageSignIn(tb testing.TB, b *browser, d time.Duration) {
	tb.Helper()
	rec, sess := a.sessionRecord(tb, b)
	rec.AuthTime = rec.AuthTime.Add(-d)
	sess.Values[sessionstore.RecordKey] = rec
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	must(tb, sess.Save(r, discardWriter{}))
}

type discardWriter struct{ h http.Header }

func (w discardWriter) Header() http.Header {
	if w.h == nil {
		return http.Header{}
	}
	return w.h
}
func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (discardWriter) WriteHeader(int)             {}

// countingTransport counts the requests a browser sends.
type countingTransport struct {
	next http.RoundTripper
	n    int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return c.next.RoundTrip(r)
}

// BenchmarkStepUp measures what step-up adds to a dangerous action (issue 11): "fresh" is the
// action with a recent sign-in (one request); "step-up" is the same action with a sign-in
// older than the step-up age: the refused request, the provider's authorize and login page,
// the password, the one-time code, the callback, the page it returns to, and the action again.
// Both run against the emulated tenant in process, so the time is the dashboard's and the
// emulator's work without network latency or typing; requests/op is what a person's browser
// sends, each a round trip to Auth0 or the dashboard in production. The per-person change limit
// is raised (manyChanges): each iteration is a change, more than 30 a minute of the test clock.
//
//	go test -run '^$' -bench StepUp -benchtime 200x ./handlers/
func BenchmarkStepUp(b *testing.B) {
	a := newTestApp(b, manyChanges, func(o *appOptions) {
		o.config = func(c *Config) { c.SignInLimit = IPRate{Burst: 1 << 20, Every: time.Millisecond} } // the clock stands still
	})
	for _, mode := range []string{"fresh", "step-up"} {
		b.Run(mode, func(b *testing.B) {
			br := a.signIn(b, "helpdesk")
			counter := &countingTransport{next: br.client.Transport}
			br.client.Transport = counter
			token := br.csrfToken(b)
			headers := append([]string{"X-CSRF-Token", token, "HX-Request", "true", "HX-Current-URL", a.URL + adaPath}, br.sameOriginHeaders()...)
			counter.n = 0
			b.ResetTimer()
			for b.Loop() {
				if mode == "step-up" {
					b.StopTimer()
					a.ageSignIn(b, br, DefaultStepUpMaxAge+time.Minute)
					b.StartTimer()
					resp, _ := br.send(b, http.MethodPost, adaPath+"/factors/recovery-code", nil, headers...)
					auth, err := url.Parse(resp.Header.Get("HX-Redirect"))
					if resp.StatusCode != http.StatusUnauthorized || err != nil {
						b.Fatalf("stale: %d", resp.StatusCode)
					}
					back, _ := br.finishSignIn(b, br.authorize(b, auth, testAccounts["helpdesk"]))
					if back.StatusCode != http.StatusFound {
						b.Fatalf("step-up callback: %d", back.StatusCode)
					}
					if resp, _ := br.get(b, back.Header.Get("Location")); resp.StatusCode != http.StatusOK {
						b.Fatalf("back on the page: %d", resp.StatusCode)
					}
				}
				if resp, _ := br.send(b, http.MethodPost, adaPath+"/factors/recovery-code", nil, headers...); resp.StatusCode != http.StatusOK {
					b.Fatalf("the action: %d", resp.StatusCode)
				}
			}
			b.ReportMetric(float64(counter.n)/float64(b.N), "requests/op")
		})
	}
}
