package master_test

import (
	"io/fs"
	"maps"
	"slices"
	"testing"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// Names Windows cannot use as they are, in the Joliet or UDF tree it
// reads, are warned of, each once, whatever else the session does with
// them: a name of a folder that differs only in case from one before it
// (in the session's order of bytes), device names (with an extension
// too, in any case), trailing dots and spaces, and " < > |. Names that
// only look like them are not. A session without Joliet and UDF, which
// Windows reads as 8.3 names, warns of none.
func TestWindowsNamesWarned(t *testing.T) {
	file := func(name string) *tree.Node {
		return &tree.Node{Name: name, Mode: 0o644, ModTime: wFixedTime}
	}
	dir := func(name string, kids ...*tree.Node) *tree.Node {
		return &tree.Node{Name: name, Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: kids}
	}
	root := dir("",
		file("Readme.txt"), file("README.TXT"), file("readme.txt"),
		file("CON"), file("con.txt"), file("Com1.log"), file("LPT9"), file("nul .txt"), file("AUX.tar.gz"),
		file("trailing."), file("trailing "), file(`a"b`), file("a<b"), file("a>b"), file("a|b"),
		file("CONSOLE"), file("COM10"), file("LPTX"), file(".hidden"), file("ok.name"), file("Ünïcode"), file("ÜNÏCODE"),
		dir("Folder", file("x"), file("X")), dir("folder"),
	)
	want := map[string]bool{
		"/Readme.txt": true, "/readme.txt": true, "/Ünïcode": true, "/Folder/x": true, "/folder": true,
		"/CON": true, "/con.txt": true, "/Com1.log": true, "/LPT9": true, "/nul .txt": true, "/AUX.tar.gz": true,
		"/trailing.": true, "/trailing ": true, `/a"b`: true, "/a<b": true, "/a>b": true, "/a|b": true,
	}
	for _, udf := range []uint16{0, 0x201} {
		opts := fullOpts()
		opts.UDF = udf
		im, err := master.Layout(root, opts)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, w := range im.Warnings() {
			if w.Hierarchy != master.HierarchyWindows {
				continue
			}
			if got[w.Path] {
				t.Errorf("UDF %x: %s warned of twice", udf, w.Path)
			}
			got[w.Path] = true
			if w.Name != "" || w.Reason == "" {
				t.Errorf("UDF %x: %+v: want no name (the trees keep it) and a reason", udf, w)
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("UDF %x: warned of %v, want %v", udf, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
	}
	opts := fullOpts()
	opts.Joliet = false
	im, err := master.Layout(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range im.Warnings() {
		if w.Hierarchy == master.HierarchyWindows {
			t.Errorf("no Joliet, no UDF: %v", w)
		}
	}
}
