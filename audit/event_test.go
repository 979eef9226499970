package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCanonicalForm pins the canonical form byte for byte: it is the contract with every
// chain already stored, and with anyone who verifies one without userdesk.
func TestCanonicalForm(t *testing.T) {
	e := &Event{ID: "0123456789abcdef0123456789abcdef", Time: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC),
		Seq: 7, Prev: GenesisHash, Phase: PhaseOutcome, AttemptID: "fedcba9876543210fedcba9876543210",
		Name: UserRolesAdd, Outcome: OutcomeFailure, RequestID: "r1", IP: "192.0.2.1", Route: "POST /users/:id/roles",
		Actor:   Actor{Subject: "auth0|hal", Email: "hal@example.com", Name: "Hal \"H\" Ü\u0001", Groups: []string{"helpdesk", "admin"}},
		Target:  Target{UserID: "auth0|ada", Label: "Ada\tLovelace\n"},
		Details: Details{String("reason", "x\\y"), Int("auth0_status", 400), Bool("blocked", false), Strings("roles", []string{"r2", "r1"})},
	}
	if err := normalize(e); err != nil {
		t.Fatal(err)
	}
	got := string(Canonical(e))
	want := `{"actor":{"email":"hal@example.com","groups":["helpdesk","admin"],"name":"Hal \"H\" Ü` + "\uFFFD" + `","sub":"auth0|hal"},` +
		`"attempt_id":"fedcba9876543210fedcba9876543210","details":{"auth0_status":400,"blocked":false,"reason":"x\\y","roles":["r2","r1"]},` +
		`"id":"0123456789abcdef0123456789abcdef","ip":"192.0.2.1","name":"user.roles.add","outcome":"failure","phase":"outcome",` +
		`"prev":"0000000000000000000000000000000000000000000000000000000000000000","request_id":"r1","route":"POST /users/:id/roles",` +
		`"seq":7,"target":{"label":"Ada\tLovelace\n","user_id":"auth0|ada"},"time":"2026-01-02T03:04:05.000006Z","v":1}`
	if got != want {
		t.Fatalf("canonical form:\n got  %s\n want %s", got, want)
	}
	// It is valid JSON, and RFC 8785's: members sorted, no whitespace; Go's encoder (which
	// sorts map keys) gives the same bytes once HTML escaping is off.
	var v any
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if re := strings.TrimSuffix(buf.String(), "\n"); re != got {
		t.Errorf("re-encoded by encoding/json:\n %s\n %s", re, got)
	}
	if h := HashOf([]byte(got)); len(h) != 64 || h != HashOf(Canonical(e)) {
		t.Errorf("hash %s", h)
	}
}

// TestNormalize: what cannot be stored is refused, what can be fixed is.
func TestNormalize(t *testing.T) {
	now := time.Now()
	for _, bad := range []Event{
		{Name: "", Time: now, Phase: PhaseAttempt},
		{Name: "Block", Time: now, Phase: PhaseAttempt},
		{Name: "user.block", Phase: PhaseAttempt},
		{Name: "user.block", Time: now, Phase: "done"},
		{Name: "user.block", Time: now, Phase: PhaseOutcome, Outcome: OutcomeUnknown},
		{Name: "user.block", Time: now, Phase: PhaseOutcome, Outcome: OutcomeSuccess, AttemptID: "x"},
		{Name: "user.block", Time: now, Phase: PhaseAttempt, AttemptID: newID()},
		{Name: "user.block", Time: now, Phase: PhaseAttempt, ID: "not-hex"},
	} {
		if err := normalize(&bad); err == nil {
			t.Errorf("normalize accepted %+v", bad)
		}
	}
	e := Event{Name: UserBlock, Time: now.In(time.FixedZone("X", 7200)), Phase: PhaseAttempt,
		Target: Target{UserID: "auth0|a\x00b", Label: strings.Repeat("é", 300) + "\xff"},
		Actor:  Actor{Groups: slices.Repeat([]string{"g"}, 50)}}
	if err := normalize(&e); err != nil {
		t.Fatal(err)
	}
	if e.Time.Location() != time.UTC || e.Time.Nanosecond()%1000 != 0 || e.Outcome != OutcomeAttempt || len(e.ID) != 32 {
		t.Errorf("time/outcome/id = %v %s %q", e.Time, e.Outcome, e.ID)
	}
	if strings.ContainsRune(e.Target.UserID, 0) || len(e.Target.Label) > maxLabel || !utf8Valid(e.Target.Label) || len(e.Actor.Groups) != maxGroups {
		t.Errorf("not cleaned: %q (%d bytes), %d groups", e.Target.UserID, len(e.Target.Label), len(e.Actor.Groups))
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

// TestVocabularyHasNoSecrets: no declared detail key names a secret, except flags and counts
// that say one existed without holding it.
func TestVocabularyHasNoSecrets(t *testing.T) {
	secret := regexp.MustCompile(`(?i)pass|token|secret|code|ticket|url|link|cookie|otp|key|session_id|sid`)
	for _, k := range Vocabulary() {
		if secret.MatchString(k.Key) && k.Kind != KindBool && k.Kind != KindInt && k.Key != DroppedKey {
			t.Errorf("detail key %q (kind %d) names a secret: only a bool or a count may", k.Key, k.Kind)
		}
		if k.About == "" {
			t.Errorf("detail key %q is not described", k.Key)
		}
	}
}

// TestNoSecretsStored: secrets passed by mistake never reach the store or the log: keys outside
// the vocabulary are dropped (their names kept), values that look like bearer credentials,
// JWTs or links with a query are redacted, wherever they are.
func TestNoSecretsStored(t *testing.T) {
	secrets := []string{
		"hunter2-password",
		"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhdXRoMHxoYWwifQ.c2lnbmF0dXJlc2lnbmF0dXJl",
		"ticket=Zm9vYmFyYmF6cXV4",
		"RECOVERY-CODE-1234",
		"s3cr3t-t0k3n",
	}
	forEachEngine(t, func(t *testing.T, e *engine) {
		var log bytes.Buffer
		db := e.open(t, Options{})
		rec := NewRecorder(RecorderOptions{Sinks: []Sink{db, NewLogSink(slog.New(slog.NewJSONHandler(&log, nil)))}})
		ctx := context.Background()
		a, err := rec.Attempt(ctx, Event{Name: UserPasswordTicket, Actor: hal,
			Target: Target{UserID: ada.UserID, Label: "Ada Bearer s3cr3t-t0k3n"},
			Details: Details{
				String("password", secrets[0]),
				String("token", secrets[1]),
				String("reason", "link https://tenant.example/lo/reset?"+secrets[2]+"#"),
				String("recovery_code", secrets[3]),
				String("job", "Authorization: Bearer "+secrets[4]),
				Strings("roles", []string{secrets[1]}),
				Duration("ttl", time.Hour),
				Int("blocked", 3), // wrong kind: dropped
			}})
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Outcome(ctx, a, OutcomeSuccess, String("url", "https://x.example/?"+secrets[2])); err != nil {
			t.Fatal(err)
		}
		var stored strings.Builder
		rows, err := e.raw.Query(`SELECT ` + eventColumns + ` FROM audit_events`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(r.dest()...); err != nil {
				t.Fatal(err)
			}
			for _, v := range []string{r.id.String, r.attempt.String, r.name.String, r.sub.String, r.email.String,
				r.actorName.String, r.groups.String, r.target.String, r.label.String, r.ip.String, r.route.String, r.details.String} {
				stored.WriteString(v + "\n")
			}
		}
		_ = rows.Close()
		for _, where := range []struct{ name, text string }{{"store", stored.String()}, {"log", log.String()}} {
			for _, s := range secrets {
				if strings.Contains(where.text, s) {
					t.Errorf("%s holds the secret %q:\n%s", where.name, s, where.text)
				}
			}
		}
		r, err := db.Get(ctx, a.Event.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := Text(r.Event.Details.Get(DroppedKey)); got != "blocked, password, recovery_code, token" {
			t.Errorf("dropped keys = %q", got)
		}
		if got := Text(r.Result.Details.Get(DroppedKey)); got != "url" {
			t.Errorf("dropped keys of the outcome = %q", got)
		}
		if got := r.Event.Details.Get("reason"); got != "link https://tenant.example/lo/reset?"+Redacted {
			t.Errorf("reason = %q", got)
		}
		if got := r.Event.Details.Get("ttl"); got != "1h0m0s" {
			t.Errorf("ttl = %q", got)
		}
		mustVerify(t, db)
	})
}

// TestDescribe says events in words, by outcome, with names from labels or the lookup.
func TestDescribe(t *testing.T) {
	lookup := func(id string) string {
		if id == "auth0|bob" {
			return "Bob Builder"
		}
		return ""
	}
	cases := []struct {
		e    Event
		want string
	}{
		{Event{Name: UserFactorsReset, Outcome: OutcomeSuccess, Actor: hal, Target: ada}, "Hal Helpdesk reset all MFA factors of Ada Lovelace"},
		{Event{Name: UserBlock, Outcome: OutcomeSuccess, Actor: hal, Target: Target{UserID: "auth0|bob"}}, "Hal Helpdesk blocked Bob Builder"},
		{Event{Name: UserBlock, Outcome: OutcomeFailure, Actor: Actor{Email: "hal@example.com"}, Target: Target{UserID: "auth0|zed"}}, "hal@example.com tried to block auth0|zed, but it failed"},
		{Event{Name: UserDelete, Outcome: OutcomeDenied, Actor: Actor{Subject: "auth0|hal"}, Target: ada}, "auth0|hal was not allowed to delete Ada Lovelace"},
		{Event{Name: Denied("resetMFA"), Outcome: OutcomeDenied, Actor: hal, Target: ada}, "Hal Helpdesk was not allowed to reset the MFA of Ada Lovelace"},
		{Event{Name: Denied("frobnicate"), Outcome: OutcomeDenied, Actor: hal, Target: ada}, "Hal Helpdesk was not allowed to do frobnicate on Ada Lovelace"},
		{Event{Name: DeniedCSRF, Outcome: OutcomeDenied, IP: "198.51.100.9"}, "Someone at 198.51.100.9 was not allowed to send a change without a valid CSRF token"},
		{Event{Name: UserCreate, Outcome: OutcomeUnknown, Actor: amy}, "Amy Admin tried to create a user (outcome unknown)"},
		{Event{Name: UserRecoveryCodeNew, Outcome: OutcomePending, Actor: hal, Target: ada}, "Hal Helpdesk started to generate a new recovery code for Ada Lovelace (in progress)"},
		{Event{Name: SessionSignIn, Outcome: OutcomeSuccess, Actor: hal}, "Hal Helpdesk signed in"},
		{Event{Name: BulkUser, Outcome: OutcomeSuccess, Target: ada}, "userdesk changed Ada Lovelace in a bulk job"},
		{Event{Name: "user.future.thing", Outcome: OutcomeSuccess, Actor: hal, Target: ada}, "Hal Helpdesk did user.future.thing on Ada Lovelace"},
	}
	for _, c := range cases {
		if got := Describe(c.e, lookup); got != c.want {
			t.Errorf("Describe(%s %s):\n got  %q\n want %q", c.e.Name, c.e.Outcome, got, c.want)
		}
	}
	// The names the handlers write today keep their meaning (the strings are stored).
	for _, n := range []Name{"session.signin", "session.signout", "user.block", "user.unblock", "user.password_ticket",
		"user.password_reset_email", "user.verification_email", "user.delete", "user.create", "user.update",
		"user.factor.delete", "user.factors.reset", "user.authenticators.delete", "user.multifactor.delete",
		"user.mfa.browsers.invalidate", "user.recovery_code.regenerate", "user.factor.create", "user.factor.update",
		"user.factors.replace", "user.roles.add", "user.roles.remove", "user.permissions.add", "user.permissions.remove",
		"denied.view", "denied.resetMFA"} {
		if _, ok := catalogByName[n]; !ok && !strings.HasPrefix(string(n), DeniedPrefix) {
			t.Errorf("%s is not in the catalog", n)
		}
	}
	seen := map[Name]bool{}
	for _, i := range Catalog() {
		if seen[i.Name] || i.Title == "" || i.Do == "" || i.Done == "" || !nameRE.MatchString(string(i.Name)) || !i.Name.Known() {
			t.Errorf("catalog entry %+v: duplicate, incomplete or malformed", i)
		}
		seen[i.Name] = true
	}
}

// TestCSVStreams writes a filtered export through Records: every record once, newest first,
// formulas defused, the writer flushed after the first row (time to first byte) and as it goes.
func TestCSVStreams(t *testing.T) {
	db := newEngine(t, filepath.Join(t.TempDir(), "audit.db")).open(t, Options{})
	rec := NewRecorder(RecorderOptions{Sinks: []Sink{db}})
	const n = exportBatch*2 + 37
	for i := range n {
		target := ada
		if i == 0 {
			target = Target{UserID: "auth0|evil", Label: "=HYPERLINK(\"http://x\")"}
		}
		change(t, rec, UserBlock, hal, target, OutcomeSuccess)
	}
	change(t, rec, UserUnblock, amy, bob, OutcomeSuccess) // filtered out
	w := &flushRecorder{}
	count, err := WriteCSV(w, db.Records(context.Background(), Filter{Names: []Name{UserBlock}}), nil)
	if err != nil || count != n {
		t.Fatalf("WriteCSV = %d, %v; want %d", count, err, n)
	}
	if len(w.flushes) < 3 || w.flushes[0] > 2048 {
		t.Errorf("flushes at %v bytes: want one right after the first row and more as it goes", w.flushes)
	}
	rows, err := csv.NewReader(&w.buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 || !slices.Equal(rows[0], CSVHeader) {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	last := rows[len(rows)-1]
	if last[11] != "'=HYPERLINK(\"http://x\")" || last[4] != "Hal Helpdesk blocked '=HYPERLINK(\"http://x\")" && !strings.HasPrefix(last[4], "Hal") {
		t.Errorf("oldest row not defused: %q / %q", last[11], last[4])
	}
	if rows[1][5] != "success" || rows[1][1] <= rows[2][1] && len(rows[1][1]) <= len(rows[2][1]) {
		t.Errorf("rows not newest first: %v, %v", rows[1][:3], rows[2][:3])
	}
}

type flushRecorder struct {
	buf     bytes.Buffer
	flushes []int
}

func (f *flushRecorder) Write(p []byte) (int, error) { return f.buf.Write(p) }
func (f *flushRecorder) Flush()                      { f.flushes = append(f.flushes, f.buf.Len()) }

// TestLogSinkLine: the JSON line keeps today's fields and adds the chain position.
func TestLogSinkLine(t *testing.T) {
	var buf bytes.Buffer
	db := newEngine(t, filepath.Join(t.TempDir(), "audit.db")).open(t, Options{})
	rec := NewRecorder(RecorderOptions{Sinks: []Sink{db, NewLogSink(slog.New(slog.NewJSONHandler(&buf, nil)).With("log", "audit"))}})
	change(t, rec, UserRolesAdd, hal, ada, OutcomeSuccess, Strings("roles", []string{"rol_1"}))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	var out struct {
		Log, Msg, Event, Phase, Outcome, ID, AttemptID, Target, TargetLabel, Route, RequestID, IP, Hash string
		Seq                                                                                             int64
		Actor                                                                                           struct{ Sub, Email, Name string }
		Details                                                                                         map[string]any
	}
	if err := json.Unmarshal([]byte(strings.NewReplacer(`"attempt_id"`, `"attemptid"`, `"target_label"`, `"targetlabel"`, `"request_id"`, `"requestid"`).Replace(lines[1])), &out); err != nil {
		t.Fatal(err)
	}
	if out.Log != "audit" || out.Event != "user.roles.add" || out.Phase != "outcome" || out.Outcome != "success" ||
		out.AttemptID == "" || out.Target != ada.UserID || out.TargetLabel != ada.Label || out.Actor.Sub != hal.Subject ||
		out.Seq != 2 || len(out.Hash) != 64 || out.Details["roles"] == nil {
		t.Errorf("log line = %s", lines[1])
	}
	if rep, _ := db.Verify(context.Background(), VerifyOptions{Anchor: &Anchor{Seq: out.Seq, Hash: out.Hash}}); !rep.OK() || !rep.AnchorChecked {
		t.Errorf("the log's seq/hash is not an anchor the store verifies: %+v", rep)
	}
}

// TestParseAnchor reads SEQ:HASH.
func TestParseAnchor(t *testing.T) {
	if a, err := ParseAnchor("12:" + GenesisHash); err != nil || a.Seq != 12 || a.Hash != GenesisHash {
		t.Errorf("ParseAnchor = %+v, %v", a, err)
	}
	for _, bad := range []string{"", "12", "0:" + GenesisHash, "x:" + GenesisHash, "12:abc"} {
		if _, err := ParseAnchor(bad); err == nil {
			t.Errorf("ParseAnchor(%q) accepted", bad)
		}
	}
}
