package staging

import (
	"compress/gzip"
	"crypto/md5"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// TestFrozenFixtures opens the image and the staging area each release
// left in testdata/frozen/RELEASE (made by make.sh there) and compares
// the merged view and every session with the listings that release
// wrote: a later release must still read what an earlier one staged
// and burned, and see the same trees. DISCSTAGE_FROZEN_WRITE=RELEASE
// writes the listings of that release (make.sh does it, once).
func TestFrozenFixtures(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "frozen", "*", "disc.iso.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no frozen fixtures in testdata/frozen")
	}
	for _, p := range dirs {
		dir := filepath.Dir(p)
		t.Run(filepath.Base(dir), func(t *testing.T) { frozenFixture(t, dir) })
	}
}

func frozenFixture(t *testing.T, dir string) {
	write := os.Getenv("DISCSTAGE_FROZEN_WRITE") == filepath.Base(dir)
	work := t.TempDir()
	img := filepath.Join(work, "disc.iso")
	gunzip(t, filepath.Join(dir, "disc.iso.gz"), img)
	copyDir(t, filepath.Join(dir, "area"), filepath.Join(work, "area"))

	target, err := writer.OpenImage(img, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	m := TargetMedium(target)
	refs, err := m.Sessions()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range refs {
		root, err := r.Open()
		if err != nil {
			t.Fatalf("session %d: %v", r.Number, err)
		}
		got = append(got, fmt.Sprintf("# session %d at LBA %d", r.Number, r.Start))
		got = append(got, listSession(t, target, root)...)
	}
	compareListing(t, filepath.Join(dir, "sessions.txt"), got, write)
	// A reader we did not write sees the same sessions.
	oracle.Need(t, "xorriso")
	toc, stderr, _ := oracle.Try("xorriso", "-indev", img, "-toc")
	if n := strings.Count(toc+stderr, "ISO session"); n != len(refs) {
		t.Errorf("xorriso -toc lists %d sessions, the image reader %d:\n%s%s", n, len(refs), toc, stderr)
	}

	a, err := Open(filepath.Join(work, "area"), m)
	if err != nil {
		t.Fatalf("open the staging area: %v", err)
	}
	defer a.Close()
	if r := a.Recovery(); r.Dropped != 0 || r.DroppedBytes != 0 {
		t.Errorf("the journal needed repair: %+v", r)
	}
	s := a.Status()
	got = []string{fmt.Sprintf("# pending %v, %d staged files", s.Pending, s.StagedFiles)}
	got = append(got, listArea(t, a, RootID, "")...)
	compareListing(t, filepath.Join(dir, "area.txt"), got, write)
}

func gunzip(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, z); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// line describes one entry: path, type and permissions, owner, size,
// modification time (seconds; "-" for a staged file, whose time is its
// data file's, which a checkout does not keep), link count and the
// content's MD5 or the link's target.
func line(path string, mode iofs.FileMode, uid, gid uint32, size int64, mtime string, nlink uint32, what string) string {
	if path == "" {
		path = "/"
	}
	return fmt.Sprintf("%s %v %d:%d %d %s %d %s", path, mode, uid, gid, size, mtime, nlink, what)
}

func listSession(t *testing.T, r io.ReaderAt, root *tree.Node) []string {
	var out []string
	var walk func(n *tree.Node, p string)
	walk = func(n *tree.Node, p string) {
		what := "-"
		size := n.Size
		switch {
		case n.IsDir():
			size = 0
		case n.Mode&iofs.ModeSymlink != 0:
			what = "-> " + n.Target
		case n.IsRegular():
			h := md5.New()
			if _, err := io.Copy(h, io.NewSectionReader(tree.ExtentReader{R: r, Extents: n.Extents, Size: n.Size}, 0, n.Size)); err != nil {
				t.Fatalf("read %s: %v", p, err)
			}
			what = fmt.Sprintf("%x", h.Sum(nil))
		}
		out = append(out, line(p, n.Mode, n.UID, n.GID, size, fmt.Sprint(n.ModTime.Unix()), 0, what))
		kids := append([]*tree.Node(nil), n.Children...)
		sort.Slice(kids, func(i, j int) bool { return kids[i].Name < kids[j].Name })
		for _, k := range kids {
			walk(k, p+"/"+k.Name)
		}
	}
	walk(root, "")
	return out
}

func listArea(t *testing.T, a *Area, id uint64, p string) []string {
	at, err := a.Getattr(id)
	if err != nil {
		t.Fatal(err)
	}
	what, size := "-", at.Size
	switch {
	case at.Mode.IsDir():
		size = 0
	case at.Mode&iofs.ModeSymlink != 0:
		target, err := a.Readlink(id)
		if err != nil {
			t.Fatal(err)
		}
		what = "-> " + target
	case at.Mode.IsRegular():
		what = fmt.Sprintf("%x", md5.Sum([]byte(readFile(t, a, id))))
		if at.Staged {
			what += " staged"
		}
	}
	mtime := fmt.Sprint(at.Mtime.Unix())
	if at.Staged {
		mtime = "-"
	}
	out := []string{line(p, at.Mode, at.UID, at.GID, size, mtime, at.Nlink, what)}
	if at.Mode.IsDir() {
		des, err := a.ReadDir(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range des {
			out = append(out, listArea(t, a, d.ID, p+"/"+d.Name)...)
		}
	}
	return out
}

func compareListing(t *testing.T, path string, got []string, write bool) {
	t.Helper()
	text := strings.Join(got, "\n") + "\n"
	if write {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) == text {
		return
	}
	wl := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	var diff []string
	for i := 0; i < max(len(wl), len(got)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			diff = append(diff, fmt.Sprintf("line %d:\n  want %s\n  got  %s", i+1, w, g))
		}
	}
	t.Errorf("%s: this release reads a different tree than the one that wrote it:\n%s", path, strings.Join(diff, "\n"))
}
