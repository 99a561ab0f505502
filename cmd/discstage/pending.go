package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
)

// defaultListLimit is how many pending changes status and commit
// --dry-run list unless told otherwise.
const defaultListLimit = 20

// readPending reads the list of what the next session of the mount at
// mountpoint changes.
func readPending(mountpoint string) (staging.Pending, error) {
	var p staging.Pending
	b, err := os.ReadFile(controlPath(mountpoint, "pending.json"))
	if errors.Is(err, os.ErrPermission) {
		return p, fmt.Errorf("the pending list of %s is private to the user who mounted it: %w", mountpoint, err)
	}
	if err != nil {
		return p, unreachable(mountpoint, err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("read the pending list of %s: %w", mountpoint, err)
	}
	return p, nil
}

// printChanges lists up to limit changes (all with limit < 0), then
// says how many more there are.
func printChanges(w io.Writer, p staging.Pending, limit int) {
	for i, c := range p.Changes {
		if limit >= 0 && i >= limit {
			fmt.Fprintf(w, "  … and %d more (--all lists every change)\n", len(p.Changes)-limit)
			return
		}
		line := "  " + c.Line()
		if c.Bytes > 0 {
			line += " (" + size(c.Bytes) + ")"
		}
		fmt.Fprintln(w, line)
	}
}

// size says a number of bytes in the one unit system of every message:
// binary prefixes (KiB, MiB, GiB), as `status`, `drives` and the
// commit's outcome all print them.
func size[N int | int64 | uint32 | uint64](n N) string { return humanize.IBytes(uint64(n)) }

// sectors says a number of sectors as a size.
func sectors[N int64 | uint32](n N) string {
	return humanize.IBytes(uint64(n) * tree.SectorSize)
}

// statusJSON is `status --json`: the mount's status in the shared
// vocabulary (jsonout.go), with the list of pending changes.
type statusJSON struct {
	Format int `json:"format"`
	staging.Status
	// Shadowing the status's own fields: null when unbounded or unknown.
	FreeSectors    *int64           `json:"free_sectors"`
	FreeBytes      *int64           `json:"free_bytes"`
	ProjectedBytes int64            `json:"projected_bytes"`
	AreaFree       *int64           `json:"area_free_bytes"`
	PendingChanges []staging.Change `json:"pending_changes"`
}

func newStatusJSON(s staging.Status, p staging.Pending) statusJSON {
	out := statusJSON{Format: jsonFormat, Status: s, ProjectedBytes: int64(s.ProjectedSectors) * tree.SectorSize, PendingChanges: p.Changes}
	if s.FreeSectors >= 0 && s.MediumError == "" {
		f, b := s.FreeSectors, s.FreeSectors*tree.SectorSize
		out.FreeSectors, out.FreeBytes = &f, &b
	}
	if s.AreaFree >= 0 {
		a := s.AreaFree
		out.AreaFree = &a
	}
	if out.PendingChanges == nil {
		out.PendingChanges = []staging.Change{}
	}
	return out
}

// commitDryRun says what a commit of the mount at mountpoint would
// write, its size, and the warnings it would be written with (the lines
// the commit prints after writing), without writing.
func commitDryRun(cmd *cobra.Command, mountpoint string, s staging.Status) error {
	out := cmd.OutOrStdout()
	if s.Closed {
		return fmt.Errorf("commit: the medium is closed: %w", syscall.EROFS)
	}
	if !s.Pending {
		fmt.Fprintln(out, "nothing staged: nothing would be written")
		return nil
	}
	p, err := readPending(mountpoint)
	if err == nil && p.WarningsUnknown {
		// The staged files changed since the status laid the session
		// out: the status lays it out again, and the list takes its
		// warnings.
		if s, err = readStatus(mountpoint); err == nil {
			p, err = readPending(mountpoint)
		}
	}
	if err != nil {
		return err
	}
	printChanges(out, p, -1)
	if s.ProjectError != "" {
		return withCode(fmt.Errorf("commit: the next session cannot be written: %s", s.ProjectError), staging.Outcome{Code: s.ProjectCode})
	}
	if p.Warnings != nil {
		// The lines the commit prints once the session is written.
		printSummary(cmd.ErrOrStderr(), trimExamples(*p.Warnings))
	} else if p.WarningsUnknown {
		fmt.Fprintln(cmd.ErrOrStderr(), "discstage: the staged files keep changing: the warnings of the session are not known")
	}
	fmt.Fprintf(out, "would write session %d at LBA %d: %s (%d sectors), of which %s staged file data; %s\n",
		s.Sessions+1, s.NextWritable, sectors(s.ProjectedSectors), s.ProjectedSectors, size(s.StagedBytes), s.Changes)
	if left, known := roomAfter(s); known {
		if left < 0 {
			fmt.Fprintf(out, "it does not fit: %s\n", needs(s))
			return fmt.Errorf("commit: the session does not fit: %s: %w", needs(s), syscall.ENOSPC)
		}
		fmt.Fprintf(out, "free after the session: %s\n", sectors(left))
	}
	return nil
}

// roomAfter is the room the medium keeps after the next session, as
// the status projects it: negative when the session does not fit;
// known is false on an unbounded medium.
func roomAfter(s staging.Status) (left int64, known bool) {
	if s.FreeSectors < 0 {
		return 0, false
	}
	left = s.FreeSectors - int64(s.ProjectedSectors)
	if left >= 0 && s.Tray {
		// A CD's next session starts past this one's lead-out and its
		// own lead-in (an image standing in for one writes them not).
		left = max(left-writer.SessionCost(s.Profile, s.Sessions), 0)
	}
	return left, true
}

// needs says what the next session needs and what is free, in sectors
// too: the two may round to one size.
func needs(s staging.Status) string {
	return fmt.Sprintf("the session needs %s (%d sectors), %s (%d sectors) free",
		sectors(s.ProjectedSectors), s.ProjectedSectors, sectors(s.FreeSectors), s.FreeSectors)
}
