package writer_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// An image session starts the writeback of its stream as it goes, chunk
// by chunk after the held-back head, so that the syncs of the commit
// protocol do not wait for the whole session at the end; the image is
// then as before: the session reads back and its checksums verify.
func TestImageStartsWritebackWhileStreaming(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	testtree.File(t, src, "big.bin", testtree.Random(3*writer.WritebackChunk+12345))
	testtree.File(t, src, "small.txt", []byte("small\n"))
	type call struct{ off, n int64 }
	var calls []call
	restore := writer.SetStartWriteback(func(f *os.File, off, n int64) { calls = append(calls, call{off, n}) })
	defer restore()
	img := filepath.Join(dir, "img.iso")
	res, _ := mirror(t, img, src, burn.AppendOptions{Verify: master.VerifyFull})
	if len(calls) < 3 {
		t.Fatalf("writeback started %d times, want at least 3: %v", len(calls), calls)
	}
	// Contiguous, after the head (32 sectors), within the session.
	start := int64(res.Session.Start) * tree.SectorSize
	next := start + writer.SuperblockSectors*tree.SectorSize
	for _, c := range calls {
		if c.off != next || c.n < writer.WritebackChunk {
			t.Fatalf("writeback calls %v: want contiguous chunks of at least %d bytes from byte %d", calls, writer.WritebackChunk, start+writer.SuperblockSectors*tree.SectorSize)
		}
		next = c.off + c.n
	}
	if end := start + int64(res.Sectors)*tree.SectorSize; next > end {
		t.Errorf("writeback reaches byte %d, past the session's end %d", next, end)
	}
	checkSessions(t, img, []uint32{res.Session.Start}, []string{src})
}
