package handlers

// The user page in one round trip (issue 13). On a full-page load the gate starts the reads of
// the page's sections at once with its own reads of the user (the user and their roles):
// authentication methods, permissions and organizations; and the lockouts and sessions, whose
// facts the summary shows. The page waits for them up to
// Config.PageBudget and renders the sections that answered in place, with the summary's facts
// filled; a section still waiting stays a placeholder that loads itself, as before, so one slow
// call never holds the page. The roles section and the factors section's names come from the
// gate's reads: no call is made twice. The logs and "Changes by staff" (the Activity tab) load
// when their tab is opened, and so do the refresh tokens and authorized applications (the
// Security tab). Seven Management API calls in all, at once: the user, roles, methods,
// permissions, organizations, lockouts and sessions.

import (
	"context"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/auth0api"
	"userdesk/views"
)

// DefaultPageBudget is how long the user page waits for its sections' reads unless
// Config.PageBudget says otherwise.
const DefaultPageBudget = 300 * time.Millisecond

// ctxPrefetch is the echo.Context key of the page's started reads.
const ctxPrefetch = "userdesk.prefetch"

// future is a read started now and answered later.
type future[T any] struct {
	done chan struct{}
	v    T
	err  error
}

// start runs read in the background.
func start[T any](ctx context.Context, read func(ctx context.Context) (T, error)) *future[T] {
	f := &future[T]{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.v, f.err = read(ctx)
	}()
	return f
}

// within returns the answer if it comes before deadline.
func (f *future[T]) within(deadline <-chan time.Time) (T, error, bool) {
	select {
	case <-f.done:
		return f.v, f.err, true
	case <-deadline:
		var zero T
		return zero, nil, false
	}
}

// pagePrefetch is the user page's section reads, started by the gate.
type pagePrefetch struct {
	methods *future[*auth0api.AuthenticationMethodsPage]
	perms   *future[*auth0api.PermissionsPage]
	orgs    *future[*auth0api.OrganizationsPage]
	// The account-security sections whose facts the summary shows (issue 12).
	blocks   *future[[]auth0api.UserBlock]
	sessions *future[*auth0api.SessionsPage]
}

// prefetchPage starts the reads of the page's sections (each with the section timeout).
func (s *server) prefetchPage(c echo.Context, id string) *pagePrefetch {
	// Not the request's context: the page may answer before a read does, which then ends with
	// the section timeout, unread.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), s.sectionTimeout)
	first := auth0api.PageParams{PerPage: sectionPerPage, IncludeTotals: auth0api.Set(true)}
	pf := &pagePrefetch{
		methods: start(ctx, func(ctx context.Context) (*auth0api.AuthenticationMethodsPage, error) {
			return s.users.ListAuthenticationMethods(ctx, id, nil)
		}),
		perms: start(ctx, func(ctx context.Context) (*auth0api.PermissionsPage, error) {
			return s.users.ListUserPermissions(ctx, id, first)
		}),
		orgs: start(ctx, func(ctx context.Context) (*auth0api.OrganizationsPage, error) {
			return s.users.ListUserOrganizations(ctx, id, first)
		}),
		blocks: start(ctx, func(ctx context.Context) ([]auth0api.UserBlock, error) {
			return s.users.ListUserBlocks(ctx, id, nil)
		}),
		sessions: start(ctx, func(ctx context.Context) (*auth0api.SessionsPage, error) {
			return s.users.ListUserSessions(ctx, id, sessionsFirstPage)
		}),
	}
	go func() { // the reads end by themselves (answered, or the section timeout)
		<-pf.methods.done
		<-pf.perms.done
		<-pf.orgs.done
		<-pf.blocks.done
		<-pf.sessions.done
		cancel()
	}()
	return pf
}

// placeSections renders, in d, the sections whose reads answered within the page's budget, and
// the summary's facts they give.
func (s *server) placeSections(c echo.Context, t *target, d *views.UserPageData) {
	pf, ok := c.Get(ctxPrefetch).(*pagePrefetch)
	if !ok {
		return
	}
	d.Sections = map[string]templ.Component{}
	deadline := time.After(s.pageBudget)
	id := t.ID
	place := func(path string, comp templ.Component, err error) {
		if err != nil {
			_, p := s.describe(c, err)
			sec := sectionNamed(path)
			comp = views.SectionError(sec, views.SectionURL(id, sec), p)
		}
		d.Sections[path] = comp
	}

	if t.rolesRead && !t.protection.unchecked {
		roles := firstRolesPage(t.Roles)
		place("roles", views.RolesSection(s.rolesData(c, id, 0, roles)), nil)
		d.Summary.Roles = &views.Count{N: len(t.Roles)}
	}
	if methods, err, ok := pf.methods.within(deadline); ok {
		if err == nil {
			fd := s.factorsData(c, id, methods, t.User)
			summary := views.SummarizeFactors(methods.AuthenticationMethods)
			d.Summary.MFA = &summary
			place("factors", views.FactorsSection(fd), nil)
		} else {
			place("factors", nil, err)
		}
	}
	if perms, err, ok := pf.perms.within(deadline); ok {
		if err == nil {
			place("permissions", views.PermissionsSection(s.permissionsData(c, id, 0, perms)), nil)
		} else {
			place("permissions", nil, err)
		}
	}
	if orgs, err, ok := pf.orgs.within(deadline); ok {
		if err == nil {
			place("organizations", views.OrganizationsSection(organizationsData(id, 0, orgs)), nil)
		} else {
			place("organizations", nil, err)
		}
	}
	if blocks, err, ok := pf.blocks.within(deadline); ok {
		if err == nil {
			ld := s.lockoutsData(c, t, blocks)
			d.Summary.Lockout = &views.LockoutSummary{Locked: len(blocks) > 0, Detail: views.LockoutDetail(blocks)}
			place("lockouts", views.LockoutsSection(ld), nil)
		} else {
			place("lockouts", nil, err)
		}
	}
	if sessions, err, ok := pf.sessions.within(deadline); ok {
		sd, err := s.sessionsData(c, t, sessions, err, 0)
		if err == nil {
			if !sd.Unavailable {
				d.Summary.Sessions = &sd.Count
			}
			place("sessions", views.SessionsSection(sd), nil)
		} else {
			place("sessions", nil, err)
		}
	}
}

// firstRolesPage is the roles section's first page made of every role the gate read (at most
// protectionRolesPerPage, all of the user's: the gate read them with totals).
func firstRolesPage(all []auth0api.Role) *auth0api.RolesPage {
	n := min(len(all), sectionPerPage)
	return &auth0api.RolesPage{Page: auth0api.Page{Start: 0, Limit: sectionPerPage, Total: len(all), Totals: true}, Roles: all[:n]}
}
