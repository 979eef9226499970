package auth0api_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"userdesk/auth0api"
)

func Example() {
	c, err := auth0api.New(auth0api.Config{
		Domain:            "acme.eu.auth0.com",
		ClientID:          "M2M_CLIENT_ID",
		ClientSecret:      "M2M_CLIENT_SECRET",
		Version:           "1.0.0",
		RequestsPerSecond: 8, // stay under the tenant's Management API limit
		Burst:             8,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	u, err := c.GetUser(ctx, "auth0|63d17c4a9d503d76c056c160", nil)
	var apiErr *auth0api.Error
	switch {
	case errors.Is(err, auth0api.ErrNotFound):
		fmt.Println("no such user")
	case errors.Is(err, auth0api.ErrRateLimited) && errors.As(err, &apiErr):
		fmt.Printf("busy, try again in %s\n", apiErr.RetryAfter(time.Now()).Round(time.Second))
	case err != nil:
		log.Print(err)
	default:
		fmt.Println(u.Email, u.LastLogin)
	}
}

func ExampleClient_UpdateUser() {
	var c *auth0api.Client // from auth0api.New
	// Block the user, remove their phone number and one metadata key, and
	// leave everything else alone.
	_, err := c.UpdateUser(context.Background(), "auth0|63d17c4a9d503d76c056c160", auth0api.UserUpdate{
		Blocked:      auth0api.Set(true),
		PhoneNumber:  auth0api.Null[string](),
		UserMetadata: map[string]any{"nickname_hint": nil},
	})
	if err != nil {
		log.Print(err)
	}
}

func ExampleClient_ListUsers() {
	var c *auth0api.Client // from auth0api.New
	page, err := c.ListUsers(context.Background(), auth0api.ListUsersParams{
		Q:       `email:"ada@example.com" OR name:"Ada*"`, // search_engine=v3 is implied
		Sort:    "last_login:-1",
		PerPage: 50,
		Fields:  []string{"user_id", "email", "name", "last_login"},
	})
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(page.Total, len(page.Users), page.HasNext())
}
