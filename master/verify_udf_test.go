package master_test

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/udffix"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// bridgeImage writes a small ISO 9660 + Rock Ridge + UDF 2.01 session
// with MD5 tags and returns its bytes.
func bridgeImage(t *testing.T) []byte {
	t.Helper()
	file := func(name, data string) *tree.Node {
		return &tree.Node{Name: name, Mode: 0o644, ModTime: wFixedTime, Size: int64(len(data)), Source: tree.Bytes(data)}
	}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: []*tree.Node{
		file("a.txt", "alpha\n"),
		{Name: "sub", Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: []*tree.Node{
			file("b.bin", strings.Repeat("b", 5000)),
			file("c.txt", "gamma\n"),
		}},
	}}
	opts := fullOpts()
	opts.MD5, opts.UDF = true, udf.Rev201
	img := filepath.Join(t.TempDir(), "bridge.iso")
	writeSession(t, img, root, opts)
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// udfEntry returns the bytes of the UDF file entry of the file at p (no
// leading slash) in image b, a slice into b.
func udfEntry(t *testing.T, b []byte, p string) []byte {
	t.Helper()
	_, e, err := udffix.Entry(b, p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// retag records the MD5s of session 0 of image b anew, as the writer
// would have recorded them had it written b as it is: the superblock
// and tree tags, the checksum array's session entry (and its own last
// entry) and the session tag. A change made to b then shows in no tag.
func retag(t *testing.T, b []byte) {
	t.Helper()
	r, n := bytes.NewReader(b), int64(len(b)/tree.SectorSize)
	rep, err := master.Verify(r, n, 0, master.VerifyQuick)
	if len(rep.Tags) < 2 {
		t.Fatalf("tags of the session: %v %v", rep.Tags, err)
	}
	s, err := master.ReadSession(r, n, 0)
	if err != nil || s.Checksums == nil {
		t.Fatalf("checksum array: %v %v", s, err)
	}
	sum := func(end uint32) [16]byte { return md5.Sum(b[:int(end)*tree.SectorSize]) }
	put := func(tag master.Tag) {
		tag.MD5 = sum(tag.Pos)
		copy(b[int(tag.Pos)*tree.SectorSize:], tag.Encode())
	}
	put(rep.Tags[0]) // superblock
	put(rep.Tags[1]) // tree
	ca := s.Checksums
	arr := b[int(ca.End)*tree.SectorSize : int(ca.End)*tree.SectorSize+int(ca.Count)*16]
	s0 := sum(ca.End)
	copy(arr, s0[:])
	last := md5.Sum(arr[:len(arr)-16])
	copy(arr[len(arr)-16:], last[:])
	treeTag := rep.Tags[1]
	st, err := master.ParseTag(b[int(treeTag.Next)*tree.SectorSize:][:tree.SectorSize])
	if err != nil || st.Type != master.TagSession {
		t.Fatalf("session tag at %d: %v %v", treeTag.Next, st, err)
	}
	put(st)
}

// Verify compares a bridge session's UDF tree with its Rock Ridge tree:
// a UDF file entry that points at other sectors than the Rock Ridge
// record of the same file, or records another length, fails verify
// naming the file, at every level, even when its descriptor tag is
// sound and the session's MD5 tags were recorded over the changed
// entry (as a writer that placed it wrong would record them). The same
// session untouched passes.
func TestVerifyUDFAgainstRockRidge(t *testing.T) {
	good := bridgeImage(t)
	for _, level := range []master.VerifyLevel{master.VerifyQuick, master.VerifySession, master.VerifyFull} {
		if rep, err := master.Verify(bytes.NewReader(good), int64(len(good)/tree.SectorSize), 0, level); err != nil {
			t.Fatalf("%v: the sound session: %v %v", level, err, rep.Problems)
		}
	}
	le := binary.LittleEndian
	cases := map[string]struct {
		path   string
		change func(e []byte)
		detail string
	}{
		"extent": {"sub/c.txt", func(e []byte) {
			// The first allocation descriptor's block (short or long
			// form: after its 4-byte length).
			ad := 176 + int(le.Uint32(e[168:]))
			le.PutUint32(e[ad+4:], le.Uint32(e[ad+4:])-1)
		}, "in the UDF tree"},
		"length": {"a.txt", func(e []byte) {
			le.PutUint64(e[56:], le.Uint64(e[56:])-1)
		}, "6 bytes in the Rock Ridge tree, 5 in the UDF tree"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			b := bytes.Clone(good)
			e := udfEntry(t, b, c.path)
			c.change(e)
			udffix.Reseal(e, -1)
			if _, err := udf.CheckTag(e, le.Uint32(e[12:])); err != nil {
				t.Fatalf("the changed entry's tag: %v", err)
			}
			retag(t, b)
			for _, level := range []master.VerifyLevel{master.VerifyQuick, master.VerifySession, master.VerifyFull} {
				rep, err := master.Verify(bytes.NewReader(b), int64(len(b)/tree.SectorSize), 0, level)
				if !errors.Is(err, master.ErrMismatch) {
					t.Errorf("%v: verify says %v, want a mismatch", level, err)
				}
				found := false
				for _, p := range rep.Problems {
					if p.Path == "/"+c.path && p.What == "UDF tree" && strings.Contains(p.Detail, c.detail) {
						found = true
					} else {
						t.Errorf("%v: another problem: %v", level, p)
					}
				}
				if !found || !strings.Contains(err.Error(), "/"+c.path) {
					t.Errorf("%v: no UDF tree problem naming /%s (%q): %v\n%v", level, c.path, c.detail, err, rep.Problems)
				}
			}
		})
	}
}

// Sessions without checksum tags are not compared: genisoimage -R -udf
// records a symbolic link as a file in UDF and keeps rr_moved in the Rock
// Ridge tree only, and its session stays unverifiable, not bad.
func TestVerifyUDFForeignBridge(t *testing.T) {
	oracle.Need(t, "genisoimage")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	deep := filepath.Join(src, "a", "b", "c", "d", "e", "f", "g", "h", "i")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(deep, "deep.txt"), []byte("deep\n"), 0o644)
	os.Symlink("a/b", filepath.Join(src, "link"))
	img := filepath.Join(dir, "g.iso")
	oracle.Run(t, "genisoimage", "-quiet", "-R", "-J", "-udf", "-o", img, src)
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := master.Verify(bytes.NewReader(b), int64(len(b)/tree.SectorSize), 0, master.VerifyFull); !errors.Is(err, master.ErrUnverifiable) {
		t.Errorf("verify: %v %v, want unverifiable", err, rep.Problems)
	}
}

// A symbolic link UDF cannot hold (a target component over 255 bytes)
// is left out of the UDF tree, with a warning, and the session verifies:
// the UDF tree lacks nothing it could hold. Another link still counts.
func TestVerifyUDFLeftOutLink(t *testing.T) {
	long := strings.Repeat("x", 255)
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: []*tree.Node{
		{Name: "L", Mode: fs.ModeSymlink | 0o777, ModTime: wFixedTime, Target: long},
		{Name: "M", Mode: fs.ModeSymlink | 0o777, ModTime: wFixedTime, Target: "y/" + long + "/z"},
		{Name: "ok", Mode: fs.ModeSymlink | 0o777, ModTime: wFixedTime, Target: "short"},
	}}
	opts := md5Opts()
	opts.UDF = 0x201
	im, err := master.Layout(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, w := range im.Warnings() {
		if w.Hierarchy == "UDF" && strings.HasPrefix(w.Reason, "left out") {
			left++
		}
	}
	if left != 2 {
		t.Errorf("%d links said left out of UDF, want 2: %v", left, im.Warnings())
	}
	writeVerifies(t, im)
}

// TestVerifyUDFLinkNotUTF8: a link whose target is not UTF-8 keeps its
// bytes in the Rock Ridge tree, and the UDF tree holds it as it holds
// such names, each stray byte as a Latin-1 character, with a warning; the session
// verifies (it did not: every commit of such a link wrote a session and
// then failed).
func TestVerifyUDFLinkNotUTF8(t *testing.T) {
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: []*tree.Node{
		{Name: "L", Mode: fs.ModeSymlink | 0o777, ModTime: wFixedTime, Target: "caf\xe9/x"},
		{Name: "ok", Mode: fs.ModeSymlink | 0o777, ModTime: wFixedTime, Target: "café"},
	}}
	opts := md5Opts()
	opts.UDF = 0x201
	im, err := master.Layout(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	said := 0
	for _, w := range im.Warnings() {
		if w.Hierarchy == "UDF" && strings.Contains(w.Reason, "not UTF-8") && strings.HasSuffix(w.Path, "/L") {
			said++
		}
	}
	if said != 1 {
		t.Errorf("the link to a target that is not UTF-8 is not told: %v", im.Warnings())
	}
	writeVerifies(t, im)
}

// TestVerifyUDFTimesOutOfRange: files dated before year 1, before 1900,
// after 2155 and after 9999 make a session that verifies: each tree
// records the nearest time it holds. A time before year 1 was recorded
// in UDF as 0001-01-01 00:00:00 UTC, which reads back as no time at all,
// and every session holding one failed verification after it was
// written.
func TestVerifyUDFTimesOutOfRange(t *testing.T) {
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime}
	for i, mt := range []time.Time{
		time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(-99999999999, 0),
		time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2156, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(math.MinInt64, 0), // its year wraps to a large one
		time.Unix(math.MaxInt64, 0),
	} {
		root.Children = append(root.Children, &tree.Node{Name: fmt.Sprintf("f%d", i), Mode: 0o644, ModTime: mt, AccessTime: mt})
	}
	opts := md5Opts()
	opts.UDF = 0x201
	im, err := master.Layout(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	writeVerifies(t, im)
}

// TestNamesReadBackAsOne: "caf\xe9" beside "café" is refused before
// anything is written (ErrBadName): a reader gives the first back as the
// second (each stray byte as Latin-1), and the session, with one name
// twice, was written and then failed its verification.
func TestNamesReadBackAsOne(t *testing.T) {
	for _, dir := range []bool{false, true} {
		kid := func(name string) *tree.Node {
			if dir {
				return &tree.Node{Name: name, Mode: fs.ModeDir | 0o755, ModTime: wFixedTime}
			}
			return &tree.Node{Name: name, Mode: 0o644, ModTime: wFixedTime}
		}
		root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: []*tree.Node{kid("café"), kid("caf\xe9"), kid("x\xff")}}
		if _, err := master.Layout(root, md5Opts()); !errors.Is(err, master.ErrBadName) {
			t.Errorf("directories %v: %v, want ErrBadName", dir, err)
		}
	}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: []*tree.Node{
		{Name: "caf\xe9", Mode: 0o644, ModTime: wFixedTime}, {Name: "cafe", Mode: 0o644, ModTime: wFixedTime}}}
	if _, err := master.Layout(root, md5Opts()); err != nil {
		t.Errorf("names read back apart: %v", err)
	}
}

// writeVerifies writes im and verifies it at VerifyQuick and VerifyFull.
func writeVerifies(t *testing.T, im *master.Image) {
	t.Helper()
	var out bytes.Buffer
	if _, err := im.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	b := out.Bytes()
	for _, level := range []master.VerifyLevel{master.VerifyQuick, master.VerifyFull} {
		if rep, err := master.Verify(bytes.NewReader(b), int64(len(b)/tree.SectorSize), 0, level); err != nil {
			t.Errorf("%v: %v %v", level, err, rep.Problems)
		}
	}
}
