package master_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// TestSessionEndKeepsNoFiles: the end of a session (what an image's
// probe works out when it is opened) is found without building a node,
// a name or a checksum index for each of its files: on a disc of a
// million files that took seconds of every mount. It counts every
// file's extent all the same.
func TestSessionEndKeepsNoFiles(t *testing.T) {
	const dirs, per = 4, 500
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	for d := range dirs {
		dir := &tree.Node{Name: fmt.Sprintf("d%d", d), Mode: fs.ModeDir | 0o755}
		for f := range per {
			n := &tree.Node{Name: fmt.Sprintf("file-%04d.txt", f), Mode: 0o644}
			if f%100 == 0 {
				data := fmt.Sprintf("file %d of %d\n", f, d)
				n.Size, n.Source = int64(len(data)), tree.Bytes(data)
			}
			dir.Children = append(dir.Children, n)
		}
		root.Children = append(root.Children, dir)
	}
	img := filepath.Join(t.TempDir(), "many.iso")
	opts := fullOpts()
	opts.MD5 = true // a checksum index in every file's Rock Ridge fields
	writeSession(t, img, root, opts)
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	sectors := st.Size() / tree.SectorSize
	var end uint64
	allocs := testing.AllocsPerRun(2, func() {
		if end, err = master.SessionEnd(f, sectors, 0); err != nil {
			t.Fatal(err)
		}
	})
	if end == 0 || end > uint64(sectors) {
		t.Errorf("the session ends at LBA %d, in an image of %d sectors", end, sectors)
	}
	if perFile := allocs / (dirs * per); perFile > 1.5 {
		t.Errorf("SessionEnd makes %.1f allocations a file, want at most 1.5", perFile)
	}
}
