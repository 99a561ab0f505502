package writer_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// setVSS writes v as the Volume Space Size of the primary volume
// descriptor at lba.
func setVSS(t *testing.T, img string, lba uint32, v uint32) {
	t.Helper()
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
	if _, err := f.WriteAt(b, int64(lba)*tree.SectorSize+80); err != nil {
		t.Fatal(err)
	}
}

// TestNextWritableIgnoresVolumeSpaceSize appends after a session whose
// recorded Volume Space Size (in its own descriptor and in the
// superblock) is 0, smaller than its data, or near 2^32. The new session
// never lands on a byte of the old one: the old tree reads back whole
// from its LBA; a size that reaches past the medium is refused as corrupt
// before anything is written.
func TestNextWritableIgnoresVolumeSpaceSize(t *testing.T) {
	oracle.Need(t, "xorriso")
	for _, tc := range []struct {
		name    string
		vss     uint32
		corrupt bool
	}{
		{"zero", 0, false},
		{"smaller than the data", 20, false},
		{"2^32-31", 1<<32 - 31, true},
		{"2^32-1", 1<<32 - 1, true},
		{"one past the file", 0, true}, // set below from the file size
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "src")
			img := filepath.Join(dir, "img.iso")
			testtree.File(t, src, "a.txt", []byte("first session\n"))
			testtree.File(t, src, "sub/big.bin", testtree.Random(300_000))
			mirror(t, img, src, burn.AppendOptions{})
			vss := tc.vss
			if tc.name == "one past the file" {
				st, _ := os.Stat(img)
				vss = uint32(st.Size()/tree.SectorSize) - 32 + 1
			}
			setVSS(t, img, 16, vss)
			setVSS(t, img, 32+16, vss)
			before := hashFile(t, img)

			add := filepath.Join(dir, "add")
			testtree.Copy(t, src, add)
			testtree.File(t, add, "second.bin", testtree.Random(200_000))
			tgt, err := writer.OpenImage(img, writer.ImageOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res, _, err := appendMirror(tgt, add, burn.AppendOptions{})
			tgt.Close()
			if tc.corrupt {
				if !errors.Is(err, master.ErrCorrupt) {
					t.Fatalf("append after a Volume Space Size of %d: %v, want ErrCorrupt", vss, err)
				}
				if hashFile(t, img) != before {
					t.Fatal("a refused append changed the image")
				}
				return
			}
			if err != nil {
				t.Fatalf("append: %v", err)
			}
			if start := res.Session.Start; start != 0 && start < 32+sectorsOf(300_000) {
				t.Errorf("the new session starts at LBA %d, inside the old session's data", start)
			}
			// The old session reads back whole from LBA 32 (xorriso
			// loops on a session whose size is 0: read it with ours).
			sameFiles(t, img, 32, src, "a.txt", "sub/big.bin")
			// The newest session holds the new tree.
			sameFiles(t, img, res.Session.Start, add, "a.txt", "sub/big.bin", "second.bin")
		})
	}
}

// TestForeignChainsListedAsXorrisoDoes grows images with xorriso,
// growisofs (16-sector aligned sessions), genisoimage -M -C (a session at
// an LBA no chain leads to) and discstage, then appends with discstage:
// before and after, discstage lists every session xorriso -toc lists, at
// the same LBA and size; the append writes where it says; every earlier
// tree reads back unchanged; and master.Verify agrees with xorriso
// -check_media on each session.
func TestForeignChainsListedAsXorrisoDoes(t *testing.T) {
	oracle.Need(t, "xorriso", "growisofs", "genisoimage")
	type step func(t *testing.T, img, dir string)
	xorrisoAdd := func(name string, size int) step {
		return func(t *testing.T, img, dir string) {
			p := testtree.File(t, filepath.Join(dir, "x-"+name), name, testtree.Random(size))
			oracle.Run(t, "xorriso", "-md5", "on", "-dev", img, "-map", p, "/"+name, "-commit")
		}
	}
	growisofs := func(name string, size int) step {
		return func(t *testing.T, img, dir string) {
			d := filepath.Join(dir, "g-"+name)
			testtree.File(t, d, name, testtree.Random(size))
			if out, err := exec.Command("growisofs", "-M", img, "-R", "-J", d).CombinedOutput(); err != nil {
				t.Fatalf("growisofs -M %s: %v\n%s", img, err, out)
			}
		}
	}
	discstage := func(name string, size int) step {
		return func(t *testing.T, img, dir string) {
			tgt, err := writer.OpenImage(img, writer.ImageOptions{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			defer tgt.Close()
			add := filepath.Join(dir, "d-"+name)
			testtree.File(t, add, name, testtree.Random(size))
			if _, err := burn.Append(t.Context(), tgt, mergeInto(t, tgt, add), burn.AppendOptions{}); err != nil {
				t.Fatalf("append %s: %v", name, err)
			}
		}
	}
	genisoimage := func(name string, size int) step {
		return func(t *testing.T, img, dir string) {
			d := filepath.Join(dir, "m-"+name)
			testtree.File(t, d, name, testtree.Random(size))
			if _, err := os.Stat(img); err != nil {
				oracle.Run(t, "genisoimage", "-quiet", "-R", "-J", "-o", img, d)
				return
			}
			st, _ := os.Stat(img)
			nwa := (st.Size()/tree.SectorSize + 31) / 32 * 32
			part := filepath.Join(dir, "part-"+name)
			oracle.Run(t, "genisoimage", "-quiet", "-R", "-J", "-M", img, "-C", fmt.Sprintf("0,%d", nwa), "-o", part, d)
			oracle.Run(t, "dd", "if="+part, "of="+img, "bs=2048", fmt.Sprintf("seek=%d", nwa), "conv=notrunc", "status=none")
		}
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"xorriso", []step{xorrisoAdd("one", 20_000), xorrisoAdd("two", 50_000)}},
		// 38 sectors at LBA 32 end at 70: growisofs starts at 80, xorriso
		// would at 96.
		{"growisofs", []step{xorrisoAdd("one", 20_000), growisofs("two", 100_000), growisofs("three", 30_000)}},
		{"genisoimage -M -C", []step{genisoimage("one", 20_000), genisoimage("two", 50_000)}},
		{"discstage", []step{discstage("one", 20_000), discstage("two", 70_000)}},
		// xorriso refuses to load a tree after growisofs added a session to
		// one with checksums (its "false MD5 alarm"): it goes before.
		{"mixed", []step{discstage("one", 21_000), xorrisoAdd("two", 5_000), growisofs("three", 30_000), discstage("four", 9_000)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			img := filepath.Join(dir, "img.iso")
			for _, s := range tc.steps {
				s(t, img, dir)
			}
			toc := sameSessions(t, img)
			trees := readTrees(t, img, toc)

			tgt, err := writer.OpenImage(img, writer.ImageOptions{})
			if err != nil {
				t.Fatal(err)
			}
			add := filepath.Join(dir, "last")
			testtree.File(t, add, "last.bin", testtree.Random(40_000))
			m, err := tgt.Probe()
			if err != nil {
				t.Fatal(err)
			}
			res, err := burn.Append(t.Context(), tgt, mergeInto(t, tgt, add), burn.AppendOptions{})
			tgt.Close()
			if err != nil {
				t.Fatalf("append: %v", err)
			}
			after := sameSessions(t, img)
			last := after[len(after)-1]
			listed := res.Session.Start
			if res.ListedElsewhere {
				listed = res.ListedStart
			}
			if listed != last.Start {
				t.Errorf("append reports session %d at LBA %d; xorriso lists the newest at LBA %d", res.Session.Number, res.Session.Start, last.Start)
			}
			if last.Start != 0 && last.Start != m.NextWritable {
				t.Errorf("the new session is at LBA %d, the probe said %d", last.Start, m.NextWritable)
			}
			// Every earlier session reads back as it did.
			got := readTrees(t, img, toc)
			for i := range toc {
				if got[i] != trees[i] {
					t.Errorf("session at LBA %d changed:\nbefore %s\nafter  %s", toc[i].Start, trees[i], got[i])
				}
			}
			for _, s := range after {
				agreeWithCheckMedia(t, img, s.Start)
			}
		})
	}
}

// mergeInto returns the newest tree of tgt with the files of dir added.
func mergeInto(t *testing.T, tgt writer.Target, dir string) *tree.Node {
	t.Helper()
	newest, err := burn.Newest(tgt)
	if err != nil {
		t.Fatal(err)
	}
	var base *tree.Node
	if newest != nil {
		base = newest.Root
	}
	add, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := tree.Merge(base, add)
	return root
}

// sameSessions checks that discstage lists the sessions xorriso -toc
// lists, and returns them.
func sameSessions(t *testing.T, img string) []tree.SessionInfo {
	t.Helper()
	toc := testtree.XorrisoTOC(t, img)
	tgt, err := writer.OpenImage(img, writer.ImageOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	m, err := tgt.Probe()
	if err != nil {
		t.Fatal(err)
	}
	var ours, theirs []string
	for _, s := range m.Sessions {
		ours = append(ours, fmt.Sprintf("%d+%d", s.Start, s.Size))
	}
	for _, s := range toc {
		theirs = append(theirs, fmt.Sprintf("%d+%d", s.Start, s.Size))
	}
	if strings.Join(ours, " ") != strings.Join(theirs, " ") {
		t.Fatalf("discstage lists sessions %v, xorriso -toc %v", ours, theirs)
	}
	return m.Sessions
}

// readTrees lists each session's files with their MD5s, as xorriso reads
// them.
func readTrees(t *testing.T, img string, sessions []tree.SessionInfo) []string {
	t.Helper()
	var out []string
	for _, s := range sessions {
		o := oracle.Run(t, "xorriso", "-load", "sbsector", fmt.Sprint(s.Start), "-indev", img,
			"-find", "/", "-type", "f", "-exec", "get_md5", "--")
		out = append(out, o)
	}
	return out
}

// agreeWithCheckMedia checks that master.Verify and xorriso -check_media
// give the same verdict on the session at lba: both good, or neither
// finding checksums.
func agreeWithCheckMedia(t *testing.T, img string, lba uint32) {
	t.Helper()
	so, se, _ := oracle.Try("xorriso", "-md5", "on", "-load", "sbsector", fmt.Sprint(lba), "-indev", img, "-check_media", "--")
	out := so + se
	xorrisoGood := strings.Contains(out, fmt.Sprintf("MD5 tag range:  %9d", lba)) && !strings.Contains(out, "mismatch")
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	rep, err := master.Verify(f, (st.Size()+tree.SectorSize-1)/tree.SectorSize, lba, master.VerifySession)
	ours := err == nil && rep.Checksummed
	if err != nil && !errors.Is(err, master.ErrUnverifiable) {
		t.Errorf("verify session at LBA %d: %v", lba, err)
	}
	if ours != xorrisoGood {
		t.Errorf("session at LBA %d: verify says good=%v, xorriso -check_media:\n%s", lba, ours, out)
	}
}

// sameFiles reads the session at lba of img and checks that each named
// file holds what the file of that name under dir holds.
func sameFiles(t *testing.T, img string, lba uint32, dir string, names ...string) {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	s, err := master.ReadSession(f, (st.Size()+tree.SectorSize-1)/tree.SectorSize, lba)
	if err != nil {
		t.Fatalf("read session at LBA %d: %v", lba, err)
	}
	for _, name := range names {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		n := s.Root
		for _, p := range strings.Split(name, "/") {
			if n = n.Child(p); n == nil {
				t.Fatalf("session at LBA %d has no %s", lba, name)
			}
		}
		var got []byte
		for _, e := range n.Extents {
			b := make([]byte, e.Length)
			if _, err := f.ReadAt(b, int64(e.LBA)*tree.SectorSize); err != nil {
				t.Fatal(err)
			}
			got = append(got, b...)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("session at LBA %d: %s reads back different bytes", lba, name)
		}
	}
}

// TestPlainImageKeepsLowFiles: genisoimage puts the files of a small
// tree below LBA 32; growing its image rewrites the superblock there but
// keeps them (and the system area), as xorriso does.
func TestPlainImageKeepsLowFiles(t *testing.T) {
	oracle.Need(t, "genisoimage", "xorriso")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	img := filepath.Join(dir, "plain.iso")
	testtree.File(t, src, "a.txt", []byte("alpha\n"))
	oracle.Run(t, "genisoimage", "-quiet", "-R", "-J", "-o", img, src)
	tgt, err := writer.OpenImage(img, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	add := filepath.Join(dir, "add")
	testtree.File(t, add, "b.txt", []byte("beta\n"))
	if _, err := burn.Append(t.Context(), tgt, mergeInto(t, tgt, add), burn.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	tgt.Close()
	// a.txt joins add to compare it with the whole image; add keeps the
	// time the session recorded, whatever second the append ended in.
	before, err := os.Stat(add)
	if err != nil {
		t.Fatal(err)
	}
	testtree.File(t, add, "a.txt", []byte("alpha\n"))
	if err := os.Chtimes(add, before.ModTime(), before.ModTime()); err != nil {
		t.Fatal(err)
	}
	testtree.XorrisoCompare(t, img, -1, add)
	agreeWithCheckMedia(t, img, 0)
}
