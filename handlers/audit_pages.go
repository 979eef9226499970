package handlers

// The audit trail in the dashboard (issue 15): /audit (filter by staff member, user, event,
// outcome and dates; newest first, keyset paging; a streamed CSV export of what the filter
// matches) and the user page's "Changes by staff". Both need the audit action.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/views"
)

// auditPerPage is how many events a page of /audit shows; staffChangesShown how many the user
// page's section shows.
const (
	auditPerPage      = 50
	staffChangesShown = 10
)

// errNoAuditTrail answers the audit pages of a dashboard without a store to read.
var errNoAuditTrail = httpError(http.StatusNotFound, "This userdesk keeps its audit trail only in its log: there is no store to read.", nil).withTitle("No audit trail")

// showAudit is the audit trail page.
func (s *server) showAudit(c echo.Context) error {
	if s.trail == nil {
		return errNoAuditTrail
	}
	form := auditFilterFrom(c)
	d := views.AuditData{Filter: form, Names: auditNames(), CSVURL: "/audit.csv?" + form.Values().Encode()}
	f, errs := s.auditFilter(form)
	status := http.StatusOK
	if len(errs) > 0 {
		d.Errors, status = errs, http.StatusUnprocessableEntity
		return render(c, status, views.AuditPage(s.page(c, "Audit trail"), d))
	}
	page, err := s.trail.Query(c.Request().Context(), f, c.QueryParam("cursor"), auditPerPage)
	if err != nil {
		status, p := s.describe(c, err)
		s.logger(c).Error("read the audit trail", "err", err)
		p.Title, p.Message = "The audit trail cannot be read", "userdesk could not read its audit store. Try again; if it keeps happening, tell an operator."
		d.Problem = &p
		return render(c, status, views.AuditPage(s.page(c, "Audit trail"), d))
	}
	d.Events = auditEventsOf(page.Records)
	if page.Next != "" {
		q := form.Values()
		q.Set("cursor", page.Next)
		d.NextURL = "/audit?" + q.Encode()
	}
	return render(c, status, views.AuditPage(s.page(c, "Audit trail"), d))
}

// exportAudit streams every event the filter matches as CSV, as it is read from the store, and
// records the export itself.
func (s *server) exportAudit(c echo.Context) error {
	if s.trail == nil {
		return errNoAuditTrail
	}
	form := auditFilterFrom(c)
	f, errs := s.auditFilter(form)
	if len(errs) > 0 {
		for _, msg := range errs {
			return httpError(http.StatusUnprocessableEntity, msg, nil)
		}
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="userdesk-audit-`+s.now().UTC().Format("20060102-150405")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	n, err := audit.WriteCSV(c.Response(), s.trail.Records(c.Request().Context(), f), nil)
	s.audit(c, audit.AuditExport, "", err, audit.String("filter", form.Values().Encode()), audit.String("format", "csv"), audit.Int("count", n))
	if err != nil {
		// The answer has started: the CSV stops where the error came; the log says why.
		s.logger(c).Error("audit export stopped", "err", err, "rows", n)
	}
	return nil
}

// showStaffChanges is the user page's "Changes by staff": the latest events about the user.
func (s *server) showStaffChanges(c echo.Context) error {
	return s.sectionPage(c, "changes", func(ctx context.Context, userID string, _ int) (templ.Component, error) {
		d := views.StaffChangesData{UserID: userID, MoreURL: "/audit?" + views.AuditFilter{Target: userID}.Values().Encode()}
		if s.trail == nil {
			return views.StaffChangesSection(d), nil
		}
		page, err := s.trail.Query(ctx, audit.Filter{Target: userID}, "", staffChangesShown)
		if err != nil {
			return nil, fmt.Errorf("read the audit trail: %w", err)
		}
		d.Events = auditEventsOf(page.Records)
		return views.StaffChangesSection(d), nil
	})
}

// auditFilterFrom reads the filter from the query, trimmed and bounded.
func auditFilterFrom(c echo.Context) views.AuditFilter {
	v := func(k string) string {
		s := strings.TrimSpace(c.QueryParam(k))
		if len(s) > 300 {
			s = s[:300]
		}
		return s
	}
	return views.AuditFilter{Actor: v("actor"), Target: v("target"), Event: v("event"), Outcome: v("outcome"), Since: v("since"), Until: v("until")}
}

// auditFilter turns the form into the store's filter, or says what is wrong by field. A staff
// member is an e-mail address (with an @) or a subject; the dates are whole UTC days.
func (s *server) auditFilter(form views.AuditFilter) (audit.Filter, map[string]string) {
	var f audit.Filter
	errs := map[string]string{}
	switch {
	case form.Actor == "":
	case strings.Contains(form.Actor, "@"):
		f.ActorEmail = strings.ToLower(form.Actor)
	default:
		f.Actor = form.Actor
	}
	if form.Target != "" {
		if !validUserID(form.Target) {
			errs["target"] = "That is not a user id (they look like auth0|…)."
		}
		f.Target = form.Target
	}
	if form.Event != "" {
		if !slices.ContainsFunc(auditNames(), func(n views.AuditName) bool { return n.Name == form.Event }) {
			errs["event"] = "Choose an event from the list."
		}
		f.Names = []audit.Name{audit.Name(form.Event)}
	}
	if form.Outcome != "" {
		f.Outcomes = []audit.Outcome{audit.Outcome(form.Outcome)}
	}
	day := func(field, v string, end bool) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			errs[field] = "Use a date like 2024-12-31."
			return time.Time{}
		}
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t
	}
	f.Since, f.Until = day("since", form.Since, false), day("until", form.Until, true)
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		errs["until"] = "The end is before the start."
	}
	if len(errs) == 0 {
		errs = nil
	}
	return f, errs
}

// auditNames are the filter's event names: every name of the catalog, and every refusal.
func auditNames() []views.AuditName {
	out := []views.AuditName{{Name: "denied.*", Label: "Any refusal"}}
	for _, info := range audit.Catalog() {
		out = append(out, views.AuditName{Name: string(info.Name), Label: info.Title})
	}
	return out
}

// auditEventsOf puts stored records in words.
func auditEventsOf(records []audit.Record) []views.AuditEvent {
	out := make([]views.AuditEvent, 0, len(records))
	for _, r := range records {
		e := r.Summary()
		ev := views.AuditEvent{
			ID: e.ID, Time: e.Time, Words: audit.Describe(e, nil), Name: string(e.Name),
			Outcome: string(r.Outcome), OutcomeLabel: r.Outcome.Label(),
			ActorLabel: e.Actor.Email, TargetID: e.Target.UserID, TargetLabel: e.Target.Label, RequestID: e.RequestID,
		}
		if strings.Contains(e.Actor.Subject, "|") {
			ev.ActorID = e.Actor.Subject // staff sign in through the tenant: their subject is a user id
		}
		for _, d := range e.Details {
			ev.Details = append(ev.Details, [2]string{d.Key, fmt.Sprint(d.Value)})
		}
		out = append(out, ev)
	}
	return out
}
