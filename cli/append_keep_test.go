package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
)

// xorrisoLsdl lists every entry of the session at lba as `xorriso -find /
// -exec lsdl` shows it, whitespace collapsed, sorted.
func xorrisoLsdl(t *testing.T, img string, lba int) []string {
	t.Helper()
	out := oracle.Run(t, "xorriso", "-abort_on", "FAILURE", "-load", "sbsector", strconv.Itoa(lba), "-indev", img, "-find", "/", "-exec", "lsdl")
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "'/") {
			lines = append(lines, strings.Join(strings.Fields(l), " "))
		}
	}
	slices.Sort(lines)
	return lines
}

// isoinfoLong lists every entry of the session at lba as `isoinfo -R -l`
// shows it: "path mode nlink uid gid size date [lba flags]". A
// directory's link count and extent are left out: they are those of the
// directory records each session writes anew; so is the extent of an
// entry without data (xorriso gives symbolic links one, discstage 0).
func isoinfoLong(t *testing.T, img string, lba int) []string {
	t.Helper()
	out := oracle.Run(t, "isoinfo", "-R", "-l", "-T", strconv.Itoa(lba), "-i", img)
	dirLine := regexp.MustCompile(`^Directory listing of (.*)$`)
	entry := regexp.MustCompile(`^(\S{10})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\w{3} +\d+ +\d+)\s+\[\s*(\d+) +(\d+)\]\s+(.*?)\s*$`)
	var lines []string
	dir := ""
	for _, l := range strings.Split(out, "\n") {
		if m := dirLine.FindStringSubmatch(l); m != nil {
			dir = m[1]
			continue
		}
		m := entry.FindStringSubmatch(l)
		if m == nil || m[9] == "." || m[9] == ".." {
			continue
		}
		nlink, ext := m[2], m[7]
		if m[1][0] == 'd' {
			nlink = "-"
		}
		if m[1][0] == 'd' || m[5] == "0" {
			ext = "-"
		}
		lines = append(lines, strings.Join([]string{dir + m[9], m[1], nlink, m[3], m[4], m[5], m[6], ext, m[8]}, " "))
	}
	slices.Sort(lines)
	return lines
}

// without returns lines minus those that mention any of the names.
func without(lines []string, names ...string) []string {
	var out []string
	for _, l := range lines {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(l, n) }) {
			out = append(out, l)
		}
	}
	return out
}

// TestAppendKeepsAttributes: every attribute of an entry carried over
// from an earlier session survives an append unchanged, among them the
// setuid, setgid and sticky bits of directories and files, as xorriso
// and isoinfo read them.
func TestAppendKeepsAttributes(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	testtree.File(t, src, "sg/file", []byte("in a setgid folder\n"))
	testtree.File(t, src, "sg/sub/deeper", []byte("deeper\n"))
	testtree.File(t, src, "tmp/note", []byte("in a sticky folder\n"))
	testtree.File(t, src, "tool", []byte("#!/bin/sh\n"))
	testtree.File(t, src, "private", []byte("mine\n"))
	testtree.Symlink(t, src, "sg/link", "file")
	os.Mkdir(filepath.Join(src, "all"), 0o755)
	for p, m := range map[string]os.FileMode{
		"sg": 0o755 | os.ModeSetgid, "sg/sub": 0o750 | os.ModeSetgid | os.ModeSetuid, "tmp": 0o777 | os.ModeSticky,
		"all":  0o777 | os.ModeSticky | os.ModeSetgid | os.ModeSetuid,
		"tool": 0o755 | os.ModeSetuid | os.ModeSetgid, "private": 0o600,
	} {
		if err := os.Chmod(filepath.Join(src, p), m); err != nil {
			t.Fatal(err)
		}
	}
	if os.Getuid() == 0 {
		os.Lchown(filepath.Join(src, "private"), 1234, 5678)
		os.Lchown(filepath.Join(src, "sg"), 42, 43)
	}
	old := time.Date(2004, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, p := range []string{"sg/file", "sg/sub", "tool", "tmp", "sg", "all"} {
		os.Chtimes(filepath.Join(src, p), old.Add(time.Hour), old)
	}
	img := filepath.Join(tmp, "d.iso")
	oracle.Run(t, "xorriso", "-outdev", img, "-map", src, "/", "-commit")
	toc := testtree.XorrisoTOC(t, img)
	if len(toc) != 1 {
		t.Fatalf("xorriso wrote %v", toc)
	}
	lsdl1, info1 := xorrisoLsdl(t, img, int(toc[0].Start)), isoinfoLong(t, img, int(toc[0].Start))
	for _, want := range []string{"drwxrwxrwt", "drwxr-sr-x", "drwsr-s---", "drwsrwsrwt", "-rwsr-sr-x"} {
		if !slices.ContainsFunc(lsdl1, func(l string) bool { return strings.HasPrefix(l, want) }) {
			t.Fatalf("xorriso's session lacks a %s entry:\n%s", want, strings.Join(lsdl1, "\n"))
		}
	}

	added := filepath.Join(tmp, "added.txt")
	os.WriteFile(added, []byte("new\n"), 0o644)
	mustRun(t, "append", img, added)
	toc = testtree.XorrisoTOC(t, img)
	if len(toc) != 2 {
		t.Fatalf("after the append: %v", toc)
	}
	// The root's times change with its new entry; everything else is
	// carried over as it was.
	lsdl2, info2 := xorrisoLsdl(t, img, int(toc[1].Start)), isoinfoLong(t, img, int(toc[1].Start))
	got, want := without(lsdl2, "'/'", "added.txt"), without(lsdl1, "'/'")
	if !slices.Equal(got, want) {
		t.Errorf("xorriso -lsdl of the carried-over entries changed:\nsession 1:\n%s\nsession 2:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	got, want = without(info2, "added.txt"), info1
	if !slices.Equal(got, want) {
		t.Errorf("isoinfo -R -l of the carried-over entries changed:\nsession 1:\n%s\nsession 2:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// TestAppendUnchangedWritesNothing: an append that would repeat the
// newest session writes nothing and says so; a change of a mode alone
// is a change.
func TestAppendUnchangedWritesNothing(t *testing.T) {
	oracle.Need(t, "xorriso")
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	testtree.File(t, src, "a/one.txt", []byte("one\n"))
	testtree.File(t, src, "two.txt", []byte("two\n"))
	testtree.Symlink(t, src, "a/link", "one.txt")
	img := filepath.Join(tmp, "d.iso")
	mustRun(t, "append", "--mirror", src, img)
	size := func() int64 {
		fi, err := os.Stat(img)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	for _, args := range [][]string{{"append", "--mirror", src, img}, {"append", img, src}, {"append", img, filepath.Join(src, "two.txt")}} {
		out, code := run(t, args...)
		if code != 0 || !strings.Contains(out, "nothing changed") || strings.Contains(out, "wrote session") {
			t.Errorf("discstage %s of an unchanged tree: exit %d\n%s", strings.Join(args, " "), code, out)
		}
	}
	if toc := testtree.XorrisoTOC(t, img); len(toc) != 1 || size() != before {
		t.Fatalf("appends of an unchanged tree wrote: %v, %d bytes (was %d)", toc, size(), before)
	}
	if err := os.Chmod(filepath.Join(src, "two.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "append", "--mirror", src, img); !strings.Contains(out, "wrote session 2") {
		t.Errorf("a changed mode wrote no session:\n%s", out)
	}
	if out := mustRun(t, "append", "--mirror", src, img); !strings.Contains(out, "nothing changed") {
		t.Errorf("the append after it:\n%s", out)
	}
	if toc := testtree.XorrisoTOC(t, img); len(toc) != 2 {
		t.Errorf("sessions: %v", toc)
	}

	// --close of an unchanged tree closes a DVD+R without a session.
	target := "emulated:dvd+r:" + filepath.Join(tmp, "dvd.img")
	mustRun(t, "append", "--mirror", src, target)
	if out := mustRun(t, "append", "--close", "--mirror", src, target); !strings.Contains(out, "closed without a new session") {
		t.Errorf("append --close of an unchanged tree:\n%s", out)
	}
	if out := mustRun(t, "drives", "--device", target); !strings.Contains(out, "dvd+r, closed, 1 session(s)") {
		t.Errorf("drives after append --close:\n%s", out)
	}
}
