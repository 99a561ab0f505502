package master_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
)

// TestWriteNoLargerThanXorriso masters a tree of many small files with
// Joliet, Rock Ridge and MD5 and checks that the session is no larger
// than xorriso's session of the same tree with the same information
// (xorriso -joliet on -md5 on: Rock Ridge, Joliet, an MD5 per file).
// The files' data take the same sectors in both, so the difference is
// metadata: directory records (PX, TF, NM, the MD5 index), Joliet
// records, continuation areas and the checksum array.
func TestWriteNoLargerThanXorriso(t *testing.T) {
	oracle.Need(t, "xorriso")
	dir := filepath.Join(t.TempDir(), "src")
	for d := 0; d < 3; d++ {
		for f := 0; f < 1000; f++ {
			testtree.File(t, dir, fmt.Sprintf("d%03d/file%04d.txt", d, f), []byte(fmt.Sprintf("%d/%d\n", d, f)))
		}
	}
	root, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := fullOpts()
	opts.MD5 = true
	img := filepath.Join(t.TempDir(), "ds.iso")
	ours := writeSession(t, img, root, opts).Sectors()

	ximg := filepath.Join(t.TempDir(), "xo.iso")
	oracle.Run(t, "xorriso", "-md5", "on", "-joliet", "on", "-outdev", ximg, "-map", dir, "/", "-commit")
	toc := testtree.XorrisoTOC(t, ximg)
	if len(toc) != 1 {
		t.Fatalf("xorriso -toc: %v", toc)
	}
	theirs := toc[0].Size
	t.Logf("3,000 files: discstage %d sectors, xorriso %d", ours, theirs)
	if ours > theirs {
		t.Errorf("discstage's session has %d sectors, xorriso's %d", ours, theirs)
	}
}
