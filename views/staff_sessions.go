package views

import (
	"regexp"
	"strings"
	"time"
)

// StaffSessionsID is the id of the staff-sessions table, which htmx replaces after a change.
const StaffSessionsID = "staff-sessions"

// StaffSessionsData is what the staff-sessions page shows: everyone signed in to userdesk (on
// every replica, when they share a session store), with their sessions.
type StaffSessionsData struct {
	People []StaffPerson
	// Now is when the page was made (for "5 minutes ago").
	Now time.Time
	// Truncated: more sessions exist than the page lists.
	Truncated bool
	// CSRFToken is the masked CSRF token of the forms.
	CSRFToken string
}

// StaffPerson is one signed-in staff member and their live sessions.
type StaffPerson struct {
	Subject, Name, Email string
	// Groups are the person's policy groups, as their latest session saved them.
	Groups   []string
	Sessions []StaffSession
}

// StaffSession is one live session, named by a handle (never its id, which is a secret).
type StaffSession struct {
	Handle            string
	Created, LastSeen time.Time
	IP, UserAgent     string
	// Current is the session of the browser looking at the page.
	Current bool
}

// OwnSessionsData is what "Your sessions" shows: the person's own live sessions, and the
// button that ends them all.
type OwnSessionsData struct {
	Sessions  []StaffSession
	Now       time.Time
	CSRFToken string
}

// personLabel names a staff member: name and e-mail, or whichever is known, or the subject.
func personLabel(p StaffPerson) string { return PersonLabel(p.Name, p.Email, p.Subject) }

// ago says how long before now t was: "just now", "5 minutes ago", "3 hours ago".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "unknown"
	case d < time.Minute:
		return "just now"
	case d < 2*time.Minute:
		return "1 minute ago"
	case d < time.Hour:
		return itoa(int(d/time.Minute)) + " minutes ago"
	case d < 2*time.Hour:
		return "1 hour ago"
	}
	return itoa(int(d/time.Hour)) + " hours ago"
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// browserPattern finds the browser and its major version in a User-Agent, the most specific
// first (Edge and Opera say Chrome too; Chrome says Safari).
var browserPatterns = []struct {
	name string
	re   *regexp.Regexp
}{
	{"Edge", regexp.MustCompile(`Edg(?:e|A|iOS)?/(\d+)`)},
	{"Opera", regexp.MustCompile(`OPR/(\d+)`)},
	{"Firefox", regexp.MustCompile(`(?:Firefox|FxiOS)/(\d+)`)},
	{"Chrome", regexp.MustCompile(`(?:Chrome|CriOS)/(\d+)`)},
	{"Safari", regexp.MustCompile(`Version/(\d+)[^ ]* .*Safari/`)},
}

// platforms name the operating system in a User-Agent, the most specific first.
var platforms = []struct{ needle, name string }{
	{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"CrOS", "ChromeOS"},
	{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
}

// BrowserWords names the browser of a User-Agent for people: "Firefox 128 on Linux"; the
// User-Agent itself (shortened) when it is none it knows; "unknown" when empty.
func BrowserWords(ua string) string {
	if strings.TrimSpace(ua) == "" {
		return "unknown"
	}
	browser := ""
	for _, b := range browserPatterns {
		if m := b.re.FindStringSubmatch(ua); m != nil {
			browser = b.name + " " + m[1]
			break
		}
	}
	platform := ""
	for _, p := range platforms {
		if strings.Contains(ua, p.needle) {
			platform = p.name
			break
		}
	}
	switch {
	case browser != "" && platform != "":
		return browser + " on " + platform
	case browser != "":
		return browser
	}
	if len(ua) > 60 {
		return ua[:60] + "…"
	}
	return ua
}

// sessionCount says "1 session", "3 sessions".
func sessionCount(n int) string {
	if n == 1 {
		return "1 session"
	}
	return itoa(n) + " sessions"
}
