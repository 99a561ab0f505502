package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/discstage/discstage/master/udf"
	"github.com/discstage/discstage/staging"
)

// Control runs the actions written to a mount's ctl file. The adapter
// fills in what only it can do: drop its cached names and end the
// mount.
type Control struct {
	Area *staging.Area
	Opts Options
	// Invalidate, if set, drops the adapter's cached names under the
	// root after the view changed under it (discard).
	Invalidate func()
	// Unmount, if set, ends the mount (after eject).
	Unmount func() error
	// End, if set, ends the mount at the action "unmount": the adapter
	// whose own process holds the mount (cgofuse: on Windows nothing
	// outside the process that runs WinFsp's host can unmount it)
	// unmounts itself. It is called while the write of the action is
	// served, so it must not wait for the unmount, and it may refuse
	// with staging.ErrBusy (files open in the mount). When nil the
	// action fails with ErrNoEnd: the system's unmount ends the mount
	// (go-fuse: fusermount -u).
	End func() error
}

// ErrNoEnd: the mount does not end itself on the action "unmount"; the
// system's unmount (fusermount -u, umount) ends it.
var ErrNoEnd = errors.New("fs: unmount: this mount is ended by the system's unmount (fusermount -u, umount), not through its control file")

// ErrInUse: the mount cannot end while files are open in it (EBUSY).
var ErrInUse = errors.New("the mount is in use")

// Command is one parsed control action.
type Command struct {
	// Verb is "commit", "eject", "discard", "cancel", "unmount" or
	// "await".
	Verb string
	// Commit holds the commit's options: the mount's, with what the
	// command adds (close, now, wait=, id=).
	Commit staging.CommitOptions
	// For is how long "await" waits at most (for=DURATION).
	For time.Duration
	// NoCommit: "eject nocommit" ejects without a commit of its own,
	// what is staged staying staged.
	NoCommit bool
}

// The time "await" waits without for=, and the most it waits: a write
// to ctl never blocks its caller for long, so an interrupted command
// stops soon.
const (
	DefaultAwait = 200 * time.Millisecond
	MaxAwait     = 10 * time.Second
)

// ParseCommand parses a control command: "commit", "eject", "discard",
// "cancel", "unmount" or "await id=ID [for=DURATION]" (wait until the
// commit asked for with id=ID ends, at most DURATION: DefaultAwait
// without it, MaxAwait at most; a command following its commit writes
// it between reads of the status instead of sleeping). After "commit" may come "close" (finalize the medium);
// after "eject", "nocommit" (eject committing nothing: the discstage
// command commits first and follows that commit itself);
// after "commit" or "eject", "now" (take files open for writing as they
// are), "wait=DURATION" (how long to wait for them to be closed;
// "wait=0" refuses at once), "udf=1.02|2.01|2.50|off" (the session's
// UDF bridge, instead of the mount's --udf) and "id=ID": the commit's outcome is then
// kept in the status under ID, for the caller who asked for it
// (staging.Status.Outcomes), and "verbose" keeps every mastering
// warning in that outcome, not only the first few
// (staging.CommitOptions.AllWarnings). base holds the mount's commit options.
// A bad command fails with staging.ErrInvalid.
func ParseCommand(cmd string, base staging.CommitOptions) (Command, error) {
	opts := base
	words := strings.Fields(cmd)
	bad := fmt.Errorf("fs: unknown control command %q (want commit [close] [now] [wait=DURATION] [udf=REV|off] [id=ID] [verbose], eject [nocommit] [now] [wait=DURATION] [udf=REV|off] [id=ID] [verbose], discard, cancel, unmount or await id=ID [for=DURATION]): %w", cmd, staging.ErrInvalid)
	if len(words) == 0 {
		return Command{}, bad
	}
	verb, noCommit := words[0], false
	switch verb {
	case "commit", "eject", "discard", "cancel", "unmount":
	case "await":
		return parseAwait(cmd, words[1:], opts, bad)
	default:
		return Command{}, bad
	}
	for _, w := range words[1:] {
		switch {
		case verb == "commit" && w == "close":
			opts.Close = true
		case verb == "eject" && w == "nocommit":
			noCommit = true
		case verb == "cancel" || verb == "unmount":
			return Command{}, bad
		case verb != "discard" && w == "now":
			opts.Now = true
		case verb != "discard" && w == "verbose":
			opts.AllWarnings = true
		case verb != "discard" && strings.HasPrefix(w, "wait="):
			d, err := time.ParseDuration(strings.TrimPrefix(w, "wait="))
			if err != nil || d < 0 {
				return Command{}, bad
			}
			if d == 0 {
				d = -1 // do not wait
			}
			opts.WaitOpen = d
		case verb != "discard" && strings.HasPrefix(w, "udf="):
			// The session's UDF bridge: udf=1.02|2.01|2.50|off.
			if v := strings.TrimPrefix(w, "udf="); v == "off" {
				opts.UDF, opts.NoUDF = 0, true
			} else if r, err := udf.ParseRevision(v); err == nil {
				opts.UDF, opts.NoUDF = r, false
			} else {
				return Command{}, bad
			}
		case verb != "discard" && strings.HasPrefix(w, "id="):
			opts.ID = strings.TrimPrefix(w, "id=")
			if opts.ID == "" || len(opts.ID) > 64 || strings.ContainsAny(opts.ID, "\"\\") {
				return Command{}, fmt.Errorf("fs: control command %q: bad id: %w", cmd, staging.ErrInvalid)
			}
		default:
			return Command{}, bad
		}
	}
	return Command{Verb: verb, Commit: opts, NoCommit: noCommit}, nil
}

// parseAwait parses the words after "await": id=ID, required, and
// for=DURATION.
func parseAwait(cmd string, words []string, opts staging.CommitOptions, bad error) (Command, error) {
	c := Command{Verb: "await", Commit: opts, For: DefaultAwait}
	c.Commit.ID = ""
	for _, w := range words {
		switch {
		case strings.HasPrefix(w, "id="):
			c.Commit.ID = strings.TrimPrefix(w, "id=")
		case strings.HasPrefix(w, "for="):
			d, err := time.ParseDuration(strings.TrimPrefix(w, "for="))
			if err != nil || d < 0 {
				return Command{}, bad
			}
			c.For = min(d, MaxAwait)
		default:
			return Command{}, bad
		}
	}
	if c.Commit.ID == "" {
		return Command{}, fmt.Errorf("fs: control command %q: await needs id=ID: %w", cmd, staging.ErrInvalid)
	}
	return c, nil
}

// Do runs one control command (see ParseCommand). An action that cannot
// start fails with staging's error, whose reason the status keeps.
//
// "unmount" ends the mount (End), committing nothing: what is staged
// stays in the area for the next mount. It is refused with
// staging.ErrBusy while a commit runs or waits for files to be closed
// (the commit would go on after the unmount, out of sight), and with
// ErrNoEnd by a mount that leaves unmounting to the system. A refusal
// other than ErrNoEnd is kept as the status's last error, for the
// caller to read why.
//
// "eject" is the eject policy: it commits what is pending (a refusal
// ends it there, the disc stays), waits for the commit, opens the tray
// (Options.Eject) and ends the mount; what is staged while the session
// is written stays staged for the next mount (a session more for it
// would take room for good on a write-once disc, unasked). "eject
// nocommit" commits nothing, and is refused with staging.ErrBusy while
// a commit runs.
// How the tray went is noted in the outcome of the eject's id
// (staging.Area.NoteEject). A failed commit, or a tray that does not
// open, leaves the mount in place, the disc being still in the drive;
// the status says why.
func (c *Control) Do(cmd string) error {
	command, err := ParseCommand(cmd, c.Opts.Commit)
	if err != nil {
		return err
	}
	a := c.Area
	switch command.Verb {
	case "commit":
		return a.StartCommit(command.Commit)
	case "cancel": // stop the running commit (staging.Area.Cancel)
		return a.Cancel()
	case "await": // the ID's commit ends, or the time is up: no error either way
		a.AwaitOutcome(command.Commit.ID, command.For)
		return nil
	case "unmount":
		err := c.end()
		if err != nil && !errors.Is(err, ErrNoEnd) {
			a.NoteError(err)
		}
		return err
	case "discard":
		if err := a.Discard(); err != nil {
			return err
		}
		if c.Invalidate != nil {
			c.Invalidate()
		}
		return nil
	}
	// eject
	if command.NoCommit && a.Committing() {
		return fmt.Errorf("fs: eject: a commit is running (eject once it has ended): %w", staging.ErrBusy)
	}
	committed := false
	if !command.NoCommit && a.Status().Pending {
		if err := a.StartCommit(command.Commit); err != nil {
			return err
		}
		committed = true
	}
	go func() {
		// A commit begun since the check (the drive's button) is
		// waited for too; only this eject's own failing keeps the disc
		// in (Wait gives the last commit's error, maybe an old one's).
		if err := a.Wait(); committed && err != nil {
			return
		}
		if c.Opts.Eject != nil {
			err := c.Opts.Eject()
			a.NoteEject(command.Commit.ID, err)
			if err != nil {
				return
			}
		}
		if c.Unmount != nil {
			c.Unmount()
		}
	}()
	return nil
}

// end runs the action "unmount" (see Do).
func (c *Control) end() error {
	if c.End == nil {
		return ErrNoEnd
	}
	switch c.Area.Status().State {
	case staging.StateCommitting, staging.StateWaiting:
		return fmt.Errorf("fs: unmount: a commit is running (unmount once it has ended, or cancel it): %w", staging.ErrBusy)
	}
	return c.End()
}

// StatusJSON is the content of the status file: the area's status as
// indented JSON, one snapshot per open.
func StatusJSON(a *staging.Area) ([]byte, error) {
	b, err := json.MarshalIndent(a.Status(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("fs: status: %w", err)
	}
	return append(b, '\n'), nil
}

// PendingBytes is the list of what the next session changes
// (staging.Area.Pending) as the control folder serves it: "pending",
// one change a line, or with asJSON "pending.json", for the discstage
// command, with the warnings of the status's projection when it is
// current (staging.Area.PendingWithWarnings). Neither lays the next
// session out: file managers read the folder's files as they please.
func PendingBytes(a *staging.Area, asJSON bool) ([]byte, error) {
	if !asJSON {
		return []byte(a.Pending().Text()), nil
	}
	b, err := json.Marshal(a.PendingWithWarnings())
	if err != nil {
		return nil, fmt.Errorf("fs: pending: %w", err)
	}
	return append(b, '\n'), nil
}
