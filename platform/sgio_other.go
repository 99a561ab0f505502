//go:build !linux && !windows

package platform

import (
	"errors"
	"fmt"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// ErrTransport: the kernel could not carry a command to the drive. On
// this system there is no SCSI pass-through to a drive.
var ErrTransport = errors.New("platform: SCSI pass-through to optical drives is available on Linux and Windows only")

// OpenSG fails: SCSI pass-through is implemented for Linux and Windows only.
func OpenSG(path string, exclusive bool) (scsi.Transport, error) {
	return nil, fmt.Errorf("platform: open drive %s: %w", path, ErrTransport)
}

// OpticalDrives lists no drives on this system.
func OpticalDrives(dir string) ([]string, error) { return nil, nil }

// IsDriveNode reports false: drive nodes are a Linux and Windows matter.
func IsDriveNode(path string) bool { return false }

func drivePath(path string) string { return path }
