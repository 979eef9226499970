// Package sessionstoretest is the conformance suite of sessionstore.Store: every implementation
// (memory, Redis) runs the same tests, so that the dashboard behaves the same on either.
//
//	func TestConformance(t *testing.T) {
//		sessionstoretest.RunConformance(t, func(t *testing.T) sessionstore.Store { return newStore(t) })
//	}
package sessionstoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"userdesk/handlers/sessionstore"
)

// expiryWait is how far in the future the expiry tests set a record's expiry; they then wait a
// little longer. Stores that expire with their own clock (Redis) need real time to pass.
const expiryWait = 300 * time.Millisecond

// RunConformance runs the whole suite; newStore returns an empty store for each subtest.
func RunConformance(t *testing.T, newStore func(t *testing.T) sessionstore.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s sessionstore.Store)
	}{
		{"GetUnknown", testGetUnknown},
		{"SaveGetReplace", testSaveGetReplace},
		{"OpaqueValues", testOpaqueValues},
		{"Delete", testDelete},
		{"Expiry", testExpiry},
		{"PerPersonIndex", testPerPersonIndex},
		{"SubjectChange", testSubjectChange},
		{"RevokeAll", testRevokeAll},
		{"UpdateOnlyLive", testUpdateOnlyLive},
		{"ProviderSessionIndex", testProviderSessions},
		{"CountAndAll", testCountAndAll},
		{"SignIns", testSignIns},
		{"SignInExpiry", testSignInExpiry},
		{"SignInTakenOnce", testSignInTakenOnce},
		{"SignInFloodKeepsSessions", testSignInFlood},
		{"Ping", func(t *testing.T, s sessionstore.Store) {
			if err := s.Ping(t.Context()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newStore(t)) })
	}
}

func meta(sub string, created time.Time) sessionstore.Meta {
	return sessionstore.Meta{
		Subject: sub, Email: sub + "@example.com", Name: "Person " + sub,
		Groups: []string{"helpdesk"}, ProviderSID: "sid-" + sub,
		Created: created.Truncate(time.Millisecond), LastSeen: created.Add(time.Minute).Truncate(time.Millisecond),
		IP: "192.0.2.7", UserAgent: "Mozilla/5.0 (test)",
	}
}

func mustSave(t *testing.T, s sessionstore.Store, id string, value string, m sessionstore.Meta, expires time.Time) {
	t.Helper()
	if err := s.Save(t.Context(), id, []byte(value), m, expires); err != nil {
		t.Fatalf("Save(%s): %v", id, err)
	}
}

func wantValue(t *testing.T, s sessionstore.Store, id, want string) {
	t.Helper()
	got, err := s.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	if string(got) != want {
		t.Fatalf("Get(%s) = %q, want %q", id, got, want)
	}
}

func wantNotFound(t *testing.T, s sessionstore.Store, id string) {
	t.Helper()
	if got, err := s.Get(t.Context(), id); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Fatalf("Get(%s) = %q, %v; want ErrNotFound", id, got, err)
	}
}

func ids(infos []sessionstore.Info) []string {
	out := make([]string, len(infos))
	for i, in := range infos {
		out[i] = in.ID
	}
	return out
}

func testGetUnknown(t *testing.T, s sessionstore.Store) {
	wantNotFound(t, s, "no-such-id")
	if err := s.Delete(t.Context(), "no-such-id"); err != nil {
		t.Errorf("Delete(unknown) = %v, want nil", err)
	}
}

func testSaveGetReplace(t *testing.T, s sessionstore.Store) {
	exp := time.Now().Add(time.Hour)
	mustSave(t, s, "a", "one", meta("alice", time.Now()), exp)
	wantValue(t, s, "a", "one")
	mustSave(t, s, "a", "two", meta("alice", time.Now()), exp)
	wantValue(t, s, "a", "two")
	if err := s.Save(t.Context(), "b", []byte("x"), sessionstore.Meta{}, exp); err == nil {
		t.Error("Save without a subject succeeded, want an error")
	}
}

func testOpaqueValues(t *testing.T, s sessionstore.Store) {
	v := []byte{0, 1, 2, 0xff, 0, '\n', '"', 0x80}
	if err := s.Save(t.Context(), "bin", v, meta("alice", time.Now()), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(t.Context(), "bin")
	if err != nil || !bytes.Equal(got, v) {
		t.Fatalf("Get = %v, %v; want %v", got, err, v)
	}
	got[0] = 42 // the caller owns what it got
	if again, _ := s.Get(t.Context(), "bin"); !bytes.Equal(again, v) {
		t.Fatalf("changing a returned value changed the store: %v", again)
	}
}

func testDelete(t *testing.T, s sessionstore.Store) {
	exp := time.Now().Add(time.Hour)
	mustSave(t, s, "a", "one", meta("alice", time.Now()), exp)
	mustSave(t, s, "b", "two", meta("alice", time.Now()), exp)
	if err := s.Delete(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s, "a")
	wantValue(t, s, "b", "two")
	list, err := s.Sessions(t.Context(), "alice")
	if err != nil || !slices.Equal(ids(list), []string{"b"}) {
		t.Fatalf("Sessions after Delete = %v, %v; want [b]", ids(list), err)
	}
}

func testExpiry(t *testing.T, s sessionstore.Store) {
	now := time.Now()
	mustSave(t, s, "short", "v", meta("alice", now), now.Add(expiryWait))
	mustSave(t, s, "long", "v", meta("alice", now), now.Add(time.Hour))
	time.Sleep(expiryWait + 150*time.Millisecond)
	wantNotFound(t, s, "short")
	wantValue(t, s, "long", "v")
	list, err := s.Sessions(t.Context(), "alice")
	if err != nil || !slices.Equal(ids(list), []string{"long"}) {
		t.Errorf("Sessions = %v, %v; want only the live one", ids(list), err)
	}
	if n, err := s.Count(t.Context()); err != nil || n != 1 {
		t.Errorf("Count = %d, %v; want 1", n, err)
	}
	// A save pushes the expiry out (touch).
	mustSave(t, s, "touched", "v", meta("bob", now), time.Now().Add(expiryWait))
	mustSave(t, s, "touched", "v2", meta("bob", now), time.Now().Add(time.Hour))
	time.Sleep(expiryWait + 150*time.Millisecond)
	wantValue(t, s, "touched", "v2")
}

func testPerPersonIndex(t *testing.T, s sessionstore.Store) {
	base := time.Now().Add(-time.Hour)
	exp := time.Now().Add(time.Hour)
	for i, id := range []string{"a1", "a2", "a3"} {
		mustSave(t, s, id, "v", meta("auth0|alice", base.Add(time.Duration(i)*time.Minute)), exp)
	}
	mustSave(t, s, "b1", "v", meta("auth0|bob", base), exp)
	list, err := s.Sessions(t.Context(), "auth0|alice")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(list); !slices.Equal(got, []string{"a3", "a2", "a1"}) {
		t.Fatalf("Sessions(alice) = %v, want newest first [a3 a2 a1]", got)
	}
	want := meta("auth0|alice", base.Add(2*time.Minute))
	got := list[0]
	if got.Subject != want.Subject || got.Email != want.Email || got.Name != want.Name ||
		!slices.Equal(got.Groups, want.Groups) || got.ProviderSID != want.ProviderSID ||
		!got.Created.Equal(want.Created) || !got.LastSeen.Equal(want.LastSeen) ||
		got.IP != want.IP || got.UserAgent != want.UserAgent {
		t.Errorf("Sessions(alice)[0] = %+v, want meta %+v", got, want)
	}
	if d := got.Expires.Sub(exp); d < -time.Second || d > time.Second {
		t.Errorf("Expires = %v, want about %v", got.Expires, exp)
	}
	if list, _ := s.Sessions(t.Context(), "auth0|nobody"); len(list) != 0 {
		t.Errorf("Sessions(nobody) = %v, want none", ids(list))
	}
	if list, _ := s.Sessions(t.Context(), "auth0|bob"); !slices.Equal(ids(list), []string{"b1"}) {
		t.Errorf("Sessions(bob) = %v, want [b1]", ids(list))
	}
}

func testSubjectChange(t *testing.T, s sessionstore.Store) {
	exp := time.Now().Add(time.Hour)
	mustSave(t, s, "x", "v", meta("alice", time.Now()), exp)
	mustSave(t, s, "x", "w", meta("bob", time.Now()), exp)
	if list, _ := s.Sessions(t.Context(), "alice"); len(list) != 0 {
		t.Errorf("Sessions(alice) = %v after the id moved to bob, want none", ids(list))
	}
	if list, _ := s.Sessions(t.Context(), "bob"); !slices.Equal(ids(list), []string{"x"}) {
		t.Errorf("Sessions(bob) = %v, want [x]", ids(list))
	}
	if n, _ := s.RevokeAll(t.Context(), "alice"); n != 0 {
		t.Errorf("RevokeAll(alice) = %d, want 0", n)
	}
	wantValue(t, s, "x", "w")
}

func testRevokeAll(t *testing.T, s sessionstore.Store) {
	exp := time.Now().Add(time.Hour)
	for i := range 5 {
		mustSave(t, s, fmt.Sprintf("a%d", i), "v", meta("alice", time.Now()), exp)
	}
	mustSave(t, s, "b", "v", meta("bob", time.Now()), exp)
	n, err := s.RevokeAll(t.Context(), "alice")
	if err != nil || n != 5 {
		t.Fatalf("RevokeAll = %d, %v; want 5", n, err)
	}
	for i := range 5 {
		wantNotFound(t, s, fmt.Sprintf("a%d", i))
	}
	wantValue(t, s, "b", "v")
	if c, _ := s.Count(t.Context()); c != 1 {
		t.Errorf("Count = %d after revoking alice, want 1", c)
	}
	if n, err := s.RevokeAll(t.Context(), "alice"); err != nil || n != 0 {
		t.Errorf("second RevokeAll = %d, %v; want 0", n, err)
	}
	// A new sign-in after the revocation is a new session, indexed again.
	mustSave(t, s, "a-new", "v", meta("alice", time.Now()), exp)
	if list, _ := s.Sessions(t.Context(), "alice"); !slices.Equal(ids(list), []string{"a-new"}) {
		t.Errorf("Sessions(alice) = %v, want [a-new]", ids(list))
	}
}

func testCountAndAll(t *testing.T, s sessionstore.Store) {
	if n, err := s.Count(t.Context()); err != nil || n != 0 {
		t.Fatalf("Count(empty) = %d, %v", n, err)
	}
	base := time.Now().Add(-time.Hour)
	exp := time.Now().Add(time.Hour)
	for i := range 7 {
		mustSave(t, s, fmt.Sprintf("s%d", i), "v", meta(fmt.Sprintf("p%d", i%3), base.Add(time.Duration(i)*time.Second)), exp)
	}
	if err := s.SaveSignIn(t.Context(), "pending", []byte("txn"), exp); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(t.Context()); err != nil || n != 7 {
		t.Errorf("Count = %d, %v; want 7 (sign-ins not counted)", n, err)
	}
	all, err := s.All(t.Context(), 0)
	if err != nil || !slices.Equal(ids(all), []string{"s6", "s5", "s4", "s3", "s2", "s1", "s0"}) {
		t.Errorf("All = %v, %v; want newest first", ids(all), err)
	}
	some, err := s.All(t.Context(), 3)
	if err != nil || !slices.Equal(ids(some), []string{"s6", "s5", "s4"}) {
		t.Errorf("All(3) = %v, %v", ids(some), err)
	}
	_ = s.Delete(t.Context(), "s6")
	if n, _ := s.Count(t.Context()); n != 6 {
		t.Errorf("Count after Delete = %d, want 6", n)
	}
}

func testSignIns(t *testing.T, s sessionstore.Store) {
	ctx := t.Context()
	exp := time.Now().Add(10 * time.Minute)
	if _, err := s.GetSignIn(ctx, "t"); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Fatalf("GetSignIn(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.SaveSignIn(ctx, "t", []byte("state"), exp); err != nil {
		t.Fatal(err)
	}
	// The two pools are apart: a sign-in is no session and the other way round.
	wantNotFound(t, s, "t")
	if got, err := s.GetSignIn(ctx, "t"); err != nil || string(got) != "state" {
		t.Fatalf("GetSignIn = %q, %v", got, err)
	}
	if got, err := s.GetSignIn(ctx, "t"); err != nil || string(got) != "state" {
		t.Fatalf("GetSignIn again = %q, %v; Get must not consume it", got, err)
	}
	if got, err := s.TakeSignIn(ctx, "t"); err != nil || string(got) != "state" {
		t.Fatalf("TakeSignIn = %q, %v", got, err)
	}
	if _, err := s.TakeSignIn(ctx, "t"); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Fatalf("second TakeSignIn = %v, want ErrNotFound", err)
	}
	_ = s.SaveSignIn(ctx, "u", []byte("x"), exp)
	if err := s.DeleteSignIn(ctx, "u"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSignIn(ctx, "u"); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Fatalf("GetSignIn after DeleteSignIn = %v", err)
	}
	if err := s.DeleteSignIn(ctx, "never"); err != nil {
		t.Errorf("DeleteSignIn(unknown) = %v", err)
	}
	mustSave(t, s, "sess", "v", meta("alice", time.Now()), exp)
	if _, err := s.GetSignIn(ctx, "sess"); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Errorf("a session id read as a sign-in: %v", err)
	}
}

func testSignInExpiry(t *testing.T, s sessionstore.Store) {
	if err := s.SaveSignIn(t.Context(), "t", []byte("v"), time.Now().Add(expiryWait)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(expiryWait + 150*time.Millisecond)
	if _, err := s.GetSignIn(t.Context(), "t"); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Errorf("GetSignIn after expiry = %v, want ErrNotFound", err)
	}
	if _, err := s.TakeSignIn(t.Context(), "t"); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Errorf("TakeSignIn after expiry = %v, want ErrNotFound", err)
	}
}

func testSignInTakenOnce(t *testing.T, s sessionstore.Store) {
	if err := s.SaveSignIn(t.Context(), "t", []byte("v"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got int
	)
	for range 16 {
		wg.Go(func() {
			if _, err := s.TakeSignIn(context.WithoutCancel(t.Context()), "t"); err == nil {
				mu.Lock()
				got++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if got != 1 {
		t.Errorf("%d of 16 concurrent TakeSignIn got the transaction, want exactly 1", got)
	}
}

// testSignInFlood: thousands of sign-ins started (an unauthenticated /login flood) leave every
// signed-in session alive.
func testSignInFlood(t *testing.T, s sessionstore.Store) {
	exp := time.Now().Add(time.Hour)
	for i := range 20 {
		mustSave(t, s, fmt.Sprintf("s%d", i), "v", meta(fmt.Sprintf("p%d", i), time.Now()), exp)
	}
	for i := range 3000 {
		if err := s.SaveSignIn(t.Context(), fmt.Sprintf("flood%d", i), []byte("txn"), time.Now().Add(10*time.Minute)); err != nil {
			t.Fatalf("SaveSignIn %d: %v", i, err)
		}
	}
	for i := range 20 {
		wantValue(t, s, fmt.Sprintf("s%d", i), "v")
	}
	if n, _ := s.Count(t.Context()); n != 20 {
		t.Errorf("Count = %d after the flood, want 20", n)
	}
}

// testUpdateOnlyLive: Update replaces a live session (value, meta, expiry) and never brings back
// one that is gone: deleted, revoked, expired or never saved.
func testUpdateOnlyLive(t *testing.T, s sessionstore.Store) {
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	if err := s.Update(ctx, "never", []byte("v"), meta("alice", time.Now()), exp); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Errorf("Update(unknown) = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, "never")

	mustSave(t, s, "a", "one", meta("alice", time.Now()), time.Now().Add(expiryWait))
	m := meta("alice", time.Now())
	m.IP = "198.51.100.9"
	if err := s.Update(ctx, "a", []byte("two"), m, exp); err != nil {
		t.Fatalf("Update(live) = %v", err)
	}
	time.Sleep(expiryWait + 150*time.Millisecond) // the update pushed the expiry out
	wantValue(t, s, "a", "two")
	if list, _ := s.Sessions(ctx, "alice"); len(list) != 1 || list[0].IP != "198.51.100.9" {
		t.Errorf("Sessions after Update = %+v, want the new meta", list)
	}

	_ = s.Delete(ctx, "a")
	if err := s.Update(ctx, "a", []byte("three"), meta("alice", time.Now()), exp); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Errorf("Update after Delete = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, "a")

	mustSave(t, s, "b", "one", meta("bob", time.Now()), exp)
	if _, err := s.RevokeAll(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, "b", []byte("two"), meta("bob", time.Now()), exp); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Errorf("Update after RevokeAll = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, "b")
	if list, _ := s.Sessions(ctx, "bob"); len(list) != 0 {
		t.Errorf("a revoked session is indexed again: %v", ids(list))
	}

	mustSave(t, s, "c", "one", meta("carol", time.Now()), time.Now().Add(expiryWait))
	time.Sleep(expiryWait + 150*time.Millisecond)
	if err := s.Update(ctx, "c", []byte("two"), meta("carol", time.Now()), exp); !errors.Is(err, sessionstore.ErrNotFound) {
		t.Errorf("Update after expiry = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, "c")
	if n, _ := s.Count(ctx); n != 0 {
		t.Errorf("Count = %d, want 0", n)
	}
}

// testProviderSessions: sessions are found by the identity provider's session id (a
// back-channel logout's sid); the index follows saves that change it, deletes and revocations.
func testProviderSessions(t *testing.T, s sessionstore.Store) {
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	base := time.Now().Add(-time.Hour)
	withSID := func(sub, sid string, created time.Time) sessionstore.Meta {
		m := meta(sub, created)
		m.ProviderSID = sid
		return m
	}
	mustSave(t, s, "a1", "v", withSID("alice", "sid-1", base), exp)
	mustSave(t, s, "a2", "v", withSID("alice", "sid-1", base.Add(time.Minute)), exp) // two tabs of one provider session
	mustSave(t, s, "a3", "v", withSID("alice", "sid-2", base), exp)
	mustSave(t, s, "b1", "v", withSID("bob", "sid-3", base), exp)
	mustSave(t, s, "n1", "v", withSID("nina", "", base), exp)

	list, err := s.ProviderSessions(ctx, "sid-1")
	if err != nil || !slices.Equal(ids(list), []string{"a2", "a1"}) {
		t.Fatalf("ProviderSessions(sid-1) = %v, %v; want [a2 a1]", ids(list), err)
	}
	if list[0].Subject != "alice" || list[0].ProviderSID != "sid-1" {
		t.Errorf("ProviderSessions(sid-1)[0] = %+v", list[0])
	}
	if list, _ := s.ProviderSessions(ctx, ""); len(list) != 0 {
		t.Errorf("ProviderSessions(\"\") = %v, want none", ids(list))
	}
	if list, _ := s.ProviderSessions(ctx, "sid-unknown"); len(list) != 0 {
		t.Errorf("ProviderSessions(unknown) = %v, want none", ids(list))
	}

	// A step-up may bring a new provider session: the index follows.
	if err := s.Update(ctx, "a3", []byte("v"), withSID("alice", "sid-4", base), exp); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.ProviderSessions(ctx, "sid-2"); len(list) != 0 {
		t.Errorf("ProviderSessions(sid-2) = %v after the session moved to sid-4", ids(list))
	}
	if list, _ := s.ProviderSessions(ctx, "sid-4"); !slices.Equal(ids(list), []string{"a3"}) {
		t.Errorf("ProviderSessions(sid-4) = %v, want [a3]", ids(list))
	}

	_ = s.Delete(ctx, "a1")
	if list, _ := s.ProviderSessions(ctx, "sid-1"); !slices.Equal(ids(list), []string{"a2"}) {
		t.Errorf("ProviderSessions(sid-1) after Delete = %v, want [a2]", ids(list))
	}
	if _, err := s.RevokeAll(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	for _, sid := range []string{"sid-1", "sid-4"} {
		if list, _ := s.ProviderSessions(ctx, sid); len(list) != 0 {
			t.Errorf("ProviderSessions(%s) after RevokeAll = %v", sid, ids(list))
		}
	}
	if list, _ := s.ProviderSessions(ctx, "sid-3"); !slices.Equal(ids(list), []string{"b1"}) {
		t.Errorf("ProviderSessions(sid-3) = %v, want [b1]", ids(list))
	}

	mustSave(t, s, "short", "v", withSID("carol", "sid-5", time.Now()), time.Now().Add(expiryWait))
	time.Sleep(expiryWait + 150*time.Millisecond)
	if list, _ := s.ProviderSessions(ctx, "sid-5"); len(list) != 0 {
		t.Errorf("ProviderSessions lists an expired session: %v", ids(list))
	}
}
