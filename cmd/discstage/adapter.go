package main

import (
	"fmt"
	"runtime"

	"github.com/discstage/discstage/fs"
	"github.com/discstage/discstage/fs/cgofuse"
	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/staging"
)

// The mount adapters, as --adapter names them.
const (
	adapterGoFuse  = "go-fuse"
	adapterCgofuse = "cgofuse"
)

// defaultAdapter is go-fuse where it runs (Linux), cgofuse elsewhere
// (WinFsp on Windows, macFUSE or FUSE-T on macOS).
func defaultAdapter() string {
	if runtime.GOOS == "linux" {
		return adapterGoFuse
	}
	return adapterCgofuse
}

// errNoAdapter: --adapter names an adapter this build has not.
var errNoAdapter = fmt.Errorf("mount: %w", core.ErrUnsupported)

// checkAdapter refuses an adapter this build cannot mount with, before
// anything is made.
func checkAdapter(name string) error {
	switch name {
	case adapterGoFuse:
		if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
			return fmt.Errorf("%w: go-fuse runs on Linux and macOS only (use --adapter=cgofuse)", errNoAdapter)
		}
		return nil
	case adapterCgofuse:
		if !cgofuse.Available {
			return fmt.Errorf("%w: this build has no cgofuse adapter (on Linux it needs cgo and the build tag fuse3; on macOS cgo)", errNoAdapter)
		}
		return nil
	}
	return fmt.Errorf("mount: unknown --adapter %q (want %s or %s)", name, adapterGoFuse, adapterCgofuse)
}

// mountServer is a running mount of either adapter.
type mountServer interface {
	Wait()
	Unmount() error
}

// mountWith mounts area at mountpoint through the named adapter.
func mountWith(name, mountpoint string, area *staging.Area, opts core.Options) (mountServer, error) {
	if name == adapterCgofuse {
		return cgofuse.Mount(mountpoint, area, opts)
	}
	return fs.Mount(mountpoint, area, opts)
}
