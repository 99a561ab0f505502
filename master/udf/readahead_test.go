package udf

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync/atomic"
	"testing"

	"github.com/discstage/discstage/master/tree"
)

type countingReader struct {
	r     io.ReaderAt
	reads atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.reads.Add(1)
	return c.r.ReadAt(p, off)
}

// thousandsImage is a UDF image of dirs directories of 1,000 small
// files each ("D/F" in dD/fFFFF), open for reading, and its size in
// sectors.
func thousandsImage(tb testing.TB, dirs int) (*os.File, int64) {
	tb.Helper()
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: testTime}
	for d := 0; d < dirs; d++ {
		dir := &tree.Node{Name: fmt.Sprintf("d%d", d), Mode: fs.ModeDir | 0o755, ModTime: testTime}
		for f := 0; f < 1000; f++ {
			dir.Children = append(dir.Children, tfile(fmt.Sprintf("f%04d", f), fmt.Sprintf("%d/%d", d, f), 0o644))
		}
		root.Children = append(root.Children, dir)
	}
	path, _ := udfImage(tb, root, Options{Time: testTime}, false)
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	return f, st.Size() / BlockSize
}

// Tree reads the file entries, which lie side by side, through a read
// window: a tree of 5,000 files takes a few dozen reads of the medium,
// not one per entry (the status of a mount over a disc of 1,000,000
// files read a million blocks one by one). Files with holes read the
// medium itself afterwards.
func TestTreeReadsAhead(t *testing.T) {
	f, sectors := thousandsImage(t, 5)
	c := &countingReader{r: f}
	v, err := Open(c, sectors, 0)
	if err != nil {
		t.Fatal(err)
	}
	before := c.reads.Load()
	got, err := v.Tree()
	if err != nil {
		t.Fatal(err)
	}
	if n := c.reads.Load() - before; n > 100 {
		t.Errorf("reading a tree of 5,000 files took %d reads of the medium", n)
	}
	b, err := fs.ReadFile(v.FS(got), "d3/f0042")
	if err != nil || string(b) != "3/42" {
		t.Errorf("d3/f0042 after the walk: %q, %v", b, err)
	}
	if v.r != io.ReaderAt(c) {
		t.Errorf("the volume kept the walk's window as its medium")
	}
}

// BenchmarkTree20k reads the tree of 20,000 files from an image file (in
// the page cache): go test -run '^$' -bench Tree20k ./master/udf
func BenchmarkTree20k(b *testing.B) {
	f, sectors := thousandsImage(b, 20)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := Open(f, sectors, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Tree(); err != nil {
			b.Fatal(err)
		}
	}
}
