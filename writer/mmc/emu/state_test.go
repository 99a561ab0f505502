package emu

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// The state file is written to a new file of its own, renamed into
// place: a link another user made beforehand where a temporary file of
// a fixed name would go is never written through (it pointed at a file
// of the user's, which the save overwrote).
func TestStateSaveWritesNoLinkThrough(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.img")
	victim := filepath.Join(dir, "thesis.txt")
	if err := os.WriteFile(victim, []byte("my thesis\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, StatePath(path)+".tmp"); err != nil {
		t.Fatal(err)
	}
	d, err := Open(path, "dvd+r")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "my thesis\n" {
		t.Errorf("the file the link pointed at: %q, %v", b, err)
	}
	if _, err := loadMedium(path); err != nil {
		t.Errorf("the state file: %v", err)
	}
	left, _ := filepath.Glob(StatePath(path) + ".tmp-*")
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A drive that changed nothing writes no state: reading a medium (as
// another user may, or root, whose new file would take the owner's
// place) leaves its state file as it was.
func TestReadingWritesNoState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.img")
	d, err := Open(path, "bd-r")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(StatePath(path))
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(StatePath(path), old, old); err != nil {
		t.Fatal(err)
	}
	d, err = Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(StatePath(path))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || after.ModTime().Sub(old).Abs() > time.Second {
		t.Errorf("the state file was written again: same file %v, modified %v", os.SameFile(before, after), after.ModTime())
	}
}

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
