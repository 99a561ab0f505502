package staging

import (
	"iter"
	"maps"
	"slices"

	"github.com/discstage/discstage/internal/slab"
)

// entryTable holds the area's entries by ID. IDs are handed out in
// order (reset numbers a session's entries from RootID, new entries take
// nextID), so most live in a slice indexed by ID: 8 bytes an entry where
// a map takes about 30, which counts on a disc of a million files. An ID
// far past the slice's end (a journal written by other means, or
// damaged) goes to a map instead, so no ID makes the slice large.
type entryTable struct {
	dense  []*entry          // by ID; nil where no entry has that ID
	sparse map[uint64]*entry // IDs the slice does not reach
	n      int
}

// denseSlack is how far past the slice's end an ID may be and still
// grow the slice to reach it.
const denseSlack = 1024

func newEntryTable(n int) entryTable {
	return entryTable{dense: make([]*entry, 0, n+1)}
}

// get returns the entry with ID id, or nil.
func (t *entryTable) get(id uint64) *entry {
	if id < uint64(len(t.dense)) {
		return t.dense[id]
	}
	return t.sparse[id]
}

// put stores e under its ID, replacing what had that ID.
func (t *entryTable) put(e *entry) {
	id := e.id
	if id >= uint64(len(t.dense)) && id <= 2*uint64(t.n)+denseSlack {
		t.grow(id + 1)
	}
	if id < uint64(len(t.dense)) {
		if t.dense[id] == nil {
			t.n++
		}
		t.dense[id] = e
		return
	}
	if t.sparse == nil {
		t.sparse = map[uint64]*entry{}
	}
	if _, ok := t.sparse[id]; !ok {
		t.n++
	}
	t.sparse[id] = e
}

// reserve makes room in the slice for IDs up to max when they are not
// far more than the n entries to come (a journal replayed in any order).
func (t *entryTable) reserve(max uint64, n int) {
	if max >= uint64(len(t.dense)) && max <= 2*uint64(n)+denseSlack {
		t.grow(max + 1)
	}
}

// grow extends the slice to n IDs, moving entries the map held for them.
func (t *entryTable) grow(n uint64) {
	old := uint64(len(t.dense))
	t.dense = append(t.dense, make([]*entry, n-old)...)
	if len(t.sparse) == 0 {
		return
	}
	for id := old; id < n; id++ {
		if e, ok := t.sparse[id]; ok {
			t.dense[id] = e
			delete(t.sparse, id)
		}
	}
}

// del removes the entry with ID id.
func (t *entryTable) del(id uint64) {
	if id < uint64(len(t.dense)) {
		if t.dense[id] != nil {
			t.dense[id] = nil
			t.n--
		}
		return
	}
	if _, ok := t.sparse[id]; ok {
		delete(t.sparse, id)
		t.n--
	}
}

// len returns the number of entries.
func (t *entryTable) len() int { return t.n }

// all yields every entry with its ID, in ID order.
func (t *entryTable) all() iter.Seq2[uint64, *entry] {
	return func(yield func(uint64, *entry) bool) {
		for id, e := range t.dense {
			if e != nil && !yield(uint64(id), e) {
				return
			}
		}
		for _, id := range slices.Sorted(maps.Keys(t.sparse)) {
			if !yield(id, t.sparse[id]) {
				return
			}
		}
	}
}

// trimSlab moves the entries taken from s's last slab to one of the
// size used when more than a quarter of it is spare, and puts them in t
// in place of the old ones; it is for a load whose entries t alone
// points to yet (a replay, before readState joins them). Entries
// cleared since they were taken (ID 0) are left behind.
func trimSlab(s *slab.Slab[entry], t *entryTable) {
	old, spare := s.Last()
	if spare <= (len(old)+spare)/4 {
		return
	}
	live := 0
	for i := range old {
		if e := &old[i]; e.id != 0 && t.get(e.id) == e {
			live++
		}
	}
	s.Drop()
	s.Reserve(live)
	for i := range old {
		if e := &old[i]; e.id != 0 && t.get(e.id) == e {
			n := s.Take()
			*n = *e
			t.put(n)
		}
	}
}
