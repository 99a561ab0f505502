// Package targets opens discstage's targets by name: it is the one
// registry of the kinds of target a TARGET argument can name, tried in
// order, the first that matches opening it:
//
//   - emulated:PROFILE:PATH, an emulated drive (package emu) holding a
//     medium of PROFILE (cd-r, cd-rw, dvd-r, dvd-rw, dvd+r, dvd+rw, bd-r,
//     bd-re) whose data lives in the file PATH, created blank on first use
//     by a command that writes (read-only, a missing medium is no target);
//     PROFILE,speed=X[,buffer=SIZE] makes it record at X times the
//     medium's 1× rate through a drive buffer of SIZE (emu.Speed), e.g.
//     emulated:bd-r,speed=16:disc.img records at 72 MB/s;
//   - a drive's device (/dev/srN, /dev/sgN or a link to one; what
//     platform.IsDriveNode accepts), driven through SCSI MMC (package mmc);
//   - anything else, an image file (writer.Image).
//
// Every command, test and tool that opens a target by name goes through
// Open, so a new kind (a Windows drive letter, a remote drive) is one
// more entry here. What a target is, once open, is writer's business:
// the registry returns a writer.Target, whose capabilities (writer.Ejector,
// writer.Blanker, writer.Finalizer, writer.DamageCloser) callers find by
// type assertion.
package targets

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
)

// Options tune the target Open opens, per kind.
type Options struct {
	// Image tunes image-file targets.
	Image writer.ImageOptions
	// Drive tunes drives, real and emulated.
	Drive mmc.Options
	// ReadOnly opens the target for reading only: an image file
	// read-only, a drive's device shared (not exclusive).
	ReadOnly bool
}

// Kind is one kind of target the registry opens.
type Kind struct {
	// Name names the kind: "emulated", "drive", "image".
	Name string
	// Syntax is how a TARGET of this kind is written, for usage text.
	Syntax string
	// Drive: targets of this kind are drives (they implement
	// writer.Ejector and take mmc.Options); image options do not apply.
	Drive bool
	match func(spec string) bool
	file  func(spec string) string
	open  func(spec string, o Options) (writer.Target, error)
}

// EmulatedPrefix starts a TARGET naming an emulated drive:
// emulated:PROFILE:PATH, e.g. emulated:cd-r:rehearsal.img.
const EmulatedPrefix = "emulated:"

// kinds is the registry, in the order a TARGET is matched.
var kinds = []*Kind{
	{
		Name: "emulated", Syntax: "emulated:PROFILE:PATH", Drive: true,
		match: func(spec string) bool { return strings.HasPrefix(spec, EmulatedPrefix) },
		file: func(spec string) string {
			_, path, _ := strings.Cut(strings.TrimPrefix(spec, EmulatedPrefix), ":")
			return path
		},
		open: func(spec string, o Options) (writer.Target, error) { return openEmulated(spec, o) },
	},
	{
		Name: "drive", Syntax: "/dev/srN", Drive: true,
		match: platform.IsDriveNode,
		file:  func(string) string { return "" },
		open:  func(spec string, o Options) (writer.Target, error) { return openDevice(spec, o) },
	},
	{
		Name: "image", Syntax: "PATH",
		match: func(string) bool { return true },
		file:  func(spec string) string { return spec },
		open: func(spec string, o Options) (writer.Target, error) {
			io := o.Image
			io.ReadOnly = io.ReadOnly || o.ReadOnly
			return writer.OpenImage(spec, io)
		},
	},
}

// KindOf returns the kind of target spec names.
func KindOf(spec string) *Kind {
	for _, k := range kinds {
		if k.match(spec) {
			return k
		}
	}
	return kinds[len(kinds)-1]
}

// Kinds lists the registry's kinds, in the order a TARGET is matched.
func Kinds() []*Kind { return append([]*Kind(nil), kinds...) }

// Open opens the target spec names. A target that does not exist or
// cannot be opened is an error wrapping writer.ErrNoTarget.
func Open(spec string, o Options) (writer.Target, error) {
	return KindOf(spec).open(spec, o)
}

// OpenDrive opens a real or emulated drive: spec names an emulated drive,
// or else a drive's device.
func OpenDrive(spec string, o Options) (*mmc.Drive, error) {
	if KindOf(spec).Name == "emulated" {
		return openEmulated(spec, o)
	}
	return openDevice(spec, o)
}

// Identity returns what the target spec names is, for what must be one
// per target (a lock, a staging area): the image's path, an emulated
// drive's medium file (so an image and an emulated drive over one file
// are one target), a drive's device by its one name
// (platform.DriveNode: /dev/cdrom and /dev/sgM are the drive's /dev/srN).
func Identity(spec string) string {
	if f := File(spec); f != "" {
		return f
	}
	if KindOf(spec).Name == "drive" {
		return platform.DriveNode(spec)
	}
	return spec
}

// File returns the file that holds the medium of the target spec names,
// which opening it may create: the image, an emulated drive's medium
// file; "" for a drive.
func File(spec string) string { return KindOf(spec).file(spec) }

// openEmulated opens emulated:PROFILE[,speed=X][,buffer=SIZE]:PATH.
// Read-only, a medium whose file or state file is missing is no target
// (ErrNoTarget) and nothing is made; else a missing medium is made
// blank.
func openEmulated(spec string, o Options) (*mmc.Drive, error) {
	profile, path, ok := strings.Cut(strings.TrimPrefix(spec, EmulatedPrefix), ":")
	profile, opts, _ := strings.Cut(profile, ",")
	if !ok || profile == "" || path == "" {
		return nil, &SyntaxError{Kind: "emulated", Spec: spec, Want: "emulated:PROFILE:PATH with PROFILE one of " + strings.Join(emu.Profiles(), ", ")}
	}
	speed, err := emulatedSpeed(opts)
	if err != nil {
		return nil, &SyntaxError{Kind: "emulated", Spec: spec, Want: "emulated:PROFILE,speed=X,buffer=SIZE:PATH (" + err.Error() + ")"}
	}
	if o.ReadOnly {
		// Reading makes no medium: a missing one is no target, as a
		// missing image file is.
		for _, p := range []string{path, emu.StatePath(path)} {
			if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("writer: open emulated medium %s: %s missing: %w", path, p, writer.ErrNoTarget)
			} else if err != nil {
				return nil, fmt.Errorf("writer: open emulated medium %s: %w: %w", path, writer.ErrNoTarget, err)
			}
		}
	}
	e, err := emu.Open(path, profile)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", writer.ErrNoTarget, err)
	}
	if err := e.SetSpeed(speed); err != nil {
		e.Close()
		return nil, err
	}
	d, err := mmc.Open(e, spec, o.Drive)
	if err != nil {
		e.Close()
		return nil, err
	}
	return d, nil
}

// openDevice opens a drive's device through the platform's SCSI
// pass-through.
func openDevice(spec string, o Options) (*mmc.Drive, error) {
	t, err := platform.OpenSG(platform.DriveNode(spec), !o.ReadOnly)
	if errors.Is(err, platform.ErrVolumeInUse) {
		return nil, err // the drive is there, and busy
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", writer.ErrNoTarget, err)
	}
	d, err := mmc.Open(t, spec, o.Drive)
	if err != nil {
		t.Close()
		return nil, err
	}
	return d, nil
}

// SyntaxError: a TARGET of a kind the registry knows, written wrong (a
// usage error).
type SyntaxError struct {
	Kind, Spec, Want string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s target %q: want %s", e.Kind, e.Spec, e.Want)
}

// emulatedSpeed parses an emulated drive's options: speed=X (16 or 16x)
// and buffer=SIZE (4MiB, 2MB or a number of bytes).
func emulatedSpeed(opts string) (emu.Speed, error) {
	var s emu.Speed
	if opts == "" {
		return s, nil
	}
	for _, kv := range strings.Split(opts, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "speed":
			x, err := strconv.ParseFloat(strings.TrimSuffix(strings.ToLower(v), "x"), 64)
			if err != nil || x <= 0 {
				return s, fmt.Errorf("speed %q is not a positive number", v)
			}
			s.X = x
		case "buffer":
			b, err := humanize.ParseBytes(v)
			if err != nil || b == 0 || b > 1<<30 {
				return s, fmt.Errorf("buffer %q is not a size up to 1 GiB", v)
			}
			s.Buffer = int64(b)
		default:
			return s, fmt.Errorf("unknown option %q", k)
		}
	}
	if s.Buffer > 0 && s.X == 0 {
		return s, fmt.Errorf("buffer without speed")
	}
	return s, nil
}
