//go:build linux

package fs

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// linkedTree makes a folder holding one file under three names (a, b,
// d/c), an empty file under two (e1, e2), and a plain file.
func linkedTree(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"a": "three names\n", "e1": "", "plain": "one name\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range [][2]string{{"a", "b"}, {"a", "d/c"}, {"e1", "e2"}} {
		if err := os.Link(filepath.Join(dir, l[0]), filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
}

func lstat(t *testing.T, p string) *syscall.Stat_t {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

// checkLinked checks that a, b and d/c under dir are one file with three
// names, e1 and e2 one with two, and plain a file of its own.
func checkLinked(t *testing.T, dir, when string) {
	t.Helper()
	a, b, c := lstat(t, filepath.Join(dir, "a")), lstat(t, filepath.Join(dir, "b")), lstat(t, filepath.Join(dir, "d/c"))
	e1, e2, p := lstat(t, filepath.Join(dir, "e1")), lstat(t, filepath.Join(dir, "e2")), lstat(t, filepath.Join(dir, "plain"))
	if a.Ino != b.Ino || a.Ino != c.Ino || a.Nlink != 3 || c.Nlink != 3 {
		t.Errorf("%s: %s: a, b, d/c: inodes %d %d %d, links %d %d %d; want one inode, 3 links", when, dir, a.Ino, b.Ino, c.Ino, a.Nlink, b.Nlink, c.Nlink)
	}
	if e1.Ino != e2.Ino || e1.Nlink != 2 || p.Nlink != 1 || p.Ino == a.Ino || e1.Ino == a.Ino {
		t.Errorf("%s: %s: e1 %d/%d, e2 %d/%d, plain %d/%d (inode/links)", when, dir, e1.Ino, e1.Nlink, e2.Ino, e2.Nlink, p.Ino, p.Nlink)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "d/c")); err != nil || string(got) != "three names\n" {
		t.Errorf("%s: d/c reads %q, %v", when, got, err)
	}
}

var reportLBALine = regexp.MustCompile(`File data lba:\s*\d+\s*,\s*(\d+)\s*,\s*\d+\s*,\s*\d+\s*,\s*'(.*)'`)

// dataLBAs returns the data LBA of every file of a session, as xorriso
// reports them.
func dataLBAs(t *testing.T, img string, lba uint32) map[string]string {
	t.Helper()
	out := oracle.Run(t, "xorriso", "-load", "sbsector", strconv.Itoa(int(lba)), "-indev", img, "-find", "/", "-exec", "report_lba", "--")
	m := map[string]string{}
	for _, s := range reportLBALine.FindAllStringSubmatch(out, -1) {
		m[s[2]] = s[1]
	}
	return m
}

// TestHardLinks copies linked files in with cp -a and rsync -aH, links
// and renames through the mount, commits twice and reads the sessions
// back with xorriso, isoinfo, the sessions folder and a remount.
func TestHardLinks(t *testing.T) {
	oracle.Need(t, "rsync", "xorriso", "isoinfo", "cp")
	work := t.TempDir()
	src := filepath.Join(work, "src")
	linkedTree(t, src)
	img := filepath.Join(work, "disc.iso")
	f := mountImage(t, img)
	run(t, "cp", "-a", src, filepath.Join(f.mnt, "cp"))
	if err := os.Mkdir(filepath.Join(f.mnt, "rs"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "rsync", "-aH", src+"/", filepath.Join(f.mnt, "rs")+"/")
	checkLinked(t, filepath.Join(f.mnt, "cp"), "cp -a")
	checkLinked(t, filepath.Join(f.mnt, "rs"), "rsync -aH")
	if out := run(t, "rsync", "-anH", "--itemize-changes", src+"/", filepath.Join(f.mnt, "rs")+"/"); strings.TrimSpace(out) != "" {
		t.Errorf("rsync -anH --itemize-changes shows differences:\n%s", out)
	}
	if err := os.Link(filepath.Join(f.mnt, "cp"), filepath.Join(f.mnt, "dirlink")); err == nil {
		t.Error("link of a directory succeeded")
	}
	f.commitNow(t)
	checkLinked(t, filepath.Join(f.mnt, "cp"), "after the commit")
	checkLinked(t, filepath.Join(f.mnt, ControlName, "sessions", "1", "rs"), "sessions/1")
	lbas := sessions(t, img)
	if len(lbas) != 1 {
		t.Fatalf("sessions: %v", lbas)
	}
	// One extent per file, with three and two links, to xorriso and
	// isoinfo.
	d1 := dataLBAs(t, img, lbas[0])
	for _, dir := range []string{"/cp", "/rs"} {
		if a := d1[dir+"/a"]; a == "" || d1[dir+"/b"] != a || d1[dir+"/d/c"] != a || d1[dir+"/plain"] == a {
			t.Errorf("session 1 report_lba under %s: %v", dir, d1)
		}
	}
	if d1["/cp/a"] == d1["/rs/a"] {
		t.Errorf("the copies of cp and rsync share an extent: %v", d1)
	}
	ii := run(t, "isoinfo", "-R", "-l", "-i", img)
	if n := strings.Count(ii, "-rw-r--r--   3 "); n != 6 {
		t.Errorf("isoinfo -R -l: %d names with 3 links, want 6:\n%s", n, ii)
	}
	// Rename and unlink names, link anew; commit again.
	if err := os.Rename(filepath.Join(f.mnt, "cp/d/c"), filepath.Join(f.mnt, "cp/moved")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(f.mnt, "rs/b")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(f.mnt, "rs/plain"), filepath.Join(f.mnt, "plain2")); err != nil {
		t.Fatal(err)
	}
	f.commitNow(t)
	lbas = sessions(t, img)
	if len(lbas) != 2 {
		t.Fatalf("sessions: %v", lbas)
	}
	d2 := dataLBAs(t, img, lbas[1])
	if d2["/cp/a"] != d1["/cp/a"] || d2["/cp/b"] != d1["/cp/a"] || d2["/cp/moved"] != d1["/cp/a"] || d2["/rs/d/c"] != d1["/rs/a"] || d2["/plain2"] != d1["/rs/plain"] {
		t.Errorf("session 2 report_lba: %v\nsession 1: %v", d2, d1)
	}
	ii2 := run(t, "isoinfo", "-R", "-l", "-i", img)
	for _, want := range []string{"-rw-r--r--   3 ", "-rw-r--r--   2 "} {
		if !strings.Contains(ii2, want) {
			t.Errorf("isoinfo -R -l of session 2 has no %q:\n%s", want, ii2)
		}
	}
	f.unmount(t)
	f.mount(t)
	for _, p := range []string{"cp/a", "cp/b", "cp/moved"} {
		if st := lstat(t, filepath.Join(f.mnt, p)); st.Nlink != 3 || st.Ino != lstat(t, filepath.Join(f.mnt, "cp/a")).Ino {
			t.Errorf("after a remount: %s has %d links, inode %d", p, st.Nlink, st.Ino)
		}
	}
	if a, p := lstat(t, filepath.Join(f.mnt, "rs/plain")), lstat(t, filepath.Join(f.mnt, "plain2")); a.Ino != p.Ino || a.Nlink != 2 {
		t.Errorf("after a remount: rs/plain and plain2 are not one file")
	}
}

// TestSpecialFiles makes named pipes, sockets and device nodes through
// the mount with exact modes, commits, and reads them back.
func TestSpecialFiles(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "device nodes need root")
	}
	work := t.TempDir()
	img := filepath.Join(work, "disc.iso")
	f := mountImage(t, img)
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	type want struct {
		mode uint32
		rdev uint64
	}
	wants := map[string]want{
		"fifo0":  {syscall.S_IFIFO, 0},
		"fifo":   {syscall.S_IFIFO | 0o1640, 0},
		"cdev":   {syscall.S_IFCHR | 0o620, 1<<8 | 3},
		"bdev":   {syscall.S_IFBLK | 0o2640, 8<<8 | 1},
		"file0":  {syscall.S_IFREG, 0},
		"mknodf": {syscall.S_IFREG | 0o604, 0},
		"dir0":   {syscall.S_IFDIR, 0},
		"sock":   {syscall.S_IFSOCK | 0o751, 0},
	}
	for name, w := range wants {
		p := filepath.Join(f.mnt, name)
		var err error
		switch {
		case name == "file0":
			var fd int
			if fd, err = syscall.Open(p, syscall.O_CREAT|syscall.O_WRONLY, 0); err == nil {
				syscall.Close(fd)
			}
		case name == "dir0":
			err = syscall.Mkdir(p, 0)
		case name == "sock":
			var l net.Listener
			if l, err = net.Listen("unix", p); err == nil {
				l.(*net.UnixListener).SetUnlinkOnClose(false)
				l.Close()
				err = os.Chmod(p, 0o751)
			}
		default:
			err = syscall.Mknod(p, w.mode, int(w.rdev))
		}
		if err != nil {
			t.Fatalf("make %s: %v", name, err)
		}
	}
	check := func(dir, when string) {
		t.Helper()
		for name, w := range wants {
			st := lstat(t, filepath.Join(dir, name))
			if st.Mode != w.mode || st.Rdev != w.rdev {
				t.Errorf("%s: %s: mode %o rdev %#x, want %o %#x", when, name, st.Mode, st.Rdev, w.mode, w.rdev)
			}
		}
	}
	check(f.mnt, "made")
	f.commitNow(t)
	check(f.mnt, "after the commit")
	check(filepath.Join(f.mnt, ControlName, "sessions", "1"), "sessions/1")
	out := oracle.Run(t, "xorriso", "-indev", img, "-lsdl", "/*")
	for _, w := range []string{"p--------- ", "prw-r----T ", "crw--w---- ", "brw-r-S--- ", "srwxr-x--x ", " 1,3 ", " 8,1 "} {
		if !strings.Contains(out, w) {
			t.Errorf("xorriso -lsdl has no %q:\n%s", w, out)
		}
	}
	if j := run(t, "isoinfo", "-J", "-f", "-i", img); strings.Contains(j, "fifo") || strings.Contains(j, "dev") || strings.Contains(j, "sock") {
		t.Errorf("Joliet holds special files:\n%s", j)
	}
	// An append keeps them.
	if err := os.WriteFile(filepath.Join(f.mnt, "more"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.commitNow(t)
	f.unmount(t)
	f.mount(t)
	check(f.mnt, "after a second session and a remount")
}
