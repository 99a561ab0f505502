package staging

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"log"
	"maps"
	"math"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/discstage/discstage/internal/errtext"
	"github.com/discstage/discstage/internal/progress"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/dustin/go-humanize"
)

// State is what the area is doing.
type State string

// The states of an area.
const (
	StateIdle       State = "idle"
	StateCommitting State = "committing"
	// StateWaiting: a commit waits for staged files open for writing
	// to be closed before it takes its snapshot.
	StateWaiting State = "waiting"
)

// DefaultWaitOpen is how long a commit waits for staged files open for
// writing to be closed when CommitOptions.WaitOpen is zero.
const DefaultWaitOpen = 60 * time.Second

// OpenFile is a staged file open for writing and its size.
type OpenFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// MountEnded: a program writes the file through a mount of the
	// area that ended (its process killed), which the kernel lets it
	// do until it closes the file.
	MountEnded bool `json:"mount_ended,omitempty"`
}

// Status is the area's state and accounting, as the control file shows it.
type Status struct {
	State State `json:"state"`
	// Pending is true when anything (files, deletions, renames,
	// attributes) waits for the next session.
	Pending bool `json:"pending"`
	// Changes counts what the next session changes: added, changed,
	// deleted, renamed, attributes only (Area.Pending lists them).
	Changes PendingCounts `json:"changes"`
	// ChangesUncounted: a commit writes, and the changes were not
	// listed before it started; they are not counted meanwhile (the
	// count compares every path with the base session, under the
	// area's lock) and Changes holds nothing.
	ChangesUncounted bool `json:"changes_uncounted,omitempty"`
	// ChangesError says why the changes are not counted: the session
	// they were staged on cannot be read (another disc in the drive,
	// none, a read error); Changes holds nothing.
	ChangesError string `json:"changes_error,omitempty"`
	StagedFiles  int    `json:"staged_files"`
	StagedBytes  int64  `json:"staged_bytes"`
	// ProjectedSectors is the size the next session would have.
	ProjectedSectors uint32 `json:"projected_sectors"`
	// ProjectError says why the next session cannot be laid out (more
	// directories than ISO 9660 numbers, ...); ProjectedSectors is 0.
	ProjectError string `json:"project_error,omitempty"`
	// ProjectCode numbers ProjectError as Outcome.Code numbers a
	// commit's error.
	ProjectCode int `json:"project_code,omitempty"`
	// Warnings sums up the warnings the next session would be written
	// with, as Outcome.Warnings does those of a session written: counts
	// and the first master.SummaryExamples (Area.Pending has them all).
	// Nil when there are none or nothing is pending.
	Warnings *master.WarningSummary `json:"warnings,omitempty"`
	// FreeSectors is the medium's free space; -1 means unbounded.
	FreeSectors int64 `json:"free_sectors"`
	Sessions    int   `json:"sessions"`
	// Profile names the medium: "image", "cd-r", "dvd+rw", ...; Tray
	// is true for a medium in a drive (not an image standing in for it).
	Profile string `json:"profile,omitempty"`
	Tray    bool   `json:"tray,omitempty"`
	// NextWritable is where the next session starts.
	NextWritable uint32  `json:"next_writable_lba"`
	Closed       bool    `json:"closed"`
	Phase        string  `json:"phase,omitempty"`
	Done         int64   `json:"bytes_done"`
	Total        int64   `json:"bytes_total"`
	Percent      float64 `json:"percent"`
	ETASeconds   float64 `json:"eta_seconds"`
	// Progress is how the running commit goes, in the one progress
	// model of every burn (internal/progress); the fields above repeat
	// its phase, bytes, percentage and ETA.
	Progress *progress.Event `json:"progress,omitempty"`
	// Commits counts finished commit attempts since the area was opened.
	Commits int `json:"commits"`
	// LastError is why the last action failed; empty after a success.
	LastError string `json:"last_error,omitempty"`
	// MediumError says why the medium cannot be probed now (no disc,
	// tray open); the space figures are then unknown.
	MediumError string `json:"medium_error,omitempty"`
	// MediumNote says what an interrupted burn left on the medium (see
	// MediumInfo.Note).
	MediumNote string `json:"medium_note,omitempty"`
	// LastSession is the start LBA of the last session this area wrote.
	LastSession uint32 `json:"last_session,omitempty"`
	// OpenForWriting lists the staged files open for writing now;
	// while State is StateWaiting, the commit waits for them.
	OpenForWriting []OpenFile `json:"open_for_writing,omitempty"`
	// GaveUpOn lists the staged files open for writing that made the
	// last commit give up (ErrOpenForWriting).
	GaveUpOn []OpenFile `json:"gave_up_on,omitempty"`
	// Partial lists the files that were open for writing when the last
	// commit took its snapshot anyway (CommitOptions.Now), with the size
	// each was written at.
	Partial []OpenFile `json:"partial,omitempty"`
	// Outcomes are the last commits asked for with an ID, newest last:
	// each caller finds its own there, whatever other callers asked
	// meanwhile.
	Outcomes []Outcome `json:"outcomes,omitempty"`
	// RebasedOnto is the start LBA of the session written elsewhere
	// that the staged changes were last rebased onto (see rebase.go),
	// nil when they were not (a plain image's sessions all start at
	// LBA 0), and Conflicts the paths both sides changed, where staging
	// won.
	RebasedOnto *uint32    `json:"rebased_onto,omitempty"`
	Conflicts   []Conflict `json:"conflicts,omitempty"`
	// Area is the staging area's directory; AreaFree the bytes free on
	// its file system (-1: unknown). When it is full, writes fail with
	// ENOSPC, while deletions, renames, discard and commit still work.
	Area     string `json:"area"`
	AreaFree int64  `json:"area_free_bytes"`
}

// Outcome is how one commit asked for with an ID went.
type Outcome struct {
	ID string `json:"id"`
	// State is running, done, failed (the commit ran and failed) or
	// refused (it never started: busy, nothing staged, no space).
	State string `json:"state"`
	Error string `json:"error,omitempty"`
	// Code numbers a failed or refused commit's error as the area's
	// classifier does (SetClassifier: the command line's exit code), so
	// that the process that asked for the commit can tell, say, a full
	// medium from a damaged one; 0 when none is set.
	Code int `json:"code,omitempty"`
	// Session and Start name the session written (done only).
	Session int    `json:"session,omitempty"`
	Start   uint32 `json:"start_lba,omitempty"`
	// Listed is where the medium lists the session when that is not
	// where it was written: a plain image lists its newest session at
	// LBA 0, as readers find it through the superblock.
	Listed *uint32 `json:"listed_lba,omitempty"`
	// Note is what the medium said before the commit, such as an
	// interrupted burn the commit closed first and the space it cost.
	Note string `json:"note,omitempty"`
	// Sectors and Files are the session's size and how many files it
	// holds; Verified how it was checked ("MD5 match"). Done only.
	Sectors  uint32 `json:"sectors,omitempty"`
	Files    int    `json:"files,omitempty"`
	Verified string `json:"verified,omitempty"`
	// Stopped says that the commit failed because it was canceled
	// (Area.Cancel); the staged changes are kept. Closed is then what
	// the stopped burn had left open on a write-once disc and was
	// closed, so that the disc takes the next commit ("" when nothing).
	Stopped bool   `json:"stopped,omitempty"`
	Closed  string `json:"closed_track,omitempty"`
	// Eject is how the tray of an eject went once its commit was done
	// (NoteEject): "done", "failed" with EjectError saying why, or ""
	// when no eject was asked for or it is still to come.
	Eject      string `json:"eject,omitempty"`
	EjectError string `json:"eject_error,omitempty"`
	// Warnings sums up the names the session's hierarchies show
	// differently from the tree (a Joliet name too long, say), a volume
	// id recorded otherwise and, apart, what else the session warns of
	// (a boot image kept though its file changed, attributes not
	// carried): counts and the first few, all of them when the commit
	// asked (CommitOptions.AllWarnings). Done only.
	Warnings *master.WarningSummary `json:"warnings,omitempty"`
}

// The states of an Outcome.
const (
	OutcomeRunning = "running"
	OutcomeDone    = "done"
	OutcomeFailed  = "failed"
	OutcomeRefused = "refused"
)

// maxOutcomes is how many commit outcomes Status keeps.
const maxOutcomes = 16

// outcome records or updates the outcome of commit id; the lock is held.
// SetClassifier sets how a failed or refused commit's error is numbered
// in its Outcome (Outcome.Code).
func (a *Area) SetClassifier(f func(error) int) {
	a.mu.Lock()
	a.classify = f
	a.mu.Unlock()
}

// SetCommitOptions sets the options a commit takes unless told
// otherwise (a mount's volume id and UDF revision): the status lays the
// next session out with them, so that its size and warnings are those
// of the session such a commit writes.
func (a *Area) SetCommitOptions(o CommitOptions) {
	a.mu.Lock()
	a.projOpts = layoutOf(o)
	a.mu.Unlock()
}

// layout is what of a commit's options changes how its session is laid
// out: a projection made with one answers for every commit that has
// the same.
type layout struct {
	volumeID string
	udf      uint16
	noUDF    bool
}

// layoutOf returns the layout a commit with options o lays its session
// out with.
func layoutOf(o CommitOptions) layout {
	return layout{volumeID: o.VolumeID, udf: o.UDF, noUDF: o.NoUDF}
}

// options are the options of a commit that lays its session out with l.
func (l layout) options() CommitOptions {
	return CommitOptions{VolumeID: l.volumeID, UDF: l.udf, NoUDF: l.noUDF}
}

// code numbers err for an Outcome. It runs with a.mu held.
func (a *Area) code(err error) int {
	if a.classify == nil || err == nil {
		return 0
	}
	return a.classify(err)
}

func (a *Area) outcome(o Outcome) {
	if o.ID == "" {
		return
	}
	a.outcomeChanged() // await.go
	for i := range a.status.Outcomes {
		if a.status.Outcomes[i].ID == o.ID {
			a.status.Outcomes[i] = o
			return
		}
	}
	a.status.Outcomes = append(a.status.Outcomes, o)
	if n := len(a.status.Outcomes); n > maxOutcomes {
		a.status.Outcomes = append([]Outcome(nil), a.status.Outcomes[n-maxOutcomes:]...)
	}
}

// commitFile names a staged file a commit writes, or (Data empty) a
// disc file whose bytes the area holds itself (inline.go).
type commitFile struct {
	ID    uint64 `json:"id"`
	Data  string `json:"data"`
	Path  string `json:"path"`
	PathB []byte `json:"path_b,omitempty"` // Path, when it is not UTF-8

	// Known only to the process that took the snapshot:
	live   string // a copy was taken of this data file, used directly by readers only
	writes uint64 // the entry's write count when the copy was taken
	open   bool   // a handle that may write had the file open
	size   int64  // the size the snapshot holds
}

// inflightRecord is stored while a commit runs, so a restart can tell
// whether the session landed.
type inflightRecord struct {
	Gen   uint64 `json:"gen"`
	Start uint32 `json:"start"`
	// Time is the session's time (CommitOptions.Time, Unix
	// nanoseconds, to the hundredth of a second its volume descriptor
	// holds), by which a restart tells the commit's session from
	// another program's written where it was to start; 0 if unknown.
	Time  int64        `json:"t,omitempty"`
	Files []commitFile `json:"files"`
}

type commitState struct {
	done    chan struct{}
	files   []commitFile
	err     error
	stop    chan struct{} // closed by Close to end a wait for open files
	stopped bool
	outcome Outcome
	// cancel ends the burn's context; canceled: Cancel asked (cancel.go).
	cancel   context.CancelFunc
	canceled bool
}

// tree builds the session tree of the current state. With freeze, the
// staged files it names are frozen: later writes go to copies.
func (a *Area) tree(freeze bool) (*tree.Node, []commitFile, error) {
	var files []commitFile
	linked := map[*entry]*tree.Node{} // hard-linked files built once
	var build func(e *entry, name, path string) (*tree.Node, error)
	build = func(e *entry, name, path string) (*tree.Node, error) {
		if n := linked[e]; n != nil {
			c := *n
			c.Name = name
			return &c, nil
		}
		n := &tree.Node{Name: name, Mode: e.mode, UID: e.uid, GID: e.gid,
			ModTime: e.mtime.Time(), AccessTime: e.atime.Time(), ChangeTime: e.ctime.Time(), Rdev: e.x().rdev}
		if len(e.x().links) > 0 {
			n.Link = e.id
			defer func() { linked[e] = n }()
		}
		switch {
		case e.kids != nil:
			for kn, k := range e.kids {
				c, err := build(k, kn, path+"/"+kn)
				if err != nil {
					return nil, err
				}
				n.Children = append(n.Children, c)
			}
		case e.mode&iofs.ModeSymlink != 0:
			n.Target = e.x().target
		case e.mode&specialTypes != 0:
		case e.data != "":
			p := a.dataPath(e.data)
			var fi iofs.FileInfo
			var err error
			if e.st().file != nil {
				fi, err = e.st().file.Stat()
			} else {
				fi, err = os.Stat(p)
			}
			if err != nil {
				return nil, fmt.Errorf("staging: staged data of %q: %w", path, err)
			}
			// As attr has them, from the one stat.
			ct := e.ctime.Time()
			if fi.ModTime().After(ct) {
				ct = fi.ModTime()
			}
			n.Size, n.ModTime, n.AccessTime, n.ChangeTime = fi.Size(), fi.ModTime(), e.atime.Time(), ct
			// A file still written through a mount that ended is
			// taken as one open for writing here: a copy is committed,
			// and the file stays staged.
			ended := a.ended[e]
			cf := commitFile{ID: e.id, Data: e.data, open: e.st().writers > 0 || ended}
			cf.Path, cf.PathB = splitName(path)
			if freeze && (e.st().pins > 0 || ended) {
				// Used directly by open handles: commit a copy.
				snap, size, err := a.snapshotCopy(e)
				if err != nil {
					return nil, fmt.Errorf("staging: snapshot %q: %w", path, err)
				}
				if e.st().wpins == 0 && !ended {
					cf.live, cf.writes = e.data, e.st().writes
				}
				cf.Data, p, n.Size = snap, a.dataPath(snap), size
			} else if freeze {
				e.mut().frozen = true
			}
			if n.Size > 0 {
				n.Source = tree.DataFile(p)
			}
			cf.size = n.Size
			files = append(files, cf)
		case e.x().inline != "":
			// No extent to reference: the session writes the bytes
			// again, and finish switches the file to its new extents
			// (inline.go).
			n.Size, n.Source = e.size, tree.Bytes(e.x().inline)
			cf := commitFile{ID: e.id, size: e.size}
			cf.Path, cf.PathB = splitName(path)
			files = append(files, cf)
		case tree.WrittenAnew(e.ext):
			// A disc file with holes: a commit copied it up first
			// (stageSparse); a projection counts it as new data.
			if freeze {
				return nil, fmt.Errorf("staging: %q: a disc file with holes was not copied up", path)
			}
			n.Size, n.Source = e.size, tree.Sparse{R: a.medium, Extents: e.ext, Size: e.size}
		default:
			n.Size, n.Extents = e.size, e.ext
		}
		return n, nil
	}
	root, err := build(a.root, "", "")
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
	dst, err := openData(a.dataPath(name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
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

// liveRetimed returns the entries whose times were set since the
// snapshot that are still in the tree: one removed since has no record
// to repeat (its removal was recorded). It runs with a.mu held.
func (a *Area) liveRetimed() []*entry {
	var out []*entry
	for _, e := range a.retimed {
		if a.entries.get(e.id) == e && (e.parent != nil || e.id == RootID) {
			out = append(out, e)
		}
	}
	return out
}

func (a *Area) unfreeze() {
	for _, e := range a.entries.all() {
		if e.io != nil {
			e.io.frozen, e.io.retimed = false, false
			e.tidy()
		}
	}
	a.snapped, a.retimed = false, nil
}

// fail records err as the last error and returns it.
func (a *Area) fail(err error) error {
	a.status.LastError = errtext.Text(err)
	return err
}

// StartCommit checks that a commit can start, snapshots the staged
// state and writes it as a new session in the background. It fails at
// once with ErrBusy, ErrNothingStaged, ErrClosed or ErrNoSpace. Changes
// made after it returns land in the next session.
//
// While staged files are open for writing (a copy still running), the
// commit first waits, in the background and for at most opts.WaitOpen,
// for them to be closed (State is StateWaiting, Status lists them); if
// they are not, it gives up with ErrOpenForWriting and writes nothing.
// With opts.Now it takes them as they are and Status lists them as
// Partial.
func (a *Area) StartCommit(opts CommitOptions) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	err := a.claim()
	if err == nil {
		// Probe the medium and read its newest session without the
		// lock: a drive may take seconds to answer.
		a.starting = true
		a.mu.Unlock()
		pr := a.probe()
		a.mu.Lock()
		err = a.startCommit(opts, pr)
		a.starting = false
		a.ioDone.Broadcast()
	}
	if err != nil {
		a.outcome(Outcome{ID: opts.ID, State: OutcomeRefused, Error: errtext.Text(err), Code: a.code(err)})
	}
	return err
}

// claim refuses a commit while the area is closed or another commit
// runs or starts. It runs with a.mu held.
func (a *Area) claim() error {
	if a.closed {
		return ErrAreaClosed
	}
	if err := a.settle(); err != nil {
		return err
	}
	if a.commit != nil || a.starting {
		// Refused, and only this caller learns it: the running commit's
		// outcome, and the area's last error, are not this refusal's.
		return fmt.Errorf("staging: commit: %w", ErrBusy)
	}
	return nil
}

func (a *Area) startCommit(opts CommitOptions, pr probed) error {
	if a.closed {
		return ErrAreaClosed
	}
	if a.conflictsShown {
		// The last commit reported them: they are history now.
		a.status.Conflicts, a.status.RebasedOnto, a.conflictsShown = nil, nil, false
	}
	// Another writer may have added a session since the changes were
	// staged: they move onto it first (rebase.go).
	if pr.newErr != nil {
		return a.fail(fmt.Errorf("staging: commit: read newest session: %w", pr.newErr))
	}
	if err := a.rebaseOnto(pr.root, pr.start, pr.heads); err != nil {
		return a.fail(fmt.Errorf("staging: commit: %w", err))
	}
	if opts.Close && !a.pending() {
		if f, ok := a.medium.(Finalizer); ok {
			return a.finalize(f, opts.ID, pr)
		}
	}
	if a.pending() {
		if err := a.stageSparse(); err != nil {
			return a.fail(fmt.Errorf("staging: commit: %w", err))
		}
	}
	if err := a.check(pr); err != nil {
		return a.fail(err)
	}
	a.status.GaveUpOn, a.status.Partial = nil, nil
	c := &commitState{done: make(chan struct{})}
	if open := a.openWriters(); len(open) > 0 && !opts.Now {
		wait := opts.WaitOpen
		if wait == 0 {
			wait = DefaultWaitOpen
		}
		if wait < 0 {
			a.status.GaveUpOn = open
			return a.fail(openError(open, 0))
		}
		c.stop = make(chan struct{})
		c.outcome = Outcome{ID: opts.ID, State: OutcomeRunning}
		a.outcome(c.outcome)
		a.commit, a.last = c, c
		a.status.State = StateWaiting
		a.status.Phase = "waiting for files open for writing"
		a.status.Done, a.status.Total, a.status.Percent, a.status.ETASeconds = 0, 0, 0, 0
		a.status.Progress = nil
		a.status.LastError = ""
		go a.waitOpen(c, opts, wait)
		return nil
	}
	if err := a.snapshot(c, opts, pr.info); err != nil {
		if a.commit == c {
			a.commit = nil
		}
		return a.fail(err)
	}
	return nil
}

// Finalizer is a Medium that may be closed without writing a session.
type Finalizer interface {
	// CanFinalize tells, without touching the medium, whether the
	// medium described by info can be closed without a session.
	CanFinalize(info MediumInfo) bool
	// Finalize closes the medium: it takes no more sessions.
	Finalize(ctx context.Context) error
}

// finalize starts closing the medium without a session, for a commit
// with Close and nothing staged, as a commit of its own (phase
// "closing"). A medium that needs a session to close refuses at once
// with ErrNothingStaged. It runs with a.mu held.
func (a *Area) finalize(f Finalizer, id string, pr probed) error {
	info, err := pr.info, pr.infoErr
	if err != nil {
		return a.fail(fmt.Errorf("staging: close the medium: probe medium: %w", err))
	}
	if info.Closed {
		return a.fail(fmt.Errorf("staging: close the medium: %w", ErrClosed))
	}
	if info.Sessions == 0 || !f.CanFinalize(info) {
		return a.fail(fmt.Errorf("staging: close the %s medium with nothing staged: %w", info.Profile, ErrNeedsSession))
	}
	c := &commitState{done: make(chan struct{}), outcome: Outcome{ID: id, State: OutcomeRunning}}
	a.outcome(c.outcome)
	a.commit, a.last = c, c
	a.status.State = StateCommitting
	a.status.Phase = "closing"
	a.status.Done, a.status.Total, a.status.Percent, a.status.ETASeconds = 0, 0, 0, 0
	a.status.Progress = nil
	a.status.LastError = ""
	a.status.GaveUpOn, a.status.Partial = nil, nil
	go func() {
		err := f.Finalize(context.Background())
		a.forgetMedium()
		a.mu.Lock()
		a.commit = nil
		a.status.State = StateIdle
		a.status.Commits++
		if err != nil {
			c.err = a.fail(fmt.Errorf("staging: close the medium: %w", err))
			c.outcome.State, c.outcome.Error, c.outcome.Code = OutcomeFailed, errtext.Text(c.err), a.code(c.err)
		} else {
			a.mediumClosed = true
			a.status.Phase = "done"
			a.status.Percent = 100
			a.status.LastError = ""
			c.outcome.State = OutcomeDone
		}
		a.outcome(c.outcome)
		a.mu.Unlock()
		close(c.done)
	}()
	return nil
}

// check tells whether a commit could start now: something is pending
// and the medium takes another session. It runs with a.mu held.
func (a *Area) check(pr probed) error {
	if !a.pending() {
		return fmt.Errorf("staging: commit: %w", ErrNothingStaged)
	}
	info, err := pr.info, pr.infoErr
	if err != nil {
		return fmt.Errorf("staging: commit: probe medium: %w", err)
	}
	if info.Closed {
		return fmt.Errorf("staging: commit: %w", ErrClosed)
	}
	return nil
}

// openWriters lists the staged files of the view open for writing,
// sorted by path. It runs with a.mu held.
func (a *Area) openWriters() []OpenFile {
	var out []OpenFile
	for e := range a.open {
		if e.st().writers > 0 && e.data != "" && !e.st().removed && e.parent != nil {
			out = append(out, OpenFile{Path: a.path(e), Size: a.attr(e).Size})
		}
	}
	if len(a.ended) > 0 {
		a.endedWriters(func(e *entry) {
			if e.st().writers == 0 && e.parent != nil {
				out = append(out, OpenFile{Path: a.path(e), Size: a.attr(e).Size, MountEnded: true})
			}
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// endedWriters calls each with the staged files still written through
// a mount that ended, and forgets those no longer written (or gone), as
// a handle writing directly is forgotten at its release. It runs with
// a.mu held.
func (a *Area) endedWriters(each func(e *entry)) {
	still := a.marked(maps.Keys(a.ended))
	for e := range a.ended {
		if still[e] {
			each(e)
			continue
		}
		delete(a.ended, e)
		a.wpins--
		a.wrote(e)
	}
}

// endedPoll is how often a commit waiting for files written through a
// mount that ended looks whether they are closed.
const endedPoll = 200 * time.Millisecond

// openError is the refusal of a commit that found files open for
// writing.
func openError(open []OpenFile, waited time.Duration) error {
	names := make([]string, len(open))
	for i, f := range open {
		names[i] = fmt.Sprintf("%s (%d bytes so far)", f.Path, f.Size)
		if f.MountEnded {
			names[i] = fmt.Sprintf("%s (%d bytes so far, open through a mount of this area that ended, its process killed: close the program that has it open)", f.Path, f.Size)
		}
	}
	what := "1 staged file is"
	if len(open) != 1 {
		what = fmt.Sprintf("%d staged files are", len(open))
	}
	after := ""
	if waited > 0 {
		after = " after waiting " + waited.String()
	}
	return fmt.Errorf("staging: commit: %s still open for writing%s, nothing written: %s: %w",
		what, after, strings.Join(names, ", "), ErrOpenForWriting)
}

// waitOpen waits up to wait for the staged files open for writing to be
// closed, then takes the snapshot and writes it, or gives up.
func (a *Area) waitOpen(c *commitState, opts CommitOptions, wait time.Duration) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	timedOut, stopped := false, false
	a.mu.Lock()
	for {
		open := a.openWriters()
		var err error
		switch {
		case stopped && c.canceled:
			err = fmt.Errorf("staging: commit: %w before it started; the staged changes are kept", ErrCanceled)
		case stopped:
			err = fmt.Errorf("staging: commit: %w", ErrAreaClosed)
		case len(open) == 0:
			// Probe without the lock, then look again: a writer may
			// have opened a file meanwhile.
			a.mu.Unlock()
			pr := a.probe()
			a.mu.Lock()
			if len(a.openWriters()) > 0 && !stopped && !timedOut {
				continue
			}
			if err = a.check(pr); err == nil {
				err = a.snapshot(c, opts, pr.info)
			}
			if err == nil {
				a.mu.Unlock()
				return
			}
		case timedOut:
			a.status.GaveUpOn = open
			err = openError(open, wait)
		default:
			if a.wake == nil {
				a.wake = make(chan struct{})
			}
			w := a.wake
			// Nothing tells when a program closes a file of a mount
			// that ended: look again now and then.
			var poll <-chan time.Time
			if len(a.ended) > 0 {
				poll = time.After(endedPoll)
			}
			a.mu.Unlock()
			select {
			case <-w:
			case <-poll:
			case <-timer.C:
				timedOut = true
			case <-c.stop:
				stopped = true
			}
			a.mu.Lock()
			continue
		}
		a.commit = nil
		a.status.State = StateIdle
		a.status.Phase = ""
		a.status.Commits++
		c.err = a.fail(err)
		c.outcome.State, c.outcome.Error, c.outcome.Code = OutcomeFailed, errtext.Text(c.err), a.code(c.err)
		c.outcome.Stopped = errors.Is(err, ErrCanceled)
		a.outcome(c.outcome)
		a.mu.Unlock()
		close(c.done)
		return
	}
}

// snapshot freezes the staged state, records it and starts writing it
// in the background as commit c, on the medium described by info. It
// runs with a.mu held, but lets go of it while writes under way end and
// while it projects the session's size; a.commit (c) or a.starting
// keeps other commits, discards and Close out meanwhile.
func (a *Area) snapshot(c *commitState, opts CommitOptions, info MediumInfo) error {
	a.quiet()
	gen := a.gen
	root, files, err := a.tree(true)
	a.loud()
	if err != nil {
		a.collect()
		return err
	}
	c.files = files
	a.snapped = true
	a.keepStagedSizes(files)
	var need uint32
	var warnings *master.WarningSummary
	projected := false
	switch {
	case info.Free < 0:
		// Only a medium with a capacity needs the size before the
		// commit; writing lays the session out anyway.
	case info.Capacity == 0 && info.Free >= sizeBound(files, a.entries.len()):
		// An image whose file system has room for the session at its
		// largest: the session is not laid out twice.
	case a.projectedNow(gen, layoutOf(opts)):
		// Status or statfs projected this very state already.
		need, warnings, projected = a.projSize, a.projWarn, true
	default:
		a.mu.Unlock()
		var ws []master.Warning
		need, ws, err = a.medium.Project(root, opts)
		warnings = keepWarnings(ws)
		a.mu.Lock()
		projected = true
	}
	undo := func(err error) error {
		a.unfreeze()
		c.files = nil
		a.collect()
		return err
	}
	switch {
	case a.closed:
		return undo(ErrAreaClosed)
	case err != nil:
		return undo(fmt.Errorf("staging: commit: project session size: %w", err))
	case info.Free >= 0 && int64(need) > info.Free:
		where := info.FreeWhere
		if where == "" {
			where = "the medium"
		}
		return undo(fmt.Errorf("staging: commit: needs %s (%d sectors), %s (%d sectors) free on %s: %w",
			humanize.IBytes(uint64(need)*tree.SectorSize), need, humanize.IBytes(uint64(info.Free)*tree.SectorSize), info.Free, where, ErrNoSpace))
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now().Truncate(10 * time.Millisecond)
	}
	inf := inflightRecord{Gen: gen, Start: info.NextWritable, Time: opts.Time.UnixNano(), Files: files}
	// The snapshot must be durable before the medium is touched. Times
	// set since it was taken were recorded before it: they go with it
	// again, marked, for a restart that finishes the commit to keep.
	err = a.j.append(&change{Gen: a.gen, NextID: a.nextID, Inflight: &inf, Put: puts(a.liveRetimed())})
	if err == nil {
		// Synced without the lock (a.starting or a.commit keeps other
		// commits out meanwhile).
		a.mu.Unlock()
		err = a.j.sync()
		a.mu.Lock()
	}
	if err == nil && a.closed {
		err = ErrAreaClosed
	}
	if err != nil {
		return undo(fmt.Errorf("staging: commit: record snapshot: %w", err))
	}
	a.inflight = &inf
	a.pendingCache.info = &info // Status shows it while the commit writes
	// While the commit writes, Status shows the list of the state it
	// writes, if one was made; a list of an earlier state (before the
	// last commit, say) goes, and the changes are not counted
	// meanwhile. The base session's tree goes now, not after the
	// commit: on a disc of a million files it is a quarter of a
	// gigabyte the commit's own trees would be piled on. A commit that
	// fails leaves the next list to read it again.
	a.listForCommit(gen)
	a.pendingCache.forgetBase()
	// Status shows this session's size while it is written: the
	// projection when one was made, else the data it writes.
	a.projErr, a.projWarn = nil, nil
	if projected {
		a.projSize, a.projWarn = need, warnings
		if c := a.sizes; c.ok && c.version == a.version && a.wpins == 0 {
			a.projKey = projectionKey(gen, c.bytes, layoutOf(opts))
		} else {
			a.projKey = projection{}
		}
	} else {
		a.projKey, a.projSize = projection{}, dataSectors(files)
	}
	c.outcome = Outcome{ID: opts.ID, State: OutcomeRunning, Note: info.Note}
	a.outcome(c.outcome)
	a.commit, a.last = c, c
	for _, f := range files {
		if f.open {
			a.status.Partial = append(a.status.Partial, OpenFile{Path: joinName(f.Path, f.PathB), Size: f.size})
		}
	}
	a.prog.reset()
	a.status.State = StateCommitting
	a.status.Phase = "mastering"
	a.status.Done, a.status.Total, a.status.Percent, a.status.ETASeconds = 0, 0, 0, 0
	a.status.Progress = nil
	a.status.LastError = ""
	go a.run(c, root, &inf, opts)
	return nil
}

// listForCommit keeps the status list for a commit whose snapshot was
// just taken when it is that of the state snapshotted (its sizes read
// again where files were written), and drops it otherwise: none is made
// now, which would compare every path and stat every staged file under
// the lock. It runs with a.mu held.
func (a *Area) listForCommit(gen uint64) {
	pc := &a.pendingCache
	if pc.answers(false, gen, a.pendingKey()) {
		a.refreshSizes()
	} else {
		pc.list, pc.sized = nil, nil
	}
}

// sizeBound is more sectors than a session of entries entries, files
// of them staged, can take: their data, and for every entry, each
// session writing the whole tree again, its UDF file entry (a sector)
// and its records in ISO 9660, Rock Ridge (with continuation areas for
// long names and link targets), Joliet, UDF and the path tables: a
// folder takes four sectors and a third, a link with a target of a
// thousand bytes four; six is the bound, with room for the volume's
// own structures.
func sizeBound(files []commitFile, entries int) int64 {
	return int64(dataSectors(files)) + 6*int64(entries) + 1024
}

// dataSectors is the size of the data of a commit's files, in sectors.
func dataSectors(files []commitFile) uint32 {
	var n uint64
	for _, f := range files {
		n += uint64((f.size + tree.SectorSize - 1) / tree.SectorSize)
	}
	return uint32(min(n, Unbounded))
}

func (a *Area) run(c *commitState, root *tree.Node, inf *inflightRecord, opts CommitOptions) {
	opts.Progress = a.track(opts.Progress) // progress.go
	ctx := a.burnContext(c)                // cancel.go
	// The tree is counted now and not held past the append: the
	// medium reads the session back after writing it, and on a disc
	// of a million files the tree is a quarter of a gigabyte beside
	// the trees the read-back reads.
	files := countFiles(root)
	wrote, res, err := a.appendSession(ctx, root, opts) // progress.go
	err = canceled(ctx, err)
	a.forgetMedium()
	var newRoot *tree.Node
	var start uint32
	if err == nil {
		newRoot, start, err = a.medium.Newest()
		if err == nil && newRoot == nil {
			err = fmt.Errorf("staging: medium reads blank after the commit")
		}
		if err == nil && start > wrote {
			// Another program added a session right after this one:
			// the new base is the session written here, so the next
			// commit rebases onto theirs (rebase.go).
			newRoot, start = a.ownSession(wrote, newRoot, start)
		}
	}
	number := 0
	if err == nil {
		if info, ierr := a.mediumInfo(); ierr == nil {
			number = info.Sessions
		}
	}
	var sectors uint32
	var head string
	if err == nil {
		sectors, head = a.listedSize(start), a.headOf(start)
	}
	a.mu.Lock()
	last, _ := a.prog.load()
	a.prog.reset()
	if err == nil {
		err = a.finish(inf, newRoot, start, sectors, head)
	} else {
		a.unfreeze()
		end := a.clearInflight
		if res.Written {
			end = func() error { return a.noteFailed(res) }
		}
		if cerr := end(); cerr != nil {
			err = fmt.Errorf("%w (and: %v)", err, cerr)
		}
	}
	a.commit = nil
	a.status.State = StateIdle
	a.status.Commits++
	if err != nil {
		c.err = fmt.Errorf("staging: commit: %w", err)
		a.status.LastError = errtext.Text(c.err)
		c.outcome.State, c.outcome.Error, c.outcome.Code = OutcomeFailed, errtext.Text(c.err), a.code(c.err)
		c.outcome.Stopped, c.outcome.Closed = errors.Is(err, ErrCanceled), res.Closed
	} else {
		a.status.LastError = ""
		c.outcome.State, c.outcome.Session, c.outcome.Start = OutcomeDone, number, start
		if start < wrote {
			c.outcome.Start, c.outcome.Listed = wrote, &start
		}
		c.outcome.Sectors, c.outcome.Files, c.outcome.Verified = res.Sectors, files, res.Verified
		if len(res.Warnings) > 0 {
			n := master.SummaryExamples
			if opts.AllWarnings {
				n = -1
			}
			ws := master.SummarizeWarnings(res.Warnings, n)
			c.outcome.Warnings = &ws
		}
		a.trackDone(last)
		a.status.Phase = "done"
		a.status.Percent = 100
		a.mediumClosed = opts.Close
		a.status.ETASeconds = 0
		a.status.LastSession = start
		a.conflictsShown = a.status.RebasedOnto != nil
	}
	a.outcome(c.outcome)
	big := a.big()
	a.mu.Unlock()
	// The data files the session now holds go without the lock, and
	// after the outcome shows, but before Wait returns.
	if err := a.collectUnlocked(); err != nil {
		log.Print(err)
	}
	if big {
		// The commit read and built several trees of the whole disc
		// (a Node per file in each, gigabytes on a disc of a million
		// files): garbage now, handed back to the system at once
		// rather than left resident until the runtime gets round to
		// it.
		debug.FreeOSMemory()
	}
	close(c.done)
}

// bigArea is the number of entries from which an area gives the memory
// a commit or a projection used back to the system when it ends (a
// full collection).
var bigArea = 100_000

// big reports whether the area holds bigArea entries or more: it hands
// back the memory a commit or projection used, and does not keep the
// base tree its status list was made against (pendingLocked). It runs
// with a.mu held.
func (a *Area) big() bool { return a.entries.len() >= bigArea }

// pending reports whether anything waits for the next session: a
// change since the base was written, or a staged file (one that was
// written directly during the last commit stays staged).
func (a *Area) pending() bool {
	if a.gen != a.baseGen {
		return true
	}
	for _, e := range a.entries.all() {
		if e.data != "" {
			return true
		}
	}
	return false
}

// stageSparse copies every disc file with holes, or compressed, up into
// a data file before a commit (inline.go), as a write through the mount
// would. It runs with a.mu held and lets go of it while it copies. A
// file compressed in a way that cannot be read fails it, named, with
// tree.ErrCompression. Copies that would take more than the area's file
// system has free are refused before any is made, naming the files,
// with ErrAreaFull: a zisofs2 file may hold many times its bytes on
// the disc.
func (a *Area) stageSparse() error {
	var sparse []*entry
	var need int64
	for _, e := range a.entries.all() {
		if e.data == "" && e.kids == nil && tree.WrittenAnew(e.ext) {
			sparse = append(sparse, e)
			need += min(max(e.size, 0), math.MaxInt64-need) // no wrap
		}
	}
	if free := freeSpace(a.dir); free >= 0 && need > free {
		var names []string
		for _, e := range sparse[:min(len(sparse), 3)] {
			names = append(names, a.path(e))
		}
		if len(sparse) > 3 {
			names = append(names, fmt.Sprintf("%d more", len(sparse)-3))
		}
		return fmt.Errorf("copy up %s (disc files written anew, %s uncompressed): the file system of staging area %s has %s free: %w",
			strings.Join(names, ", "), humanize.IBytes(uint64(need)), a.dir, humanize.IBytes(uint64(free)), ErrAreaFull)
	}
	for _, e := range sparse {
		if e.st().removed || e.data != "" || !tree.WrittenAnew(e.ext) {
			continue // gone or changed while another one was copied
		}
		if err := a.stage(e, -1); err != nil {
			if errors.Is(err, tree.ErrCompression) {
				// A file no session can write anew (zisofs2 of an
				// algorithm not read here): the user's to remove.
				return fmt.Errorf("%w: remove or replace %s to add a session", err, a.path(e))
			}
			return err
		}
	}
	return nil
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
func (a *Area) finish(inf *inflightRecord, root *tree.Node, start, sectors uint32, head string) error {
	var put []*entry
	// Each committed path is found without an index of every path of
	// the session, and without scanning a folder for each of its files.
	find := tree.NewFinder(root)
	for _, f := range inf.Files {
		e := a.entries.get(f.ID)
		if e == nil {
			continue
		}
		// A file read directly by handles was committed from a copy:
		// it goes to the medium too if nothing wrote it since.
		readOnly := f.live != "" && e.data == f.live && e.st().writes == f.writes && e.st().wpins == 0
		if e.data != f.Data && !readOnly || f.Data == "" && e.x().inline == "" {
			continue
		}
		n := find.Find(joinName(f.Path, f.PathB))
		if n == nil || !n.IsRegular() {
			continue
		}
		if readOnly && e.st().opens > 0 {
			// Its handles go on using the data file, which holds
			// the same bytes as the medium, until they close.
			e.mut().cache = e.data
		} else if e.st().file != nil {
			e.st().file.Close()
			e.mut().file = nil
		}
		e.ext, e.size, e.data = discExtents(n), n.Size, ""
		e.setInline(inlineOf(n))
		if !e.st().retimed {
			e.mtime, e.atime = StampOf(n.ModTime), StampOf(n.AccessTime)
			if n.AccessTime.IsZero() {
				e.atime = e.mtime
			}
		}
		put = append(put, e)
	}
	a.unfreeze()
	// The base switch must be durable before the caller goes on. It
	// rewrote much of the state, so the journal starts over with a
	// snapshot of it (synced, then renamed over the journal); only if
	// that fails is the switch appended as one record.
	oldBase := [4]uint64{a.baseGen, uint64(a.base), uint64(a.baseSectors), 0}
	oldBlank, oldInflight, oldFailed, oldHead := a.blank, a.inflight, a.failed, a.baseHead
	a.baseGen, a.base, a.blank, a.baseSectors, a.baseHead = inf.Gen, start, false, sectors, head
	a.inflight, a.failed = nil, nil
	a.pendingCache.forgetBase()
	// The projection was of the session just written, laid out on the
	// base before it: its warnings go too.
	a.projKey, a.projWarn = projection{}, nil
	a.version++
	if cerr := a.compact(); cerr != nil {
		err := a.j.append(&change{Gen: a.gen, NextID: a.nextID, Put: puts(put),
			Base: &baseRecord{Gen: inf.Gen, Start: start, Sectors: sectors, Head: a.baseHead}, ClearInflight: true})
		if err == nil {
			err = a.j.sync()
		}
		if err != nil {
			a.baseGen, a.base, a.baseSectors, a.baseHead = oldBase[0], uint32(oldBase[1]), uint32(oldBase[2]), oldHead
			a.blank, a.inflight, a.failed = oldBlank, oldInflight, oldFailed
			return fmt.Errorf("staging: record the new session at LBA %d: %w (compaction: %v)", start, err, cerr)
		}
		log.Printf("staging: compact journal of area %q: %v", a.dir, cerr)
	}
	return nil
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
	for {
		// Read the newest session without the lock; a commit that
		// ended meanwhile changed it: read again.
		gen := a.info.gen.Load()
		root, start, err := a.medium.Newest()
		head := ""
		if err == nil && root != nil {
			head = a.headOf(start)
		}
		a.mu.Lock()
		if a.closed {
			a.mu.Unlock()
			return ErrAreaClosed
		}
		if a.commit != nil || a.starting {
			a.mu.Unlock()
			return fmt.Errorf("staging: discard: %w", ErrBusy)
		}
		if err := a.settle(); err != nil {
			a.mu.Unlock()
			return err
		}
		if a.info.gen.Load() != gen {
			a.mu.Unlock()
			continue
		}
		err = a.discard(root, start, head, err)
		a.mu.Unlock()
		a.forgetMedium()
		return err
	}
}

func (a *Area) discard(root *tree.Node, start uint32, head string, err error) error {
	if err != nil {
		return a.fail(fmt.Errorf("staging: discard: read newest session: %w", err))
	}
	for e := range a.open {
		e.mut().removed = true
	}
	if err := a.reset(root, start, head); err != nil {
		return a.fail(err)
	}
	a.status.LastError = ""
	return a.collect()
}

// Status returns the area's state and accounting. It projects the next
// session's size, which it caches until something changes. The medium's
// facts come from a cache (unlocked.go); nothing slow runs under the
// area's lock.
func (a *Area) Status() Status {
	a.loadPendingBase()
	a.mu.Lock()
	s := a.status
	// The lists are the area's, updated in place: the status gets
	// copies, so that it stays what it was when taken.
	s.Outcomes, s.Conflicts = slices.Clone(s.Outcomes), slices.Clone(s.Conflicts)
	s.GaveUpOn, s.Partial = slices.Clone(s.GaveUpOn), slices.Clone(s.Partial)
	writing, before := a.commit != nil && s.State == StateCommitting, a.pendingCache.info
	if e, ok := a.prog.load(); ok && writing {
		s.Progress = &e
		s.Phase, s.Done, s.Total = string(e.Phase), e.PhaseDone, e.PhaseTotal
		s.Percent, s.ETASeconds = e.Percent, max(e.ETASeconds, 0)
	}
	s.OpenForWriting = a.openWriters()
	s.Pending = a.pending()
	if writing && a.pendingCache.list == nil {
		// The list kept from before the commit is what a status
		// shows while it writes (pendingLocked); with none kept,
		// making one now would stat every staged file and compare
		// every path under the lock, beside the commit, for each
		// command that follows it.
		s.ChangesUncounted = true
	} else {
		p := a.pendingLocked(false)
		s.Changes, s.ChangesError = p.Counts, p.Error
	}
	a.mu.Unlock()
	s.StagedFiles, s.StagedBytes = a.staged()
	if writing && before != nil {
		// The medium is being written: what it held before the commit
		// stands (a first session's head is not readable yet).
		s.FreeSectors, s.Sessions, s.Closed, s.MediumNote = before.Free, before.Sessions, before.Closed, before.Note
		s.NextWritable, s.Profile, s.Tray = before.NextWritable, before.Profile, before.Tray
	} else if info, err := a.mediumInfo(); err == nil {
		s.LastError = a.clearStaleError(s.LastError) // pending.go
		s.FreeSectors, s.Sessions, s.Closed, s.MediumNote = info.Free, info.Sessions, info.Closed, info.Note
		s.NextWritable, s.Profile, s.Tray = info.NextWritable, info.Profile, info.Tray
	} else {
		s.MediumError = err.Error()
	}
	var perr error
	var ws *master.WarningSummary
	if s.ProjectedSectors, ws, perr = a.projected(); perr != nil {
		s.ProjectError = errtext.Text(perr)
		a.mu.Lock()
		s.ProjectCode = a.code(perr)
		a.mu.Unlock()
	}
	if ws != nil {
		// The kept summary, not its warnings summed up again for each
		// status (a commit polls it).
		w := ws.Trim(master.SummaryExamples)
		s.Warnings = &w
	}
	s.Area, s.AreaFree = a.dir, freeSpace(a.dir)
	return s
}

// stagedFile is a staged file's data file, for sizes read without the
// lock.
type stagedFile struct {
	data string
	file *os.File
}

// stagedFiles lists the staged files. It runs with a.mu held.
func (a *Area) stagedFiles() []stagedFile {
	var out []stagedFile
	for _, e := range a.entries.all() {
		if e.data != "" {
			out = append(out, stagedFile{e.data, e.st().file})
		}
	}
	return out
}

// keepStagedSizes fills the cache of the staged files' number and size
// (staged) from the files a commit's snapshot just took, whose sizes it
// read under the lock: the status reads that follow the commit do not
// stat every staged file again. It does nothing when a staged file is
// not in the snapshot (open and unlinked) or a handle writes a data file
// directly. It runs with a.mu held.
func (a *Area) keepStagedSizes(files []commitFile) {
	if a.wpins != 0 {
		return
	}
	n, bytes := 0, int64(0)
	for _, f := range files {
		if f.Data != "" {
			n, bytes = n+1, bytes+f.size
		}
	}
	staged := 0
	for _, e := range a.entries.all() {
		if e.data != "" {
			staged++
		}
	}
	if staged == n {
		a.sizes = sizeCache{ok: true, version: a.version, files: n, bytes: bytes}
	}
}

// stagedBytes adds up the sizes of staged files. It runs without a.mu:
// a data file removed meanwhile counts as empty.
func (a *Area) stagedBytes(files []stagedFile) int64 {
	var n int64
	for _, f := range files {
		var fi os.FileInfo
		var err error
		if f.file != nil {
			fi, err = f.file.Stat()
		}
		if f.file == nil || err != nil {
			fi, err = os.Stat(a.dataPath(f.data))
		}
		if err == nil {
			n += fi.Size()
		}
	}
	return n
}

// projectedNow reports whether the cached projection is that of the
// state at generation gen, as it is now (nothing written since: the
// staged sizes are known without reading them again), laid out with l.
// It runs with a.mu held.
func (a *Area) projectedNow(gen uint64, l layout) bool {
	c := a.sizes
	return a.projErr == nil && a.wpins == 0 && c.ok && c.version == a.version && a.gen == gen &&
		a.projKey == projectionKey(gen, c.bytes, l)
}

// projection names what a projection is made for: the state (the
// generation plus one, so that no key is the zero value, and the staged
// bytes) and the layout it was laid out with.
type projection struct {
	gen, bytes uint64
	layout     layout
}

// projectionKey returns the projection of the state at generation gen
// with stagedBytes staged, laid out with l.
func projectionKey(gen uint64, stagedBytes int64, l layout) projection {
	return projection{gen: gen + 1, bytes: uint64(stagedBytes), layout: l}
}

// Projected returns the size in sectors the next session would have, 0
// when nothing is pending.
func (a *Area) Projected() (uint32, error) {
	n, _, err := a.projected()
	return n, err
}

// keptWarnings is how many warnings about names the area keeps in full
// of its projection (Area.PendingWithWarnings lists them); the rest are
// counted.
const keptWarnings = 1000

// keepWarnings sums ws up as the area keeps them with its projection:
// counts, and the first keptWarnings in full; nil when there is nothing
// to warn about.
func keepWarnings(ws []master.Warning) *master.WarningSummary {
	if len(ws) == 0 {
		return nil
	}
	s := master.SummarizeWarnings(ws, keptWarnings)
	return &s
}

// keptProjection returns the kept projection when it answers for the
// state as it is, without laying the session out: kept is true when
// nothing is pending (0 and no warnings), when a commit is starting or
// writing (the last projection), or when the projection was made of
// this very state. Otherwise k names the state a projection is to be
// made for.
func (a *Area) keptProjection() (n uint32, ws *master.WarningSummary, k projection, kept bool, err error) {
	a.mu.Lock()
	if !a.pending() {
		a.mu.Unlock()
		return 0, nil, k, true, nil
	}
	if a.starting || (a.commit != nil && a.status.State == StateCommitting) {
		// A commit is starting or writing: keep the last projection.
		defer a.mu.Unlock()
		return a.projSize, a.projWarn, k, true, a.projErr
	}
	gen, l := a.gen, a.projOpts
	a.mu.Unlock()
	_, bytes := a.staged()
	k = projectionKey(gen, bytes, l)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.projKey == k {
		// Unchanged, and laid out as the status lays it out: keep
		// the last projection.
		return a.projSize, a.projWarn, k, true, a.projErr
	}
	return 0, nil, k, false, nil
}

// projected returns the size in sectors the next session would have and
// the warnings it would be written with, summed up (keepWarnings); 0 and
// none when nothing is pending. The projection is kept until the staged
// state changes.
func (a *Area) projected() (uint32, *master.WarningSummary, error) {
	n, ws, k, kept, err := a.keptProjection()
	if kept {
		return n, ws, err
	}
	a.mu.Lock()
	if a.projKey == k {
		// Projected meanwhile.
		defer a.mu.Unlock()
		return a.projSize, a.projWarn, a.projErr
	}
	root, _, err := a.tree(false)
	big := a.big()
	a.mu.Unlock()
	if err == nil {
		var all []master.Warning
		n, all, err = a.medium.Project(root, k.layout.options())
		ws = keepWarnings(all)
	}
	a.mu.Lock()
	a.projKey, a.projSize, a.projWarn, a.projErr = k, n, ws, err
	if err != nil && !errors.Is(err, master.ErrBadName) && !errors.Is(err, master.ErrUnsupported) {
		// The medium's fault (a drive not ready), not the tree's: the
		// next call asks again.
		a.projKey = projection{}
	}
	a.mu.Unlock()
	if big {
		// The projection laid the whole next session out (about 2 GB
		// on a disc of a million files): garbage now, handed back to
		// the system in the background rather than left resident
		// until the next commit.
		go debug.FreeOSMemory()
	}
	return n, ws, err
}

// Unbounded is the size, in sectors, statfs reports for a medium with no
// capacity (an image file that may grow): 4 TiB.
const Unbounded = 1 << 31

// quickProjection is how many entries an area may hold for Space to lay
// the next session out before it answers. A larger area answers from an
// estimate while the layout runs in the background: on a disc of a
// million files it took 23 s, and every df, and every file manager that
// asks the free space of the folder it shows, waited for it.
const quickProjection = 100_000

// Space returns the medium's size and what is left once the pending
// session is written, in sectors, for statfs. Over a large area, after
// a change, what is left may be an estimate for a while (spaceProjection);
// Status and a commit always lay the session out.
func (a *Area) Space() (total, free uint64, err error) {
	info, err := a.mediumInfo()
	if err != nil {
		return 0, 0, err
	}
	proj := a.spaceProjection()
	total = uint64(info.Capacity)
	if info.Capacity == 0 {
		total = Unbounded
	}
	// Free counts the capacity left past the next writable address
	// and, for an image, the room its file system has; never more than
	// total leaves, though a file system may have room past Unbounded.
	used := uint64(info.NextWritable) + uint64(proj)
	left := total - min(used, total)
	switch {
	case info.Closed:
		return total, 0, nil
	case info.Free < 0:
		return total, left, nil
	case int64(proj) >= info.Free:
		return total, 0, nil
	}
	return total, min(uint64(info.Free)-uint64(proj), left), nil
}

// spaceProjection returns the size of the next session for Space: the
// projection when it is current or the area holds fewer than
// quickProject entries; else an estimate, the last projection grown by
// the staged bytes added since (or the staged bytes alone when there is
// none), while a projection runs in the background for the next call.
func (a *Area) spaceProjection() uint32 {
	a.mu.Lock()
	if a.entries.len() < a.quickProject || !a.pending() {
		a.mu.Unlock()
		n, _ := a.Projected()
		return n
	}
	gen, l, last, lastKey, lastErr := a.gen, a.projOpts, a.projSize, a.projKey, a.projErr
	a.mu.Unlock()
	_, bytes := a.staged()
	if lastKey == projectionKey(gen, bytes, l) && lastErr == nil {
		return last
	}
	a.projectInBackground()
	sectors := func(b int64) uint32 { return uint32((b + tree.SectorSize - 1) / tree.SectorSize) }
	if lastKey == (projection{}) || lastErr != nil {
		return sectors(bytes)
	}
	return last + sectors(max(0, bytes-int64(lastKey.bytes)))
}

// projectInBackground starts a projection unless one runs or the area
// is closing.
func (a *Area) projectInBackground() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.projecting || a.closing || a.closed {
		return
	}
	a.projecting = true
	a.background.Add(1)
	go func() {
		defer a.background.Done()
		a.Projected() //nolint:errcheck // kept with the projection
		a.mu.Lock()
		a.projecting = false
		a.mu.Unlock()
	}()
}

// NoteError keeps err as the last error Status reports, for failures of
// actions around the area (such as ejecting the disc).
func (a *Area) NoteError(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fail(err)
}
