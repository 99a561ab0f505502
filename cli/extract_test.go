//go:build linux

package cli

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"golang.org/x/sys/unix"
)

// xorrisoImage writes an image with xorriso (not with discstage): one
// session per source folder, each session's tree equal to its folder.
func xorrisoImage(t *testing.T, img string, sessions ...string) {
	t.Helper()
	for i, src := range sessions {
		if i == 0 {
			oracle.Run(t, "xorriso", "-outdev", img, "-map", src, "/", "-commit")
			continue
		}
		oracle.Run(t, "xorriso", "-dev", img, "-rm_r", "/*", "--", "-map", src, "/", "-commit")
	}
}

// TestExtractStaysInDest: nothing outside DEST is created, written or
// changed, whatever links DEST or the disc holds.
func TestExtractStaysInDest(t *testing.T) {
	oracle.Need(t, "xorriso")
	tmp := t.TempDir()
	outside, elsewhere := filepath.Join(tmp, "outside"), filepath.Join(tmp, "elsewhere")
	os.Mkdir(elsewhere, 0o700)
	s1, s2 := filepath.Join(tmp, "s1"), filepath.Join(tmp, "s2")
	os.MkdirAll(s1, 0o755)
	os.MkdirAll(filepath.Join(s2, "evil"), 0o755)
	if err := os.Symlink(outside, filepath.Join(s1, "evil")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(s2, "evil", "planted"), []byte("p\n"), 0o644)
	img := filepath.Join(tmp, "d.iso")
	xorrisoImage(t, img, s1, s2)

	untouched := func(what string) {
		t.Helper()
		if _, err := os.Lstat(outside); err == nil {
			t.Errorf("%s: %s was created", what, outside)
		}
		fi, err := os.Stat(elsewhere)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %s is now %v (%v), want drwx------", what, elsewhere, fi.Mode(), err)
		}
		if des, _ := os.ReadDir(elsewhere); len(des) != 0 {
			t.Errorf("%s: %s holds %v", what, elsewhere, des)
		}
	}
	isDirWithPlanted := func(what, dir string) {
		t.Helper()
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() {
			t.Errorf("%s: %s is %v (%v), want a directory", what, dir, fi, err)
			return
		}
		if b, err := os.ReadFile(filepath.Join(dir, "planted")); err != nil || string(b) != "p\n" {
			t.Errorf("%s: planted = %q, %v", what, b, err)
		}
	}

	// DEST/evil -> elsewhere, and the disc has evil/planted.
	d1 := filepath.Join(tmp, "d1")
	os.Mkdir(d1, 0o755)
	os.Symlink(elsewhere, filepath.Join(d1, "evil"))
	mustRun(t, "extract", img, "/", d1)
	untouched("a link in DEST")
	isDirWithPlanted("a link in DEST", filepath.Join(d1, "evil"))

	// Session 1's evil -> outside, then session 2's evil/planted, into
	// one DEST; and the same with PATH /evil.
	for _, p := range []string{"/", "/evil"} {
		d2 := filepath.Join(tmp, "d2"+strings.ReplaceAll(p, "/", "_"))
		os.Mkdir(d2, 0o755)
		mustRun(t, "extract", "--session", "1", img, p, d2)
		if target, err := os.Readlink(filepath.Join(d2, "evil")); err != nil || target != outside {
			t.Errorf("session 1's link extracted as %q, %v; want a link to %s", target, err, outside)
		}
		mustRun(t, "extract", "--session", "2", img, p, d2)
		untouched("two sessions into one DEST, PATH " + p)
		isDirWithPlanted("two sessions into one DEST, PATH "+p, filepath.Join(d2, "evil"))
	}

	// A single file onto a DEST that is a link: the link is replaced.
	victim := filepath.Join(tmp, "victim")
	os.WriteFile(victim, []byte("secret"), 0o644)
	link := filepath.Join(tmp, "link")
	os.Symlink(victim, link)
	mustRun(t, "extract", img, "/evil/planted", link)
	if b, _ := os.ReadFile(victim); string(b) != "secret" {
		t.Errorf("extract onto a link wrote through it: victim = %q", b)
	}
	if fi, err := os.Lstat(link); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("extract onto a link: %s is %v, %v; want the file", link, fi, err)
	}
	dangling := filepath.Join(tmp, "dangling")
	os.Symlink(outside, dangling)
	mustRun(t, "extract", img, "/evil/planted", dangling)
	untouched("a single file onto a dangling link")
}

// TestExtractLikeCp: PATH goes into an existing DEST directory, or
// becomes DEST; "-" writes one file to standard output.
func TestExtractLikeCp(t *testing.T) {
	oracle.Need(t, "xorriso")
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	os.MkdirAll(filepath.Join(src, "dir", "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "dir", "sub", "f"), []byte("f\n"), 0o644)
	img := filepath.Join(tmp, "d.iso")
	xorrisoImage(t, img, src)

	existing := filepath.Join(tmp, "existing")
	os.Mkdir(existing, 0o755)
	mustRun(t, "extract", img, "/dir", existing)
	if b, err := os.ReadFile(filepath.Join(existing, "dir", "sub", "f")); err != nil || string(b) != "f\n" {
		t.Errorf("extract /dir into an existing directory: %q, %v; want DEST/dir/sub/f", b, err)
	}
	fresh := filepath.Join(tmp, "fresh")
	mustRun(t, "extract", img, "/dir", fresh)
	if b, err := os.ReadFile(filepath.Join(fresh, "sub", "f")); err != nil || string(b) != "f\n" {
		t.Errorf("extract /dir to a new DEST: %q, %v; want DEST/sub/f", b, err)
	}
	if out := mustRun(t, "extract", img, "/dir/sub/f", "-"); out != "f\n" {
		t.Errorf("extract to -: %q", out)
	}
	if out, code := run(t, "extract", img, "/dir", "-"); code != exitcodes.Usage || !strings.Contains(out, "standard output") {
		t.Errorf("extract of a directory to -: exit %d\n%s", code, out)
	}
	file := filepath.Join(tmp, "file")
	os.WriteFile(file, nil, 0o644)
	if out, code := run(t, "extract", img, "/dir", file); code == 0 || !strings.Contains(out, "not a directory") {
		t.Errorf("extract of a directory onto a file: exit %d\n%s", code, out)
	}
}

// TestExtractModes: root keeps the disc's modes, other users get them
// less their umask; sticky bits stay; setuid and setgid only for root
// with --same-permissions.
func TestExtractModes(t *testing.T) {
	oracle.Need(t, "xorriso")
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "acting as a second user needs root")
	}
	pub, err := os.MkdirTemp("", "discstage-extract-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(pub)
	os.Chmod(pub, 0o755)
	os.Chmod(filepath.Dir(binary), 0o755)
	src := filepath.Join(pub, "src")
	files := map[string]fs.FileMode{
		"open":   0o666,
		"suid":   0o755 | fs.ModeSetuid,
		"stfile": 0o775 | fs.ModeSticky,
		"sticky": 0o777 | fs.ModeDir | fs.ModeSticky,
		"sgid":   0o755 | fs.ModeDir | fs.ModeSetgid,
		"priv":   0o700 | fs.ModeDir,
	}
	for name, m := range files {
		p := filepath.Join(src, name)
		if m.IsDir() {
			os.MkdirAll(p, 0o755)
		} else {
			os.MkdirAll(src, 0o755)
			os.WriteFile(p, []byte(name), 0o644)
		}
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(pub, "d.iso")
	xorrisoImage(t, img, src)
	os.Chmod(img, 0o644)

	extractAs := func(uid uint32, dest string, args ...string) {
		t.Helper()
		os.Mkdir(dest, 0o755)
		os.Chown(dest, int(uid), int(uid))
		cmd := exec.Command("sh", "-c", `umask 077; exec "$@"`, "sh", binary, "extract")
		cmd.Args = append(cmd.Args, args...)
		cmd.Args = append(cmd.Args, img, "/", dest)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		cmd.Dir = "/"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("extract as %d: %v\n%s", uid, err, out)
		}
	}
	check := func(what, dest string, want map[string]fs.FileMode) {
		t.Helper()
		for name, m := range want {
			fi, err := os.Lstat(filepath.Join(dest, name))
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			if got := fi.Mode(); got != m {
				t.Errorf("%s: %s is %v, want %v", what, name, fi.Mode(), m)
			}
		}
	}
	asRoot := filepath.Join(pub, "root")
	extractAs(0, asRoot)
	check("root, umask 077", asRoot, map[string]fs.FileMode{
		"stfile": 0o775 | fs.ModeSticky,
		"open":   0o666,
		"suid":   0o755,
		"sticky": 0o777 | fs.ModeDir | fs.ModeSticky,
		"sgid":   0o755 | fs.ModeDir,
		"priv":   0o700 | fs.ModeDir,
	})
	asRootP := filepath.Join(pub, "rootp")
	extractAs(0, asRootP, "--same-permissions")
	check("root --same-permissions", asRootP, files)
	asUser := filepath.Join(pub, "user")
	extractAs(65534, asUser)
	check("user, umask 077", asUser, map[string]fs.FileMode{
		"stfile": 0o700 | fs.ModeSticky,
		"open":   0o600,
		"suid":   0o700,
		"sticky": 0o700 | fs.ModeDir | fs.ModeSticky,
		"sgid":   0o700 | fs.ModeDir,
		"priv":   0o700 | fs.ModeDir,
	})
	asUserP := filepath.Join(pub, "userp")
	extractAs(65534, asUserP, "-p")
	check("user -p", asUserP, map[string]fs.FileMode{
		"stfile": 0o775 | fs.ModeSticky,
		"open":   0o666,
		"suid":   0o755,
		"sticky": 0o777 | fs.ModeDir | fs.ModeSticky,
		"sgid":   0o755 | fs.ModeDir,
	})
}

// TestExtractChecksFileMD5s: a file whose bytes on the disc no longer
// match the MD5 the session recorded for it is extracted as read, with
// a warning naming it, and the command exits as verify does for a bad
// session; the other files come out whole. To standard output too.
func TestExtractChecksFileMD5s(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "src")
	os.MkdirAll(src, 0o755)
	marker := []byte("THE-DAMAGED-FILE-STARTS-HERE")
	bad := append(append([]byte{}, marker...), []byte(strings.Repeat("payload ", 2000))...)
	os.WriteFile(filepath.Join(src, "bad.bin"), bad, 0o644)
	os.WriteFile(filepath.Join(src, "good.txt"), []byte("good\n"), 0o644)
	img := filepath.Join(work, "d.iso")
	if out, code := run(t, "append", img, src); code != 0 {
		t.Fatalf("append: exit %d\n%s", code, out)
	}
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), string(marker))
	if i < 0 {
		t.Fatal("the file's bytes are not in the image")
	}
	b[i+len(marker)+100] ^= 0xff // one byte of the file's data goes bad
	if err := os.WriteFile(img, b, 0o644); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(work, "out")
	os.Mkdir(dest, 0o755)
	out, code := run(t, "extract", img, "/", dest)
	if code != exitcodes.VerifyFailed || !strings.Contains(out, "/bad.bin") || !strings.Contains(out, "MD5") {
		t.Errorf("extract of a session with a damaged file: exit %d, want %d naming it\n%s", code, exitcodes.VerifyFailed, out)
	}
	if got, err := os.ReadFile(filepath.Join(dest, "good.txt")); err != nil || string(got) != "good\n" {
		t.Errorf("good.txt: %q, %v", got, err)
	}
	if got, err := os.ReadFile(filepath.Join(dest, "bad.bin")); err != nil || len(got) != len(bad) {
		t.Errorf("bad.bin is not extracted as read: %d bytes, %v", len(got), err)
	}
	if out, code := run(t, "extract", img, "/bad.bin", "-"); code != exitcodes.VerifyFailed || !strings.Contains(out, "MD5") {
		t.Errorf("extract of the damaged file to standard output: exit %d\n%.300s", code, out)
	}
	if out, code := run(t, "extract", img, "/good.txt", "-"); code != 0 {
		t.Errorf("extract of a whole file to standard output: exit %d\n%s", code, out)
	}
}

// A symbolic link is extracted with the modification time the disc
// records for it, not the time it was made (nor its target's changed).
func TestExtractLinkTimes(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	os.MkdirAll(src, 0o755)
	os.WriteFile(filepath.Join(src, "target"), []byte("t\n"), 0o644)
	link := filepath.Join(src, "link")
	if err := os.Symlink("target", link); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	ts := []unix.Timespec{unix.NsecToTimespec(when.UnixNano()), unix.NsecToTimespec(when.UnixNano())}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, link, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(tmp, "d.iso")
	mustRun(t, "append", img, src)
	dst := filepath.Join(tmp, "out")
	mustRun(t, "extract", img, "/", dst)
	fi, err := os.Lstat(filepath.Join(dst, "link"))
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 || !fi.ModTime().Equal(when) {
		t.Errorf("extracted link: %v, %v, want a link of %v", fi, err, when)
	}
	if fi, err := os.Stat(filepath.Join(dst, "target")); err != nil || fi.ModTime().Equal(when) {
		t.Errorf("the target took the link's time: %v, %v", fi, err)
	}
}

// A file with several names on the disc (hard links) is extracted once,
// its other names linked to it, as tar extracts them; a file with one
// name is a file of its own.
func TestExtractHardLinks(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	os.MkdirAll(filepath.Join(src, "d"), 0o755)
	os.WriteFile(filepath.Join(src, "a"), []byte("shared\n"), 0o644)
	os.WriteFile(filepath.Join(src, "solo"), []byte("shared\n"), 0o644)
	for _, n := range []string{"b", "d/c"} {
		if err := os.Link(filepath.Join(src, "a"), filepath.Join(src, n)); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(tmp, "d.iso")
	mustRun(t, "append", img, src)
	dst := filepath.Join(tmp, "out")
	mustRun(t, "extract", img, "/", dst)
	ino := func(n string) (uint64, uint64) {
		t.Helper()
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join(dst, n), &st); err != nil {
			t.Fatal(err)
		}
		return st.Ino, uint64(st.Nlink)
	}
	a, na := ino("a")
	b, _ := ino("b")
	c, _ := ino("d/c")
	s, ns := ino("solo")
	if a != b || a != c || na != 3 || s == a || ns != 1 {
		t.Errorf("inodes a %d (%d links), b %d, d/c %d, solo %d (%d links): want a, b, d/c one file of 3 links", a, na, b, c, s, ns)
	}
	if got, _ := os.ReadFile(filepath.Join(dst, "d", "c")); string(got) != "shared\n" {
		t.Errorf("d/c holds %q", got)
	}
}

// The other names of a damaged file, linked to it, are named among the
// damaged ones too.
func TestExtractDamagedHardLinks(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	os.MkdirAll(src, 0o755)
	data := bytes.Repeat([]byte("linked file data "), 1000)
	os.WriteFile(filepath.Join(src, "a"), data, 0o644)
	if err := os.Link(filepath.Join(src, "a"), filepath.Join(src, "b")); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(tmp, "d.iso")
	mustRun(t, "append", img, src)
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(b, data)
	if at < 0 {
		t.Fatal("the file's data is not in the image")
	}
	b[at+100] ^= 1
	os.WriteFile(img, b, 0o644)
	out, code := run(t, "extract", img, "/", filepath.Join(tmp, "out"))
	if code != exitcodes.VerifyFailed || !strings.Contains(out, "/a") || !strings.Contains(out, "/b") {
		t.Errorf("exit %d, want %d naming /a and /b:\n%s", code, exitcodes.VerifyFailed, out)
	}
}
