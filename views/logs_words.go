package views

import (
	"bytes"
	"encoding/json"
	"strings"

	"userdesk/auth0api"
)

// LogsEndNote is what the logs section says after the last page Auth0 lets anyone reach.
const LogsEndNote = "Auth0 pages through a user's 1,000 most recent events only; older events are in the tenant's log streams or exports."

// logPlace is "Berlin, Germany" from an event's location.
func logPlace(l auth0api.LocationInfo) string {
	var parts []string
	for _, s := range []string{l.CityName, l.CountryName} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// logRawJSON is the event as Auth0 sent it, indented. It indents the model's own encoding
// directly: json.MarshalIndent would first compact and check it once more (a fifth of the
// logs section's rendering, 25 events per page).
func logRawJSON(ev auth0api.LogEvent) string {
	b, err := ev.MarshalJSON()
	if err == nil {
		var buf bytes.Buffer
		if err = json.Indent(&buf, b, "", "  "); err == nil {
			return buf.String()
		}
	}
	return "(this event cannot be shown: " + err.Error() + ")"
}
