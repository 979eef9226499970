package auth0api

import (
	"context"
	"encoding/json"
	"net/url"
)

// Connection is a tenant connection (identity source), for the create-user
// picker.
type Connection struct {
	ID                 string            `json:"id"`
	Name               string            `json:"name"`
	Strategy           string            `json:"strategy"` // "auth0" for database connections, "google-oauth2", "email", ...
	DisplayName        string            `json:"display_name"`
	Options            ConnectionOptions `json:"options"`
	EnabledClients     []string          `json:"enabled_clients"`
	IsDomainConnection bool              `json:"is_domain_connection"`
	Realms             []string          `json:"realms"`
	Metadata           map[string]string `json:"metadata"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// ConnectionOptions holds the connection options the dashboard reads; the
// many others stay in Extra.
type ConnectionOptions struct {
	RequiresUsername bool `json:"requires_username"`

	Extra map[string]json.RawMessage `json:"-"`
	seen  *seen
}

// ConnectionsPage is a page of connections.
type ConnectionsPage struct {
	Page
	Connections []Connection `json:"connections"`
}

var (
	connectionCodec        = newCodec[Connection]()
	connectionOptionsCodec = newCodec[ConnectionOptions]()
	connectionsPageCodec   = newCodec[ConnectionsPage]()
)

// UnmarshalJSON decodes a connection, keeping unknown keys in Extra.
func (c *Connection) UnmarshalJSON(b []byte) error { return connectionCodec.decode(b, c, &c.seen) }

// MarshalJSON encodes the connection as it was received, with any changes made.
func (c Connection) MarshalJSON() ([]byte, error) { return connectionCodec.encode(&c, c.seen) }

// UnmarshalJSON decodes connection options, keeping unknown keys in Extra.
func (o *ConnectionOptions) UnmarshalJSON(b []byte) error {
	return connectionOptionsCodec.decode(b, o, &o.seen)
}

// MarshalJSON encodes the options as they were received, with any changes made.
func (o ConnectionOptions) MarshalJSON() ([]byte, error) {
	return connectionOptionsCodec.encode(&o, o.seen)
}

// UnmarshalJSON decodes an envelope or a bare array of connections.
func (p *ConnectionsPage) UnmarshalJSON(b []byte) error {
	return decodePage(connectionsPageCodec, b, p, &p.Page, &p.Connections)
}

// MarshalJSON encodes the page as it was received.
func (p ConnectionsPage) MarshalJSON() ([]byte, error) {
	return encodePage(connectionsPageCodec, &p, &p.Page, p.Connections)
}

// ListConnectionsParams are the parameters of ListConnections. The zero value
// asks for page 0 with 50 per page and totals, all strategies.
type ListConnectionsParams struct {
	Strategy      []string // e.g. {"auth0"}; each sent as its own strategy parameter
	Name          string
	Page          int
	PerPage       int       // 0 = 50
	IncludeTotals Opt[bool] // unset = true
	Fields        []string  // when set, include_fields is sent too
	IncludeFields Opt[bool] // unset = true
}

// ListConnections lists the tenant's connections: GET /api/v2/connections.
//
// Scope: read:connections.
//
// https://auth0.com/docs/api/management/v2/connections/get-connections
func (c *Client) ListConnections(ctx context.Context, p ListConnectionsParams) (*ConnectionsPage, error) {
	q := url.Values{}
	pageQuery(q, p.Page, p.PerPage, p.IncludeTotals, 50, true)
	for _, s := range p.Strategy {
		q.Add("strategy", s)
	}
	if p.Name != "" {
		q.Set("name", p.Name)
	}
	if len(p.Fields) > 0 {
		fieldsQuery(q, p.Fields, p.IncludeFields)
	}
	var page ConnectionsPage
	if err := c.do(ctx, "GET /connections", nil, q, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}
