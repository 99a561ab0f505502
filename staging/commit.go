package staging

import (
	"context"
	"fmt"
	"io"
	iofs "io/fs"
	"log"
	"os"
	"strings"
	"time"

	"github.com/discstage/discstage/master"
)

// State is what the area is doing.
type State string

// The states of an area.
const (
	StateIdle       State = "idle"
	StateCommitting State = "committing"
)

// Status is the area's state and accounting, as the control file shows it.
type Status struct {
	State State `json:"state"`
	// Pending is true when anything (files, deletions, renames,
	// attributes) waits for the next session.
	Pending     bool  `json:"pending"`
	StagedFiles int   `json:"staged_files"`
	StagedBytes int64 `json:"staged_bytes"`
	// ProjectedSectors is the size the next session would have.
	ProjectedSectors uint32 `json:"projected_sectors"`
	// FreeSectors is the medium's free space; -1 means unbounded.
	FreeSectors int64   `json:"free_sectors"`
	Sessions    int     `json:"sessions"`
	Closed      bool    `json:"closed"`
	Phase       string  `json:"phase,omitempty"`
	Done        int64   `json:"bytes_done"`
	Total       int64   `json:"bytes_total"`
	Percent     float64 `json:"percent"`
	ETASeconds  float64 `json:"eta_seconds"`
	// Commits counts finished commit attempts since the area was opened.
	Commits int `json:"commits"`
	// LastError is why the last action failed; empty after a success.
	LastError string `json:"last_error,omitempty"`
	// MediumError says why the medium cannot be probed now (no disc,
	// tray open); the space figures are then unknown.
	MediumError string `json:"medium_error,omitempty"`
	// LastSession is the start LBA of the last session this area wrote.
	LastSession uint32 `json:"last_session,omitempty"`
	// Area is the staging area's directory; AreaFree the bytes free on
	// its file system (-1: unknown). When it is full, writes fail with
	// ENOSPC, while deletions, renames, discard and commit still work.
	Area     string `json:"area"`
	AreaFree int64  `json:"area_free_bytes"`
}

// commitFile names a staged file a commit writes.
type commitFile struct {
	ID   uint64 `json:"id"`
	Data string `json:"data"`
	Path string `json:"path"`
}

// inflightRecord is stored while a commit runs, so a restart can tell
// whether the session landed.
type inflightRecord struct {
	Gen   uint64       `json:"gen"`
	Start uint32       `json:"start"`
	Files []commitFile `json:"files"`
}

type commitState struct {
	done  chan struct{}
	files []commitFile
	err   error
}

// tree builds the session tree of the current state. With freeze, the
// staged files it names are frozen: later writes go to copies.
func (a *Area) tree(freeze bool) (*master.Node, []commitFile, error) {
	var files []commitFile
	var build func(e *entry, path string) (*master.Node, error)
	build = func(e *entry, path string) (*master.Node, error) {
		n := &master.Node{Name: e.name, Mode: e.mode, UID: e.uid, GID: e.gid,
			ModTime: e.mtime, AccessTime: e.atime, ChangeTime: e.ctime}
		switch {
		case e.kids != nil:
			for _, k := range e.kids {
				c, err := build(k, path+"/"+k.name)
				if err != nil {
					return nil, err
				}
				n.Children = append(n.Children, c)
			}
		case e.mode&iofs.ModeSymlink != 0:
			n.Target = e.target
		case e.data != "":
			p := a.dataPath(e.data)
			fi, err := os.Stat(p)
			if err != nil {
				return nil, fmt.Errorf("staging: staged data of %q: %w", path, err)
			}
			at := a.attr(e)
			n.Size, n.ModTime, n.AccessTime, n.ChangeTime = fi.Size(), fi.ModTime(), at.Atime, at.Ctime
			data := e.data
			if freeze && e.pins > 0 {
				// Written directly by open handles: commit a copy.
				snap, size, err := a.snapshotCopy(e)
				if err != nil {
					return nil, fmt.Errorf("staging: snapshot %q: %w", path, err)
				}
				data, p, n.Size = snap, a.dataPath(snap), size
			} else if freeze {
				e.frozen = true
			}
			if n.Size > 0 {
				n.Source = master.FileSource(p)
			}
			files = append(files, commitFile{ID: e.id, Data: data, Path: path})
		default:
			n.Size, n.Extents = e.size, e.ext
		}
		return n, nil
	}
	root, err := build(a.root, "")
	if err != nil && freeze {
		a.unfreeze()
	}
	return root, files, err
}

// snapshotCopy copies a pinned file's data to a new data file the
// commit reads; the copy goes when the commit ends.
func (a *Area) snapshotCopy(e *entry) (string, int64, error) {
	name := newDataName()
	src, err := os.Open(a.dataPath(e.data))
	if err != nil {
		return "", 0, err
	}
	defer src.Close()
	dst, err := os.OpenFile(a.dataPath(name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", 0, err
	}
	n, err := io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(a.dataPath(name))
		return "", 0, err
	}
	return name, n, nil
}

func (a *Area) unfreeze() {
	for _, e := range a.entries {
		e.frozen = false
	}
}

func (a *Area) fail(err error) error {
	a.status.LastError = err.Error()
	return err
}

// StartCommit checks that a commit can start, snapshots the staged
// state and writes it as a new session in the background. It fails at
// once with ErrBusy, ErrNothingStaged, ErrClosed or ErrNoSpace. Changes
// made after it returns land in the next session.
func (a *Area) StartCommit(opts CommitOptions) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrAreaClosed
	}
	if a.commit != nil {
		return a.fail(fmt.Errorf("staging: commit: %w", ErrBusy))
	}
	if !a.pending() {
		return a.fail(fmt.Errorf("staging: commit: %w", ErrNothingStaged))
	}
	info, err := a.medium.Info()
	if err != nil {
		return a.fail(fmt.Errorf("staging: commit: probe medium: %w", err))
	}
	if info.Closed {
		return a.fail(fmt.Errorf("staging: commit: %w", ErrClosed))
	}
	root, files, err := a.tree(true)
	if err != nil {
		a.collect()
		return a.fail(err)
	}
	need, err := a.medium.Project(root, opts)
	if err != nil {
		a.unfreeze()
		a.collect()
		return a.fail(fmt.Errorf("staging: commit: project session size: %w", err))
	}
	if info.Free >= 0 && int64(need) > info.Free {
		a.unfreeze()
		a.collect()
		return a.fail(fmt.Errorf("staging: commit needs %d sectors, %d free: %w", need, info.Free, ErrNoSpace))
	}
	inf := inflightRecord{Gen: a.gen, Start: info.NextWritable, Files: files}
	// The snapshot must be durable before the medium is touched.
	err = a.j.append(&change{Gen: a.gen, NextID: a.nextID, Inflight: &inf})
	if err == nil {
		err = a.j.sync()
	}
	if err != nil {
		a.unfreeze()
		a.collect()
		return a.fail(fmt.Errorf("staging: commit: record snapshot: %w", err))
	}
	a.inflight = &inf
	c := &commitState{done: make(chan struct{}), files: files}
	a.commit, a.last = c, c
	a.status.State = StateCommitting
	a.status.Phase = "mastering"
	a.status.Done, a.status.Total, a.status.Percent, a.status.ETASeconds = 0, 0, 0, 0
	a.status.LastError = ""
	go a.run(c, root, &inf, opts)
	return nil
}

func (a *Area) run(c *commitState, root *master.Node, inf *inflightRecord, opts CommitOptions) {
	user := opts.Progress
	opts.Progress = func(p Progress) {
		a.mu.Lock()
		a.status.Phase, a.status.Done, a.status.Total = p.Phase, p.Done, p.Total
		if p.Total > 0 {
			a.status.Percent = float64(p.Done) * 100 / float64(p.Total)
			if el := time.Since(p.Started).Seconds(); p.Done > 0 && !p.Started.IsZero() {
				a.status.ETASeconds = el * float64(p.Total-p.Done) / float64(p.Done)
			}
		}
		a.mu.Unlock()
		if user != nil {
			user(p)
		}
	}
	_, err := a.medium.Append(context.Background(), root, opts)
	var newRoot *master.Node
	var start uint32
	if err == nil {
		newRoot, start, err = a.medium.Newest()
		if err == nil && newRoot == nil {
			err = fmt.Errorf("staging: medium reads blank after the commit")
		}
	}
	a.mu.Lock()
	if err == nil {
		err = a.finish(inf, newRoot, start)
	} else {
		a.unfreeze()
		if cerr := a.clearInflight(); cerr != nil {
			err = fmt.Errorf("%w (and: %v)", err, cerr)
		}
	}
	a.commit = nil
	a.status.State = StateIdle
	a.status.Commits++
	if err != nil {
		c.err = fmt.Errorf("staging: commit: %w", err)
		a.status.LastError = c.err.Error()
	} else {
		a.status.Phase = "done"
		a.status.Percent = 100
		a.mediumClosed = opts.Close
		a.status.ETASeconds = 0
		a.status.LastSession = start
	}
	a.collect()
	a.mu.Unlock()
	close(c.done)
}

// pending reports whether anything waits for the next session: a
// change since the base was written, or a staged file (one that was
// written directly during the last commit stays staged).
func (a *Area) pending() bool {
	if a.gen != a.baseGen {
		return true
	}
	for _, e := range a.entries {
		if e.data != "" {
			return true
		}
	}
	return false
}

// clearInflight durably forgets the running commit's snapshot.
func (a *Area) clearInflight() error {
	err := a.j.append(&change{Gen: a.gen, NextID: a.nextID, ClearInflight: true})
	if err == nil {
		err = a.j.sync()
	}
	if err != nil {
		return fmt.Errorf("staging: forget unfinished commit: %w", err)
	}
	a.inflight = nil
	return nil
}

// finish switches the base to the session just written: every file the
// commit wrote and nobody changed since now reads from the medium.
func (a *Area) finish(inf *inflightRecord, root *master.Node, start uint32) error {
	var put []*entry
	for _, f := range inf.Files {
		e := a.entries[f.ID]
		if e == nil || e.data != f.Data {
			continue
		}
		n := findNode(root, f.Path)
		if n == nil || !n.IsRegular() {
			continue
		}
		e.ext, e.size, e.data = n.Extents, n.Size, ""
		e.mtime = n.ModTime
		e.atime = n.AccessTime
		if e.atime.IsZero() {
			e.atime = n.ModTime
		}
		if e.file != nil {
			e.file.Close()
			e.file = nil
		}
		put = append(put, e)
	}
	a.unfreeze()
	// The base switch must be durable before the caller goes on.
	err := a.j.append(&change{Gen: a.gen, NextID: a.nextID, Put: puts(put),
		Base: &baseRecord{Gen: inf.Gen, Start: start}, ClearInflight: true})
	if err == nil {
		err = a.j.sync()
	}
	if err != nil {
		return fmt.Errorf("staging: record the new session at LBA %d: %w", start, err)
	}
	a.baseGen, a.base, a.blank = inf.Gen, start, false
	a.inflight = nil
	// The switch rewrote much of the state: start the journal over.
	if err := a.compact(); err != nil {
		log.Printf("staging: compact journal of area %q: %v", a.dir, err)
	}
	return nil
}

func findNode(root *master.Node, path string) *master.Node {
	n := root
	for _, p := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if p == "" {
			continue
		}
		if n = n.Child(p); n == nil {
			return nil
		}
	}
	return n
}

// Wait waits for the running commit, if any, and returns its error; with
// none running it returns the error of the last commit.
func (a *Area) Wait() error {
	a.mu.Lock()
	c := a.commit
	if c == nil {
		c = a.last
	}
	a.mu.Unlock()
	if c == nil {
		return nil
	}
	<-c.done
	return c.err
}

// Commit writes the staged changes as a new session and waits for it.
func (a *Area) Commit(opts CommitOptions) error {
	a.mu.Lock()
	if a.commit != nil {
		a.mu.Unlock()
		return a.fail(fmt.Errorf("staging: commit: %w", ErrBusy))
	}
	a.mu.Unlock()
	if err := a.StartCommit(opts); err != nil {
		return err
	}
	return a.Wait()
}

// Committing reports whether a commit runs.
func (a *Area) Committing() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.commit != nil
}

// Discard drops every staged change: the view is the medium's newest
// session again.
func (a *Area) Discard() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrAreaClosed
	}
	if a.commit != nil {
		return a.fail(fmt.Errorf("staging: discard: %w", ErrBusy))
	}
	root, start, err := a.medium.Newest()
	if err != nil {
		return a.fail(fmt.Errorf("staging: discard: read newest session: %w", err))
	}
	for e := range a.open {
		e.removed = true
	}
	if err := a.reset(root, start); err != nil {
		return a.fail(err)
	}
	a.status.LastError = ""
	return a.collect()
}

// Status returns the area's state and accounting. It projects the next
// session's size, which it caches until something changes.
func (a *Area) Status() Status {
	a.mu.Lock()
	s := a.status
	s.Pending = a.pending()
	for _, e := range a.entries {
		if e.data != "" {
			s.StagedFiles++
			s.StagedBytes += a.attr(e).Size
		}
	}
	a.mu.Unlock()
	if info, err := a.medium.Info(); err == nil {
		s.FreeSectors, s.Sessions, s.Closed = info.Free, info.Sessions, info.Closed
	} else {
		s.MediumError = err.Error()
	}
	s.ProjectedSectors, _ = a.Projected()
	s.Area, s.AreaFree = a.dir, freeSpace(a.dir)
	return s
}

// Projected returns the size in sectors the next session would have, 0
// when nothing is pending.
func (a *Area) Projected() (uint32, error) {
	a.mu.Lock()
	if !a.pending() {
		a.mu.Unlock()
		return 0, nil
	}
	var bytes uint64
	for _, e := range a.entries {
		if e.data != "" {
			bytes += uint64(a.attr(e).Size)
		}
	}
	k := [2]uint64{a.gen + 1, bytes}
	if a.projKey == k || a.commit != nil {
		// Unchanged, or a commit is writing: keep the last projection.
		defer a.mu.Unlock()
		return a.projSize, a.projErr
	}
	root, _, err := a.tree(false)
	a.mu.Unlock()
	var n uint32
	if err == nil {
		n, err = a.medium.Project(root, CommitOptions{})
	}
	a.mu.Lock()
	a.projKey, a.projSize, a.projErr = k, n, err
	a.mu.Unlock()
	return n, err
}

// Unbounded is the size, in sectors, statfs reports for a medium with no
// capacity (an image file that may grow): 4 TiB.
const Unbounded = 1 << 31

// Space returns the medium's size and what is left once the pending
// session is written, in sectors, for statfs.
func (a *Area) Space() (total, free uint64, err error) {
	info, err := a.medium.Info()
	if err != nil {
		return 0, 0, err
	}
	proj, _ := a.Projected()
	total = uint64(info.Capacity)
	used := uint64(info.NextWritable) + uint64(proj)
	if info.Capacity == 0 {
		total = Unbounded
	}
	if info.Closed || used >= total {
		return total, 0, nil
	}
	return total, total - used, nil
}

// NoteError keeps err as the last error Status reports, for failures of
// actions around the area (such as ejecting the disc).
func (a *Area) NoteError(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fail(err)
}
