package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/views"
)

// showOrganizations renders the organizations section: one page of the organizations the user
// belongs to.
func (s *server) showOrganizations(c echo.Context) error {
	sec := sectionNamed("organizations")
	userID, err := sectionUserID(c)
	if err != nil {
		return err
	}
	page := sectionPageParam(c)
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	orgs, err := s.users.ListUserOrganizations(ctx, userID, auth0api.PageParams{
		Page: page, PerPage: sectionPerPage, IncludeTotals: auth0api.Set(true),
	})
	if err != nil {
		return s.sectionFailed(c, userID, sec, views.SectionPageURL(userID, sec, page), err)
	}
	d := views.OrganizationsData{
		UserID:        userID,
		Organizations: orgs.Organizations,
		Pager:         sectionPagerFor(userID, sec, "organizations", page, orgs.Page, len(orgs.Organizations)),
	}
	return s.showSection(c, http.StatusOK, userID, sec, views.OrganizationsSection(d))
}
