package master

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// The fuzz targets of this package read media of at most fzMaxSectors
// sectors, given in the packed form of rtPackSectors: a sector is two
// length bytes and its leading non-zero bytes. Small media keep the work
// per input bounded (a few hundred microseconds), so that a target runs
// thousands of times a second, while seeds mastered by this package and
// by xorriso and genisoimage still fit and reach the deep code: Rock
// Ridge with continuation areas and relocated directories, Joliet,
// checksum tags and arrays, and session chains.
const fzMaxSectors = 128

// fzTime is the time of every seed, so that seeds are reproducible.
var fzTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// fzFile is a regular file node holding data.
func fzFile(name string, data string) *tree.Node {
	return &tree.Node{Name: name, Mode: 0o644, Size: int64(len(data)), Source: tree.ReaderAtSource{R: strings.NewReader(data), Size: int64(len(data))}}
}

// fzTree is a small tree that makes the writer use most of what the
// reader parses: long names (NM in continuation areas), a symbolic link
// with many components, directories deeper than ISO 9660 allows
// (relocated with CL/PL/RE), owners, odd modes, empty files.
func fzTree(rr bool) *tree.Node {
	deep := &tree.Node{Name: "leaf", Mode: fs.ModeDir | 0o700}
	levels := 5
	if rr {
		levels = 9
	}
	for i := levels; i >= 1; i-- {
		deep = &tree.Node{Name: "d" + string(rune('0'+i)), Mode: fs.ModeDir | 0o755, Children: []*tree.Node{deep}}
	}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
		fzFile("a.txt", "hello\n"),
		fzFile("empty", ""),
		{Name: strings.Repeat("long-name-", 24), Mode: 0o4755, UID: 1234, GID: 5678, Size: 2, Source: tree.ReaderAtSource{R: strings.NewReader("xx"), Size: 2}},
		{Name: "sub", Mode: fs.ModeDir | 0o750, Children: []*tree.Node{fzFile("b", "b")}},
		deep,
	}}
	if rr {
		root.Children = append(root.Children,
			&tree.Node{Name: "link", Mode: fs.ModeSymlink | 0o777, Target: "../a/./b/" + strings.Repeat("c/", 40) + "d"},
			&tree.Node{Name: "abs", Mode: fs.ModeSymlink | 0o777, Target: "/sub/b"})
	}
	return root
}

// fzImage masters root with opts at start and returns the session's
// sectors preceded by start zero sectors.
func fzImage(tb testing.TB, root *tree.Node, opts Options) []byte {
	tb.Helper()
	if opts.Time.IsZero() {
		opts.Time = fzTime
	}
	im, err := Layout(root, opts)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	buf.Write(make([]byte, int(opts.StartLBA)*tree.SectorSize))
	if _, err := im.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// fzSeeds returns the media every reader target starts from: sessions
// mastered here with every option, a two-session chain, and the
// reference images of testdata/read that fit in fzMaxSectors.
func fzSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	for _, o := range []Options{
		{RockRidge: true, Joliet: true, MD5: true},
		{RockRidge: true},
		{Joliet: true},
		{},
	} {
		seeds = append(seeds, fzImage(tb, fzTree(o.RockRidge), o))
	}
	// Two sessions grown as on an overwritable medium: session 1 at 32,
	// session 2 after it, the superblock at 16 a copy of session 2's.
	s1 := fzImage(tb, &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{fzFile("one", "1")}},
		Options{StartLBA: 32, RockRidge: true, MD5: true})
	next := (len(s1)/tree.SectorSize + 31) / 32 * 32
	s1 = append(s1, make([]byte, next*tree.SectorSize-len(s1))...)
	s2 := fzImage(tb, &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{fzFile("one", "1"), fzFile("two", "2")}},
		Options{StartLBA: uint32(next), RockRidge: true, Joliet: true, MD5: true})
	grown := append(s1, s2[next*tree.SectorSize:]...)
	copy(grown[16*tree.SectorSize:32*tree.SectorSize], grown[(next+16)*tree.SectorSize:])
	seeds = append(seeds, grown, rtChainImage(3))
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "read", "*.iso.gz"))
	for _, m := range fixtures {
		if img := rtGunzip(tb, m); len(img) <= fzMaxSectors*tree.SectorSize {
			seeds = append(seeds, fzStripData(img))
		}
	}
	for _, s := range seeds {
		if len(s) > fzMaxSectors*tree.SectorSize {
			tb.Fatalf("a seed of %d sectors does not fit the fuzz media of %d", len(s)/tree.SectorSize, fzMaxSectors)
		}
	}
	return seeds
}

// fzStripData zeros the file data of every session of img that starts
// at LBA 0 or 32: the readers do not look at it, and a seed without it
// packs small, which keeps the fuzzer fast.
func fzStripData(img []byte) []byte {
	img = bytes.Clone(img)
	r := bytes.NewReader(bytes.Clone(img))
	for _, start := range []uint32{0, 32} {
		s, err := ReadSession(r, int64(len(img)/tree.SectorSize), start)
		if err != nil {
			continue
		}
		var strip func(n *tree.Node)
		strip = func(n *tree.Node) {
			for _, e := range n.Extents {
				clear(img[int64(e.LBA)*tree.SectorSize : int64(e.LBA)*tree.SectorSize+int64(e.Length)])
			}
			for _, c := range n.Children {
				strip(c)
			}
		}
		strip(s.Root)
	}
	return img
}

// fzWalk walks the FS of s as a reader of the medium would, through
// every method, reading at most budget bytes of file data in all, and
// checks that what is listed can be opened.
func fzWalk(t testing.TB, s *Session, budget int) {
	fsys := s.FS()
	rl := fsys.(fs.ReadLinkFS)
	var buf [512]byte
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if _, err := rl.Lstat(p); err != nil {
			t.Errorf("%s: Lstat of a listed entry: %v", p, err)
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if _, err := rl.ReadLink(p); err != nil {
				t.Errorf("%s: ReadLink: %v", p, err)
			}
			_, _ = fs.Stat(fsys, p)
			return nil
		}
		if d.IsDir() {
			return nil
		}
		f, err := fsys.Open(p)
		if err != nil {
			t.Errorf("%s: Open of a listed entry: %v", p, err)
			return nil
		}
		defer f.Close()
		if ra, ok := f.(interface {
			ReadAt([]byte, int64) (int, error)
		}); ok && budget > 0 {
			if st, err := f.Stat(); err == nil && st.Size() > 0 {
				n, _ := ra.ReadAt(buf[:], st.Size()/2)
				budget -= n
			}
		}
		for budget > 0 {
			n, err := f.Read(buf[:])
			budget -= n
			if err != nil {
				break
			}
		}
		return nil
	})
}

// fzMedium is a medium unpacked from the packed form of rtPackSectors
// without copying it: each sector is a slice of the input, the rest of
// the sector zeros. It reads as bytes.NewReader(rtUnpackSectors(data,
// max)) would, without allocating and clearing the whole medium for
// every input.
type fzMedium struct {
	secs [][]byte
	// budget, when set, is how many more bytes may be read; a read
	// past it fails with errFzBudget.
	budget int
}

// errFzBudget is the failure of a read past fzMedium's budget.
var errFzBudget = errors.New("fzMedium: read budget spent")

// fzUnpack indexes the sectors of packed, up to max.
func fzUnpack(packed []byte, max int) *fzMedium {
	m := &fzMedium{secs: make([][]byte, 0, 32)}
	for len(packed) >= 2 && len(m.secs) < max {
		l := min(int(packed[0])<<8|int(packed[1]), tree.SectorSize, len(packed)-2)
		m.secs = append(m.secs, packed[2:2+l])
		packed = packed[2+l:]
	}
	return m
}

// Sectors is the size of the medium in sectors.
func (m *fzMedium) Sectors() int64 { return int64(len(m.secs)) }

// ReadAt reads as from the unpacked medium.
func (m *fzMedium) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("fzMedium: negative offset")
	}
	if m.budget != 0 {
		if m.budget < len(p) {
			m.budget = -1
			return 0, errFzBudget
		}
		m.budget -= len(p)
	}
	n := 0
	for n < len(p) {
		sec, in := (off+int64(n))/tree.SectorSize, int((off+int64(n))%tree.SectorSize)
		if sec >= int64(len(m.secs)) {
			return n, io.EOF
		}
		want := min(len(p)-n, tree.SectorSize-in)
		got := 0
		if s := m.secs[sec]; in < len(s) {
			got = copy(p[n:n+want], s[in:])
		}
		clear(p[n+got : n+want])
		n += want
	}
	return n, nil
}

// TestFuzzMediumReadsAsUnpacked checks that fzMedium reads exactly as
// the unpacked medium does, at sector edges and past the end.
func TestFuzzMediumReadsAsUnpacked(t *testing.T) {
	for _, s := range fzSeeds(t) {
		p := rtPackSectors(s)
		p = append(p, 0, 5, 1, 2)
		for _, max := range []int{3, 17, 128} {
			a := rtUnpackSectors(p, max)
			m := fzUnpack(p, max)
			for _, off := range []int64{0, 1, 2047, 2048, 4000, int64(len(a)) - 3, int64(len(a)), int64(len(a)) + 5} {
				for _, n := range []int{1, 100, 2048, 5000, 40000} {
					b1, b2 := make([]byte, n), make([]byte, n)
					n1, e1 := bytes.NewReader(a).ReadAt(b1, off)
					n2, e2 := m.ReadAt(b2, off)
					if off < 0 {
						continue
					}
					if n1 != n2 || (e1 == nil) != (e2 == nil) || !bytes.Equal(b1[:n1], b2[:n2]) {
						t.Fatalf("max %d off %d n %d: %d %v / %d %v", max, off, n, n1, e1, n2, e2)
					}
				}
			}
		}
	}
}
