package tree

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// ExtentReader reads extents in file order, holes as zeros, and keeps
// io.ReaderAt's contract at the file's end.
func TestExtentReader(t *testing.T) {
	medium := bytes.Repeat([]byte{'.'}, 8*SectorSize)
	copy(medium[2*SectorSize:], strings.Repeat("a", SectorSize))
	copy(medium[5*SectorSize:], "tail")
	r := ExtentReader{R: bytes.NewReader(medium), Size: 2*SectorSize + 4,
		Extents: []Extent{{LBA: 2, Length: SectorSize}, {LBA: HoleLBA, Length: SectorSize}, {LBA: 5, Length: 4}}}
	want := strings.Repeat("a", SectorSize) + strings.Repeat("\x00", SectorSize) + "tail"
	if err := iotest.TestReader(io.NewSectionReader(r, 0, r.Size), []byte(want)); err != nil {
		t.Error(err)
	}
	p := make([]byte, 10)
	if n, err := r.ReadAt(p, r.Size-2); n != 2 || err != io.EOF || string(p[:2]) != "il" {
		t.Errorf("read across the end: %d, %v, %q", n, err, p[:n])
	}
	if n, err := r.ReadAt(p, r.Size); n != 0 || err != io.EOF {
		t.Errorf("read at the end: %d, %v", n, err)
	}
	if !HasHole(r.Extents) || HasHole(r.Extents[:1]) {
		t.Error("HasHole")
	}
	s := Sparse{R: r.R, Extents: r.Extents, Size: r.Size}
	rc, _ := s.Open()
	if b, _ := io.ReadAll(rc); string(b) != want {
		t.Errorf("Sparse.Open reads %d bytes", len(b))
	}
}
