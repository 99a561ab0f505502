package staging

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/discstage/discstage/master"
	bolt "go.etcd.io/bbolt"
)

// RootID is the ID of the root directory.
const RootID uint64 = 1

// MaxName is the longest name, in bytes, an entry can have.
const MaxName = 255

var (
	bucketMeta    = []byte("meta")
	bucketEntries = []byte("entries")
	keyGen        = []byte("gen")
	keyBaseGen    = []byte("basegen")
	keyBaseStart  = []byte("basestart")
	keyBlank      = []byte("blank")
	keyInflight   = []byte("inflight")
	keyNextID     = []byte("nextid")
)

// Area is a staging area: the merged view of a medium's newest session
// and the changes staged on top of it. All methods are safe for
// concurrent use.
type Area struct {
	dir    string
	medium Medium
	db     *bolt.DB

	mu      sync.Mutex
	entries map[uint64]*entry
	root    *entry
	nextID  uint64
	gen     uint64 // bumped by every recorded change
	baseGen uint64 // gen of the state the newest session holds
	base    uint32 // start LBA of the newest session
	blank   bool   // the medium held no session when the base was read
	closed  bool
	// mediumClosed: the medium takes no more sessions, so the view is
	// read-only.
	mediumClosed bool
	open         map[*entry]bool // entries with open handles
	commit       *commitState    // the running commit
	last         *commitState    // the last commit started
	status       Status
	projKey      [2]uint64 // gen+1 and staged bytes the projection was made for
	projSize     uint32
	projErr      error
}

// entry is one file, directory or symbolic link of the merged view.
type entry struct {
	id     uint64
	parent *entry // nil for the root and for removed entries
	name   string
	mode   iofs.FileMode
	uid    uint32
	gid    uint32
	mtime  time.Time
	atime  time.Time
	ctime  time.Time
	size   int64 // disc files; staged files take size from the data file
	ext    []master.Extent
	data   string // staged data file name in data/; "" for data on the medium
	target string
	kids   map[string]*entry

	frozen  bool     // data file is being committed; copy before writing
	pins    int      // handles writing the data file directly (passthrough)
	file    *os.File // open data file while handles exist
	opens   int
	removed bool // unlinked while open
}

// record is the persistent form of an entry.
type record struct {
	Parent  uint64          `json:"p"`
	Name    string          `json:"n"`
	Mode    uint32          `json:"m"`
	UID     uint32          `json:"u"`
	GID     uint32          `json:"g"`
	Mtime   int64           `json:"mt"`
	Atime   int64           `json:"at"`
	Ctime   int64           `json:"ct"`
	Size    int64           `json:"s,omitempty"`
	Extents []master.Extent `json:"e,omitempty"`
	Data    string          `json:"d,omitempty"`
	Target  string          `json:"t,omitempty"`
}

// Open opens (or creates) the staging area in dir over medium. A new
// area starts from the medium's newest session; an existing one comes
// back with every change it had staged.
func Open(dir string, medium Medium) (*Area, error) {
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, fmt.Errorf("staging: create area %q: %w", dir, err)
	}
	db, err := bolt.Open(filepath.Join(dir, "state.db"), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("staging: open state of area %q: %w", dir, err)
	}
	a := &Area{dir: dir, medium: medium, db: db, entries: map[uint64]*entry{}, open: map[*entry]bool{}}
	if err := a.load(); err != nil {
		db.Close()
		return nil, err
	}
	if info, err := medium.Info(); err == nil && info.Closed {
		a.mediumClosed = true
	}
	a.status.State = StateIdle
	return a, nil
}

// Dir returns the area's directory.
func (a *Area) Dir() string { return a.dir }

// Medium returns the medium the area stages for.
func (a *Area) Medium() Medium { return a.medium }

// Close closes the area. Staged changes stay on disk for the next Open.
func (a *Area) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	c := a.commit
	a.mu.Unlock()
	if c != nil {
		<-c.done
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	for _, e := range a.entries {
		if e.file != nil {
			e.file.Close()
			e.file = nil
		}
	}
	return a.db.Close()
}

func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func key(id uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], id)
	return b[:]
}

func (a *Area) dataPath(name string) string { return filepath.Join(a.dir, "data", name) }

func newDataName() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// load reads the persistent state, finishes or forgets a commit that was
// cut short, and rebuilds from the medium when nothing is staged.
func (a *Area) load() error {
	root, start, err := a.medium.Newest()
	if err != nil {
		return fmt.Errorf("staging: read newest session: %w", err)
	}
	var fresh bool
	var inflight *inflightRecord
	err = a.db.Update(func(tx *bolt.Tx) error {
		m, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketEntries); err != nil {
			return err
		}
		fresh = m.Get(keyGen) == nil
		if v := m.Get(keyInflight); v != nil {
			inflight = new(inflightRecord)
			if err := json.Unmarshal(v, inflight); err != nil {
				return fmt.Errorf("decode unfinished commit: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("staging: open state in %q: %w", a.dir, err)
	}
	if fresh {
		if err := a.reset(root, start); err != nil {
			return err
		}
		return a.collect()
	}
	if err := a.readState(); err != nil {
		return err
	}
	baseMatches := (a.blank && root == nil) || (!a.blank && root != nil && a.base == start)
	switch {
	case inflight != nil && root != nil && start == inflight.Start && !baseMatches:
		// The commit was written before the process stopped: finish it.
		if err := a.finish(inflight, root, start); err != nil {
			return err
		}
	case inflight != nil:
		if err := a.clearInflight(); err != nil {
			return err
		}
		if !baseMatches {
			if a.pending() {
				return fmt.Errorf("staging: area %q: %w", a.dir, ErrBaseChanged)
			}
			if err := a.reset(root, start); err != nil {
				return err
			}
		}
	case !baseMatches:
		if a.pending() {
			return fmt.Errorf("staging: area %q: %w", a.dir, ErrBaseChanged)
		}
		if err := a.reset(root, start); err != nil {
			return err
		}
	}
	return a.collect()
}

// readState loads the meta values and every entry.
func (a *Area) readState() error {
	recs := map[uint64]record{}
	err := a.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		a.gen = u64(m.Get(keyGen))
		a.baseGen = u64(m.Get(keyBaseGen))
		a.base = uint32(u64(m.Get(keyBaseStart)))
		a.blank = u64(m.Get(keyBlank)) == 1
		a.nextID = u64(m.Get(keyNextID))
		return tx.Bucket(bucketEntries).ForEach(func(k, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode entry %d: %w", u64(k), err)
			}
			recs[u64(k)] = r
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("staging: read state of area %q: %w", a.dir, err)
	}
	a.entries = make(map[uint64]*entry, len(recs))
	for id, r := range recs {
		e := &entry{id: id, name: r.Name, mode: iofs.FileMode(r.Mode), uid: r.UID, gid: r.GID,
			mtime: time.Unix(0, r.Mtime), atime: time.Unix(0, r.Atime), ctime: time.Unix(0, r.Ctime),
			size: r.Size, ext: r.Extents, data: r.Data, target: r.Target}
		if e.mode.IsDir() {
			e.kids = map[string]*entry{}
		}
		a.entries[id] = e
	}
	for id, r := range recs {
		if id == RootID {
			continue
		}
		e, p := a.entries[id], a.entries[r.Parent]
		if p == nil || p.kids == nil {
			return fmt.Errorf("staging: area %q: entry %d (%q) has no parent directory %d", a.dir, id, r.Name, r.Parent)
		}
		e.parent = p
		p.kids[e.name] = e
	}
	a.root = a.entries[RootID]
	if a.root == nil || !a.root.mode.IsDir() {
		return fmt.Errorf("staging: area %q has no root directory", a.dir)
	}
	return nil
}

// reset replaces the whole state with the medium's newest session.
func (a *Area) reset(root *master.Node, start uint32) error {
	now := time.Now()
	a.entries = map[uint64]*entry{}
	a.nextID = RootID
	var add func(n *master.Node, parent *entry) *entry
	add = func(n *master.Node, parent *entry) *entry {
		e := &entry{id: a.nextID, parent: parent, name: n.Name, mode: n.Mode, uid: n.UID, gid: n.GID,
			mtime: n.ModTime, atime: n.AccessTime, ctime: n.ChangeTime, size: n.Size,
			ext: n.Extents, target: n.Target}
		a.nextID++
		if e.atime.IsZero() {
			e.atime = e.mtime
		}
		if e.ctime.IsZero() {
			e.ctime = e.mtime
		}
		a.entries[e.id] = e
		if n.IsDir() {
			e.kids = map[string]*entry{}
			for _, c := range n.Children {
				k := add(c, e)
				e.kids[k.name] = k
			}
		}
		return e
	}
	blank := root == nil
	if blank {
		root = &master.Node{Mode: iofs.ModeDir | 0o755, ModTime: now, UID: uint32(os.Getuid()), GID: uint32(os.Getgid())}
	}
	a.root = add(root, nil)
	a.root.name = ""
	a.blank = blank
	a.base = start
	a.gen, a.baseGen = 0, 0
	err := a.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketEntries); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
		b, err := tx.CreateBucket(bucketEntries)
		if err != nil {
			return err
		}
		for _, e := range a.entries {
			if err := putEntry(b, e); err != nil {
				return err
			}
		}
		m := tx.Bucket(bucketMeta)
		for k, v := range map[string]uint64{string(keyGen): 0, string(keyBaseGen): 0, string(keyBaseStart): uint64(start), string(keyNextID): a.nextID, string(keyBlank): b2u(a.blank)} {
			if err := m.Put([]byte(k), key(v)); err != nil {
				return err
			}
		}
		return m.Delete(keyInflight)
	})
	if err != nil {
		return fmt.Errorf("staging: record newest session in area %q: %w", a.dir, err)
	}
	return nil
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func putEntry(b *bolt.Bucket, e *entry) error {
	r := record{Name: e.name, Mode: uint32(e.mode), UID: e.uid, GID: e.gid,
		Mtime: e.mtime.UnixNano(), Atime: e.atime.UnixNano(), Ctime: e.ctime.UnixNano(),
		Size: e.size, Extents: e.ext, Data: e.data, Target: e.target}
	if e.parent != nil {
		r.Parent = e.parent.id
	}
	v, err := json.Marshal(&r)
	if err != nil {
		return err
	}
	return b.Put(key(e.id), v)
}

// record durably stores the given entries, deletes the given IDs and
// counts one change. It runs with a.mu held.
func (a *Area) record(op string, put []*entry, del []uint64) error {
	err := a.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEntries)
		for _, e := range put {
			if err := putEntry(b, e); err != nil {
				return err
			}
		}
		for _, id := range del {
			if err := b.Delete(key(id)); err != nil {
				return err
			}
		}
		m := tx.Bucket(bucketMeta)
		if err := m.Put(keyNextID, key(a.nextID)); err != nil {
			return err
		}
		return m.Put(keyGen, key(a.gen+1))
	})
	if err != nil {
		return fmt.Errorf("staging: record %s: %w", op, err)
	}
	a.gen++
	return nil
}

// collect removes data files no entry refers to (left by a crash, a
// commit or a discard).
func (a *Area) collect() error {
	used := map[string]bool{}
	for _, e := range a.entries {
		if e.data != "" {
			used[e.data] = true
		}
	}
	if a.commit != nil {
		for _, f := range a.commit.files {
			used[f.Data] = true
		}
	}
	des, err := os.ReadDir(filepath.Join(a.dir, "data"))
	if err != nil {
		return fmt.Errorf("staging: list data of area %q: %w", a.dir, err)
	}
	for _, d := range des {
		if !used[d.Name()] && !a.openRemoved(d.Name()) {
			os.Remove(filepath.Join(a.dir, "data", d.Name()))
		}
	}
	return nil
}

// openRemoved reports whether an unlinked but still open entry uses the
// data file.
func (a *Area) openRemoved(name string) bool {
	for _, e := range a.orphans() {
		if e.data == name {
			return true
		}
	}
	return false
}

func (a *Area) orphans() []*entry {
	var out []*entry
	for _, h := range a.handles() {
		if h.removed {
			out = append(out, h)
		}
	}
	return out
}

// handles lists entries with open handles, removed or not.
func (a *Area) handles() []*entry {
	var out []*entry
	for e := range a.open {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}
