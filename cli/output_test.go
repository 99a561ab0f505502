//go:build linux

package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// outputTestDir makes a folder holding a link to an image not yet
// made, a chain of links, a link to a regular file, a directory, a
// named pipe and, as root, a character device (as /dev/null).
func outputTestDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink("real.iso", filepath.Join(dir, "dangling.iso")))
	must(os.Symlink("dangling.iso", filepath.Join(dir, "chain.iso")))
	must(os.WriteFile(filepath.Join(dir, "old.iso"), []byte("old"), 0o644))
	must(os.Symlink(filepath.Join(dir, "old.iso"), filepath.Join(dir, "abs.iso")))
	must(os.Mkdir(filepath.Join(dir, "adir"), 0o755))
	must(syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	if os.Geteuid() == 0 {
		must(syscall.Mknod(filepath.Join(dir, "null"), syscall.S_IFCHR|0o644, 1<<8|3))
	}
	return dir
}

// checkOutputKinds fails the test unless each name of dir is still of
// its kind, and no temporary file was left.
func checkOutputKinds(t *testing.T, what, dir string, want map[string]fs.FileMode) {
	t.Helper()
	for name, m := range want {
		fi, err := os.Lstat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		if fi.Mode().Type() != m {
			t.Errorf("%s: %s is now %v, want type %v", what, name, fi.Mode(), m)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("%s: left %s", what, e.Name())
		}
	}
}

// TestImageOutputKinds: master -o and append write through a symbolic
// link to its target (making it when the link dangles), and refuse a
// directory, a named pipe and a device, naming OUT, leaving them as
// they were.
func TestImageOutputKinds(t *testing.T) {
	src := masterTestDir(t)
	kinds := map[string]fs.FileMode{
		"dangling.iso": fs.ModeSymlink, "chain.iso": fs.ModeSymlink, "abs.iso": fs.ModeSymlink,
		"adir": fs.ModeDir, "fifo": fs.ModeNamedPipe, "null": fs.ModeDevice | fs.ModeCharDevice,
	}
	if os.Geteuid() != 0 {
		delete(kinds, "null") // mknod needs root
	}
	isImage := func(what, p string) {
		t.Helper()
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: %s is not a regular file: %v %v", what, p, fi, err)
			return
		}
		if out, code := run(t, "ls", p, "/a.txt"); code != 0 {
			t.Errorf("%s: ls %s: exit %d\n%s", what, p, code, out)
		}
	}

	dir := outputTestDir(t)
	mustRun(t, "master", "-o", filepath.Join(dir, "chain.iso"), src)
	isImage("master through a chain of links", filepath.Join(dir, "real.iso"))
	mustRun(t, "master", "-o", filepath.Join(dir, "abs.iso"), src)
	isImage("master through a link to a file", filepath.Join(dir, "old.iso"))
	for _, c := range []struct{ name, says string }{
		{"adir", "is a directory"},
		{"fifo", "named pipe"},
		{"null", "character device"},
	} {
		if c.name == "null" && os.Geteuid() != 0 {
			continue
		}
		out := filepath.Join(dir, c.name)
		got, code := run(t, "master", "-o", out, src)
		if code == 0 || !strings.Contains(got, c.says) || !strings.Contains(got, out) {
			t.Errorf("master -o %s: exit %d, want a failure naming it and saying %q:\n%s", c.name, code, c.says, got)
		}
	}
	checkOutputKinds(t, "master", dir, kinds)

	dir = outputTestDir(t)
	mustRun(t, "append", "--verify", "none", filepath.Join(dir, "chain.iso"), src)
	isImage("append through a chain of links", filepath.Join(dir, "real.iso"))
	for _, name := range []string{"adir", "fifo", "null"} {
		if name == "null" && os.Geteuid() != 0 {
			continue
		}
		out := filepath.Join(dir, name)
		if got, code := run(t, "append", out, src); code == 0 || !strings.Contains(got, out) {
			t.Errorf("append %s: exit %d, want a failure naming it:\n%s", name, code, got)
		}
	}
	checkOutputKinds(t, "append", dir, kinds)

	// A relative link is read from the folder it really sits in: "..",
	// reached through a linked folder, leads out of the folder linked
	// to, not back to where the name was typed.
	for _, cmd := range [][]string{{"master", "-o"}, {"append", "--verify", "none"}} {
		dir = t.TempDir()
		store := filepath.Join(dir, "store")
		if err := os.MkdirAll(filepath.Join(store, "images"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("store", "images"), filepath.Join(dir, "cur")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("..", "target.iso"), filepath.Join(store, "images", "out.iso")); err != nil {
			t.Fatal(err)
		}
		decoy := filepath.Join(dir, "target.iso")
		if err := os.WriteFile(decoy, []byte("unrelated"), 0o644); err != nil {
			t.Fatal(err)
		}
		mustRun(t, append(cmd, filepath.Join(dir, "cur", "out.iso"), src)...)
		isImage(cmd[0]+" through a link in a linked folder", filepath.Join(store, "target.iso"))
		if b, err := os.ReadFile(decoy); err != nil || string(b) != "unrelated" {
			t.Errorf("%s through a link in a linked folder changed %s (now %d bytes: %v)", cmd[0], decoy, len(b), err)
		}
	}
}
