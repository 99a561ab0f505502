package core

import (
	"encoding/json"
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
}

// Command is one parsed control action.
type Command struct {
	// Verb is "commit", "eject", "discard" or "cancel".
	Verb string
	// Commit holds the commit's options: the mount's, with what the
	// command adds (close, now, wait=, id=).
	Commit staging.CommitOptions
}

// ParseCommand parses a control command: "commit", "eject" or
// "discard". After "commit" may come "close" (finalize the medium);
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
	bad := fmt.Errorf("fs: unknown control command %q (want commit [close] [now] [wait=DURATION] [udf=REV|off] [id=ID] [verbose], eject [now] [wait=DURATION] [udf=REV|off] [id=ID] [verbose], discard or cancel): %w", cmd, staging.ErrInvalid)
	if len(words) == 0 {
		return Command{}, bad
	}
	verb := words[0]
	switch verb {
	case "commit", "eject", "discard", "cancel":
	default:
		return Command{}, bad
	}
	for _, w := range words[1:] {
		switch {
		case verb == "commit" && w == "close":
			opts.Close = true
		case verb == "cancel":
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
	return Command{Verb: verb, Commit: opts}, nil
}

// Do runs one control command (see ParseCommand). An action that cannot
// start fails with staging's error, whose reason the status keeps.
//
// "eject" is the eject policy: it commits what is pending (a refusal
// ends it there, the disc stays), waits for the commit, opens the tray
// (Options.Eject) and ends the mount. How the tray went is noted in the
// outcome of the eject's id (staging.Area.NoteEject). A failed commit,
// or a tray that does not open, leaves the mount in place, the disc
// being still in the drive; the status says why.
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
	if a.Status().Pending {
		if err := a.StartCommit(command.Commit); err != nil {
			return err
		}
	}
	go func() {
		if err := a.Wait(); err != nil {
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

// StatusJSON is the content of the status file: the area's status as
// indented JSON, one snapshot per open.
func StatusJSON(a *staging.Area) ([]byte, error) {
	b, err := json.MarshalIndent(a.Status(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("fs: status: %w", err)
	}
	return append(b, '\n'), nil
}
