//go:build linux && cgo && fuse3

package cgofuse

import (
	"testing"

	"github.com/discstage/discstage/fs/conformance"
	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/staging"
)

// TestConformance runs the suite every adapter passes.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Adapter{
		Mount: func(mnt string, area *staging.Area, opts core.Options) (conformance.Server, error) {
			return Mount(mnt, area, opts)
		},
		Limits: limits,
	})
}

// limits are this adapter's documented limitations (see the package
// documentation), by conformance case.
var limits = map[string]string{
	"Posix/Fallocate":           "cgofuse has no fallocate operation: EOPNOTSUPP",
	"Posix/FallocateKeepSize":   "cgofuse has no fallocate operation: EOPNOTSUPP",
	"Posix/FcntlFlockLocksFile": "cgofuse has no lock operation: the kernel keeps POSIX locks per process, not per open file",
	"Posix/OpenSymlinkRace":     "libfuse's high-level API keeps a node per path of its own: a file replaced by a symbolic link while being opened may fail with ESTALE",
	"Posix/RenameOpenDir":       "libfuse's high-level API answers fstat of an open directory renamed over with ESTALE (posixtest skips it there)",
	"Posix/Tmpfile":             "libfuse's high-level API has no O_TMPFILE: EOPNOTSUPP (posixtest skips it there)",
}

// TestConformanceWindowsNames runs the suite through the name mapping
// the adapter always uses on Windows: every name the suite makes shows
// as it is, so the mapping must change nothing of what it checks.
func TestConformanceWindowsNames(t *testing.T) {
	conformance.Run(t, conformance.Adapter{
		Mount: func(mnt string, area *staging.Area, opts core.Options) (conformance.Server, error) {
			opts.WindowsNames = true
			return Mount(mnt, area, opts)
		},
		Limits: limits,
	})
}
