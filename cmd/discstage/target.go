package main

import (
	"errors"
	"fmt"

	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/targets"
	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
)

// targetFlags are the flags of every command that opens a TARGET.
type targetFlags struct {
	capacity string // a size such as 4.7GB, or a number of bytes
	media    string // a medium name such as dvd+rw, bd-re
	create   bool   // create a missing image file as a blank medium
	readOnly bool   // open for reading only
	dryRun   bool   // a dry run: --media is not remembered either
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

// openTarget opens the target a command names through the registry
// (package targets): an optical drive (/dev/srN, /dev/sgN or a link to
// one), an emulated drive (emulated:PROFILE:PATH, PROFILE one of cd-r,
// cd-rw, dvd-r, dvd-rw, dvd+r, dvd+rw, bd-r, bd-re; the medium is
// created blank on first use) or else an image file path.
func openTarget(spec string, f targetFlags) (writer.Target, error) {
	o := f.targetOptions()
	if targets.KindOf(spec).Drive {
		if f.media != "" || f.capacity != "" {
			return nil, usageError{fmt.Errorf("--media and --capacity apply to image targets, not to the drive %s", spec)}
		}
		t, err := targets.Open(spec, o)
		return t, targetError(err)
	}
	record, err := applyRememberedMedia(spec, &f)
	if err != nil {
		return nil, err
	}
	if o.Image, err = f.imageOptions(); err != nil {
		return nil, err
	}
	t, err := targets.Open(spec, o)
	if err != nil {
		return nil, targetError(err)
	}
	if record {
		if err := recordMedia(spec, f.media); err != nil {
			t.Close()
			return nil, err
		}
	}
	return t, nil
}

// openDrive opens a real or emulated drive as a target.
func openDrive(spec string, f targetFlags) (*mmc.Drive, error) {
	d, err := targets.OpenDrive(spec, f.targetOptions())
	return d, targetError(err)
}

// targetOptions are the registry's options for the flags, less those of
// image targets.
func (f targetFlags) targetOptions() targets.Options {
	return targets.Options{Drive: mmc.Options{Simulate: f.simulate, SpeedKBs: f.speed}, ReadOnly: f.readOnly}
}

// targetError makes a TARGET written wrong a usage error.
func targetError(err error) error {
	var se *targets.SyntaxError
	if errors.As(err, &se) {
		return usageError{err}
	}
	return err
}
