package handlers

// Per-person limits (issue 11): the gate counts each request against the limits its route
// declares, after the policy allowed the action and before any Management API call, so that a
// refusal costs Auth0 nothing:
//
//   - changes: every route that changes something (any method but GET and HEAD), per person,
//     sign-out aside;
//   - searches: the routes in searchRoutes, per person;
//   - e-mails: the routes whose target rule says sendsEmail, per target user, counted once the
//     rules about the target allowed the change (a refused request sends nothing).
//
// Over a limit the answer is 429 with Retry-After and a plain message (a page, or the alert of
// an htmx request), and one denied.rate_limit audit event per person (or target) and limit per
// refusal window, so that a flood cannot fill the audit trail. The limiter is in memory, or in
// Redis where replicas share it (Config.Limiter).

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"userdesk/audit"
	"userdesk/handlers/limits"
)

// Limits are the per-person limits the gate applies. A Rule with Rate 0 turns its limit off.
type Limits struct {
	// Changes limits the changes one person makes (default limits.Changes: 30 a minute).
	Changes limits.Rule
	// Emails limits the e-mails sent to one user: password reset, verification, enrollment
	// invitation (default limits.Emails: 3 per 10 minutes).
	Emails limits.Rule
	// Searches limits the searches one person runs (default limits.Searches: 10 a second,
	// bursts of 20).
	Searches limits.Rule
}

// DefaultLimits are issue 11's limits.
func DefaultLimits() Limits {
	return Limits{Changes: limits.Changes, Emails: limits.Emails, Searches: limits.Searches}
}

// resolve returns the limits to apply (nil: DefaultLimits), each rule named for its keys and
// checked.
func (l *Limits) resolve() (Limits, error) {
	if l == nil {
		return DefaultLimits(), nil
	}
	out := *l
	for _, r := range []struct {
		rule *limits.Rule
		name string
	}{{&out.Changes, limits.Changes.Name}, {&out.Emails, limits.Emails.Name}, {&out.Searches, limits.Searches.Name}} {
		if r.rule.Rate == 0 {
			continue // off
		}
		r.rule.Name = r.name
		if r.rule.Burst == 0 {
			r.rule.Burst = r.rule.Rate
		}
		if err := r.rule.Validate(); err != nil {
			return Limits{}, fmt.Errorf("handlers: %w", err)
		}
	}
	return out, nil
}

// minRefusalWindow is the shortest time between two audit events of one limit for one key.
const minRefusalWindow = time.Minute

// personalLimits are the limits a route's requests count against per person.
func (s *server) personalLimits(rt route) []limits.Rule {
	var out []limits.Rule
	if !isSafeMethod(rt.Method) && rt.Action != actSignedIn && rt.Action != actPublic && s.limits.Changes.Rate > 0 {
		out = append(out, s.limits.Changes)
	}
	if isSearchRoute(rt) && s.limits.Searches.Rate > 0 {
		out = append(out, s.limits.Searches)
	}
	return out
}

// isSearchRoute reports whether the route is in searchRoutes.
func isSearchRoute(rt route) bool {
	for _, r := range searchRoutes {
		if r == rt.Method+" "+rt.Path {
			return true
		}
	}
	return false
}

// checkLimit counts one request against rule for key (a person's sub, or a target's user id).
// Over the limit it answers 429 with Retry-After, and audits the refusal once per refusal
// window. target is the audit event's target user ("" for none). A limiter that cannot
// decide refuses the request (503): the limits fail closed.
func (s *server) checkLimit(c echo.Context, rule limits.Rule, key, target string) error {
	ctx := c.Request().Context()
	res, err := s.limiter.Allow(ctx, rule, key)
	if err != nil {
		return storeFailed(fmt.Errorf("rate limit %s: %w", rule.Name, err))
	}
	if res.Allowed {
		return nil
	}
	wait := max(1, int(math.Ceil(res.RetryAfter.Seconds())))
	c.Response().Header().Set("Retry-After", strconv.Itoa(wait))
	s.logger(c).Warn("over a per-person limit", "limit", rule.Name, "retry_after_s", wait)
	window := limits.Rule{Name: rule.Name + "-refused", Rate: 1, Per: max(rule.Per, minRefusalWindow), Burst: 1}
	if first, err := s.limiter.Allow(ctx, window, key); err == nil && first.Allowed {
		s.auditEvent(c, audit.DeniedRateLimit, audit.OutcomeDenied, target, audit.String("limit", rule.Name),
			audit.String("reason", "over "+ruleWords(rule)), audit.String("retry_after", strconv.Itoa(wait)+"s"))
	}
	return httpError(http.StatusTooManyRequests, limitMessage(rule, wait), nil).withTitle("Too many requests")
}

// limitMessage says, in plain words, which limit was reached and when to try again.
func limitMessage(rule limits.Rule, wait int) string {
	again := "Wait " + secondsWords(wait) + ", then try again."
	switch rule.Name {
	case limits.Emails.Name:
		return fmt.Sprintf("This user has already been sent as many e-mails as userdesk sends to one person (%s). Nothing was sent. %s", ruleWords(rule), again)
	case limits.Searches.Name:
		return "You are searching faster than userdesk allows (" + ruleWords(rule) + "). " + again
	}
	return fmt.Sprintf("You have reached userdesk's limit of %s. Nothing was changed. %s", ruleWords(rule), again)
}

// ruleWords says a rule: "30 changes a minute", "3 e-mails per 10 minutes", "10 searches a
// second, bursts of 20".
func ruleWords(rule limits.Rule) string {
	noun := map[string]string{limits.Emails.Name: "e-mails", limits.Searches.Name: "searches"}[rule.Name]
	if noun == "" {
		noun = "changes"
	}
	w := fmt.Sprintf("%d %s %s", rule.Rate, noun, perWords(rule.Per))
	if rule.Burst > rule.Rate {
		w += fmt.Sprintf(", bursts of %d", rule.Burst)
	}
	return w
}

// perWords says a period: "a second", "a minute", "per 10 minutes", "per 90s".
func perWords(d time.Duration) string {
	switch {
	case d == time.Second:
		return "a second"
	case d == time.Minute:
		return "a minute"
	case d == time.Hour:
		return "an hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("per %d hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("per %d minutes", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("per %d seconds", d/time.Second)
	}
	return "per " + d.String()
}

// secondsWords says a wait: "1 second", "42 seconds", "5 minutes".
func secondsWords(s int) string {
	switch {
	case s == 1:
		return "1 second"
	case s < 120:
		return strconv.Itoa(s) + " seconds"
	}
	return strconv.Itoa((s+59)/60) + " minutes"
}
