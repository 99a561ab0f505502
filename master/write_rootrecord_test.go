package master_test

import (
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/master/tree"
)

// rootDotEntries returns the signatures of the System Use entries in the
// root directory's "." record of the session at start.
func rootDotEntries(t testing.TB, img []byte, start uint32) []string {
	t.Helper()
	pvd := img[(int(start)+16)*tree.SectorSize:]
	root := binary.LittleEndian.Uint32(pvd[156+2:])
	rec := img[int(root)*tree.SectorSize:]
	su := rec[34:rec[0]]
	var sigs []string
	for len(su) >= 4 && su[2] >= 4 && int(su[2]) <= len(su) {
		sigs = append(sigs, string(su[:2]))
		su = su[su[2]:]
	}
	return sigs
}

// TestWriteRootRecordWithoutContinuation checks that the root's "."
// record of every session holds SP, ER and the checksum array's place
// itself, with no continuation area: Linux, mounting an older session of
// a grown image (sbsector=), measures continuation areas against that
// session's own Volume Space Size and, finding the root's beyond it,
// drops Rock Ridge for the whole session (modes 0555, no links, Joliet
// names). It checks with and without MD5, at a start LBA far beyond the
// session's size, and that the session still reads with Rock Ridge.
// (kernel-read --session LBA shows it with Linux; xorriso -toc and
// appending after discstage are checked by the writer's tests.)
func TestWriteRootRecordWithoutContinuation(t *testing.T) {
	for _, md5 := range []bool{false, true} {
		root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
			{Name: "a.txt", Mode: 0o644, Size: 1, Source: tree.ReaderAtSource{R: strings.NewReader("a"), Size: 1}},
			{Name: "link", Mode: fs.ModeSymlink | 0o777, Target: "a.txt"},
		}}
		opts := fullOpts()
		opts.MD5 = md5
		opts.StartLBA = 1000
		img := filepath.Join(t.TempDir(), "img.iso")
		writeSession(t, img, root, opts)
		b, err := os.ReadFile(img)
		if err != nil {
			t.Fatal(err)
		}
		sigs := rootDotEntries(t, b, opts.StartLBA)
		joined := strings.Join(sigs, " ")
		if !strings.HasPrefix(joined, "SP ") || !strings.Contains(joined, "ER") || strings.Contains(joined, "CE") || md5 != strings.Contains(joined, "AL") {
			t.Errorf("MD5 %v: root's \".\" record holds %v, want SP, ER (and AL with MD5), no CE", md5, sigs)
		}
		if m := ourManifest(t, img, opts.StartLBA); m["/link"] != "l a.txt" {
			t.Errorf("MD5 %v: the session does not read with Rock Ridge: %v", md5, m)
		}
	}
}
