package handlers

import (
	"fmt"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/views"
)

// render writes the components, in order, as one HTML answer. It renders into a buffer first,
// so that a failing template becomes a clean 500 instead of half a page. Pass a partial and
// then views.FlashOOB(…) to update the flash area along with the partial.
//
// The convention for a screen with an htmx partial:
//
//	if isPartial(c) {
//		return render(c, http.StatusOK, views.UsersTable(data))
//	}
//	return render(c, http.StatusOK, views.UsersPage(s.page(c, "Users"), data))
//
// The buffer comes from a pool (compress.go): a search answer is about 22 KB, and growing a
// fresh buffer to that size for every request was a quarter of the dashboard's allocations.
func render(c echo.Context, status int, components ...templ.Component) error {
	z, _ := c.Get(ctxCompressor).(*compressor)
	buf := z.buffer()
	defer z.release(buf)
	ctx := c.Request().Context()
	if on, _ := c.Get(ctxRemotePictures).(bool); on {
		ctx = views.WithRemotePictures(ctx, true)
	}
	for _, comp := range components {
		if err := comp.Render(ctx, buf); err != nil {
			return fmt.Errorf("render: %w", err)
		}
	}
	h := c.Response().Header()
	h.Add("Vary", "HX-Request") // the same URL answers a page or a partial
	return c.HTMLBlob(status, buf.Bytes())
}

// ctxRemotePictures is the echo context key that tells render whether remote pictures are on
// (set with the security headers, which allow them).
const ctxRemotePictures = "userdesk.remotePictures"

// isHTMX reports whether htmx made the request.
func isHTMX(c echo.Context) bool {
	return c.Request().Header.Get("HX-Request") == "true"
}

// isPartial reports whether the request wants only the partial: htmx asked, and it is neither
// a boosted navigation nor a history restore, which both need the full page.
func isPartial(c echo.Context) bool {
	h := c.Request().Header
	return isHTMX(c) && h.Get("HX-Boosted") != "true" && h.Get("HX-History-Restore-Request") != "true"
}

// page returns the layout's data for a full page: the signed-in person and their abilities,
// the CSRF token, and the pending flash message (which it consumes).
func (s *server) page(c echo.Context, title string) views.Page {
	p := views.Page{Title: title, AssetVersion: s.assetVer, Version: s.version}
	if id, ok := currentIdentity(c); ok {
		st := s.staffOf(id)
		can := abilities(st)
		can.ConfirmIdentity = stepUpDue(c)
		p.Person = &views.Person{Name: id.Name, Email: id.Email, Role: groupsWords(st), Can: can}
		p.CSRFToken = maskCSRF(id.CSRFToken)
		p.Flash = s.popFlash(c)
	}
	return p
}

// can returns what the signed-in person's groups allow on the route's user, for partials that
// show or hide controls (targetAbilities; full pages get the person's in Page.Person.Can), and
// whether dangerous actions will first ask them to sign in again (the gate's step-up check, made
// when the session was loaded).
func (s *server) can(c echo.Context) views.Abilities {
	st := s.currentStaff(c)
	a := abilities(st)
	if t, ok := c.Get(ctxTarget).(*target); ok {
		a, _ = targetAbilities(st, t)
	}
	a.ConfirmIdentity = stepUpDue(c)
	return a
}

// stepUpDue reports whether the person's dangerous actions will first ask them to sign in again
// (loadIdentity decides it when it loads the session).
func stepUpDue(c echo.Context) bool {
	due, _ := c.Request().Context().Value(ctxStepUpDue).(bool)
	return due
}

// respondChanged is how a handler answers a change it made: an htmx request gets the changed
// partial and the flash message out of band; a plain form post gets a 303 to redirectTo, whose
// page shows the message.
//
//	return s.respondChanged(c, views.UserHeader(u), views.Flash{Kind: views.FlashSuccess,
//		Message: "Blocked " + u.Email + "."}, "/users/"+url.PathEscape(id))
func (s *server) respondChanged(c echo.Context, partial templ.Component, f views.Flash, redirectTo string) error {
	if isHTMX(c) {
		return render(c, http.StatusOK, partial, views.FlashOOB(f))
	}
	if err := s.setFlash(c, f); err != nil {
		return fmt.Errorf("save flash: %w", err)
	}
	return c.Redirect(http.StatusSeeOther, redirectTo)
}
