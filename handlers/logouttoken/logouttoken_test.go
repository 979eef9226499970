package logouttoken_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"userdesk/handlers/logouttoken"
	"userdesk/handlers/replay"
)

const (
	issuer   = "https://tenant.example/"
	clientID = "userdesk"
	kid      = "key-1"
)

// fixture is a provider's key published as a JWKS over HTTP, the verifier in front of it (with
// go-oidc's real remote key set) and a fixed clock.
type fixture struct {
	key      *rsa.PrivateKey
	verifier *logouttoken.Verifier
	now      time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"}}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks)
	}))
	t.Cleanup(srv.Close)
	f := &fixture{key: key, now: time.Unix(1_800_000_000, 0)}
	f.verifier, err = logouttoken.New(logouttoken.Config{
		Issuer: issuer, ClientID: clientID,
		Keys:   oidc.NewRemoteKeySet(t.Context(), srv.URL),
		Replay: replay.NewMemory(100, func() time.Time { return f.now }),
		Now:    func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// claims returns a valid logout token's claims, as Auth0 sends them.
func (f *fixture) claims() map[string]any {
	return map[string]any{
		"iss": issuer, "aud": clientID, "iat": f.now.Unix(), "exp": f.now.Add(2 * time.Minute).Unix(),
		"jti": "3f2c1c9e-6f7a-4e5b-9a1d-2b8c7e6f5a4d", "sub": "auth0|staff1", "sid": "sid-1", "trace_id": "x",
		"events": map[string]any{logouttoken.Event: map[string]any{}},
	}
}

// sign signs claims with key (RS256) under the header fields given.
func sign(t *testing.T, key *rsa.PrivateKey, claims map[string]any, header map[jose.HeaderKey]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	for k, v := range header {
		opts = opts.WithHeader(k, v)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: &jose.JSONWebKey{Key: key, KeyID: kid}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	obj, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestAcceptsAuth0sToken(t *testing.T) {
	f := newFixture(t)
	for name, edit := range map[string]func(map[string]any){
		"sub and sid":       func(map[string]any) {},
		"sid only":          func(c map[string]any) { delete(c, "sub"); c["jti"] = "j2" },
		"sub only":          func(c map[string]any) { delete(c, "sid"); c["jti"] = "j3" },
		"aud list":          func(c map[string]any) { c["aud"] = []string{"other", clientID}; c["jti"] = "j4" },
		"no exp":            func(c map[string]any) { delete(c, "exp"); c["jti"] = "j5" },
		"iat within leeway": func(c map[string]any) { c["iat"] = f.now.Add(30 * time.Second).Unix(); c["jti"] = "j6" },
		"four minutes queue": func(c map[string]any) {
			c["iat"] = f.now.Add(-4 * time.Minute).Unix()
			delete(c, "exp")
			c["jti"] = "j7"
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := f.claims()
			edit(c)
			got, err := f.verifier.Verify(t.Context(), sign(t, f.key, c, nil))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			sub, _ := c["sub"].(string)
			sid, _ := c["sid"].(string)
			if got.Subject != sub || got.SessionID != sid || got.Issuer != issuer || got.ID != c["jti"] {
				t.Errorf("claims %+v", got)
			}
		})
	}
	// typ logout+jwt (the spec's) is accepted too.
	c := f.claims()
	c["jti"] = "typ"
	if _, err := f.verifier.Verify(t.Context(), sign(t, f.key, c, map[jose.HeaderKey]any{"typ": "logout+jwt"})); err != nil {
		t.Errorf("typ logout+jwt: %v", err)
	}
}

// TestRejections are the spec's refusal cases (BCL §2.6) and more; each must wrap ErrInvalid.
func TestRejections(t *testing.T) {
	f := newFixture(t)
	attacker, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubDER, _ := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	withClaims := func(edit func(map[string]any)) func(t *testing.T) string {
		return func(t *testing.T) string {
			c := f.claims()
			edit(c)
			return sign(t, f.key, c, nil)
		}
	}
	tests := map[string]func(t *testing.T) string{
		"bad signature (attacker's key, tenant's kid)": func(t *testing.T) string { return sign(t, attacker, f.claims(), nil) },
		"tampered payload": func(t *testing.T) string {
			parts := strings.Split(sign(t, f.key, f.claims(), nil), ".")
			c := f.claims()
			c["sub"] = "auth0|admin"
			return parts[0] + "." + b64(c) + "." + parts[2]
		},
		"alg none": func(t *testing.T) string {
			return b64(map[string]any{"alg": "none", "typ": "JWT"}) + "." + b64(f.claims()) + "."
		},
		"HS256 keyed with the public key": func(t *testing.T) string {
			signing := b64(map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid}) + "." + b64(f.claims())
			mac := hmac.New(sha256.New, pubPEM)
			mac.Write([]byte(signing))
			return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		},
		"jku header": func(t *testing.T) string {
			return sign(t, f.key, f.claims(), map[jose.HeaderKey]any{"jku": "https://evil.example/jwks"})
		},
		"typ of an access token": func(t *testing.T) string {
			return sign(t, f.key, f.claims(), map[jose.HeaderKey]any{"typ": "at+jwt"})
		},
		"wrong aud":           withClaims(func(c map[string]any) { c["aud"] = "another-client" }),
		"aud list without us": withClaims(func(c map[string]any) { c["aud"] = []string{"a", "b"} }),
		"wrong iss":           withClaims(func(c map[string]any) { c["iss"] = "https://attacker.example/" }),
		"nonce present":       withClaims(func(c map[string]any) { c["nonce"] = "n" }),
		"null nonce present":  withClaims(func(c map[string]any) { c["nonce"] = nil }),
		"missing events":      withClaims(func(c map[string]any) { delete(c, "events") }),
		"events without the member": withClaims(func(c map[string]any) {
			c["events"] = map[string]any{"http://schemas.openid.net/event/other": map[string]any{}}
		}),
		"event member not an object": withClaims(func(c map[string]any) { c["events"] = map[string]any{logouttoken.Event: "yes"} }),
		"neither sid nor sub":        withClaims(func(c map[string]any) { delete(c, "sid"); delete(c, "sub") }),
		"empty sid and sub":          withClaims(func(c map[string]any) { c["sid"] = ""; c["sub"] = "" }),
		"no jti":                     withClaims(func(c map[string]any) { delete(c, "jti") }),
		"no iat":                     withClaims(func(c map[string]any) { delete(c, "iat") }),
		"iat in the future":          withClaims(func(c map[string]any) { c["iat"] = f.now.Add(5 * time.Minute).Unix() }),
		"iat too old": withClaims(func(c map[string]any) {
			c["iat"] = f.now.Add(-time.Hour).Unix()
			delete(c, "exp")
		}),
		"expired":                withClaims(func(c map[string]any) { c["exp"] = f.now.Add(-5 * time.Minute).Unix() }),
		"nbf in the future":      withClaims(func(c map[string]any) { c["nbf"] = f.now.Add(time.Hour).Unix() }),
		"an ID token":            withClaims(func(c map[string]any) { delete(c, "events"); c["nonce"] = "n"; c["auth_time"] = f.now.Unix() }),
		"encrypted (five parts)": func(t *testing.T) string { return "a.b.c.d.e" },
		"garbage":                func(t *testing.T) string { return "not-a-token" },
		"oversized":              func(t *testing.T) string { return strings.Repeat("a", logouttoken.MaxTokenSize+1) },
		"empty":                  func(t *testing.T) string { return "" },
	}
	// Each refusal must be for its own reason, not an earlier check tripping by accident.
	reasons := map[string]string{
		"bad signature (attacker's key, tenant's kid)": `signature`,
		"tampered payload":                `signature`,
		"alg none":                        `alg "none"`,
		"HS256 keyed with the public key": `alg "HS256"`,
		"jku header":                      `names its own key`,
		"typ of an access token":          `typ`,
		"wrong aud":                       `aud`,
		"aud list without us":             `aud`,
		"wrong iss":                       `iss`,
		"nonce present":                   `nonce`,
		"null nonce present":              `nonce`,
		"missing events":                  `events`,
		"events without the member":       `events`,
		"event member not an object":      `events`,
		"neither sid nor sub":             `neither sub nor sid`,
		"empty sid and sub":               `neither sub nor sid`,
		"no jti":                          `jti missing`,
		"no iat":                          `iat missing`,
		"iat in the future":               `iat is in the future`,
		"iat too old":                     `iat is older`,
		"expired":                         `exp passed`,
		"nbf in the future":               `nbf`,
		"an ID token":                     `events`,
		"encrypted (five parts)":          `compact JWS`,
		"garbage":                         `compact JWS`,
		"oversized":                       `bytes`,
		"empty":                           `no token`,
	}
	for name, make := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := f.verifier.Verify(t.Context(), make(t))
			if !errors.Is(err, logouttoken.ErrInvalid) {
				t.Fatalf("Verify = %v, want ErrInvalid", err)
			}
			if want := reasons[name]; want == "" || !strings.Contains(err.Error(), want) {
				t.Errorf("refused for %q, want a reason with %q", err, want)
			}
		})
	}
}

// TestReplayedJTI: a token works once; a token refused for another reason does not use up its
// jti; the same jti from another issuer is another token.
func TestReplayedJTI(t *testing.T) {
	f := newFixture(t)
	good := sign(t, f.key, f.claims(), nil)
	bad := f.claims()
	bad["nonce"] = "n"
	if _, err := f.verifier.Verify(t.Context(), sign(t, f.key, bad, nil)); !errors.Is(err, logouttoken.ErrInvalid) {
		t.Fatalf("token with a nonce: %v", err)
	}
	if _, err := f.verifier.Verify(t.Context(), good); err != nil {
		t.Fatalf("first use after a refused token with the same jti: %v", err)
	}
	_, err := f.verifier.Verify(t.Context(), good)
	if !errors.Is(err, logouttoken.ErrReplayed) || !errors.Is(err, logouttoken.ErrInvalid) {
		t.Errorf("second use = %v, want ErrReplayed (an ErrInvalid)", err)
	}
}

func TestNewValidates(t *testing.T) {
	keys := oidc.NewRemoteKeySet(t.Context(), "https://tenant.example/.well-known/jwks.json")
	r := replay.NewMemory(0, nil)
	for name, cfg := range map[string]logouttoken.Config{
		"no issuer": {ClientID: "c", Keys: keys, Replay: r},
		"no client": {Issuer: issuer, Keys: keys, Replay: r},
		"no keys":   {Issuer: issuer, ClientID: "c", Replay: r},
		"no replay": {Issuer: issuer, ClientID: "c", Keys: keys},
		"alg none":  {Issuer: issuer, ClientID: "c", Keys: keys, Replay: r, Algorithms: []string{"RS256", "none"}},
	} {
		if _, err := logouttoken.New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}
