package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
)

// drivesJSON is the output of `drives --json`.
type drivesJSON struct {
	Format int           `json:"format"`
	Drives []driveReport `json:"drives"`
}

// driveReport is one drive as `drives --json` prints it.
type driveReport struct {
	Path     string      `json:"path"`
	Vendor   string      `json:"vendor,omitempty"`
	Model    string      `json:"model,omitempty"`
	Revision string      `json:"revision,omitempty"`
	Profiles []string    `json:"profiles,omitempty"`
	Medium   *mediumJSON `json:"medium"` // null when the drive is empty or failed
	Error    string      `json:"error,omitempty"`
	noMedium bool        // the drive is empty
}

func init() {
	var asJSON bool
	var devices []string
	var devDir string
	cmd := &cobra.Command{
		Use:   "drives",
		Short: "List optical drives with their media, sessions and free space",
		Long: `List the optical drives (/dev/sr* on Linux; on Windows the letters of
CD, DVD and BD drives, and \\.\CdRomN names one too): vendor, model, the
media each supports, and the medium in it: its profile, state (blank,
appendable, closed), sessions and free space. --device names drives instead of
scanning, including emulated ones (emulated:PROFILE:PATH).

"drives eject TARGET" ejects a drive's medium; "drives blank TARGET"
erases a CD-RW or DVD-RW.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(devices) == 0 {
				found, err := platform.OpticalDrives(devDir)
				if err != nil {
					return fmt.Errorf("drives: scan %s: %w", devDir, err)
				}
				devices = found
			}
			reports := make([]driveReport, 0, len(devices))
			for _, dev := range devices {
				reports = append(reports, describeDrive(dev))
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return printJSON(out, drivesJSON{Format: jsonFormat, Drives: reports})
			}
			if len(reports) == 0 {
				fmt.Fprintln(out, "no drives found")
				return nil
			}
			for _, r := range reports {
				printDrive(out, r)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringArrayVar(&devices, "device", nil, "a drive to list instead of scanning (repeatable): /dev/srN, D: or \\\\.\\CdRomN on Windows, or emulated:PROFILE:PATH")
	cmd.Flags().StringVar(&devDir, "dev-dir", "/dev", "the directory scanned for sr* nodes")
	cmd.Flags().MarkHidden("dev-dir") //nolint:errcheck // the flag exists
	rootCmd.AddCommand(cmd)

	cmd.AddCommand(&cobra.Command{
		Use:   "eject TARGET",
		Short: "Unlock and eject the medium of a drive",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return withDrive(args[0], "eject", func(t writer.Target) error {
				ej, ok := t.(writer.Ejector)
				if !ok {
					return usageError{fmt.Errorf("eject: %s is not a drive", args[0])}
				}
				return ej.Eject()
			})
		},
	})
	var full, discard bool
	blank := &cobra.Command{
		Use:   "blank TARGET",
		Short: "Erase a rewritable disc in a drive: CD-RW, DVD-RW; DVD+RW and BD-RE by erasing their file systems",
		Long: `Erase a rewritable disc in a drive: a CD-RW or DVD-RW, and a DVD+RW or
BD-RE by zeroing what readers start from (--full: every sector its
sessions use).

While the target's staging area (mount's default) holds changes staged
for the next session, blank refuses (exit 11): they are based on the
disc's sessions and could not be committed to the blank disc. Commit
them first, or give --discard-staged to blank and remove that staging
area, dropping them; an area another process has open is refused (exit
11) and nothing is blanked.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			spec := args[0]
			return withDrive(spec, "blank", func(t writer.Target) error {
				b, ok := t.(writer.Blanker)
				if !ok {
					return usageError{fmt.Errorf("blank: %s is not a drive", spec)}
				}
				if !discard {
					a, err := stagedFor(spec, t)
					if err != nil {
						return fmt.Errorf("blank: %w", err)
					}
					if a != nil {
						return fmt.Errorf("blank: %w", a.refuse(spec, "give --discard-staged to blank it and drop them"))
					}
				}
				// The areas to drop are claimed before the disc is
				// blanked: none is opened between the two, and one in
				// use is refused (claimAreas), as it could not be
				// removed. Any other area, even one that cannot be read
				// (an old format), is removed.
				var areas []*staging.Claimed
				var err error
				if discard {
					if areas, err = claimAreas(spec); err != nil {
						return fmt.Errorf("blank: %w", err)
					}
				}
				if err := b.Blank(!full); err != nil {
					for _, c := range areas {
						c.Release()
					}
					return err
				}
				for _, c := range areas {
					if err := c.Remove(); err != nil {
						return fmt.Errorf("blank: %w", err)
					}
				}
				return nil
			})
		},
	}
	blank.Flags().BoolVar(&full, "full", false, "erase every sector, not only the table of contents")
	blank.Flags().BoolVar(&discard, "discard-staged", false, "blank even when changes are staged for the disc, and remove its staging area")
	cmd.AddCommand(blank)
}

// withDrive opens TARGET exclusively and runs f on it.
func withDrive(spec, op string, f func(writer.Target) error) error {
	l, err := lockTarget(spec, holderOf("drives "+op), false, noteTo(os.Stderr))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer l.Unlock()
	t, err := openTarget(spec, targetFlags{})
	if err != nil {
		return err
	}
	err = f(t)
	if cerr := t.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s: close %s: %w", op, spec, cerr)
	}
	return err
}

// describeDrive opens a drive for reading and reports what it holds.
func describeDrive(dev string) driveReport {
	r := driveReport{Path: dev}
	d, err := openDrive(dev, targetFlags{readOnly: true})
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer d.Close()
	info, err := d.Info()
	r.Vendor, r.Model, r.Revision, r.Profiles = info.Vendor, info.Model, info.Revision, info.Profiles
	if err != nil {
		r.Error = err.Error()
		return r
	}
	m, err := d.Probe()
	if err != nil {
		r.Error, r.noMedium = err.Error(), errors.Is(err, mmc.ErrNoMedium)
		return r
	}
	r.Medium = newMediumJSON(m)
	return r
}

func printDrive(w io.Writer, r driveReport) {
	fmt.Fprintf(w, "%s:", r.Path)
	if id := strings.TrimSpace(r.Vendor + " " + r.Model); id != "" {
		fmt.Fprintf(w, " %s", id)
	}
	if r.Revision != "" {
		fmt.Fprintf(w, " (rev %s)", r.Revision)
	}
	fmt.Fprintln(w)
	if len(r.Profiles) > 0 {
		fmt.Fprintf(w, "  supports: %s\n", strings.Join(r.Profiles, ", "))
	}
	if r.noMedium {
		fmt.Fprintln(w, "  medium:   none")
		return
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  error:    %s\n", r.Error)
		return
	}
	m := r.Medium
	fmt.Fprintf(w, "  medium:   %s, %s, %d session(s)", m.Profile, m.State, len(m.Sessions))
	if m.State != writer.Closed.String() && m.FreeSectors != nil {
		fmt.Fprintf(w, ", %s free (%d sectors), next writable LBA %d", humanize.IBytes(uint64(*m.FreeBytes)), *m.FreeSectors, m.NextWritableLBA)
	}
	fmt.Fprintln(w)
	for _, s := range m.Sessions {
		fmt.Fprintf(w, "  session %d: LBA %d, %d sectors", s.Number, s.StartLBA, s.Sectors)
		if s.VolumeID != "" {
			fmt.Fprintf(w, ", %q", s.VolumeID)
		}
		fmt.Fprintln(w)
	}
}
