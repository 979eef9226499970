package handlers

// The user page's sections (issue 6) share this: reading the path, bounding each section's
// calls with a deadline, rendering a section (a partial for htmx, a page otherwise), failing
// inside the section with a retry button, and paging. The gate (gate.go) resolves and checks
// the user of every section route.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/views"
)

// DefaultSectionTimeout bounds the Management API calls of one section unless
// Config.SectionTimeout says otherwise: a section that takes longer says so in place, with a
// retry button, and the rest of the page is not held up.
const DefaultSectionTimeout = 6 * time.Second

// sectionPerPage is how many items a section's list shows per page.
const sectionPerPage = 25

// sectionPathParam returns a path parameter, unescaped. Echo matches on the escaped path when
// the URL holds escapes the default encoding would not produce (an id with "/" sent as %2F)
// and then hands the parameter over as it was sent; otherwise it is unescaped already.
func sectionPathParam(c echo.Context, name string) (string, error) {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v, nil
	}
	return url.PathUnescape(v)
}

// sectionText reports whether s is non-empty, at most max bytes of valid UTF-8, without control
// characters.
func sectionText(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, unicode.IsControl) < 0
}

// sectionContext bounds a section's calls with the configured section timeout.
func (s *server) sectionContext(c echo.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), s.sectionTimeout)
}

// sectionPage answers a section's GET route: it reads the user id and the page asked for, gives
// load the section's deadline, and renders what load returns, or, when it fails, the section's
// own error with a retry button for the same page.
func (s *server) sectionPage(c echo.Context, name string, load func(ctx context.Context, userID string, page int) (templ.Component, error)) error {
	sec := sectionNamed(name)
	userID := targetOf(c).ID
	page := sectionPageParam(c)
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	partial, err := load(ctx, userID, page)
	if err != nil {
		return s.sectionFailed(c, userID, sec, views.SectionPageURL(userID, sec, page), err)
	}
	return s.showSection(c, http.StatusOK, userID, sec, partial)
}

// sectionPageParam reads the zero-based ?page= of a section list; anything odd is the first page.
func sectionPageParam(c echo.Context) int {
	p, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || p < 0 {
		return 0
	}
	return min(p, 1000)
}

// isOwnAccount reports whether userID is the signed-in person's own tenant user. Staff sign in
// through the tenant, so their subject is their user id.
func isOwnAccount(c echo.Context, userID string) bool {
	id, ok := currentIdentity(c)
	return ok && id.Subject != "" && id.Subject == userID
}

// sectionHeader marks an answer that is a section partial, whatever its status: app.js then
// swaps it in place of the user page's placeholder as it is, rather than treating an error
// status (a missing scope, a rate limit) as a request that failed before the section answered.
const sectionHeader = "X-Userdesk-Section"

// showSection answers with a section: the partial for htmx, else a page holding it.
func (s *server) showSection(c echo.Context, status int, userID string, sec views.Section, partial templ.Component) error {
	if isPartial(c) {
		c.Response().Header().Set(sectionHeader, sec.ID)
		return render(c, status, partial)
	}
	return render(c, status, views.SectionPage(s.page(c, sec.Title), userID, partial))
}

// sectionFailed shows a section's failure inside the section, with a retry button that fetches
// retryURL: a missing scope, a rate limit ("try again in N s"), a timeout or an Auth0 error
// stays there, and the rest of the page is untouched. It logs the error once.
func (s *server) sectionFailed(c echo.Context, userID string, sec views.Section, retryURL string, err error) error {
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		return err // the browser went away; handleError logs it quietly
	}
	status, p := s.describe(c, err)
	log := s.logger(c).With("section", sec.Path, "status", status, "err", err)
	if status >= 500 {
		log.Error("section failed")
	} else {
		log.Warn("section failed")
	}
	return s.showSection(c, status, userID, sec, views.SectionError(sec, retryURL, p))
}

// sectionChanged answers a change made in a section: the section reloaded from Auth0 (never
// patched locally) and a success message, out of band for htmx (respondChanged). msg is asked
// after the reload, so it may use what the reload read. When the reload fails, the section
// shows why, with its retry button, and the message says the change was made.
func (s *server) sectionChanged(c echo.Context, userID string, sec views.Section,
	load func(ctx context.Context) (templ.Component, error), msg func() string) error {
	ctx, cancel := s.sectionContext(c)
	defer cancel()
	comp, err := load(ctx)
	f := views.Flash{Kind: views.FlashSuccess, Message: msg()}
	if err != nil {
		_, p := s.describe(c, err)
		s.logger(c).Warn("section reload after a change failed", "section", sec.Path, "err", err)
		comp = views.SectionError(sec, views.SectionURL(userID, sec), p)
		f.Message += " The section could not be reloaded: " + p.Message
	}
	return s.respondChanged(c, comp, f, "/users/"+url.PathEscape(userID))
}

// sectionParallel runs the calls at once and returns the first error; the first failure cancels the
// others, so a section fails as soon as one of its calls does.
func sectionParallel(ctx context.Context, calls ...func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, call := range calls {
		wg.Go(func() {
			if err := call(ctx); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	return first
}

// sectionPagerFor places one page of a section's list: previous, next, and whether more exist. With
// totals Auth0 said how many there are; without, a full page means there may be more.
func sectionPagerFor(userID string, sec views.Section, noun string, page int, p auth0api.Page, count int) views.Pager {
	pg := views.Pager{Section: sec, Noun: noun, Start: page * sectionPerPage, Count: count}
	if p.Totals {
		pg.Total = p.Total
	}
	if page > 0 {
		pg.PrevURL = views.SectionPageURL(userID, sec, page-1)
	}
	more := count == sectionPerPage
	if p.Totals {
		more = p.Total > pg.Start+count
	}
	if more && count > 0 {
		pg.NextURL = views.SectionPageURL(userID, sec, page+1)
	}
	return pg
}

// sectionNamed returns the UserSections entry with path.
func sectionNamed(path string) views.Section {
	sec, ok := views.SectionByPath(path)
	if !ok {
		panic("handlers: no user page section " + path) // a programming error, caught by every test
	}
	return sec
}
