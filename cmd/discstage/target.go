package main

import (
	"fmt"

	"github.com/discstage/discstage/writer"
	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
)

// targetFlags are the flags of every command that opens a TARGET.
type targetFlags struct {
	capacity string // a size such as 4.7GB, or a number of bytes
	media    string // a medium name such as dvd+rw, bd-re
	create   bool   // create a missing image file as a blank medium
	readOnly bool   // open for reading only
}

func (f *targetFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.capacity, "capacity", "", "capacity of an image target, e.g. 4.7GB (default: unbounded)")
	cmd.Flags().StringVar(&f.media, "media", "", "let an image target stand in for a medium: "+writer.MediaNames())
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

// openTarget opens the target a command names: an image file path.
func openTarget(spec string, f targetFlags) (writer.Target, error) {
	o, err := f.imageOptions()
	if err != nil {
		return nil, err
	}
	return writer.OpenImage(spec, o)
}
