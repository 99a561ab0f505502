//go:build linux

package cli

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
)

// TestExtractSpecialFiles: extract makes the named pipes an image holds
// (Rock Ridge), and with --devices its device nodes, as tar does; a
// socket, a device node a user may not make, and without --devices any
// device node, is skipped with a warning naming it, the rest is
// extracted, every directory gets its mode, and the exit code is 1.
func TestExtractSpecialFiles(t *testing.T) {
	pub := publicDir(t, "discstage-special-")
	src := filepath.Join(pub, "src")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Names sort so that the special files come before later
	// directories and files.
	must(os.MkdirAll(filepath.Join(src, "a"), 0o755))
	must(os.WriteFile(filepath.Join(src, "a", "file"), []byte("a\n"), 0o644))
	must(syscall.Mkfifo(filepath.Join(src, "b-fifo"), 0o640))
	must(syscall.Mknod(filepath.Join(src, "c-null"), syscall.S_IFCHR|0o666, 1<<8|3))
	must(os.Chmod(filepath.Join(src, "c-null"), 0o666))
	must(syscall.Mknod(filepath.Join(src, "d-blk"), syscall.S_IFBLK|0o600, 7<<8|200))
	l, err := net.Listen("unix", filepath.Join(src, "e-sock"))
	must(err)
	defer l.Close()
	must(os.MkdirAll(filepath.Join(src, "f-sub", "deeper"), 0o755))
	must(os.WriteFile(filepath.Join(src, "f-sub", "deeper", "s"), []byte("s\n"), 0o644))
	must(os.Chmod(filepath.Join(src, "f-sub"), 0o751))
	img := filepath.Join(pub, "d.iso")
	mustRun(t, "master", "-o", img, src)
	os.Chmod(img, 0o644)

	extractAs := func(uid uint32, dest string, flags ...string) (string, int) {
		t.Helper()
		os.Mkdir(dest, 0o755)
		os.Chown(dest, int(uid), int(uid))
		return runAs(t, uid, append(append([]string{"extract"}, flags...), img, "/", dest)...)
	}
	check := func(what, dest string, want map[string]fs.FileMode, rdev map[string]uint64) {
		t.Helper()
		for name, m := range want {
			fi, err := os.Lstat(filepath.Join(dest, name))
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			if fi.Mode() != m {
				t.Errorf("%s: %s is %v, want %v", what, name, fi.Mode(), m)
			}
			if r, ok := rdev[name]; ok && uint64(fi.Sys().(*syscall.Stat_t).Rdev) != r {
				t.Errorf("%s: %s has device number %#x, want %#x", what, name, fi.Sys().(*syscall.Stat_t).Rdev, r)
			}
		}
	}
	common := map[string]fs.FileMode{
		"a":              fs.ModeDir | 0o755,
		"a/file":         0o644,
		"b-fifo":         fs.ModeNamedPipe | 0o640,
		"f-sub":          fs.ModeDir | 0o751,
		"f-sub/deeper":   fs.ModeDir | 0o755,
		"f-sub/deeper/s": 0o644,
	}

	asRoot := filepath.Join(pub, "root")
	out, code := extractAs(0, asRoot, "--devices")
	if code != exitcodes.Other || !strings.Contains(out, "/e-sock") || strings.Contains(out, "c-null") || strings.Contains(out, "d-blk") {
		t.Errorf("extract as root: exit %d, want %d with a warning naming /e-sock only:\n%s", code, exitcodes.Other, out)
	}
	check("root", asRoot, common, nil)
	check("root", asRoot, map[string]fs.FileMode{
		"c-null": fs.ModeDevice | fs.ModeCharDevice | 0o666,
		"d-blk":  fs.ModeDevice | 0o600,
	}, map[string]uint64{"c-null": 1<<8 | 3, "d-blk": 7<<8 | 200})
	if _, err := os.Lstat(filepath.Join(asRoot, "e-sock")); err == nil {
		t.Errorf("extract as root made the socket")
	}

	// Files of the user's where entries are skipped stay.
	asUser := filepath.Join(pub, "user")
	must(os.Mkdir(asUser, 0o755))
	for _, name := range []string{"c-null", "d-blk", "e-sock"} {
		must(os.WriteFile(filepath.Join(asUser, name), []byte("mine\n"), 0o644))
	}
	out, code = extractAs(65534, asUser, "--devices")
	if code != exitcodes.Other || !strings.Contains(out, "/c-null") || !strings.Contains(out, "/d-blk") || !strings.Contains(out, "/e-sock") {
		t.Errorf("extract as a user: exit %d, want %d with warnings naming /c-null, /d-blk and /e-sock:\n%s", code, exitcodes.Other, out)
	}
	check("user", asUser, common, nil)
	for _, name := range []string{"c-null", "d-blk", "e-sock"} {
		if b, err := os.ReadFile(filepath.Join(asUser, name)); err != nil || string(b) != "mine\n" {
			t.Errorf("extract as a user skipped %s but did not leave the file there: %q, %v", name, b, err)
		}
	}

	// Without --devices, root makes no device node either.
	noDev := filepath.Join(pub, "nodev")
	out, code = extractAs(0, noDev)
	if code != exitcodes.Other || !strings.Contains(out, "/c-null") || !strings.Contains(out, "/d-blk") || !strings.Contains(out, "--devices") {
		t.Errorf("extract as root without --devices: exit %d, want %d with warnings naming /c-null and /d-blk and --devices:\n%s", code, exitcodes.Other, out)
	}
	check("root without --devices", noDev, common, nil)
	for _, name := range []string{"c-null", "d-blk"} {
		if _, err := os.Lstat(filepath.Join(noDev, name)); err == nil {
			t.Errorf("extract as root without --devices made %s", name)
		}
	}
}

// TestExtractLongNamedPipe: a named pipe whose name is as long as a
// name may be is made (under a short temporary name first), and what
// follows it is extracted too.
func TestExtractLongNamedPipe(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	os.MkdirAll(src, 0o755)
	long := strings.Repeat("p", 250)
	if err := syscall.Mkfifo(filepath.Join(src, long), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "z"), []byte("z\n"), 0o644)
	img := filepath.Join(t.TempDir(), "d.iso")
	mustRun(t, "master", "-o", img, src)
	dest := filepath.Join(t.TempDir(), "out")
	if out, code := run(t, "extract", img, "/", dest); code != 0 {
		t.Fatalf("extract: exit %d\n%s", code, out)
	}
	if fi, err := os.Lstat(filepath.Join(dest, long)); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the long-named pipe: %v, %v", fi, err)
	}
	if b, err := os.ReadFile(filepath.Join(dest, "z")); err != nil || string(b) != "z\n" {
		t.Errorf("z after it: %q, %v", b, err)
	}
}

// TestExtractGoesOnPastADirectoryInTheWay: where DEST holds a directory
// at the name of a file of the disc, that file is skipped with a warning
// naming it, the directory is kept, and the rest is extracted (exit 1),
// as cp -r goes on.
func TestExtractGoesOnPastADirectoryInTheWay(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "src")
	write(t, filepath.Join(src, "dir", "a.txt"), "a")
	write(t, filepath.Join(src, "dir", "b.txt"), "b")
	write(t, filepath.Join(src, "dir", "sub", "c.txt"), "c")
	img := filepath.Join(work, "d.iso")
	clitest.Must(t, "append", "--progress", "none", img, src)
	dest := filepath.Join(work, "out")
	if err := os.MkdirAll(filepath.Join(dest, "dir", "a.txt", "mine"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := clitest.Run(t, []string{"extract", img, "/dir", dest})
	if r.Code != exitcodes.Other || !strings.Contains(r.Stderr, "/dir/a.txt") {
		t.Errorf("extract with a directory in the way: exit %d, want %d naming /dir/a.txt\n%s", r.Code, exitcodes.Other, r.Output())
	}
	if _, err := os.Stat(filepath.Join(dest, "dir", "a.txt", "mine")); err != nil {
		t.Errorf("the directory in the way: %v", err)
	}
	for p, want := range map[string]string{"b.txt": "b", "sub/c.txt": "c"} {
		if b, err := os.ReadFile(filepath.Join(dest, "dir", p)); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", p, b, err, want)
		}
	}
}
