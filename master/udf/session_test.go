package udf

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master/tree"
)

// medium is an image being grown session by session.
type medium struct{ b []byte }

func (m *medium) put(lba uint32, data []byte) {
	end := int(lba)*BlockSize + len(data)
	if end > len(m.b) {
		m.b = append(m.b, make([]byte, end-len(m.b))...)
	}
	copy(m.b[int(lba)*BlockSize:], data)
}

func (m *medium) sectors() uint32 { return uint32(len(m.b) / BlockSize) }

// session writes a UDF session of root at start, with new file data
// after the structures block, anchors at start+256 and at its last
// sector, and returns its plan. Files with Extents keep them.
func (m *medium) session(t *testing.T, root *tree.Node, start uint32, opts Options) *Plan {
	t.Helper()
	p, err := NewPlan(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	p.Place(start + 257)
	next := start + 257 + p.Sectors()
	placed := map[*tree.Node][]tree.Extent{}
	var walk func(n *tree.Node)
	walk = func(n *tree.Node) {
		if n.IsRegular() && n.Source != nil && n.Size > 0 {
			rc, _ := n.Source.Open()
			b, _ := io.ReadAll(rc)
			placed[n] = []tree.Extent{{LBA: next, Length: uint32(len(b))}}
			m.put(next, b)
			next += uint32((len(b) + BlockSize - 1) / BlockSize)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(root)
	p.opts.ExtentsOf = func(n *tree.Node) []tree.Extent { return placed[n] }
	m.put(start+16, p.VRS())
	m.put(start+256, p.Anchor(start+256))
	var buf bytes.Buffer
	if _, err := p.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	m.put(start+257, buf.Bytes())
	m.put(next, p.Anchor(next))
	return p
}

// Two sessions on one medium, as on sequential media: the second
// session's anchor is at its start + 256, and its tree references the
// first session's data by the old extents. Then the anchor at 256 is
// repointed at the newest session, as on grown media.
func TestTwoSessions(t *testing.T) {
	m := &medium{}
	s1 := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{tfile("one.txt", "first session\n", 0o644)}}
	m.session(t, s1, 0, Options{VolumeID: "S1", Time: testTime})
	r := bytes.NewReader(m.b)
	v1, err := Open(r, int64(m.sectors()), 0)
	if err != nil {
		t.Fatal(err)
	}
	old, err := v1.Tree()
	if err != nil {
		t.Fatal(err)
	}
	start2 := (m.sectors() + 31) / 32 * 32
	s2 := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{old.Child("one.txt"), tfile("two.txt", "second session\n", 0o644)}}
	p2 := m.session(t, s2, start2, Options{VolumeID: "S2", Time: testTime})

	check := func(what string, start uint32, wantID string, names ...string) {
		t.Helper()
		r := bytes.NewReader(m.b)
		v, err := Open(r, int64(m.sectors()), start)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		root, err := v.Tree()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if v.VolumeID != wantID {
			t.Errorf("%s: volume %q, want %q", what, v.VolumeID, wantID)
		}
		if err := fstest.TestFS(v.FS(root), names...); err != nil {
			t.Errorf("%s: %v", what, err)
		}
		if b, err := fs.ReadFile(v.FS(root), "one.txt"); err != nil || string(b) != "first session\n" {
			t.Errorf("%s: one.txt %q %v", what, b, err)
		}
	}
	check("session 1 through LBA 256", 0, "S1", "one.txt")
	check("session 2 through its start+256", start2, "S2", "one.txt", "two.txt")
	// The second session's file entry points at the first session's data.
	v, _ := Open(bytes.NewReader(m.b), int64(m.sectors()), start2)
	root, _ := v.Tree()
	if got, want := root.Child("one.txt").Extents, old.Child("one.txt").Extents; got[0] != want[0] {
		t.Errorf("one.txt at %+v, first session wrote it at %+v", got, want)
	}

	keepImageBytes(t, m.b, "two-sessions-seq.img")
	t.Logf("second session at %d", start2)

	// Grown media: the anchor at 256 points at the newest session.
	m.put(256, p2.Anchor(256))
	check("repointed LBA 256", 0, "S2", "one.txt", "two.txt")
	keepImageBytes(t, m.b, "two-sessions-grown.img")

	// Other readers see the newest session, with the entry it reuses.
	oracle.Need(t, "udfinfo", "7z")
	img := filepath.Join(t.TempDir(), "grown.img")
	if err := os.WriteFile(img, m.b, 0o644); err != nil {
		t.Fatal(err)
	}
	if info := oracle.Run(t, "udfinfo", img); !strings.Contains(info, "numfiles=2") || !strings.Contains(info, "lvid=S2") {
		t.Errorf("udfinfo:\n%s", info)
	}
	dir := t.TempDir()
	oracle.Run(t, "7z", "x", "-o"+dir, img)
	for name, want := range map[string]string{"one.txt": "first session\n", "two.txt": "second session\n"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("7z extracts %s as %q: %v", name, b, err)
		}
	}
}

func keepImageBytes(t *testing.T, b []byte, name string) {
	if dir := os.Getenv("UDF_KEEP"); dir != "" {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
}
