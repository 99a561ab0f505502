package udf

import (
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/discstage/discstage/master/tree"
)

// hostileBase is a small volume and the sector of its root directory's
// identifiers, to be damaged by the tests below.
func hostileBase(t *testing.T) (*medium, *Plan) {
	t.Helper()
	m := &medium{}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
		{Name: "sub", Mode: fs.ModeDir | 0o755, Children: []*tree.Node{tfile("f", "data", 0o644)}},
	}}
	p := m.session(t, root, 0, Options{Time: testTime})
	return m, p
}

// refid re-tags the FID at off of sector lba (logical block lbn).
func retagFID(m *medium, lba uint32, off int, lbn uint32) {
	d := m.b[int(lba)*BlockSize+off:]
	f := FID(d)
	SetTag(d, TagFID, Tag(d).Version(), 0, lbn, f.Size()-TagSize)
}

func rootFIDs(t *testing.T, m *medium, p *Plan) (lba uint32, lbn uint32) {
	// The root directory's identifiers follow its entry.
	lba = p.metaStart() + p.root.lbn + 1
	return lba, lba - p.metaStart()
}

// A subdirectory whose identifier points back at the root is a loop:
// the reader refuses it instead of recursing.
func TestHostileDirectoryLoop(t *testing.T) {
	m, p := hostileBase(t)
	lba, lbn := rootFIDs(t, m, p)
	off := FIDSize(0, 0) // after the parent entry
	d := m.b[int(lba)*BlockSize+off:]
	icb := FID(d).ICB()
	icb.Location.Block = p.root.lbn
	putLongAD(d[20:], icb)
	retagFID(m, lba, off, lbn)
	v, err := Open(bytes.NewReader(m.b), int64(m.sectors()), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Tree(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("loop: %v", err)
	}
}

// A file whose extent lies beyond its partition is refused.
func TestHostileExtentBeyondPartition(t *testing.T) {
	m, p := hostileBase(t)
	f := p.others[0]
	lba := p.metaStart() + f.lbn
	e := m.b[int(lba)*BlockSize:]
	ads := Entry(e).ADs()
	putShortAD(ads, ShortAD{Length: 4, Block: 1 << 30})
	SetTag(e, TagFE, 3, 0, f.lbn, int(FEFixed+len(ads))-TagSize)
	v, err := Open(bytes.NewReader(m.b), int64(m.sectors()), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Tree(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("extent beyond the partition: %v", err)
	}
}

// An anchor whose volume descriptor sequence points at itself through
// volume descriptor pointers ends, with ErrCorrupt or ErrNotUDF.
func TestHostilePointerLoop(t *testing.T) {
	m, p := hostileBase(t)
	main := p.MainVDS().Location
	for _, seq := range []uint32{main, p.ReserveVDS().Location} {
		b := m.b[int(seq)*BlockSize:]
		clear(b[:BlockSize])
		put32(b[16:], 1)
		putExtentAD(b[20:], ExtentAD{16 * BlockSize, seq})
		SetTag(b, TagVDP, 3, 0, seq, 512-TagSize)
	}
	_, err := Open(bytes.NewReader(m.b), int64(m.sectors()), 0)
	if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotUDF) {
		t.Fatalf("pointer loop: %v", err)
	}
}

// Many entries of one name get distinct names in linear time.
func TestCleanNameLinear(t *testing.T) {
	used := map[string]int{}
	seen := map[string]bool{}
	for i := 0; i < 200000; i++ {
		n := cleanName("a", used)
		if seen[n] {
			t.Fatalf("%q given twice", n)
		}
		seen[n] = true
	}
	if n := cleanName("a~1", used); seen[n] {
		t.Fatalf("%q given twice", n)
	}
	for _, odd := range []string{"", ".", "..", "a/b", "x\x00"} {
		if n := cleanName(odd, used); n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\x00") {
			t.Errorf("%q became %q", odd, n)
		}
	}
}
