package bulk

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory is a Store in this process's memory: one replica's jobs. Jobs end MaxAge after their
// last change (default a day) and are then forgotten.
type Memory struct {
	MaxAge time.Duration
	Now    func() time.Time

	mu   sync.Mutex
	jobs map[string][]byte // JSON: every Get hands out a copy
}

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{} }

func (m *Memory) now() time.Time {
	if m.Now == nil {
		return time.Now()
	}
	return m.Now()
}

// sweepLocked forgets jobs older than MaxAge.
func (m *Memory) sweepLocked() {
	age := m.MaxAge
	if age <= 0 {
		age = 24 * time.Hour
	}
	for id, b := range m.jobs {
		var j Job
		if json.Unmarshal(b, &j) == nil && m.now().Sub(j.Updated) > age {
			delete(m.jobs, id)
		}
	}
}

// Create stores a new job.
func (m *Memory) Create(_ context.Context, j Job) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.jobs == nil {
		m.jobs = map[string][]byte{}
	}
	m.sweepLocked()
	m.jobs[j.ID] = b
	return nil
}

// Get returns a copy of the job.
func (m *Memory) Get(_ context.Context, id string) (Job, error) {
	m.mu.Lock()
	b, ok := m.jobs[id]
	m.mu.Unlock()
	if !ok {
		return Job{}, ErrNotFound
	}
	var j Job
	err := json.Unmarshal(b, &j)
	return j, err
}

// Update applies fn to the job under the store's lock.
func (m *Memory) Update(_ context.Context, id string, fn func(*Job) error) (Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.jobs[id]
	if !ok {
		return Job{}, ErrNotFound
	}
	var j Job
	if err := json.Unmarshal(b, &j); err != nil {
		return Job{}, err
	}
	if err := fn(&j); err != nil {
		return Job{}, err
	}
	nb, err := json.Marshal(j)
	if err != nil {
		return Job{}, err
	}
	m.jobs[id] = nb
	return j, nil
}

// Running lists the running jobs' ids, sorted.
func (m *Memory) Running(_ context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id, b := range m.jobs {
		var j Job
		if json.Unmarshal(b, &j) == nil && j.State == Running {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Recent returns the owner's latest jobs, newest first, at most n.
func (m *Memory) Recent(_ context.Context, owner string, n int) ([]Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked()
	var out []Job
	for _, b := range m.jobs {
		var j Job
		if json.Unmarshal(b, &j) == nil && j.Owner == owner {
			out = append(out, j)
		}
	}
	slices.SortFunc(out, func(a, b Job) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if n >= 0 && len(out) > n {
		out = out[:n]
	}
	return out, nil
}
