package staging

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/discstage/discstage/internal/progress"
	"github.com/discstage/discstage/master/tree"
)

// # I/O outside the lock
//
// The area's mutex guards the tree and nothing slower than a small
// system call on local disk: no copy from the medium, no write of file
// data, no probe of a drive and no layout of a session runs under it,
// so lookups, getattr, readdir and statfs answer while a disc file of
// gigabytes is copied up or a commit starts.
//
//   - A copy-up (the first write or truncation of a disc file, or the
//     first write to a file a commit is reading) marks its entry
//     copying, lets go of the lock, fills a new data file and takes the
//     lock again to swap the entry over to it (copyUp). Writes,
//     truncations and other copy-ups of that entry wait for it; the
//     entry reads from the medium meanwhile. If the entry changed under
//     the copy (a commit switched it to the medium, a rebase gave it
//     other extents) the copy is dropped and made again.
//   - A write takes the lock to find (or make) its data file and count
//     itself, writes without the lock, and takes it again to count
//     itself out. A commit's snapshot waits, with the lock let go, for
//     writes under way to end before it freezes the data files, and
//     holds new ones back meanwhile (quiesce), so a frozen file never
//     changes under the session mastered from it.
//   - StartCommit probes the medium and reads its newest session before
//     it takes the lock, and projects the session's size after it has
//     frozen the snapshot and let go of the lock again (starting keeps
//     a second commit, a discard and Close out meanwhile).
//   - The medium's facts (Info) are cached (mediumCache) for statfs and
//     status, and forgotten when a commit ends, on discard, when the
//     closing of a medium ends and after a rebase; they are also
//     re-read at most mediumCacheFor after they were read, so a disc
//     taken out or written elsewhere shows soon.
//
// Lock order: Area.mu before journal.mu; mediumCache.mu and
// progressState.mu are taken alone (never while waiting for Area.mu).

// errRetry tells stage that the entry changed while its copy-up ran:
// the copy was dropped and is to be made again.
var errRetry = errors.New("staging: entry changed during copy-up")

// stage makes e a staged file whose data file may be written: it waits
// while a snapshot is being taken or another copy-up of e runs, and
// copies a disc file (or a frozen staged one) up first, keeping its
// first keep bytes (all when keep < 0). It runs with a.mu held and
// returns with it held, but lets go of it while it copies or waits.
func (a *Area) stage(e *entry, keep int64) error {
	for {
		switch {
		case a.closed:
			return ErrAreaClosed
		case a.quiesce > 0 || e.st().copying:
			a.ioDone.Wait()
			continue
		case e.data != "" && !e.st().frozen:
			return nil
		}
		err := a.copyUp(e, keep)
		if !errors.Is(err, errRetry) {
			return err
		}
	}
}

// copyUp makes e a staged file that can be written: a disc file's first
// keep bytes (all when keep < 0) are copied from the medium (or its cache
// file staged again), a frozen staged file (one a running commit reads)
// is copied to a new data file. It runs with a.mu held; the copy itself
// runs without it. It returns errRetry when e changed meanwhile.
func (a *Area) copyUp(e *entry, keep int64) error {
	if err := a.writable("write", "", e); err != nil {
		return err
	}
	if e.st().cache != "" {
		// The file's bytes are still in the data file kept for its
		// open handles: stage that one again.
		e.data, e.mut().cache = e.st().cache, ""
		if e.parent == nil && e.id != RootID {
			return nil
		}
		if err := a.recordAt("copy up", e, []*entry{e}, nil); err != nil {
			e.data, e.mut().cache = "", e.data
			return err
		}
		return nil
	}
	path := a.path(e)
	name := newDataName()
	oldData, ext, inline, size := e.data, e.ext, e.x().inline, e.size
	e.mut().copying = true
	a.copies[name]++
	if oldData != "" {
		a.copies[oldData]++
	}
	a.mu.Unlock()
	f, err := a.fill(name, oldData, discReader(a.medium, ext, inline, size), size, keep)
	a.mu.Lock()
	e.mut().copying = false
	e.tidy()
	for _, n := range []string{name, oldData} {
		if n != "" {
			if a.copies[n]--; a.copies[n] <= 0 {
				delete(a.copies, n)
			}
		}
	}
	a.ioDone.Broadcast()
	fail := func(err error) error {
		if f != nil {
			f.Close()
		}
		os.Remove(a.dataPath(name))
		if isNoSpace(err) {
			err = a.full("copy", err)
		}
		return fmt.Errorf("staging: copy up %q: %w", path, err)
	}
	switch {
	case err != nil:
		return fail(err)
	case a.closed:
		return fail(ErrAreaClosed)
	case e.data != oldData || e.st().cache != "" || (oldData == "" && (!slices.Equal(e.ext, ext) || e.x().inline != inline)):
		// A commit switched the file to the medium, or a rebase gave it
		// other bytes: copy what it holds now.
		f.Close()
		os.Remove(a.dataPath(name))
		return errRetry
	}
	// The times as they are now: a setattr may have changed them
	// during the copy.
	at := a.attr(e)
	if err := os.Chtimes(a.dataPath(name), at.Atime, at.Mtime); err != nil {
		return fail(err)
	}
	oldFile, oldFrozen := e.st().file, e.st().frozen
	e.data, e.mut().frozen = name, false
	if e.parent != nil || e.id == RootID {
		if err := a.recordAt("copy up", e, []*entry{e}, nil); err != nil {
			e.data, e.mut().frozen = oldData, oldFrozen
			return fail(err)
		}
	}
	if oldFile != nil {
		oldFile.Close()
	}
	if e.st().opens > 0 {
		e.mut().file = f
	} else {
		f.Close()
		e.mut().file = nil
	}
	if oldData != "" && !oldFrozen {
		os.Remove(a.dataPath(oldData))
	}
	return nil
}

// fill creates data file name and copies into it the first keep bytes
// (all when keep < 0) of data file oldData, or, when oldData is empty,
// of the disc file disc reads. It runs without a.mu.
func (a *Area) fill(name, oldData string, disc io.ReaderAt, size, keep int64) (*os.File, error) {
	f, err := openData(a.dataPath(name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	var src io.Reader
	if oldData != "" {
		old, err := os.Open(a.dataPath(oldData))
		if err != nil {
			return f, err
		}
		defer old.Close()
		src = old
	} else {
		src = io.NewSectionReader(disc, 0, size)
	}
	if keep >= 0 {
		src = io.LimitReader(src, keep)
	}
	if _, err := io.Copy(f, src); err != nil {
		return f, err
	}
	return f, f.Sync()
}

// beginWrite readies e's data file for one write without the lock and
// counts the write; endWrite counts it out. beginWrite runs with a.mu
// held and returns with it held.
func (a *Area) beginWrite(e *entry) (*os.File, error) {
	if err := a.stage(e, -1); err != nil {
		return nil, err
	}
	if e.st().file == nil {
		return nil, fmt.Errorf("staging: write %q: %w", a.path(e), ErrAreaClosed)
	}
	a.wrote(e)
	a.writing++
	return e.st().file, nil
}

// endWrite counts a write of e started by beginWrite out. It runs with
// a.mu held.
func (a *Area) endWrite(e *entry) {
	// The write landed: sizes read during it, the status list's too,
	// are old.
	e.mut().writes++
	a.version++
	if a.writing--; a.writing == 0 {
		a.ioDone.Broadcast()
	}
}

// quiet waits, with a.mu let go meanwhile, until no write runs without
// the lock, holding new ones back; the caller calls loud when it has
// frozen what it needs. It runs with a.mu held.
func (a *Area) quiet() {
	a.quiesce++
	for a.writing > 0 {
		a.ioDone.Wait()
	}
}

// loud lets writes held back by quiet go on.
func (a *Area) loud() {
	a.quiesce--
	a.ioDone.Broadcast()
}

// mediumCacheFor is how long the medium's facts are used before they
// are read again, for a change no commit of this area made (a disc
// taken out, a session written by another program).
const mediumCacheFor = 2 * time.Second

// mediumCache holds the medium's facts between probes.
type mediumCache struct {
	mu   sync.Mutex // held during a probe: callers wait for one answer
	gen  atomic.Uint64
	ok   bool
	at   time.Time
	seen uint64 // gen the facts were read at
	info MediumInfo
}

// mediumInfo returns the medium's facts, probing the medium when the
// cache is empty, forgotten or old. It runs without a.mu.
func (a *Area) mediumInfo() (MediumInfo, error) {
	c := &a.info
	c.mu.Lock()
	defer c.mu.Unlock()
	gen := c.gen.Load()
	if c.ok && c.seen == gen && time.Since(c.at) < mediumCacheFor {
		return c.info, nil
	}
	info, err := a.medium.Info()
	if err != nil {
		c.ok = false
		return info, err
	}
	c.ok, c.seen, c.at, c.info = true, gen, time.Now(), info
	return info, nil
}

// forgetMedium drops the cached facts: the medium changed. It may run
// with or without a.mu.
func (a *Area) forgetMedium() { a.info.gen.Add(1) }

// progressState is the running commit's progress: the last event of
// its tracker (progress.go).
type progressState struct {
	mu  sync.Mutex
	set bool
	e   progress.Event
}

func (s *progressState) store(e progress.Event) {
	s.mu.Lock()
	s.set, s.e = true, e
	s.mu.Unlock()
}

// load returns the last event stored since reset, if any.
func (s *progressState) load() (progress.Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.e, s.set
}

// reset forgets the stored progress.
func (s *progressState) reset() {
	s.mu.Lock()
	s.set = false
	s.mu.Unlock()
}

// probed is what StartCommit learns of the medium before it takes the
// lock.
type probed struct {
	root    *tree.Node
	start   uint32
	newErr  error
	info    MediumInfo
	infoErr error
	heads   headsRead // of the newest session and the base
}

// probe reads the medium's newest session and its facts. It runs
// without a.mu.
func (a *Area) probe() probed {
	var p probed
	p.root, p.start, p.newErr = a.medium.Newest()
	a.forgetMedium()
	p.info, p.infoErr = a.mediumInfo()
	if p.newErr == nil && p.root != nil {
		p.heads = a.readHeads(p.start)
		a.readDisc(&p.heads, p.info, p.infoErr)
	}
	return p
}

// wrote counts a write, truncation or writer pin of e. It runs with a.mu
// held.
func (a *Area) wrote(e *entry) {
	e.mut().writes++
	a.version++
}

// sizeCache holds the number and total size of staged files as of a
// version of the area.
type sizeCache struct {
	ok      bool
	version uint64
	files   int
	bytes   int64
}

// staged returns the number and total size of the staged files. The
// sizes are read (one stat per file) without the lock, and only when
// the area changed since they were last read, or while a handle writes
// a data file directly (passthrough), which the area does not see.
func (a *Area) staged() (files int, bytes int64) {
	a.mu.Lock()
	c := a.sizes
	if c.ok && c.version == a.version && a.wpins == 0 {
		a.mu.Unlock()
		return c.files, c.bytes
	}
	version := a.version
	list := a.stagedFiles()
	a.mu.Unlock()
	bytes = a.stagedBytes(list)
	a.mu.Lock()
	a.sizes = sizeCache{ok: true, version: version, files: len(list), bytes: bytes}
	a.mu.Unlock()
	return len(list), bytes
}
