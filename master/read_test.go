package master

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master/tree"
)

// rtTree builds a varied source tree under dir: empty and odd-sized
// files, random contents, Unicode and mixed-case names, modes including
// setuid, owners, relative and absolute symbolic links, empty and nested
// directories, and distinct recent modification times.
func rtTree(t testing.TB, dir string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	data := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	files := []struct {
		name string
		size int
		mode os.FileMode
	}{
		{"empty", 0, 0o644},
		{"one", 1, 0o600},
		{"sector", 2048, 0o644},
		{"odd.bin", 5000, 0o755},
		{"big.dat", 200 << 10, 0o640},
		{"Mixed Case Name.txt", 10, 0o644},
		{"ünïcödé-файл.txt", 33, 0o444},
		{"a-name-that-is-rather-long-for-iso-9660-but-fine-with-joliet", 7, 0o644},
		{"sub/inner.txt", 100, 0o644},
		{"sub/deeper/f", 3, 0o4755},
		{"sub/deeper/g", 4, 0o2711},
		{"sub/deeper/deepest/h", 4096, 0o644},
	}
	for _, d := range []string{"sub/deeper/deepest", "empty dir"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().Truncate(time.Second)
	for i, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, data(f.size), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode|rtSpecial(f.mode)); err != nil {
			t.Fatal(err)
		}
		if os.Getuid() == 0 && i%3 == 1 {
			if err := os.Lchown(p, 1234, 5678); err != nil {
				t.Fatal(err)
			}
		}
		mt := now.Add(-time.Duration(i+1) * 37 * time.Minute)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"link-rel":     "one",
		"sub/link-up":  "../sector",
		"link-abs":     "/sub/deeper/f",
		"link-dir":     "sub/deeper",
		"sub/link-dot": "./inner.txt",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "empty dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	for i, d := range []string{"sub/deeper/deepest", "sub/deeper", "sub", "empty dir"} {
		mt := now.Add(-time.Duration(i+20) * 41 * time.Minute)
		if err := os.Chtimes(filepath.Join(dir, d), mt, mt); err != nil {
			t.Fatal(err)
		}
	}
}

// rtSpecial maps the permission-like bits of a test mode to os bits.
func rtSpecial(m os.FileMode) os.FileMode {
	var o os.FileMode
	if m&0o4000 != 0 {
		o |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		o |= os.ModeSetgid
	}
	return o
}

// rtCommand prepares a program run.
func rtCommand(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }

// rtGunzip reads a gzip-compressed file.
func rtGunzip(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rtOpen opens an image and returns it with its size in sectors.
func rtOpen(t testing.TB, img string) (*os.File, int64) {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return f, st.Size() / tree.SectorSize
}

// rtLsMode formats a mode the way ls and xorriso do.
func rtLsMode(m fs.FileMode) string {
	b := []byte("----------")
	switch {
	case m&fs.ModeDir != 0:
		b[0] = 'd'
	case m&fs.ModeSymlink != 0:
		b[0] = 'l'
	case m&fs.ModeCharDevice != 0:
		b[0] = 'c'
	case m&fs.ModeDevice != 0:
		b[0] = 'b'
	case m&fs.ModeNamedPipe != 0:
		b[0] = 'p'
	case m&fs.ModeSocket != 0:
		b[0] = 's'
	}
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		if m&(1<<(8-i)) != 0 {
			b[1+i] = rwx[i]
		}
	}
	special := func(pos int, set bool, lower, upper byte) {
		if !set {
			return
		}
		if b[pos] == 'x' {
			b[pos] = lower
		} else {
			b[pos] = upper
		}
	}
	special(3, m&fs.ModeSetuid != 0, 's', 'S')
	special(6, m&fs.ModeSetgid != 0, 's', 'S')
	special(9, m&fs.ModeSticky != 0, 't', 'T')
	return string(b)
}

// rtListing formats the tree of s the way `xorriso -find / -exec lsdl`
// does (times in UTC, whitespace collapsed), one line per entry, sorted.
func rtListing(t testing.TB, s *Session) []string {
	t.Helper()
	var out []string
	var walk func(n *tree.Node, p string)
	walk = func(n *tree.Node, p string) {
		size := int64(0)
		if n.IsRegular() {
			size = n.Size
		}
		line := fmt.Sprintf("%s %d %d %d %s '%s'", rtLsMode(n.Mode), n.UID, n.GID, size, n.ModTime.UTC().Format("Jan 2 15:04"), p)
		if n.IsSymlink() {
			line += fmt.Sprintf(" -> '%s'", n.Target)
		}
		out = append(out, line)
		for _, c := range n.Children {
			cp := p + "/" + c.Name
			if p == "/" {
				cp = "/" + c.Name
			}
			walk(c, cp)
		}
	}
	walk(s.Root, "/")
	slices.Sort(out)
	return out
}

var rtLsdlLine = regexp.MustCompile(`^(\S{10})\s+\d+\s+(\S+)\s+(\S+)\s+(\d+)\s+(\w{3})\s+(\d+)\s+(\S+)\s+(.*)$`)

// rtXorrisoListing runs xorriso on the session at lba and returns its
// lsdl listing normalized like rtListing.
func rtXorrisoListing(t testing.TB, img string, lba uint32) []string {
	t.Helper()
	out := oracle.Run(t, "xorriso", "-abort_on", "FAILURE", "-load", "sbsector", strconv.Itoa(int(lba)), "-indev", img, "-find", "/", "-exec", "lsdl")
	return rtNormalizeLsdl(t, out)
}

// rtNormalizeLsdl turns lsdl output into rtListing's form.
func rtNormalizeLsdl(t testing.TB, out string) []string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		m := rtLsdlLine.FindStringSubmatch(l)
		if m == nil || !strings.Contains(l, "'/") {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %s %s %s %s %s %s %s", m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]))
	}
	slices.Sort(lines)
	if len(lines) == 0 {
		t.Fatalf("xorriso listed nothing:\n%s", out)
	}
	return lines
}

// rtDiff fails the test when two sorted listings differ.
func rtDiff(t testing.TB, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	var b strings.Builder
	for _, l := range want {
		if !slices.Contains(got, l) {
			fmt.Fprintf(&b, "  missing: %s\n", l)
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			fmt.Fprintf(&b, "  extra:   %s\n", l)
		}
	}
	t.Errorf("%s differs from the reference:\n%s", what, b.String())
}

// rtCheckExtract extracts the session with xorriso and compares every
// regular file's bytes and every link's target with what the FS gives.
func rtCheckExtract(t testing.TB, img string, s *Session) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "x")
	oracle.Run(t, "xorriso", "-abort_on", "FAILURE", "-load", "sbsector", strconv.Itoa(int(s.Start)), "-indev", img, "-osirrox", "on", "-extract", "/", out)
	fsys := s.FS()
	n := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		host := filepath.Join(out, filepath.FromSlash(p))
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			want, err := os.Readlink(host)
			if err != nil {
				return err
			}
			got, err := fsys.(fs.ReadLinkFS).ReadLink(p)
			if err != nil {
				return err
			}
			if got != want {
				t.Errorf("%s: link target %q, xorriso extracted %q", p, got, want)
			}
		case d.Type().IsRegular():
			want, err := os.ReadFile(host)
			if err != nil {
				return err
			}
			got, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			if md5.Sum(got) != md5.Sum(want) {
				t.Errorf("%s: md5 %x, xorriso extracted md5 %x", p, md5.Sum(got), md5.Sum(want))
			}
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no regular files compared")
	}
}

var rtReportLBA = regexp.MustCompile(`^File data lba:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*'(.*)'$`)

// rtCheckExtents compares every file's extents with `-exec report_lba`.
func rtCheckExtents(t testing.TB, img string, s *Session) {
	t.Helper()
	out := oracle.Run(t, "xorriso", "-abort_on", "FAILURE", "-load", "sbsector", strconv.Itoa(int(s.Start)), "-indev", img, "-find", "/", "-exec", "report_lba")
	want := map[string][]uint32{}
	for _, l := range strings.Split(out, "\n") {
		m := rtReportLBA.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		lba, _ := strconv.Atoi(m[2])
		if m[3] == "0" {
			continue // empty files have no extents in the tree model
		}
		want[m[5]] = append(want[m[5]], uint32(lba))
	}
	got := map[string][]uint32{}
	var walk func(n *tree.Node, p string)
	walk = func(n *tree.Node, p string) {
		for _, e := range n.Extents {
			got[p] = append(got[p], e.LBA)
		}
		for _, c := range n.Children {
			walk(c, strings.TrimSuffix(p, "/")+"/"+c.Name)
		}
	}
	walk(s.Root, "/")
	if len(want) == 0 {
		t.Fatalf("xorriso reported no extents:\n%s", out)
	}
	for p, w := range want {
		if !slices.Equal(got[p], w) {
			t.Errorf("%s: extents at %v, xorriso reports %v", p, got[p], w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: extents %v not reported by xorriso", p, got[p])
		}
	}
}

var rtIsoinfoLine = regexp.MustCompile(`^(\S{10})\s+\d+\s+(\d+)\s+(\d+)\s+(\d+)\s+\w{3}\s+\d+\s+\d+\s+\[\s*(\d+)\s+\d+\]\s+(.*?)\s*$`)

// rtCheckIsoinfo compares every regular file's permissions, size and
// start LBA with `isoinfo -R -l`, keyed by start LBA and name so that
// relocated directories do not matter. (isoinfo prints neither the
// set-id bits nor owners above 255 correctly; xorriso's listing checks
// those.)
func rtCheckIsoinfo(t testing.TB, img string, s *Session) {
	t.Helper()
	out := oracle.Run(t, "isoinfo", "-R", "-l", "-T", strconv.Itoa(int(s.Start)), "-i", img)
	var want []string
	for _, l := range strings.Split(out, "\n") {
		m := rtIsoinfoLine.FindStringSubmatch(l)
		if m == nil || m[1][0] != '-' || m[4] == "0" {
			continue
		}
		want = append(want, strings.Join([]string{m[1], m[4], m[5], m[6]}, " "))
	}
	var got []string
	var walk func(n *tree.Node)
	walk = func(n *tree.Node) {
		if n.IsRegular() && n.Size > 0 {
			got = append(got, fmt.Sprintf("%s %d %d %s", rtLsMode(n.Mode.Perm()), n.Size, n.Extents[0].LBA, n.Name))
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(s.Root)
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 {
		t.Fatalf("isoinfo listed no files:\n%s", out)
	}
	rtDiff(t, "isoinfo -R -l", got, want)
}

var rtBsdtarLine = regexp.MustCompile(`^(\S{10})\s+\d+\s+(\S+)\s+(\S+)\s+(\d+)\s+\w{3}\s+\d+\s+\S+\s+(.*)$`)

// rtCheckBsdtar compares types, permissions, owners, file sizes, names
// and link targets with libarchive's reading (`bsdtar -tvf`), which
// reads the session the superblock at LBA 16 describes. Top-level
// entries named in hide are left out of the comparison.
func rtCheckBsdtar(t testing.TB, img string, s *Session, hide ...string) {
	t.Helper()
	out := oracle.Run(t, "bsdtar", "-tvf", img)
	var want, got []string
	for _, l := range strings.Split(out, "\n") {
		m := rtBsdtarLine.FindStringSubmatch(l)
		if m == nil || m[5] == "." {
			continue
		}
		if m[1][0] != '-' {
			m[4] = "0"
		}
		want = append(want, strings.Join(m[1:], " "))
	}
	var walk func(n *tree.Node, p string)
	walk = func(n *tree.Node, p string) {
		for _, c := range n.Children {
			cp := c.Name
			if p != "" {
				cp = p + "/" + c.Name
			} else if slices.Contains(hide, c.Name) {
				continue
			}
			size := int64(0)
			name := cp
			if c.IsRegular() {
				size = c.Size
			}
			if c.IsSymlink() {
				name += " -> " + c.Target
			}
			got = append(got, fmt.Sprintf("%s %d %d %d %s", rtLsMode(c.Mode), c.UID, c.GID, size, name))
			walk(c, cp)
		}
	}
	walk(s.Root, "")
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 {
		t.Fatalf("bsdtar listed nothing:\n%s", out)
	}
	rtDiff(t, "bsdtar -tv", got, want)
}

// rtCheckSevenZip compares paths, kinds and file sizes with 7-Zip's
// listing (`7z l -slt`), which reads the Joliet tree when there is one.
func rtCheckSevenZip(t testing.TB, img string, s *Session) {
	t.Helper()
	out := oracle.Run(t, "7z", "l", "-slt", img)
	var want, got []string
	var cur []string
	flush := func() {
		if len(cur) == 3 {
			want = append(want, strings.Join(cur, " "))
		}
		cur = nil
	}
	_, body, _ := strings.Cut(out, "----------")
	for _, l := range strings.Split(body, "\n") {
		k, v, ok := strings.Cut(l, " = ")
		switch {
		case !ok:
		case k == "Path":
			flush()
			cur = []string{v}
		case k == "Folder" && len(cur) == 1:
			cur = append(cur, v)
		case k == "Size" && len(cur) == 2:
			if cur[1] == "+" {
				v = "0"
			}
			cur = append(cur, v)
		}
	}
	flush()
	var walk func(n *tree.Node, p string)
	walk = func(n *tree.Node, p string) {
		for _, c := range n.Children {
			cp := c.Name
			if p != "" {
				cp = p + "/" + c.Name
			}
			kind := "-"
			if c.IsDir() {
				kind = "+"
			}
			got = append(got, fmt.Sprintf("%s %s %d", cp, kind, c.Size))
			walk(c, cp)
		}
	}
	walk(s.Root, "")
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 {
		t.Fatalf("7z listed nothing:\n%s", out)
	}
	rtDiff(t, "7z l -slt", got, want)
}

// rtCheckSource compares a Rock Ridge session with the source tree it was
// made from, as the operating system reports it: types, permissions,
// owners, modification times to the second, sizes, link targets and
// contents.
func rtCheckSource(t testing.TB, s *Session, src string) {
	t.Helper()
	fsys := s.FS().(fs.ReadLinkFS)
	err := filepath.WalkDir(src, func(host string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, host)
		p := filepath.ToSlash(rel)
		want, err := os.Lstat(host)
		if err != nil {
			return err
		}
		got, err := fsys.Lstat(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		n := got.Sys().(*tree.Node)
		uid, gid := rtOwner(want)
		if got.Mode() != want.Mode() || n.UID != uid || n.GID != gid {
			t.Errorf("%s: mode %v uid %d gid %d, source has %v %d %d", p, got.Mode(), n.UID, n.GID, want.Mode(), uid, gid)
		}
		if p != "." && !got.ModTime().Equal(want.ModTime().Truncate(time.Second)) {
			t.Errorf("%s: mtime %v, source has %v", p, got.ModTime(), want.ModTime())
		}
		switch {
		case want.Mode().IsRegular():
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			w, err := os.ReadFile(host)
			if err != nil {
				return err
			}
			if !bytes.Equal(b, w) || got.Size() != want.Size() {
				t.Errorf("%s: contents differ from the source (size %d, want %d)", p, got.Size(), want.Size())
			}
		case want.Mode()&fs.ModeSymlink != 0:
			w, _ := os.Readlink(host)
			if n.Target != w {
				t.Errorf("%s: target %q, source has %q", p, n.Target, w)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rtRead reads the session at lba of img and checks it with fstest.
func rtRead(t testing.TB, img string, lba uint32) *Session {
	t.Helper()
	f, sectors := rtOpen(t, img)
	s, err := ReadSession(f, sectors, lba)
	if err != nil {
		t.Fatalf("ReadSession(%s, %d): %v", img, lba, err)
	}
	if err := fstest.TestFS(s.FS(), rtExpected(s)...); err != nil {
		t.Errorf("fstest.TestFS on session at %d: %v", lba, err)
	}
	return s
}

// rtExpected lists every path of the tree except the root.
func rtExpected(s *Session) []string {
	var out []string
	var walk func(n *tree.Node, p string)
	walk = func(n *tree.Node, p string) {
		for _, c := range n.Children {
			cp := c.Name
			if p != "" {
				cp = p + "/" + c.Name
			}
			out = append(out, cp)
			walk(c, cp)
		}
	}
	walk(s.Root, "")
	return out
}

// rtCheckAll compares one session with every reference tool.
func rtCheckAll(t *testing.T, img string, s *Session) {
	t.Helper()
	rtDiff(t, "listing", rtListing(t, s), rtXorrisoListing(t, img, s.Start))
	rtCheckExtract(t, img, s)
	rtCheckExtents(t, img, s)
}

func TestReadImagesFromTools(t *testing.T) {
	oracle.Need(t, "xorriso", "genisoimage", "isoinfo")
	t.Setenv("TZ", "UTC")
	src := filepath.Join(t.TempDir(), "src")
	rtTree(t, src)
	dir := t.TempDir()
	cases := []struct {
		name      string
		args      []string
		start     uint32
		rr, jol   bool
		source    bool // Rock Ridge keeps everything the source has
		isoinfo   bool
		firstName string
	}{
		{"genisoimage-RJ", []string{"genisoimage", "-quiet", "-R", "-J", "-o", "IMG", src}, 0, true, true, true, true, ""},
		{"genisoimage-J", []string{"genisoimage", "-quiet", "-J", "-o", "IMG", src}, 0, false, true, false, false, "Mixed Case Name.txt"},
		{"genisoimage-plain", []string{"genisoimage", "-quiet", "-o", "IMG", src}, 0, false, false, false, false, "ODD.BIN"},
		{"xorriso-joliet", []string{"xorriso", "-outdev", "IMG", "-joliet", "on", "-map", src, "/"}, 32, true, true, true, true, ""},
		{"xorriso-nojoliet", []string{"xorriso", "-outdev", "IMG", "-map", src, "/"}, 32, true, false, true, true, ""},
		{"xorriso-for-backup", []string{"xorriso", "-for_backup", "-outdev", "IMG", "-map", src, "/"}, 32, true, false, true, true, ""},
		{"xorriso-no-rr", []string{"xorriso", "-outdev", "IMG", "-rockridge", "off", "-map", src, "/"}, 32, false, false, false, false, "MIXED_CASE_NAME.TXT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img := filepath.Join(dir, c.name+".iso")
			args := slices.Clone(c.args[1:])
			for i := range args {
				if args[i] == "IMG" {
					args[i] = img
				}
			}
			oracle.Run(t, c.args[0], args...)
			s := rtRead(t, img, c.start)
			if s.RockRidge != c.rr || s.Joliet != c.jol {
				t.Errorf("RockRidge %v Joliet %v, want %v %v", s.RockRidge, s.Joliet, c.rr, c.jol)
			}
			if c.firstName != "" && s.Root.Child(c.firstName) == nil {
				t.Errorf("no %q in the root", c.firstName)
			}
			rtCheckAll(t, img, s)
			if c.source {
				rtCheckSource(t, s, src)
			}
			if c.isoinfo {
				rtCheckIsoinfo(t, img, s)
			}
			if c.jol && !c.rr {
				oracle.Need(t, "7z")
				rtCheckSevenZip(t, img, s)
			}
			if c.rr {
				oracle.Need(t, "bsdtar")
				rtCheckBsdtar(t, img, s)
			}
			f, sectors := rtOpen(t, img)
			list, err := ListSessions(f, sectors)
			if err != nil || len(list) != 1 || list[0].Start != c.start || list[0].Size != s.Size {
				t.Errorf("ListSessions = %+v, %v; want one session at %d of %d sectors", list, err, c.start, s.Size)
			}
			rtCheckToc(t, img, list)
		})
	}
}

var rtTocLine = regexp.MustCompile(`ISO session\s*:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)s\s*,\s*(.*)$`)

// rtCheckToc compares ListSessions with `xorriso -toc`.
func rtCheckToc(t testing.TB, img string, got []tree.SessionInfo) {
	t.Helper()
	out := oracle.Run(t, "xorriso", "-indev", img, "-toc")
	var want, have []string
	for _, l := range strings.Split(out, "\n") {
		if m := rtTocLine.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			want = append(want, fmt.Sprintf("%s %s %s %s", m[1], m[2], m[3], strings.TrimSpace(m[4])))
		}
	}
	for _, s := range got {
		have = append(have, fmt.Sprintf("%d %d %d %s", s.Number, s.Start, s.Size, s.VolumeID))
	}
	if !slices.Equal(have, want) {
		t.Errorf("ListSessions gives %q, xorriso -toc %q", have, want)
	}
}

func TestReadDeepTreeRelocated(t *testing.T) {
	oracle.Need(t, "xorriso", "genisoimage", "isoinfo", "bsdtar")
	t.Setenv("TZ", "UTC")
	src := filepath.Join(t.TempDir(), "src")
	p := src
	for i := 1; i <= 12; i++ {
		p = filepath.Join(p, fmt.Sprintf("level%02d", i))
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(p, "leaf.txt"), filepath.Join(src, "level01", "level02", "level03", "level04", "level05", "level06", "level07", "level08", "mid.txt")} {
		if err := os.WriteFile(f, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name  string
		args  []string
		start uint32
	}{
		{"genisoimage", []string{"genisoimage", "-quiet", "-R", "-J", "-o", "IMG", src}, 0},
		{"xorriso", []string{"xorriso", "-outdev", "IMG", "-compliance", "deep_paths_off", "-map", src, "/"}, 32},
		{"xorriso-named", []string{"xorriso", "-outdev", "IMG", "-compliance", "deep_paths_off", "-rr_reloc_dir", "rr_moved", "-map", src, "/"}, 32},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := filepath.Join(dir, c.name+".iso")
			args := slices.Clone(c.args[1:])
			for i := range args {
				if args[i] == "IMG" {
					args[i] = img
				}
			}
			oracle.Run(t, c.args[0], args...)
			// Only ISO 9660 names show whether relocation happened.
			plain := oracle.Run(t, "isoinfo", "-l", "-i", img)
			if strings.Contains(plain, "LEVEL07/LEVEL08") || !strings.Contains(plain, "LEVEL08/") {
				t.Fatalf("image has no relocation directory:\n%s", plain)
			}
			s := rtRead(t, img, c.start)
			rtCheckAll(t, img, s)
			rtCheckSource(t, s, src)
			if c.name == "genisoimage" {
				// libarchive hides the emptied relocation directory that
				// xorriso shows (and so do we); it rejects the RE entries
				// of libisofs' relocated directories altogether.
				rtCheckBsdtar(t, img, s, "rr_moved")
			}
			if _, err := fs.Stat(s.FS(), strings.TrimPrefix(filepath.ToSlash(strings.TrimPrefix(p, src)), "/")+"/leaf.txt"); err != nil {
				t.Errorf("leaf not at its original place: %v", err)
			}
		})
	}
}

func TestReadMultisession(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	t.Setenv("TZ", "UTC")
	src := filepath.Join(t.TempDir(), "src")
	rtTree(t, src)
	img := filepath.Join(t.TempDir(), "grown.iso")
	commit := func(extra ...string) {
		args := append([]string{"-abort_on", "FAILURE", "-dev", img}, extra...)
		oracle.Run(t, "xorriso", append(args, "-map", src, "/", "-commit")...)
	}
	commit()
	if err := os.WriteFile(filepath.Join(src, "added in 2"), []byte("second session"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(src, "one")); err != nil {
		t.Fatal(err)
	}
	commit("-rm", "/one", "--")
	stale := make([]byte, 32*tree.SectorSize)
	if fi, err := os.Open(img); err != nil {
		t.Fatal(err)
	} else {
		_, err = io.ReadFull(fi, stale)
		fi.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "sub", "inner.txt"), bytes.Repeat([]byte("changed "), 999), 0o644); err != nil {
		t.Fatal(err)
	}
	commit("-for_backup")

	f, sectors := rtOpen(t, img)
	list, err := ListSessions(f, sectors)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("ListSessions found %d sessions: %+v", len(list), list)
	}
	rtCheckToc(t, img, list)
	for _, si := range list {
		t.Run(fmt.Sprint("session", si.Number), func(t *testing.T) {
			s := rtRead(t, img, si.Start)
			if s.Size != si.Size || s.Start != si.Start || s.VolumeID != si.VolumeID {
				t.Errorf("session %+v, list says %+v", s, si)
			}
			rtCheckAll(t, img, s)
			rtCheckIsoinfo(t, img, s)
			has := s.Root.Child("added in 2") != nil
			if has != (si.Number >= 2) {
				t.Errorf("session %d: file of session 2 present: %v", si.Number, has)
			}
		})
	}
	rtCheckSource(t, rtRead(t, img, list[2].Start), src)

	// A torn superblock at LBA 16: the chain is still found from LBA 32.
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	for i := 16 * tree.SectorSize; i < 32*tree.SectorSize; i++ {
		b[i] = 0xA5
	}
	torn, err := ListSessions(bytes.NewReader(b), int64(len(b)/tree.SectorSize))
	if err != nil || !slices.Equal(torn, list) {
		t.Errorf("torn superblock: ListSessions = %+v, %v; want %+v", torn, err, list)
	}

	// A stale superblock (that of session 2): xorriso lists sessions up
	// to the one it describes, and so does ListSessions.
	copy(b, stale)
	staleImg := filepath.Join(t.TempDir(), "stale.iso")
	if err := os.WriteFile(staleImg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ListSessions(bytes.NewReader(b), int64(len(b)/tree.SectorSize))
	if err != nil || !slices.Equal(got, list[:2]) {
		t.Errorf("stale superblock: ListSessions = %+v, %v; want %+v", got, err, list[:2])
	}
	rtCheckToc(t, staleImg, got)
}

// TestReadWriteOnceLayout reads a second session laid out the way
// genisoimage -M -C lays it out for write-once media: no chain, the
// session found by its LBA, its files of session 1 referenced there.
func TestReadWriteOnceLayout(t *testing.T) {
	oracle.Need(t, "genisoimage", "xorriso", "isoinfo")
	t.Setenv("TZ", "UTC")
	src := filepath.Join(t.TempDir(), "src")
	rtTree(t, src)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.iso")
	oracle.Run(t, "genisoimage", "-quiet", "-R", "-J", "-o", whole, src)
	b, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	nwa := (len(b)/tree.SectorSize + 15) / 16 * 16
	if err := os.WriteFile(filepath.Join(src, "second.txt"), []byte("session two"), 0o644); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(dir, "part.iso")
	oracle.Run(t, "genisoimage", "-quiet", "-R", "-J", "-M", whole, "-C", fmt.Sprintf("0,%d", nwa), "-o", part, src)
	p, err := os.ReadFile(part)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, make([]byte, nwa*tree.SectorSize-len(b))...)
	b = append(b, p...)
	if err := os.WriteFile(whole, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s := rtRead(t, whole, uint32(nwa))
	if s.Root.Child("second.txt") == nil || s.Root.Child("big.dat") == nil {
		t.Fatalf("second session lacks old or new files: %v", rtExpected(s))
	}
	if lba := s.Root.Child("big.dat").Extents[0].LBA; int(lba) >= nwa {
		t.Errorf("big.dat at LBA %d: not the copy of session 1 below %d", lba, nwa)
	}
	rtCheckAll(t, whole, s)
	rtCheckIsoinfo(t, whole, s)
	rtCheckSource(t, s, src)
}

func TestReadMultiExtentFile(t *testing.T) {
	oracle.Need(t, "xorriso")
	t.Setenv("TZ", "UTC")
	src := filepath.Join(t.TempDir(), "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	const size = 4<<30 + 512<<20 // 4.5 GiB, sparse
	big := filepath.Join(src, "big.img")
	fb, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	marks := []int64{0, 4<<30 - 2049, 4<<30 - 2048, 4 << 30, size - 1}
	for i, off := range marks {
		if _, err := fb.WriteAt([]byte{byte(0x40 + i)}, off); err != nil {
			t.Fatal(err)
		}
	}
	if err := fb.Truncate(size); err != nil {
		t.Fatal(err)
	}
	fb.Close()
	if err := os.WriteFile(filepath.Join(src, "small"), []byte("after the big one"), 0o644); err != nil {
		t.Fatal(err)
	}
	// xorriso writes the zeros; copy its output into a sparse image.
	img := filepath.Join(t.TempDir(), "big.iso")
	rtSparseImage(t, img, "xorriso", "-as", "mkisofs", "-R", "-iso-level", "3", "-o", "-", src)
	defer os.Remove(img)
	if st, err := os.Stat(img); err != nil {
		t.Fatal(err)
	} else if used := rtDiskUsage(st); used > 64<<20 {
		t.Errorf("image of %d bytes uses %d bytes of disk: not sparse", st.Size(), used)
	} else {
		t.Logf("image of %d bytes uses %d bytes of disk", st.Size(), used)
	}

	// No fstest here: it reads the 4.5 GiB file in tiny pieces, many times.
	fimg, sectors := rtOpen(t, img)
	s, err := ReadSession(fimg, sectors, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := s.Root.Child("big.img")
	if n == nil || n.Size != size || len(n.Extents) < 2 {
		t.Fatalf("big.img: %+v", n)
	}
	rtDiff(t, "listing", rtListing(t, s), rtXorrisoListing(t, img, 0))
	rtCheckExtents(t, img, s)
	f, err := s.FS().Open("big.img")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, off := range marks {
		b := make([]byte, 1)
		if m, err := f.(io.ReaderAt).ReadAt(b, off); m != 1 || b[0] != byte(0x40+i) || (err != nil && !(err == io.EOF && off == size-1)) {
			t.Errorf("ReadAt(%d) = %d, %v, byte %#x; want %#x", off, m, err, b[0], 0x40+i)
		}
	}
	// A read across the boundary between the first two extents.
	first := int64(n.Extents[0].Length)
	b := make([]byte, 4096)
	if m, err := f.(io.ReaderAt).ReadAt(b, first-2048); m != len(b) || err != nil {
		t.Errorf("ReadAt across extents: %d, %v", m, err)
	}
	// The bytes across the extent boundary equal what xorriso extracts.
	if _, err := f.(io.Seeker).Seek(-10, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	tail, err := io.ReadAll(f)
	if err != nil || len(tail) != 10 || tail[9] != byte(0x40+len(marks)-1) {
		t.Errorf("tail %x %v", tail, err)
	}
}

// rtSparseImage runs a tool that writes an image to standard output and
// stores it in path, leaving all-zero sectors as holes.
func rtSparseImage(t testing.TB, path, name string, args ...string) {
	t.Helper()
	oracle.Need(t, name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := rtCommand(name, args...)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	zero := make([]byte, len(buf))
	var off int64
	for {
		n, err := io.ReadFull(pipe, buf)
		if n > 0 {
			if !bytes.Equal(buf[:n], zero[:n]) {
				if _, err := out.WriteAt(buf[:n], off); err != nil {
					t.Fatal(err)
				}
			}
			off += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	if err := out.Truncate(off); err != nil {
		t.Fatal(err)
	}
}

func TestReadFixtures(t *testing.T) {
	matches, err := filepath.Glob(filepath.Join("testdata", "read", "*.iso.gz"))
	if err != nil || len(matches) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, m := range matches {
		name := strings.TrimSuffix(filepath.Base(m), ".iso.gz")
		t.Run(name, func(t *testing.T) {
			img := rtGunzip(t, m)
			r := bytes.NewReader(img)
			sectors := int64(len(img) / tree.SectorSize)
			list, err := ListSessions(r, sectors)
			if err != nil {
				t.Fatal(err)
			}
			golden, err := os.ReadFile(filepath.Join("testdata", "read", name+".toc"))
			if err != nil {
				t.Fatal(err)
			}
			var have []string
			for _, s := range list {
				have = append(have, fmt.Sprintf("%d %d %d %s", s.Number, s.Start, s.Size, s.VolumeID))
			}
			var want []string
			for _, l := range strings.Split(string(golden), "\n") {
				if m := rtTocLine.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
					want = append(want, fmt.Sprintf("%s %s %s %s", m[1], m[2], m[3], strings.TrimSpace(m[4])))
				}
			}
			if !slices.Equal(have, want) {
				t.Errorf("sessions %q, xorriso -toc said %q", have, want)
			}
			for _, si := range list {
				s, err := ReadSession(r, sectors, si.Start)
				if err != nil {
					t.Fatalf("session %d: %v", si.Number, err)
				}
				if err := fstest.TestFS(s.FS(), rtExpected(s)...); err != nil {
					t.Errorf("session %d: fstest: %v", si.Number, err)
				}
				g, err := os.ReadFile(filepath.Join("testdata", "read", fmt.Sprintf("%s.s%d.lsdl", name, si.Number)))
				if err != nil {
					t.Fatal(err)
				}
				rtDiff(t, fmt.Sprintf("session %d listing", si.Number), rtListing(t, s), rtNormalizeLsdl(t, string(g)))
				gm, err := os.ReadFile(filepath.Join("testdata", "read", fmt.Sprintf("%s.s%d.md5", name, si.Number)))
				if err != nil {
					t.Fatal(err)
				}
				rtDiff(t, fmt.Sprintf("session %d md5", si.Number), rtMD5s(t, s), rtParseMD5(string(gm)))
			}
		})
	}
}

// rtMD5s lists "md5  ./path" for every regular file, as md5sum prints it.
func rtMD5s(t testing.TB, s *Session) []string {
	t.Helper()
	var out []string
	fsys := s.FS()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%x  ./%s", md5.Sum(b), p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func rtParseMD5(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// rtFixture returns a fixture image's bytes.
func rtFixture(t testing.TB, name string) []byte {
	t.Helper()
	return rtGunzip(t, filepath.Join("testdata", "read", name+".iso.gz"))
}

// rtWantCorrupt fails unless err wraps ErrCorrupt.
func rtWantCorrupt(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("%s: got %v, want an error wrapping ErrCorrupt", what, err)
	} else {
		t.Logf("%s: %v", what, err)
	}
}
