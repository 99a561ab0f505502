package burn_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/udffix"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
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
