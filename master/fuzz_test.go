package master

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math"
	"strings"
	"testing"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// fzDirFirst is the first sector FuzzDirectory's input fills: the
// sectors before it are the system area and volume descriptors the
// target writes itself.
const fzDirFirst = 20

// fzDirMax caps FuzzDirectory's media.
const fzDirMax = 64

// fzDirImage expands a FuzzDirectory input: a 4-byte header (flags;
// the root directory's LBA and size in sectors, as offsets from
// fzDirFirst; the Joliet root's LBA) and the packed sectors from LBA
// fzDirFirst on. The target writes a valid primary volume descriptor
// whose root is the one the header names, a Joliet descriptor when
// flags bit 0 is set, and a terminator, so that every input reaches
// the directory records, System Use entries and the tree they form.
func fzDirImage(data []byte) (*fzMedium, bool) {
	if len(data) < 4 {
		return nil, false
	}
	flags, root, rootLen, joliet := data[0], uint32(fzDirFirst+int(data[1])%32), uint32(1+data[2]%4), uint32(fzDirFirst+int(data[3])%32)
	packed := fzUnpack(data[4:], fzDirMax-fzDirFirst)
	m := &fzMedium{secs: append(make([][]byte, fzDirFirst, fzDirFirst+len(packed.secs)), packed.secs...)}
	vd := func(lba int, typ byte, root uint32, length uint32) []byte {
		b := make([]byte, tree.SectorSize)
		m.secs[lba] = b
		b[0], b[6] = typ, 1
		copy(b[1:], "CD001")
		iso9660.PutBoth32(b[80:], uint32(len(m.secs)))
		iso9660.PutBoth16(b[128:], tree.SectorSize)
		r := b[156:190]
		r[0] = 34
		iso9660.PutBoth32(r[2:], root)
		iso9660.PutBoth32(r[10:], length)
		r[25], r[32] = iso9660.FlagDirectory, 1
		return b
	}
	vd(16, 1, root, rootLen*tree.SectorSize)
	term := 17
	if flags&1 != 0 {
		copy(vd(17, 2, joliet, rootLen*tree.SectorSize)[88:], "%/E")
		term = 18
	}
	m.secs[term] = []byte("\xffCD001\x01")
	return m, true
}

// FuzzDirectory reads a session whose volume descriptors are valid and
// whose directories, System Use fields, continuation areas and
// relocations come from the input (see fzDirImage). The seeds are
// sessions mastered here with and without Rock Ridge and Joliet, so the
// fuzzer starts from whole trees. Errors must wrap ErrCorrupt.
func FuzzDirectory(f *testing.F) {
	for _, o := range []Options{
		{RockRidge: true, Joliet: true, MD5: true},
		{RockRidge: true},
		{Joliet: true},
	} {
		img := fzImage(f, fzTree(o.RockRidge), o)
		pvd := img[16*tree.SectorSize:]
		root, rootLen := iso9660.Both32(pvd[158:]), iso9660.Both32(pvd[166:])
		jroot := uint32(fzDirFirst)
		flags := byte(0)
		for lba := 17; o.Joliet; lba++ {
			if b := img[lba*tree.SectorSize:]; b[0] == 2 {
				jroot, flags = iso9660.Both32(b[158:]), 1
				break
			}
		}
		if root < fzDirFirst || jroot < fzDirFirst || len(img) > fzDirMax*tree.SectorSize {
			f.Fatalf("seed does not fit: root at %d, Joliet root at %d, %d sectors", root, jroot, len(img)/tree.SectorSize)
		}
		hdr := []byte{flags, byte(root - fzDirFirst), byte((rootLen+tree.SectorSize-1)/tree.SectorSize - 1), byte(jroot - fzDirFirst)}
		seed := append(hdr, rtPackSectors(img[fzDirFirst*tree.SectorSize:])...)
		if im, _ := fzDirImage(seed); im != nil {
			if s, err := ReadSession(im, im.Sectors(), 0); err != nil || s.RockRidge != o.RockRidge || len(s.Root.Children) < 5 {
				f.Fatalf("seed %+v does not read back whole: %v", o, err)
			}
		}
		f.Add(seed)
	}
	chain := rtChainImage(5)
	f.Add(append([]byte{0, 0, 0, 0}, rtPackSectors(chain[fzDirFirst*tree.SectorSize:])...))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, ok := fzDirImage(data)
		if !ok {
			return
		}
		s, err := ReadSession(m, m.Sectors(), 0)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		fzWalk(t, s, 4<<10)
	})
}

// FuzzSUSP parses a System Use field: one byte giving its length, the
// field, then a medium of up to 8 packed sectors for its continuation
// areas. The Rock Ridge entries (NM, PX, TF, SL, CL, RE, ER, AL, CE,
// ST) are decoded, applied to a node, named and their AAIP checksum
// attributes read. Errors must wrap ErrCorrupt; names that come out
// must be single path elements.
func FuzzSUSP(f *testing.F) {
	nm := []byte("NM\x0a\x01\x00hello")
	px := append([]byte("PX\x2c\x01"), make([]byte, 40)...)
	iso9660.PutBoth32(px[4:], 0o100644)
	sl := []byte("SL\x12\x01\x00\x00\x02..\x00\x03abc\x08\x00\x00\x01x")
	tf := []byte("TF\x1a\x01\x0e\x7e\x0b\x14\x0c\x22\x38\x00\x7e\x0b\x17\x01\x13\x08\x00\x7e\x0b\x17\x01\x13\x08\x00")
	al := appendAL(nil, "cx", cxValue(3))
	ce := make([]byte, 28)
	copy(ce, "CE\x1c\x01")
	iso9660.PutBoth32(ce[4:], 1)
	iso9660.PutBoth32(ce[20:], uint32(len(nm)+len(al)))
	field := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, su := range [][]byte{
		field(px, tf, nm, sl),
		field(px, nm, al),
		field(px, ce),
		field([]byte("SP\x07\x01\xbe\xef\x00"), []byte("ER\x0a\x01\x04\x00\x00\x01RRIP"), appendAL(nil, "ca", caValue(32, 100, 7))),
		field([]byte("CL\x0c\x01"), make([]byte, 8), []byte("RE\x04\x01"), []byte("ST\x04\x01"), nm),
	} {
		medium := rtPackSectors(append(make([]byte, tree.SectorSize), append(append(bytes.Clone(nm), al...), make([]byte, tree.SectorSize-len(nm)-len(al))...)...))
		f.Add(append([]byte{byte(len(su))}, append(su, medium...)...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		n := min(int(data[0]), len(data)-1)
		su := data[1 : 1+n]
		m := fzUnpack(data[1+n:], 8)
		rd := &rTreeReader{r: m, sectors: m.Sectors(), mode: rModeRR, visited: map[uint32]bool{}}
		var a rAttrs
		if err := rd.parseSUSP(su, &a, "/d", 20); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		for _, dir := range []bool{false, true} {
			node := &tree.Node{}
			rec := rRecord{name: []byte("NAME.;1"), dir: dir}
			if dir {
				rec.flags = iso9660.FlagDirectory
			}
			a.apply(node, rec, false)
			rd.sums.note(node, &a, dir)
			name, err := rd.name(rec, &a)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("name: unclassified error: %v", err)
				}
				continue
			}
			if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || !fs.ValidPath(name) {
				t.Fatalf("name %q is not one path element", name)
			}
			if node.IsSymlink() && len(node.Target) > 4096 {
				t.Fatalf("link target of %d bytes", len(node.Target))
			}
		}
	})
}

// fzSparse is a medium of a given size whose sectors are zeros except
// those set: a session chain of any length costs only its descriptors.
type fzSparse struct {
	sectors int64
	set     map[int64][]byte
}

func (m *fzSparse) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= m.sectors*tree.SectorSize {
			return n, io.EOF
		}
		sec, in := pos/tree.SectorSize, int(pos%tree.SectorSize)
		want := min(len(p)-n, tree.SectorSize-in)
		if s, ok := m.set[sec]; ok {
			copy(p[n:n+want], s[in:])
		} else {
			clear(p[n : n+want])
		}
		n += want
	}
	return n, nil
}

// fzChain expands a FuzzSessionChain input into a grown medium: byte 0
// picks the session whose descriptor the superblock at LBA 16 copies
// (past the last: none; 0xFF: a damaged one), byte 1 the sectors left
// after the last session, then 3 bytes a session: its size (2 bytes)
// and how its descriptor is spoiled (bit 0: zero size field, bit 1:
// not a PVD, bit 2: another session's root).
func fzChain(data []byte) (*fzSparse, []uint32) {
	m := &fzSparse{set: map[int64][]byte{}}
	if len(data) < 2 {
		return m, nil
	}
	super, slack := data[0], int64(data[1])
	var starts []uint32
	var pvds [][]byte
	start := int64(rGrowAlign)
	for rest := data[2:]; len(rest) >= 3 && len(starts) < 16; rest = rest[3:] {
		size := uint32(rest[0])<<8 | uint32(rest[1])
		spoil := rest[2]
		b := make([]byte, tree.SectorSize)
		b[0], b[6] = 1, 1
		copy(b[1:], "CD001")
		if spoil&2 != 0 {
			b[0] = 2
		}
		if spoil&1 == 0 {
			iso9660.PutBoth32(b[80:], size)
		}
		iso9660.PutBoth16(b[128:], tree.SectorSize)
		root := uint32(start) + 20
		if spoil&4 != 0 {
			root = rGrowAlign + 20
		}
		b[156] = 34
		iso9660.PutBoth32(b[158:], root)
		b[181] = iso9660.FlagDirectory
		m.set[start+16] = b
		starts = append(starts, uint32(start))
		pvds = append(pvds, b)
		start = (start + int64(size) + rGrowAlign - 1) / rGrowAlign * rGrowAlign
		if size == 0 {
			start += rGrowAlign
		}
	}
	switch {
	case int(super) < len(pvds):
		m.set[16] = pvds[super]
	case super == 0xFF:
		m.set[16] = []byte("\x01CD002")
	}
	m.sectors = start + slack
	return m, starts
}

// FuzzSessionChain lists the sessions of a grown medium described
// compactly (see fzChain): up to 16 sessions, their sizes, spoiled
// descriptors and a current, stale, damaged or missing superblock. The
// list must be in order, numbered from 1, each session where the one
// before it ends (rounded up to 32 sectors), inside the medium.
func FuzzSessionChain(f *testing.F) {
	f.Add([]byte{1, 0, 0, 40, 0, 0, 33, 0})
	f.Add([]byte{0, 5, 0, 40, 0, 0, 33, 0, 0, 70, 0})
	f.Add([]byte{0xFF, 0, 0, 40, 0, 0, 33, 2})
	f.Add([]byte{9, 0, 0, 40, 0, 0, 0, 1, 0, 10, 4})
	if m, _ := fzChain([]byte{1, 0, 0, 40, 0, 0, 33, 0}); true {
		if list, err := ListSessions(m, m.sectors); err != nil || len(list) != 2 || list[1].Start != 96 {
			f.Fatalf("seed chain lists as %+v, %v", list, err)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, written := fzChain(data)
		list, err := ListSessions(m, m.sectors)
		if err != nil {
			if !errors.Is(err, ErrNotISO) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if len(list) == 1 && list[0].Start == 0 {
			return // the superblock read as a plain image
		}
		// Where the chain breaks before the session the superblock
		// names, that session is listed last as the superblock's copy
		// at LBA 0 (as xorriso -toc lists it), and CheckChain says so.
		broken := errors.Is(CheckChain(m, m.sectors), ErrChainBroken)
		for i, s := range list {
			if s.Number != i+1 {
				t.Fatalf("session %d numbered %d", i+1, s.Number)
			}
			if broken && i == len(list)-1 {
				if s.Start != 0 {
					t.Fatalf("the chain is broken, and the last session is listed at LBA %d, not as the superblock's copy", s.Start)
				}
				if _, err := ReadSession(m, m.sectors, 0); err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotISO) {
					t.Fatalf("ReadSession(0): unclassified error: %v", err)
				}
				continue
			}
			if i >= len(written) || s.Start != written[i] {
				t.Fatalf("session %d at LBA %d; sessions were written at %v", i+1, s.Start, written)
			}
			if int64(s.Start)+16 >= m.sectors {
				t.Fatalf("session %d at LBA %d: descriptor past the medium of %d sectors", i+1, s.Start, m.sectors)
			}
			if i > 0 {
				prev := list[i-1]
				if want := (prev.Start + prev.Size + rGrowAlign - 1) / rGrowAlign * rGrowAlign; s.Start != want {
					t.Fatalf("session %d at LBA %d, the one before ends at %d", i+1, s.Start, prev.Start+prev.Size)
				}
			}
			if _, err := ReadSession(m, m.sectors, s.Start); err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotISO) {
				t.Fatalf("ReadSession(%d): unclassified error: %v", s.Start, err)
			}
		}
	})
}

// fzVerifyMax caps FuzzVerify's media: Verify hashes whole sessions.
const fzVerifyMax = 64

// fzVerifyBudget bounds the bytes one FuzzVerify input may read: a tree
// of many files that all claim the whole medium would otherwise be read
// once per file, a hostile disc's right but no use to the fuzzer. A read
// past the budget fails like a bad drive, with errFzBudget.
const fzVerifyBudget = 1 << 20

// FuzzVerify checks sessions with checksums against themselves: byte 0
// picks the level and the session start (0 or 32), the rest is a
// packed medium of up to fzVerifyMax sectors. Seeds are sessions with
// MD5 tags and arrays mastered here, alone and grown. Verify must not
// panic, and every error must be classified.
func FuzzVerify(f *testing.F) {
	tiny := func() *tree.Node {
		return &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
			fzFile("a", "hello"),
			{Name: "d", Mode: fs.ModeDir | 0o755, Children: []*tree.Node{fzFile("b", "bb"), fzFile("e", "")}},
		}}
	}
	plain := fzImage(f, tiny(), Options{RockRidge: true, Joliet: true, MD5: true})
	grown := fzImage(f, tiny(), Options{StartLBA: 32, RockRidge: true, MD5: true})
	for start, img := range map[uint32][]byte{0: plain, 32: grown} {
		if _, err := Verify(bytes.NewReader(img), int64(len(img)/tree.SectorSize), start, VerifyFull); err != nil {
			f.Fatalf("seed at LBA %d does not verify: %v", start, err)
		}
	}
	for _, lvl := range []byte{0, 1, 2} {
		f.Add(append([]byte{lvl}, rtPackSectors(plain)...))
		f.Add(append([]byte{lvl | 4}, rtPackSectors(grown)...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		level := []VerifyLevel{VerifyQuick, VerifySession, VerifyFull, VerifyFull}[data[0]&3]
		start := uint32(0)
		if data[0]&4 != 0 {
			start = 32
		}
		m := fzUnpack(data[1:], fzVerifyMax)
		m.budget = fzVerifyBudget
		_, err := Verify(m, m.Sectors(), start, level)
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotISO) &&
			!errors.Is(err, ErrMismatch) && !errors.Is(err, ErrUnverifiable) && !errors.Is(err, errFzBudget) {
			t.Fatalf("Verify: unclassified error: %v", err)
		}
	})
}

// FuzzLayoutSize lays out a tree of one file of any size: a zisofs2
// file's, whose size a ZF entry gives in 64 bits, or a local file's.
// Layout must end at once, with a layout or, for a size past what a
// session holds, ErrUnsupported: no size may overflow the count of its
// sectors or extents.
func FuzzLayoutSize(f *testing.F) {
	f.Add(int64(math.MaxInt64), true)
	f.Add(int64(1<<52), true)
	f.Add(int64(wMaxFileSize), false)
	f.Add(int64(wMaxFileSize+1), false)
	f.Add(int64(math.MaxInt64-wMaxExtent+2), false)
	f.Add(int64(100000), true)
	f.Fuzz(func(t *testing.T, size int64, zisofs bool) {
		if size < 0 {
			return
		}
		var src tree.Source = tree.ReaderAtSource{R: bytes.NewReader(nil), Size: size}
		if zisofs {
			src = tree.Sparse{R: bytes.NewReader(nil), Extents: []tree.Extent{tree.ZisofsExtent([2]byte{'P', 'Z'}, 6, 15), {LBA: 30, Length: 40}}, Size: size}
		}
		root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{{Name: "f", Mode: 0o644, Size: size, Source: src}}}
		_, err := Layout(root, Options{RockRidge: true, Joliet: true, MD5: true, UDF: udf.Rev201, Time: fzTime})
		switch {
		case err != nil && !errors.Is(err, ErrUnsupported):
			t.Fatalf("Layout of %d bytes: %v", size, err)
		case err == nil && size > wMaxFileSize:
			t.Fatalf("Layout of %d bytes: laid out", size)
		}
	})
}
