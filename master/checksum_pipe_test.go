package master_test

import (
	"bytes"
	"crypto/md5"
	"io"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// heldWriter holds every write until open is closed.
type heldWriter struct {
	open chan struct{}
	buf  bytes.Buffer
}

func (w *heldWriter) Write(p []byte) (int, error) {
	<-w.open
	return w.buf.Write(p)
}

// openedSource reports when it is opened.
type openedSource struct {
	data   []byte
	opened func()
}

func (s openedSource) Open() (io.ReadCloser, error) {
	s.opened()
	return io.NopCloser(bytes.NewReader(s.data)), nil
}

// With checksums, reading and hashing run ahead of the destination: the
// next file is read while the destination still holds the previous
// one's bytes, so the two MD5 passes and the copies overlap across files
// instead of meeting at every file's end.
func TestChecksumsReadAhead(t *testing.T) {
	a, b := bytes.Repeat([]byte("a"), 200<<10), bytes.Repeat([]byte("b"), 200<<10)
	bOpened := make(chan struct{})
	var once sync.Once
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: []*tree.Node{
		{Name: "a", Mode: 0o644, ModTime: wFixedTime, Size: int64(len(a)), Source: tree.ReaderAtSource{R: bytes.NewReader(a), Size: int64(len(a))}},
		{Name: "b", Mode: 0o644, ModTime: wFixedTime, Size: int64(len(b)), Source: openedSource{data: b, opened: func() { once.Do(func() { close(bOpened) }) }}},
	}}
	opts := fullOpts()
	opts.MD5 = true
	im, err := master.Layout(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	w := &heldWriter{open: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := im.WriteTo(w)
		done <- err
	}()
	select {
	case <-bOpened:
	case <-time.After(60 * time.Second):
		close(w.open)
		t.Fatal("the second file was not read while the destination held the first")
	}
	close(w.open)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The result is the session the serial copy wrote: its checksums
	// verify, and file a's MD5 is the MD5 of its bytes.
	img := w.buf.Bytes()
	if _, err := master.Verify(bytes.NewReader(img), int64(len(img)/2048), 0, master.VerifyFull); err != nil {
		t.Fatalf("verify: %v", err)
	}
	want := md5.Sum(a)
	if !bytes.Contains(img, want[:]) {
		t.Error("file a's MD5 is not in the checksum array")
	}
}
