package master

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// rtRaw is a test's view of a fixture image for corrupting it in place.
type rtRaw struct {
	b     []byte
	start uint32
}

// rootLBA is the root directory's LBA from the PVD.
func (m rtRaw) rootLBA() uint32 {
	pvd := m.b[(int(m.start)+16)*tree.SectorSize:]
	return iso9660.Both32(pvd[156+2:])
}

// record returns the byte offset of the record in directory dirLBA (one
// sector is enough for the fixtures) whose Rock Ridge NM name is name.
func (m rtRaw) record(t *testing.T, dirLBA uint32, name string) int {
	t.Helper()
	base := int(dirLBA) * tree.SectorSize
	for off := 0; off < tree.SectorSize && m.b[base+off] != 0; off += int(m.b[base+off]) {
		rec := m.b[base+off : base+off+int(m.b[base+off])]
		nm := append([]byte("NM"), byte(5+len(name)), 1, 0)
		if bytes.Contains(rec, append(nm, name...)) {
			return base + off
		}
	}
	t.Fatalf("no record %q in directory at LBA %d", name, dirLBA)
	return 0
}

// su returns the offset of the SUSP entry sig in the record at off.
func (m rtRaw) su(t *testing.T, off int, sig string) int {
	t.Helper()
	rec := m.b[off : off+int(m.b[off])]
	i := bytes.Index(rec[33+int(rec[32]):], []byte(sig))
	if i < 0 {
		t.Fatalf("record at %d has no %s entry", off, sig)
	}
	return off + 33 + int(rec[32]) + i
}

func (m rtRaw) read() (*Session, error) {
	return ReadSession(bytes.NewReader(m.b), int64(len(m.b)/tree.SectorSize), m.start)
}

// rtCorrupt returns a fresh copy of a fixture.
func rtCorrupt(t *testing.T, fixture string, start uint32) rtRaw {
	return rtRaw{b: rtFixture(t, fixture), start: start}
}

func TestReadHostile(t *testing.T) {
	for _, fx := range []struct {
		name  string
		start uint32
	}{{"genisoimage-rj", 0}, {"xorriso-rr", 32}} {
		t.Run(fx.name, func(t *testing.T) {
			fresh := func() rtRaw { return rtCorrupt(t, fx.name, fx.start) }
			if _, err := fresh().read(); err != nil {
				t.Fatalf("pristine image: %v", err)
			}
			cases := []struct {
				name  string
				spoil func(m rtRaw)
			}{
				{"directory pointing to its parent", func(m rtRaw) {
					off := m.record(t, m.rootLBA(), "sub")
					iso9660.PutBoth32(m.b[off+2:], m.rootLBA())
				}},
				{"record shorter than its fields", func(m rtRaw) {
					m.b[m.record(t, m.rootLBA(), "sub")] = 20
				}},
				{"name longer than the record", func(m rtRaw) {
					m.b[m.record(t, m.rootLBA(), "sub")+32] = 200
				}},
				{"file extent past the medium", func(m rtRaw) {
					off := m.record(t, m.rootLBA(), "hello.txt")
					iso9660.PutBoth32(m.b[off+2:], uint32(len(m.b)/tree.SectorSize)+10)
				}},
				{"directory of 4 GiB", func(m rtRaw) {
					off := m.record(t, m.rootLBA(), "sub")
					iso9660.PutBoth32(m.b[off+10:], 0xFFFFF800)
				}},
				{"continuation loop", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "PX")
					rtCE(m.b[pos:], 1, 0, 28)
					rtCE(m.b[1*tree.SectorSize:], 1, 0, 28)
				}},
				{"continuation past the medium", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "PX")
					rtCE(m.b[pos:], uint32(len(m.b)/tree.SectorSize)+1, 0, 28)
				}},
				{"continuation of 1 GiB", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "PX")
					rtCE(m.b[pos:], 1, 0, 1<<30)
				}},
				{"SUSP entry length past the field", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "PX")
					m.b[pos+2] = 250
				}},
				{"SUSP entry length 0", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "PX")
					m.b[pos+2] = 0
				}},
				{"name ..", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "NM")
					// NM of 7 bytes "..", then a 7-byte entry nobody knows
					copy(m.b[pos:], "NM\x07\x01\x00..XX\x07\x01abc")
				}},
				{"name flagged as parent", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "NM")
					m.b[pos+4] = 0x04
				}},
				{"name with a slash", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "NM")
					m.b[pos+7] = '/'
				}},
				{"name with NUL", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "NM")
					m.b[pos+7] = 0
				}},
				{"duplicate name", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "NM")
					copy(m.b[pos+5:], "empty dir")
				}},
				{"symlink component past the entry", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "link-rel"), "SL")
					m.b[pos+6] = 200
				}},
				{"relocation to the root (loop)", func(m rtRaw) {
					pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "PX")
					copy(m.b[pos:], "CL") // keeps the PX length
					iso9660.PutBoth32(m.b[pos+4:], m.rootLBA())
				}},
				{"record length 0 mid-sector", func(m rtRaw) {
					m.b[m.record(t, m.rootLBA(), "hello.txt")] = 0
				}},
				{"zeroed dot record", func(m rtRaw) {
					sub := iso9660.Record(m.b[m.record(t, m.rootLBA(), "sub"):])
					clear(m.b[int(sub.Extent())*tree.SectorSize:][:34])
				}},
				{"first record not dot", func(m rtRaw) {
					sub := iso9660.Record(m.b[m.record(t, m.rootLBA(), "sub"):])
					m.b[int(sub.Extent())*tree.SectorSize+33] = 1
				}},
				{"logical block size 512", func(m rtRaw) {
					iso9660.PutBoth16(m.b[(int(m.start)+16)*tree.SectorSize+128:], 512)
				}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					m := fresh()
					c.spoil(m)
					_, err := m.read()
					rtWantCorrupt(t, c.name, err)
				})
			}
		})
	}
}

// rtCE writes a CE entry over the entry at b, keeping its length when
// that is long enough so that the entries after it stay in place.
func rtCE(b []byte, lba, off, length uint32) {
	l := b[2]
	copy(b, "CE\x1c\x01")
	if l >= 28 && b[0] == 'C' {
		b[2] = l
	}
	iso9660.PutBoth32(b[4:], lba)
	iso9660.PutBoth32(b[12:], off)
	iso9660.PutBoth32(b[20:], length)
}

func TestReadTruncated(t *testing.T) {
	for _, name := range []string{"genisoimage-rj", "xorriso-grown3"} {
		img := rtFixture(t, name)
		for cut := 0; cut <= len(img); cut += tree.SectorSize / 2 {
			part := img[:cut]
			r := bytes.NewReader(part)
			sectors := int64(len(part) / tree.SectorSize)
			if _, err := ListSessions(r, sectors); err != nil && !errors.Is(err, ErrNotISO) {
				t.Errorf("%s cut at %d: ListSessions: %v", name, cut, err)
			}
			for _, start := range []uint32{0, 32, 96, 160} {
				s, err := ReadSession(r, sectors, start)
				if err != nil {
					if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotISO) {
						t.Errorf("%s cut at %d, session %d: %v", name, cut, start, err)
					}
					continue
				}
				rtWalkAll(t, s)
			}
			// The size claimed may exceed what the reader holds.
			if _, err := ReadSession(r, sectors+100, 0); err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotISO) {
				t.Errorf("%s cut at %d, lying size: %v", name, cut, err)
			}
		}
	}
}

// rtWalkAll walks the FS of s and reads every file, bounded, through
// every method: Stat, Lstat, ReadLink, ReadDir, Read, ReadAt and Seek.
func rtWalkAll(t testing.TB, s *Session) {
	fsys := s.FS()
	rl := fsys.(fs.ReadLinkFS)
	budget := 4 << 20
	buf := make([]byte, 64<<10)
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if _, err := fs.Stat(fsys, p); err != nil {
			t.Errorf("%s: Stat of a listed entry: %v", p, err)
		}
		if _, err := rl.Lstat(p); err != nil {
			t.Errorf("%s: Lstat of a listed entry: %v", p, err)
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if _, err := rl.ReadLink(p); err != nil {
				t.Errorf("%s: ReadLink: %v", p, err)
			}
		}
		if d.IsDir() {
			_, _ = fs.ReadDir(fsys, p)
			return nil
		}
		f, err := fsys.Open(p)
		if err != nil {
			t.Errorf("%s: Open of a listed entry: %v", p, err)
			return nil
		}
		defer f.Close()
		if _, ok := f.(fs.ReadDirFile); ok {
			return nil // a link to a directory
		}
		sk, ok1 := f.(io.Seeker)
		ra, ok2 := f.(io.ReaderAt)
		if !ok1 || !ok2 {
			t.Errorf("%s: open file is not an io.Seeker and io.ReaderAt", p)
			return nil
		}
		if end, err := sk.Seek(0, io.SeekEnd); err == nil && end > 0 {
			_, _ = ra.ReadAt(buf[:min(len(buf), 4096)], end/2)
			_, _ = sk.Seek(0, io.SeekStart)
		}
		for budget > 0 {
			n, err := f.Read(buf)
			budget -= n
			if err != nil {
				break
			}
		}
		return nil
	})
}

// rtChainImage crafts an image whose root starts a chain of depth nested
// directories, one sector each, and returns it.
func rtChainImage(depth int) []byte {
	const first = 20
	sectors := first + depth + 1
	b := make([]byte, sectors*tree.SectorSize)
	pvd := b[16*tree.SectorSize:]
	pvd[0], pvd[6] = 1, 1
	copy(pvd[1:], "CD001")
	iso9660.PutBoth32(pvd[80:], uint32(sectors))
	iso9660.PutBoth16(pvd[128:], tree.SectorSize)
	rtPutRecord(pvd[156:], first, tree.SectorSize, iso9660.FlagDirectory, "\x00")
	term := b[17*tree.SectorSize:]
	term[0], term[6] = 255, 1
	copy(term[1:], "CD001")
	for i := 0; i <= depth; i++ {
		lba := uint32(first + i)
		d := b[int(lba)*tree.SectorSize:]
		off := rtPutRecord(d, lba, tree.SectorSize, iso9660.FlagDirectory, "\x00")
		off += rtPutRecord(d[off:], lba-1, tree.SectorSize, iso9660.FlagDirectory, "\x01")
		if i < depth {
			rtPutRecord(d[off:], lba+1, tree.SectorSize, iso9660.FlagDirectory, fmt.Sprintf("D%d", i))
		}
	}
	return b
}

// rtPutRecord writes a directory record without system use field.
func rtPutRecord(b []byte, lba, length uint32, flags byte, name string) int {
	n := 33 + len(name)
	if n%2 == 1 {
		n++
	}
	b[0] = byte(n)
	iso9660.PutBoth32(b[2:], lba)
	iso9660.PutBoth32(b[10:], length)
	b[18], b[19], b[20] = 126, 1, 1
	b[25] = flags
	iso9660.PutBoth16(b[28:], 1)
	b[32] = byte(len(name))
	copy(b[33:], name)
	return n
}

func TestReadDepthLimit(t *testing.T) {
	ok := rtChainImage(100)
	s, err := ReadSession(bytes.NewReader(ok), int64(len(ok)/tree.SectorSize), 0)
	if err != nil {
		t.Fatalf("100 levels: %v", err)
	}
	depth := 0
	for n := s.Root; len(n.Children) == 1; n = n.Children[0] {
		depth++
	}
	if depth != 100 {
		t.Errorf("100 levels read as %d", depth)
	}
	deep := rtChainImage(rMaxDepth + 10)
	_, err = ReadSession(bytes.NewReader(deep), int64(len(deep)/tree.SectorSize), 0)
	rtWantCorrupt(t, "too deep", err)
}

func TestReadRecordPastSectorEnd(t *testing.T) {
	img := rtChainImage(1)
	d := img[20*tree.SectorSize : 21*tree.SectorSize]
	off := 68
	for i := 0; off+100 <= tree.SectorSize-34; i++ {
		off += rtPutRecord(d[off:], 30, 0, 0, fmt.Sprintf("%066d", i))
	}
	good, err := ReadSession(bytes.NewReader(img), int64(len(img)/tree.SectorSize), 0)
	if err != nil {
		t.Fatalf("before: %v", err)
	}
	if len(good.Root.Children) != 19 {
		t.Fatalf("before: %d entries", len(good.Root.Children))
	}
	rtPutRecord(d[off:], 30, 0, 0, "LAST")
	d[off] = 255
	_, err = ReadSession(bytes.NewReader(img), int64(len(img)/tree.SectorSize), 0)
	rtWantCorrupt(t, "record crossing the sector end", err)
}

func TestReadNotISO(t *testing.T) {
	zero := make([]byte, 64*tree.SectorSize)
	if _, err := ReadSession(bytes.NewReader(zero), 64, 0); !errors.Is(err, ErrNotISO) {
		t.Errorf("ReadSession on zeros: %v", err)
	}
	if _, err := ListSessions(bytes.NewReader(zero), 64); !errors.Is(err, ErrNotISO) {
		t.Errorf("ListSessions on zeros: %v", err)
	}
	if _, err := ReadSession(bytes.NewReader(nil), 0, 0); !errors.Is(err, ErrNotISO) {
		t.Errorf("ReadSession on nothing: %v", err)
	}
}

func TestReadRecordTime(t *testing.T) {
	for _, b := range [][]byte{
		{126, 11, 20, 12, 34, 56, 0},
		{126, 11, 20, 12, 34, 56, 4},
		{70, 1, 1, 0, 0, 0, 0xF0},
		{255, 12, 31, 23, 59, 59, 52},
		{0, 0, 0, 0, 0, 0, 0},
		{99, 13, 40, 25, 61, 61, 0x80},
	} {
		if got, want := iso9660.RecordTime(b), iso9660.RecordTime(b); !got.Equal(want) {
			t.Errorf("iso9660.RecordTime(%v) = %v, getRecordTime gives %v", b, got, want)
		}
	}
}

func TestReadNameNotUTF8(t *testing.T) {
	m := rtCorrupt(t, "xorriso-rr", 32)
	pos := m.su(t, m.record(t, m.rootLBA(), "hello.txt"), "NM")
	m.b[pos+6] = 0xE9 // Latin-1 e acute
	s, err := m.read()
	if err != nil {
		t.Fatal(err)
	}
	if s.Root.Child("h\u00e9llo.txt") == nil {
		t.Errorf("name not read as Latin-1: %v", rtExpected(s))
	}
	if err := fstest.TestFS(s.FS(), "h\u00e9llo.txt"); err != nil {
		t.Error(err)
	}
}

// paddedEntries is how many files paddedRoot's root holds.
const paddedEntries = 120

// paddedRoot masters, with opts, a root of paddedEntries files with
// long names, whose directory takes several sectors (each ending in
// padding), and returns the image and the root's record.
func paddedRoot(t *testing.T, opts Options) (rtRaw, iso9660.Record) {
	t.Helper()
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	for i := range paddedEntries {
		root.Children = append(root.Children, &tree.Node{
			Name: fmt.Sprintf("a-file-whose-name-takes-room-%03d.txt", i), Mode: 0o644,
			Size: 2, Source: tree.Bytes("x\n"),
		})
	}
	im, err := Layout(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := im.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	m := rtRaw{b: buf.Bytes()}
	return m, iso9660.Record(m.b[16*tree.SectorSize+156:])
}

// TestReadDirectoryPadding: a directory whose records fill more than one
// sector ends each sector but the last with zero padding (records never
// cross a sector); every record after the padding is read.
func TestReadDirectoryPadding(t *testing.T) {
	for _, opts := range []Options{{RockRidge: true, Joliet: true}, {}} {
		m, rec := paddedRoot(t, opts)
		if rec.DataLength() <= tree.SectorSize {
			t.Fatalf("root of %d bytes: the test needs one of several sectors", rec.DataLength())
		}
		padded := 0
		for k := 0; k+1 < int(rec.DataLength()/tree.SectorSize); k++ {
			sec := m.b[(int(rec.Extent())+k)*tree.SectorSize:][:tree.SectorSize]
			if sec[tree.SectorSize-1] == 0 {
				padded++
			}
		}
		if padded == 0 {
			t.Fatalf("%+v: no sector of the root ends in padding: nothing to test", opts)
		}
		s, err := m.read()
		if err != nil {
			t.Fatalf("%+v: %v", opts, err)
		}
		if len(s.Root.Children) != paddedEntries {
			t.Errorf("%+v: read %d entries, want %d", opts, len(s.Root.Children), paddedEntries)
		}
	}
}

// TestListSessionsBrokenChain: a damaged head of a session in the middle
// of a grown image breaks the chain from LBA 32. The sessions before it
// are listed at their LBAs and the newest as the superblock's copy at LBA
// 0, as xorriso -toc lists them, and CheckChain names the break.
func TestListSessionsBrokenChain(t *testing.T) {
	b := rtFixture(t, "xorriso-grown3")
	sectors := int64(len(b) / tree.SectorSize)
	intact, err := ListSessions(bytes.NewReader(b), sectors)
	if err != nil || len(intact) != 3 {
		t.Fatalf("intact: %+v, %v", intact, err)
	}
	if err := CheckChain(bytes.NewReader(b), sectors); err != nil {
		t.Fatalf("intact chain: %v", err)
	}
	copy(b[(int(intact[1].Start)+16)*tree.SectorSize+1:], "XXXXX")
	got, err := ListSessions(bytes.NewReader(b), sectors)
	if err != nil || len(got) != 2 || got[0] != intact[0] || got[1].Number != 2 || got[1].Start != 0 {
		t.Fatalf("broken at session 2: %+v, %v", got, err)
	}
	err = CheckChain(bytes.NewReader(b), sectors)
	if !errors.Is(err, ErrChainBroken) || !strings.Contains(err.Error(), fmt.Sprintf("session 2 (LBA %d)", intact[1].Start)) {
		t.Errorf("CheckChain: %v", err)
	}
}

// TestReadDirectoryJunkPadding: bytes that are not zero after a zero
// length byte, but hold no record, are skipped as Linux and libisofs
// skip them: every entry is read. A record standing there means one was
// lost before it (TestReadHostile): that is refused.
func TestReadDirectoryJunkPadding(t *testing.T) {
	m, rec := paddedRoot(t, Options{RockRidge: true, Joliet: true})
	junked := 0
	for k := 0; k+1 < int(rec.DataLength()/tree.SectorSize); k++ {
		sec := m.b[(int(rec.Extent())+k)*tree.SectorSize:][:tree.SectorSize]
		off := 0
		for off < len(sec) && sec[off] != 0 {
			off += int(sec[off])
		}
		if off+4 < len(sec) {
			copy(sec[off+1:], []byte{0xde, 0xad, 0xbe})
			junked++
		}
	}
	if junked == 0 {
		t.Fatal("no sector of the root ends in padding: nothing to test")
	}
	s, err := m.read()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Root.Children) != paddedEntries {
		t.Errorf("read %d entries, want %d", len(s.Root.Children), paddedEntries)
	}
}
