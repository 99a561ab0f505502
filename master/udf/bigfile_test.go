package udf

import (
	"bytes"
	"io"
	"io/fs"
	"testing"

	"github.com/discstage/discstage/master/tree"
)

// zeroTail reads b, then zeros up to size.
type zeroTail struct {
	b    []byte
	size int64
}

func (z zeroTail) ReadAt(p []byte, off int64) (int, error) {
	if off >= z.size {
		return 0, io.EOF
	}
	n := 0
	if off < int64(len(z.b)) {
		n = copy(p, z.b[off:])
	}
	end := min(int64(len(p)), z.size-off)
	clear(p[n:end])
	if end < int64(len(p)) {
		return int(end), io.EOF
	}
	return len(p), nil
}

// A file over 4 GiB, given as ISO 9660 level 3 extents (each under
// 4 GiB), is recorded as allocation descriptors under 1 GiB each that
// together cover it; the reader gives back the same sectors.
func TestFileOver4GiB(t *testing.T) {
	const size = 5<<30 + 12345
	const lba = 10000
	first := uint32(4<<30 - BlockSize)
	ext := []tree.Extent{{LBA: lba, Length: first}, {LBA: lba + first/BlockSize, Length: uint32(size - int64(first))}}
	big := &tree.Node{Name: "big.bin", Mode: 0o644, Size: size, Extents: ext}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{big}}
	for _, rev := range []uint16{Rev102, Rev201, Rev250} {
		m := &medium{}
		p, err := NewPlan(root, Options{Revision: rev, Time: testTime})
		if err != nil {
			t.Fatal(err)
		}
		p.Place(257)
		var buf bytes.Buffer
		if _, err := p.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		m.put(16, p.VRS())
		m.put(256, p.Anchor(256))
		m.put(257, buf.Bytes())
		sectors := int64(lba) + (size+BlockSize-1)/BlockSize
		v, err := Open(zeroTail{m.b, sectors * BlockSize}, sectors, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Every allocation descriptor is under 1 GiB.
		fe, _, _, err := v.readEntry(LongAD{Location: LBAddr{Block: lbnOf(t, v, "big.bin"), Partition: p.partRef()}})
		if err != nil {
			t.Fatal(err)
		}
		ads, err := v.allocs(nil, fe, v.parts[p.partRef()])
		if err != nil {
			t.Fatal(err)
		}
		if len(ads) != 6 {
			t.Errorf("%s: %d allocation descriptors, want 6", RevisionString(rev), len(ads))
		}
		for _, a := range ads {
			if a.length >= 1<<30 {
				t.Errorf("descriptor of %d bytes", a.length)
			}
		}
		got, err := v.Tree()
		if err != nil {
			t.Fatal(err)
		}
		b := got.Child("big.bin")
		var total int64
		next := uint32(lba)
		for _, e := range b.Extents {
			if e.LBA != next {
				t.Fatalf("extent at %d, want %d: %+v", e.LBA, next, b.Extents)
			}
			total += int64(e.Length)
			next += e.Length / BlockSize
		}
		if b.Size != size || total != size {
			t.Errorf("%s: size %d, extents cover %d", RevisionString(rev), b.Size, total)
		}
	}
}

// lbnOf finds the entry block of a name in the root directory.
func lbnOf(t *testing.T, v *Volume, name string) uint32 {
	t.Helper()
	e, p, _, err := v.readEntry(v.root)
	if err != nil {
		t.Fatal(err)
	}
	data, err := v.entryData(e, p, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(data); {
		f := FID(data[off:])
		if DecodeDChars(f.Ident()) == name {
			return f.ICB().Location.Block
		}
		off += f.Size()
	}
	t.Fatalf("%s not found", name)
	return 0
}

// A file needing more allocation descriptors than a file entry holds is
// planned with allocation extent descriptors, in short and in long
// descriptors (TestWriteAllocationExtents writes and reads them back).
func TestManyExtentsArePlanned(t *testing.T) {
	var ext []tree.Extent
	for i := 0; i < 300; i++ {
		ext = append(ext, tree.Extent{LBA: uint32(1000 + 2*i), Length: BlockSize})
	}
	n := &tree.Node{Name: "frag", Mode: 0o644, Size: 300 * BlockSize, Extents: ext}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{n}}
	for _, rev := range []uint16{Rev102, Rev201, Rev250} {
		if _, err := NewPlan(root, Options{Revision: rev}); err != nil {
			t.Errorf("300 extents, revision %#x: %v", rev, err)
		}
	}
}
