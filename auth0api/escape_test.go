package auth0api_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api"
)

// hostileIDs can never reach another path or add to the query.
var hostileIDs = []string{"auth0|abc", "a/b", "../roles", "..", ".", "x?y", "x#y", "%2F", "ü✓", "a b+c", "a;b,c", "%", "a%2Fb/../c"}

func TestIDsStayOneSegment(t *testing.T) {
	for _, id := range hostileIDs {
		t.Run(id, func(t *testing.T) {
			srv := newServer(t, reply(200, methodJSON))
			// A base path prefix, as when the emulated tenant is mounted under /tenant.
			c := newClient(t, srv.URL+"/tenant")
			if _, err := c.GetAuthenticationMethod(t.Context(), id, id); err != nil {
				t.Fatalf("call: %v", err)
			}
			r := srv.requests()[0]
			segs := strings.Split(strings.TrimPrefix(r.Path, "/tenant"+apiPrefix), "/")
			// "", "users", id, "authentication-methods", id
			if len(segs) != 5 || segs[1] != "users" || segs[3] != "authentication-methods" {
				t.Fatalf("escaped path %q: got segments %q, want users/ID/authentication-methods/ID", r.Path, segs)
			}
			for _, seg := range []string{segs[2], segs[4]} {
				got, err := url.PathUnescape(seg)
				if err != nil || got != id {
					t.Errorf("segment %q unescapes to %q (%v), want %q", seg, got, err, id)
				}
				if seg == "." || seg == ".." {
					t.Errorf("segment %q would be resolved as a dot segment", seg)
				}
			}
			if len(r.Query) != 0 {
				t.Errorf("query %v, want none", r.Query)
			}
		})
	}
}

func TestEscapedForms(t *testing.T) {
	for id, want := range map[string]string{
		"auth0|abc": "auth0%7Cabc",
		"a/b":       "a%2Fb",
		"..":        "%2E%2E",
		".":         "%2E",
		"../roles":  "..%2Froles",
		"x?y":       "x%3Fy",
		"x#y":       "x%23y",
		"%2F":       "%252F",
		"ü✓":        "%C3%BC%E2%9C%93",
		"123 4":     "123%204",
	} {
		srv := newServer(t, reply(204, ""))
		c := newClient(t, srv.URL)
		if err := c.DeleteUser(t.Context(), id); err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if got := srv.requests()[0].Path; got != "/users/"+want {
			t.Errorf("%q went out as %q, want /users/%s", id, got, want)
		}
	}
}

func TestEmptyIDNoRequest(t *testing.T) {
	srv := newServer(t, reply(200, userJSON))
	c := newClient(t, srv.URL)
	_, err := c.GetUser(t.Context(), "", nil)
	if !errors.Is(err, auth0api.ErrInvalidID) {
		t.Fatalf("error %v, want ErrInvalidID", err)
	}
	if !strings.Contains(err.Error(), "GET /users/{id}") {
		t.Errorf("error %q does not name the endpoint", err)
	}
	if n := srv.count(); n != 0 {
		t.Errorf("got %d requests, want none", n)
	}
}

// TestAccountSecurityIDsStayOneSegment: every account-security call (issue 12) sends its id as
// exactly one escaped path segment, and its identifier or user id as one query value.
func TestAccountSecurityIDsStayOneSegment(t *testing.T) {
	type call struct {
		name string
		do   func(c *auth0api.Client, id string) error
		want []string // the path's segments after /api/v2, "ID" where the id goes
		// query is the parameter that must carry the id as its only value ("" = no query).
		query string
	}
	ctx := t.Context()
	calls := []call{
		{"ListUserBlocks", func(c *auth0api.Client, id string) error { _, err := c.ListUserBlocks(ctx, id, nil); return err },
			[]string{"user-blocks", "ID"}, ""},
		{"UnblockUser", func(c *auth0api.Client, id string) error { return c.UnblockUser(ctx, id) }, []string{"user-blocks", "ID"}, ""},
		{"ListUserBlocksByIdentifier", func(c *auth0api.Client, id string) error {
			_, err := c.ListUserBlocksByIdentifier(ctx, id, nil)
			return err
		}, []string{"user-blocks"}, "identifier"},
		{"UnblockByIdentifier", func(c *auth0api.Client, id string) error { return c.UnblockByIdentifier(ctx, id) }, []string{"user-blocks"}, "identifier"},
		{"ListUserSessions", func(c *auth0api.Client, id string) error {
			_, err := c.ListUserSessions(ctx, id, auth0api.CheckpointParams{})
			return err
		}, []string{"users", "ID", "sessions"}, ""},
		{"DeleteUserSessions", func(c *auth0api.Client, id string) error { return c.DeleteUserSessions(ctx, id) }, []string{"users", "ID", "sessions"}, ""},
		{"GetSession", func(c *auth0api.Client, id string) error { _, err := c.GetSession(ctx, id); return err }, []string{"sessions", "ID"}, ""},
		{"DeleteSession", func(c *auth0api.Client, id string) error { return c.DeleteSession(ctx, id) }, []string{"sessions", "ID"}, ""},
		{"RevokeSession", func(c *auth0api.Client, id string) error { return c.RevokeSession(ctx, id) }, []string{"sessions", "ID", "revoke"}, ""},
		{"RevokeUserAccess", func(c *auth0api.Client, id string) error { return c.RevokeUserAccess(ctx, id, auth0api.RevokeAccess{}) },
			[]string{"users", "ID", "revoke-access"}, ""},
		{"ListUserRefreshTokens", func(c *auth0api.Client, id string) error {
			_, err := c.ListUserRefreshTokens(ctx, id, auth0api.CheckpointParams{})
			return err
		}, []string{"users", "ID", "refresh-tokens"}, ""},
		{"DeleteUserRefreshTokens", func(c *auth0api.Client, id string) error { return c.DeleteUserRefreshTokens(ctx, id) },
			[]string{"users", "ID", "refresh-tokens"}, ""},
		{"GetRefreshToken", func(c *auth0api.Client, id string) error { _, err := c.GetRefreshToken(ctx, id); return err },
			[]string{"refresh-tokens", "ID"}, ""},
		{"DeleteRefreshToken", func(c *auth0api.Client, id string) error { return c.DeleteRefreshToken(ctx, id) }, []string{"refresh-tokens", "ID"}, ""},
		{"ListUserGrants", func(c *auth0api.Client, id string) error {
			_, err := c.ListUserGrants(ctx, id, auth0api.ListGrantsParams{})
			return err
		}, []string{"grants"}, "user_id"},
		{"DeleteGrant", func(c *auth0api.Client, id string) error { return c.DeleteGrant(ctx, id) }, []string{"grants", "ID"}, ""},
		{"DeleteUserGrants", func(c *auth0api.Client, id string) error { return c.DeleteUserGrants(ctx, id) }, []string{"grants"}, "user_id"},
	}
	hostile := append(slices.Clone(hostileIDs), "a&user_id=other", "x=y&identifier=root@example.com", "+15551234567")
	for _, cl := range calls {
		t.Run(cl.name, func(t *testing.T) {
			srv := newServer(t, reply(200, `{}`))
			c := newClient(t, srv.URL+"/tenant")
			for _, id := range hostile {
				if err := cl.do(c, id); err != nil {
					t.Fatalf("%q: %v", id, err)
				}
				reqs := srv.requests()
				r := reqs[len(reqs)-1]
				segs := strings.Split(strings.TrimPrefix(r.Path, "/tenant"+apiPrefix+"/"), "/")
				if len(segs) != len(cl.want) {
					t.Errorf("%q went out as %q: segments %q, want %q", id, r.Path, segs, cl.want)
					continue
				}
				for i, w := range cl.want {
					got, err := url.PathUnescape(segs[i])
					switch {
					case w != "ID" && segs[i] != w:
						t.Errorf("%q went out as %q: segment %d is %q, want %q", id, r.Path, i, segs[i], w)
					case w == "ID" && (err != nil || got != id || segs[i] == "." || segs[i] == ".."):
						t.Errorf("%q went out as %q: segment %q unescapes to %q (%v)", id, r.Path, segs[i], got, err)
					}
				}
				if cl.query != "" {
					if v := r.Query[cl.query]; len(v) != 1 || v[0] != id {
						t.Errorf("%q went out with %s=%q (query %v)", id, cl.query, v, r.Query)
					}
					for k := range r.Query {
						if k != cl.query && !slices.Contains([]string{"page", "per_page", "include_totals"}, k) {
							t.Errorf("%q added the query parameter %q: %v", id, k, r.Query)
						}
					}
				}
			}
		})
	}
}
