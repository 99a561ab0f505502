package udf

import (
	"bytes"
	"os"
	"testing"
)

// withAED returns a volume the writer made at revision rev (1.02 or
// 2.01: entries in the physical partition) in which the
// allocation descriptors of a.txt are moved to an allocation extent
// descriptor (ECMA-167 4/14.5) recorded after the data, its entry
// holding only the pointer to it (extent type 3): the chain the reader
// follows for files whose descriptors do not fit their entry. The
// partition is lengthened by the descriptor's block, and the closing
// anchor moves one block on.
func withAED(tb testing.TB, rev uint16) []byte {
	tb.Helper()
	img, _ := udfImage(tb, sampleTree(), Options{Revision: rev, Time: testTime}, false)
	b, err := os.ReadFile(img)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := Open(bytes.NewReader(b), int64(len(b)/BlockSize), 0)
	if err != nil {
		tb.Fatal(err)
	}
	root, err := v.Tree()
	if err != nil {
		tb.Fatal(err)
	}
	var ref EntryRef
	var found bool
	for _, c := range root.Children {
		if c.Name == "a.txt" {
			ref, found = v.Entry(c)
		}
	}
	pstart, one := v.PartitionStart()
	if !found || !one {
		tb.Fatalf("%#x: a.txt has no entry in a physical partition (found %v, one partition %v)", rev, found, one)
	}
	last := uint32(len(b)/BlockSize) - 1 // the closing anchor
	sector := func(lba uint32) []byte { return b[int(lba)*BlockSize : int(lba+1)*BlockSize] }
	retag := func(d []byte, loc uint32) {
		t := Tag(d)
		SetTag(d, t.ID(), t.Version(), t.Serial(), loc, int(t.CRCLength()))
	}

	// The anchor moves to a new last block; the partition reaches the old one.
	anchor := bytes.Clone(sector(last))
	b = append(b, make([]byte, BlockSize)...)
	copy(sector(last+1), anchor)
	retag(sector(last+1), last+1)
	for i := uint32(0); i < v.MainVDS.Length/BlockSize; i++ {
		lba := v.MainVDS.Location + i
		if d := sector(lba); Tag(d).ID() == TagPD {
			if end := last + 1 - pstart; le32(d[192:]) < end {
				put32(d[192:], end)
			}
			retag(d, lba)
		}
	}

	// The entry's descriptors go to the AED at the old anchor's block.
	fe := sector(ref.LBA)
	area := Entry(fe).ADs()
	size := map[uint16]int{ICBShort: ShortADSize, ICBLong: LongADSize}[Entry(fe).Flags()&7]
	if size == 0 || len(area) < size {
		tb.Fatalf("a.txt's entry holds %d bytes of descriptors of type %d", len(area), Entry(fe).Flags()&7)
	}
	aed := sector(last)
	clear(aed)
	put32(aed[20:], uint32(len(area)))
	copy(aed[24:], area)
	SetTag(aed, TagAED, Tag(fe).Version(), Tag(fe).Serial(), last-pstart, 8+len(area))
	clear(area)
	if size == ShortADSize {
		putShortAD(area, ShortAD{Length: BlockSize, Type: ExtNext, Block: last - pstart})
	} else {
		putLongAD(area, LongAD{Length: BlockSize, Type: ExtNext, Location: LBAddr{Block: last - pstart, Partition: v.fsRef}})
	}
	retag(fe, ref.LBA-pstart)
	return b
}

// A file whose descriptors continue in an allocation extent descriptor
// reads as before.
func TestReadAED(t *testing.T) {
	for _, rev := range []uint16{Rev102, Rev201} {
		b := withAED(t, rev)
		v, err := Open(bytes.NewReader(b), int64(len(b)/BlockSize), 0)
		if err != nil {
			t.Fatalf("%#x: %v", rev, err)
		}
		root, err := v.Tree()
		if err != nil {
			t.Fatalf("%#x: %v", rev, err)
		}
		a := root.Child("a.txt")
		if a == nil || a.Size != 6 || len(a.Extents) != 1 {
			t.Fatalf("%#x: a.txt %+v", rev, a)
		}
		got := make([]byte, 6)
		bytes.NewReader(b).ReadAt(got, int64(a.Extents[0].LBA)*BlockSize)
		if string(got) != "hello\n" {
			t.Errorf("%#x: a.txt reads %q", rev, got)
		}
	}
}
