//go:build linux

package master_test

import (
	"bytes"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// linkTestDir makes a tree with one file under three names (a, b, d/c),
// an empty file under two names, a plain file, and, as root, a named
// pipe of mode 0000, character and block devices and a socket.
func linkTestDir(t *testing.T, specials bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	testtree.File(t, dir, "a", []byte("one file, three names\n"))
	testtree.File(t, dir, "plain", []byte("a file of its own\n"))
	testtree.File(t, dir, "e1", nil)
	for _, l := range [][2]string{{"a", "b"}, {"a", "d/c"}, {"e1", "e2"}} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, l[1])), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(filepath.Join(dir, l[0]), filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	if !specials {
		return dir
	}
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "device nodes need root")
	}
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	for _, m := range []struct {
		name string
		mode uint32
		dev  int
	}{
		{"fifo", syscall.S_IFIFO | 0o000, 0},
		{"fifo2", syscall.S_IFIFO | 0o1640, 0},
		{"cdev", syscall.S_IFCHR | 0o620, 1<<8 | 3},
		{"bdev", syscall.S_IFBLK | 0o640, 8<<8 | 1},
		// major 300, minor 70000 in glibc's encoding
		{"bigdev", syscall.S_IFCHR | 0o600, 0x11112c70},
	} {
		if err := syscall.Mknod(filepath.Join(dir, m.name), m.mode, m.dev); err != nil {
			t.Fatalf("mknod %s: %v", m.name, err)
		}
	}
	l, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if err := os.Chmod(filepath.Join(dir, "sock"), 0o751); err != nil {
		t.Fatal(err)
	}
	return dir
}

// reportLBAs returns the data LBA of every file xorriso reports.
func reportLBAs(t *testing.T, img string, sbsector string) map[string]string {
	t.Helper()
	args := []string{"-indev", img, "-find", "/", "-exec", "report_lba", "--"}
	if sbsector != "" {
		args = append([]string{"-load", "sbsector", sbsector}, args...)
	}
	out := oracle.Run(t, "xorriso", args...)
	m := map[string]string{}
	re := regexp.MustCompile(`File data lba:\s*\d+\s*,\s*(\d+)\s*,\s*\d+\s*,\s*\d+\s*,\s*'(.*)'`)
	for _, l := range strings.Split(out, "\n") {
		if s := re.FindStringSubmatch(l); s != nil {
			m[s[2]] = s[1]
		}
	}
	return m
}

// isoinfoLinks returns each name's mode, link count and LBA as
// isoinfo -R -l shows them.
func isoinfoLinks(t *testing.T, img string, args ...string) map[string]string {
	t.Helper()
	out := oracle.Run(t, "isoinfo", append([]string{"-R", "-l", "-i", img}, args...)...)
	m := map[string]string{}
	dir := ""
	re := regexp.MustCompile(`^(\S{10})\s+(\d+)\s+\d+\s+\d+\s+\d+ .*\[\s*(\d+) \d+\]\s+(.*?)\s*$`)
	for _, l := range strings.Split(out, "\n") {
		if d, ok := strings.CutPrefix(l, "Directory listing of "); ok {
			dir = strings.TrimSpace(d)
			continue
		}
		if s := re.FindStringSubmatch(l); s != nil && s[4] != "." && s[4] != ".." {
			m[dir+s[4]] = s[1] + " " + s[2] + " @" + s[3]
		}
	}
	return m
}

// readAt reads the session at start of the image open as f.
func readAt(t *testing.T, f *os.File, start uint32) *master.Session {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	s, err := master.ReadSession(f, fi.Size()/tree.SectorSize, start)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWriteHardLinks(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo", "genisoimage")
	src := linkTestDir(t, false)
	root, err := localtree.Build(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "ours.iso")
	opts := fullOpts()
	opts.MD5 = true
	im := writeSession(t, img, root, opts)
	// Two files with data: the three names of a share one sector.
	if im.DataSectors() != 2 {
		t.Errorf("DataSectors = %d, want 2 (linked data written once)", im.DataSectors())
	}
	lbas := reportLBAs(t, img, "")
	if lbas["/a"] == "" || lbas["/a"] != lbas["/b"] || lbas["/a"] != lbas["/d/c"] || lbas["/a"] == lbas["/plain"] {
		t.Errorf("xorriso report_lba: want /a, /b, /d/c on one extent apart from /plain: %v", lbas)
	}
	ours := isoinfoLinks(t, img)
	for _, p := range []string{"/a", "/b", "/d/c"} {
		if !strings.HasPrefix(ours[p], "-rw-r--r-- 3 @") || ours[p] != ours["/a"] {
			t.Errorf("isoinfo -R -l %s: %q, want link count 3 and the extent of /a (%q)", p, ours[p], ours["/a"])
		}
	}
	if !strings.Contains(ours["/e1"], " 2 @") || !strings.Contains(ours["/e2"], " 2 @") || !strings.Contains(ours["/plain"], " 1 @") {
		t.Errorf("isoinfo -R -l link counts: %v", ours)
	}
	// xorriso -as mkisofs records the same link counts and sharing.
	ximg := filepath.Join(dir, "xorriso.iso")
	oracle.Run(t, "xorriso", "-as", "mkisofs", "-R", "-J", "-o", ximg, src)
	theirs := isoinfoLinks(t, ximg)
	for p, v := range theirs {
		if v[0] == 'd' {
			continue // xorriso counts 1 link for directories
		}
		if ours[p] == "" || strings.Fields(ours[p])[1] != strings.Fields(v)[1] {
			t.Errorf("%s: ours %q, xorriso -as mkisofs %q", p, ours[p], v)
		}
	}
	// So does genisoimage, directories included, and it shares the
	// extent too.
	gimg := filepath.Join(dir, "genisoimage.iso")
	oracle.Run(t, "genisoimage", "-quiet", "-R", "-J", "-o", gimg, src)
	gen := isoinfoLinks(t, gimg)
	if len(gen) != len(ours) {
		t.Errorf("genisoimage: %d names, ours %d", len(gen), len(ours))
	}
	for p, v := range gen {
		if ours[p] == "" || strings.Fields(ours[p])[1] != strings.Fields(v)[1] {
			t.Errorf("%s: ours %q, genisoimage %q", p, ours[p], v)
		}
	}
	if gen["/a"] != gen["/b"] || gen["/a"] != gen["/d/c"] {
		t.Errorf("genisoimage does not share the extent: %v", gen)
	}
	if o := oracle.Run(t, "xorriso", "-md5", "on", "-indev", img, "-check_md5_r", "SORRY", "/", "--"); !strings.Contains(o, "File contents and their MD5 checksums match") {
		t.Errorf("xorriso -check_md5_r:\n%s", o)
	}

	// Read back: the names of one file share a Link and their extents.
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	s, err := master.ReadSession(f, fi.Size()/tree.SectorSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := s.Root.Child("a"), s.Root.Child("b"), s.Root.Child("d").Child("c")
	e1, e2, plain := s.Root.Child("e1"), s.Root.Child("e2"), s.Root.Child("plain")
	if a.Link == 0 || b.Link != a.Link || c.Link != a.Link || e1.Link == 0 || e2.Link != e1.Link || e1.Link == a.Link || plain.Link != 0 {
		t.Errorf("read back Links: a %d b %d d/c %d e1 %d e2 %d plain %d", a.Link, b.Link, c.Link, e1.Link, e2.Link, plain.Link)
	}
	if a.Extents[0] != b.Extents[0] || a.Extents[0] != c.Extents[0] || !a.HasMD5 || b.MD5 != a.MD5 {
		t.Errorf("read back: extents %v %v %v, MD5 %v", a.Extents, b.Extents, c.Extents, a.HasMD5)
	}
	// xorriso's own image reads back as links too (by extent: it
	// records no serial numbers).
	xf, err := os.Open(ximg)
	if err != nil {
		t.Fatal(err)
	}
	defer xf.Close()
	xfi, _ := xf.Stat()
	xs, err := master.ReadSession(xf, xfi.Size()/tree.SectorSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	if xa := xs.Root.Child("a"); xa.Link == 0 || xs.Root.Child("b").Link != xa.Link || xs.Root.Child("d").Child("c").Link != xa.Link || xs.Root.Child("plain").Link != 0 {
		t.Errorf("xorriso's image read back without links")
	}

	// A second session carries the links over by their extents; a
	// rename keeps them.
	s.Root.Child("d").Child("c").Name = "renamed"
	opts.StartLBA = 64
	opts.Medium = f
	writeSession(t, img, s.Root, opts)
	lbas2 := reportLBAs(t, img, "64")
	if lbas2["/a"] != lbas["/a"] || lbas2["/b"] != lbas["/a"] || lbas2["/d/renamed"] != lbas["/a"] {
		t.Errorf("session 2 report_lba: %v, want all on %s", lbas2, lbas["/a"])
	}
	ours2 := isoinfoLinks(t, img, "-T", "64")
	if ours2["/d/renamed"] != ours["/a"] || ours2["/b"] != ours["/a"] {
		t.Errorf("session 2 isoinfo: %v, want %q", ours2, ours["/a"])
	}
	s2 := readAt(t, f, 64)
	if l := s2.Root.Child("a").Link; l == 0 || s2.Root.Child("d").Child("renamed").Link != l {
		t.Errorf("session 2 read back without links")
	}
}

func TestLayoutHardLinkMismatch(t *testing.T) {
	src := func(s string) tree.Source {
		return tree.ReaderAtSource{R: bytes.NewReader([]byte(s)), Size: int64(len(s))}
	}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
		{Name: "a", Mode: 0o644, Size: 3, Source: src("abc"), Link: 7},
		{Name: "b", Mode: 0o644, Size: 2, Source: src("ab"), Link: 7},
	}}
	if _, err := master.Layout(root, fullOpts()); err == nil {
		t.Error("Layout took names of one file with different sizes")
	}
	root.Children[1] = &tree.Node{Name: "b", Mode: fs.ModeDir | 0o755, Link: 7}
	if _, err := master.Layout(root, fullOpts()); err == nil {
		t.Error("Layout took a directory as a hard link")
	}
}

func TestWriteSpecialFiles(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	src := linkTestDir(t, true)
	root, err := localtree.Build(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "ours.iso")
	opts := fullOpts()
	opts.MD5 = true
	im := writeSession(t, img, root, opts)
	var warned []string
	for _, w := range im.Warnings() {
		warned = append(warned, w.Path)
	}
	sort.Strings(warned)
	if want := []string{"/bdev", "/bigdev", "/cdev", "/fifo", "/fifo2", "/sock"}; strings.Join(warned, " ") != strings.Join(want, " ") {
		t.Errorf("warnings for %v, want one per special file %v", warned, want)
	}
	// xorriso shows the same types, modes and device numbers as for its
	// own image of the tree.
	lsdl := func(img string) map[string]string {
		out := oracle.Run(t, "xorriso", "-indev", img, "-lsdl", "/*")
		m := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			f := strings.Fields(l)
			if len(f) < 9 {
				continue
			}
			m[f[len(f)-1]] = f[0] + " " + f[4]
		}
		return m
	}
	ximg := filepath.Join(dir, "xorriso.iso")
	oracle.Run(t, "xorriso", "-as", "mkisofs", "-R", "-J", "-o", ximg, src)
	ours, theirs := lsdl(img), lsdl(ximg)
	want := map[string]string{
		"'/fifo'":   "p--------- 0",
		"'/fifo2'":  "prw-r----T 0",
		"'/cdev'":   "crw--w---- 1,3",
		"'/bdev'":   "brw-r----- 8,1",
		"'/bigdev'": "crw------- 300,70000",
		"'/sock'":   "srwxr-x--x 0",
	}
	for p, w := range want {
		if ours[p] != w || theirs[p] != w {
			t.Errorf("xorriso -lsdl %s: ours %q, of xorriso's image %q, want %q", p, ours[p], theirs[p], w)
		}
	}
	// isoinfo shows the types; Joliet leaves them out.
	ii := isoinfoLinks(t, img)
	for p, m := range map[string]string{"/fifo": "f---------", "/cdev": "crw--w----", "/bdev": "brw-r-----", "/sock": "srwxr-x--x"} {
		if !strings.HasPrefix(ii[p], m) {
			t.Errorf("isoinfo -R -l %s: %q, want %s", p, ii[p], m)
		}
	}
	if j := oracle.Run(t, "isoinfo", "-J", "-f", "-i", img); strings.Contains(j, "fifo") || strings.Contains(j, "dev") || strings.Contains(j, "sock") {
		t.Errorf("Joliet holds special files:\n%s", j)
	}
	// Our reader gives them back exactly, and a second session keeps
	// them.
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	check := func(s *master.Session, when string) {
		for name, w := range map[string]struct {
			mode fs.FileMode
			rdev uint64
		}{
			"fifo":   {fs.ModeNamedPipe, 0},
			"fifo2":  {fs.ModeNamedPipe | fs.ModeSticky | 0o640, 0},
			"cdev":   {fs.ModeDevice | fs.ModeCharDevice | 0o620, 1<<8 | 3},
			"bdev":   {fs.ModeDevice | 0o640, 8<<8 | 1},
			"bigdev": {fs.ModeDevice | fs.ModeCharDevice | 0o600, 0x11112c70},
			"sock":   {fs.ModeSocket | 0o751, 0},
		} {
			n := s.Root.Child(name)
			if n == nil || n.Mode != w.mode || n.Rdev != w.rdev {
				t.Errorf("%s: %s: got %+v, want mode %v rdev %#x", when, name, n, w.mode, w.rdev)
			}
		}
	}
	s, err := master.ReadSession(f, fi.Size()/tree.SectorSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	check(s, "session 1")
	opts.StartLBA = 64
	opts.Medium = f
	writeSession(t, img, s.Root, opts)
	s2 := readAt(t, f, 64)
	check(s2, "session 2")
	if _, err := master.Layout(root, master.Options{Joliet: true}); err == nil {
		t.Error("Layout without Rock Ridge took special files")
	}
}
