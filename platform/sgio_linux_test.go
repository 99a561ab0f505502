//go:build linux

package platform

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// TestSGIOHeaderLayout pins the header to the kernel's struct sg_io_hdr:
// 88 bytes on 64-bit Linux (status at 64, info at 80), 64 on 32-bit
// (status at 44, info at 60), as gcc lays it out.
func TestSGIOHeaderLayout(t *testing.T) {
	var h sgIOHdr
	size, status, info := uintptr(88), uintptr(64), uintptr(80)
	if unsafe.Sizeof(uintptr(0)) == 4 {
		size, status, info = 64, 44, 60
	}
	if s, st, in := unsafe.Sizeof(h), unsafe.Offsetof(h.status), unsafe.Offsetof(h.info); s != size || st != status || in != info {
		t.Fatalf("sizeof %d, status at %d, info at %d; want %d, %d, %d", s, st, in, size, status, info)
	}
}

func TestOpenSGErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenSG(filepath.Join(dir, "sr0"), false); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing node: %v", err)
	}
	// A regular file takes no SG_IO: the transport says so.
	f := filepath.Join(dir, "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := OpenSG(f, true)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	c := &scsi.Command{CDB: []byte{0x12, 0, 0, 0, 36, 0}, Dir: scsi.FromDevice, Data: make([]byte, 36)}
	if err := tr.Do(c); !errors.Is(err, ErrTransport) {
		t.Fatalf("SG_IO on a regular file: %v", err)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Do(c); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestOpticalDrives(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"sr10", "sr2", "sda", "sr0"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := OpticalDrives(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sr0", "sr2", "sr10"}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if filepath.Base(got[i]) != want[i] {
			t.Fatalf("%v, want %v", got, want)
		}
	}
	if !IsDriveNode("/dev/sr0") || !IsDriveNode("/dev/sg3") || IsDriveNode("/dev/sda") || IsDriveNode("disc.iso") {
		t.Fatal("IsDriveNode")
	}
}
