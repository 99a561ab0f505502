package udf

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// treeOf is bench/append.sh's tree with dirs directories of 1,000 small
// files (100 directories there), placed one sector each from sector
// 1000.
func treeOf(dirs int) *tree.Node {
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: testTime}
	lba := uint32(1000)
	for d := 0; d < dirs; d++ {
		dir := &tree.Node{Name: fmt.Sprintf("d%03d", d), Mode: fs.ModeDir | 0o755, ModTime: testTime}
		for f := 0; f < 1000; f++ {
			data := fmt.Sprintf("%d/%d\n", d, f)
			dir.Children = append(dir.Children, &tree.Node{Name: fmt.Sprintf("file%04d.txt", f), Mode: 0o644,
				ModTime: testTime, Size: int64(len(data)), Extents: []tree.Extent{{LBA: lba, Length: uint32(len(data))}}})
			lba++
		}
		root.Children = append(root.Children, dir)
	}
	return root
}

// What the UDF side of a session costs on bench/append.sh's tree: the
// first session, and a second one that adds one file, with and without
// pointing at the first session's file entries. The test runs a tenth of
// the tree (10,000 files); UDF_COST=full runs all 100,000:
//
//	UDF_COST=full go test -run TestSessionCost -v ./master/udf
func TestSessionCost(t *testing.T) {
	dirs := 10
	if os.Getenv("UDF_COST") == "full" {
		dirs = 100
	}
	files := dirs * 1000
	root := treeOf(dirs)
	t0 := time.Now()
	p1, err := NewPlan(root, Options{Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	p1.Place(300000)
	if _, err := p1.WriteTo(io.Discard); err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	// Session 2: the same tree and one new file of 1 MiB.
	entries := map[*tree.Node]EntryRef{}
	next := uint32(200000)
	for _, d := range root.Children {
		for _, f := range d.Children {
			entries[f] = EntryRef{LBA: next, UniqueID: uint64(next)}
			next++
		}
	}
	root.Children = append(root.Children, &tree.Node{Name: "one.bin", Mode: 0o644, Size: 1 << 20,
		Extents: []tree.Extent{{LBA: 400000, Length: 1 << 20}}})
	plain, err := NewPlan(root, Options{Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	start := uint32(0)
	reuse, err := NewPlan(root, Options{Time: testTime, PartitionStart: &start, NextUniqueID: uint64(next),
		Entries: func(n *tree.Node, _ Path) (EntryRef, bool) { r, ok := entries[n]; return r, ok }})
	if err != nil {
		t.Fatal(err)
	}
	reuse.Place(500000)
	if _, err := reuse.WriteTo(io.Discard); err != nil {
		t.Fatal(err)
	}
	t.Logf("session 1 (%d files in %d directories): %d sectors (%.1f MiB), planned and written in %v",
		files, dirs, p1.Sectors(), float64(p1.Sectors())*BlockSize/(1<<20), took)
	t.Logf("session 2 adding one file: %d sectors (%.1f MiB) rewriting every entry, %d sectors (%.1f MiB) reusing %d entries",
		plain.Sectors(), float64(plain.Sectors())*BlockSize/(1<<20), reuse.Sectors(), float64(reuse.Sectors())*BlockSize/(1<<20), reuse.Reused())
	if reuse.Reused() != files || plain.Sectors()-reuse.Sectors() != uint32(files) {
		t.Errorf("reusing saves %d sectors for %d entries", plain.Sectors()-reuse.Sectors(), reuse.Reused())
	}
}
