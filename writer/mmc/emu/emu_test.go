package emu

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

func do(t *testing.T, d *Drive, cdb []byte, dir scsi.Direction, data []byte) *scsi.Command {
	t.Helper()
	c := &scsi.Command{CDB: cdb, Dir: dir, Data: data}
	if err := d.Do(c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOpenState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.img")
	if _, err := Open(path, "floppy"); !errors.Is(err, ErrUnknownProfile) {
		t.Fatalf("unknown profile: %v", err)
	}
	if _, err := Open(path, ""); err == nil {
		t.Fatal("no state and no profile: no error")
	}
	d, err := Open(path, "bd-r")
	if err != nil {
		t.Fatal(err)
	}
	// One sector written and the track closed: the JSON beside the data
	// file tells the session structure.
	do(t, d, []byte{0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0}, scsi.ToDevice, make([]byte, 2048))
	do(t, d, []byte{0x5B, 0, 1, 0, 0, 1, 0, 0, 0, 0}, scsi.None, nil)
	do(t, d, []byte{0x5B, 0, 2, 0, 0, 0, 0, 0, 0, 0}, scsi.None, nil)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(StatePath(path))
	if err != nil {
		t.Fatal(err)
	}
	var m Medium
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Profile != "bd-r" || m.Capacity != 12_219_392 || len(m.Sessions) != 1 || !m.Sessions[0].Closed ||
		m.Sessions[0].Tracks[0].Size != 32 {
		t.Fatalf("state: %s", b)
	}
	if _, err := Open(path, "cd-r"); !errors.Is(err, ErrProfileMismatch) {
		t.Fatalf("other profile on file: %v", err)
	}
	d, err = Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Medium().Profile != "bd-r" {
		t.Fatal("profile not kept")
	}
	if err := os.WriteFile(StatePath(path), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, ""); err == nil {
		t.Fatal("corrupt state: no error")
	}
}

// TestCDRules checks the CD answers Linux and libburn read: the full TOC
// and the session info in MSF form, the write address rules.
func TestCDRules(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "cd.img"), "cd-r")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A write anywhere but the next writable address is refused.
	c := do(t, d, []byte{0x2A, 0, 0, 0, 0, 5, 0, 0, 1, 0}, scsi.ToDevice, make([]byte, 2048))
	if s, _ := scsi.ParseSense(c.Sense); c.Status == 0 || s.ASC != 0x21 || s.ASCQ != 2 {
		t.Fatalf("write off the NWA: status %d sense %v", c.Status, s)
	}
	do(t, d, []byte{0x2A, 0, 0, 0, 0, 0, 0, 0, 16, 0}, scsi.ToDevice, make([]byte, 16*2048))
	do(t, d, []byte{0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0}, scsi.None, nil) // closes the TAO track
	do(t, d, []byte{0x5B, 0, 2, 0, 0, 0, 0, 0, 0, 0}, scsi.None, nil)
	toc := do(t, d, []byte{0x43, 2, 2, 0, 0, 0, 1, 0x10, 0, 0}, scsi.FromDevice, make([]byte, 4096))
	if toc.Status != 0 {
		t.Fatal("full TOC refused")
	}
	// Entries: A0, A1, A2, track 1, B0; the lead-out at 16+2 run-out
	// blocks = 00:02:18 (MSF), the next session at 18+11400 = 02:34:18.
	n := int(toc.Data[0])<<8 | int(toc.Data[1])
	if n != 2+5*11 {
		t.Fatalf("full TOC length %d: % x", n, toc.Data[:64])
	}
	a2 := toc.Data[4+2*11:]
	b0 := toc.Data[4+4*11:]
	if a2[3] != 0xA2 || a2[8] != 0 || a2[9] != 2 || a2[10] != 18 {
		t.Fatalf("A2 entry % x", a2[:11])
	}
	if b0[3] != 0xB0 || b0[4] != 2 || b0[5] != 34 || b0[6] != 18 {
		t.Fatalf("B0 entry % x", b0[:11])
	}
	info := do(t, d, []byte{0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0}, scsi.FromDevice, make([]byte, 34))
	if info.Data[2]&3 != 1 || info.Data[4] != 2 {
		t.Fatalf("disc info: status %d, %d sessions", info.Data[2]&3, info.Data[4])
	}
}
