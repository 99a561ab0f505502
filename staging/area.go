package staging

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	iofs "io/fs"
	"iter"
	"log"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/discstage/discstage/internal/errtext"
	"github.com/discstage/discstage/internal/slab"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/writer"
	"github.com/dustin/go-humanize"
)

// RootID is the ID of the root directory.
const RootID uint64 = 1

// MaxName is the longest name, in bytes, an entry can have.
const MaxName = tree.MaxName

// MaxTarget is the length, in bytes, from which a symbolic link's target
// is refused (ErrNameTooLong): libisofs refuses to load a disc that holds
// such a link, so xorriso could neither read nor append to it.
const MaxTarget = 1024

// Area is a staging area: the merged view of a medium's newest session
// and the changes staged on top of it. All methods are safe for
// concurrent use.
type Area struct {
	dir    string
	medium Medium
	j      *journal

	recovery Recovery        // what Open cut off the journal
	resumed  string          // what Open did with a stopped commit (Resumed)
	inflight *inflightRecord // the running commit's stored snapshot

	mu      sync.Mutex
	entries entryTable
	// ended are the staged files a program still writes through a mount
	// of the area that ended (platform.StillWriting), found at Open: a
	// commit waits for them as for files open for writing.
	ended   map[*entry]bool
	root    *entry
	nextID  uint64
	gen     uint64 // bumped by every recorded change
	baseGen uint64 // gen of the state the newest session holds
	base    uint32 // start LBA of the newest session
	// baseSectors is its size as the medium lists it; 0 if unknown.
	baseSectors uint32
	// baseHead tells the base session's head (headOf) from another
	// disc's; "" if unknown.
	baseHead string
	// failed is the session a commit wrote on the base and that failed
	// verification, while it is the medium's newest (rebase.go).
	failed *failedRecord
	blank  bool // the medium held no session when the base was read
	closed bool
	// mediumClosed: the medium takes no more sessions, so the view is
	// read-only.
	mediumClosed bool
	// probed gives whether Open's probe found the medium closed, and
	// recorded how a new area's first snapshot, written in the
	// background, ended (recordViewLater); each is nil once settle has
	// taken its answer over. recordErr is a first snapshot that failed,
	// for the next settle to try again.
	probed    <-chan bool
	recorded  <-chan error
	recordErr error
	open      map[*entry]bool // entries with open handles
	pool      *dataPool       // data files made ahead (datapool.go)
	commit    *commitState    // the running commit
	last      *commitState    // the last commit started
	status    Status
	// conflictsShown: the last commit's status carried the rebase's
	// conflicts; the next commit clears them.
	conflictsShown bool
	projKey        projection // what the kept projection was made for
	projSize       uint32
	projErr        error
	// projWarn sums up the warnings the projected session would be
	// written with, once, keeping the first keptWarnings in full (a
	// disc of a million long names warns of each); nil when none.
	// projOpts is the layout the status lays it out with
	// (SetCommitOptions).
	projWarn *master.WarningSummary
	projOpts layout
	// quickProject is how many entries the area may hold for Space to
	// lay the next session out itself; projecting: a projection for
	// Space runs in the background. Close waits for what runs in the
	// background (background): that projection, and Open's probe of
	// the medium and first snapshot.
	quickProject int
	// classify numbers a failed commit's error for its Outcome
	// (SetClassifier); nil numbers none.
	classify     func(error) int
	projecting   bool
	background   sync.WaitGroup
	closing      bool         // Close has begun
	pendingCache pendingCache // pending.go

	// wake is closed (and cleared) when a handle that may write is
	// released, for a commit waiting for them.
	wake chan struct{}
	// outcomeSet is closed (and cleared) when an outcome is recorded or
	// changes, for callers of AwaitOutcome (await.go).
	outcomeSet chan struct{}

	// I/O outside the lock (unlocked.go). ioDone (on mu) is broadcast
	// when a copy-up or a write running without the lock ends, or a
	// commit's start is done.
	ioDone *sync.Cond
	// writing counts writes to data files running without the lock;
	// quiesce the snapshots waiting for them to end (new writes wait).
	writing int
	quiesce int
	// starting: a StartCommit runs and has let go of the lock to probe
	// the medium or project the session; another commit, a discard or
	// Close waits or is refused.
	starting bool
	// snapped: a commit took its snapshot (its tree, its files frozen)
	// and has not ended; times set meanwhile are the next session's
	// (entryIO.retimed), retimed listing the entries they were set on.
	snapped bool
	retimed []*entry
	// copies counts the data files copy-ups read or fill without the
	// lock, so collect leaves them alone.
	copies map[string]int
	// info caches the medium's facts (unlocked.go).
	info mediumCache
	// prog is the running commit's progress, kept apart from mu so
	// that the mastering goroutine never waits for the tree's lock.
	prog progressState
	// version is bumped by every change of the tree or of a staged
	// file's bytes the area sees; sizes caches the staged files' sizes
	// as of a version. wpins counts handles writing data files
	// directly, whose writes the area does not see, and the files still
	// written through a mount that ended (ended).
	version uint64
	sizes   sizeCache
	wpins   int
}

// entry is one file, directory, symbolic link or special file of the
// merged view. A disc of a million files is a million entries, so an
// entry is kept to 144 bytes: times as stamps, and what only some
// entries have (further names, a link's target, a device number,
// embedded bytes: more) or have only while they are used (handles, the
// open data file, a commit's freeze: io) in structs of their own, made
// when needed.
type entry struct {
	id     uint64
	parent *entry // nil for the root and for removed entries
	name   string
	mode   iofs.FileMode
	uid    uint32
	gid    uint32
	// subdirs counts the directories among kids (for Nlink); setKid
	// and dropKid keep it.
	subdirs int32
	mtime   Stamp
	atime   Stamp
	ctime   Stamp
	size    int64 // disc files; staged files take size from the data file
	ext     []tree.Extent
	data    string // staged data file name in data/; "" for data on the medium
	kids    map[string]*entry
	// more holds what few entries have (see entryMore); nil for none.
	more *entryMore

	// io is what handles and commits do with the entry's data file;
	// nil for an entry none ever touched, so that the million entries
	// of a disc nobody opens do not carry it (see st and mut).
	io *entryIO
}

// entryMore is what only some entries have: further names, a link's
// target, a device number, bytes embedded in a UDF file entry. An entry
// with none of it keeps no entryMore (moreOf).
type entryMore struct {
	links []linkName // further names of a hard-linked file (links.go)
	// inline holds the bytes of a disc file whose data lies in no
	// extent (UDF data embedded in its file entry, a tree.Bytes Source
	// as read): reads are served from it and the next session writes
	// it as new data (inline.go).
	inline string
	target string
	rdev   uint64 // device nodes: the device number (Linux dev_t)
}

// moreOf returns an entryMore holding these, or nil when all are zero.
func moreOf(inline, target string, rdev uint64) *entryMore {
	if inline == "" && target == "" && rdev == 0 {
		return nil
	}
	return &entryMore{inline: inline, target: target, rdev: rdev}
}

// x returns what e has beyond the common fields, to read.
func (e *entry) x() entryMore {
	if e.more == nil {
		return entryMore{}
	}
	return *e.more
}

// setLinks, setInline, setTarget and setRdev change what e has beyond
// the common fields: an entryMore is made for a value that is not zero
// and let go when all of it is zero again.
func (e *entry) setLinks(l []linkName) {
	if len(l) > 0 || e.more != nil {
		e.moreMut().links = l
		e.tidyMore()
	}
}

func (e *entry) setInline(s string) {
	if s != "" || e.more != nil {
		e.moreMut().inline = s
		e.tidyMore()
	}
}

func (e *entry) setTarget(s string) {
	if s != "" || e.more != nil {
		e.moreMut().target = s
		e.tidyMore()
	}
}

func (e *entry) setRdev(r uint64) {
	if r != 0 || e.more != nil {
		e.moreMut().rdev = r
		e.tidyMore()
	}
}

func (e *entry) moreMut() *entryMore {
	if e.more == nil {
		e.more = &entryMore{}
	}
	return e.more
}

func (e *entry) tidyMore() {
	if m := e.more; m != nil && len(m.links) == 0 && m.inline == "" && m.target == "" && m.rdev == 0 {
		e.more = nil
	}
}

// entryIO is the state of an entry's data that handles and commits
// keep. An entry without one has all of it zero.
type entryIO struct {
	pins    int32    // handles using the data file directly (passthrough)
	wpins   int32    // of those, handles that may write: their writes bypass the area
	opens   int32    // open handles
	writers int32    // open handles that may write
	file    *os.File // open data file while handles exist
	writes  uint64   // counts writes (begun and landed), truncations and writer pins (taken and released), to tell a file unchanged since a snapshot or a size read
	// cache names the data file of a file a commit switched to the
	// medium while handles used it directly (passthrough): it holds the
	// same bytes as the medium and stays, unstaged, until they close.
	cache   string
	frozen  bool // data file is being committed; copy before writing
	removed bool // unlinked while open
	// retimed: its times were set while a commit ran; the commit's end
	// keeps them rather than the session's.
	retimed bool
	// copying: a copy-up of this entry runs without the lock; writes,
	// truncations and a second copy-up wait for it.
	copying bool
}

// st returns e's data state to read.
func (e *entry) st() entryIO {
	if e.io == nil {
		return entryIO{}
	}
	return *e.io
}

// mut returns e's data state to change, made when e has none.
func (e *entry) mut() *entryIO {
	if e.io == nil {
		e.io = &entryIO{}
	}
	return e.io
}

// tidy lets go of e's data state when all of it is zero again.
func (e *entry) tidy() {
	if e.io != nil && *e.io == (entryIO{}) {
		e.io = nil
	}
}

// setKid puts e under name in directory d.
func (d *entry) setKid(name string, e *entry) {
	d.dropKid(name)
	d.kids[name] = e
	if e.kids != nil {
		d.subdirs++
	}
}

// dropKid removes name from directory d.
func (d *entry) dropKid(name string) {
	if old := d.kids[name]; old != nil {
		if old.kids != nil {
			d.subdirs--
		}
		delete(d.kids, name)
	}
}

// record is the persistent form of an entry.
type record struct {
	Parent  uint64        `json:"p"`
	Name    string        `json:"n"`
	NameB   []byte        `json:"nb,omitempty"` // Name, when it is not UTF-8 (bytename.go)
	Mode    uint32        `json:"m"`
	UID     uint32        `json:"u"`
	GID     uint32        `json:"g"`
	Mtime   int64         `json:"mt"`
	Atime   int64         `json:"at"`
	Ctime   int64         `json:"ct"`
	Size    int64         `json:"s,omitempty"`
	Extents []tree.Extent `json:"e,omitempty"`
	Inline  []byte        `json:"i,omitempty"`
	Data    string        `json:"d,omitempty"`
	Target  string        `json:"t,omitempty"`
	TargetB []byte        `json:"tb,omitempty"` // Target, when it is not UTF-8
	Rdev    uint64        `json:"rd,omitempty"`
	// Links are the further names of a hard-linked file.
	Links []linkRecord `json:"l,omitempty"`
	// Retimed: the times were set while a commit ran, which keeps them
	// when it ends, also when a restart finishes it (entryIO.retimed).
	Retimed bool `json:"rt,omitempty"`
}

// Open opens (or creates) the staging area in dir over medium. A new
// area starts from the medium's newest session; an existing one comes
// back with every change it had staged. A journal with a torn or
// damaged tail is cut at the first bad record (see Recovery); an area
// in the old bbolt format is refused with ErrOldFormat, one another
// process holds with ErrLocked.
func Open(dir string, medium Medium) (*Area, error) {
	// Another user who could write the folder could point the journal
	// at the user's files, or swap staged data under a commit.
	if _, err := platform.PrivateDir(dir); err != nil {
		return nil, fmt.Errorf("staging: area %q: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, fmt.Errorf("staging: create area %q: %w", dir, err)
	}
	j, st, err := openJournal(dir)
	if err != nil {
		return nil, err
	}
	if st.DroppedBytes > 0 {
		log.Printf("staging: journal of area %q was damaged after record %d: cut off %d record(s), %d byte(s)",
			dir, st.Records, st.Dropped, st.DroppedBytes)
	}
	a := &Area{dir: dir, medium: medium, j: j, open: map[*entry]bool{}, recovery: st.Recovery,
		copies: map[string]int{}, quickProject: quickProjection, pool: newDataPool(filepath.Join(dir, "data"))}
	a.ioDone = sync.NewCond(&a.mu)
	if err := a.load(st); err != nil {
		a.background.Wait() // a first snapshot begun before the failure
		j.close()
		return nil, err
	}
	a.mu.Lock()
	a.ended = a.marked(func(yield func(*entry) bool) {
		for _, e := range a.entries.all() {
			if !yield(e) {
				return
			}
		}
	})
	for e := range a.ended {
		log.Printf("staging: %s is still written through a mount of area %q that ended", a.dataPath(e.data), a.dir)
	}
	a.wpins += len(a.ended)
	a.mu.Unlock()
	// Whether the medium still takes sessions is asked in the
	// background: on a grown image the answer reads every session's
	// tree (a third of a second for a million files), which nothing
	// before the first change needs. The first change waits for it
	// (settle).
	probed := make(chan bool, 1)
	a.probed = probed
	a.background.Add(1)
	go func() {
		defer a.background.Done()
		info, err := a.mediumInfo()
		probed <- err == nil && info.Closed
	}()
	a.status.State = StateIdle
	return a, nil
}

// Recovery tells what Open cut off a torn or damaged journal; it is
// zero when the journal was whole.
func (a *Area) Recovery() Recovery { return a.recovery }

// Resumed tells, in a sentence for the user, what Open did with a commit
// the area's last process stopped in: done (its session was written and
// verifies), failed (written, it does not verify) or not written; ""
// when there was none.
func (a *Area) Resumed() string { return a.resumed }

// Sync makes every change of the tree recorded so far durable. The
// mount calls it when a staged file or directory is fsynced.
func (a *Area) Sync() error { return a.j.sync() }

// Dir returns the area's directory.
func (a *Area) Dir() string { return a.dir }

// Medium returns the medium the area stages for.
func (a *Area) Medium() Medium { return a.medium }

// Close closes the area. Staged changes stay on disk for the next Open.
func (a *Area) Close() error {
	a.mu.Lock()
	a.closing = true // no projection for Space starts from here on
	a.mu.Unlock()
	a.background.Wait()
	// Without the lock: the pool may be making a file. A create from
	// here on makes its own.
	a.pool.close()
	a.mu.Lock()
	for a.starting {
		// A commit is starting: let it finish probing and projecting.
		a.ioDone.Wait()
	}
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	c := a.commit
	if c != nil && c.stop != nil && !c.stopped {
		// A commit waiting for open files gives up.
		c.stopped = true
		close(c.stop)
	}
	a.mu.Unlock()
	if c != nil {
		<-c.done
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	for a.writing > 0 {
		// Writes already under way end before their files close.
		a.ioDone.Wait()
	}
	a.ioDone.Broadcast() // waiters see closed
	for _, e := range a.entries.all() {
		if e.st().file != nil {
			e.st().file.Close()
			e.mut().file = nil
		}
	}
	return a.j.close()
}

func (a *Area) dataPath(name string) string { return filepath.Join(a.dir, "data", name) }

// newData makes the empty data file of a new staged file, open for
// reading and writing, its times t (a staged file's times are its data
// file's: attr, the commit's tree); the pool has it made ahead.
func (a *Area) newData(t time.Time) (string, *os.File, error) {
	name, f, ok := a.pool.take()
	if !ok {
		name = newDataName()
		var err error
		if f, err = openData(a.dataPath(name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
			return "", nil, err
		}
	}
	if err := setDataTimes(f, t, t); err != nil {
		f.Close()
		os.Remove(a.dataPath(name))
		return "", nil, err
	}
	return name, f, nil
}

// validDataName reports whether name is one newDataName makes, so a
// damaged journal cannot point outside data/.
func validDataName(name string) bool {
	if len(name) != 24 {
		return false
	}
	_, err := hex.DecodeString(name)
	return err == nil
}

func newDataName() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// load takes over the replayed state, finishes or forgets a commit
// that was cut short, and rebuilds from the medium when nothing is
// staged.
func (a *Area) load(st *replayed) error {
	if st.Records == 0 {
		root, start, err := a.medium.Newest()
		if err != nil {
			return fmt.Errorf("staging: read newest session: %w", err)
		}
		a.resetView(root, start, a.headOf(start))
		a.recordViewLater()
		return a.collect()
	}
	inflight := st.inflight
	if err := a.readState(st); err != nil {
		return err
	}
	a.inflight = inflight
	// Not shared yet: the heads are read with the lock free.
	if h := a.readHeads(); a.baseListedNewest(h) {
		// Nothing needs the newest session's tree: it is the base.
		a.learnHead(h)
		if inflight != nil {
			if err := a.clearInflight(); err != nil {
				return err
			}
			a.unfreeze()
			a.resumed = notWritten
		}
		return a.collect()
	}
	root, start, err := a.medium.Newest()
	if err != nil {
		return fmt.Errorf("staging: read newest session: %w", err)
	}
	h := a.readHeads(start)
	baseMatches := a.baseStands(root, start, h)
	if !baseMatches {
		info, err := a.mediumInfo()
		a.readDisc(&h, info, err)
	}
	if a.baseIsNewest(root, start, h) {
		a.learnHead(h)
	}
	here := inflight != nil && root != nil && start == inflight.Start && !baseMatches && a.committedHere(inflight, root)
	var sectors uint32
	var checked error
	if here {
		// The commit was written before the process stopped, perhaps
		// before it was verified: it is done once it verifies.
		sectors = a.listedSize(start)
		checked = a.checkWritten(start, sectors)
		// Every session a commit writes holds checksums: one without
		// is another program's, written where the commit was to start.
		here = !errors.Is(checked, master.ErrUnverifiable)
	}
	switch {
	case here && checked == nil:
		a.resumed = fmt.Sprintf("the commit the last mount stopped in had written its session at LBA %d; it verifies, and the commit is done", start)
		log.Printf("staging: area %q: %s", a.dir, a.resumed)
		if err := a.finish(inflight, root, start, sectors, h.at[start]); err != nil {
			return err
		}
	case here && (errors.Is(checked, writer.ErrVerify) || errors.Is(checked, master.ErrMismatch)):
		if err := a.writtenBad(start, sectors, checked); err != nil {
			return err
		}
	case here:
		// Not a session found bad: the medium could not be read. The
		// commit stays as it is for the next open.
		return fmt.Errorf("staging: area %q: verify the session a stopped commit wrote at LBA %d: %w", a.dir, start, checked)
	case inflight != nil:
		if err := a.clearInflight(); err != nil {
			return err
		}
		a.resumed = notWritten
		// Times set while it ran are staged like any others.
		a.unfreeze()
		if !baseMatches {
			if err := a.moveBase(root, start, h); err != nil {
				return err
			}
		}
	case !baseMatches:
		if err := a.moveBase(root, start, h); err != nil {
			return err
		}
	}
	return a.collect()
}

// notWritten is what Resumed says of a commit whose process stopped
// before the medium listed a session of its own as the newest.
const notWritten = "the commit the last mount stopped in left no session of its own as the newest; its changes stay staged"

// checkWritten checks the session at start, which a commit of this
// area wrote before its process stopped, against its checksums
// (WrittenChecker).
func (a *Area) checkWritten(start, sectors uint32) error {
	c, ok := a.medium.(WrittenChecker)
	if !ok {
		return fmt.Errorf("the medium cannot check the session at LBA %d against its checksums: %w", start, writer.ErrVerify)
	}
	log.Printf("staging: area %q: verifying the session a stopped commit wrote at LBA %d (%s)",
		a.dir, start, humanize.IBytes(uint64(sectors)*tree.SectorSize))
	return c.CheckWritten(start, sectors)
}

// writtenBad ends a commit whose process stopped after it wrote its
// session at start, which then failed verification (err): as a commit
// whose verification fails ends, the changes stay staged on the base,
// the session is recorded as failed (noteFailed), and the status tells.
func (a *Area) writtenBad(start, sectors uint32, err error) error {
	a.unfreeze()
	if nerr := a.noteFailed(AppendResult{Start: start, Sectors: sectors, Written: true}); nerr != nil {
		return nerr
	}
	err = fmt.Errorf("staging: commit: the session a stopped commit wrote at LBA %d did not verify, and its changes stay staged: %w", start, err)
	a.status.LastError = errtext.Text(err)
	a.resumed = a.status.LastError
	log.Print(err)
	return nil
}

// committedHere reports whether root, the newest session, found where
// the commit inf was to start when the area opens after the process
// stopped during it, is that commit's session: its volume descriptor
// holds the commit's time, and every file it wrote is in it, a regular
// file of the size its data file still has (unless written since).
// Another program may have written its own session there after the burn
// stopped short.
func (a *Area) committedHere(inf *inflightRecord, root *tree.Node) bool {
	if inf.Time != 0 {
		// The session's volume descriptor holds the time the commit
		// gave it, to the hundredth of a second.
		var v iso9660.VolumeDescriptor
		if _, err := a.medium.ReadAt(v[:], (int64(inf.Start)+16)*tree.SectorSize); err == nil &&
			v.IsISO() && v.Type() == iso9660.TypePrimary && !v.Created().Equal(time.Unix(0, inf.Time)) {
			return false
		}
	}
	find := tree.NewFinder(root)
	for _, f := range inf.Files {
		n := find.Find(joinName(f.Path, f.PathB))
		if n == nil || !n.IsRegular() {
			return false
		}
		if e := a.entries.get(f.ID); e != nil && f.Data != "" && e.data == f.Data && a.attr(e).Size != n.Size {
			return false
		}
	}
	return true
}

// learnHead records the head of the base, the medium's newest session,
// for an area whose journal is older than heads (rebase.go's headOf);
// the next snapshot of the state keeps it.
func (a *Area) learnHead(h headsRead) {
	if a.baseHead == "" && !a.blank {
		a.baseHead = h.at[a.base]
	}
}

// moveBase follows the medium to its newest session root at start,
// which is not the base: staged changes are rebased onto it (rebase.go);
// with none, the view simply becomes the new session.
func (a *Area) moveBase(root *tree.Node, start uint32, h headsRead) error {
	if !a.pending() {
		return a.reset(root, start, h.at[start])
	}
	return a.rebaseOnto(root, start, h)
}

// readState takes the meta values and every entry of a replayed
// journal and checks that they form one tree under the root.
func (a *Area) readState(st *replayed) error {
	a.gen, a.baseGen, a.base, a.blank, a.nextID = st.gen, st.baseGen, st.base, st.blank, st.nextID
	a.baseSectors, a.baseHead, a.failed = st.baseSectors, st.baseHead, st.failed
	a.entries = st.entries
	// IDs the slice did not reach as the records came (a journal
	// replayed in any order) move into it when they are few.
	var maxFar uint64
	for id := range a.entries.sparse {
		maxFar = max(maxFar, id)
	}
	a.entries.reserve(maxFar, a.entries.len())
	for id, e := range a.entries.all() {
		if id == 0 || id == ^uint64(0) {
			return fmt.Errorf("staging: area %q: journal holds an entry with ID %d", a.dir, id)
		}
		if e.data != "" && !validDataName(e.data) {
			return fmt.Errorf("staging: area %q: entry %d names data file %q, not one the area makes", a.dir, id, e.data)
		}
		if id >= a.nextID {
			a.nextID = id + 1
		}
	}
	// Each directory's map is made for the entries it will hold, not
	// grown (and rehashed) as they come: a flat directory of 100,000
	// files would be rehashed over and over.
	kids := make([]int32, len(a.entries.dense))
	for id := range a.entries.all() {
		if up := st.parentOf(id); id != RootID && up < uint64(len(kids)) {
			kids[up]++
		}
	}
	for id, n := range kids {
		if e := a.entries.dense[id]; n > 0 && e != nil && e.kids != nil && len(e.kids) == 0 {
			e.kids = make(map[string]*entry, n)
		}
	}
	for id, e := range a.entries.all() {
		if id == RootID {
			continue
		}
		up := st.parentOf(id)
		p := a.entries.get(up)
		if p == nil || p.kids == nil {
			return fmt.Errorf("staging: area %q: entry %d (%q) has no parent directory %d", a.dir, id, e.name, up)
		}
		if name := e.name; name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || p.kids[name] != nil {
			return fmt.Errorf("staging: area %q: entry %d has a bad or duplicate name %q in directory %d", a.dir, id, e.name, up)
		}
		e.parent = p
		p.setKid(e.name, e)
	}
	for _, id := range slices.Sorted(maps.Keys(st.links)) {
		e := a.entries.get(id)
		for _, lr := range st.links[id] {
			l := linkName{a.entries.get(lr.Parent), joinName(lr.Name, lr.NameB)}
			p := l.parent
			if e.kids != nil || id == RootID || p == nil || p.kids == nil {
				return fmt.Errorf("staging: area %q: entry %d has a further name %q in %d, which is not a directory, or is one itself", a.dir, id, l.name, lr.Parent)
			}
			if checkName(l.name) != nil || p.kids[l.name] != nil {
				return fmt.Errorf("staging: area %q: entry %d has a bad or duplicate name %q in directory %d", a.dir, id, l.name, lr.Parent)
			}
			e.setLinks(append(e.x().links, l))
			p.setKid(l.name, e)
		}
	}
	a.root = a.entries.get(RootID)
	if a.root == nil || !a.root.mode.IsDir() {
		return fmt.Errorf("staging: area %q has no root directory", a.dir)
	}
	// Every entry must hang under the root: a cycle of directories
	// would not.
	seen := 0
	var count func(e *entry)
	count = func(e *entry) {
		seen++
		for name, k := range e.kids {
			if k.parent == e && k.name == name {
				count(k) // each entry once, by its first name
			}
		}
	}
	count(a.root)
	if seen != a.entries.len() {
		return fmt.Errorf("staging: area %q: %d of %d entries are not under the root directory", a.dir, a.entries.len()-seen, a.entries.len())
	}
	return nil
}

// reset replaces the whole state with the medium's newest session and
// records it.
func (a *Area) reset(root *tree.Node, start uint32, head string) error {
	a.resetView(root, start, head)
	if err := a.compact(); err != nil {
		return fmt.Errorf("staging: record newest session in area %q: %w", a.dir, err)
	}
	return nil
}

// firstSnapshotHook, when set (tests), is called before the first
// snapshot of a new area is written.
var firstSnapshotHook func()

// recordViewLater writes the view a new area starts from, the medium's
// newest session, as the journal's first snapshot, in the background:
// for a disc of a million files 126 MB written and synced, which nothing
// needs before the first change. Until it is in, the journal holds no
// record, and a process stopped meanwhile leaves an area that starts
// from the medium again. Nothing changes the view meanwhile: the first
// change waits for the snapshot (settle), and the snapshot only reads
// the entries, as every request that does not change them does.
func (a *Area) recordViewLater() {
	a.version++
	done := make(chan error, 1)
	a.recorded = done
	snap := a.snapshotStream(false)
	a.background.Add(1)
	go func() {
		defer a.background.Done()
		if firstSnapshotHook != nil {
			firstSnapshotHook()
		}
		done <- a.j.compact(snap)
	}()
}

// settle waits for what Open left running in the background, the first
// snapshot of a new area and the probe of the medium, and takes their
// outcomes over; a first snapshot that failed is tried again here. It
// runs with a.mu held, before anything changes: neither needs the lock,
// and what the caller looked up stays as it was.
func (a *Area) settle() error {
	if a.recorded != nil {
		a.recordErr, a.recorded = <-a.recorded, nil
	}
	if a.recordErr != nil {
		if a.recordErr = a.compact(); a.recordErr != nil {
			return fmt.Errorf("staging: record newest session in area %q: %w", a.dir, a.recordErr)
		}
	}
	if a.probed != nil {
		closed := <-a.probed
		a.mediumClosed, a.probed = a.mediumClosed || closed, nil
	}
	return nil
}

// collectEvery is how many entries resetView makes between two
// collections of the heap it forces.
var collectEvery = 1 << 18

// resetView replaces the whole view with the medium's newest session.
// It takes root over: each directory's children are let go once their
// entries are made, so that the session's tree and the entries made
// from it are never both whole in memory (on a disc of a million files,
// about 250 MB each). The collector alone would not see it: it paces
// itself by the heap its last cycle found live, the whole tree, and
// would let the heap grow by as much again before it looked; so a
// collection is forced every collectEvery entries, and the heap stays
// near the larger of the two (the first mount of such a disc peaks at
// 360-370 MB resident where it reached 490). The entries come from
// slabs of slab.Most, not one of the tree's size: a slab for them all
// would be taken before any of the tree is let go.
func (a *Area) resetView(root *tree.Node, start uint32, head string) {
	now := time.Now()
	count := countNodes(root)
	a.entries = newEntryTable(count)
	a.nextID = RootID
	linked := map[uint64]*entry{} // hard-linked files by tree.Node.Link
	var entries slab.Slab[entry]
	var add func(n *tree.Node, parent *entry) *entry
	add = func(n *tree.Node, parent *entry) *entry {
		if e := linked[n.Link]; e != nil && !n.IsDir() {
			e.setLinks(append(e.x().links, linkName{parent, n.Name}))
			return e
		}
		if _, spare := entries.Last(); spare == 0 {
			// Slabs of the usual size, the last no larger than the
			// nodes left need.
			entries.Reserve(min(count-int(a.nextID-RootID), slab.Most))
		}
		e := entries.Take()
		*e = entry{id: a.nextID, parent: parent, name: n.Name, mode: n.Mode, uid: n.UID, gid: n.GID,
			size: n.Size, ext: discExtents(n), more: moreOf(inlineOf(n), n.Target, n.Rdev)}
		e.mtime, e.atime, e.ctime = nodeStamps(n)
		if n.Link != 0 && !n.IsDir() {
			linked[n.Link] = e
		}
		a.nextID++
		a.entries.put(e)
		if a.nextID%uint64(collectEvery) == 0 {
			runtime.GC()
		}
		if n.IsDir() {
			e.kids = make(map[string]*entry, len(n.Children))
			for i, c := range n.Children {
				e.setKid(c.Name, add(c, e))
				n.Children[i] = nil
			}
			n.Children = nil
		}
		return e
	}
	blank := root == nil
	if blank {
		root = &tree.Node{Mode: iofs.ModeDir | 0o755, ModTime: now, UID: uint32(os.Getuid()), GID: uint32(os.Getgid())}
	}
	a.root = add(root, nil)
	a.root.name = ""
	a.blank = blank
	a.base = start
	a.pendingCache.forgetBase()
	a.baseSectors, a.baseHead = 0, ""
	if !blank {
		a.baseSectors, a.baseHead = a.listedSize(start), head
	}
	a.gen, a.baseGen = 0, 0
	a.projKey, a.projWarn = projection{}, nil
	a.inflight, a.failed = nil, nil
}

// countNodes returns how many nodes the tree under n holds, n too; 0
// for nil.
func countNodes(n *tree.Node) int {
	if n == nil {
		return 0
	}
	c := 1
	for _, k := range n.Children {
		c += countNodes(k)
	}
	return c
}

func (e *entry) record() putRecord {
	r := record{Mode: uint32(e.mode), UID: e.uid, GID: e.gid,
		Mtime: int64(e.mtime), Atime: int64(e.atime), Ctime: int64(e.ctime),
		Size: e.size, Extents: e.ext, Data: e.data, Rdev: e.x().rdev, Retimed: e.io != nil && e.io.retimed}
	r.Name, r.NameB = splitName(e.name)
	r.Target, r.TargetB = splitName(e.x().target)
	if e.x().inline != "" {
		r.Inline = []byte(e.x().inline)
	}
	if e.parent != nil {
		r.Parent = e.parent.id
	}
	for _, l := range e.x().links {
		lr := linkRecord{Parent: l.parent.id}
		lr.Name, lr.NameB = splitName(l.name)
		r.Links = append(r.Links, lr)
	}
	return putRecord{ID: e.id, record: r}
}

func puts(es []*entry) []putRecord {
	out := make([]putRecord, len(es))
	for i, e := range es {
		out[i] = e.record()
	}
	return out
}

// compact replaces the journal with a snapshot of the current state
// before it returns. It runs with a.mu held.
func (a *Area) compact() error {
	a.version++
	return a.j.compact(a.snapshotStream(false))
}

// record appends the given entries and the deletion of the given IDs
// to the journal as one record and counts one change. The record is
// written, not synced, when it returns. It runs with a.mu held.
func (a *Area) record(op string, put []*entry, del []uint64) error {
	return a.recordAt(op, nil, put, del)
}

// recordAt records like record, for a change op names by the path of
// at, if not nil. The path is made only for an error: the mount records
// a change for every attribute a copy sets.
func (a *Area) recordAt(op string, at *entry, put []*entry, del []uint64) error {
	return a.recordChange(op, at, &change{Gen: a.gen + 1, NextID: a.nextID, Put: puts(put), Del: del})
}

// recordKeep records like record, for a change that must go through on
// a full file system (a rename): it may use the journal's reserve, as
// deletions do.
func (a *Area) recordKeep(op string, put []*entry, del []uint64) error {
	return a.recordChange(op, nil, &change{Gen: a.gen + 1, NextID: a.nextID, Put: puts(put), Del: del, keep: true})
}

func (a *Area) recordChange(op string, at *entry, c *change) error {
	if err := a.j.append(c); err != nil {
		if at != nil {
			op += " " + a.path(at)
		}
		if isNoSpace(err) {
			return a.full("record "+op, err)
		}
		return fmt.Errorf("staging: record %s: %w", op, err)
	}
	a.gen++
	a.version++
	a.maybeCompact()
	return nil
}

// full describes an operation that found the area's file system full,
// naming the area and its free space, and keeps it as the last error.
// It runs with a.mu held.
func (a *Area) full(op string, err error) error {
	free := "unknown"
	if n := freeSpace(a.dir); n >= 0 {
		free = humanize.IBytes(uint64(n))
	}
	e := fmt.Errorf("staging: %s: the file system of staging area %s is full (%s free): %w (%w)", op, a.dir, free, ErrAreaFull, err)
	a.status.LastError = errtext.Text(e)
	return e
}

// collect removes data files no entry refers to (left by a crash, a
// commit or a discard).
func (a *Area) collect() error {
	names, err := a.dataNames()
	if err != nil {
		return err
	}
	a.removeData(a.unused(names))
	return nil
}

// collectUnlocked is collect for a caller that does not hold a.mu: the
// data folder is listed and the files removed without the lock. A file
// no entry used when the lock was held is never used again (new data
// files get new names), so removing it later is safe.
func (a *Area) collectUnlocked() error {
	names, err := a.dataNames()
	if err != nil {
		return err
	}
	a.mu.Lock()
	unused := a.unused(names)
	a.mu.Unlock()
	a.removeData(unused)
	return nil
}

// dataNames lists the data folder.
func (a *Area) dataNames() ([]string, error) {
	f, err := os.Open(filepath.Join(a.dir, "data"))
	if err == nil {
		var names []string
		names, err = f.Readdirnames(-1)
		f.Close()
		if err == nil {
			return names, nil
		}
	}
	return nil, fmt.Errorf("staging: list data of area %q: %w", a.dir, err)
}

// unused returns the names of data files that nothing uses. It runs
// with a.mu held.
func (a *Area) unused(names []string) []string {
	used := map[string]bool{}
	for _, e := range a.entries.all() {
		if e.data != "" {
			used[e.data] = true
		}
		if e.st().cache != "" {
			used[e.st().cache] = true
		}
	}
	if a.commit != nil {
		for _, f := range a.commit.files {
			used[f.Data] = true
		}
	}
	for name := range a.copies {
		used[name] = true
	}
	a.pool.markHeld(used)
	for _, e := range a.orphans() {
		used[e.data] = true
		used[e.st().cache] = true
	}
	var out []string
	for _, n := range names {
		if !used[n] {
			out = append(out, n)
		}
	}
	return out
}

// removeData removes the named data files.
func (a *Area) removeData(names []string) {
	for _, n := range names {
		os.Remove(filepath.Join(a.dir, "data", n))
	}
}

func (a *Area) orphans() []*entry {
	var out []*entry
	for _, h := range a.handles() {
		if h.st().removed {
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

// marked returns which of entries have a staged data file that another
// process's open file still marks as written (platform.StillWriting): a
// program writing through a mount of the area that ended, whose data
// file the kernel keeps open for it. It runs with a.mu held.
func (a *Area) marked(entries iter.Seq[*entry]) map[*entry]bool {
	byPath := map[string]*entry{}
	paths := func(yield func(string) bool) {
		for e := range entries {
			if e.data == "" || e.st().removed {
				continue
			}
			p := a.dataPath(e.data)
			byPath[p] = e
			if !yield(p) {
				return
			}
		}
	}
	out := map[*entry]bool{}
	for _, p := range platform.StillWriting(paths) {
		out[byPath[p]] = true
	}
	return out
}
