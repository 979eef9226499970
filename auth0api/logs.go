package auth0api

import (
	"context"
	"encoding/json"
	"net/url"
	"time"
)

// LogEvent is one tenant log event (type codes: "s" login, "f" failed login,
// "sapi" API operation, ...; see https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes).
// Auth0 sends many fields as null; they stay zero and are written back as
// null.
type LogEvent struct {
	ID               string            `json:"_id"`
	LogID            string            `json:"log_id"`
	Date             time.Time         `json:"date"` // zero when Auth0 sends the (rare) object form
	Type             string            `json:"type"`
	Description      string            `json:"description"`
	Connection       string            `json:"connection"`
	ConnectionID     string            `json:"connection_id"`
	OrganizationID   string            `json:"organization_id"`
	OrganizationName string            `json:"organization_name"`
	ClientID         string            `json:"client_id"`
	ClientName       string            `json:"client_name"`
	IP               string            `json:"ip"`
	Hostname         string            `json:"hostname"`
	Details          map[string]any    `json:"details"`
	UserID           string            `json:"user_id"`
	UserName         string            `json:"user_name"`
	UserAgent        string            `json:"user_agent"`
	Audience         string            `json:"audience"`
	Scope            string            `json:"scope"`
	Strategy         string            `json:"strategy"`
	StrategyType     string            `json:"strategy_type"`
	IsMobile         bool              `json:"isMobile"`
	LocationInfo     LocationInfo      `json:"location_info"`
	SecurityContext  map[string]string `json:"security_context"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// LocationInfo is where a log event came from, derived from its IP.
type LocationInfo struct {
	CountryCode   string  `json:"country_code"`
	CountryCode3  string  `json:"country_code3"`
	CountryName   string  `json:"country_name"`
	CityName      string  `json:"city_name"`
	Latitude      float64 `json:"latitude"`
	Longitude     float64 `json:"longitude"`
	TimeZone      string  `json:"time_zone"`
	ContinentCode string  `json:"continent_code"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// LogsPage is a page of log events.
type LogsPage struct {
	Page
	Logs []LogEvent `json:"logs"`
}

var (
	logEventCodec     = newCodec[LogEvent]()
	locationInfoCodec = newCodec[LocationInfo]()
	logsPageCodec     = newCodec[LogsPage]()
)

// UnmarshalJSON decodes a log event, keeping unknown keys in Extra.
func (e *LogEvent) UnmarshalJSON(b []byte) error { return logEventCodec.decode(b, e, &e.seen) }

// MarshalJSON encodes the event as it was received, with any changes made.
func (e LogEvent) MarshalJSON() ([]byte, error) { return logEventCodec.encode(&e, e.seen) }

// UnmarshalJSON decodes location info, keeping unknown keys in Extra.
func (l *LocationInfo) UnmarshalJSON(b []byte) error {
	return locationInfoCodec.decode(b, l, &l.seen)
}

// MarshalJSON encodes the location as it was received, with any changes made.
func (l LocationInfo) MarshalJSON() ([]byte, error) { return locationInfoCodec.encode(&l, l.seen) }

// UnmarshalJSON decodes an envelope or a bare array of log events.
func (p *LogsPage) UnmarshalJSON(b []byte) error {
	return decodePage(logsPageCodec, b, p, &p.Page, &p.Logs)
}

// MarshalJSON encodes the page as it was received.
func (p LogsPage) MarshalJSON() ([]byte, error) {
	return encodePage(logsPageCodec, &p, &p.Page, p.Logs)
}

// LogParams are the parameters of ListUserLogs. The zero value is the seed's
// request: page 0, 50 per page, no totals (a bare array).
type LogParams struct {
	Page          int
	PerPage       int       // 0 = 50 (Auth0 allows at most 100)
	Sort          string    // "date:-1" (newest first) or "date:1"
	IncludeTotals Opt[bool] // unset = false
}

// ListUserLogs lists a user's log events: GET /api/v2/users/{id}/logs.
// Auth0 pages through at most the first 1,000 events.
//
// Scopes: read:logs, read:logs_users.
//
// https://auth0.com/docs/api/management/v2/users/get-logs-by-user
func (c *Client) ListUserLogs(ctx context.Context, id string, p LogParams) (*LogsPage, error) {
	q := url.Values{}
	pageQuery(q, p.Page, p.PerPage, p.IncludeTotals, 50, false)
	if p.Sort != "" {
		q.Set("sort", p.Sort)
	}
	var page LogsPage
	if err := c.do(ctx, "GET /users/{id}/logs", []string{id}, q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}
