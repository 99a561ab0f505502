package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/discstage/discstage/fs"
	"github.com/discstage/discstage/internal/errtext"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/progress"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
)

// controlPath names a file of a mount's control folder.
func controlPath(mountpoint, name string) string {
	return filepath.Join(mountRoot(mountpoint), fs.ControlName, name)
}

// readStatus reads the status of the mount at mountpoint.
func readStatus(mountpoint string) (staging.Status, error) {
	var s staging.Status
	b, err := os.ReadFile(controlPath(mountpoint, "status"))
	if errors.Is(err, os.ErrPermission) {
		return s, fmt.Errorf("the status of %s is private to the user who mounted it: %w", mountpoint, err)
	}
	if err != nil {
		return s, unreachable(mountpoint, err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("read status of %s: %w", mountpoint, err)
	}
	return s, nil
}

// checkMount fails as readStatus does when mountpoint is no discstage
// mount, without asking the mount for its status (opening the status
// file makes it).
func checkMount(mountpoint string) error {
	if _, err := os.Stat(controlPath(mountpoint, "status")); err != nil {
		return unreachable(mountpoint, err)
	}
	return nil
}

// unreachable is the error of a mount's control file that did not open
// (err): this user may not reach it; no discstage mount is there; or the
// file system there has ended, its process gone (the kernel answers
// ENOTCONN until it is unmounted), which the mount table tells to be a
// discstage mount or another.
func unreachable(mountpoint string, err error) error {
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%s is not open to this user, so whether it is a discstage mount cannot be told (a mount is open to the user who mounted it, and root, unless mounted with --allow-other): %w", mountpoint, err)
	}
	e := &notMountError{dir: mountpoint, err: err}
	if errors.Is(err, syscall.ENOTCONN) || errors.Is(err, syscall.ENXIO) {
		if m, ok, merr := mountAt(mountpoint); merr == nil && ok {
			if m.Type == fs.MountType {
				e.ended = true
			} else {
				e.fs = &m
			}
		}
	}
	return e
}

// actionError is a control action the mount refused; Errno tells why.
type actionError struct {
	Action string
	Errno  syscall.Errno
	Reason string
}

func (e *actionError) Error() string {
	if e.Reason != "" && namesItself(e.Reason) {
		// The mount's reason names its package and operation
		// ("staging: commit: nothing staged"): once is enough.
		return e.Reason
	}
	if e.Reason != "" {
		return fmt.Sprintf("%s: %s", e.Action, e.Reason)
	}
	return fmt.Sprintf("%s: %v", e.Action, e.Errno)
}

func (e *actionError) Unwrap() error { return e.Errno }

// control writes an action to the mount's ctl file, naming it id when id
// is not empty (commit and eject). A refusal comes back with the reason
// the mount put in its status: the action's own outcome, or the last
// error; with the outcome's exit code when it has one of its own (a
// target replaced under the mount exits 3, as from append), else the
// code of the errno the mount answered with.
func control(mountpoint, action, id string) error {
	f, err := os.OpenFile(controlPath(mountpoint, "ctl"), os.O_WRONLY, 0)
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%s: only the user who mounted %s, and root, may act on it: %w", action, mountpoint, err)
	}
	if err != nil {
		return unreachable(mountpoint, err)
	}
	line := action
	if id != "" {
		line += " id=" + id
	}
	_, werr := f.Write([]byte(line + "\n"))
	f.Close()
	if werr == nil {
		return nil
	}
	ae := &actionError{Action: action}
	if !errors.As(werr, &ae.Errno) {
		return fmt.Errorf("%s: %w", action, werr)
	}
	ae.Errno = mountErrno(ae.Errno)
	if s, err := readStatus(mountpoint); err == nil {
		if o, ok := outcomeOf(s, id); ok && id != "" {
			ae.Reason = o.Error
			if o.Code > exitcodes.Other {
				return withCode(ae, o)
			}
		} else {
			ae.Reason = s.LastError
		}
	}
	return ae
}

// commitFlags are the flags of commit and eject about files open for
// writing.
type commitFlags struct {
	now  bool
	wait time.Duration
	udf  udfFlag
}

func (f *commitFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.now, "now", false, "write staged files open for writing as they are now, without waiting for them to be closed")
	cmd.Flags().DurationVar(&f.wait, "wait-timeout", 0, "how long to wait for staged files open for writing to be closed (default: the mount's --wait-timeout; 0s: not at all)")
	f.udf.register(cmd.Flags())
	cmd.Flags().Lookup("udf").Usage += " (default: the mount's --udf)"
}

// words returns what the flags add to a ctl action.
func (f *commitFlags) words(cmd *cobra.Command) string {
	var w string
	if f.now {
		w += " now"
	}
	if cmd.Flags().Changed("wait-timeout") {
		w += " wait=" + f.wait.String()
	}
	if cmd.Flags().Changed("udf") {
		w += " udf=" + f.udf.s
	}
	if verbose {
		w += " verbose" // every mastering warning in the outcome
	}
	return w
}

// describeOpen names files open for writing in the mount at mountpoint,
// with their sizes and, where the system tells, the processes holding
// them.
func describeOpen(mountpoint string, files []staging.OpenFile) string {
	abs, err := filepath.Abs(mountpoint)
	if err != nil {
		abs = mountpoint
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(abs, filepath.FromSlash(f.Path))
	}
	holders := platform.Holders(paths)
	parts := make([]string, len(files))
	for i, f := range files {
		parts[i] = fmt.Sprintf("%s (%s so far)", paths[i], humanize.IBytes(uint64(f.Size)))
		var hs []string
		for _, h := range holders[paths[i]] {
			hs = append(hs, fmt.Sprintf("pid %d (%s)", h.PID, h.Command))
		}
		if len(hs) > 0 {
			parts[i] += ", held by " + strings.Join(hs, ", ")
		}
	}
	return strings.Join(parts, "; ")
}

// openFilesError is a commit that gave up because staged files stayed
// open for writing; it exits with the busy code.
type openFilesError struct{ msg string }

func (e *openFilesError) Error() string { return e.msg }
func (e *openFilesError) Unwrap() error { return syscall.EBUSY }

// openRefusal explains a commit that gave up on files open for writing.
func openRefusal(mountpoint string, s staging.Status) error {
	return &openFilesError{fmt.Sprintf("commit refused, nothing written: %s still open for writing: %s "+
		"(close %s and commit again, or commit --now to write %s as %s)",
		plural(len(s.GaveUpOn), "staged file"), describeOpen(mountpoint, s.GaveUpOn),
		map[bool]string{true: "it", false: "them"}[len(s.GaveUpOn) == 1],
		map[bool]string{true: "it", false: "them"}[len(s.GaveUpOn) == 1],
		map[bool]string{true: "it is", false: "they are"}[len(s.GaveUpOn) == 1])}
}

// refusedForOpenFiles turns a refused action into openRefusal when the
// mount refused it for files open for writing.
func refusedForOpenFiles(mountpoint string, err error) error {
	if !errors.Is(err, syscall.EBUSY) {
		return err
	}
	if s, serr := readStatus(mountpoint); serr == nil && s.State == staging.StateIdle && len(s.GaveUpOn) > 0 {
		return openRefusal(mountpoint, s)
	}
	return err
}

// warnPartial tells about files a commit wrote while they were open for
// writing.
func warnPartial(cmd *cobra.Command, mountpoint string, s staging.Status) {
	for _, f := range s.Partial {
		fmt.Fprintf(cmd.ErrOrStderr(), "discstage: warning: %s was open for writing; it was written as it was then, %d bytes\n",
			filepath.Join(mountpoint, filepath.FromSlash(f.Path)), f.Size)
	}
}

// printOutcomeWarnings tells the mastering warnings of a mount's commit
// as append tells its own.
func printOutcomeWarnings(cmd *cobra.Command, o staging.Outcome) {
	if o.Warnings != nil {
		printSummary(cmd.ErrOrStderr(), *o.Warnings)
	}
}

// newCommitID names a commit this command asks for, so that it finds
// its own commit's outcome in the status (staging.Status.Outcomes).
func newCommitID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

// outcomeOf finds commit id's outcome in a status.
func outcomeOf(s staging.Status, id string) (staging.Outcome, bool) {
	for _, o := range s.Outcomes {
		if o.ID == id {
			return o, true
		}
	}
	return staging.Outcome{}, false
}

// waitCommit follows commit id until it ends, drawing a progress bar,
// and returns its outcome (this command's commit's, whatever other
// commands ask of the mount meanwhile) and the status it ended with.
// While the commit waits for files open for writing, it says which.
func waitCommit(cmd *cobra.Command, mountpoint, id string, d *progress.Display) (o staging.Outcome, s staging.Status, err error) {
	defer func() {
		if err != nil {
			d.Stopped()
		}
		d.Finish()
	}()
	waiting := ""
	ctx, asked := cmd.Context(), false
	var last staging.Status
	// writingOnce: the last status read shows the commit writing to a
	// write-once disc, where a stop costs the session's space. The
	// interrupt handler reads it from its own goroutine.
	var writingOnce atomic.Bool
	poll, await := firstPoll, true
	interrupts.holdWhile(func() string {
		if writingOnce.Load() {
			return writeOnceCost
		}
		return ""
	})
	defer interrupts.holdWhile(nil)
	for {
		if ctx != nil && ctx.Err() != nil && !asked {
			asked = true
			said := "discstage: stopping the commit; the mount ends its burn"
			if written(last) {
				// Stopped once the session is written: there is
				// nothing to stop but its check, which decides whether
				// the staged changes are cleared.
				said = "discstage: " + sessionWritten + " before the mount clears the staged changes"
			} else if err := control(mountpoint, "cancel", ""); err != nil {
				// Stopped: the mount stops the burn; the outcome says
				// how it ended.
				return staging.Outcome{}, last, fmt.Errorf("commit: stop: %w", err)
			}
			if d.JSON() {
				fmt.Fprintln(cmd.ErrOrStderr(), said)
			} else {
				d.Say("stopping", said)
			}
		}
		s, err := readStatus(mountpoint)
		last = s
		writingOnce.Store(s.State == staging.StateCommitting && s.Phase == string(progress.Writing) && s.Tray && !overwritable(s.Profile))
		if err != nil {
			return staging.Outcome{}, s, err
		}
		o, ok := outcomeOf(s, id)
		switch {
		case !ok:
			return o, s, fmt.Errorf("commit: the mount at %s no longer knows this commit (remounted?); see discstage status", mountpoint)
		case o.State == staging.OutcomeFailed || o.State == staging.OutcomeRefused:
			if len(s.GaveUpOn) > 0 && !asked {
				return o, s, openRefusal(mountpoint, s)
			}
			if asked && o.Stopped {
				// The phase it stopped in ends as stopped part way,
				// before what follows is said.
				d.Stopped()
				d.Finish()
				if o.Closed != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "stopped: %s; it was closed, so the disc takes the next commit\n", o.Closed)
					return o, s, fmt.Errorf("%w: commit stopped; the staged changes are kept", errInterrupted)
				}
				return o, s, fmt.Errorf("%w: commit stopped, nothing written; the staged changes are kept", errInterrupted)
			}
			err := fmt.Errorf("commit failed: %s", o.Error)
			if namesItself(o.Error) {
				err = errors.New(o.Error)
			}
			return o, s, withCode(err, o)
		case o.State == staging.OutcomeDone:
			if s.Progress != nil {
				d.Show(*s.Progress)
			}
			return o, s, nil
		}
		if s.State == staging.StateWaiting {
			var paths []string
			for _, f := range s.OpenForWriting {
				paths = append(paths, f.Path)
			}
			if k := strings.Join(paths, "\x00"); k != waiting {
				waiting = k
				d.Say("waiting", fmt.Sprintf("discstage: waiting for %s open for writing to be closed: %s",
					plural(len(s.OpenForWriting), "staged file"), describeOpen(mountpoint, s.OpenForWriting)))
			}
		} else if s.Phase != "" {
			d.Show(statusEvent(s))
		}
		if await {
			// The mount answers as the commit ends, not up to a poll
			// later, so it is asked at the slowest pace; a mount that
			// knows no "await" is slept on, first briefly.
			await = awaitOutcome(mountpoint, id, lastPoll) == nil
		}
		if !await {
			time.Sleep(poll)
		}
		poll = min(poll*3/2, lastPoll)
	}
}

// awaitOutcome asks the mount to wait until commit id ends, at most d
// (the control action "await"); it returns when the commit ended or d
// passed, with an error from a mount that knows no "await".
func awaitOutcome(mountpoint, id string, d time.Duration) error {
	return control(mountpoint, "await for="+d.String(), id)
}

// A command following a commit has the mount wait for the commit's end
// between reads of its status (awaitOutcome), for lastPoll at most: the
// end shows as it comes, and the mount serves a status only a few times
// a second. A mount that knows no "await" is read first every
// firstPoll, then less often, up to every lastPoll.
const (
	firstPoll = 10 * time.Millisecond
	lastPoll  = 200 * time.Millisecond
)

func init() {
	var (
		closeDisc bool
		dryRun    bool
		cf, ef    commitFlags
		pf, epf   progressFlag
	)
	commit := &cobra.Command{
		Use:   "commit MOUNTPOINT",
		Short: "Write what is staged in a mount as a new session",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mp := args[0]
			if dryRun {
				st, err := readStatus(mp)
				if err != nil {
					return err
				}
				return commitDryRun(cmd, mp, st)
			}
			// The status is not read first: it lays out the next
			// session to tell its size, which the commit does anyway.
			if err := checkMount(mp); err != nil {
				return err
			}
			action := "commit"
			if closeDisc {
				action = "commit close"
			}
			d, err := pf.display(cmd)
			if err != nil {
				return err
			}
			id := newCommitID()
			if err := control(mp, action+cf.words(cmd), id); err != nil {
				if errors.Is(err, syscall.ENODATA) {
					// Nothing changed: nothing to write, which is no failure.
					fmt.Fprintln(cmd.OutOrStdout(), "nothing staged: nothing written")
					return nil
				}
				return refusedForOpenFiles(mp, err)
			}
			o, s, err := waitCommit(cmd, mp, id, d)
			if o.Note != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "note: %s\n", o.Note)
			}
			if err != nil {
				return err
			}
			warnPartial(cmd, mp, s)
			printOutcomeWarnings(cmd, o)
			printRebase(cmd.OutOrStdout(), s)
			if closeDisc && o.Session == 0 && s.Closed {
				fmt.Fprintln(cmd.OutOrStdout(), "nothing staged: the medium is closed without a new session")
				return nil
			}
			printWritten(cmd.OutOrStdout(), o)
			d.Outcome(newOutcomeJSON(o.Session, o.Start, o.Sectors, o.Files, o.Verified, closeDisc).withWarnings(o.Warnings))
			if closeDisc {
				fmt.Fprintln(cmd.OutOrStdout(), "the disc is now closed: it takes no more sessions")
			}
			return nil
		},
	}
	commit.Flags().BoolVar(&closeDisc, "close", false, "close (finalize) the disc after this session")
	commit.Flags().BoolVar(&dryRun, "dry-run", false, "print what the session would change and its size, write nothing")
	cf.register(commit)
	pf.register(commit)

	eject := &cobra.Command{
		Use:   "eject MOUNTPOINT",
		Short: "Commit what is staged, then unmount and eject the disc",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mp := args[0]
			before, err := readStatus(mp)
			if err != nil {
				return err
			}
			d, err := epf.display(cmd)
			if err != nil {
				return err
			}
			if before.Pending {
				// Commit first, following it as commit does, so the
				// outcome is known before the mount goes away.
				id := newCommitID()
				if err := control(mp, "commit"+ef.words(cmd), id); err != nil && !errors.Is(err, syscall.ENODATA) {
					return fmt.Errorf("eject: %w", refusedForOpenFiles(mp, err))
				} else if err == nil {
					o, s, err := waitCommit(cmd, mp, id, d)
					if err != nil {
						return fmt.Errorf("eject: nothing ejected: %w", err)
					}
					warnPartial(cmd, mp, s)
					printOutcomeWarnings(cmd, o)
					printWritten(cmd.OutOrStdout(), o)
					d.Outcome(newOutcomeJSON(o.Session, o.Start, o.Sectors, o.Files, o.Verified, false).withWarnings(o.Warnings))
				}
			}
			// What was staged while the session was written stays
			// staged for the next mount: no session more for it.
			staged, serr := readStatus(mp)
			id := newCommitID()
			held := mountLocksAt(mp)
			err = control(mp, "eject nocommit"+ef.words(cmd), id)
			if errors.Is(err, syscall.EINVAL) {
				// A mount of an older discstage, which knows no
				// "nocommit", commits what was staged since.
				err = control(mp, "eject"+ef.words(cmd), id)
			}
			if err != nil {
				return refusedForOpenFiles(mp, err)
			}
			if err := waitEject(cmd, mp, id, before, d); err != nil {
				return err
			}
			if err := waitReleased(held); err != nil {
				return fmt.Errorf("eject %s: %w", mp, err)
			}
			if serr == nil {
				printStaysStaged(cmd.OutOrStdout(), staged)
			}
			return nil
		},
	}
	ef.register(eject)
	epf.register(eject)

	var (
		asJSON bool
		all    bool
		limit  int
	)
	status := &cobra.Command{
		Use:   "status MOUNTPOINT",
		Short: "Show what a mount has staged and how a commit is going",
		Long: `status shows what the next session changes (added, changed, deleted, renamed,
attributes only), the medium's free space and how a running commit goes. The
first changes are listed; --limit sets how many, --all lists them all. The
same list is in MOUNTPOINT/.discstage/pending for file managers.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := readStatus(args[0])
			if err != nil {
				return err
			}
			p, err := readPending(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), newStatusJSON(s, p))
			}
			if all {
				limit = -1
			}
			printStatus(cmd, args[0], s)
			printChanges(cmd.OutOrStdout(), p, limit)
			return nil
		},
	}
	status.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON (format "+fmt.Sprint(jsonFormat)+", see README)")
	status.Flags().BoolVar(&all, "all", false, "list every pending change")
	status.Flags().IntVar(&limit, "limit", defaultListLimit, "list at most this many pending changes")

	unmount := &cobra.Command{
		Use:   "unmount MOUNTPOINT",
		Short: "Unmount a mount; staged files stay for the next mount",
		Long: `Unmount ends the mount at MOUNTPOINT (a folder, or on Windows a drive letter
such as "X:"). Nothing is committed: what is staged stays in the staging area
for the next mount. It waits until the mount's process has let go of the
target. A mount through cgofuse (Windows, macOS, --adapter=cgofuse) is asked to
end itself through its control file and refuses while a commit runs or files
are open in it; a go-fuse mount is unmounted by the system (fusermount -u).
A folder that is no discstage mount (another file system mounted there, or
none) is refused and left alone; a dead discstage mount, its process killed,
is cleaned up.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mp := args[0]
			s, serr := readStatus(mp)
			if serr == nil && s.State == staging.StateCommitting {
				return fmt.Errorf("unmount %s: a commit is running: %w", mp, syscall.EBUSY)
			}
			held := mountLocksAt(mp)
			if err := endMount(mp); err != nil {
				return err
			}
			if err := waitReleased(held); err != nil {
				return fmt.Errorf("unmount %s: %w", mp, err)
			}
			if errors.Is(serr, syscall.ENOTCONN) {
				fmt.Fprintf(cmd.OutOrStdout(), "unmounted a mount whose process had ended; what it staged stays in its staging area for the next mount\n")
			}
			if serr == nil {
				printStaysStaged(cmd.OutOrStdout(), s)
			}
			return nil
		},
	}
	rootCmd.AddCommand(commit, eject, status, unmount)

}

// printStaysStaged says what a mount that ended left staged for the
// next commit, if anything.
func printStaysStaged(w io.Writer, s staging.Status) {
	if !s.Pending {
		return
	}
	if s.ChangesError != "" {
		fmt.Fprintf(w, "changes wait for the next commit (not counted: %s); %s (%s) staged\n", s.ChangesError,
			plural(s.StagedFiles, "file"), size(s.StagedBytes))
		return
	}
	n := s.Changes.Total()
	fmt.Fprintf(w, "%s %s for the next commit: %s; %s (%s) staged\n", plural(n, "change"),
		map[bool]string{true: "waits", false: "wait"}[n == 1], s.Changes, plural(s.StagedFiles, "file"), size(s.StagedBytes))
}

// printStatus shows a status for people.
func printStatus(cmd *cobra.Command, mountpoint string, s staging.Status) {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "state:     %s\n", s.State)
	if s.Pending && s.ChangesUncounted {
		fmt.Fprintln(w, "changes:   not counted while the commit writes")
	} else if s.Pending && s.ChangesError != "" {
		fmt.Fprintf(w, "changes:   not counted: %s\n", s.ChangesError)
	} else if s.Pending {
		fmt.Fprintf(w, "changes:   %s\n", s.Changes)
	}
	if s.Pending && s.ProjectError != "" {
		fmt.Fprintf(w, "staged:    %s, %s; the next session cannot be written: %s\n", plural(s.StagedFiles, "file"),
			size(s.StagedBytes), s.ProjectError)
	} else if s.Pending {
		fmt.Fprintf(w, "staged:    %s, %s; next session about %s\n", plural(s.StagedFiles, "file"),
			size(s.StagedBytes), sectors(s.ProjectedSectors))
	} else {
		fmt.Fprintln(w, "staged:    nothing")
	}
	if s.Pending && s.Warnings != nil && s.State != staging.StateCommitting {
		fmt.Fprintf(w, "warnings:  %s (commit --dry-run lists them)\n", countWarnings(*s.Warnings))
	}
	free := "unbounded"
	if s.FreeSectors >= 0 {
		free = humanize.IBytes(uint64(s.FreeSectors) * 2048)
	}
	closed := ""
	if s.Closed {
		closed = " (closed)"
	}
	if s.MediumError == "" {
		fmt.Fprintf(w, "medium:    %s, %s free%s\n", plural(s.Sessions, "session"), free, closed)
		if left, known := roomAfter(s); s.Pending && !s.ChangesUncounted && known && left < 0 && !s.Closed {
			fmt.Fprintf(w, "space:     the next session does not fit: %s\n", needs(s))
		}
	}
	if s.Area != "" && s.AreaFree >= 0 {
		fmt.Fprintf(w, "staging:   %s, %s free\n", s.Area, humanize.IBytes(uint64(s.AreaFree)))
	}
	if s.State == staging.StateWaiting {
		fmt.Fprintf(w, "commit:    waiting for %s open for writing to be closed: %s\n", plural(len(s.OpenForWriting), "staged file"), describeOpen(mountpoint, s.OpenForWriting))
	} else if len(s.OpenForWriting) > 0 {
		fmt.Fprintf(w, "writing:   %s open for writing (a commit waits for them): %s\n", plural(len(s.OpenForWriting), "staged file"), describeOpen(mountpoint, s.OpenForWriting))
	}
	if s.State != staging.StateWaiting && len(s.GaveUpOn) > 0 {
		fmt.Fprintf(w, "commit:    gave up: %s stayed open for writing: %s\n", plural(len(s.GaveUpOn), "staged file"), describeOpen(mountpoint, s.GaveUpOn))
	}
	if len(s.Partial) > 0 {
		fmt.Fprintf(w, "partial:   the last commit wrote %s open for writing as it was: %s\n", plural(len(s.Partial), "file"), describeOpenPaths(s.Partial))
	}
	if s.State == staging.StateCommitting {
		fmt.Fprintf(w, "commit:    %s\n", commitLine(s))
	}
	if s.MediumError != "" {
		fmt.Fprintf(w, "medium:    %s\n", s.MediumError)
	}
	if s.MediumNote != "" {
		fmt.Fprintf(w, "note:      %s\n", s.MediumNote)
	}
	if s.LastError != "" {
		fmt.Fprintf(w, "last error: %s\n", s.LastError)
	}
	printRebase(w, s)
}

// withCode gives err, a failed or refused commit's error, the exit code
// the mount gave its outcome (Outcome.Code), so that a full medium exits
// as it does from append.
func withCode(err error, o staging.Outcome) error {
	if o.Code > 0 {
		return codedError{err: err, code: o.Code}
	}
	return err
}

// printRebase says onto which session written elsewhere the staged
// changes were moved, and which paths both sides changed.
func printRebase(w io.Writer, s staging.Status) {
	if s.RebasedOnto == nil {
		return
	}
	fmt.Fprintf(w, "rebased:   the staged changes were moved onto the session at LBA %d, written elsewhere", *s.RebasedOnto)
	if len(s.Conflicts) == 0 {
		fmt.Fprintln(w, "; no conflicts")
		return
	}
	fmt.Fprintf(w, "; %s in conflict, the staged version kept unless said:\n", plural(len(s.Conflicts), "path"))
	for _, c := range s.Conflicts {
		fmt.Fprintf(w, "conflict:  %s\n", c)
	}
}

// plural says "1 file", "2 files".
func plural[N int | int64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// describeOpenPaths lists files with their sizes.
func describeOpenPaths(files []staging.OpenFile) string {
	parts := make([]string, len(files))
	for i, f := range files {
		parts[i] = fmt.Sprintf("%s (%s)", f.Path, humanize.IBytes(uint64(f.Size)))
	}
	return strings.Join(parts, ", ")
}

// commitLine says how a running commit goes: "writing 10 MiB of 40 MiB
// (25%); overall 12%, about 1m15s left". A phase not measured in bytes
// (closing) is named alone, and the overall percentage and time left
// come once the writing has told its size.
func commitLine(s staging.Status) string {
	e := statusEvent(s)
	line := string(e.Phase)
	if e.PhaseTotal > 0 {
		line += fmt.Sprintf(" %s of %s (%.0f%%)", size(e.PhaseDone), size(e.PhaseTotal),
			float64(e.PhaseDone)*100/float64(e.PhaseTotal))
	}
	if e.Total > 0 {
		line += fmt.Sprintf("; overall %.0f%%", e.Percent)
		if e.ETASeconds > 0 {
			line += fmt.Sprintf(", about %s left", time.Duration(e.ETASeconds)*time.Second)
		}
	}
	return line
}

// namesItself tells whether a mount's message begins with the package
// and so the operation that failed ("staging: commit: …", "fs: eject:
// …"), so that the command adds no name of its own before it.
func namesItself(reason string) bool {
	pkg, rest, ok := strings.Cut(reason, ": ")
	return ok && rest != "" && errtext.IsPackage(pkg)
}

// written tells whether the status s shows a commit past writing its
// session (closing it, verifying it), which a stop no longer undoes.
func written(s staging.Status) bool {
	return s.State == staging.StateCommitting && progress.Phase(s.Phase).Written()
}
