package audit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one audit event: something a person (or userdesk itself) did or tried to do, to
// whom, and how it ended. A change is two events: an attempt, written before the Management
// API call, and its outcome, written after it and pointing at the attempt (AttemptID). A
// refusal, a sign-in and other things that happen at once are one outcome event without an
// attempt.
//
// Events are immutable once stored: the store chains them with SHA-256 (see Canonical).
type Event struct {
	// ID is the event's random id (32 hex digits), set by the Recorder or the store.
	ID string
	// Time is when it happened, in UTC with microsecond precision (finer is truncated). The store
	// never records an event earlier than the one before it in the chain (a replica's clock
	// behind another's moves it up), so time order is chain order.
	Time time.Time
	// RequestID is the HTTP request's id, or a job id for background work.
	RequestID string
	// Phase says whether this is an attempt or an outcome.
	Phase Phase
	// AttemptID is, on an outcome, the id of the attempt it ends; "" on an attempt and on a
	// standalone outcome.
	AttemptID string
	// Name is what was done: one of the Name constants ("user.block").
	Name Name
	// Outcome is OutcomeAttempt on an attempt; success, failure or denied on an outcome.
	Outcome Outcome
	// Actor is who did it; the zero Actor is userdesk itself (background work).
	Actor Actor
	// Target is the user it was done to, if any.
	Target Target
	// IP is the client's address as the dashboard's trusted-proxy rules see it.
	IP string
	// Route is the method and route pattern, e.g. "POST /users/:id/block".
	Route string
	// Details say what changed or why it failed. Only keys declared in the package's detail
	// vocabulary are kept (see Detail); never secrets.
	Details Details

	// Seq, Prev and Hash are set by the store: the event's position in the chain, the hash of
	// the event before it, and its own hash. Zero on events that were not stored.
	Seq  int64
	Prev string
	Hash string
}

// Actor is the person who acted, as the dashboard knew them when they acted.
type Actor struct {
	// Subject is the person's OIDC subject (their Auth0 user id).
	Subject string
	// Email and Name are for people reading the trail; the subject is what identifies.
	Email string
	Name  string
	// Groups are the person's dashboard groups (roles) at the time.
	Groups []string
}

// IsSystem reports whether the actor is userdesk itself (no person).
func (a Actor) IsSystem() bool { return a.Subject == "" && a.Email == "" && a.Name == "" }

// Target is the user an event is about.
type Target struct {
	// UserID is the Auth0 user id.
	UserID string
	// Label is how people know the user (name or e-mail) at the time of the event.
	Label string
}

// Phase is an event's place in a change: attempt or outcome.
type Phase string

// Phases.
const (
	PhaseAttempt Phase = "attempt"
	PhaseOutcome Phase = "outcome"
)

// Outcome is how an event ended.
type Outcome string

// Outcomes. Attempt is stored on attempts; success, failure and denied on outcomes. Pending
// and unknown are never stored: a Record derives them for an attempt without an outcome, pending
// while it is younger than the store's PendingFor, unknown after (a crash, a timeout).
const (
	OutcomeAttempt Outcome = "attempt"
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure"
	OutcomeDenied  Outcome = "denied"
	OutcomePending Outcome = "pending"
	OutcomeUnknown Outcome = "unknown"
)

// Label is the outcome in words, for people.
func (o Outcome) Label() string {
	switch o {
	case OutcomeAttempt:
		return "attempted"
	case OutcomeSuccess:
		return "succeeded"
	case OutcomeFailure:
		return "failed"
	case OutcomeDenied:
		return "refused"
	case OutcomePending:
		return "in progress"
	case OutcomeUnknown:
		return "outcome unknown"
	}
	return string(o)
}

// Outcomes lists the outcomes a query can filter on (the final outcome of a change).
func Outcomes() []Outcome {
	return []Outcome{OutcomeSuccess, OutcomeFailure, OutcomeDenied, OutcomePending, OutcomeUnknown}
}

// Limits on what one event holds. Longer strings are cut (on a rune boundary); an event with
// more groups or details keeps the first ones.
const (
	maxShort   = 128  // ids, names of things
	maxLabel   = 256  // e-mails, labels, routes
	maxValue   = 512  // one detail value
	maxGroups  = 32   // actor groups
	maxDetails = 32   // detail keys
	maxList    = 100  // items in a list detail
	maxDetailB = 8192 // canonical details, in bytes
)

// ErrInvalid is wrapped by the errors for an event that cannot be stored as given.
var ErrInvalid = errors.New("audit: invalid event")

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+$`)

// newID returns a random event id: 16 random bytes in hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b[:])
}

var idRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// normalize checks e and puts it in the form the store keeps and hashes: valid UTF-8 without
// NUL, lengths cut, UTC time at microsecond precision, details through the vocabulary and the
// secret screen. It returns ErrInvalid (wrapped) for what cannot be fixed: a bad name, phase or
// outcome, a missing time.
func normalize(e *Event) error {
	if !nameRE.MatchString(string(e.Name)) || len(e.Name) > maxShort {
		return fmt.Errorf("%w: name %q is not like user.block", ErrInvalid, e.Name)
	}
	if e.Time.IsZero() {
		return fmt.Errorf("%w: %s has no time", ErrInvalid, e.Name)
	}
	if e.ID == "" {
		e.ID = newID()
	}
	if !idRE.MatchString(e.ID) {
		return fmt.Errorf("%w: id %q is not 32 hex digits", ErrInvalid, e.ID)
	}
	switch e.Phase {
	case PhaseAttempt:
		if e.Outcome == "" {
			e.Outcome = OutcomeAttempt
		}
		if e.Outcome != OutcomeAttempt || e.AttemptID != "" {
			return fmt.Errorf("%w: an attempt has outcome %q and no attempt id", ErrInvalid, OutcomeAttempt)
		}
	case PhaseOutcome:
		if e.Outcome != OutcomeSuccess && e.Outcome != OutcomeFailure && e.Outcome != OutcomeDenied {
			return fmt.Errorf("%w: outcome %q is not success, failure or denied", ErrInvalid, e.Outcome)
		}
		if e.AttemptID != "" && !idRE.MatchString(e.AttemptID) {
			return fmt.Errorf("%w: attempt id %q is not 32 hex digits", ErrInvalid, e.AttemptID)
		}
	default:
		return fmt.Errorf("%w: phase %q is not attempt or outcome", ErrInvalid, e.Phase)
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.RequestID = clean(e.RequestID, maxShort)
	e.Actor.Subject = clean(e.Actor.Subject, maxLabel)
	e.Actor.Email = clean(e.Actor.Email, maxLabel)
	e.Actor.Name = clean(e.Actor.Name, maxLabel)
	groups := make([]string, 0, min(len(e.Actor.Groups), maxGroups))
	for _, g := range e.Actor.Groups {
		if len(groups) == maxGroups {
			break
		}
		groups = append(groups, clean(g, maxShort))
	}
	e.Actor.Groups = groups
	e.Target.UserID = clean(e.Target.UserID, maxLabel)
	e.Target.Label = screen(clean(e.Target.Label, maxLabel))
	e.IP = clean(e.IP, 64)
	e.Route = clean(e.Route, maxLabel)
	e.Details = e.Details.normalize()
	return nil
}

// clean returns s as valid UTF-8 without NUL (PostgreSQL's text cannot hold it) or other C0
// controls than tab and newline, cut to at most n bytes on a rune boundary.
func clean(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.ContainsFunc(s, isControl) {
		s = strings.Map(func(r rune) rune {
			if isControl(r) {
				return '\uFFFD'
			}
			return r
		}, s)
	}
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func isControl(r rune) bool { return (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f }

// Secret screening. The detail vocabulary keeps secrets out by design; these patterns are the
// second line, applied to every detail value and to target labels: whatever looks like a bearer
// credential is replaced.
var (
	jwtRE    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.?[A-Za-z0-9_-]*`)
	bearerRE = regexp.MustCompile(`(?i)\bbearer\s+\S+`)
	urlRE    = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s?#]*[?#]\S*`)
)

// Redacted replaces a screened value (or the part of it that looked like a secret).
const Redacted = "[redacted]"

// screen replaces JWTs, bearer credentials and the query and fragment of URLs (ticket and
// enrollment links carry their secret there) in s.
func screen(s string) string {
	if !strings.Contains(s, "eyJ") && !strings.Contains(s, "://") && !strings.Contains(strings.ToLower(s), "bearer") {
		return s
	}
	s = jwtRE.ReplaceAllString(s, Redacted)
	s = bearerRE.ReplaceAllString(s, "Bearer "+Redacted)
	return urlRE.ReplaceAllStringFunc(s, func(u string) string {
		i := strings.IndexAny(u, "?#")
		return u[:i] + "?" + Redacted
	})
}
