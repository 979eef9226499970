package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/views"
)

// logsCap is how many of a user's events Auth0 lets anyone page through.
const logsCap = 1000

// logsLastPage is the last page of the logs section that Auth0 answers.
const logsLastPage = logsCap/sectionPerPage - 1

// showLogs renders the logs section: one page of the user's log events, newest first. Auth0
// pages through the first 1,000 events only, so the section never offers a page past them
// (a ?page= beyond is the last reachable page) and says so at the end.
func (s *server) showLogs(c echo.Context) error {
	sec := sectionNamed("logs")
	userID, err := sectionUserID(c)
	if err != nil {
		return err
	}
	page := min(sectionPageParam(c), logsLastPage)
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	logs, err := s.users.ListUserLogs(ctx, userID, auth0api.LogParams{
		Page: page, PerPage: sectionPerPage, Sort: "date:-1", IncludeTotals: auth0api.Set(true),
	})
	if err != nil {
		return s.sectionFailed(c, userID, sec, views.SectionPageURL(userID, sec, page), err)
	}
	pg := sectionPagerFor(userID, sec, "events", page, logs.Page, len(logs.Logs))
	end := pg.Start + pg.Count
	atCap := end >= logsCap && pg.Count > 0
	if atCap {
		pg.NextURL = ""
	}
	if atCap || (logs.Totals && logs.Total > logsCap) {
		pg.EndNote = views.LogsEndNote
	}
	d := views.LogsData{UserID: userID, Events: logs.Logs, Pager: pg}
	return s.showSection(c, http.StatusOK, userID, sec, views.LogsSection(d))
}
