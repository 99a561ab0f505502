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

// manyFilesImage writes a session of dirs×per files, one in a hundred
// with data, with MD5 checksums (an index in every file's Rock Ridge
// fields), and returns it opened with its size in sectors.
func manyFilesImage(t *testing.T, dirs, per int) (*os.File, int64) {
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
	opts.MD5 = true
	writeSession(t, img, root, opts)
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return f, st.Size() / tree.SectorSize
}

// TestReadSessionChecksumIndexes: reading a session finds each file's
// checksum index without a map of its attributes (which took a third
// of the time a mount of a disc of a million files spent reading its
// tree), and still gives every file its MD5.
func TestReadSessionChecksumIndexes(t *testing.T) {
	const dirs, per = 4, 500
	f, sectors := manyFilesImage(t, dirs, per)
	var s *master.Session
	allocs := testing.AllocsPerRun(2, func() {
		var err error
		if s, err = master.ReadSession(f, sectors, 0); err != nil {
			t.Fatal(err)
		}
	})
	for _, d := range s.Root.Children {
		for _, n := range d.Children {
			if !n.HasMD5 {
				t.Fatalf("%s/%s has no MD5", d.Name, n.Name)
			}
		}
	}
	t.Logf("ReadSession makes %.1f allocations a file", allocs/(dirs*per))
	if perFile := allocs / (dirs * per); perFile > 9 {
		t.Errorf("ReadSession makes %.1f allocations a file, want at most 9 (a map of each file's attributes made 12)", perFile)
	}
}

// TestSessionEndKeepsNoFiles: the end of a session (what an image's
// probe works out when it is opened) is found without building a node,
// a name or a checksum index for each of its files: on a disc of a
// million files that took seconds of every mount. It counts every
// file's extent all the same.
func TestSessionEndKeepsNoFiles(t *testing.T) {
	const dirs, per = 4, 500
	f, sectors := manyFilesImage(t, dirs, per)
	var err error
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
