package auth0api_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"userdesk/auth0api"
	"userdesk/auth0api/auth0apitest"
)

// linkTenant starts a tenant with the fixtures and a client holding every scope.
func linkTenant(t *testing.T) (*auth0apitest.Tenant, *auth0api.Client) {
	t.Helper()
	tn, srv := auth0apitest.NewServer(t, auth0apitest.Options{})
	c, err := auth0api.New(auth0api.Config{BaseURL: srv.URL + "/api/v2", Token: tn.Token(auth0apitest.AllScopes...)})
	if err != nil {
		t.Fatal(err)
	}
	return tn, c
}

// wantAPIError checks an *auth0api.Error's status and message.
func wantAPIError(t *testing.T, what string, err error, status int, message string) {
	t.Helper()
	var apiErr *auth0api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != status || (message != "" && apiErr.Message != message) {
		t.Errorf("%s: %v, want %d %q", what, err, status, message)
	}
}

// TestLinkAndUnlinkOnEmulatedTenant links Hedy Lamarr's Google account into
// her database account and unlinks it again: the secondary leaves search and
// get while linked and comes back, without metadata, when unlinked.
func TestLinkAndUnlinkOnEmulatedTenant(t *testing.T) {
	_, c := linkTenant(t)
	ctx := t.Context()
	primary, secondary := auth0apitest.FixtureDuplicateUserID, auth0apitest.FixtureDuplicateSocialUserID
	search := func() []string {
		p, err := c.ListUsers(ctx, auth0api.ListUsersParams{Q: `email:"hedy.lamarr@example.com"`})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, u := range p.Users {
			ids = append(ids, u.UserID)
		}
		return ids
	}
	if got := search(); !slices.Equal(got, []string{primary, secondary}) {
		t.Fatalf("before linking, the search finds %v", got)
	}

	ids, err := c.LinkUserIdentity(ctx, primary, auth0api.LinkIdentity{Provider: "google-oauth2", UserID: "110453678901234567890"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[0].UserID != "64a1b2c3d4e5f60718293a4f" || ids[1].Provider != "google-oauth2" ||
		ids[1].UserID != "110453678901234567890" || !ids[1].IsSocial || ids[1].ProfileData["email"] != "hedy.lamarr@example.com" ||
		ids[0].ProfileData["email"] != "hedy.lamarr@example.com" {
		t.Errorf("identities after linking: %+v", ids)
	}
	if _, err := c.GetUser(ctx, secondary, nil); !errors.Is(err, auth0api.ErrNotFound) {
		t.Errorf("GetUser of the linked secondary: %v, want ErrNotFound", err)
	}
	if got := search(); !slices.Equal(got, []string{primary}) {
		t.Errorf("while linked, the search finds %v", got)
	}
	if byEmail, err := c.ListUsersByEmail(ctx, "hedy.lamarr@example.com", nil); err != nil || len(byEmail) != 1 {
		t.Errorf("users-by-email while linked: %d users, %v", len(byEmail), err)
	}
	u, err := c.GetUser(ctx, primary, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Identities) != 2 || u.UserMetadata["locale"] != "de-DE" || u.UserID != primary || u.Identities[0].ProfileData != nil {
		t.Errorf("the primary after linking (its metadata must be its own, its own identity without profileData): %+v", u)
	}

	// The address stays taken in the database connection.
	_, err = c.CreateUser(ctx, auth0api.UserCreate{Connection: auth0apitest.DatabaseConnection, Email: "hedy.lamarr@example.com",
		Password: "Corr3ct-Horse-Battery"})
	if !errors.Is(err, auth0api.ErrConflict) {
		t.Errorf("a new database user with the primary's address: %v, want ErrConflict", err)
	}

	// Auth0's refusals.
	_, err = c.LinkUserIdentity(ctx, primary, auth0api.LinkIdentity{Provider: "google-oauth2", UserID: "110453678901234567890"})
	wantAPIError(t, "linking it again", err, 409, "Specified identity already exists.")
	_, err = c.LinkUserIdentity(ctx, primary, auth0api.LinkIdentity{Provider: "auth0", UserID: primary})
	wantAPIError(t, "linking the primary to itself", err, 400, "Main identity and the new one are the same.")
	_, err = c.LinkUserIdentity(ctx, primary, auth0api.LinkIdentity{Provider: "google-oauth2", UserID: "1"})
	wantAPIError(t, "an unknown secondary", err, 400, "Provided secondary account not found.")
	_, err = c.LinkUserIdentity(ctx, primary, auth0api.LinkIdentity{Provider: "twitter", UserID: "1"})
	wantAPIError(t, "a provider without a connection", err, 400, "The provider/connection is not configured.")
	_, err = c.LinkUserIdentity(ctx, "auth0|nobody", auth0api.LinkIdentity{Provider: "auth0", UserID: auth0apitest.FixtureBareUserID})
	wantAPIError(t, "an unknown primary", err, 404, "The user does not exist.")
	_, err = c.LinkUserIdentity(ctx, auth0apitest.FixtureBareUserID, auth0api.LinkIdentity{Provider: "auth0", UserID: auth0apitest.FixtureLinkedUserID})
	wantAPIError(t, "a secondary with linked identities", err, 400, "Unable to link with the secondary account.")
	_, err = c.UnlinkUserIdentity(ctx, primary, "auth0", "64a1b2c3d4e5f60718293a4f")
	wantAPIError(t, "unlinking the main identity", err, 400, "Main identity cannot be removed.")

	ids, err = c.UnlinkUserIdentity(ctx, primary, "google-oauth2", "110453678901234567890")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0].UserID != "64a1b2c3d4e5f60718293a4f" {
		t.Errorf("identities after unlinking: %+v", ids)
	}
	back, err := c.GetUser(ctx, secondary, nil)
	if err != nil {
		t.Fatalf("the unlinked identity is not a user again: %v", err)
	}
	if back.Email != "hedy.lamarr@example.com" || back.Name != "Hedy Lamarr" || back.UserMetadata != nil || back.AppMetadata != nil ||
		len(back.Identities) != 1 || back.Identities[0].Connection != auth0apitest.SocialConnection {
		t.Errorf("the recreated user: %+v (no metadata, its own identity)", back)
	}
	if got := search(); !slices.Equal(got, []string{primary, secondary}) {
		t.Errorf("after unlinking, the search finds %v", got)
	}
	again, err := c.UnlinkUserIdentity(ctx, primary, "google-oauth2", "110453678901234567890")
	if err != nil || len(again) != 1 {
		t.Errorf("unlinking again: %v %v (it is safe to repeat)", again, err)
	}
}

// TestUnlinkFixtureAndDeletePrimary: Katherine Johnson's GitHub identity
// comes back as the user github|5012345; deleting her then deletes the
// Google identity still linked.
func TestUnlinkFixtureAndDeletePrimary(t *testing.T) {
	tn, c := linkTenant(t)
	ctx := t.Context()
	kath := auth0apitest.FixtureLinkedUserID
	u, err := c.GetUser(ctx, kath, nil)
	if err != nil || len(u.Identities) != 3 {
		t.Fatalf("Katherine: %v, %v", u, err)
	}
	provider, id, _ := strings.Cut(auth0apitest.FixtureLinkedGitHubIdentity, "|")
	if _, err := c.UnlinkUserIdentity(ctx, kath, provider, id); err != nil {
		t.Fatal(err)
	}
	gh, err := c.GetUser(ctx, auth0apitest.FixtureLinkedGitHubIdentity, nil)
	if err != nil || gh.Nickname != "kjohnson" || gh.LoginsCount != 0 {
		t.Errorf("the GitHub user: %+v, %v", gh, err)
	}
	if err := c.DeleteUser(ctx, kath); err != nil {
		t.Fatal(err)
	}
	if _, ok := tn.User(auth0apitest.FixtureLinkedGoogleIdentity); ok {
		t.Error("the still-linked Google identity survived its primary's deletion")
	}
	if _, err := c.LinkUserIdentity(ctx, auth0apitest.FixtureUserID, auth0api.LinkIdentity{Provider: "google-oauth2",
		UserID: strings.TrimPrefix(auth0apitest.FixtureLinkedGoogleIdentity, "google-oauth2|")}); !errors.Is(err, auth0api.ErrBadRequest) {
		t.Errorf("linking the deleted identity: %v, want 400", err)
	}
}

// TestLinkWithIDToken: a user token with update:current_user_identities
// links the user's own second account with its ID token (link_with), and
// the OAS's refusals hold.
func TestLinkWithIDToken(t *testing.T) {
	tn, c := linkTenant(t)
	ctx := t.Context()
	base := strings.TrimSuffix(tn.Issuer(), "/") + "/api/v2"
	userClient := func(userID string) *auth0api.Client {
		uc, err := auth0api.New(auth0api.Config{BaseURL: base, Token: tn.UserToken(userID, "app-1", "update:current_user_identities")})
		if err != nil {
			t.Fatal(err)
		}
		return uc
	}
	hedy, hedyG := auth0apitest.FixtureDuplicateUserID, auth0apitest.FixtureDuplicateSocialUserID
	uc := userClient(hedy)
	_, err := uc.LinkUserIdentity(ctx, hedy, auth0api.LinkIdentity{LinkWith: tn.IDToken(hedyG, "another-app")})
	wantAPIError(t, "an ID token for another application", err, 400, "JWT (link_with) must have an aud claim that matches that of the calling token's azp.")
	_, err = uc.LinkUserIdentity(ctx, hedy, auth0api.LinkIdentity{LinkWith: "not.a.jwt"})
	wantAPIError(t, "a malformed token", err, 400, "Invalid token (link_with).")
	_, err = uc.LinkUserIdentity(ctx, hedy, auth0api.LinkIdentity{LinkWith: tn.IDToken("google-oauth2|1", "app-1")})
	wantAPIError(t, "an unknown account", err, 400, "Provided secondary account not found.")
	_, err = uc.LinkUserIdentity(ctx, auth0apitest.FixtureUserID, auth0api.LinkIdentity{LinkWith: tn.IDToken(hedyG, "app-1")})
	wantAPIError(t, "someone else's account", err, 403, "User to be acted on does not match subject in bearer token.")
	other := auth0apitest.New(auth0apitest.Options{})
	_, err = uc.LinkUserIdentity(ctx, hedy, auth0api.LinkIdentity{LinkWith: other.IDToken(hedyG, "app-1")})
	wantAPIError(t, "another tenant's token", err, 400, "Invalid token (link_with).")

	link := auth0api.LinkIdentity{LinkWith: tn.IDToken(hedyG, "app-1")}
	if text := fmt.Sprint(link) + slogText(link); strings.Contains(text, link.LinkWith) {
		t.Errorf("the link prints its token: %s", text)
	}
	ids, err := uc.LinkUserIdentity(ctx, hedy, link)
	if err != nil || len(ids) != 2 {
		t.Fatalf("link_with: %v, %v", ids, err)
	}
	if _, err := c.GetUser(ctx, hedyG, nil); !errors.Is(err, auth0api.ErrNotFound) {
		t.Errorf("the linked account: %v, want ErrNotFound", err)
	}
}

// TestLinkParamsRefusedBeforeSending: the client refuses what Auth0 would.
func TestLinkParamsRefusedBeforeSending(t *testing.T) {
	srv := newServer(t, reply(201, "[]"))
	c := newClient(t, srv.URL)
	for name, l := range map[string]auth0api.LinkIdentity{
		"nothing":                   {},
		"no user_id":                {Provider: "github"},
		"no provider":               {UserID: "1"},
		"link_with and provider":    {LinkWith: "x.y.z", Provider: "github"},
		"link_with and connection":  {LinkWith: "x.y.z", ConnectionID: "con_ftSSLHb0O7rcUGmF"},
		"link_with and the user_id": {LinkWith: "x.y.z", UserID: "1"},
	} {
		if _, err := c.LinkUserIdentity(t.Context(), caseUserID, l); !errors.Is(err, auth0api.ErrInvalidParams) {
			t.Errorf("%s: %v, want ErrInvalidParams", name, err)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("%d requests went out", n)
	}
}

// TestUnlinkSegmentsEscaped: the provider and the secondary's user_id are
// one path segment each, whatever they hold.
func TestUnlinkSegmentsEscaped(t *testing.T) {
	for _, id := range append(hostileIDs, "acme-saml|alan.turing@acme.example") {
		srv := newServer(t, reply(200, "[]"))
		c := newClient(t, srv.URL)
		if _, err := c.UnlinkUserIdentity(t.Context(), id, id, id); err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		r := srv.requests()[0]
		segs := strings.Split(r.Path, "/")
		// "", "users", id, "identities", provider, user_id
		if len(segs) != 6 || segs[1] != "users" || segs[3] != "identities" {
			t.Errorf("%q went out as %q", id, r.Path)
			continue
		}
		for _, seg := range segs[4:] {
			if seg == "." || seg == ".." || strings.ContainsAny(seg, "?#|") {
				t.Errorf("%q: segment %q", id, seg)
			}
		}
		if len(r.Query) != 0 {
			t.Errorf("%q: query %v", id, r.Query)
		}
	}
}

// TestEnrollmentTicketOnEmulatedTenant: an invitation e-mailed to the
// user's address, one shown instead, and the refusals; the ticket never
// prints its link.
func TestEnrollmentTicketOnEmulatedTenant(t *testing.T) {
	tn, c := linkTenant(t)
	ctx := t.Context()
	sent, err := c.CreateGuardianEnrollmentTicket(ctx, auth0api.GuardianEnrollmentTicket{
		UserID: auth0apitest.FixtureUserID, SendMail: auth0api.Set(true), Factor: auth0api.FactorOTP,
	})
	if err != nil {
		t.Fatal(err)
	}
	shown, err := c.CreateGuardianEnrollmentTicket(ctx, auth0api.GuardianEnrollmentTicket{
		UserID: auth0apitest.FixtureBareUserID, SendMail: auth0api.Set(false), AllowMultipleEnrollments: auth0api.Set(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := tn.EnrollmentTickets()
	if len(got) != 2 || got[0].URL != sent.URL || !got[0].Sent || got[0].Email != "ada.lovelace@example.com" ||
		got[1].URL != shown.URL || got[1].Sent || got[1].Email != "" || len(sent.ID) != 32 ||
		sent.URL != tn.BaseURL()+"/mfa/enrollment?ticket="+sent.ID || got[0].ExpiresAt.Sub(got[0].CreatedAt).Hours() != 120 {
		t.Errorf("tickets %+v from %v %v", got, sent.URL, shown.URL)
	}
	for _, text := range []string{fmt.Sprint(sent), fmt.Sprintf("%+v", *sent), slogText(sent), slogText(*sent)} {
		if strings.Contains(text, sent.ID) {
			t.Errorf("the ticket prints its secret: %s", text)
		}
	}
	_, err = c.CreateGuardianEnrollmentTicket(ctx, auth0api.GuardianEnrollmentTicket{UserID: "auth0|nobody"})
	if !errors.Is(err, auth0api.ErrNotFound) {
		t.Errorf("an unknown user: %v", err)
	}
	wantAPIError(t, "an unknown user", err, 404, "User not found.")
	_, err = c.CreateGuardianEnrollmentTicket(ctx, auth0api.GuardianEnrollmentTicket{UserID: auth0apitest.FixtureUserID, Factor: "carrier-pigeon"})
	wantAPIError(t, "an unknown factor", err, 400, "Invalid input based on schemas.")
}
