package master_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// TestSessionEndNamesWhatIsDamaged: reading a session's end names no
// file, but an error names the file and folder it met the damage in,
// not "-".
func TestSessionEndNamesWhatIsDamaged(t *testing.T) {
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
		{Name: "folder", Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
			{Name: "last.bin", Mode: 0o644, Size: 100_000, Source: tree.Bytes(make([]byte, 100_000))},
		}},
	}}
	img := filepath.Join(t.TempDir(), "d.iso")
	writeSession(t, img, root, fullOpts())
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	s, err := master.ReadSession(f, st.Size()/tree.SectorSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Root.Lookup("/folder/last.bin") == nil {
		t.Fatal("no /folder/last.bin")
	}
	// Its ISO 9660 record's extent is made to lie past the medium end.
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(b, []byte("LAST.BIN;1"))
	if at < 33 {
		t.Fatal("no ISO 9660 record of last.bin")
	}
	rec := b[at-33:]
	binary.LittleEndian.PutUint32(rec[2:], 1<<20)
	binary.BigEndian.PutUint32(rec[6:], 1<<20)
	_, err = master.SessionEnd(bytes.NewReader(b), int64(len(b))/tree.SectorSize, 0)
	if err == nil || !strings.Contains(err.Error(), `"/folder/last.bin"`) {
		t.Errorf("session end of a medium cut inside /folder/last.bin: %v", err)
	}
}
