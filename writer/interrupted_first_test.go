package writer_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/writer"
)

// TestInterruptedFirstSessionIsBlank checks an image whose first session
// was killed before its head was written: the file holds the zeroed
// head and part of the body, and no descriptor. Nothing on it claims a
// byte, so it is a blank medium that the next append writes over, not a
// file that is "not ISO 9660" and strands the staged files of a mount.
func TestInterruptedFirstSessionIsBlank(t *testing.T) {
	tmp := t.TempDir()
	img := filepath.Join(tmp, "killed.iso")
	// What a kill after the head was zeroed and some data streamed
	// leaves: zeros up to the session's descriptors, then data.
	body := append(make([]byte, (writer.FirstGrownSession+20)*2048), bytes.Repeat([]byte("partial file data "), 20000)...)
	if err := os.WriteFile(img, body, 0o644); err != nil {
		t.Fatal(err)
	}
	tgt, err := writer.OpenImage(img, writer.ImageOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := tgt.Probe()
	tgt.Close()
	if err != nil || m.State != writer.Blank || len(m.Sessions) != 0 || m.NextWritable != writer.FirstGrownSession {
		t.Fatalf("probe of an image whose first session was interrupted: %+v, %v; want blank", m, err)
	}
	src := t.TempDir()
	testtree.File(t, src, "a.txt", []byte("first session, again\n"))
	testtree.File(t, src, "d/b.txt", []byte("bee\n"))
	mirror(t, img, src, burn.AppendOptions{VolumeID: "AGAIN"})
	if toc := testtree.XorrisoTOC(t, img); len(toc) != 1 || toc[0].Start != writer.FirstGrownSession {
		t.Fatalf("xorriso -toc after the append: %v", toc)
	}
	testtree.XorrisoCompare(t, img, -1, src)
}
