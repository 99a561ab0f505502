//go:build linux

package platform

import (
	"os"
	"path/filepath"
	"strings"
)

// driveNode is DriveNode with the system's sysfs and /dev at sys and
// dev (tests pass folders of their own).
func driveNode(path, sys, dev string) string {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return path
	}
	base := filepath.Base(real)
	if !strings.HasPrefix(base, "sg") {
		return real
	}
	// The generic node of a drive that has a block device: sysfs lists
	// that device under the SCSI device both nodes belong to.
	ents, err := os.ReadDir(filepath.Join(sys, "class", "scsi_generic", base, "device", "block"))
	if err != nil || len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), "sr") {
		return real
	}
	sr := filepath.Join(dev, ents[0].Name())
	if _, err := os.Stat(sr); err != nil {
		return real
	}
	return sr
}

func drivePath(path string) string { return driveNode(path, "/sys", "/dev") }
