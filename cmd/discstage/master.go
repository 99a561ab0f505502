package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/spf13/cobra"
)

// masterFlags are the options of "discstage master".
var masterFlags struct {
	out         string
	volumeID    string
	noJoliet    bool
	noRockRidge bool
	rrMoved     bool
	time        string
	force       bool
	udf         udfFlag
	boot        bootFlags
}

var masterCmd = &cobra.Command{
	Use:   "master -o OUT.iso [flags] DIR",
	Short: "Master a directory as a single-session ISO 9660 image",
	Long: `Master DIR as a single-session image starting at LBA 0, with Joliet and
Rock Ridge (like genisoimage -R -J). Names changed to fit Joliet are
reported on standard error. The image is written to a temporary file
next to OUT and renamed when complete, so a failed or stopped (Ctrl-C)
run leaves no OUT, and an OUT that was there as it was.
When OUT is a symbolic link the image goes to the file it leads to
(created when missing); a directory, a device, a named pipe or a socket
as OUT is refused. An OUT that holds a multisession image (two sessions
or more, as append and a mount's commits write) is refused, as master
would replace every session with one: --force replaces it anyway. An
image of one session is replaced without asking, as mkisofs does.`,
	Args: func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(1)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	},
	RunE: runMaster,
}

func init() {
	f := masterCmd.Flags()
	f.StringVarP(&masterFlags.out, "output", "o", "", "image file to write (required)")
	f.StringVar(&masterFlags.volumeID, "volume-id", "CDROM", "volume identifier (up to 32 characters A-Z 0-9 _)")
	f.BoolVar(&masterFlags.noJoliet, "no-joliet", false, "leave out the Joliet hierarchy")
	f.BoolVar(&masterFlags.noRockRidge, "no-rock-ridge", false, "leave out Rock Ridge (symbolic links then fail)")
	f.BoolVar(&masterFlags.rrMoved, "rr-moved", false, "move directories deeper than 8 levels into rr_moved, as genisoimage does (default: in place, as xorriso does)")
	f.StringVar(&masterFlags.time, "time", "", "fixed time (RFC 3339) for volume dates, for reproducible images")
	f.BoolVar(&masterFlags.force, "force", false, "replace OUT even when it holds a multisession image")
	masterFlags.udf.register(f)
	masterFlags.boot.register(f)
	rootCmd.AddCommand(masterCmd)
}

func runMaster(cmd *cobra.Command, args []string) error {
	if masterFlags.out == "" {
		return usageError{errors.New("master: -o OUT.iso is required")}
	}
	opts := master.Options{
		VolumeID:     masterFlags.volumeID,
		Joliet:       !masterFlags.noJoliet,
		RockRidge:    !masterFlags.noRockRidge,
		RelocateDeep: masterFlags.rrMoved,
	}
	var err error
	if opts.Boot, err = masterFlags.boot.images(); err != nil {
		return err
	}
	if opts.UDF, _, err = masterFlags.udf.revision(); err != nil {
		return err
	}
	if masterFlags.time != "" {
		t, err := time.Parse(time.RFC3339, masterFlags.time)
		if err != nil {
			return usageError{fmt.Errorf("--time: %w", err)}
		}
		opts.Time = t
	}
	out, err := outputPath(masterFlags.out)
	if err != nil {
		return fmt.Errorf("master: %w", err)
	}
	// Replacing an existing image (a target perhaps mounted or being
	// appended to) waits for no one: it is refused while in use, and
	// before the tree is read and its names are warned of.
	if _, err := os.Stat(out); err == nil {
		l, err := lockTarget(out, holderOf("master"), false, noteTo(cmd.ErrOrStderr()))
		if err != nil {
			return fmt.Errorf("master: %w", err)
		}
		defer l.Unlock()
		if !masterFlags.force {
			if err := keepSessions(out); err != nil {
				return fmt.Errorf("master: %w", err)
			}
		}
	}
	root, err := localtree.BuildWith(args[0], leaveOut([]string{out}, cmd.ErrOrStderr()))
	if err != nil {
		return err
	}
	im, err := master.Layout(root, opts)
	if err != nil {
		return err
	}
	printWarnings(cmd.ErrOrStderr(), im.Warnings())
	return masterWriteImage(cmd.Context(), out, im)
}

// errWouldReplace: master's OUT holds a multisession image, whose
// sessions a single-session image in its place would lose; --force
// replaces it.
var errWouldReplace = errors.New("master writes a single-session image in its place")

// keepSessions refuses to replace out when it holds two sessions or
// more, as master's reader lists them (master.ListSessions, as
// `sessions` lists an image's), or is the medium of an emulated drive.
// A file that holds no ISO 9660 image, or one session, may be replaced.
func keepSessions(out string) error {
	if _, err := os.Stat(emu.StatePath(out)); err == nil {
		// An emulated drive's medium: its sessions lie as on a disc,
		// with no chain an image's reader follows.
		return fmt.Errorf("%s is the medium of an emulated drive (its state is in %s), whose sessions would all be lost: %w "+
			"(give --force to replace it anyway, or add a session to it with discstage append emulated:PROFILE:%s DIR)",
			out, emu.StatePath(out), errWouldReplace, out)
	}
	f, err := os.Open(out)
	if err != nil {
		return fmt.Errorf("read the sessions of %s: %w", out, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read the sessions of %s: %w", out, err)
	}
	sessions, err := master.ListSessions(f, (st.Size()+tree.SectorSize-1)/tree.SectorSize)
	if err != nil || len(sessions) < 2 {
		return nil
	}
	return fmt.Errorf("%s holds a multisession image of %d sessions, which would all be lost: %w "+
		"(give --force to replace it anyway, or add a session to it with discstage append %s DIR)", out, len(sessions), errWouldReplace, out)
}

// masterWriteImage writes im to a temporary file in out's directory and
// renames it to out; on any failure, and when ctx is done (Ctrl-C), the
// temporary file is removed and out is as it was. out is what
// outputPath returned: a regular file or a name free for one, never a
// link, a directory or a device.
func masterWriteImage(ctx context.Context, out string, im *master.Image) (err error) {
	f, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".tmp-*")
	if err != nil {
		return fmt.Errorf("master: create image: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// A quit at once while a write or read is held leaves no temporary
	// file either; after the rename it finds none to remove.
	defer interrupts.onQuit(func() {
		f.Close()
		os.Remove(f.Name())
	})()
	if _, err = im.WriteToContext(ctx, f); err != nil {
		if ctx.Err() != nil {
			state := "is as it was"
			if _, serr := os.Lstat(out); errors.Is(serr, fs.ErrNotExist) {
				state = "was not made"
			}
			return fmt.Errorf("%w: master: stopped before the image was complete; %s %s", errInterrupted, out, state)
		}
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("master: write image %q: %w", out, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("master: write image %q: %w", out, err)
	}
	if err = os.Rename(f.Name(), out); err != nil {
		return fmt.Errorf("master: write image %q: %w", out, err)
	}
	return nil
}
