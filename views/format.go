package views

import (
	"fmt"
	"net/http"
	"time"

	"userdesk/auth0api"
)

// displayName is the name of the signed-in person, or their e-mail when they have none.
func displayName(p *Person) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// flashRole is the ARIA role of a flash message: errors interrupt, the rest are polite.
func flashRole(k FlashKind) string {
	if k == FlashError {
		return "alert"
	}
	return "status"
}

// statusText is "403 Forbidden" for 403.
func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return fmt.Sprintf("%d %s", status, t)
	}
	return fmt.Sprint(status)
}

// formatTime shows a time in UTC to the minute, or "never" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// isoTime is the machine-readable form for <time datetime>.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// emailAside is " (e-mail)" after a name, or nothing when the name is the e-mail.
func emailAside(p *Person) string {
	if p.Email == "" || p.Email == displayName(p) {
		return ""
	}
	return " (" + p.Email + ")"
}

// forbiddenReason explains a 403 to a signed-in person.
func forbiddenReason(p *Person) string {
	if p.Role == "" {
		return "your account has no userdesk role. Ask an administrator to give you one, then sign in again."
	}
	return "the " + p.Role + " role does not allow this."
}

// userName is a user's name, or their nickname, e-mail or id when they have no name.
func userName(u auth0api.User) string {
	for _, s := range []string{u.Name, u.Nickname, u.Email, u.UserID} {
		if s != "" {
			return s
		}
	}
	return ""
}

// connection is the connection of the user's primary identity.
func connection(u auth0api.User) string {
	if len(u.Identities) == 0 {
		return ""
	}
	return u.Identities[0].Connection
}

// usersRange is "Users 1–25 of 340".
func usersRange(d UsersTableData) string {
	if len(d.Users) == 0 {
		return "No users."
	}
	first, last := d.Start+1, d.Start+len(d.Users)
	if d.Total > 0 {
		return fmt.Sprintf("Users %d–%d of %d", first, last, d.Total)
	}
	return fmt.Sprintf("Users %d–%d", first, last)
}
