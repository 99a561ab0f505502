//go:build linux

package platform

import (
	"os"
	"path/filepath"
	"testing"
)

// Every name of a drive is its block device: a link to it, and the
// generic SCSI node sysfs ties to it. A generic node of another device
// (a disk's), of a drive whose block device is missing, or unknown to
// sysfs stays what it is.
func TestDriveNodeOneName(t *testing.T) {
	root := t.TempDir()
	sys, dev := filepath.Join(root, "sys"), filepath.Join(root, "dev")
	for _, d := range []string{"class/scsi_generic/sg3/device/block/sr1", "class/scsi_generic/sg0/device/block/sda",
		"class/scsi_generic/sg5/device/block/sr4"} {
		if err := os.MkdirAll(filepath.Join(sys, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(dev, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"sr1", "sg3", "sg0", "sda", "sg5", "sg7"} {
		if err := os.WriteFile(filepath.Join(dev, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("sr1", filepath.Join(dev, "cdrom")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sg3", filepath.Join(dev, "cdrw")); err != nil {
		t.Fatal(err)
	}
	sr1 := filepath.Join(dev, "sr1")
	for in, want := range map[string]string{
		"sr1":   sr1,
		"cdrom": sr1,
		"sg3":   sr1,
		"cdrw":  sr1,
		"sg0":   filepath.Join(dev, "sg0"), // a disk's
		"sg5":   filepath.Join(dev, "sg5"), // its sr4 is not in dev
		"sg7":   filepath.Join(dev, "sg7"), // not in sysfs
		"sr9":   filepath.Join(dev, "sr9"), // missing: as given
	} {
		if got := driveNode(filepath.Join(dev, in), sys, dev); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}
