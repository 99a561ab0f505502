package burn_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/udffix"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
	"github.com/discstage/discstage/writer"
)

// An earlier session's UDF file entry that records no owner (as other
// writers may: UDF's 0xFFFFFFFF, which the tree reads as 0) is not
// reused for the same, unchanged file: the next session would record
// "not recorded" in UDF beside Rock Ridge's owner 0, and its verify
// would fail. The entry is written again and the session verifies;
// an entry that records what a new one would is still reused.
func TestAppendUDFReusesOnlyMatchingEntries(t *testing.T) {
	img := filepath.Join(t.TempDir(), "reuse.iso")
	dir := t.TempDir()
	for _, name := range []string{"a.txt", "b.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("data of "+name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(filepath.Join(dir, name), udfTime, udfTime)
	}
	opts := func(id string) burn.AppendOptions {
		return burn.AppendOptions{VolumeID: id, Time: udfTime, Verify: master.VerifySession}
	}
	s1 := appendMerged(t, img, dir, opts("S1"))

	// a.txt's entry in session 1 records no owner.
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	entry := func(b []byte, start uint32, name string) (udf.EntryRef, []byte) {
		t.Helper()
		v, err := udf.Open(bytes.NewReader(b), int64(len(b)/tree.SectorSize), start)
		if err != nil {
			t.Fatal(err)
		}
		root, err := v.Tree()
		if err != nil {
			t.Fatal(err)
		}
		ref, ok := v.Entry(root.Child(name))
		if !ok {
			t.Fatalf("%s has no entry in the session at %d", name, start)
		}
		return ref, b[int(ref.LBA)*tree.SectorSize:][:tree.SectorSize]
	}
	ref1a, e := entry(b, s1.Session.Start, "a.txt")
	ref1b, _ := entry(b, s1.Session.Start, "b.txt")
	binary.LittleEndian.PutUint32(e[36:], 0xFFFFFFFF)
	udffix.Reseal(e, -1)
	if err := os.WriteFile(img, b, 0o644); err != nil {
		t.Fatal(err)
	}

	more := t.TempDir()
	if err := os.WriteFile(filepath.Join(more, "c.txt"), []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s2 := appendMerged(t, img, more, opts("S2"))
	if b, err = os.ReadFile(img); err != nil {
		t.Fatal(err)
	}
	if ref2a, _ := entry(b, s2.Session.Start, "a.txt"); ref2a == ref1a {
		t.Errorf("a.txt: session 2 reuses session 1's entry, which records no owner")
	}
	if ref2b, _ := entry(b, s2.Session.Start, "b.txt"); ref2b != ref1b {
		t.Errorf("b.txt: session 2's entry %+v, session 1's %+v: want the same", ref2b, ref1b)
	}
}

// Empty files have no data sector to find their earlier entries by: a
// disc of many empty files rewrote an entry (a sector) for each of them
// in every session, 2 GiB for a million. An unchanged empty file now
// reuses its entry by path; one whose attributes changed gets a new
// one; the session verifies (UDF against Rock Ridge) and 7-Zip and
// udfinfo read every file.
func TestAppendUDFReusesEmptyFiles(t *testing.T) {
	oracle.Need(t, "7z", "udfinfo")
	img := filepath.Join(t.TempDir(), "empty.iso")
	dir := t.TempDir()
	for _, name := range []string{"e1", "e2", "sub/e3", "data.txt"} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		var data []byte
		if name == "data.txt" {
			data = []byte("some data\n")
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, udfTime, udfTime)
	}
	opts := func(id string) burn.AppendOptions {
		return burn.AppendOptions{VolumeID: id, Time: udfTime, Verify: master.VerifySession}
	}
	s1 := appendMerged(t, img, dir, opts("S1"))

	// e2 changes mode; everything else stays.
	more := t.TempDir()
	if err := os.WriteFile(filepath.Join(more, "new.txt"), []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tgt, err := writer.OpenImage(img, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	newest, err := burn.Newest(tgt)
	if err != nil {
		t.Fatal(err)
	}
	add, err := localtree.Build(more)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := tree.Merge(newest.Root, add)
	root.Child("e2").Mode = 0o600
	s2, err := burn.Append(context.Background(), tgt, root, opts("S2"))
	tgt.Close()
	if err != nil {
		t.Fatal(err)
	}

	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	refs := func(start uint32) map[string]udf.EntryRef {
		v, err := udf.Open(bytes.NewReader(b), int64(len(b)/tree.SectorSize), start)
		if err != nil {
			t.Fatal(err)
		}
		root, err := v.Tree()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]udf.EntryRef{}
		for _, p := range []string{"e1", "e2", "sub/e3", "data.txt"} {
			n := root
			for _, c := range strings.Split(p, "/") {
				n = n.Child(c)
			}
			ref, ok := v.Entry(n)
			if !ok {
				t.Fatalf("%s has no entry in the session at %d", p, start)
			}
			out[p] = ref
		}
		return out
	}
	r1, r2 := refs(s1.Session.Start), refs(s2.Session.Start)
	for _, p := range []string{"e1", "sub/e3", "data.txt"} {
		if r1[p] != r2[p] {
			t.Errorf("%s: session 2 records a new entry %+v, not session 1's %+v", p, r2[p], r1[p])
		}
	}
	if r1["e2"] == r2["e2"] {
		t.Error("e2 changed mode, yet session 2 reuses its entry")
	}
	out := oracle.Run(t, "7z", "l", "-slt", img)
	for _, p := range []string{"Path = e1", "Path = e2", "Path = sub/e3", "Path = new.txt"} {
		if !strings.Contains(out, p) {
			t.Errorf("7z does not list %q:\n%s", p, out)
		}
	}
	if out := oracle.Run(t, "udfinfo", img); !strings.Contains(out, "numfiles=5") {
		t.Errorf("udfinfo:\n%s", out)
	}
}
