package handlers

import (
	"context"

	"github.com/a-h/templ"
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
	return s.sectionPage(c, "logs", func(ctx context.Context, userID string, page int) (templ.Component, error) {
		page = min(page, logsLastPage)
		logs, err := s.users.ListUserLogs(ctx, userID, auth0api.LogParams{
			Page: page, PerPage: sectionPerPage, Sort: "date:-1", IncludeTotals: auth0api.Set(true),
		})
		if err != nil {
			return nil, err
		}
		pg := sectionPagerFor(userID, sectionNamed("logs"), "events", page, logs.Page, len(logs.Logs))
		end := pg.Start + pg.Count
		atCap := end >= logsCap && pg.Count > 0
		if atCap {
			pg.NextURL = ""
		}
		if atCap || (logs.Totals && logs.Total > logsCap) {
			pg.EndNote = views.LogsEndNote
		}
		return views.LogsSection(views.LogsData{UserID: userID, Events: logs.Logs, Pager: pg}), nil
	})
}
