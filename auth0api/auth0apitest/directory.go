package auth0apitest

import (
	"encoding/json"
	"math/rand/v2"
	"time"
)

// timeFormat is how Auth0 writes timestamps: ISO 8601, milliseconds, Z.
const timeFormat = "2006-01-02T15:04:05.000Z"

func stamp(t time.Time) string { return t.UTC().Format(timeFormat) }

// userRec is one user. obj is the Auth0 user object and is copy-on-write:
// it is never modified once stored, so readers may keep it after
// releasing the lock. Everything else is guarded by Tenant.mu.
type userRec struct {
	id        string
	obj       map[string]any
	password  string
	seedIndex int        // index among the seeded users, -1 otherwise
	extra     *userExtra // nil until first needed (seeded users generate it lazily)
}

// userExtra holds a user's relations and factors.
type userExtra struct {
	roles   []string         // role ids, in assignment order
	perms   []permRef        // direct permissions, in assignment order
	orgs    []string         // organization ids
	methods []map[string]any // authentication methods, unmasked, in creation order
	logs    []map[string]any // log events, newest first

	// Account security (issue 12): Auth0 objects as the API answers them.
	sessions []map[string]any // login sessions
	tokens   []map[string]any // refresh tokens (their descriptions)
	grants   []map[string]any // consents given to applications
}

type permRef struct {
	ResourceServer string `json:"resource_server_identifier"`
	Name           string `json:"permission_name"`
}

// connection is one of the tenant's connections.
type connection struct {
	obj      map[string]any // the Auth0 connection object
	name     string
	strategy string
	provider string // identity provider in user ids ("auth0", "google-oauth2", ...)
	database bool   // users can be created (and have passwords)
	social   bool
}

// directory is the tenant's data. It is guarded by Tenant.mu.
type directory struct {
	baseURL string
	seed    int64
	now     func() time.Time
	ids     *rand.Rand // generated ids
	// anchor is the tenant's clock when it was created: every seeded date (creation, last
	// login, factors, logs) is relative to it and never after it, so the same Seed and clock
	// give the same data, and the data looks recent whenever the tenant starts.
	anchor time.Time

	users map[string]*userRec
	order []*userRec // insertion order (the default list order)

	roles     []map[string]any
	roleByID  map[string]map[string]any
	resources []map[string]any // resource servers
	conns     []*connection
	orgs      []map[string]any
	orgByID   map[string]map[string]any

	tickets     []Ticket
	jobs        []Job
	resetEmails []PasswordResetEmail // asked for through the Authentication API

	// Account security (issue 12). Brute-force blocks belong to identifiers, not users; the
	// owner maps find the user of a session, refresh token or grant id (entries of deleted
	// users or removed items are left behind and ignored by lookups).
	blocks       []*bruteForceBlock
	sessionOwner map[string]string
	tokenOwner   map[string]string
	grantOwner   map[string]string

	// Account linking, MFA enrollment tickets and users exports.
	linkedPasswords   map[string]string // a linked database identity's password, by its former user id
	enrollmentTickets []EnrollmentTicket
	exports           map[string]*exportJob
	exportPerRead     int     // users an export processes per GET /jobs/{id}
	exportPerSecond   float64 // and per second of the tenant's clock
	downloads         []ExportDownload
}

func newDirectory(baseURL string, seed int64, now func() time.Time) *directory {
	d := &directory{
		baseURL:  baseURL,
		seed:     seed,
		now:      now,
		anchor:   now().UTC().Truncate(time.Millisecond),
		ids:      rand.New(rand.NewPCG(uint64(seed), 0x1d5)),
		users:    map[string]*userRec{},
		roleByID: map[string]map[string]any{},
		orgByID:  map[string]map[string]any{},

		sessionOwner: map[string]string{},
		tokenOwner:   map[string]string{},
		grantOwner:   map[string]string{},

		linkedPasswords: map[string]string{},
		exports:         map[string]*exportJob{},
		exportPerRead:   defaultExportPerRead,
		exportPerSecond: defaultExportPerSecond,
	}
	d.seedCatalog()
	d.seedFixtures()
	d.seedAccessFixtures()
	return d
}

// put adds or replaces a user.
func (d *directory) put(rec *userRec) {
	if old, ok := d.users[rec.id]; ok {
		for i, r := range d.order {
			if r == old {
				d.order[i] = rec
			}
		}
	} else {
		d.order = append(d.order, rec)
	}
	d.users[rec.id] = rec
}

// remove deletes a user (no-op when absent).
func (d *directory) remove(id string) {
	rec, ok := d.users[id]
	if !ok {
		return
	}
	delete(d.users, id)
	for i, r := range d.order {
		if r == rec {
			d.order = append(d.order[:i:i], d.order[i+1:]...)
			break
		}
	}
}

// extras returns the user's relations, generating a seeded user's on first use.
func (d *directory) extras(rec *userRec) *userExtra {
	if rec.extra == nil {
		rec.extra = d.generateExtras(rec)
		d.indexAccess(rec)
	}
	return rec.extra
}

func (d *directory) connection(name string) *connection {
	for _, c := range d.conns {
		if c.name == name {
			return c
		}
	}
	return nil
}

// connectionByID returns the connection with id ("con_…"), or nil.
func (d *directory) connectionByID(id string) *connection {
	for _, c := range d.conns {
		if c.obj["id"] == id {
			return c
		}
	}
	return nil
}

func (d *directory) resourceServer(identifier string) map[string]any {
	for _, rs := range d.resources {
		if rs["identifier"] == identifier {
			return rs
		}
	}
	return nil
}

// randomString returns n characters of alphabet from the id generator.
func (d *directory) randomString(alphabet string, n int) string {
	return randomFrom(d.ids, alphabet, n)
}

func randomFrom(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	hexDigits  = "0123456789abcdef"
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	digits     = "0123456789"
)

// normalize deep-copies v through JSON, so that it holds only what a JSON
// decoder produces (map[string]any, []any, string, float64, bool, nil).
func normalize(v map[string]any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic("auth0apitest: object is not JSON: " + err.Error())
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic("auth0apitest: " + err.Error())
	}
	return out
}

// cloneShallow copies the top level of an object.
func cloneShallow(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	return out
}
