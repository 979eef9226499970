package handlers

import (
	"testing"

	"userdesk/auth0api/auth0apitest"
	"userdesk/views"
)

// BenchmarkSectionPartials measures each section partial of the user page in process, against a
// tenant without added latency: the server's own cost per section (issue 7, figure 1).
//
//	go test -run '^$' -bench SectionPartials -benchmem ./handlers/
func BenchmarkSectionPartials(b *testing.B) {
	a, cookie := benchApp(b)
	for _, sec := range everyonesSections() {
		b.Run(sec.Path, func(b *testing.B) {
			size := 0
			for b.Loop() {
				size = serve(b, a, cookie, views.SectionURL(auth0apitest.FixtureUserID, sec), true)
			}
			b.ReportMetric(float64(size), "bytes/answer")
		})
	}
}
