package master

import (
	"fmt"
	"io/fs"
	"testing"

	"github.com/discstage/discstage/master/tree"
)

// TestLayoutReportsProgress: Layout tells how far it went through the
// tree's files, in bytes, rising to the total, which it reaches last.
func TestLayoutReportsProgress(t *testing.T) {
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	var total int64
	for d := 0; d < 4; d++ {
		dir := &tree.Node{Name: fmt.Sprintf("d%d", d), Mode: fs.ModeDir | 0o755}
		for f := 0; f < 300; f++ {
			data := fmt.Sprintf("%0*d", 100+f, f)
			dir.Children = append(dir.Children, fzFile(fmt.Sprintf("f%03d", f), data))
			total += int64(len(data))
		}
		root.Children = append(root.Children, dir)
	}
	type report struct{ done, total int64 }
	var got []report
	opts := Options{Joliet: true, RockRidge: true, Time: fzTime,
		Progress: func(done, total int64) { got = append(got, report{done, total}) }}
	if _, err := Layout(root, opts); err != nil {
		t.Fatal(err)
	}
	if len(got) < 10 {
		t.Fatalf("%d reports: %v", len(got), got)
	}
	for i, r := range got {
		if r.total != total || r.done > total || (i > 0 && r.done < got[i-1].done) {
			t.Fatalf("report %d: %d of %d (total %d)", i, r.done, r.total, total)
		}
	}
	if got[0].done != 0 || got[len(got)-1].done != total {
		t.Errorf("from %d to %d of %d", got[0].done, got[len(got)-1].done, total)
	}
}
