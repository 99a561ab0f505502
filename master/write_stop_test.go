package master

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/discstage/discstage/master/tree"
)

// cancelingReader cancels a context as the stream first reads it.
type cancelingReader struct {
	r      io.ReaderAt
	cancel context.CancelFunc
}

func (c cancelingReader) ReadAt(p []byte, off int64) (int, error) {
	c.cancel()
	return c.r.ReadAt(p, off)
}

// TestWriteToContextStops: a stream whose context is done while it
// copies a file ends with the context's error at its next read or
// write, short of the whole session, with checksums or without.
func TestWriteToContextStops(t *testing.T) {
	for _, md5 := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		data := strings.Repeat("x", 4<<20)
		root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
			{Name: "a.bin", Mode: 0o644, Size: int64(len(data)),
				Source: tree.ReaderAtSource{R: cancelingReader{strings.NewReader(data), cancel}, Size: int64(len(data))}},
			{Name: "b.bin", Mode: 0o644, Size: int64(len(data)), Source: tree.ReaderAtSource{R: strings.NewReader(data), Size: int64(len(data))}},
		}}
		im, err := Layout(root, Options{VolumeID: "X", RockRidge: true, MD5: md5})
		if err != nil {
			t.Fatal(err)
		}
		n, err := im.WriteToContext(ctx, io.Discard)
		if !errors.Is(err, context.Canceled) || n >= int64(im.Sectors())*tree.SectorSize {
			t.Errorf("MD5 %v: wrote %d of %d bytes, error %v; want it stopped short with context.Canceled", md5, n, int64(im.Sectors())*tree.SectorSize, err)
		}
	}
}
