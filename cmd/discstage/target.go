package main

import (
	"fmt"
	"strings"

	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
)

// targetFlags are the flags of every command that opens a TARGET.
type targetFlags struct {
	capacity string // a size such as 4.7GB, or a number of bytes
	media    string // a medium name such as dvd+rw, bd-re
	create   bool   // create a missing image file as a blank medium
	readOnly bool   // open for reading only
	simulate bool   // drives: write in test-write mode, recording nothing
	speed    int    // drives: write speed in kB/s, 0 for the drive's choice
}

// register adds the flags that say what a target is; every command that
// opens one takes them.
func (f *targetFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.capacity, "capacity", "", "capacity of an image target, e.g. 4.7GB (default: unbounded)")
	cmd.Flags().StringVar(&f.media, "media", "", "let an image target stand in for a medium: "+writer.MediaNames())
}

// registerBurn adds the flags that say how a drive burns; only commands
// that write take them.
func (f *targetFlags) registerBurn(cmd *cobra.Command) {
	f.register(cmd)
	cmd.Flags().BoolVar(&f.simulate, "simulate", false, "drives: burn in test-write mode without recording (CD-R/RW, DVD-R/RW)")
	cmd.Flags().IntVar(&f.speed, "speed", 0, "drives: write speed in kB/s (default: the drive's choice)")
}

// imageOptions turns the flags into options for an image target.
func (f targetFlags) imageOptions() (writer.ImageOptions, error) {
	o := writer.ImageOptions{Create: f.create, ReadOnly: f.readOnly}
	if f.media != "" {
		c, ok := writer.MediaCapacity(f.media)
		if !ok {
			return o, usageError{fmt.Errorf("unknown --media %q (known: %s)", f.media, writer.MediaNames())}
		}
		o.Media, o.Capacity = f.media, c
	}
	if f.capacity != "" {
		b, err := humanize.ParseBytes(f.capacity)
		if err != nil {
			return o, usageError{fmt.Errorf("--capacity %q: %v", f.capacity, err)}
		}
		o.Capacity = uint32(b / 2048)
	}
	return o, nil
}

// emulatedPrefix starts a TARGET naming an emulated drive:
// emulated:PROFILE:PATH, e.g. emulated:cd-r:rehearsal.img.
const emulatedPrefix = "emulated:"

// openTarget opens the target a command names: an optical drive
// (/dev/srN, /dev/sgN or a link to one), an emulated drive
// (emulated:PROFILE:PATH, PROFILE one of cd-r, cd-rw, dvd-r, dvd-rw,
// dvd+r, dvd+rw, bd-r, bd-re; the medium is created blank on first use)
// or else an image file path.
func openTarget(spec string, f targetFlags) (writer.Target, error) {
	if strings.HasPrefix(spec, emulatedPrefix) || platform.IsDriveNode(spec) {
		if f.media != "" || f.capacity != "" {
			return nil, usageError{fmt.Errorf("--media and --capacity apply to image targets, not to the drive %s", spec)}
		}
		return openDrive(spec, f)
	}
	record, err := applyRememberedMedia(spec, &f)
	if err != nil {
		return nil, err
	}
	o, err := f.imageOptions()
	if err != nil {
		return nil, err
	}
	im, err := writer.OpenImage(spec, o)
	if err != nil {
		return nil, err
	}
	if record {
		if err := recordMedia(spec, f.media); err != nil {
			im.Close()
			return nil, err
		}
	}
	return im, nil
}

// openDrive opens a real or emulated drive as a target.
func openDrive(spec string, f targetFlags) (*mmc.Drive, error) {
	opts := mmc.Options{Simulate: f.simulate, SpeedKBs: f.speed}
	if rest, ok := strings.CutPrefix(spec, emulatedPrefix); ok {
		profile, path, ok := strings.Cut(rest, ":")
		if !ok || profile == "" || path == "" {
			return nil, usageError{fmt.Errorf("emulated target %q: want emulated:PROFILE:PATH with PROFILE one of %s", spec, strings.Join(emu.Profiles(), ", "))}
		}
		e, err := emu.Open(path, profile)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", writer.ErrNoTarget, err)
		}
		d, err := mmc.Open(e, spec, opts)
		if err != nil {
			e.Close()
			return nil, err
		}
		return d, nil
	}
	t, err := platform.OpenSG(spec, !f.readOnly)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", writer.ErrNoTarget, err)
	}
	d, err := mmc.Open(t, spec, opts)
	if err != nil {
		t.Close()
		return nil, err
	}
	return d, nil
}
