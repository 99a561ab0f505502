package writer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// mirror appends a session whose tree equals dir, as `discstage append
// --mirror` does.
func mirror(t *testing.T, img, dir string, opts burn.AppendOptions) (*burn.Result, tree.Changes) {
	t.Helper()
	tgt, err := writer.OpenImage(img, writer.ImageOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	res, ch, err := appendMirror(tgt, dir, opts)
	if err != nil {
		t.Fatalf("append %s to %s: %v", dir, img, err)
	}
	return res, ch
}

func appendMirror(tgt writer.Target, dir string, opts burn.AppendOptions) (*burn.Result, tree.Changes, error) {
	newest, err := burn.Newest(tgt)
	if err != nil {
		return nil, tree.Changes{}, err
	}
	var base *tree.Node
	if newest != nil {
		base = newest.Root
	}
	want, err := localtree.Build(dir)
	if err != nil {
		return nil, tree.Changes{}, err
	}
	root, ch := tree.Mirror(base, want)
	res, err := burn.Append(context.Background(), tgt, root, opts)
	return res, ch, err
}

// checkSessions checks every session of img with tools we did not write:
// xorriso -toc lists exactly want (start LBAs), and each session equals
// its snapshot directory by xorriso -compare_r, isoinfo -R and go-diskfs.
func checkSessions(t *testing.T, img string, starts []uint32, snaps []string) {
	t.Helper()
	toc := testtree.XorrisoTOC(t, img)
	if len(toc) != len(starts) {
		t.Fatalf("xorriso -toc lists %d sessions %v, want %d at %v", len(toc), toc, len(starts), starts)
	}
	for i, e := range toc {
		if e.Start != starts[i] {
			t.Errorf("xorriso -toc: session %d at LBA %d, want %d", i+1, e.Start, starts[i])
		}
		if snaps[i] == "" {
			continue
		}
		testtree.XorrisoCompare(t, img, int64(e.Start), snaps[i])
		want := testtree.DirManifest(t, snaps[i])
		// Deep directories stay in place, so isoinfo and go-diskfs see
		// the whole tree.
		if d := want.Diff(testtree.IsoinfoManifest(t, img, int64(e.Start))); d != "" {
			t.Errorf("session %d: directory vs isoinfo -R -T %d:\n%s", i+1, e.Start, d)
		}
		if d := want.Diff(testtree.DiskfsManifest(t, img, int64(e.Start))); d != "" {
			t.Errorf("session %d: directory vs go-diskfs at LBA %d:\n%s", i+1, e.Start, d)
		}
	}
	// The newest session is what an ordinary reader sees through LBA 16.
	testtree.XorrisoCompare(t, img, -1, snaps[len(snaps)-1])
}

func sectorsOf(n int) uint32 { return uint32((n + tree.SectorSize - 1) / tree.SectorSize) }

func TestAppendMixedChanges(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	tmp := t.TempDir()
	img := filepath.Join(tmp, "disc.iso")
	src := filepath.Join(tmp, "src")
	opts := burn.AppendOptions{Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}

	// Session 1: a mixed tree.
	testtree.File(t, src, "readme.txt", []byte("first\n"))
	testtree.File(t, src, "docs/a.bin", testtree.Random(100_000))
	testtree.File(t, src, "docs/empty", nil)
	testtree.File(t, src, "big/large.bin", testtree.Random(3<<20))
	testtree.File(t, src, "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/deep.txt", []byte("deep\n"))
	testtree.Symlink(t, src, "links/rel", "../readme.txt")
	testtree.Symlink(t, src, "links/abs", "/etc/hostname")
	testtree.Symlink(t, src, "links/dangling", "nowhere/at/all")
	var snaps []string
	snap := func() {
		s := filepath.Join(tmp, "snap"+string(rune('0'+len(snaps)+1)))
		testtree.Copy(t, src, s)
		snaps = append(snaps, s)
	}
	snap()
	res1, ch1 := mirror(t, img, src, opts)
	if res1.Session.Start != 32 {
		t.Errorf("session 1 at LBA %d, want 32", res1.Session.Start)
	}
	if len(ch1.Added) != 8 {
		t.Errorf("session 1 added %v, want 8 paths", ch1.Added)
	}
	wantData := sectorsOf(6) + sectorsOf(100_000) + sectorsOf(3<<20) + sectorsOf(5)
	if res1.DataSectors != wantData {
		t.Errorf("session 1 wrote %d data sectors, want %d", res1.DataSectors, wantData)
	}
	starts := []uint32{32}
	checkSessions(t, img, starts, snaps)

	// Session 2: change, delete, rename a directory, add, and a symlink.
	testtree.File(t, src, "readme.txt", []byte("second version\n"))
	os.Remove(filepath.Join(src, "docs/a.bin"))
	if err := os.Rename(filepath.Join(src, "d1"), filepath.Join(src, "moved")); err != nil {
		t.Fatal(err)
	}
	testtree.File(t, src, "new/file.dat", testtree.Random(5000))
	testtree.Symlink(t, src, "new/link", "file.dat")
	snap()
	st, _ := os.Stat(img)
	res2, ch2 := mirror(t, img, src, opts)
	want2 := uint32((st.Size()/tree.SectorSize + 31) / 32 * 32)
	if res2.Session.Start != want2 {
		t.Errorf("session 2 at LBA %d, want %d (end of session 1 rounded up to 32)", res2.Session.Start, want2)
	}
	// Unchanged files cost nothing: only the changed readme, the new file
	// and the moved deep file (a rename is a new path) are written.
	if got, want := res2.DataSectors, sectorsOf(15)+sectorsOf(5000)+sectorsOf(5); got != want {
		t.Errorf("session 2 wrote %d data sectors, want %d (changed and new files only)", got, want)
	}
	if !contains(ch2.Removed, "/docs/a.bin") || !contains(ch2.Replaced, "/readme.txt") || !contains(ch2.Kept, "/big/large.bin") {
		t.Errorf("session 2 changes: %+v", ch2)
	}
	starts = append(starts, res2.Session.Start)
	checkSessions(t, img, starts, snaps)

	// xorriso appends a session in between...
	extra := filepath.Join(tmp, "extra.txt")
	os.WriteFile(extra, []byte("from xorriso\n"), 0o644)
	oracle.Run(t, "xorriso", "-dev", img, "-map", extra, "/extra.txt", "-commit")
	toc := testtree.XorrisoTOC(t, img)
	starts = append(starts, toc[len(toc)-1].Start)
	snaps = append(snaps, "")

	// ... and discstage appends after it: the newest tree includes
	// xorriso's file, which the mirror then removes again.
	testtree.File(t, src, "third.txt", []byte("three\n"))
	snap()
	res3, ch3 := mirror(t, img, src, opts)
	if !contains(ch3.Removed, "/extra.txt") {
		t.Errorf("session 4 should remove xorriso's /extra.txt: %+v", ch3)
	}
	if got, want := res3.DataSectors, sectorsOf(6); got != want {
		t.Errorf("session 4 wrote %d data sectors, want %d", got, want)
	}
	starts = append(starts, res3.Session.Start)
	checkSessions(t, img, starts, snaps)

	// xorriso appends to a discstage image once more, and reads all.
	oracle.Run(t, "xorriso", "-dev", img, "-map", extra, "/extra2.txt", "-commit")
	toc = testtree.XorrisoTOC(t, img)
	if len(toc) != 5 {
		t.Fatalf("after xorriso's append, -toc lists %d sessions, want 5", len(toc))
	}

	// Our own reader agrees on the sessions.
	tgt, err := writer.OpenImage(img, writer.ImageOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	m, err := tgt.Probe()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Sessions) != 5 {
		t.Fatalf("Probe lists %d sessions, want 5", len(m.Sessions))
	}
	for i, s := range m.Sessions {
		if s.Start != toc[i].Start || s.Size != toc[i].Size {
			t.Errorf("session %d: Probe says LBA %d size %d, xorriso says LBA %d size %d", i+1, s.Start, s.Size, toc[i].Start, toc[i].Size)
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// oneFileImage makes an image in a new folder tmp holding one session of
// src, a folder with the file a.
func oneFileImage(t *testing.T) (tmp, img, src string) {
	t.Helper()
	tmp = t.TempDir()
	img, src = filepath.Join(tmp, "disc.iso"), filepath.Join(tmp, "src")
	testtree.File(t, src, "a", []byte("a\n"))
	mirror(t, img, src, burn.AppendOptions{})
	return tmp, img, src
}

func hashFile(t *testing.T, p string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestAppendToXorrisoImage(t *testing.T) {
	oracle.Need(t, "xorriso")
	tmp := t.TempDir()
	img := filepath.Join(tmp, "x.iso")
	a := filepath.Join(tmp, "a")
	testtree.File(t, a, "one.txt", []byte("one\n"))
	oracle.Run(t, "xorriso", "-dev", img, "-map", a, "/", "-commit")
	testtree.File(t, a, "two.txt", []byte("two\n"))
	res, ch := mirror(t, img, a, burn.AppendOptions{})
	if len(ch.Added) != 1 || len(ch.Kept) != 1 {
		t.Errorf("changes %+v, want one added and one kept", ch)
	}
	if res.DataSectors != 1 {
		t.Errorf("wrote %d data sectors, want 1", res.DataSectors)
	}
	toc := testtree.XorrisoTOC(t, img)
	if len(toc) != 2 || toc[1].Start != res.Session.Start {
		t.Fatalf("toc %v, want 2 sessions, the second at %d", toc, res.Session.Start)
	}
	testtree.XorrisoCompare(t, img, -1, a)
}

func TestAppendRefusedWhenItDoesNotFit(t *testing.T) {
	oracle.Need(t, "xorriso")
	tmp := t.TempDir()
	img := filepath.Join(tmp, "small.iso")
	src := filepath.Join(tmp, "src")
	testtree.File(t, src, "a", testtree.Random(10_000))
	tgt, err := writer.OpenImage(img, writer.ImageOptions{Create: true, Capacity: 400})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	if _, _, err := appendMirror(tgt, src, burn.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	before := hashFile(t, img)
	testtree.File(t, src, "b", testtree.Random(2<<20))
	_, _, err = appendMirror(tgt, src, burn.AppendOptions{})
	var se *writer.SpaceError
	if !errors.Is(err, writer.ErrNoSpace) || !errors.As(err, &se) {
		t.Fatalf("append over capacity: %v, want ErrNoSpace", err)
	}
	if se.Need <= se.Free || !strings.Contains(err.Error(), "free") {
		t.Errorf("space error %v: need %d free %d", err, se.Need, se.Free)
	}
	if hashFile(t, img) != before {
		t.Error("a refused session changed the image")
	}
}

func TestSourceChangedLeavesImageUnchanged(t *testing.T) {
	oracle.Need(t, "xorriso")
	_, img, src := oneFileImage(t)
	before := hashFile(t, img)

	tgt, err := writer.OpenImage(img, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	newest, err := burn.Newest(tgt)
	if err != nil {
		t.Fatal(err)
	}
	p := testtree.File(t, src, "grows", testtree.Random(50_000))
	want, err := localtree.Build(src)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := tree.Mirror(newest.Root, want)
	// The file grows after the layout was made.
	if err := os.WriteFile(p, testtree.Random(60_000), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = burn.Append(context.Background(), tgt, root, burn.AppendOptions{})
	if !errors.Is(err, master.ErrSourceChanged) {
		t.Fatalf("append with a grown source: %v, want ErrSourceChanged", err)
	}
	if !strings.Contains(err.Error(), "grows") {
		t.Errorf("error %q does not name the file", err)
	}
	if hashFile(t, img) != before {
		t.Error("a failed append changed the image")
	}
	testtree.XorrisoTOC(t, img)
}

func TestTornSuperblockIsRepaired(t *testing.T) {
	oracle.Need(t, "xorriso")
	_, img, src := oneFileImage(t)
	testtree.File(t, src, "b", []byte("b\n"))
	mirror(t, img, src, burn.AppendOptions{})
	good := hashFile(t, img)

	// Tear the superblock: half of the primary descriptor is garbage.
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(bytes.Repeat([]byte{0xA5}, 1500), 16*2048+500)
	f.Close()

	tgt, err := writer.OpenImage(img, writer.ImageOptions{})
	if err != nil {
		t.Fatalf("open torn image: %v", err)
	}
	tgt.Close()
	if hashFile(t, img) != good {
		t.Error("the superblock was not restored to what it was")
	}
	testtree.XorrisoCompare(t, img, -1, src)
	if toc := testtree.XorrisoTOC(t, img); len(toc) != 2 {
		t.Errorf("toc after repair: %v", toc)
	}
}

func TestNotAnImage(t *testing.T) {
	tmp := t.TempDir()
	p := filepath.Join(tmp, "notes.txt")
	os.WriteFile(p, bytes.Repeat([]byte("not a disc image\n"), 3000), 0o644)
	before := hashFile(t, p)
	tgt, err := writer.OpenImage(p, writer.ImageOptions{})
	if err == nil {
		_, err = tgt.Probe()
		tgt.Close()
	}
	if !errors.Is(err, master.ErrNotISO) {
		t.Errorf("probe of a text file: %v, want ErrNotISO", err)
	}
	if hashFile(t, p) != before {
		t.Error("opening a non-image changed it")
	}
	if _, err := writer.OpenImage(filepath.Join(tmp, "missing.iso"), writer.ImageOptions{}); !errors.Is(err, writer.ErrNoTarget) {
		t.Errorf("open of a missing image: %v, want ErrNoTarget", err)
	}
}

// TestListAgreesWithProbe: an image's List gives the sessions, readable
// size, profile and capacity its Probe gives, blank or not.
func TestListAgreesWithProbe(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "img.iso")
	for round := range 3 {
		im, err := writer.OpenImage(img, writer.ImageOptions{Create: true, Capacity: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		l, lerr := im.List()
		p, perr := im.Probe()
		im.Close()
		if lerr != nil || perr != nil {
			t.Fatalf("round %d: list %v, probe %v", round, lerr, perr)
		}
		if len(l.Sessions) != len(p.Sessions) || l.Readable != p.Readable || l.Profile != p.Profile ||
			l.Capacity != p.Capacity || l.Grown != p.Grown {
			t.Errorf("round %d: list %+v, probe %+v", round, l, p)
		}
		for i := range l.Sessions {
			if l.Sessions[i] != p.Sessions[i] {
				t.Errorf("round %d: session %d listed %+v, probed %+v", round, i, l.Sessions[i], p.Sessions[i])
			}
		}
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%d", round)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		mirror(t, img, src, burn.AppendOptions{})
	}
}

// TestImageRoomAfterChdir: an image opened by a relative name still
// tells its file system's room once the process has changed its
// working folder (a mount serving in the background runs from "/").
func TestImageRoomAfterChdir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tgt, err := writer.OpenImage("rel.iso", writer.ImageOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	if err := os.Chdir("/"); err != nil {
		t.Fatal(err)
	}
	m, err := tgt.Probe()
	if err != nil {
		t.Fatal(err)
	}
	if !m.RoomKnown || m.Free() < 0 {
		t.Errorf("the image's room after a change of folder: known %v, free %d", m.RoomKnown, m.Free())
	}
}

// TestOpenLeavesAnotherWritersSuperblock: xorriso grew a discstage image
// with a session without UDF; its superblock holds xorriso's descriptors
// and, past them, what discstage's superblock left (the UDF recognition
// sequence and the copy of session 1's UDF descriptors, which UDF
// readers go on reading). Opening the image for writing (a mount, an
// append before it writes) is no repair of that superblock: it leaves the
// image as it is.
func TestOpenLeavesAnotherWritersSuperblock(t *testing.T) {
	oracle.Need(t, "xorriso")
	tmp, img, _ := oneFileImage(t)
	x := testtree.File(t, tmp, "x.txt", []byte("from xorriso\n"))
	oracle.Run(t, "xorriso", "-dev", img, "-map", x, "/x.txt", "--", "-commit")
	before := hashFile(t, img)
	tgt, err := writer.OpenImage(img, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tgt.Close()
	if hashFile(t, img) != before {
		t.Error("opening the image for writing rewrote it")
	}
}
