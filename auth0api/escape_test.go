package auth0api_test

import (
	"errors"
	"net/url"
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
