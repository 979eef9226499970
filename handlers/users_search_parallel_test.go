package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"userdesk/auth0api"
)

// overlapUsers is the real client, except that ListUsers goes ahead only once ListConnections
// has started: it fails when the two are asked one after the other.
type overlapUsers struct {
	Users
	started chan struct{}
	once    sync.Once
}

func (o *overlapUsers) ListConnections(ctx context.Context, p auth0api.ListConnectionsParams) (*auth0api.ConnectionsPage, error) {
	o.once.Do(func() { close(o.started) })
	return o.Users.ListConnections(ctx, p)
}

func (o *overlapUsers) ListUsers(ctx context.Context, p auth0api.ListUsersParams) (*auth0api.UsersPage, error) {
	select {
	case <-o.started:
	case <-time.After(5 * time.Second):
		return nil, errors.New("ListConnections was not asked while ListUsers ran")
	}
	return o.Users.ListUsers(ctx, p)
}

// TestSearchPageAsksAtOnce: the whole users page asks for the search and for the connections
// (the filter's suggestions) at the same time, not one after the other.
func TestSearchPageAsksAtOnce(t *testing.T) {
	a := newTestApp(t)
	b := a.signIn(t, "viewer")
	a.srv.users = &overlapUsers{Users: a.srv.users, started: make(chan struct{})}
	resp, body := b.get(t, "/users?q=a")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `class="user-row"`) {
		t.Fatalf("GET /users?q=a = %d:\n%.500s", resp.StatusCode, body)
	}
	if strings.Contains(body, "was not asked") {
		t.Errorf("the search waited for the connections")
	}
}
