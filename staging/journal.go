package staging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	iofs "io/fs"
	"iter"
	"log"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/discstage/discstage/internal/slab"
	"github.com/discstage/discstage/platform"
)

// Names of the area's state files.
const (
	journalName    = "state.journal"
	journalNewName = "state.journal.new"
	legacyName     = "state.db"
	lockName       = "state.lock"
	reserveName    = "state.reserve"
)

const (
	// frameHeader is the size of a record's header: payload length and
	// CRC-32C of the payload, both little-endian uint32.
	frameHeader = 8
	// maxPayload bounds one record; a longer length field is damage.
	maxPayload = 1 << 30
	// snapshotChunk is how many entries one snapshot record holds.
	snapshotChunk = 1024
	// minPutBytes is about what the smallest entry's record takes in
	// a journal: the replay makes room for a snapshot's entries by it
	// (more only grow the room).
	minPutBytes = 64
	// minCompact is the journal size below which it is never compacted.
	minCompact = 1 << 20
	// flushInterval is how long a record may stay unsynced.
	flushInterval = time.Second
	// minReserve is the least space the area keeps in its reserve file
	// for the journal (see journal.reserve).
	minReserve = 1 << 20
	// reserveStep is how much of the reserve one failed write gives up
	// at least: a few file system blocks.
	reserveStep = 64 << 10
	// maxKeptBuf bounds the framing buffer the journal keeps between
	// records.
	maxKeptBuf = 64 << 10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// change is the payload of one journal record: what one operation did
// to the state. Replaying every change in order rebuilds the state.
type change struct {
	// Reset starts the state over: every entry is dropped and the
	// inflight snapshot forgotten before the rest applies. A snapshot's
	// first record has it.
	Reset  bool        `json:"r,omitempty"`
	Gen    uint64      `json:"g"`
	NextID uint64      `json:"n"`
	Base   *baseRecord `json:"b,omitempty"`
	Put    []putRecord `json:"p,omitempty"`
	Del    []uint64    `json:"d,omitempty"`
	// Inflight is stored when a commit starts; ClearInflight when it
	// ends either way.
	Inflight      *inflightRecord `json:"i,omitempty"`
	ClearInflight bool            `json:"ci,omitempty"`

	// keep lets the record use the reserve when the file system is
	// full (not stored).
	keep bool
}

// essential reports whether c may use the reserve: it deletes entries,
// moves them (keep), or belongs to a commit or a reset. Without these
// a user could not delete, rename, discard or commit their way out of
// a full disk.
func (c *change) essential() bool {
	return c.keep || len(c.Del) > 0 || c.Inflight != nil || c.ClearInflight || c.Base != nil || c.Reset
}

// baseRecord says which session the state is based on.
type baseRecord struct {
	Gen   uint64 `json:"g"`
	Start uint32 `json:"s"`
	Blank bool   `json:"b,omitempty"`
	// Sectors is the base session's size as the medium lists it, 0 if
	// unknown: a plain image lists every session at LBA 0, so only the
	// size tells a later session from the base.
	Sectors uint32 `json:"n,omitempty"`
	// Head tells the base session from a session of another disc that
	// lies where it did (headOf); "" if unknown.
	Head string `json:"h,omitempty"`
	// Failed is the session a commit wrote after the base and that then
	// failed its verification (rebase.go), if any.
	Failed *failedRecord `json:"f,omitempty"`
}

// failedRecord is where a session that failed verification lies: its
// start and size as the medium lists it (0 if unknown).
type failedRecord struct {
	Start   uint32 `json:"s"`
	Sectors uint32 `json:"n,omitempty"`
}

// putRecord is an entry stored under its ID.
type putRecord struct {
	ID uint64 `json:"id"`
	record
}

// replayed is the state a journal's records rebuild.
type replayed struct {
	gen, baseGen, nextID uint64
	base, baseSectors    uint32
	baseHead             string
	failed               *failedRecord
	blank                bool
	// entries are the entries the records put, each made as its record
	// is read, not yet joined into a tree (readState does that): a
	// snapshot of a disc of a million files is read without a second
	// copy of its records.
	entries entryTable
	slab    slab.Slab[entry] // where entries come from
	// up holds the parent ID of each entry the slice of entries
	// reaches, upFar of the others; links the further names of those
	// that have some.
	up       []uint64
	upFar    map[uint64]uint64
	links    map[uint64][]linkRecord
	inflight *inflightRecord
	// retimed are the entries put with times set while the commit of
	// inflight ran; the flags go when that commit is over.
	retimed []*entry
	// most is how many entries the journal can hold at most.
	most int
	// Recovery tells how far the replay got.
	Recovery
}

// Recovery tells what Open found in the area's journal. A journal whose
// tail is torn (power lost during a write) or damaged is cut at the
// first record that does not check; the records from there on are lost
// and Open goes on with the state before them.
type Recovery struct {
	// Records is how many records were replayed.
	Records int
	// Dropped is how many records (whole or partial) were cut off.
	Dropped int
	// DroppedBytes is how many bytes were cut off the journal.
	DroppedBytes int64
}

// replay applies the records of data in order and stops at the first
// one that is short, fails its checksum or does not decode.
func replay(data []byte) *replayed {
	st, _ := replayFrom(bytes.NewReader(data), int64(len(data)), decodeChange)
	return st
}

// replayWith is replay with the given reader of record payloads.
func replayWith(data []byte, decode func([]byte, *change) error) *replayed {
	st, _ := replayFrom(bytes.NewReader(data), int64(len(data)), decode)
	return st
}

// replayPiece is how much of the journal replayFrom reads at a time; a
// longer record is read whole.
const replayPiece = 1 << 20

// replayFrom is replay over the size bytes of r, read a piece at a time:
// the journal of a disc of a million files (130 MB) is not held whole in
// memory while its entries are made. An error reading r is returned as
// it is: only records that were read and do not check are damage.
func replayFrom(r io.Reader, size int64, decode func([]byte, *change) error) (*replayed, error) {
	return replayPieces(r, size, replayPiece, decode)
}

// replayPieces is replayFrom reading piece bytes at a time.
func replayPieces(r io.Reader, size int64, piece int, decode func([]byte, *change) error) (*replayed, error) {
	st := &replayed{most: int(size / minPutBytes)}
	var put []putRecord // the records' entries, one buffer for all
	buf := make([]byte, 0, min(size, int64(piece)))
	pos := 0     // the next record's offset in buf
	var at int64 // the journal offset of buf[0]
	eof := false // r is read to its end, or to size
	// have makes buf hold n bytes from pos on, or all that is left.
	have := func(n int) error {
		if len(buf)-pos >= n || eof {
			return nil
		}
		at += int64(pos)
		if cap(buf) < n {
			nb := make([]byte, len(buf)-pos, n)
			copy(nb, buf[pos:])
			buf = nb
		} else {
			buf = buf[:copy(buf, buf[pos:])]
		}
		pos = 0
		for len(buf) < n && !eof {
			left := size - at - int64(len(buf)) // never read past size
			k, err := r.Read(buf[len(buf) : len(buf)+int(min(left, int64(cap(buf)-len(buf))))])
			buf = buf[:len(buf)+k]
			switch {
			case err == io.EOF || at+int64(len(buf)) >= size:
				eof = true
			case err != nil:
				return err
			}
		}
		return nil
	}
	for {
		if err := have(frameHeader); err != nil {
			return nil, err
		}
		if len(buf)-pos < frameHeader {
			break
		}
		n := binary.LittleEndian.Uint32(buf[pos:])
		if n > maxPayload || int64(n) > size-at-int64(pos)-frameHeader {
			break
		}
		if err := have(frameHeader + int(n)); err != nil {
			return nil, err
		}
		if len(buf)-pos < frameHeader+int(n) {
			break
		}
		p := buf[pos+frameHeader : pos+frameHeader+int(n)]
		if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(buf[pos+4:]) {
			break
		}
		c := change{Put: put[:0]}
		if err := decode(p, &c); err != nil {
			break
		}
		st.apply(&c)
		if cap(c.Put) > cap(put) {
			put = c.Put
		}
		st.Records++
		pos += frameHeader + int(n)
	}
	trimSlab(&st.slab, &st.entries)
	// What follows the last good record is cut off: count its frames
	// as far as their lengths allow.
	rest := buf[pos:]
	if !eof {
		more, err := io.ReadAll(io.LimitReader(r, size-at-int64(len(buf))))
		if err != nil {
			return nil, err
		}
		rest = append(rest[:len(rest):len(rest)], more...)
	}
	st.DroppedBytes = int64(len(rest))
	for len(rest) > 0 {
		st.Dropped++
		if len(rest) < frameHeader {
			break
		}
		n := int64(binary.LittleEndian.Uint32(rest))
		if n > int64(len(rest)-frameHeader) {
			break
		}
		rest = rest[frameHeader+n:]
	}
	return st, nil
}

func (st *replayed) apply(c *change) {
	if c.Reset {
		// A snapshot follows: room for the entries it names, as far
		// as the journal can hold them.
		n := int(min(c.NextID, uint64(st.most)))
		for _, e := range st.entries.all() {
			*e = entry{} // its slab may outlive it: keep nothing alive
		}
		st.entries, st.up, st.upFar, st.links = newEntryTable(n), make([]uint64, 0, n+1), nil, nil
		// Both fill up as the snapshot's records come: back them now.
		platform.Populate(st.entries.dense[:cap(st.entries.dense)])
		platform.Populate(st.up[:cap(st.up)])
		st.inflight, st.retimed = nil, nil
	}
	st.gen, st.nextID = c.Gen, c.NextID
	if c.Base != nil {
		st.baseGen, st.base, st.blank, st.baseSectors, st.baseHead = c.Base.Gen, c.Base.Start, c.Base.Blank, c.Base.Sectors, c.Base.Head
		st.failed = c.Base.Failed
	}
	// A commit's start comes before the entries its record puts again
	// (those whose times were set after its snapshot); its end after
	// those put with it.
	if c.Inflight != nil {
		st.clearRetimed()
		st.inflight = c.Inflight
	}
	for i := range c.Put {
		st.put(&c.Put[i])
	}
	for _, id := range c.Del {
		st.drop(id)
		st.entries.del(id)
		delete(st.links, id)
	}
	if c.ClearInflight && c.Inflight == nil {
		st.clearRetimed()
		st.inflight = nil
	}
}

// clearRetimed unmarks the entries whose times were set while the last
// commit ran: they are no later commit's to keep.
func (st *replayed) clearRetimed() {
	for _, e := range st.retimed {
		if e.io != nil {
			e.io.retimed = false
			e.tidy()
		}
	}
	st.retimed = st.retimed[:0]
}

// put makes the entry p records, replacing any with its ID.
func (st *replayed) put(p *putRecord) {
	r := &p.record
	st.drop(p.ID)
	e := st.slab.Take()
	*e = entry{id: p.ID, name: joinName(r.Name, r.NameB), mode: iofs.FileMode(r.Mode), uid: r.UID, gid: r.GID,
		mtime: Stamp(r.Mtime), atime: Stamp(r.Atime), ctime: Stamp(r.Ctime),
		size: r.Size, ext: r.Extents, data: r.Data, more: moreOf(string(r.Inline), joinName(r.Target, r.TargetB), r.Rdev)}
	if e.mode.IsDir() {
		e.kids = map[string]*entry{}
	}
	st.entries.put(e)
	if n := len(st.entries.dense); p.ID < uint64(n) {
		if len(st.up) < n {
			st.up = append(st.up, make([]uint64, n-len(st.up))...)
		}
		st.up[p.ID] = r.Parent
		delete(st.upFar, p.ID)
	} else {
		if st.upFar == nil {
			st.upFar = map[uint64]uint64{}
		}
		st.upFar[p.ID] = r.Parent
	}
	if len(r.Links) > 0 {
		if st.links == nil {
			st.links = map[uint64][]linkRecord{}
		}
		st.links[p.ID] = r.Links
	} else {
		delete(st.links, p.ID)
	}
	if r.Retimed && st.inflight != nil {
		e.mut().retimed = true
		st.retimed = append(st.retimed, e)
	}
}

// drop clears the entry a later record replaces or deletes: its slot in
// the slab stays as long as the slab, but keeps nothing else alive.
func (st *replayed) drop(id uint64) {
	if e := st.entries.get(id); e != nil {
		*e = entry{}
	}
}

// parentOf returns the parent ID the record of entry id names.
func (st *replayed) parentOf(id uint64) uint64 {
	if p, ok := st.upFar[id]; ok {
		return p
	}
	if id < uint64(len(st.up)) {
		return st.up[id]
	}
	return 0
}

// journal is the append-only file that holds the area's state. Appends
// are plain writes; syncs happen on demand and from a background
// flusher at most flushInterval after a record was written.
type journal struct {
	dir       string
	interval  time.Duration
	compactAt int64 // size below which the journal is never compacted

	mu       sync.Mutex
	f        *os.File
	size     int64  // bytes in the journal
	snapSize int64  // bytes of the last snapshot written
	appended uint64 // records written
	synced   uint64 // records known to be on stable storage
	lock     *os.File
	buf      []byte // framing buffer of append
	// dirDirty: a compaction renamed the journal and the directory
	// is not yet synced; every sync syncs it too until it is.
	dirDirty bool
	// bg is the compaction running in the background, if any
	// (compact.go); retryAt is the size at which one that failed is
	// tried again.
	bg          *bgCompaction
	retryAt     int64
	compactHook func(stage string) // tests: called at each step of bg

	syncs   atomic.Uint64 // syncs of the journal
	flushed atomic.Uint64 // syncs done by the background flusher

	// reserve is a file of zeros that holds space for the journal:
	// when the file system is full, an essential record or a snapshot
	// gives up as much of it as it needs and is written again. It is
	// topped up to reserveWant whenever space comes back.
	reserve     *os.File
	reserveSize int64
	reserveWant int64

	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

// openJournal locks the area, reads and replays its journal, cuts off a
// damaged tail and opens the journal for appending.
func openJournal(dir string) (*journal, *replayed, error) {
	if _, err := os.Stat(filepath.Join(dir, legacyName)); err == nil {
		return nil, nil, fmt.Errorf("staging: open area %q: %w", dir, ErrOldFormat)
	}
	lock, err := lockArea(filepath.Join(dir, lockName))
	if err != nil {
		return nil, nil, fmt.Errorf("staging: lock area %q: %w", dir, err)
	}
	j := &journal{dir: dir, lock: lock, interval: flushInterval, compactAt: minCompact}
	fail := func(err error) (*journal, *replayed, error) {
		unlockArea(lock)
		return nil, nil, err
	}
	// A snapshot that was not renamed in place is incomplete or
	// unneeded: the journal beside it is whole.
	if err := os.Remove(filepath.Join(dir, journalNewName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fail(fmt.Errorf("staging: remove unfinished snapshot in %q: %w", dir, err))
	}
	path := filepath.Join(dir, journalName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fail(fmt.Errorf("staging: open journal %q: %w", path, err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fail(fmt.Errorf("staging: read journal %q: %w", path, err))
	}
	size := fi.Size()
	st, err := replayFrom(f, size, decodeChange)
	if err != nil {
		f.Close()
		return fail(fmt.Errorf("staging: read journal %q: %w", path, err))
	}
	if st.DroppedBytes > 0 {
		valid := size - st.DroppedBytes
		if err := f.Truncate(valid); err != nil {
			f.Close()
			return fail(fmt.Errorf("staging: cut damaged journal %q at %d: %w", path, valid, err))
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return fail(fmt.Errorf("staging: sync journal %q: %w", path, err))
		}
	}
	j.f = f
	j.size = size - st.DroppedBytes
	j.snapSize = j.size
	if r, err := os.OpenFile(filepath.Join(dir, reserveName), os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		j.reserve = r
		if fi, err := r.Stat(); err == nil {
			j.reserveSize = fi.Size()
		}
		j.mu.Lock()
		j.topUp()
		j.mu.Unlock()
	}
	j.kick = make(chan struct{}, 1)
	j.stop = make(chan struct{})
	j.done = make(chan struct{})
	go j.flusher()
	return j, st, nil
}

// append writes one record with a single write. It does not sync.
func (j *journal) append(c *change) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return ErrAreaClosed
	}
	// The record is framed in a buffer kept for the next one; one that
	// grew large for a big record (a commit's) is not kept.
	b, err := appendFrame(j.buf[:0], c)
	if cap(b) <= maxKeptBuf {
		j.buf = b
	} else {
		j.buf = nil
	}
	if err != nil {
		return err
	}
	j.topUp()
	for {
		_, err := j.f.Write(b)
		if err == nil {
			break
		}
		// Cut a partly written record so later ones stay reachable.
		if terr := j.f.Truncate(j.size); terr != nil {
			return fmt.Errorf("%w (and cut back: %v)", err, terr)
		}
		if !isNoSpace(err) || !c.essential() || !j.release(int64(len(b))) {
			return err
		}
	}
	j.size += int64(len(b))
	j.appended++
	if j.bg != nil {
		// A compaction runs: the new journal gets this record too.
		j.bg.tail = append(j.bg.tail, b...)
		j.bg.tailRecs++
	}
	select {
	case j.kick <- struct{}{}:
	default:
	}
	return nil
}

// sync makes every record appended so far durable.
func (j *journal) sync() error {
	for {
		j.mu.Lock()
		f, target, dir := j.f, j.appended, j.dirDirty
		if f == nil || target == j.synced && !dir {
			j.mu.Unlock()
			return nil
		}
		j.mu.Unlock()
		// The sync runs without the lock so appends go on meanwhile.
		err := f.Sync()
		if err == nil && dir {
			// A compaction's rename, not yet durable (compact.go).
			err = syncDir(j.dir)
		}
		j.mu.Lock()
		if j.f != f {
			// A compaction replaced the file meanwhile: the records
			// are in the new one, maybe not yet synced there.
			j.mu.Unlock()
			continue
		}
		if err != nil {
			j.mu.Unlock()
			return fmt.Errorf("staging: sync journal in %q: %w", j.dir, err)
		}
		if target > j.synced {
			j.synced = target
		}
		if dir {
			j.dirDirty = false
		}
		j.mu.Unlock()
		j.syncs.Add(1)
		return nil
	}
}

// flusher syncs the journal at most interval after a record that is
// not yet synced was written.
func (j *journal) flusher() {
	defer close(j.done)
	for {
		select {
		case <-j.stop:
			return
		case <-j.kick:
		}
		t := time.NewTimer(j.interval)
		select {
		case <-j.stop:
			t.Stop()
			return
		case <-t.C:
		}
		j.mu.Lock()
		dirty := j.appended != j.synced
		j.mu.Unlock()
		if dirty && j.sync() == nil {
			j.flushed.Add(1)
		}
	}
}

// needsCompaction reports whether the journal has grown past four
// times the last snapshot (and past compactAt), and no compaction runs
// (or failed too recently).
func (j *journal) needsCompaction() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.bg == nil && j.size > j.compactAt && j.size > 4*j.snapSize && j.size >= j.retryAt
}

// compact writes the records of a snapshot to state.journal.new, syncs
// it, renames it over state.journal and syncs the directory. A crash at
// any point leaves one of the two journals whole. A compaction running
// in the background is called off first. Nothing may be appended
// meanwhile: the caller holds the area's lock, or (a new area's first
// snapshot, recordViewLater) every change waits for it (Area.settle). The records are framed
// and written as snap yields them, a piece at a time: a snapshot of a
// disc of a million files is over 100 MiB, which is never held whole.
func (j *journal) compact(snap iter.Seq[*change]) error {
	j.stopCompaction()
	tmp := filepath.Join(j.dir, journalNewName)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("staging: write snapshot %q: %w", tmp, err)
	}
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("staging: write snapshot %q: %w", tmp, err)
	}
	// On a full file system the snapshot takes space from the reserve.
	size, err := j.writeSnapshot(f, snap)
	if err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fail(ErrAreaClosed)
	}
	f.Close()
	nf, err := j.switchIn(tmp)
	if err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	if err := syncDir(j.dir); err != nil {
		// The new journal is in place; only its name may not be
		// durable: the next sync tries again.
		j.swap(nf, size)
		j.dirDirty = true
		return fmt.Errorf("staging: sync area directory %q: %w", j.dir, err)
	}
	j.swap(nf, size)
	j.syncs.Add(1)
	return nil
}

// snapshotPiece is how many bytes of framed records a snapshot gathers
// before it writes them.
const snapshotPiece = 1 << 20

// writeSnapshot frames the records snap yields and writes them to the
// new journal f, empty before, in pieces of about snapshotPiece bytes
// (writeNew: on a full file system a piece takes space from the
// reserve). It returns the bytes written. j.mu is not held.
func (j *journal) writeSnapshot(f *os.File, snap iter.Seq[*change]) (int64, error) {
	var size int64
	var buf []byte
	var err error
	for c := range snap {
		if buf, err = appendFrame(buf, c); err != nil {
			return size, fmt.Errorf("encode snapshot: %w", err)
		}
		if len(buf) >= snapshotPiece {
			if err := j.writeNew(f, size, buf, false); err != nil {
				return size, err
			}
			size += int64(len(buf))
			buf = buf[:0]
		}
	}
	if err := j.writeNew(f, size, buf, false); err != nil {
		return size, err
	}
	return size + int64(len(buf)), nil
}

// switchIn renames the new journal tmp, written, synced and closed,
// over the journal and returns it opened for appending. Both journals
// are closed before the rename, and the new one opened again after it:
// Windows renames no file that is open, nor over one (a sharing
// violation). It runs with j.mu held, so nothing is appended meanwhile.
// When the rename fails, tmp is removed and the old journal opened again
// (j.f is nil when it cannot be); when the reopening fails, j.f is nil.
func (j *journal) switchIn(tmp string) (*os.File, error) {
	path := filepath.Join(j.dir, journalName)
	reopen := func() (*os.File, error) { return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600) }
	j.f.Close()
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		if j.f, _ = reopen(); j.f == nil {
			return nil, fmt.Errorf("write snapshot %q: %w (and the journal cannot be opened again)", tmp, err)
		}
		return nil, fmt.Errorf("write snapshot %q: %w", tmp, err)
	}
	nf, err := reopen()
	if err != nil {
		j.f = nil
		return nil, fmt.Errorf("open the new journal %q: %w", path, err)
	}
	return nf, nil
}

// swap makes f, just synced, the journal. It runs with j.mu held.
func (j *journal) swap(f *os.File, size int64) {
	j.f = f
	j.size, j.snapSize = size, size
	j.synced = j.appended
	j.dirDirty = false
	j.retryAt = 0
	j.topUp()
}

// wantReserve is the reserve the journal keeps: room for two snapshots
// of the state and more, at least minReserve.
func (j *journal) wantReserve() int64 {
	return max(minReserve, 2*j.snapSize+reserveStep*4)
}

// release gives up at least n bytes of the reserve (rounded up to
// reserveStep) so a write that found the file system full can be tried
// again. It reports false when the reserve is empty. It runs with j.mu
// held.
func (j *journal) release(n int64) bool {
	if j.reserve == nil || j.reserveSize == 0 {
		return false
	}
	n = (n + reserveStep) / reserveStep * reserveStep
	size := max(0, j.reserveSize-n)
	if err := j.reserve.Truncate(size); err != nil {
		return false
	}
	if j.reserveSize >= j.wantReserve() {
		// Said once each time the reserve starts to be used.
		log.Printf("staging: the file system of area %q is full: the journal uses its reserve (%d bytes)", j.dir, j.reserveSize)
	}
	j.reserveSize = size
	return true
}

// topUp grows the reserve back to what it should hold, as far as the
// file system has room; it runs with j.mu held. The reserve is
// allocated (fallocate, or written with zeros), not made sparse, so the
// space is really taken; no sync is needed for that.
func (j *journal) topUp() {
	want := j.wantReserve()
	if j.reserve == nil || j.reserveSize >= want {
		return
	}
	for j.reserveSize < want {
		n := min(reserveStep, want-j.reserveSize)
		if err := preallocate(j.reserve, j.reserveSize, n); err != nil {
			// A full file system: keep what fits, drop a partial step.
			j.reserve.Truncate(j.reserveSize)
			return
		}
		j.reserveSize += n
	}
}

// freeSpace reports the bytes free to the area's file system, or -1
// when it cannot tell.
func (j *journal) freeSpace() int64 { return freeSpace(j.dir) }

// close stops the flusher, syncs and closes the journal and unlocks
// the area.
func (j *journal) close() error {
	close(j.stop)
	<-j.done
	j.stopCompaction()
	err := j.sync()
	j.mu.Lock()
	if j.reserve != nil {
		j.reserve.Close()
		j.reserve = nil
	}
	if j.f != nil {
		if cerr := j.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("staging: close journal in %q: %w", j.dir, cerr)
		}
		j.f = nil
	}
	j.mu.Unlock()
	unlockArea(j.lock)
	return err
}
