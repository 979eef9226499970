package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/handlers/userquery"
	"userdesk/policy"
	"userdesk/views"
)

// searchFields are the user fields the results table shows: a smaller answer than whole users.
func searchFields() []string {
	return []string{"user_id", "name", "nickname", "email", "email_verified", "picture",
		"identities", "created_at", "last_login", "logins_count", "blocked", "username", "phone_number"}
}

// searchFieldsFor are the fields a search asks for: the table's, and those the person's reach
// matches on.
func (s *server) searchFieldsFor(st policy.Staff) []string {
	fields := searchFields()
	if !st.WholeTenant(policy.ActionView) {
		fields = append(fields, st.TargetFields(policy.ActionView)...)
		slices.Sort(fields)
		fields = slices.Compact(fields)
	}
	return fields
}

// listUsers is the users page: it searches with what the URL carries (the search box, the
// filters, the expert query, the sort and the page) and answers the whole page, or, for htmx,
// the results table alone, telling htmx the search's canonical URL so that bookmarks, reloads
// and the back button bring it back.
func (s *server) listUsers(c echo.Context) error {
	search := parseUserSearch(c.QueryParams())
	d := views.UsersTableData{Search: search}
	if st := s.currentStaff(c); !st.WholeTenant(policy.ActionView) {
		d.Reach = st.ReachWords(policy.ActionView)
	}
	status := http.StatusOK

	// The whole page also lists the connections for the filter: asked at the same time as the
	// search, not after it (one Management API round trip for the page instead of two).
	var (
		connections []string
		listed      sync.WaitGroup
	)
	if !isPartial(c) {
		ctx, log := c.Request().Context(), s.logger(c)
		listed.Go(func() { connections = s.connectionNames(ctx, log) })
	}
	plan, err := userquery.Compile(searchFilters(search, s.now()))
	if es, ok := userquery.AsErrors(err); ok {
		d.Errors = make(map[string]string, len(es))
		for _, e := range es {
			d.Errors[e.Field] = e.Message
		}
		status = http.StatusUnprocessableEntity
	} else {
		status = s.runSearch(c, plan, &d)
		d.Export = s.exportOffer(c, s.currentStaff(c), &d)
		if d.Problem == nil && search.Page == 0 {
			d.Lockout = s.lockoutLookup(c, search.Text, d.Users)
		}
	}
	listed.Wait()
	d.Bulk = s.bulkChoices(c)

	if isHTMX(c) {
		h := c.Response().Header()
		// Typing and filters replace the current history entry (one per search, not one per
		// keystroke); sorting and paging add one, so the back button steps through them.
		if c.Request().Header.Get("HX-Trigger") == views.UserSearchFormID {
			h.Set("HX-Replace-Url", search.URL())
		} else {
			h.Set("HX-Push-Url", search.URL())
		}
	}
	if isPartial(c) {
		if d.Problem != nil && status >= http.StatusBadRequest {
			// Like every htmx error, the answer goes to the flash area (which it clears); the
			// table area, carried out of band, says what went wrong in place of the results.
			h := c.Response().Header()
			h.Set("HX-Retarget", "#"+views.FlashID)
			h.Set("HX-Reswap", "innerHTML")
			return render(c, status, views.FlashMessage(views.Flash{}), views.UsersTableOOB(d))
		}
		return render(c, status, views.UsersTable(d))
	}
	d.Connections = connections
	return render(c, status, views.UsersPage(s.page(c, "Users"), d))
}

// runSearch finds the users for a compiled search and fills d; it returns the HTTP status to
// answer with. Auth0's refusals (a bad expert query, a rate limit) are shown in the table area.
func (s *server) runSearch(c echo.Context, plan userquery.Plan, d *views.UsersTableData) int {
	ctx := c.Request().Context()
	search := d.Search
	per := search.PerPage
	if (search.Page+1)*per > views.SearchCap {
		// Never ask Auth0 for a page it refuses (checklist item 47).
		d.Problem = &views.Problem{Status: http.StatusBadRequest, Title: "Past the first 1,000 results",
			Message: fmt.Sprintf("Auth0 lets anyone page through only the first %d results of a search. Add a filter or type more to narrow it.", views.SearchCap)}
		return http.StatusBadRequest
	}

	// The person's reach: everything found is confined to it (reach as data, package policy).
	// The fields the reach matches on are read beside the table's, and every user found is
	// matched again in memory: a look-up by id or address never shows a user out of reach,
	// and a search result the matcher refuses is dropped (and logged: search and matcher
	// disagree).
	st := s.currentStaff(c)
	fields := s.searchFieldsFor(st)
	inReach := func(users []auth0api.User) []auth0api.User {
		if st.WholeTenant(policy.ActionView) {
			return users // a whole-tenant reach holds every user: nothing to match (or to encode)
		}
		kept := users[:0]
		for _, u := range users {
			if st.Reaches(policy.ActionView, userDoc(&u)) {
				kept = append(kept, u)
			} else {
				s.logger(c).Warn("a user found is outside the person's reach; not shown", "user_id", u.UserID)
			}
		}
		return kept
	}

	// A user id or an e-mail address alone in the box: look it up exactly (immediately
	// consistent, unlike search); when nobody has it, search as usual.
	if search.Page == 0 && plan.UserID != "" && validUserID(plan.UserID) {
		u, err := s.users.GetUser(ctx, plan.UserID, &auth0api.GetUserParams{Fields: fields})
		switch {
		case err == nil && len(inReach([]auth0api.User{*u})) == 1:
			d.Users, d.Found, d.Total = []auth0api.User{*u}, "id", 1
			return http.StatusOK
		case err == nil: // out of reach: as if nobody had the id
		case !errors.Is(err, auth0api.ErrNotFound):
			return s.searchProblem(c, err, d)
		}
	}
	if search.Page == 0 && plan.Email != "" {
		users, err := s.usersByEmail(c, plan.Email, fields)
		if err != nil {
			return s.searchProblem(c, err, d)
		}
		if users = inReach(users); len(users) > 0 {
			d.Users, d.Found, d.Total = users, "email", len(users)
			return http.StatusOK
		}
	}

	q, err := st.SearchQuery(policy.ActionView, plan.Q)
	switch {
	case errors.Is(err, policy.ErrQueryTooComplex):
		d.Problem = &views.Problem{Status: http.StatusUnprocessableEntity, Title: "Search too complex",
			Message: "Once limited to the users you can see, this search is too long or too deeply nested for Auth0. Simplify it."}
		return http.StatusUnprocessableEntity
	case err != nil:
		return s.searchProblem(c, err, d)
	}
	p := auth0api.ListUsersParams{Q: q, Page: search.Page, PerPage: per, Fields: fields}
	if col, ok := views.SortColumnFor(search.Sort); ok {
		p.Sort = col.Field + ":1"
		if search.Desc {
			p.Sort = col.Field + ":-1"
		}
	}
	page, err := s.users.ListUsers(ctx, p)
	if err != nil {
		return s.searchProblem(c, err, d)
	}
	d.Users, d.Start, d.Total, d.Totals = inReach(page.Users), page.Start, page.Total, page.Totals
	if !page.Totals {
		d.Start = search.Page * per
	}
	if len(d.Users) == 0 && d.Total > 0 {
		d.Problem = &views.Problem{Status: http.StatusOK, Title: "Past the last page",
			Message: fmt.Sprintf("The search found %d users, none on this page. Go back to the first page.", d.Total)}
	}
	return http.StatusOK
}

// usersByEmail looks an e-mail address up exactly: as typed, then in lower case (Auth0 stores
// database users' addresses in lower case, and the look-up is case-sensitive).
func (s *server) usersByEmail(c echo.Context, email string, fields []string) ([]auth0api.User, error) {
	ctx := c.Request().Context()
	params := &auth0api.GetUserParams{Fields: fields}
	users, err := s.users.ListUsersByEmail(ctx, email, params)
	if err != nil || len(users) > 0 {
		return users, err
	}
	if lower := strings.ToLower(email); lower != email {
		return s.users.ListUsersByEmail(ctx, lower, params)
	}
	return nil, nil
}

// searchProblem puts a failed search in plain words in the table area and logs it once.
func (s *server) searchProblem(c echo.Context, err error, d *views.UsersTableData) int {
	status, p := s.describe(c, err)
	var a0 *auth0api.Error
	if errors.As(err, &a0) {
		if a0.StatusCode == http.StatusBadRequest {
			p.Title = "Auth0 could not run this search"
		}
		// Auth0's message may quote the query (personal data): log the status and code only.
		s.logger(c).Warn("user search failed", "status", a0.StatusCode, "code", a0.Code)
	} else {
		s.logger(c).Error("user search failed", "err", err)
	}
	d.Problem = &p
	return status
}

// connectionNames lists the tenant's connections for the connection filter's suggestions; the
// filter works without them, so a failure is only logged.
func (s *server) connectionNames(ctx context.Context, log *slog.Logger) []string {
	page, err := s.users.ListConnections(ctx, auth0api.ListConnectionsParams{
		PerPage: 100, Fields: []string{"name"},
	})
	if err != nil {
		log.Warn("list connections for the search filters", "err", err)
		return nil
	}
	names := make([]string, 0, len(page.Connections))
	for _, conn := range page.Connections {
		names = append(names, conn.Name)
	}
	slices.Sort(names)
	return names
}

// parseUserSearch reads a search from the URL. Values are kept as typed (Compile checks them);
// the page size is clamped to the sizes offered, an unknown sort is ignored, and a page that is
// not a positive number is the first.
func parseUserSearch(q url.Values) views.UserSearch {
	s := views.UserSearch{
		Text:        q.Get("q"),
		Email:       q.Get("email"),
		Name:        q.Get("name"),
		UserID:      q.Get("user_id"),
		Connection:  q.Get("connection"),
		Blocked:     q.Get("blocked"),
		Verified:    q.Get("verified"),
		LoginFrom:   q.Get("login_from"),
		LoginTo:     q.Get("login_to"),
		Inactive:    q.Get("inactive"),
		CreatedFrom: q.Get("created_from"),
		CreatedTo:   q.Get("created_to"),
		LoginsMin:   q.Get("logins_min"),
		LoginsMax:   q.Get("logins_max"),
		Raw:         q.Get("raw"),
		PerPage:     views.DefaultPerPage,
	}
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil {
		s.PerPage = clampPageSize(n)
	}
	if _, ok := views.SortColumnFor(q.Get("sort")); ok {
		s.Sort = q.Get("sort")
		s.Desc = q.Get("dir") == "desc"
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		s.Page = min(n, 1_000_000) - 1
	}
	return s
}

// clampPageSize returns the largest offered page size not above n (the smallest for less).
func clampPageSize(n int) int {
	sizes := views.PageSizes()
	best := sizes[0]
	for _, size := range sizes {
		if size <= n {
			best = size
		}
	}
	return best
}

// searchFilters turns the URL's search into the query builder's input.
func searchFilters(s views.UserSearch, now time.Time) userquery.Filters {
	return userquery.Filters{
		Now:           now,
		Text:          s.Text,
		Email:         s.Email,
		Name:          s.Name,
		UserID:        s.UserID,
		Connection:    s.Connection,
		Blocked:       userquery.Tri(s.Blocked),
		EmailVerified: userquery.Tri(s.Verified),
		LastLoginFrom: s.LoginFrom,
		LastLoginTo:   s.LoginTo,
		Inactive:      s.Inactive,
		CreatedFrom:   s.CreatedFrom,
		CreatedTo:     s.CreatedTo,
		LoginsMin:     s.LoginsMin,
		LoginsMax:     s.LoginsMax,
		Raw:           s.Raw,
	}
}
