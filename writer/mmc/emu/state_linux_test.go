package emu

import (
	"bytes"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// A medium the user may read and not write (here on a file system
// mounted read-only; another user's medium likewise) opens read-only:
// its sessions read, a write is refused as on a write-protected medium,
// and closing the drive saves nothing. It failed to open ("no such
// target" to the user).
func TestReadOnlyMedium(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.img")
	d, err := Open(path, "dvd+r")
	if err != nil {
		t.Fatal(err)
	}
	do(t, d, []byte{0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0}, scsi.ToDevice, bytes.Repeat([]byte("s"), 2048))
	do(t, d, []byte{0x5B, 0, 1, 0, 0, 1, 0, 0, 0, 0}, scsi.None, nil)
	do(t, d, []byte{0x5B, 0, 2, 0, 0, 0, 0, 0, 0, 0}, scsi.None, nil)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(dir, dir, "", unix.MS_BIND, ""); err != nil {
		oracle.Unavailable(t, "bind mount %s: %v (needs root)", dir, err)
	}
	defer unix.Unmount(dir, unix.MNT_DETACH)
	if err := unix.Mount(dir, dir, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount %s read-only: %v", dir, err)
	}
	d, err = Open(path, "")
	if err != nil {
		t.Fatalf("open a medium on a read-only file system: %v", err)
	}
	c := do(t, d, []byte{0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0}, scsi.FromDevice, make([]byte, 2048))
	if !bytes.Equal(c.Data, bytes.Repeat([]byte("s"), 2048)) {
		t.Errorf("READ of session 1: %q…", c.Data[:8])
	}
	c = &scsi.Command{CDB: []byte{0x2A, 0, 0, 0, 0, 16, 0, 0, 1, 0}, Dir: scsi.ToDevice, Data: make([]byte, 2048)}
	if err := d.Do(c); err != nil {
		t.Fatal(err)
	}
	if sn, err := scsi.ParseSense(c.Sense); err != nil || sn.Key != scsi.KeyDataProtect || sn.ASC != 0x27 {
		t.Errorf("WRITE on a read-only medium: sense %v (%v), want 7/27/00", sn, err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}
