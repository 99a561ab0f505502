package main

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/progress"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// progressFlag is the --progress flag of the commands that burn.
type progressFlag struct{ mode string }

func (f *progressFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.mode, "progress", "auto", "how to show the burn: auto (a bar on a terminal, one line per phase elsewhere), bar, lines, json (NDJSON events on stdout) or none")
}

// display returns the Display the flag asks for: on stderr, or stdout
// for JSON.
func (f *progressFlag) display(cmd *cobra.Command) (*progress.Display, error) {
	fd := int(os.Stderr.Fd())
	mode, err := progress.ParseMode(f.mode, term.IsTerminal(fd))
	if err != nil {
		return nil, usageError{fmt.Errorf("--progress: %w", err)}
	}
	var w io.Writer = cmd.ErrOrStderr()
	if mode == progress.JSON {
		// Stdout holds only the events; what the command says in
		// words goes to stderr.
		w = cmd.OutOrStdout()
		cmd.SetOut(cmd.ErrOrStderr())
	}
	width := 80
	if cols, _, err := term.GetSize(fd); err == nil && cols > 0 {
		width = cols
	}
	return progress.NewDisplay(w, mode, width), nil
}

// statusEvent is the progress a mount's status shows.
func statusEvent(s staging.Status) progress.Event {
	if s.Progress != nil {
		return *s.Progress
	}
	return progress.Event{Phase: progress.Phase(s.Phase), PhaseDone: s.Done, PhaseTotal: s.Total, Percent: s.Percent,
		ETASeconds: -1, Fifo: -1, Buffer: -1}
}

// printWritten says which session a commit wrote (o, done), and where the
// medium lists it when that is elsewhere, as append says it.
func printWritten(w io.Writer, o staging.Outcome) {
	fmt.Fprintln(w, sessionWords("written", o.Session, o.Start, o.Sectors, o.Files, o.Verified))
	if o.Listed != nil {
		fmt.Fprintf(w, "readers find it through the superblock, listed as the session at LBA %d\n", *o.Listed)
	}
}

// sessionWords says what a burn wrote: "session 2 written at LBA 1234:
// 1.2 MiB (600 sectors), 3 files; verified: MD5 match".
func sessionWords(verb string, number int, start, sectorCount uint32, files int, verified string) string {
	s := fmt.Sprintf("session %d at LBA %d", number, start)
	if verb != "" {
		s = fmt.Sprintf("session %d %s at LBA %d", number, verb, start)
	}
	if sectorCount > 0 {
		s += fmt.Sprintf(": %s (%d sectors), %s", sectors(sectorCount), sectorCount, plural(files, "file"))
	}
	if verified != "" {
		s += "; verified: " + verified
	}
	return s
}

// waitEject follows an eject: the commit of what was staged, if
// anything, then the tray and the unmount; it says what was done. The
// mount goes away once the commit (if any) succeeded and the tray
// opened; a failed commit or a tray that stays shut leaves it mounted
// with the reason in status, and the command exits with the code of a
// drive's fault (exitcodes.Medium) for the tray.
func waitEject(cmd *cobra.Command, mp, id string, before staging.Status, d *progress.Display) error {
	defer d.Finish()
	out := cmd.OutOrStdout()
	for i := 0; i < 36000; i++ {
		if m, err := platform.Mounted(mp); err != nil || !m {
			if err != nil {
				return err
			}
			d.Finish()
			if !before.Pending {
				fmt.Fprintln(out, "nothing staged: nothing written")
			}
			if before.Tray {
				fmt.Fprintf(out, "ejected the disc; unmounted %s\n", mp)
			} else {
				fmt.Fprintf(out, "unmounted %s (an image has no tray to open)\n", mp)
			}
			return nil
		}
		s, err := readStatus(mp)
		if o, ok := outcomeOf(s, id); err == nil && ok {
			switch o.State {
			case staging.OutcomeFailed, staging.OutcomeRefused:
				if len(s.GaveUpOn) > 0 {
					return fmt.Errorf("eject: %w", openRefusal(mp, s))
				}
				return withCode(fmt.Errorf("eject: nothing ejected: %s", o.Error), o)
			case staging.OutcomeDone:
				if s.Progress != nil {
					d.Show(*s.Progress)
				}
				if o.Eject == staging.EjectFailed {
					// The disc stays in the drive, and the mount with it.
					d.Finish()
					written := "nothing was staged"
					if before.Pending {
						written = "what was staged is written"
					}
					return codedError{fmt.Errorf("eject: %s, but %s; %s stays mounted", written, o.EjectError, mp), exitcodes.Medium}
				}
			default:
				if s.Phase != "" && s.State == staging.StateCommitting {
					d.Show(statusEvent(s))
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("eject: %s is still mounted: %w", mp, syscall.EBUSY)
}

// outcomeJSON is the outcome event of --progress=json.
type outcomeJSON struct {
	Format   int    `json:"format"`
	Session  int    `json:"session"`
	StartLBA uint32 `json:"start_lba"`
	Sectors  uint32 `json:"sectors"`
	Bytes    int64  `json:"bytes"`
	Files    int    `json:"files"`
	Verified string `json:"verified"`
	Closed   bool   `json:"closed"`
	Ejected  bool   `json:"ejected,omitempty"`
	// Warnings are those the words tell on stderr, as status --json
	// has the next session's; absent when there are none.
	Warnings *master.WarningSummary `json:"warnings,omitempty"`
}

// withWarnings returns o holding w.
func (o outcomeJSON) withWarnings(w *master.WarningSummary) outcomeJSON {
	o.Warnings = w
	return o
}

func newOutcomeJSON(session int, start, sectorCount uint32, files int, verified string, closed bool) outcomeJSON {
	return outcomeJSON{Format: jsonFormat, Session: session, StartLBA: start, Sectors: sectorCount,
		Bytes: int64(sectorCount) * 2048, Files: files, Verified: verified, Closed: closed}
}
