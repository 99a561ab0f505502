package udf

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master/tree"
)

// openImage opens the UDF volume of an image file (session at start).
func openImage(t *testing.T, img string, start uint32) (*Volume, *tree.Node) {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, _ := f.Stat()
	v, err := Open(f, st.Size()/BlockSize, start)
	if err != nil {
		t.Fatalf("open %s: %v", img, err)
	}
	root, err := v.Tree()
	if err != nil {
		t.Fatalf("tree of %s: %v", img, err)
	}
	return v, root
}

// manifest lists a tree as "path mode size target" lines.
func manifest(root *tree.Node) string {
	var lines []string
	var walk func(n *tree.Node, p string)
	walk = func(n *tree.Node, p string) {
		line := fmt.Sprintf("%s %v %d", p, n.Mode, n.Size)
		if n.IsSymlink() {
			line += " -> " + n.Target
		}
		if n.Link != 0 {
			line += fmt.Sprintf(" link%d", n.Link)
		}
		lines = append(lines, line)
		for _, c := range n.Children {
			walk(c, p+"/"+c.Name)
		}
	}
	walk(root, "")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func mkudffs(t *testing.T, blocks string, args ...string) string {
	t.Helper()
	oracle.Need(t, "mkudffs")
	img := filepath.Join(t.TempDir(), "udf.img")
	args = append([]string{"--blocksize=2048", "--label=FIXTURE", "--uid=1000", "--gid=100", "--mode=0750"}, args...)
	oracle.Run(t, "mkudffs", append(args, img, blocks)...)
	return img
}

// An empty file system made by mkudffs, of every partition kind: the
// root directory with the owner and mode mkudffs was given.
func TestReadMkudffs(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		kind int
		rev  uint16
	}{
		{"plain", []string{"--media-type=hd"}, KindPhysical, 0x0201},
		{"plain-1.02", []string{"--media-type=hd", "--udfrev=1.02"}, KindPhysical, 0x0102},
		{"vat-cdr", []string{"--media-type=cdr"}, KindVirtual, 0x0201},
		{"vat-1.50", []string{"--media-type=cdr", "--udfrev=1.50"}, KindVirtual, 0x0150},
		{"sparable-cdrw", []string{"--media-type=cdrw"}, KindSparable, 0x0201},
		{"sparable-dvdrw", []string{"--media-type=dvdrw"}, KindSparable, 0x0201},
		// mkudffs (udftools 2.3) makes 2.50 and 2.60 only on write-once
		// media, with a VAT and extended file entries, and no metadata
		// partition: metadata partitions are checked on what Write makes.
		{"vat-bdr-2.50", []string{"--media-type=bdr", "--udfrev=2.50"}, KindVirtual, 0x0250},
		{"vat-dvdr-2.60", []string{"--media-type=dvdr", "--udfrev=2.60"}, KindVirtual, 0x0260},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := mkudffs(t, "3000", c.args...)
			v, root := openImage(t, img, 0)
			if v.Revision != c.rev {
				t.Errorf("revision %#x, want %#x", v.Revision, c.rev)
			}
			found := false
			for _, k := range v.Kinds {
				found = found || k == c.kind
			}
			if !found {
				t.Errorf("partition kinds %v lack %d", v.Kinds, c.kind)
			}
			if v.VolumeID != "FIXTURE" {
				t.Errorf("volume id %q", v.VolumeID)
			}
			if root.UID != 1000 || root.GID != 100 || root.Mode != fs.ModeDir|0o750 {
				t.Errorf("root %v uid %d gid %d", root.Mode, root.UID, root.GID)
			}
			if err := fstest.TestFS(v.FS(root)); err != nil {
				t.Error(err)
			}
		})
	}
}

// A bridge made by genisoimage -udf (UDF 1.02): names, sizes, bytes.
func TestReadGenisoimage(t *testing.T) {
	oracle.Need(t, "genisoimage")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(filepath.Join(src, "sub", "deeper"), 0o755)
	want := map[string]string{
		"a.txt":                  "hello\n",
		"sub/b.bin":              strings.Repeat("0123456789", 1000),
		"sub/deeper/ünïcødé.txt": "x",
		"empty":                  "",
	}
	for p, d := range want {
		os.WriteFile(filepath.Join(src, p), []byte(d), 0o644)
	}
	img := filepath.Join(dir, "g.iso")
	oracle.Run(t, "genisoimage", "-quiet", "-R", "-J", "-udf", "-o", img, src)
	v, root := openImage(t, img, 0)
	fsys := v.FS(root)
	for p, d := range want {
		got, err := fs.ReadFile(fsys, p)
		if err != nil || string(got) != d {
			t.Errorf("%s: %q, %v", p, got, err)
		}
	}
	if err := fstest.TestFS(fsys, "a.txt", "sub/b.bin", "empty"); err != nil {
		t.Error(err)
	}
	// The UDF tree references the same data as ISO 9660: extents hold
	// the file's bytes at absolute sectors.
	b := root.Child("sub").Child("b.bin")
	if len(b.Extents) != 1 || b.Extents[0].Length != 10000 {
		t.Errorf("b.bin extents %+v", b.Extents)
	}
}

// A UDF 2.60 image made by pycdlib: files, a directory, a symbolic link
// and a hard link.
func TestReadPycdlib(t *testing.T) {
	py := oracle.Pycdlib(t)
	img := filepath.Join(t.TempDir(), "p.iso")
	script := `
import io, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.new(udf='2.60')
d = b'pycdlib data\n' * 300
iso.add_fp(io.BytesIO(d), len(d), '/A.TXT;1', udf_path='/a.txt')
iso.add_directory('/DIR', udf_path='/dir')
iso.add_fp(io.BytesIO(b'inner'), 5, '/DIR/B.TXT;1', udf_path='/dir/b.txt')
iso.add_symlink(udf_symlink_path='/link', udf_target='dir/b.txt')
iso.add_hard_link(iso_old_path='/A.TXT;1', udf_new_path='/dir/hard.txt')
iso.write(sys.argv[1])
`
	oracle.Run(t, py, "-c", script, img)
	v, root := openImage(t, img, 0)
	// pycdlib 1.12 records the domain suffix bytes 02 01, which UDF
	// reads as revision 1.02, whatever revision it was asked for.
	if v.Revision != 0x0102 {
		t.Errorf("revision %#x", v.Revision)
	}
	fsys := v.FS(root)
	got, err := fs.ReadFile(fsys, "a.txt")
	if err != nil || string(got) != strings.Repeat("pycdlib data\n", 300) {
		t.Errorf("a.txt: %d bytes, %v", len(got), err)
	}
	if l := root.Child("link"); l == nil || l.Target != "dir/b.txt" {
		t.Errorf("link: %+v\n%s", l, manifest(root))
	}
	if got, err := fs.ReadFile(fsys, "link"); err != nil || string(got) != "inner" {
		t.Errorf("through link: %q %v", got, err)
	}
	a, h := root.Child("a.txt"), root.Child("dir").Child("hard.txt")
	if a == nil || h == nil || a.Extents[0] != h.Extents[0] {
		t.Errorf("hard link shares no extent:\n%s", manifest(root))
	}
	if err := fstest.TestFS(fsys, "a.txt", "dir/b.txt", "link"); err != nil {
		t.Error(err)
	}
}

// A sparable partition whose sparing table remaps the packet holding the
// file set and root directory: the reader follows the remap. The test
// moves the packet of an mkudffs CD-RW volume to a spare packet, records
// it in both sparing tables and zeroes the original.
func TestReadSparingRemap(t *testing.T) {
	img := mkudffs(t, "3000", "--media-type=cdrw")
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Open(bytesReader(b), int64(len(b)/BlockSize), 0)
	if err != nil {
		t.Fatal(err)
	}
	var sp *partition
	var m PartitionMap
	for i, p := range v.parts {
		if p.kind == KindSparable {
			sp = p
			m = v.maps[i]
		}
	}
	if sp == nil {
		t.Fatal("no sparable partition")
	}
	lbn := v.root.Location.Block
	packet := lbn - lbn%sp.packet
	unspared := bytes.Clone(b)
	var spare uint32
	for _, loc := range m.Sparing {
		tb := b[int(loc)*BlockSize:]
		n := int(le16(tb[48:]))
		for i := 0; i < n; i++ {
			e := tb[56+8*i:]
			if le32(e) == 0xFFFFFFFF {
				if spare == 0 {
					spare = le32(e[4:])
				}
				if le32(e[4:]) == spare {
					put32(e, packet)
				}
				break
			}
		}
		SetTag(tb, 0, Tag(tb).Version(), Tag(tb).Serial(), loc, int(Tag(tb).CRCLength()))
	}
	if spare == 0 {
		t.Fatal("no free sparing entry")
	}
	from := int(sp.start+packet) * BlockSize
	copy(b[int(spare)*BlockSize:], b[from:from+int(sp.packet)*BlockSize])
	clear(b[from : from+int(sp.packet)*BlockSize])
	v2, err := Open(bytesReader(b), int64(len(b)/BlockSize), 0)
	if err != nil {
		t.Fatalf("remapped: %v", err)
	}
	root, err := v2.Tree()
	if err != nil {
		t.Fatalf("remapped: %v", err)
	}
	if root.UID != 1000 || root.Mode != fs.ModeDir|0o750 {
		t.Errorf("root through the remap: %v uid %d", root.Mode, root.UID)
	}
	// Without the sparing entries the zeroed packet does not read.
	clear(unspared[from : from+int(sp.packet)*BlockSize])
	if v3, err := Open(bytesReader(unspared), int64(len(b)/BlockSize), 0); err == nil {
		if _, err := v3.Tree(); err == nil {
			t.Error("the zeroed packet reads without the remap")
		}
	}
}

func bytesReader(b []byte) io.ReaderAt { return bytes.NewReader(b) }

// TestSizeHint: Tree's maps are sized by the integrity descriptor's
// counts, but never past a block per entry of the medium nor past
// maxTreeHint, whatever the descriptor claims.
func TestSizeHint(t *testing.T) {
	for _, c := range []struct {
		counted uint64
		sectors int64
		want    int
	}{
		{50, 1 << 30, 50},
		{1 << 40, 100, 100},
		{1 << 40, 1 << 40, maxTreeHint},
		{0, 1 << 20, 0},
		{7, -1, 0},
	} {
		v := &Volume{counted: c.counted, sectors: c.sectors}
		if got := v.SizeHint(); got != c.want {
			t.Errorf("%d counted on %d sectors: hint %d, want %d", c.counted, c.sectors, got, c.want)
		}
	}
}
