package sessionstore

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// Defaults of MemoryOptions' zero values.
const (
	DefaultMaxSessions = 100_000
	DefaultMaxSignIns  = 10_000
	sweepEvery         = time.Minute
)

// MemoryOptions configures a Memory store.
type MemoryOptions struct {
	// MaxSessions bounds the signed-in sessions kept (0: DefaultMaxSessions). When full, the
	// session that expires soonest is dropped to make room for a new one.
	MaxSessions int
	// MaxSignIns bounds the sign-in transactions kept, separately (0: DefaultMaxSignIns). When
	// full, the transaction that expires soonest is dropped: a flood of /login only ever evicts
	// other sign-ins in progress, never a signed-in session.
	MaxSignIns int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Memory is the in-process Store: the embedded default for one replica and the demo. Nothing
// survives a restart, and replicas do not see each other's sessions.
type Memory struct {
	maxSessions, maxSignIns int
	now                     func() time.Time

	mu        sync.Mutex
	sessions  map[string]memSession
	bySubject map[string]map[string]struct{}
	bySID     map[string]map[string]struct{} // the provider's session id → session ids
	signIns   map[string]memSignIn
	lastSweep time.Time
}

type memSession struct {
	value   []byte
	meta    Meta
	expires time.Time
}

type memSignIn struct {
	value   []byte
	expires time.Time
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty memory store.
func NewMemory(opts MemoryOptions) *Memory {
	m := &Memory{
		maxSessions: cmp.Or(max(opts.MaxSessions, 0), DefaultMaxSessions),
		maxSignIns:  cmp.Or(max(opts.MaxSignIns, 0), DefaultMaxSignIns),
		now:         opts.Now,
		sessions:    map[string]memSession{},
		bySubject:   map[string]map[string]struct{}{},
		bySID:       map[string]map[string]struct{}{},
		signIns:     map[string]memSignIn{},
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// Get implements Store.
func (m *Memory) Get(ctx context.Context, id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return nil, ErrNotFound
	}
	if !m.now().Before(s.expires) {
		m.deleteLocked(id)
		return nil, ErrNotFound
	}
	return slices.Clone(s.value), nil
}

// Save implements Store.
func (m *Memory) Save(ctx context.Context, id string, value []byte, meta Meta, expires time.Time) error {
	return m.save(id, value, meta, expires, false)
}

// Update implements Store.
func (m *Memory) Update(ctx context.Context, id string, value []byte, meta Meta, expires time.Time) error {
	return m.save(id, value, meta, expires, true)
}

func (m *Memory) save(id string, value []byte, meta Meta, expires time.Time, mustExist bool) error {
	if meta.Subject == "" {
		return errNoSubject
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	old, exists := m.sessions[id]
	if exists && !now.Before(old.expires) {
		m.deleteLocked(id)
		exists = false
	}
	if mustExist && !exists {
		return ErrNotFound
	}
	m.sweepLocked(now, false)
	if exists && (old.meta.Subject != meta.Subject || old.meta.ProviderSID != meta.ProviderSID) {
		m.deleteLocked(id) // re-indexed below
		exists = false
	}
	if !exists && len(m.sessions) >= m.maxSessions {
		m.sweepLocked(now, true)
		if len(m.sessions) >= m.maxSessions {
			m.deleteLocked(soonest(m.sessions, func(s memSession) time.Time { return s.expires }))
		}
	}
	meta.Groups = slices.Clone(meta.Groups)
	m.sessions[id] = memSession{value: slices.Clone(value), meta: meta, expires: expires}
	index(m.bySubject, meta.Subject, id)
	if meta.ProviderSID != "" {
		index(m.bySID, meta.ProviderSID, id)
	}
	return nil
}

// index adds id under key.
func index(idx map[string]map[string]struct{}, key, id string) {
	ids := idx[key]
	if ids == nil {
		ids = map[string]struct{}{}
		idx[key] = ids
	}
	ids[id] = struct{}{}
}

// unindex removes id from under key.
func unindex(idx map[string]map[string]struct{}, key, id string) {
	if ids := idx[key]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(idx, key)
		}
	}
}

// Delete implements Store.
func (m *Memory) Delete(ctx context.Context, id string) error {
	m.mu.Lock()
	m.deleteLocked(id)
	m.mu.Unlock()
	return nil
}

// Sessions implements Store.
func (m *Memory) Sessions(ctx context.Context, subject string) ([]Info, error) {
	return m.indexed(m.bySubject, subject), nil
}

// ProviderSessions implements Store.
func (m *Memory) ProviderSessions(ctx context.Context, sid string) ([]Info, error) {
	if sid == "" {
		return nil, nil
	}
	return m.indexed(m.bySID, sid), nil
}

// indexed lists the live sessions under key in idx.
func (m *Memory) indexed(idx map[string]map[string]struct{}, key string) []Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var out []Info
	for id := range idx[key] {
		if s := m.sessions[id]; now.Before(s.expires) {
			out = append(out, info(id, s))
		}
	}
	sortInfos(out)
	return out
}

// All implements Store.
func (m *Memory) All(ctx context.Context, limit int) ([]Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	out := make([]Info, 0, len(m.sessions))
	for id, s := range m.sessions {
		if now.Before(s.expires) {
			out = append(out, info(id, s))
		}
	}
	sortInfos(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// RevokeAll implements Store.
func (m *Memory) RevokeAll(ctx context.Context, subject string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	n := 0
	for id := range m.bySubject[subject] {
		if now.Before(m.sessions[id].expires) {
			n++
		}
		m.deleteLocked(id)
	}
	return n, nil
}

// Count implements Store.
func (m *Memory) Count(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	n := 0
	for _, s := range m.sessions {
		if now.Before(s.expires) {
			n++
		}
	}
	return n, nil
}

// SaveSignIn implements Store.
func (m *Memory) SaveSignIn(ctx context.Context, id string, value []byte, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if _, exists := m.signIns[id]; !exists && len(m.signIns) >= m.maxSignIns {
		for k, t := range m.signIns {
			if !now.Before(t.expires) {
				delete(m.signIns, k)
			}
		}
		if len(m.signIns) >= m.maxSignIns {
			delete(m.signIns, soonest(m.signIns, func(t memSignIn) time.Time { return t.expires }))
		}
	}
	m.signIns[id] = memSignIn{value: slices.Clone(value), expires: expires}
	return nil
}

// GetSignIn implements Store.
func (m *Memory) GetSignIn(ctx context.Context, id string) ([]byte, error) {
	return m.signIn(id, false)
}

// TakeSignIn implements Store.
func (m *Memory) TakeSignIn(ctx context.Context, id string) ([]byte, error) {
	return m.signIn(id, true)
}

func (m *Memory) signIn(id string, take bool) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.signIns[id]
	if !ok {
		return nil, ErrNotFound
	}
	if expired := !m.now().Before(t.expires); expired || take {
		delete(m.signIns, id)
		if expired {
			return nil, ErrNotFound
		}
	}
	return slices.Clone(t.value), nil
}

// DeleteSignIn implements Store.
func (m *Memory) DeleteSignIn(ctx context.Context, id string) error {
	m.mu.Lock()
	delete(m.signIns, id)
	m.mu.Unlock()
	return nil
}

// Ping implements Store: memory is always there.
func (m *Memory) Ping(ctx context.Context) error { return nil }

// deleteLocked drops a session and its index entry.
func (m *Memory) deleteLocked(id string) {
	s, ok := m.sessions[id]
	if !ok {
		return
	}
	delete(m.sessions, id)
	unindex(m.bySubject, s.meta.Subject, id)
	if s.meta.ProviderSID != "" {
		unindex(m.bySID, s.meta.ProviderSID, id)
	}
}

// sweepLocked drops expired sessions and sign-ins, at most once a minute unless forced.
func (m *Memory) sweepLocked(now time.Time, force bool) {
	if !force && now.Sub(m.lastSweep) < sweepEvery {
		return
	}
	m.lastSweep = now
	for id, s := range m.sessions {
		if !now.Before(s.expires) {
			m.deleteLocked(id)
		}
	}
	for id, t := range m.signIns {
		if !now.Before(t.expires) {
			delete(m.signIns, id)
		}
	}
}

// soonest returns the key whose entry expires first.
func soonest[V any](entries map[string]V, expires func(V) time.Time) string {
	var victim string
	var first time.Time
	for id, e := range entries {
		if t := expires(e); victim == "" || t.Before(first) {
			victim, first = id, t
		}
	}
	return victim
}

func info(id string, s memSession) Info {
	meta := s.meta
	meta.Groups = slices.Clone(meta.Groups)
	return Info{ID: id, Meta: meta, Expires: s.expires}
}

// sortInfos orders sessions the most recently created first (then by id, for a stable order).
func sortInfos(infos []Info) {
	slices.SortFunc(infos, func(a, b Info) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
