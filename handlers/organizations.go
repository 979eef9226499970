package handlers

import (
	"context"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/views"
)

// showOrganizations renders the organizations section: one page of the organizations the user
// belongs to.
func (s *server) showOrganizations(c echo.Context) error {
	return s.sectionPage(c, "organizations", func(ctx context.Context, userID string, page int) (templ.Component, error) {
		orgs, err := s.users.ListUserOrganizations(ctx, userID, auth0api.PageParams{
			Page: page, PerPage: sectionPerPage, IncludeTotals: auth0api.Set(true),
		})
		if err != nil {
			return nil, err
		}
		return views.OrganizationsSection(organizationsData(userID, page, orgs)), nil
	})
}

// organizationsData is one page of the organizations section.
func organizationsData(userID string, page int, orgs *auth0api.OrganizationsPage) views.OrganizationsData {
	return views.OrganizationsData{
		UserID:        userID,
		Organizations: orgs.Organizations,
		Pager:         sectionPagerFor(userID, sectionNamed("organizations"), "organizations", page, orgs.Page, len(orgs.Organizations)),
	}
}
