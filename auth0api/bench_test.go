package auth0api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"userdesk/auth0api"
)

// recordedUser returns the user of the TestUserManager_Read recording.
func recordedUser(b *testing.B) string {
	for _, in := range recordings(b) {
		if in.File == "TestUserManager_Read.yaml" && in.Method == "GET" && in.Status == 200 {
			return in.ResponseBody
		}
	}
	b.Skip("recorded user not found")
	return ""
}

func benchServer(b *testing.B, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write([]byte(body))
	}))
	b.Cleanup(srv.Close)
	return srv
}

func BenchmarkGetUser(b *testing.B) {
	srv := benchServer(b, recordedUser(b))
	c := newClient(b, srv.URL)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetUser(ctx, "auth0|63d17c4a9d503d76c056c160", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListUsers(b *testing.B) {
	user := recordedUser(b)
	users := make([]string, 50)
	for i := range users {
		users[i] = strings.Replace(user, "auth0|63d17c4a9d503d76c056c160", fmt.Sprintf("auth0|63d17c4a9d503d76c056c%03d", i), 1)
	}
	body := `{"start":0,"limit":50,"length":50,"users":[` + strings.Join(users, ",") + `],"total":1000}`
	srv := benchServer(b, body)
	c := newClient(b, srv.URL)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		p, err := c.ListUsers(ctx, auth0api.ListUsersParams{PerPage: 50})
		if err != nil || len(p.Users) != 50 {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeUser measures the model decoding alone.
func BenchmarkDecodeUser(b *testing.B) {
	body := []byte(recordedUser(b))
	b.ReportAllocs()
	for b.Loop() {
		var u auth0api.User
		if err := json.Unmarshal(body, &u); err != nil {
			b.Fatal(err)
		}
	}
}
