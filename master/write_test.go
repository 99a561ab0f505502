package master_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// wFixedTime is the session time of the tests, for reproducible images.
var wFixedTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// sparseWriter writes a stream into a file at a byte offset, seeking over
// all-zero sectors so that the file stays sparse.
type sparseWriter struct {
	f    *os.File
	off  int64
	pend []byte
}

var zeroSector = make([]byte, tree.SectorSize)

func (s *sparseWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(s.pend) == 0 && len(p) >= tree.SectorSize {
		// Whole sectors straight from p: write runs of non-zero ones.
		run := 0
		for run < len(p)/tree.SectorSize && !bytes.Equal(p[run*tree.SectorSize:(run+1)*tree.SectorSize], zeroSector) {
			run++
		}
		if run > 0 {
			if _, err := s.f.WriteAt(p[:run*tree.SectorSize], s.off); err != nil {
				return 0, err
			}
		} else {
			run = 1
		}
		s.off += int64(run) * tree.SectorSize
		p = p[run*tree.SectorSize:]
	}
	for len(p) > 0 {
		k := min(len(p), tree.SectorSize-len(s.pend))
		s.pend = append(s.pend, p[:k]...)
		p = p[k:]
		if len(s.pend) == tree.SectorSize {
			if err := s.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (s *sparseWriter) flush() error {
	if !bytes.Equal(s.pend, zeroSector[:len(s.pend)]) {
		if _, err := s.f.WriteAt(s.pend, s.off); err != nil {
			return err
		}
	}
	s.off += int64(len(s.pend))
	s.pend = s.pend[:0]
	return nil
}

// finish extends the file to the end of what was written.
func (s *sparseWriter) finish() error {
	if err := s.flush(); err != nil {
		return err
	}
	st, err := s.f.Stat()
	if err != nil {
		return err
	}
	if st.Size() < s.off {
		return s.f.Truncate(s.off)
	}
	return nil
}

// writeSession lays root out and writes it into img at the session's
// byte offset (StartLBA*2048), sparse. It checks the byte count against
// Sectors.
func writeSession(t testing.TB, img string, root *tree.Node, opts master.Options) *master.Image {
	t.Helper()
	im, err := master.Layout(root, opts)
	if err != nil {
		t.Fatalf("Layout: %v", err)
	}
	f, err := os.OpenFile(img, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sw := &sparseWriter{f: f, off: int64(opts.StartLBA) * tree.SectorSize}
	n, err := im.WriteTo(sw)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if err := sw.finish(); err != nil {
		t.Fatal(err)
	}
	if n != int64(im.Sectors())*tree.SectorSize {
		t.Fatalf("WriteTo wrote %d bytes, Sectors() says %d sectors", n, im.Sectors())
	}
	return im
}

// fullOpts are the options of most tests: Joliet and Rock Ridge, fixed time.
func fullOpts() master.Options {
	return master.Options{VolumeID: "TEST", Joliet: true, RockRidge: true, Time: wFixedTime}
}

// relocOpts is fullOpts with deep directories relocated into rr_moved.
func relocOpts() master.Options {
	o := fullOpts()
	o.RelocateDeep = true
	return o
}

// buildTestDir creates the tree most oracle tests master: files of
// several sizes and modes, Unicode and 255-byte names, names that
// collide after mangling, names Joliet must change, symbolic links of
// every kind, and a directory chain 12 levels deep. It returns the
// directory.
func buildTestDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	file := func(rel string, content []byte, mode fs.FileMode) {
		p := testtree.File(t, dir, rel, content)
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	file("a.txt", testtree.Random(5000), 0o644)
	file("empty", nil, 0o644)
	file("big.bin", testtree.Random(1<<20+123), 0o644)
	file("secret", []byte("s"), 0o600)
	file("run.sh", []byte("#!/bin/sh\n"), 0o755)
	file("Ünïcødé 😀 name.txt", []byte("unicode"), 0o644)
	file("日本語のファイル.txt", []byte("cjk"), 0o644)
	file(strings.Repeat("n", 251)+".txt", []byte("long"), 0o644)
	for _, n := range []string{"a-b.txt", "a_b.txt", "A_B.txt", "a b.txt", "a+b.txt", "a.b.txt"} {
		file("collide/"+n, []byte(n), 0o644)
	}
	for i := 0; i < 5; i++ {
		file(fmt.Sprintf("collide/%s%d.extension", strings.Repeat("same-prefix-", 4), i), []byte{byte(i)}, 0o644)
	}
	file("joliet/what?.txt", []byte("q"), 0o644)
	file("joliet/colon:name", []byte("c"), 0o644)
	file("joliet/"+strings.Repeat("p", 70)+"1.txt", []byte("p1"), 0o644)
	file("joliet/"+strings.Repeat("p", 70)+"2.txt", []byte("p2"), 0o644)
	file("joliet/"+strings.Repeat("q", 80), []byte("q80"), 0o644)
	testtree.Symlink(t, dir, "rel", "a.txt")
	testtree.Symlink(t, dir, "abs", "/etc/hostname")
	testtree.Symlink(t, dir, "dangling", "no/such/file")
	testtree.Symlink(t, dir, "dots", "../x/./y/..")
	testtree.Symlink(t, dir, "longlink", strings.Repeat("segment/", 75)+strings.Repeat("z", 300))
	deep := "d1"
	for i := 2; i <= 12; i++ {
		deep += "/d" + strconv.Itoa(i)
	}
	file(deep+"/f.txt", []byte("deep"), 0o644)
	file("private/x", []byte("x"), 0o644)
	if err := os.Chmod(filepath.Join(dir, "private"), 0o700); err != nil {
		t.Fatal(err)
	}
	// Fixed times, with access times that differ from modification times.
	mt := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		return os.Chtimes(p, mt.Add(time.Hour), mt)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// fileSums maps the path of every regular file below dir to the md5 of
// its contents, of every link to its target and of every directory to
// its mode.
func fileSums(t testing.TB, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			m[rel] = "-> " + target
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			m[rel] = fmt.Sprintf("%x", md5.Sum(b))
		case d.IsDir():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			m[rel] = "dir " + fi.Mode().Perm().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// diffSums reports the differences between two fileSums maps.
func diffSums(want, got map[string]string) string {
	var d []string
	for k, v := range want {
		if got[k] != v {
			d = append(d, fmt.Sprintf("%q: want %q, got %q", k, v, got[k]))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			d = append(d, fmt.Sprintf("%q: unexpected %q", k, v))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// xorrisoCompare compares the session at lba with dir by xorriso
// -compare_r: names, sizes, contents, modes, owners, times and link
// targets, and no entry more or less (the relocation directory
// included, which xorriso must not show).
func xorrisoCompare(t testing.TB, img string, lba uint32, dir string) {
	t.Helper()
	args := []string{"-load", "sbsector", strconv.FormatUint(uint64(lba), 10), "-indev", img, "-compare_r", dir, "/"}
	out, errOut, err := oracle.Try("xorriso", args...)
	all := out + errOut
	if err != nil || strings.Contains(all, "Differences detected") || strings.Contains(all, "FAILURE") || strings.Contains(all, "SORRY") {
		t.Errorf("xorriso -compare_r finds differences (%v):\n%s", err, all)
	}
}

func TestWriteOracles(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo", "bsdtar", "7z")
	dir := buildTestDir(t)
	root, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "img.iso")
	im := writeSession(t, img, root, fullOpts())
	want := fileSums(t, dir)

	t.Run("xorriso compare", func(t *testing.T) {
		xorrisoCompare(t, img, 0, dir)
	})
	t.Run("xorriso extract", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "x")
		oracle.Run(t, "xorriso", "-indev", img, "-osirrox", "on", "-extract", "/", out)
		if d := diffSums(want, fileSums(t, out)); d != "" {
			t.Errorf("xorriso extraction differs:\n%s", d)
		}
	})
	t.Run("isoinfo -R", func(t *testing.T) {
		// Deep directories are in place, so isoinfo sees them all.
		got := testtree.IsoinfoManifest(t, img, 0)
		exp := testtree.DirManifest(t, dir)
		if d := exp.Diff(got); d != "" {
			t.Errorf("isoinfo -R -l differs:\n%s", d)
		}
		ls := oracle.Run(t, "isoinfo", "-R", "-l", "-i", img)
		for _, w := range []string{"-rw-------", "-rwxr-xr-x", "drwx------", "rel -> a.txt", "abs -> /etc/hostname", "dots -> ../x/./y/.."} {
			if !strings.Contains(ls, w) {
				t.Errorf("isoinfo -R -l lacks %q", w)
			}
		}
		for _, f := range []string{"a.txt", "big.bin", "Ünïcødé 😀 name.txt"} {
			b := oracle.Run(t, "isoinfo", "-R", "-i", img, "-x", "/"+f)
			if got := fmt.Sprintf("%x", md5.Sum([]byte(b))); got != want[f] {
				t.Errorf("isoinfo -R -x /%s: md5 %s, want %s", f, got, want[f])
			}
		}
	})
	t.Run("isoinfo ISO names", func(t *testing.T) {
		// Plain ISO 9660 names: d-characters, within level 3 lengths,
		// unique although eleven names in collide/ map alike.
		out := oracle.Run(t, "isoinfo", "-f", "-i", img)
		seen := map[string]bool{}
		n := 0
		for _, p := range strings.Split(strings.TrimSpace(out), "\n") {
			if seen[p] {
				t.Errorf("ISO path %s appears twice", p)
			}
			seen[p] = true
			base := p[strings.LastIndexByte(p, '/')+1:]
			if strings.Trim(base, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.;") != "" || len(base) > 33 {
				t.Errorf("ISO name %q is not a level 3 d-character identifier", base)
			}
			if strings.HasPrefix(p, "/COLLIDE/") {
				n++
			}
		}
		if n != 11 {
			t.Errorf("isoinfo -f lists %d names in /COLLIDE, want 11:\n%s", n, out)
		}
	})
	t.Run("isoinfo -J", func(t *testing.T) {
		out := oracle.Run(t, "isoinfo", "-J", "-f", "-i", img)
		names := map[string]bool{}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			names[strings.TrimSuffix(l, ";1")] = true
		}
		// isoinfo prints Joliet names in an 8-bit character set: check
		// the ASCII ones here, 7z checks the others.
		for _, n := range []string{"/a.txt", "/joliet/what_.txt", "/joliet/colon_name",
			"/joliet/" + strings.Repeat("p", 58) + "_1.txt", "/joliet/" + strings.Repeat("p", 60) + ".txt", "/joliet/" + strings.Repeat("q", 64),
			"/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/f.txt", "/collide/a+b.txt"} {
			if !names[n] {
				t.Errorf("isoinfo -J lacks %q", n)
			}
		}
		for n := range names {
			if strings.HasSuffix(n, "/rel") || strings.Contains(n, "rr_moved") {
				t.Errorf("isoinfo -J shows %q, which Joliet must not hold", n)
			}
		}
	})
	t.Run("bsdtar", func(t *testing.T) {
		out := t.TempDir()
		oracle.Run(t, "bsdtar", "-xf", img, "-C", out)
		if d := diffSums(want, fileSums(t, out)); d != "" {
			t.Errorf("bsdtar extraction differs:\n%s", d)
		}
		ls := oracle.Run(t, "bsdtar", "-tvf", img)
		if !strings.Contains(ls, "dangling -> no/such/file") {
			t.Errorf("bsdtar -tv lacks the dangling link:\n%s", ls)
		}
	})
	t.Run("7z", func(t *testing.T) {
		out := t.TempDir()
		oracle.Run(t, "7z", "x", "-y", "-o"+out, img)
		got := fileSums(t, out)
		for _, f := range []string{"a.txt", "big.bin", "日本語のファイル.txt", "collide/a b.txt", "collide/a-b.txt", "collide/A_B.txt", "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/f.txt"} {
			if got[f] != want[f] {
				t.Errorf("7z x: %q has %q, want %q", f, got[f], want[f])
			}
		}
		if _, ok := got["joliet/what_.txt"]; !ok {
			t.Errorf("7z x lacks the Joliet name joliet/what_.txt")
		}
	})
	t.Run("go-diskfs", func(t *testing.T) {
		// go-diskfs does not join NM or SL entries that continue in a
		// second entry: leave those out, the other readers check them.
		got := testtree.DiskfsManifest(t, img, 0)
		exp := testtree.DirManifest(t, dir)
		for _, m := range []testtree.Manifest{got, exp} {
			for k := range m {
				if strings.Contains(k, strings.Repeat("n", 50)) || strings.HasSuffix(k, "/longlink") {
					delete(m, k)
				}
			}
		}
		if d := exp.Diff(got); d != "" {
			t.Errorf("go-diskfs differs:\n%s", d)
		}
	})
	t.Run("warnings", func(t *testing.T) {
		ws := map[string]master.Warning{}
		for _, w := range im.Warnings() {
			ws[w.Path] = w
		}
		for p, name := range map[string]string{
			"/joliet/what?.txt":                            "what_.txt",
			"/joliet/colon:name":                           "colon_name",
			"/Ünïcødé 😀 name.txt":                          "Ünïcødé _ name.txt",
			"/joliet/" + strings.Repeat("p", 70) + "1.txt": strings.Repeat("p", 60) + ".txt",
			"/joliet/" + strings.Repeat("p", 70) + "2.txt": strings.Repeat("p", 58) + "_1.txt",
			"/joliet/" + strings.Repeat("q", 80):           strings.Repeat("q", 64),
		} {
			w, ok := ws[p]
			if !ok || w.Name != name || w.Hierarchy != "Joliet" || w.Reason == "" {
				t.Errorf("warning for %q: got %+v, want Joliet name %q", p, w, name)
			}
		}
		if len(ws) != len(im.Warnings()) {
			t.Errorf("a path is warned about twice: %v", im.Warnings())
		}
	})
}

// TestWriteLongPaths builds ISO paths over 255 characters at only 7
// levels. By default they stay in place, as xorriso writes them at ISO
// level 3; with RelocateDeep the writer relocates, and every ISO path
// isoinfo lists stays within 255 characters. Rock Ridge readers see the
// tree in place either way.
func TestWriteLongPaths(t *testing.T) {
	for _, relocate := range []bool{false, true} {
		t.Run(fmt.Sprintf("relocate=%v", relocate), func(t *testing.T) { testWriteLongPaths(t, relocate) })
	}
}

func testWriteLongPaths(t *testing.T, relocate bool) {
	oracle.Need(t, "xorriso", "isoinfo")
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	cur := root
	var want string
	for i := 0; i < 7; i++ {
		name := fmt.Sprintf("%d%s", i, strings.Repeat("x", 40))
		n := &tree.Node{Name: name, Mode: fs.ModeDir | 0o755}
		cur.Children = append(cur.Children, n)
		cur = n
		want += "/" + name
	}
	cur.Children = []*tree.Node{{Name: strings.Repeat("f", 40) + ".txt", Mode: 0o644, Size: 2,
		Source: tree.ReaderAtSource{R: strings.NewReader("ok"), Size: 2}}}
	want += "/" + strings.Repeat("f", 40) + ".txt"
	img := filepath.Join(t.TempDir(), "long.iso")
	opts := fullOpts()
	opts.RelocateDeep = relocate
	writeSession(t, img, root, opts)
	longest := 0
	for _, p := range strings.Split(strings.TrimSpace(oracle.Run(t, "isoinfo", "-f", "-i", img)), "\n") {
		longest = max(longest, len(p)-1)
	}
	if relocate && longest > 255 {
		t.Errorf("relocated: an ISO path of %d characters", longest)
	}
	if !relocate && longest <= 255 {
		t.Errorf("in place: the longest ISO path has %d characters, want the whole path", longest)
	}
	out := oracle.Run(t, "xorriso", "-indev", img, "-find", "/", "-type", "f")
	if !strings.Contains(out, "'"+want+"'") {
		t.Errorf("xorriso does not show %s in place:\n%s", want, out)
	}
}

// TestWriteManyContinuations fills a directory with long names and long
// link targets, so its continuation areas span many sectors and chain.
func TestWriteManyContinuations(t *testing.T) {
	oracle.Need(t, "xorriso", "bsdtar")
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	want := map[string]string{}
	for i := 0; i < 60; i++ {
		name := fmt.Sprintf("%03d-%s", i, strings.Repeat("long name ", 25))
		root.Children = append(root.Children, &tree.Node{Name: name, Mode: 0o644})
		want[name] = ""
	}
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("link%02d", i)
		target := fmt.Sprintf("/%02d/%s", i, strings.Repeat("component/../", 60))
		root.Children = append(root.Children, &tree.Node{Name: name, Mode: fs.ModeSymlink | 0o777, Target: target})
		want[name] = target
	}
	img := filepath.Join(t.TempDir(), "ce.iso")
	writeSession(t, img, root, fullOpts())
	for tool, out := range map[string]string{
		"xorriso": oracle.Run(t, "xorriso", "-indev", img, "-find", "/", "-exec", "lsdl"),
		"bsdtar":  oracle.Run(t, "bsdtar", "-tvf", img),
	} {
		for name, target := range want {
			line := name
			if target != "" {
				line += "' -> '" + target
				if tool == "bsdtar" {
					line = name + " -> " + target
				}
			}
			if !strings.Contains(out, line) {
				t.Errorf("%s lacks %q", tool, line)
			}
		}
	}
}

// deepChain returns a chain of 12 directories d1/.../d12 holding f.txt.
func deepChain() *tree.Node {
	leaf := &tree.Node{Name: "f.txt", Mode: 0o644, Size: 4, Source: tree.ReaderAtSource{R: strings.NewReader("deep"), Size: 4}}
	n := leaf
	for i := 12; i >= 1; i-- {
		n = &tree.Node{Name: "d" + strconv.Itoa(i), Mode: fs.ModeDir | 0o755, Children: []*tree.Node{n}}
	}
	return n
}

// TestWriteRelocationDir checks the choice of the relocation directory
// when the root already has an entry named rr_moved.
func TestWriteRelocationDir(t *testing.T) {
	oracle.Need(t, "xorriso", "bsdtar", "isoinfo")
	const deepFile = "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/f.txt"
	t.Run("user content", func(t *testing.T) {
		root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{deepChain(),
			{Name: "rr_moved", Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
				{Name: "user.txt", Mode: 0o644, Size: 1, Source: tree.ReaderAtSource{R: strings.NewReader("u"), Size: 1}}}}}}
		img := filepath.Join(t.TempDir(), "img.iso")
		writeSession(t, img, root, relocOpts())
		// libarchive accepts RE only inside the first root directory
		// named rr_moved or .rr_moved: it must be the relocation one.
		ls := oracle.Run(t, "bsdtar", "-tf", img)
		for _, w := range []string{deepFile, "rr_moved/user.txt"} {
			if !strings.Contains(ls, w) {
				t.Errorf("bsdtar -tf lacks %s:\n%s", w, ls)
			}
		}
		x := oracle.Run(t, "xorriso", "-indev", img, "-find", "/")
		for _, w := range []string{"'/" + deepFile + "'", "'/rr_moved/user.txt'"} {
			if !strings.Contains(x, w) {
				t.Errorf("xorriso -find lacks %s:\n%s", w, x)
			}
		}
		if strings.Contains(x, ".rr_moved") {
			t.Errorf("xorriso -find shows the relocation directory:\n%s", x)
		}
		if iso := oracle.Run(t, "isoinfo", "-R", "-f", "-i", img); !strings.Contains(iso, "/.rr_moved/d8") {
			t.Errorf("isoinfo -R -f should show the relocation directory .rr_moved:\n%s", iso)
		}
	})
	t.Run("same names", func(t *testing.T) {
		// Two chains relocate directories of the same name into rr_moved.
		root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
			{Name: "a", Mode: fs.ModeDir | 0o755, Children: []*tree.Node{deepChain()}},
			{Name: "b", Mode: fs.ModeDir | 0o755, Children: []*tree.Node{deepChain()}},
		}}
		img := filepath.Join(t.TempDir(), "img.iso")
		writeSession(t, img, root, relocOpts())
		x := oracle.Run(t, "xorriso", "-indev", img, "-find", "/", "-type", "f")
		ls := oracle.Run(t, "bsdtar", "-tf", img)
		for _, top := range []string{"a", "b"} {
			if !strings.Contains(x, "'/"+top+"/"+deepFile+"'") || !strings.Contains(ls, top+"/"+deepFile) {
				t.Errorf("%s/%s missing:\nxorriso:\n%s\nbsdtar:\n%s", top, deepFile, x, ls)
			}
		}
		if iso := oracle.Run(t, "isoinfo", "-f", "-i", img); !strings.Contains(iso, "/RR_MOVED/D7\n") || !strings.Contains(iso, "/RR_MOVED/D71\n") {
			t.Errorf("isoinfo -f should show RR_MOVED/D7 and RR_MOVED/D71:\n%s", iso)
		}
	})
	t.Run("hidden", func(t *testing.T) {
		// Readers that follow relocation see the tree exactly as given.
		root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{deepChain()}}
		img := filepath.Join(t.TempDir(), "img.iso")
		writeSession(t, img, root, relocOpts())
		if x := oracle.Run(t, "xorriso", "-indev", img, "-find", "/", "-maxdepth", "1"); strings.Contains(x, "moved") {
			t.Errorf("xorriso shows the relocation directory:\n%s", x)
		}
		if ls := oracle.Run(t, "bsdtar", "-tf", img); strings.Contains(ls, "moved") || !strings.Contains(ls, deepFile) {
			t.Errorf("bsdtar -tf:\n%s", ls)
		}
		if j := oracle.Run(t, "isoinfo", "-J", "-f", "-i", img); strings.Contains(j, "moved") {
			t.Errorf("Joliet shows the relocation directory:\n%s", j)
		}
	})
}

func TestWriteEmptyTree(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo", "bsdtar", "7z")
	img := filepath.Join(t.TempDir(), "empty.iso")
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	im := writeSession(t, img, root, fullOpts())
	if im.DataSectors() != 0 {
		t.Errorf("DataSectors = %d, want 0", im.DataSectors())
	}
	out := oracle.Run(t, "xorriso", "-indev", img, "-find", "/")
	if strings.TrimSpace(out) != "'/'" {
		t.Errorf("xorriso -find /: %q", out)
	}
	if out := oracle.Run(t, "isoinfo", "-R", "-f", "-i", img); strings.TrimSpace(out) != "" {
		t.Errorf("isoinfo -f: %q", out)
	}
	d := oracle.Run(t, "isoinfo", "-d", "-i", img)
	for _, w := range []string{"Volume id: TEST", fmt.Sprintf("Volume size is: %d", im.Sectors()), "Joliet", "Rock Ridge"} {
		if !strings.Contains(d, w) {
			t.Errorf("isoinfo -d lacks %q:\n%s", w, d)
		}
	}
	if out := oracle.Run(t, "bsdtar", "-tf", img); strings.Trim(out, "./\n") != "" {
		t.Errorf("bsdtar -tf: %q", out)
	}
	oracle.Run(t, "7z", "l", img)
	if m := testtree.DiskfsManifest(t, img, 0); len(m) != 0 {
		t.Errorf("go-diskfs: %v", m)
	}
}

// collidingNames is a root of n files whose names share a 40-character
// prefix, so every ISO name collides after truncation and needs a
// numeric suffix.
func collidingNames(n int) *tree.Node {
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	content := bytes.NewReader([]byte("0123456789"))
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s-%05d.data", strings.Repeat("collision", 5), i)
		size := int64(i % 11)
		root.Children = append(root.Children, &tree.Node{Name: name, Mode: 0o644, Size: size,
			Source: tree.ReaderAtSource{R: content, Size: size}})
	}
	return root
}

func TestWriteManyFiles(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	const n = 10000
	root := collidingNames(n)
	im, err := master.Layout(root, fullOpts())
	if err != nil {
		t.Fatal(err)
	}
	// Quadratic name mangling took minutes here. Its cost is counted in
	// allocations, which no machine's speed or load changes: four times
	// the names may cost about four times as many, not sixteen.
	allocs := func(n int) float64 {
		root := collidingNames(n)
		return testing.AllocsPerRun(1, func() {
			if _, err := master.Layout(root, fullOpts()); err != nil {
				t.Fatal(err)
			}
		})
	}
	quarter, whole := allocs(n/4), allocs(n)
	t.Logf("Layout allocates %.0f times for %d names, %.0f for %d", quarter, n/4, whole, n)
	if whole > 6*quarter {
		t.Errorf("Layout of %d colliding names allocates %.0f times, of %d names %.0f: it grows faster than the names", n, whole, n/4, quarter)
	}
	img := filepath.Join(t.TempDir(), "many.iso")
	writeSession(t, img, root, fullOpts())
	if want := uint32(n - (n+10)/11); im.DataSectors() != want {
		t.Errorf("DataSectors = %d, want %d", im.DataSectors(), want)
	}
	rr := strings.Split(strings.TrimSpace(oracle.Run(t, "isoinfo", "-R", "-f", "-i", img)), "\n")
	iso := strings.Split(strings.TrimSpace(oracle.Run(t, "isoinfo", "-f", "-i", img)), "\n")
	if len(rr) != n || len(iso) != n {
		t.Fatalf("isoinfo lists %d Rock Ridge and %d ISO names, want %d", len(rr), len(iso), n)
	}
	uniq := map[string]bool{}
	for _, s := range iso {
		if len(s) > 1+30+1+2 {
			t.Errorf("ISO name %q too long", s)
		}
		uniq[s] = true
	}
	if len(uniq) != n {
		t.Errorf("%d unique ISO names, want %d", len(uniq), n)
	}
	out := oracle.Run(t, "xorriso", "-indev", img, "-find", "/", "-type", "f", "-name", "*-09998.data", "-exec", "lsdl")
	if !strings.Contains(out, " 10 ") {
		t.Errorf("xorriso: file 9998 should have 10 bytes:\n%s", out)
	}
	b := oracle.Run(t, "isoinfo", "-R", "-i", img, "-x", "/"+strings.Repeat("collision", 5)+"-00007.data")
	if b != "0123456" {
		t.Errorf("isoinfo -x of file 7: %q", b)
	}
}

func TestWriteMultiExtent(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(src, "huge.bin")
	const size = 4<<30 + 512<<20 + 77 // 4.5 GiB and a bit, not sector-aligned
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	// Marks at the start, across the first extent boundary and at the end.
	for _, off := range []int64{0, 0xFFFFF800 - 3, size - 5} {
		if _, err := f.WriteAt([]byte("MARK!"), off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	testtree.File(t, src, "small.txt", []byte("small"))
	root, err := localtree.Build(src)
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "img.iso")
	im := writeSession(t, img, root, fullOpts())
	if want := uint32((size+2047)/2048 + 1); im.DataSectors() != want {
		t.Errorf("DataSectors = %d, want %d", im.DataSectors(), want)
	}
	if st, err := os.Stat(img); err != nil || st.Size() != int64(im.Sectors())*2048 {
		t.Fatalf("image size: %v, %v", st, err)
	}
	if used, ok := diskUsage(img); ok && used > 64<<20 {
		t.Errorf("the image uses %d bytes of disk: not sparse", used)
	}
	// xorriso reads all 4.5 GiB back and writes them sparse: compare
	// them with the source byte for byte. (-compare_r would do as well,
	// at three times the time.)
	out := filepath.Join(dir, "x")
	oracle.Run(t, "xorriso", "-indev", img, "-osirrox", "on:sparse=1m", "-extract", "/", out)
	for _, name := range []string{"huge.bin", "small.txt"} {
		if !sameFiles(t, filepath.Join(src, name), filepath.Join(out, name)) {
			t.Errorf("%s extracted by xorriso differs from the source", name)
		}
	}
	ls := oracle.Run(t, "isoinfo", "-l", "-i", img)
	if c := strings.Count(ls, "HUGE.BIN;1"); c != 2 {
		t.Errorf("isoinfo -l shows %d records of HUGE.BIN;1, want 2 extents:\n%s", c, ls)
	}
	rr := oracle.Run(t, "xorriso", "-indev", img, "-find", "/huge.bin", "-exec", "lsdl")
	if !strings.Contains(rr, strconv.Itoa(size)) {
		t.Errorf("xorriso does not see the whole size %d:\n%s", size, rr)
	}

	// A second session references the file's two extents without
	// writing them again: one record per extent.
	var lbas []uint32
	for _, l := range strings.Split(ls, "\n") {
		if strings.Contains(l, "HUGE.BIN;1") {
			f := strings.Fields(l[strings.Index(l, "[")+1:])
			v, _ := strconv.ParseUint(f[0], 10, 32)
			lbas = append(lbas, uint32(v))
		}
	}
	if len(lbas) != 2 {
		t.Fatalf("extent LBAs %v", lbas)
	}
	start := (im.Sectors() + 31) / 32 * 32
	root2 := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{{Name: "huge.bin", Mode: 0o644, Size: size,
		Extents: []tree.Extent{{LBA: lbas[0], Length: 0xFFFFF800}, {LBA: lbas[1], Length: size - 0xFFFFF800}}}}}
	opts := fullOpts()
	opts.StartLBA = start
	im2 := writeSession(t, img, root2, opts)
	if im2.DataSectors() != 0 {
		t.Errorf("second session writes %d data sectors, want 0", im2.DataSectors())
	}
	sb := strconv.FormatUint(uint64(start), 10)
	if c := strings.Count(oracle.Run(t, "isoinfo", "-l", "-T", sb, "-i", img), "HUGE.BIN;1"); c != 2 {
		t.Errorf("isoinfo -T %s shows %d records of HUGE.BIN;1, want 2", sb, c)
	}
	cut := filepath.Join(dir, "cut")
	oracle.Run(t, "xorriso", "-load", "sbsector", sb, "-indev", img, "-osirrox", "on",
		"-extract_cut", "/huge.bin", strconv.Itoa(0xFFFFF800-4), "7", cut)
	if b, err := os.ReadFile(cut); err != nil || string(b) != "\x00MARK!\x00" {
		t.Errorf("bytes across the extent boundary in session 2: %q, %v", b, err)
	}
	if rr := oracle.Run(t, "xorriso", "-load", "sbsector", sb, "-indev", img, "-find", "/huge.bin", "-exec", "lsdl"); !strings.Contains(rr, strconv.Itoa(size)) {
		t.Errorf("session 2: xorriso does not see the whole size %d:\n%s", size, rr)
	}
}

// sameFiles reports whether two files have the same size and bytes,
// reading both in 1 MiB pieces.
func sameFiles(t testing.TB, a, b string) bool {
	t.Helper()
	fa, err := os.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		if ea != nil || eb != nil {
			return ea == eb || (ea == io.ErrUnexpectedEOF || ea == io.EOF) && (eb == io.ErrUnexpectedEOF || eb == io.EOF)
		}
	}
}

// isoinfoLBAs returns the first LBA of each file in the root of the
// session at lba, as isoinfo -R -l shows it.
func isoinfoLBAs(t testing.TB, img string) map[string]uint32 {
	t.Helper()
	out := oracle.Run(t, "isoinfo", "-R", "-l", "-i", img)
	m := map[string]uint32{}
	for _, l := range strings.Split(out, "\n") {
		i, j := strings.Index(l, "["), strings.Index(l, "]  ")
		if i < 0 || j < i {
			continue
		}
		f := strings.Fields(l[i+1 : j])
		lba, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil {
			t.Fatalf("isoinfo line %q: %v", l, err)
		}
		name := strings.TrimSpace(l[j+3:])
		if _, ok := m[name]; !ok {
			m[name] = uint32(lba)
		}
	}
	return m
}

func TestWriteSecondSession(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	dir := t.TempDir()
	s1 := filepath.Join(dir, "s1")
	a := testtree.Random(10000)
	b := testtree.Random(3 << 20)
	testtree.File(t, s1, "a.bin", a)
	testtree.File(t, s1, "b.bin", b)
	root1, err := localtree.Build(s1)
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "img.iso")
	writeSession(t, img, root1, fullOpts())
	lbas := isoinfoLBAs(t, img)

	// Session 2 at LBA 20000: a.bin and b.bin reference session 1's
	// data, c.txt is new.
	c := []byte("new in session 2\n")
	ref := func(name string, data []byte) *tree.Node {
		return &tree.Node{Name: name, Mode: 0o644, ModTime: wFixedTime, Size: int64(len(data)),
			Extents: []tree.Extent{{LBA: lbas[name], Length: uint32(len(data))}}}
	}
	root2 := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
		ref("a.bin", a),
		{Name: "dir", Mode: fs.ModeDir | 0o755, Children: []*tree.Node{ref("b.bin", b)}},
		{Name: "c.txt", Mode: 0o644, Size: int64(len(c)), Source: tree.ReaderAtSource{R: bytes.NewReader(c), Size: int64(len(c))}},
	}}
	opts := fullOpts()
	opts.StartLBA = 20000
	im := writeSession(t, img, root2, opts)
	if im.Start() != 20000 || im.DataSectors() != 1 {
		t.Errorf("Start %d, DataSectors %d", im.Start(), im.DataSectors())
	}
	exp := map[string]string{
		"a.bin":     fmt.Sprintf("%x", md5.Sum(a)),
		"dir/b.bin": fmt.Sprintf("%x", md5.Sum(b)),
		"c.txt":     fmt.Sprintf("%x", md5.Sum(c)),
		"dir":       "dir -rwxr-xr-x",
	}
	for name := range exp {
		if strings.HasPrefix(exp[name], "dir") {
			continue
		}
		got := oracle.Run(t, "isoinfo", "-R", "-T", "20000", "-i", img, "-x", "/"+name)
		if s := fmt.Sprintf("%x", md5.Sum([]byte(got))); s != exp[name] {
			t.Errorf("isoinfo -T 20000 -x /%s: md5 %s, want %s", name, s, exp[name])
		}
	}
	out := filepath.Join(dir, "x")
	oracle.Run(t, "xorriso", "-load", "sbsector", "20000", "-indev", img, "-osirrox", "on", "-extract", "/", out)
	if d := diffSums(exp, fileSums(t, out)); d != "" {
		t.Errorf("xorriso extraction of session 2 differs:\n%s", d)
	}
	m := testtree.DiskfsManifest(t, img, 20000)
	wantM := testtree.Manifest{"/a.bin": "f 10000", "/dir": "d", "/dir/b.bin": fmt.Sprintf("f %d", len(b)), "/c.txt": fmt.Sprintf("f %d", len(c))}
	if d := wantM.Diff(m); d != "" {
		t.Errorf("go-diskfs at LBA 20000 differs:\n%s", d)
	}
	// The session's descriptor holds its own size by default, and the
	// absolute end with AbsoluteVolumeSpace.
	if d := oracle.Run(t, "isoinfo", "-d", "-T", "20000", "-i", img); !strings.Contains(d, fmt.Sprintf("Volume size is: %d\n", im.Sectors())) {
		t.Errorf("isoinfo -d -T 20000: want volume size %d:\n%s", im.Sectors(), d)
	}
	opts.AbsoluteVolumeSpace = true
	im = writeSession(t, img, root2, opts)
	if d := oracle.Run(t, "isoinfo", "-d", "-T", "20000", "-i", img); !strings.Contains(d, fmt.Sprintf("Volume size is: %d\n", 20000+im.Sectors())) {
		t.Errorf("isoinfo -d -T 20000 with AbsoluteVolumeSpace: want volume size %d:\n%s", 20000+im.Sectors(), d)
	}
	// Session 1 is untouched.
	if got := oracle.Run(t, "isoinfo", "-R", "-i", img, "-x", "/a.bin"); got != string(a) {
		t.Errorf("session 1 changed")
	}
}

func TestWriteDeterministic(t *testing.T) {
	// One tree, built once: reading the files changes their access
	// times, which a second Build would pick up.
	root, err := localtree.Build(buildTestDir(t))
	if err != nil {
		t.Fatal(err)
	}
	sum := func() [32]byte {
		// Shuffle the children order: the writer must sort.
		for i, j := 0, len(root.Children)-1; i < j; i, j = i+1, j-1 {
			root.Children[i], root.Children[j] = root.Children[j], root.Children[i]
		}
		im, err := master.Layout(root, fullOpts())
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		if _, err := im.WriteTo(h); err != nil {
			t.Fatal(err)
		}
		return [32]byte(h.Sum(nil))
	}
	a := sum()
	b := sum()
	if a != b {
		t.Errorf("two runs give different images: %x, %x", a, b)
	}
}

// shortReader yields fewer bytes than it claims.
type shortSource struct{ data []byte }

func (s shortSource) Open() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(s.data)), nil
}

func TestWriteSourceChanged(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int64
		src  tree.Source
	}{
		{"shrunk", 100, shortSource{make([]byte, 50)}},
		{"grown", 10, shortSource{make([]byte, 50)}},
		{"grown-empty", 0, shortSource{make([]byte, 1)}},
		{"missing", 10, tree.FileSource(filepath.Join(t.TempDir(), "gone"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
				{Name: "sub", Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
					{Name: "f.bin", Mode: 0o644, Size: tc.size, Source: tc.src},
				}},
			}}
			im, err := master.Layout(root, fullOpts())
			if err != nil {
				t.Fatal(err)
			}
			_, err = im.WriteTo(io.Discard)
			if !errors.Is(err, master.ErrSourceChanged) || !strings.Contains(err.Error(), "/sub/f.bin") {
				t.Errorf("WriteTo: %v, want ErrSourceChanged naming /sub/f.bin", err)
			}
		})
	}
}

// TestWriteFileSourceChanged covers the kernel copy path: a FileSource
// streamed into an *os.File, grown or shrunk after Layout.
func TestWriteFileSourceChanged(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "data")
	if err := os.WriteFile(src, bytes.Repeat([]byte("d"), 10000), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{10000, 5000, 20000} {
		root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
			{Name: "data", Mode: 0o644, Size: size, Source: tree.FileSource(src)},
		}}
		im, err := master.Layout(root, fullOpts())
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dir, "out.iso"))
		if err != nil {
			t.Fatal(err)
		}
		n, err := im.WriteTo(out)
		out.Close()
		switch {
		case size == 10000 && (err != nil || n != int64(im.Sectors())*tree.SectorSize):
			t.Errorf("unchanged file: wrote %d bytes of %d: %v", n, int64(im.Sectors())*tree.SectorSize, err)
		case size != 10000 && (!errors.Is(err, master.ErrSourceChanged) || !strings.Contains(err.Error(), "/data")):
			t.Errorf("size %d for a file of 10000 bytes: %v, want ErrSourceChanged naming /data", size, err)
		}
	}
}

// failingMedium fails every read with errMediumFailed.
type failingMedium struct{}

var errMediumFailed = errors.New("medium read failed")

func (failingMedium) ReadAt(p []byte, off int64) (int, error) { return 0, errMediumFailed }

// An earlier session's file that the session writes anew (a
// tree.Sparse Source: holes, or zisofs) and the medium fails to give
// (it fails, is cut short, or holds damaged compressed data) stops the
// stream with ErrMediumData, the medium's error and the path: the
// medium does not change, so it is never ErrSourceChanged.
func TestWriteMediumDataFails(t *testing.T) {
	short := bytes.NewReader(make([]byte, 20*tree.SectorSize))
	zeros := bytes.NewReader(make([]byte, 40*tree.SectorSize))
	for _, tc := range []struct {
		name string
		src  tree.Sparse
		want error
	}{
		{"failing", tree.Sparse{R: failingMedium{}, Extents: []tree.Extent{{LBA: 30, Length: 5000}}, Size: 5000}, errMediumFailed},
		{"failing with a hole", tree.Sparse{R: failingMedium{}, Extents: []tree.Extent{{LBA: tree.HoleLBA, Length: 2048}, {LBA: 30, Length: 2952}}, Size: 5000}, errMediumFailed},
		{"cut short", tree.Sparse{R: short, Extents: []tree.Extent{{LBA: 19, Length: 5000}}, Size: 5000}, io.EOF},
		{"damaged zisofs", tree.Sparse{R: zeros, Extents: []tree.Extent{tree.ZisofsExtent([2]byte{'P', 'Z'}, 6, 15), {LBA: 30, Length: 4000}}, Size: 5000}, tree.ErrZisofs},
		{"zisofs on a failing medium", tree.Sparse{R: failingMedium{}, Extents: []tree.Extent{tree.ZisofsExtent([2]byte{'p', 'z'}, 4, 15), {LBA: 30, Length: 4000}}, Size: 5000}, errMediumFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
				{Name: "old.bin", Mode: 0o644, Size: tc.src.Size, Source: tc.src},
			}}
			im, err := master.Layout(root, fullOpts())
			if err != nil {
				t.Fatal(err)
			}
			_, err = im.WriteTo(io.Discard)
			if !errors.Is(err, master.ErrMediumData) || !errors.Is(err, tc.want) || errors.Is(err, master.ErrSourceChanged) || !strings.Contains(err.Error(), "/old.bin") {
				t.Errorf("WriteTo: %v, want ErrMediumData and %v naming /old.bin", err, tc.want)
			}
		})
	}
}

func TestLayoutErrors(t *testing.T) {
	dir := func(kids ...*tree.Node) *tree.Node {
		return &tree.Node{Mode: fs.ModeDir | 0o755, Children: kids}
	}
	f := func(name string) *tree.Node { return &tree.Node{Name: name, Mode: 0o644} }
	deep := dir()
	cur := deep
	for i := 0; i < 9; i++ {
		n := &tree.Node{Name: "d", Mode: fs.ModeDir | 0o755}
		cur.Children = []*tree.Node{n}
		cur = n
	}
	rrOff := fullOpts()
	rrOff.RockRidge = false
	relocNoRR := rrOff
	relocNoRR.RelocateDeep = true
	for _, tc := range []struct {
		name string
		root *tree.Node
		opts master.Options
		want error
	}{
		{"empty name", dir(f("")), fullOpts(), master.ErrBadName},
		{"slash", dir(f("a/b")), fullOpts(), master.ErrBadName},
		{"nul", dir(f("a\x00b")), fullOpts(), master.ErrBadName},
		{"dot", dir(f(".")), fullOpts(), master.ErrBadName},
		{"dotdot", dir(f("..")), fullOpts(), master.ErrBadName},
		{"256 bytes", dir(f(strings.Repeat("x", 256))), fullOpts(), master.ErrBadName},
		{"twice", dir(f("a"), f("a")), fullOpts(), master.ErrBadName},
		{"twice, apart among unsorted names", dir(f("b"), f("a"), f("c"), f("b")), fullOpts(), master.ErrBadName},
		{"nil child among others", dir(f("a"), nil, f("b")), fullOpts(), master.ErrUnsupported},
		{"symlink without Rock Ridge", dir(&tree.Node{Name: "l", Mode: fs.ModeSymlink | 0o777, Target: "x"}), rrOff, master.ErrUnsupported},
		{"device without Rock Ridge", dir(&tree.Node{Name: "dev", Mode: fs.ModeDevice | 0o644}), rrOff, master.ErrUnsupported},
		{"fifo without Rock Ridge", dir(&tree.Node{Name: "p", Mode: fs.ModeNamedPipe | 0o644}), rrOff, master.ErrUnsupported},
		{"irregular", dir(&tree.Node{Name: "x", Mode: fs.ModeIrregular | 0o644}), fullOpts(), master.ErrUnsupported},
		{"relocation without Rock Ridge", deep, relocNoRR, master.ErrUnsupported},
		{"no data", dir(&tree.Node{Name: "x", Mode: 0o644, Size: 5}), fullOpts(), master.ErrUnsupported},
		{"extents mismatch", dir(&tree.Node{Name: "x", Mode: 0o644, Size: 5, Extents: []tree.Extent{{LBA: 30, Length: 4}}}), fullOpts(), master.ErrUnsupported},
		{"compressed in a way not read", dir(&tree.Node{Name: "x", Mode: 0o644, Size: 5, Source: tree.Sparse{
			R: bytes.NewReader(nil), Extents: []tree.Extent{tree.ZisofsExtent([2]byte{'X', 'Z'}, 6, 15), {LBA: 30, Length: 40}}, Size: 5}}), fullOpts(), tree.ErrCompression},
		// Sizes past the 2^32 sectors a session holds are refused
		// before any extent is laid out (a damaged ZF entry gives any
		// 64-bit size).
		{"zisofs2 of the largest size", dir(zisofs2Node(math.MaxInt64)), fullOpts(), master.ErrUnsupported},
		{"zisofs2 of 2^52 bytes", dir(zisofs2Node(1 << 52)), fullOpts(), master.ErrUnsupported},
		{"file one byte past 2^32 sectors", dir(&tree.Node{Name: "x", Mode: 0o644, Size: 0xFFFFFFFF*tree.SectorSize + 1, Source: tree.ReaderAtSource{R: bytes.NewReader(nil), Size: 0xFFFFFFFF*tree.SectorSize + 1}}), fullOpts(), master.ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := master.Layout(tc.root, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Errorf("Layout: %v, want %v", err, tc.want)
			}
		})
	}
	// 255 bytes is fine.
	if _, err := master.Layout(dir(f(strings.Repeat("x", 255))), fullOpts()); err != nil {
		t.Errorf("255-byte name: %v", err)
	}
}

// zisofs2Node is a zisofs2 file of size bytes as a damaged ZF entry may
// give it, whose compressed data is a few bytes at LBA 30.
func zisofs2Node(size int64) *tree.Node {
	return &tree.Node{Name: "z", Mode: 0o644, Size: size, Source: tree.Sparse{
		R: bytes.NewReader(nil), Extents: []tree.Extent{tree.ZisofsExtent([2]byte{'P', 'Z'}, 6, 15), {LBA: 30, Length: 40}}, Size: size}}
}

func TestWritePlainISO(t *testing.T) {
	oracle.Need(t, "isoinfo", "xorriso")
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
		{Name: "readme.txt", Mode: 0o644, Size: 3, Source: tree.ReaderAtSource{R: strings.NewReader("abc"), Size: 3}},
		{Name: "Sub Dir", Mode: fs.ModeDir | 0o755},
	}}
	img := filepath.Join(t.TempDir(), "plain.iso")
	writeSession(t, img, root, master.Options{Time: wFixedTime})
	out := oracle.Run(t, "isoinfo", "-f", "-i", img)
	if strings.TrimSpace(out) != "/README.TXT;1\n/SUB_DIR" {
		t.Errorf("isoinfo -f: %q", out)
	}
	if d := oracle.Run(t, "isoinfo", "-d", "-i", img); !strings.Contains(d, "NO Joliet present") || !strings.Contains(d, "NO Rock Ridge present") || !strings.Contains(d, "Volume id: CDROM") {
		t.Errorf("isoinfo -d:\n%s", d)
	}
	if b := oracle.Run(t, "isoinfo", "-i", img, "-x", "/README.TXT;1"); b != "abc" {
		t.Errorf("isoinfo -x: %q", b)
	}
}

// BenchmarkWriteTo measures streaming a session of 200 files of 1 MiB
// from memory.
func BenchmarkWriteTo(b *testing.B) {
	data := bytes.NewReader(testtree.Random(1 << 20))
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	for i := 0; i < 200; i++ {
		root.Children = append(root.Children, &tree.Node{Name: fmt.Sprintf("file%03d.bin", i), Mode: 0o644,
			Size: 1 << 20, Source: tree.ReaderAtSource{R: data, Size: 1 << 20}})
	}
	im, err := master.Layout(root, fullOpts())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(im.Sectors()) * tree.SectorSize)
	for b.Loop() {
		if _, err := im.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLayout measures laying out 10,000 files in one directory
// whose ISO names all collide after truncation.
func BenchmarkLayout(b *testing.B) {
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	for i := 0; i < 10000; i++ {
		root.Children = append(root.Children, &tree.Node{Name: fmt.Sprintf("%s-%05d.data", strings.Repeat("collision", 5), i),
			Mode: 0o644, Size: 1, Source: tree.ReaderAtSource{R: strings.NewReader("x"), Size: 1}})
	}
	for b.Loop() {
		if _, err := master.Layout(root, fullOpts()); err != nil {
			b.Fatal(err)
		}
	}
}
