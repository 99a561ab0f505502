package udf

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// udfImage lays out a UDF-only image of root in the shape a bridge
// session has: the VRS at 16, an anchor at 256, the structures block
// after it, file data after the block (placed here, as the ISO layout
// places it in a bridge), and an anchor in the last sector. With iso,
// a minimal ISO 9660 volume (an empty root) precedes the VRS, so that
// readers that start from ISO 9660 (pycdlib) find the UDF volume.
func udfImage(t testing.TB, root *tree.Node, opts Options, iso bool) (string, *Plan) {
	t.Helper()
	p, err := NewPlan(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	p.Place(257)
	next := 257 + p.Sectors()
	type placed struct {
		lba  uint32
		data []byte
	}
	var data []placed
	extents := map[*tree.Node][]tree.Extent{}
	var walk func(n *tree.Node)
	walk = func(n *tree.Node) {
		if n.IsRegular() && n.Source != nil && n.Size > 0 {
			rc, err := n.Source.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			extents[n] = []tree.Extent{{LBA: next, Length: uint32(len(b))}}
			data = append(data, placed{next, b})
			next += uint32((len(b) + BlockSize - 1) / BlockSize)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(root)
	p.opts.ExtentsOf = func(n *tree.Node) []tree.Extent { return extents[n] }
	last := next
	img := make([]byte, int(last+1)*BlockSize)
	vrsAt := 16
	if iso {
		isoHead(img, last+1)
		vrsAt = 18
	}
	copy(img[vrsAt*BlockSize:], p.VRS())
	copy(img[256*BlockSize:], p.Anchor(256))
	var buf bytes.Buffer
	if _, err := p.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != int(p.Sectors())*BlockSize {
		t.Fatalf("wrote %d bytes for %d sectors", buf.Len(), p.Sectors())
	}
	copy(img[257*BlockSize:], buf.Bytes())
	for _, d := range data {
		copy(img[int(d.lba)*BlockSize:], d.data)
	}
	copy(img[int(last)*BlockSize:], p.Anchor(last))
	path := filepath.Join(t.TempDir(), "udf.img")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, p
}

// isoHead records a minimal ISO 9660 volume: a primary descriptor at 16,
// the terminator at 17, an empty root directory at 21 and path tables at
// 22 and 23.
func isoHead(img []byte, sectors uint32) {
	pvd := img[16*BlockSize:]
	pvd[0] = 1
	copy(pvd[1:], "CD001")
	pvd[6] = 1
	copy(pvd[8:40], strings.Repeat(" ", 32))
	copy(pvd[40:72], fmt.Sprintf("%-32s", "UDFTEST"))
	both32 := func(b []byte, v uint32) {
		b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		b[4], b[5], b[6], b[7] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	both16 := func(b []byte, v uint16) {
		b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>8), byte(v)
	}
	both32(pvd[80:], sectors)
	both16(pvd[120:], 1)
	both16(pvd[124:], 1)
	both16(pvd[128:], BlockSize)
	both32(pvd[132:], 10)
	pvd[140] = 22 // path table L
	pvd[148+3] = 23
	rec := func(b []byte, id byte) {
		b[0] = 34
		both32(b[2:], 21)
		both32(b[10:], BlockSize)
		b[18], b[19], b[20] = 126, 1, 1
		b[25] = 2
		both16(b[28:], 1)
		b[32] = 1
		b[33] = id
	}
	rec(pvd[156:], 0)
	for _, off := range []int{190, 318, 446, 574, 702, 739, 776} {
		_ = off
	}
	copy(pvd[190:], strings.Repeat(" ", 623))
	for i := 813; i < 881; i++ {
		pvd[i] = '0'
	}
	pvd[881] = 1
	term := img[17*BlockSize:]
	term[0] = 255
	copy(term[1:], "CD001")
	term[6] = 1
	dir := img[21*BlockSize:]
	rec(dir, 0)
	rec(dir[34:], 1)
	l := img[22*BlockSize:]
	l[0], l[2] = 1, 21
	l[6] = 1
	m := img[23*BlockSize:]
	m[0], m[5] = 1, 21
	m[7] = 1
}

type memSource []byte

func (m memSource) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(m)), nil }

func tfile(name string, data string, mode fs.FileMode) *tree.Node {
	return &tree.Node{Name: name, Mode: mode, Size: int64(len(data)), Source: memSource(data)}
}

var testTime = time.Date(2025, 6, 7, 8, 9, 10, 110000000, time.FixedZone("", 2*3600))

// sampleTree has what the writer must record: files, nested and empty
// directories, a name of 255 bytes and names longer, 16-bit names,
// symbolic links, a hard link, owners, modes and times with zones.
func sampleTree() *tree.Node { return sample(true) }

// sample is sampleTree, without its symbolic links when links is false:
// 7-Zip refuses a UDF volume holding any file entry other than files
// and directories. With links, it also has device nodes and a pipe.
func sample(links bool) *tree.Node {
	long := strings.Repeat("n", 300)
	dir := func(name string, kids ...*tree.Node) *tree.Node {
		return &tree.Node{Name: name, Mode: fs.ModeDir | 0o755, ModTime: testTime, UID: 1000, GID: 1000, Children: kids}
	}
	a := tfile("a.txt", "hello\n", 0o644)
	a.UID, a.GID, a.ModTime = 1234, 567, time.Date(2001, 2, 3, 4, 5, 6, 0, time.FixedZone("", -5*3600))
	h1 := tfile("hard1", strings.Repeat("H", 5000), 0o600)
	h1.Link = 7
	h2 := tfile("hard2", strings.Repeat("H", 5000), 0o600)
	h2.Link = 7
	var many []*tree.Node
	for i := 0; i < 60; i++ {
		many = append(many, tfile(fmt.Sprintf("file-%03d-%s", i, strings.Repeat("x", 20)), fmt.Sprint(i), 0o644))
	}
	exe := tfile("run.sh", "#!/bin/sh\n", fs.ModeSetuid|0o755)
	root := dir("",
		a,
		tfile("empty", "", 0o644),
		exe,
		tfile(strings.Repeat("é", 120)+".txt", "latin", 0o644),
		tfile(long+".txt", "long1", 0o644),
		tfile(long+"2.txt", "long2", 0o644),
		tfile("日本語の名前.txt", "wide", 0o644),
		&tree.Node{Name: "link", Mode: fs.ModeSymlink | 0o777, Target: "sub/deep/b.bin"},
		&tree.Node{Name: "abs", Mode: fs.ModeSymlink | 0o777, Target: "/a.txt"},
		&tree.Node{Name: "up", Mode: fs.ModeSymlink | 0o777, Target: "../x/./y"},
		h1,
		dir("sub", dir("deep", tfile("b.bin", strings.Repeat("0123456789abcdef", 700), 0o640), h2), dir("emptydir")),
		dir("many", many...),
	)
	root.ModTime = testTime
	if links {
		root.Children = append(root.Children,
			&tree.Node{Name: "tty", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o620, Rdev: devT(4, 300), ModTime: testTime},
			&tree.Node{Name: "disk", Mode: fs.ModeDevice | 0o660, Rdev: devT(8, 1), ModTime: testTime},
			&tree.Node{Name: "fifo", Mode: fs.ModeNamedPipe | 0o644, ModTime: testTime})
	}
	if !links {
		var kids []*tree.Node
		for _, c := range root.Children {
			if !c.IsSymlink() {
				kids = append(kids, c)
			}
		}
		root.Children = kids
	}
	return root
}

func TestWriteReadBack(t *testing.T) {
	for _, rev := range []uint16{Rev102, Rev201, Rev250} {
		t.Run(RevisionString(rev), func(t *testing.T) {
			root := sampleTree()
			img, p := udfImage(t, root, Options{Revision: rev, VolumeID: "SAMPLE", Time: testTime}, false)
			keepImage(t, img, "links-"+RevisionString(rev)+".img")
			if len(p.Warnings()) != 2 {
				t.Errorf("warnings: %v", p.Warnings())
			}
			v, got := openImage(t, img, 0)
			if v.Revision != rev || v.VolumeID != "SAMPLE" {
				t.Errorf("revision %#x volume %q", v.Revision, v.VolumeID)
			}
			if rev == Rev250 && !slicesContains(v.Kinds, KindMetadata) {
				t.Errorf("no metadata partition: %v", v.Kinds)
			}
			fsys := v.FS(got)
			if err := fstest.TestFS(fsys, "a.txt", "sub/deep/b.bin", "link", "many/file-059-xxxxxxxxxxxxxxxxxxxx"); err != nil {
				t.Error(err)
			}
			a := got.Child("a.txt")
			if a.UID != 1234 || a.GID != 567 || a.Mode != 0o644 || !a.ModTime.Equal(time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC).Add(5*time.Hour)) {
				t.Errorf("a.txt: %v %d %d %v", a.Mode, a.UID, a.GID, a.ModTime)
			}
			if _, off := a.ModTime.Zone(); off != -5*3600 {
				t.Errorf("a.txt zone offset %d", off)
			}
			if m := got.Child("run.sh").Mode; m != fs.ModeSetuid|0o755 {
				t.Errorf("run.sh mode %v", m)
			}
			for name, want := range map[string]string{"link": "sub/deep/b.bin", "abs": "/a.txt", "up": "../x/./y"} {
				if l := got.Child(name); l == nil || l.Target != want {
					t.Errorf("%s: %+v", name, l)
				}
			}
			h1, h2 := got.Child("hard1"), got.Child("sub").Child("deep").Child("hard2")
			if h1.Link == 0 || h1.Link != h2.Link {
				t.Errorf("hard links %d %d", h1.Link, h2.Link)
			}
			if e, _, _, err := v.readEntry(LongAD{Location: LBAddr{lbnOf(t, v, "hard1"), p.partRef()}}); err != nil || e.LinkCount() != 2 {
				t.Errorf("hard1's entry records %d links, want 2 (%v)", e.LinkCount(), err)
			}
			for name, want := range map[string]*tree.Node{
				"tty":  {Mode: fs.ModeDevice | fs.ModeCharDevice | 0o620, Rdev: devT(4, 300)},
				"disk": {Mode: fs.ModeDevice | 0o660, Rdev: devT(8, 1)},
				"fifo": {Mode: fs.ModeNamedPipe | 0o644},
			} {
				if n := got.Child(name); n == nil || n.Mode != want.Mode || n.Rdev != want.Rdev {
					t.Errorf("%s: %+v, want mode %v rdev %#x", name, n, want.Mode, want.Rdev)
				}
			}
			if b, _ := fs.ReadFile(fsys, "日本語の名前.txt"); string(b) != "wide" {
				t.Errorf("16-bit name: %q\n%s", b, manifest(got))
			}
			names := 0
			for _, c := range got.Children {
				if strings.HasPrefix(c.Name, "nnnn") {
					names++
					if DCharsLen(c.Name) > 255 || !strings.HasSuffix(c.Name, ".txt") {
						t.Errorf("cut name %q", c.Name)
					}
				}
			}
			if names != 2 {
				t.Errorf("%d long names:\n%s", names, manifest(got))
			}
		})
	}
}

func slicesContains(s []int, x int) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// Sizes are exact before writing: Sectors never changes once planned.
func TestPlanSizeIsExact(t *testing.T) {
	for _, rev := range []uint16{Rev102, Rev201, Rev250} {
		p, err := NewPlan(sampleTree(), Options{Revision: rev, Time: testTime})
		if err != nil {
			t.Fatal(err)
		}
		n := p.Sectors()
		p.Place(1000)
		p.opts.ExtentsOf = func(n *tree.Node) []tree.Extent {
			return []tree.Extent{{LBA: 5000, Length: uint32(n.Size)}}
		}
		w, err := p.WriteTo(io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if w != int64(n)*BlockSize {
			t.Errorf("%s: wrote %d bytes, planned %d sectors", RevisionString(rev), w, n)
		}
	}
}

// udfManifest lists path, size and MD5 of every regular file of fsys.
func fileSums(t *testing.T, fsys fs.FS) map[string]string {
	t.Helper()
	out := map[string]string{}
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if d.Type().IsRegular() {
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				t.Fatal(err)
			}
			out[p] = fmt.Sprintf("%x", md5.Sum(b))
		}
		return nil
	})
	return out
}

func keys(m map[string]string) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}
